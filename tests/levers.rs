//! The levers table of `docs/user-guide.md` cannot go stale: every row is a path `--set` accepts
//! (its default leaves the default scenario unchanged; a policy row, at every published value),
//! and every field of a scenario and of the published timeline has a row.

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;

/// Fields that are not levers, with why.
const NOT_LEVERS: [(&str, &str); 2] = [
    (
        "behaviour.ccer_seller.subject_prefix",
        "the runner sets it: each project owner sells its own CCER book",
    ),
    (
        "behaviour.gec_seller.subject_prefix",
        "the runner sets it: each generator sells its own GEC books",
    ),
];

/// Fields a scenario's serialised form leaves out while they hold their defaults (so that a
/// scenario that does not set them keeps its content hash), each with an override that sets them,
/// so that their rows are checked like every other field's.
const LEFT_OUT_AT_DEFAULT: [&str; 3] = [
    "economics.sector_mac.steel.segments=[]",
    r#"economics.outlook.foresight="accrued""#,
    r#"economics.outlook.revisions=[{ published = "2022-06-01", survey = [{ year = 2025, price = "90.00" }] }]"#,
];

/// Keys of the timeline file that document an entry rather than set a rule.
const TIMELINE_METADATA: [&str; 2] = ["source", "assumption"];

const MINIMAL: &str = "name = \"levers\"\nseed = 1\nstart = \"2021-07-16\"\nend = \"2021-12-31\"\n";

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// A row of the table: the path and the first value in backticks of its default cell.
struct Row {
    path: String,
    value: Option<String>,
    /// Whether the default cell gives the default itself (not a required field's shipped value).
    is_default: bool,
    /// `policy.…=…` examples in the default cell.
    examples: Vec<String>,
}

fn rows() -> Vec<Row> {
    let guide = read("docs/user-guide.md");
    let start = guide.find("<!-- levers:start -->").unwrap();
    let end = guide.find("<!-- levers:end -->").unwrap();
    let ticked = |cell: &str| cell.split('`').nth(1).map(str::to_owned);
    guide[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            Row {
                path: ticked(cells[0]).unwrap(),
                value: ticked(cells[2]),
                is_default: cells[2].starts_with('`'),
                examples: cells[2]
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|t| t.starts_with("policy."))
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

/// Every leaf of `v` with its dotted path (a list is one leaf).
fn leaves(prefix: &str, v: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, x, out);
            }
        }
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// A timeline path with its names replaced by the table's placeholders.
fn pattern(path: &str) -> String {
    let mut seg: Vec<&str> = path.split('.').collect();
    let named = [
        ("cycles", "<cycle>"),
        ("vintages", "<vintage>"),
        ("benchmarks", "<year>"),
        ("deadlines", "<deadline>"),
    ];
    for i in 0..seg.len().saturating_sub(1) {
        if let Some((_, p)) = named.iter().find(|(n, _)| *n == seg[i]) {
            // `vintages` names a cycle's list of codes in `banking.vintages`: a leaf, no name.
            if i + 2 < seg.len() || seg[i] != "vintages" {
                seg[i + 1] = p;
            }
        }
    }
    if seg.len() == 4 && seg[0] == "calendar" && seg[1] == "years" {
        seg[2] = "<year>";
    }
    seg.join(".")
}

fn published() -> Vec<(String, toml::Value)> {
    let file: toml::Value = toml::from_str(&read("data/policy/national_ets.toml")).unwrap();
    let mut out = Vec::new();
    leaves("", &file, &mut out);
    let metadata = |p: &str| {
        TIMELINE_METADATA
            .iter()
            .any(|m| p.ends_with(&format!(".{m}")))
    };
    out.retain(|(p, _)| !metadata(p));
    out
}

#[test]
fn every_row_is_accepted_at_its_default() {
    let shipped =
        ScenarioConfig::from_path(Path::new("examples/scenarios/agent_based_2021_2023.toml"))
            .unwrap();
    let minimal = ScenarioConfig::from_toml_str(MINIMAL).unwrap();
    let published = published();
    for row in rows() {
        if let Some(rule) = row.path.strip_prefix("policy.") {
            let at: Vec<String> = published
                .iter()
                .filter(|(p, _)| pattern(p) == rule)
                .map(|(p, v)| format!("policy.{p}={v}"))
                .collect();
            // A rule no published cycle uses carries an example instead.
            let texts = if at.is_empty() { row.examples } else { at };
            assert!(
                !texts.is_empty(),
                "{}: neither published nor exemplified",
                row.path
            );
            for text in texts {
                let o = Override::parse(&text).unwrap();
                if let Err(e) = shipped.with_overrides(&[o]) {
                    panic!("{text}: {e}");
                }
            }
            continue;
        }
        let value = row
            .value
            .unwrap_or_else(|| panic!("{}: no value", row.path));
        let text = format!("{}={value}", row.path);
        let o = Override::parse(&text).unwrap();
        if let Err(e) = shipped.with_overrides(std::slice::from_ref(&o)) {
            panic!("{text}: {e}");
        }
        if row.is_default {
            let same = minimal.with_overrides(&[o]).unwrap();
            assert_eq!(same, minimal, "{text} is not the default");
        }
    }
}

#[test]
fn every_field_has_a_row() {
    let table: Vec<String> = rows().into_iter().map(|r| r.path).collect();
    let minimal = ScenarioConfig::from_toml_str(MINIMAL).unwrap();
    let mut fields = Vec::new();
    leaves("", &toml::Value::try_from(&minimal).unwrap(), &mut fields);
    let set: Vec<Override> = LEFT_OUT_AT_DEFAULT
        .iter()
        .map(|t| Override::parse(t).unwrap())
        .collect();
    let shown = minimal.with_overrides(&set).unwrap();
    leaves("", &toml::Value::try_from(&shown).unwrap(), &mut fields);
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields.dedup_by(|a, b| a.0 == b.0);
    for path in
        ["steel", "cement", "aluminium"].map(|s| format!("economics.sector_mac.{s}.segments"))
    {
        assert!(
            fields.iter().any(|(p, _)| *p == path),
            "{path}: a sector's curve is a field"
        );
    }
    for (path, _) in &fields {
        let excluded = NOT_LEVERS.iter().any(|(p, _)| p == path);
        assert!(
            table.contains(path) != excluded,
            "{path}: {}",
            if excluded {
                "listed as not a lever, yet in the table"
            } else {
                "missing from the levers table in docs/user-guide.md"
            }
        );
    }
    for (path, _) in published() {
        let row = format!("policy.{}", pattern(&path));
        assert!(
            table.contains(&row),
            "{row} (from {path}) missing from the table"
        );
    }
}
