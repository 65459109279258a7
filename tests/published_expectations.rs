//! The price expectations published after the 2021 survey (the Fudan Carbon Price Index,
//! `data/fudan_cea_expectations.csv`) fed to the outlook as dated revisions: the shipped scenarios
//! carry exactly the releases up to 2024, and `docs/model.md` ("Published expectations") quotes
//! fresh runs of the survey arm's studies (the same scenarios without them) beside the shipped
//! ones'.

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;
use carbonsim::scenario::study::design::value_at;

mod common;
use common::{
    assert_says, marked_block, mean_close, mean_close_over, published_mean_close, rows_of_year,
    study_table, table_cell,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Each shipped scenario beside its survey arm (the same without the published expectations).
const PAIRS: [(&str, &str); 2] = [
    (
        "examples/scenarios/agent_based_2021_2023.toml",
        "examples/scenarios/agent_based_2021_2023_survey.toml",
    ),
    (
        "examples/scenarios/agent_based_2021_2026.toml",
        "examples/scenarios/agent_based_2021_2026_survey.toml",
    ),
];

/// The parameters the calibration set, as its checkpoint's header names them (`path=lo:hi`).
fn calibrated_parameters() -> Vec<String> {
    let checkpoint = read("docs/calibration/checkpoint.jsonl");
    let header: serde_json::Value =
        serde_json::from_str(checkpoint.lines().next().unwrap()).unwrap();
    header["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().split_once('=').unwrap().0.to_owned())
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap()
}

fn config(path: &str) -> ScenarioConfig {
    ScenarioConfig::from_path(&Path::new(ROOT).join(path)).unwrap()
}

/// One release of the index: its day, the December it prices and its mid price there.
struct Release {
    published: String,
    december: i32,
    mid: String,
}

fn releases() -> Vec<Release> {
    let text = read("data/fudan_cea_expectations.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Release {
                published: f[0].to_owned(),
                december: f[4][..4].parse().unwrap(),
                mid: f[5].to_owned(),
            }
        })
        .collect()
}

#[test]
fn the_shipped_scenarios_feed_the_releases_up_to_2024_and_are_otherwise_the_survey_arm() {
    let fed: Vec<_> = releases()
        .into_iter()
        .filter(|r| r.published.as_str() < "2025-01-01")
        .collect();
    for (file, survey_file) in PAIRS {
        let shipped = config(file);
        let revisions = &shipped.economics.outlook.revisions;
        assert_eq!(revisions.len(), fed.len(), "{file}");
        let survey_2030 = shipped.economics.outlook.survey.last().unwrap();
        assert_eq!(survey_2030.year, 2030);
        for (rev, release) in revisions.iter().zip(&fed) {
            assert_eq!(rev.published.to_string(), release.published);
            assert_eq!(rev.survey.len(), 2);
            assert_eq!(rev.survey[0].year, release.december);
            assert_eq!(format!("{:.2}", rev.survey[0].price.to_f64()), release.mid);
            assert_eq!(
                rev.survey[1], *survey_2030,
                "the survey's 2030 point is kept"
            );
        }
        let survey = config(survey_file);
        let sets: Vec<Override> = calibrated_parameters()
            .iter()
            .map(|path| {
                let value = value_at(&survey, path).unwrap();
                Override::parse(&format!("{path}={value}")).unwrap()
            })
            .collect();
        let mut same = shipped.with_overrides(&sets).unwrap();
        same.economics.outlook.revisions.clear();
        same.name = survey.name.clone();
        same.output = survey.output.clone();
        assert_eq!(
            same, survey,
            "{survey_file}: only the revisions and the calibrated values differ"
        );
    }
}

/// Column `column` of `statistic`'s row in `table` against the same in `survey`, as the prose
/// writes it.
fn against(table: &str, survey: &str, statistic: &str, column: usize) -> String {
    format!(
        "{} against {}",
        table_cell(table, statistic, column),
        table_cell(survey, statistic, column)
    )
}

#[test]
fn the_studies_their_comparison_and_the_releases_are_quoted() {
    let model = read("docs/model.md");
    let survey = study_table(&config(PAIRS[0].1), 100);
    assert_eq!(
        marked_block(&model, "survey-table"),
        survey,
        "docs/model.md's survey-arm table: rerun the study and paste its statistics.md"
    );
    let survey_2024 = rows_of_year(&study_table(&config(PAIRS[1].1), 20), 2024);
    assert_eq!(
        marked_block(&model, "survey-2024"),
        survey_2024,
        "docs/model.md's survey-arm 2024 rows: rerun the 20-seed study"
    );
    let table = marked_block(&model, "calibration-table");
    let rows = rows_of_year(marked_block(&model, "after-2023-seeds"), 2024);
    let (survey, survey_2024) = (survey.as_str(), survey_2024.as_str());
    let error = |name: &str| against(table, survey, name, 8);
    let quoted = format!(
        "mean close 2021 {}, 2022 {}, 2023 {}; last close {}; volume 2023 {}; close-path MAPE {}; maximum drawdown {}; volume 2024 {}, turnover 2024 {}, year-end close 2024 {}",
        error("mean close 2021 (CNY/t)"),
        error("mean close 2022 (CNY/t)"),
        error("mean close 2023 (CNY/t)"),
        error("last close (CNY/t)"),
        error("volume 2023 (t)"),
        against(table, survey, "close path MAPE", 5),
        against(table, survey, "maximum drawdown", 5),
        against(&rows, survey_2024, "volume 2024 (t)", 8),
        against(&rows, survey_2024, "turnover 2024 (CNY)", 8),
        against(&rows, survey_2024, "year-end close 2024 (CNY/t)", 8),
    );
    assert_says(&model, &quoted);
    let bp = |file: &str, path: &str| -value_at(&config(file), path).unwrap();
    let balances = format!(
        "the 2021–2022 fleet {} bp short ({} without the expectations), the later power cycles {} bp short ({})",
        bp(PAIRS[0].0, "fleet.period2_balance_bp"),
        bp(PAIRS[0].1, "fleet.period2_balance_bp"),
        bp(PAIRS[0].0, "fleet.later_balance_bp"),
        bp(PAIRS[0].1, "fleet.later_balance_bp"),
    );
    assert_says(&model, &balances);
    let err = |t: &str, name: &str| table_cell(t, name, 8);
    let accrued = marked_block(&model, "accrued-table");
    for wanted in [
        format!(
            "(the 2022 mean close at {}, the 2023 volume at {})",
            err(survey, "mean close 2022 (CNY/t)"),
            err(survey, "volume 2023 (t)")
        ),
        format!(
            "recalibrated) the 2022 close is at {}, the 2023 volume at {}",
            err(accrued, "mean close 2022 (CNY/t)"),
            err(accrued, "volume 2023 (t)")
        ),
        format!(
            "In the survey arm the later cycles must be {} bp short",
            bp(PAIRS[0].1, "fleet.later_balance_bp")
        ),
    ] {
        assert_says(&model, &wanted);
    }
    let all = releases();
    let quote = |r: &Release| {
        format!(
            "{} for December {} (released {}",
            r.mid, r.december, r.published
        )
    };
    for r in &all[..5] {
        let wanted = quote(r);
        assert_says(&model, &wanted);
    }
}

/// The shape `docs/model.md` describes on the default seed: the 2024 level arrives at the turn of
/// the year, and the 2025 forecast lies further off than the survey arm's.
#[test]
fn the_turn_of_2024_and_the_2025_forecast_are_as_quoted() {
    use carbonsim::scenario::agent_based;
    use chrono::Datelike;
    let with = config(PAIRS[1].0);
    let without = config(PAIRS[1].1);
    let (a, b) = (
        agent_based::run(&with, with.seed).unwrap(),
        agent_based::run(&without, without.seed).unwrap(),
    );
    let closes: Vec<f64> = a
        .series("COMCEA")
        .filter(|d| (2023..=2024).contains(&d.date.year()))
        .map(|d| d.close.to_f64())
        .collect();
    let turn = a.series("COMCEA").filter(|d| d.date.year() == 2023).count();
    let quoted = format!(
        "from a December 2023 mean of {:.2} to a January mean of {:.2}, its first close of 2024 {:+.0} % above the last of 2023",
        mean_close(&a, "2023-12"),
        mean_close(&a, "2024-01"),
        (closes[turn] / closes[turn - 1] - 1.0) * 100.0,
    );
    let survey = format!(
        "from a December mean of {:.2} to a January mean of {:.2}",
        mean_close(&b, "2023-12"),
        mean_close(&b, "2024-01"),
    );
    let forecast = format!(
        "mean close {:.2} against the survey arm's {:.2}",
        mean_close(&a, "2025"),
        mean_close(&b, "2025"),
    );
    let model = read("docs/model.md");
    let accrued = with
        .with_overrides(&[Override::parse(r#"economics.outlook.foresight="accrued""#).unwrap()])
        .unwrap();
    let c = agent_based::run(&accrued, accrued.seed).unwrap();
    let summary = agent_based::report::table(&c);
    let errors: Vec<String> = [
        "volume 2024 (t)",
        "turnover 2024 (CNY)",
        "year-end close 2024 (CNY/t)",
        "peak close 2024 (CNY/t)",
        "Q4 share of volume 2024",
    ]
    .iter()
    .map(|row| {
        let line = summary.lines().find(|l| l.starts_with(row)).unwrap();
        let error: f64 = line
            .split_whitespace()
            .rev()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        format!("{error:+.0} %")
    })
    .collect();
    let ramp = format!(
        "from a January mean of {:.2} to a June mean of {:.2}, with its 2024 volume, turnover, year-end close, peak and fourth-quarter share at {} of the published, but its 2021 mean close falls to {:.2}",
        mean_close(&c, "2024-01"),
        mean_close(&c, "2024-06"),
        errors.join(", "),
        mean_close(&c, "2021"),
    );
    for wanted in [quoted, survey, forecast, ramp] {
        assert_says(&model, &wanted);
    }
}

#[test]
fn the_2022_path_around_the_first_release_is_as_quoted() {
    let c = config(PAIRS[0].0);
    let r = carbonsim::scenario::agent_based::run(&c, c.seed).unwrap();
    let (before, after) = ("2022-01"..="2022-05", "2022-06"..="2022-08");
    let quoted = format!(
        "the close sits at {:.2} over January–May 2022 against the published {:.2}, before the first release, and at {:.2} over June–August against {:.2}",
        mean_close_over(&r, before.clone()),
        published_mean_close(before),
        mean_close_over(&r, after.clone()),
        published_mean_close(after),
    );
    assert_says(&read("docs/model.md"), &quoted);
}
