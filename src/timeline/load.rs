//! Reading a timeline: the embedded file, a scenario's overrides merged over it table by table,
//! then serde with `deny_unknown_fields`, then [`super::validate`].

use thiserror::Error;

use super::spec::TimelineSpec;

/// The embedded published timeline.
pub const EMBEDDED_NAME: &str = "data/policy/national_ets.toml";
const EMBEDDED: &str = include_str!("../../data/policy/national_ets.toml");

/// A timeline that cannot be read or breaks a rule; nothing is built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimelineError {
    /// The text is not valid TOML or does not fit the format.
    #[error("{file}: {message}")]
    Parse {
        /// The file (or `policy` section) read.
        file: String,
        /// The parser's message, naming the field.
        message: String,
    },
    /// A field has an impossible value.
    #[error("{file}: invalid {field} = {value}: {reason}")]
    Invalid {
        /// The file (or `policy` section) read.
        file: String,
        /// Dotted path of the field (`cycles.2019-2020.deadlines.final.date`).
        field: String,
        /// The offending value.
        value: String,
        /// What is required.
        reason: String,
    },
}

/// Parses TOML text into a table, naming `file` in the error.
pub(crate) fn parse_table(file: &str, text: &str) -> Result<toml::Table, TimelineError> {
    text.parse::<toml::Table>()
        .map_err(|e| TimelineError::Parse {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })
}

/// The embedded timeline as a table.
pub(crate) fn embedded_table() -> Result<toml::Table, TimelineError> {
    parse_table(EMBEDDED_NAME, EMBEDDED)
}

/// Merges `over` into `base`: tables merge key by key, any other value replaces. A table whose
/// tag (`kind` of a penalty, `method` of an allocation) changes is replaced whole, since the
/// other kind has other fields.
pub(crate) fn merge(base: &mut toml::Table, over: &toml::Table) {
    let retagged = |b: &toml::Table, o: &toml::Table| {
        ["kind", "method"]
            .iter()
            .any(|tag| o.get(*tag).is_some_and(|t| b.get(*tag) != Some(t)))
    };
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if !retagged(b, o) => merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Every leaf of `table` as a dotted path under `prefix` with its value, in the order written.
pub(crate) fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => leaves(&path, t, out),
            toml::Value::Datetime(d) => out.push((path, d.to_string())),
            other => out.push((path, other.to_string())),
        }
    }
}

/// Deserializes a merged table into the file format.
pub(crate) fn to_spec(file: &str, table: toml::Table) -> Result<TimelineSpec, TimelineError> {
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| TimelineError::Parse {
            file: file.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })
}
