//! What the outlook knows of an open cycle (`economics.outlook.foresight`): with `full` (the
//! default) its whole balance from its first covered year on, so the 2023 power cycle's
//! shortfall lifts the outlook on the first trading day of 2023; with `accrued` the part of its
//! balance its emissions have accrued, so a new year's cycle enters the outlook month by month.

use std::path::Path;

use carbonsim::scenario::agent_based::{self, AgentRun};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;

mod common;
use common::{marked_block, mean_close, published_mean_close, study_table, table_cell};

/// The survey arm: the shipped scenario without the published expectations, so that foresight
/// is the one difference the accrued scenario adds to it.
const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/scenarios/agent_based_2021_2023_survey.toml"
);

/// The same scenario calibrated under accrued foresight.
const ACCRUED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/scenarios/agent_based_2021_2023_accrued.toml"
);

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The horizon price and the deficit (t) of the last refresh of 2022 and the first of 2023.
fn across_2023(r: &AgentRun) -> ((f64, i64), (f64, i64)) {
    let outlook = &r.economics.outlook;
    let first = outlook
        .iter()
        .position(|o| o.date.format("%Y").to_string() == "2023")
        .unwrap();
    let at = |i: usize| {
        let o = &outlook[i];
        (o.outlook.horizon.to_f64(), o.deficit_t)
    };
    (at(first - 1), at(first))
}

#[test]
fn a_new_year_s_cycle_enters_the_outlook_as_its_emissions_accrue() {
    let full = ScenarioConfig::from_path(Path::new(SCENARIO)).unwrap();
    let same_but_accrued = full
        .with_overrides(&[Override::parse(r#"economics.outlook.foresight="accrued""#).unwrap()])
        .unwrap();
    let accrued = ScenarioConfig::from_path(Path::new(ACCRUED)).unwrap();
    assert_eq!(
        accrued.economics.outlook,
        same_but_accrued.economics.outlook
    );
    let (a, f) = (
        agent_based::run(&accrued, accrued.seed).unwrap(),
        agent_based::run(&full, full.seed).unwrap(),
    );
    let ((p0, d0), (p1, d1)) = across_2023(&a);
    let ((q0, e0), (q1, e1)) = across_2023(&f);
    // With full foresight the 2023 cycle's whole shortfall arrives at once.
    assert!(e1 - e0 > 40_000_000, "full: {e0} t then {e1} t");
    assert!(q1 > q0 * 1.10, "full: {q0} then {q1}");
    // Accrued, a month's emissions at most (the 2023 cycle is about 5 Gt a year).
    assert!((d1 - d0).abs() < 15_000_000, "accrued: {d0} t then {d1} t");
    assert!(p1 < p0 * 1.06, "accrued: {p0} then {p1}");
    // The closes quoted in docs/model.md ("Foresight"): full foresight jumps by more than a
    // tenth in January 2023; accrued enters 2023 near December 2022 and climbs to the deadlines.
    assert!(mean_close(&f, "2023-01") > mean_close(&f, "2022-12") * 1.1);
    let (dec, jan, oct) = (
        mean_close(&a, "2022-12"),
        mean_close(&a, "2023-01"),
        mean_close(&a, "2023-10"),
    );
    assert!((jan / dec - 1.0).abs() < 0.06, "{dec} then {jan}");
    assert!(oct > jan * 1.1, "{jan} then {oct}");
}

/// The median's relative error of `statistic` (the table's eighth column).
fn error_in(table: &str, statistic: &str) -> String {
    table_cell(table, statistic, 8)
}

/// The median of `statistic` (the table's fifth column).
fn median_in(table: &str, statistic: &str) -> String {
    table_cell(table, statistic, 5)
}

/// `docs/model.md`'s table for the accrued scenario is a fresh run of its 100-seed study, and
/// the comparison under it quotes that table beside the survey arm's, the scenario it derives
/// from (whose own test, `tests/published_expectations.rs`, reruns its study).
#[test]
fn the_accrued_scenario_s_study_and_its_comparison_are_quoted() {
    let table = study_table(&ScenarioConfig::from_path(Path::new(ACCRUED)).unwrap(), 100);
    let model = read("docs/model.md");
    assert_eq!(
        marked_block(&model, "accrued-table"),
        table,
        "docs/model.md's accrued table: rerun the study and paste its statistics.md"
    );
    let survey = marked_block(&model, "survey-table");
    let both = |name: &str, of: &dyn Fn(&str, &str) -> String| {
        format!("{} against {}", of(&table, name), of(survey, name))
    };
    let quoted = format!(
        "mean close 2021 {}, 2022 {}, 2023 {}; last close {}; volume 2023 {}; close-path MAPE {}; maximum drawdown {}",
        both("mean close 2021 (CNY/t)", &error_in),
        both("mean close 2022 (CNY/t)", &error_in),
        both("mean close 2023 (CNY/t)", &error_in),
        both("last close (CNY/t)", &error_in),
        both("volume 2023 (t)", &error_in),
        both("close path MAPE", &median_in),
        both("maximum drawdown", &median_in),
    );
    let one_line = model.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        one_line.contains(&quoted),
        "docs/model.md should say {quoted:?}"
    );
    let missed = format!(
        "the 2022 close is at {}, the 2023 volume at {}, and the 2021 level is lost",
        error_in(&table, "mean close 2022 (CNY/t)"),
        error_in(&table, "volume 2023 (t)"),
    );
    assert!(
        one_line.contains(&missed),
        "docs/model.md should say {missed:?}"
    );
    let h1 = format!(
        "stayed near {:.0} until July",
        published_mean_close("2023-01"..="2023-06")
    );
    assert!(one_line.contains(&h1), "docs/model.md should say {h1:?}");
}
