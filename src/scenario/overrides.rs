//! Dotted-path overrides of a scenario (`fleet.compliance_firms=500`), validated exactly as a
//! scenario file is.
//!
//! An override is applied to the scenario's TOML document (its serde form), and the document is
//! then read back through the same `deny_unknown_fields` deserialisation and
//! [`ScenarioConfig::validate`] that a file goes through. So an override can set nothing that a
//! file could not say, and an error names the path and the value. Applying a list is
//! all-or-nothing: [`ScenarioConfig::with_overrides`] returns a new scenario and leaves `self`
//! alone.
//!
//! Prices and money are decimal strings in a scenario file, so that no float stands between the
//! text and the exact value. An override of such a field keeps that promise: a number written for
//! it (`fleet.firm_cash=60000000.00`) is taken as its text, not as a float.

use std::fmt;

use thiserror::Error;
use toml::Value;

use super::config::{ConfigError, ScenarioConfig};

/// One `PATH=VALUE` override: a dotted path into the scenario (array elements by index, as in
/// `submarkets.gec_demand.0.per_month`) and a TOML value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    path: Vec<String>,
    value: Value,
    /// The value as written, when it came from text: a number for a decimal-string field is
    /// taken from here rather than from its float.
    text: Option<String>,
}

/// An override that cannot be applied. Nothing is changed by a failed [`ScenarioConfig::with_overrides`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OverrideError {
    /// The text is not `PATH=VALUE` with a non-empty dotted path.
    #[error("bad override {text:?}: {reason}")]
    Syntax {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No scenario field has this path.
    #[error("unknown scenario field {path} (given {value}): {reason}")]
    UnknownPath {
        /// The dotted path.
        path: String,
        /// The value given.
        value: String,
        /// The parser's explanation (it lists the fields that exist where it can).
        reason: String,
    },
    /// The `[policy]` timeline the overrides produce breaks one of its rules.
    #[error(transparent)]
    Policy(Box<crate::timeline::TimelineError>),
    /// The field exists but the value has the wrong type or is out of range.
    #[error("invalid value for {path} = {value}: {reason}")]
    Invalid {
        /// The dotted path of the field the value was given for.
        path: String,
        /// The value given.
        value: String,
        /// What is required (for a range check, the field it names and its rule).
        reason: String,
    },
}

impl Override {
    /// Parses `PATH=VALUE`. The value is read as a TOML value (`3`, `0.05`, `true`, `"text"`,
    /// `[1, 2]`, `{ from = "2021-07-01", per_month = 5 }`); text that is not one (`my run`) is
    /// taken as a string, and so is a bare date (`2021-08-02`), as scenario files write dates.
    ///
    /// # Errors
    /// [`OverrideError::Syntax`] without `=` or with an empty path segment.
    pub fn parse(text: &str) -> Result<Override, OverrideError> {
        let syntax = |reason: &str| OverrideError::Syntax {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (path, raw) = text
            .split_once('=')
            .ok_or_else(|| syntax("expected PATH=VALUE"))?;
        let raw = raw.trim();
        let value = parse_value(raw);
        let mut o = Override::new(path.trim(), value).map_err(|_| syntax("empty path segment"))?;
        o.text = Some(raw.to_owned());
        Ok(o)
    }

    /// An override of the dotted `path` with `value`.
    ///
    /// # Errors
    /// [`OverrideError::Syntax`] for an empty path or an empty segment (`a..b`).
    pub fn new(path: &str, value: Value) -> Result<Override, OverrideError> {
        let segments: Vec<String> = path.split('.').map(|s| s.trim().to_owned()).collect();
        if segments.iter().any(String::is_empty) {
            return Err(OverrideError::Syntax {
                text: path.to_owned(),
                reason: "empty path segment".into(),
            });
        }
        Ok(Override {
            path: segments,
            value,
            text: None,
        })
    }

    /// The dotted path.
    #[must_use]
    pub fn path(&self) -> String {
        self.path.join(".")
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.value
    }

    fn shown_value(&self) -> String {
        match (&self.text, &self.value) {
            (Some(t), _) => t.clone(),
            (None, Value::String(s)) => s.clone(),
            (None, v) => v.to_string(),
        }
    }

    fn error(&self, reason: String, known: bool) -> OverrideError {
        let (path, value) = (self.path(), self.shown_value());
        if known {
            OverrideError::Invalid {
                path,
                value,
                reason,
            }
        } else {
            OverrideError::UnknownPath {
                path,
                value,
                reason,
            }
        }
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path(), self.shown_value())
    }
}

fn parse_value(raw: &str) -> Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => match t.remove("v") {
            // Scenario files write dates as strings; a bare TOML date means the same.
            Some(Value::Datetime(d)) => Value::String(d.to_string()),
            Some(v) => v,
            None => Value::String(raw.to_owned()),
        },
        Err(_) => Value::String(raw.to_owned()),
    }
}

/// The value to store where `current` is: a number given for a decimal-string field (a price,
/// money, a quantity) becomes its text, so that it is read exactly.
fn coerced(o: &Override, current: Option<&Value>) -> Value {
    match (current, &o.value) {
        (Some(Value::String(_)), Value::Integer(_) | Value::Float(_)) => {
            Value::String(o.text.clone().unwrap_or_else(|| o.value.to_string()))
        }
        _ => o.value.clone(),
    }
}

/// Sets `o` in `doc`, creating missing keys on the way (an optional field or table left out of
/// the document; a key no field has is then refused by the read-back). Returns whether the whole
/// path existed, or `None` when it runs through a value that is neither a table nor an array.
fn set(doc: &mut Value, o: &Override) -> Option<bool> {
    let (last, parents) = o.path.split_last()?;
    let mut node = doc;
    let mut existed = true;
    for seg in parents {
        node = match node {
            Value::Table(t) => {
                existed &= t.contains_key(seg);
                t.entry(seg.clone())
                    .or_insert_with(|| Value::Table(toml::Table::new()))
            }
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match node {
        Value::Table(t) => {
            existed &= t.contains_key(last);
            let v = coerced(o, t.get(last));
            t.insert(last.clone(), v);
            Some(existed)
        }
        Value::Array(a) => {
            let slot = a.get_mut(last.parse::<usize>().ok()?)?;
            *slot = coerced(o, Some(slot));
            Some(existed)
        }
        _ => None,
    }
}

impl ScenarioConfig {
    /// A copy of the scenario with `overrides` applied in order, read back and validated as a
    /// scenario file is.
    ///
    /// # Errors
    /// [`OverrideError::UnknownPath`] for a path no field has; [`OverrideError::Invalid`] for a
    /// value of the wrong type (naming the override) or a scenario that breaks a rule (naming
    /// the field and value the rule reports). `self` is never changed.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<ScenarioConfig, OverrideError> {
        let mut doc = Value::try_from(self).map_err(|e| OverrideError::Syntax {
            text: String::new(),
            reason: format!("the scenario does not serialise to TOML: {e}"),
        })?;
        let mut config = self.clone();
        for o in overrides {
            let known = set(&mut doc, o)
                .ok_or_else(|| o.error("no such field in the scenario".into(), false))?;
            // Read back after each one, so a type error names the override that caused it.
            config = doc
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| o.error(e.message().to_owned(), known))?;
        }
        // Rules between fields are checked once, on the result, so the order of the overrides
        // does not matter (`participants.investors=true` before or after `fleet.investors=5`).
        config.validate().map_err(broken_rule)?;
        Ok(config)
    }
}

fn broken_rule(e: ConfigError) -> OverrideError {
    match e {
        ConfigError::Invalid {
            field,
            value,
            reason,
        } => OverrideError::Invalid {
            path: field,
            value,
            reason,
        },
        ConfigError::Policy(e) => OverrideError::Policy(e),
        other => OverrideError::Syntax {
            text: String::new(),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
seed = 7
start = "2021-07-16"
end = "2021-12-31"
"#;

    fn base() -> ScenarioConfig {
        ScenarioConfig::from_toml_str(MINIMAL).unwrap_or_else(|e| panic!("{e}"))
    }

    fn apply(texts: &[&str]) -> Result<ScenarioConfig, OverrideError> {
        let parsed: Result<Vec<_>, _> = texts.iter().map(|t| Override::parse(t)).collect();
        base().with_overrides(&parsed?)
    }

    #[test]
    fn sets_numbers_booleans_dates_and_strings() {
        let c = apply(&[
            "fleet.compliance_firms=500",
            "behaviour.compliance_firm.base_activity = 0.05",
            "participants.investors=true",
            "fleet.investors=3",
            "start=2021-08-02",
            "name=my run",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.fleet.compliance_firms, 500);
        assert!((c.behaviour.compliance_firm.base_activity - 0.05).abs() < 1e-15);
        assert!(c.participants.investors);
        assert_eq!(c.fleet.investors, 3);
        assert_eq!(c.start.to_string(), "2021-08-02");
        assert_eq!(c.name, "my run");
    }

    #[test]
    fn money_written_as_a_number_is_read_exactly() {
        let c = apply(&["fleet.firm_cash=60000000.10"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.fleet.firm_cash.to_string(), "60000000.10");
        let c = base()
            .with_overrides(&[Override::new("fleet.firm_cash", Value::Integer(7))
                .unwrap_or_else(|e| panic!("{e}"))])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.fleet.firm_cash.to_string(), "7.00");
    }

    #[test]
    fn optional_field_and_array_element_can_be_set() {
        let c = apply(&[
            "calendar_end=2024-12-31",
            "end=2024-06-28",
            "submarkets.gec_demand.1.per_month=5",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.calendar_end.map(|d| d.to_string()).as_deref(),
            Some("2024-12-31")
        );
        assert_eq!(c.submarkets.gec_demand[1].per_month.units(), 5);
    }

    #[test]
    fn unknown_path_names_path_and_value() {
        for text in [
            "fleet.compliance_firm=3",
            "colour=1",
            "colour.shade=1",
            "fleet.colour.shade=1",
            "seed.low=1",
            "submarkets.gec_demand.9.per_month=5",
        ] {
            let err = apply(&[text]).err();
            let Some(OverrideError::UnknownPath { path, value, .. }) = err else {
                panic!("{text}: {err:?}");
            };
            assert_eq!(format!("{path}={value}"), text);
        }
    }

    #[test]
    fn wrong_type_and_out_of_range_name_path_and_value() {
        let cases = [
            ("fleet.compliance_firms=many", "many", "invalid type"),
            ("fleet.compliance_firms=-1", "-1", "invalid value"),
            (
                "behaviour.compliance_firm.base_activity=1.5",
                "1.5",
                "between 0 and 1",
            ),
            ("fleet.market_makers=2", "2", "not admitted"),
        ];
        for (text, shown, why) in cases {
            let err = apply(&[text]).err();
            let Some(OverrideError::Invalid {
                path,
                value,
                reason,
            }) = &err
            else {
                panic!("{text}: {err:?}");
            };
            assert_eq!(Some(path.as_str()), text.split('=').next());
            assert_eq!(value, shown);
            assert!(reason.contains(why), "{text}: {reason}");
        }
    }

    #[test]
    fn a_failed_list_changes_nothing_and_names_the_broken_field() {
        let before = base();
        let list = [
            Override::parse("fleet.compliance_firms=10").unwrap_or_else(|e| panic!("{e}")),
            Override::parse("montecarlo.seeds=0").unwrap_or_else(|e| panic!("{e}")),
        ];
        let err = before.with_overrides(&list).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("montecarlo.seeds = 0")),
            "{err:?}"
        );
        assert_eq!(before, base());
    }

    #[test]
    fn rules_between_fields_hold_whatever_the_order() {
        let one = apply(&["fleet.investors=5", "participants.investors=true"]);
        let two = apply(&["participants.investors=true", "fleet.investors=5"]);
        assert_eq!(one.as_ref().ok(), two.as_ref().ok());
        assert_eq!(one.map(|c| c.fleet.investors).ok(), Some(5));
    }

    #[test]
    fn syntax_errors_and_round_trip() {
        assert!(matches!(
            Override::parse("fleet.compliance_firms"),
            Err(OverrideError::Syntax { .. })
        ));
        assert!(matches!(
            Override::parse("fleet..x=1"),
            Err(OverrideError::Syntax { .. })
        ));
        let o = Override::parse(" fleet.compliance_firms = 42 ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.to_string(), "fleet.compliance_firms=42");
        assert_eq!(o.value(), &Value::Integer(42));
        assert_eq!(base().with_overrides(&[]).ok(), Some(base()));
    }
}
