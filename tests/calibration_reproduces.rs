//! The shipped calibration reproduces: `docs/calibration/` holds what `carbonsim calibrate` wrote
//! for the command of `docs/model.md` ("Calibration"). With its last evaluations removed from the
//! checkpoint, a resumed calibration must run them again to the same values and objective, end
//! with the same files, and the shipped scenario must carry the calibrated values.
//!
//! Rerunning the whole search (200 evaluations of 10 seeds, about 10 minutes on 2 cores) is
//! left to the command; the last evaluations (the search's final steps, 10 seeds each) run here.

use std::path::{Path, PathBuf};

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::study::design::value_at;

mod common;
use common::{carbonsim, marked_block, succeeds};

const DIR: &str = "docs/calibration";
/// Evaluations run again by the test.
const RERUN: usize = 4;

/// The arguments of the documented command after `calibrate`, but for `--out`.
const ARGS: &[&str] = &[
    "examples/scenarios/agent_based_2021_2023.toml",
    "--set",
    "end=2024-12-31",
    "--set",
    "calendar_end=2024-12-31",
    "--set",
    r#"behaviour.compliance_firm.allowance_subjects=["CEA","CEA21","CEA22","CEA23"]"#,
    "--set",
    "behaviour.compliance_firm.urgency_horizon_days=1.5230818",
    "--set",
    "behaviour.compliance_firm.base_activity=0.02172075",
    "--set",
    "behaviour.compliance_firm.block_probability=0.99895044",
    "--set",
    "behaviour.compliance_firm.price_noise=0.031181267",
    "--set",
    "behaviour.compliance_firm.min_trade_fraction=0.10804624",
    "--set",
    "behaviour.compliance_firm.pending_allocation_uncertainty=0.091208132",
    "--set",
    "behaviour.compliance_firm.unpublished_allocation_uncertainty=0.06286325",
    "--set",
    "behaviour.compliance_firm.internal_lead_share=0.10396044",
    "--set",
    "fleet.period2_balance_bp=-320",
    "--set",
    "fleet.later_balance_bp=-151",
    "--param",
    "behaviour.compliance_firm.urgency_horizon_days=1:10",
    "--param",
    "behaviour.compliance_firm.base_activity=0.01:0.04",
    "--param",
    "behaviour.compliance_firm.block_probability=0.85:0.999",
    "--param",
    "behaviour.compliance_firm.price_noise=0.01:0.06",
    "--param",
    "behaviour.compliance_firm.min_trade_fraction=0.01:0.2",
    "--param",
    "behaviour.compliance_firm.pending_allocation_uncertainty=0:0.1",
    "--param",
    "behaviour.compliance_firm.unpublished_allocation_uncertainty=0:0.2",
    "--param",
    "behaviour.compliance_firm.internal_lead_share=0:0.3",
    "--param",
    "fleet.period2_balance_bp=-600:0",
    "--param",
    "fleet.later_balance_bp=-200:100",
    "--weight",
    "maximum_drawdown=0",
    "--weight",
    "turnover_2024_cny=0",
    "--weight",
    "mean_close_2021_cny_t=3",
    "--weight",
    "volatility=2",
    "--seeds",
    "10",
    "--max-evals",
    "200",
];

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carbonsim-cal-repro-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_documented_command_is_the_one_checked() {
    let model = read("docs/model.md");
    for arg in ARGS.iter().filter(|a| !a.starts_with("--")) {
        let shown = if arg.contains(' ') || arg.contains('"') {
            format!("'{arg}'")
        } else {
            (*arg).to_owned()
        };
        assert!(
            model.contains(&shown),
            "docs/model.md does not show {shown}"
        );
    }
}

#[test]
fn model_md_shows_the_committed_fit() {
    let model = read("docs/model.md");
    let fit = read(format!("{DIR}/fit.md"));
    let tables = &fit[fit.find("| parameter |").unwrap()..fit.find("D is the weighted").unwrap()];
    assert_eq!(
        marked_block(&model, "calibrate-fit"),
        tables.trim_end().to_owned() + "\n"
    );
    let first = fit.lines().nth(2).unwrap();
    for number in first
        .split([' ', ',', ';', ')'])
        .filter(|w| w.starts_with("0.0"))
    {
        assert!(
            model.contains(number),
            "docs/model.md should quote {number} from fit.md"
        );
    }
}

#[test]
fn the_last_evaluations_run_again_to_the_same_files() {
    let committed = read(format!("{DIR}/checkpoint.jsonl"));
    let lines: Vec<&str> = committed.lines().collect();
    assert!(
        lines.len() > 2 + RERUN,
        "a header, the targets and the evaluations"
    );
    let out = scratch();
    let kept = lines[..lines.len() - RERUN].join("\n") + "\n";
    std::fs::write(out.join("checkpoint.jsonl"), kept).unwrap();
    std::fs::copy(format!("{DIR}/manifest.json"), out.join("manifest.json")).unwrap();
    succeeds(
        carbonsim()
            .arg("calibrate")
            .args(ARGS)
            .args(["--quiet", "--resume", "--out"])
            .arg(&out),
    );
    for file in [
        "checkpoint.jsonl",
        "fit.md",
        "history.csv",
        "calibrated.toml",
        "overrides.txt",
        "report.json",
    ] {
        assert_eq!(
            read(out.join(file)),
            read(format!("{DIR}/{file}")),
            "{file} differs from the committed one"
        );
    }
}

#[test]
fn the_shipped_scenarios_carry_the_calibrated_values() {
    let calibrated =
        ScenarioConfig::from_toml_str(&read(format!("{DIR}/calibrated.toml"))).unwrap();
    let params: Vec<&str> = ARGS
        .windows(2)
        .filter(|w| w[0] == "--param")
        .map(|w| w[1].split_once('=').unwrap().0)
        .collect();
    for file in [
        "examples/scenarios/agent_based_2021_2023.toml",
        "examples/scenarios/agent_based_2021_2026.toml",
    ] {
        let shipped = ScenarioConfig::from_toml_str(&read(file)).unwrap();
        for path in &params {
            assert_eq!(
                value_at(&shipped, path),
                value_at(&calibrated, path),
                "{file}: {path}"
            );
        }
    }
}
