//! The numbers `README.md` and `docs/model.md` quote from the 100-seed study of the shipped
//! scenario come from a fresh run of that study (release mode: about a minute on two cores).

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::{SeedRange, Shard};
use carbonsim::scenario::study;

mod common;
use common::marked_block;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_calibration_table_and_the_readme_figures_reproduce() {
    let config =
        ScenarioConfig::from_path(Path::new("examples/scenarios/agent_based_2021_2023.toml"))
            .unwrap();
    let range = SeedRange {
        first: config.seed,
        count: 100,
    };
    let result = study::run_study(&config, range, Shard::WHOLE, |_| {}).unwrap();
    let bands = study::statistic_bands(&result);
    let table = study::statistics_table(&bands);
    let model = read("docs/model.md");
    assert_eq!(
        marked_block(&model, "calibration-table"),
        table,
        "docs/model.md's table: rerun the study and paste its statistics.md"
    );
    let median = |name: &str| {
        let row = bands.iter().find(|b| b.statistic == name).unwrap();
        format!("{:.1} %", row.bands.as_ref().unwrap().p50 * 100.0)
    };
    let readme = read("README.md").replace('\n', " ");
    for (name, phrase) in [
        (
            "close path MAPE",
            "close path is within {} of the published one",
        ),
        ("volatility", "median volatility is {} against"),
        ("maximum drawdown", "median maximum drawdown {} against"),
    ] {
        let expected = phrase.replace("{}", &median(name));
        assert!(
            readme.contains(&expected),
            "README.md should say {expected:?}"
        );
    }
}
