//! The shipped calibration reproduces: `docs/calibration/` holds what `carbonsim calibrate` wrote
//! for the command of `docs/model.md` ("Calibration"), and its sub-folders what it wrote for the
//! alternative arms (without the published expectations; with accrued foresight). With its last
//! evaluations removed from the checkpoint, a resumed calibration must run them again to the same
//! values and objective, end with the same files, and the scenarios must carry the calibrated
//! values.
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

/// The arguments of the documented command after `calibrate`, but for `--out`: the shipped
/// scenario with the published expectations it carries set explicitly (the data it is calibrated
/// on shows in the command), started at the optimum of the pass before with the price noise
/// lowered (`docs/model.md` says why); the later cycles' box is wider than the survey arm's.
const ARGS: &[&str] = &[
    "examples/scenarios/agent_based_2021_2023.toml",
    "--set",
    "end=2024-12-31",
    "--set",
    "calendar_end=2024-12-31",
    "--set",
    r#"behaviour.compliance_firm.allowance_subjects=["CEA","CEA21","CEA22","CEA23"]"#,
    "--set",
    REVISIONS,
    "--set",
    "behaviour.compliance_firm.urgency_horizon_days=1.331757",
    "--set",
    "behaviour.compliance_firm.base_activity=0.019642064",
    "--set",
    "behaviour.compliance_firm.block_probability=0.99892455",
    "--set",
    "behaviour.compliance_firm.price_noise=0.022",
    "--set",
    "behaviour.compliance_firm.min_trade_fraction=0.1212306",
    "--set",
    "behaviour.compliance_firm.pending_allocation_uncertainty=0.099968907",
    "--set",
    "behaviour.compliance_firm.unpublished_allocation_uncertainty=0.050088298",
    "--set",
    "behaviour.compliance_firm.internal_lead_share=0.095256405",
    "--set",
    "fleet.period2_balance_bp=-224",
    "--set",
    "fleet.later_balance_bp=-228",
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
    "fleet.later_balance_bp=-400:100",
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

/// The Fudan index's releases up to 2024 as the outlook's revisions (the shipped scenarios',
/// which `tests/published_expectations.rs` checks against `data/fudan_cea_expectations.csv`).
const REVISIONS: &str = r#"economics.outlook.revisions=[{ published = "2022-05-29", survey = [{ year = 2022, price = "68.98" }, { year = 2030, price = "139.00" }], source = "Fudan Carbon Price Index, June 2022 release [S139]" }, { published = "2022-08-29", survey = [{ year = 2022, price = "63.16" }, { year = 2030, price = "139.00" }], source = "Fudan Carbon Price Index, September 2022 release [S139]" }, { published = "2022-10-29", survey = [{ year = 2022, price = "60.64" }, { year = 2030, price = "139.00" }], source = "Fudan Carbon Price Index, November 2022 release [S139]" }, { published = "2024-02-29", survey = [{ year = 2024, price = "79.23" }, { year = 2030, price = "139.00" }], source = "Fudan Carbon Price Index, March 2024 release [S139]" }]"#;

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// A fresh folder for the rerun of `tag`'s calibration (tests run side by side).
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "carbonsim-cal-repro-{}-{}",
        std::process::id(),
        tag.replace('/', "-")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every value of the command `args` appears in `model` as a shell would take it (quoted when
/// it holds a space or a double quote).
fn assert_documented(model: &str, args: &[&str]) {
    for arg in args.iter().filter(|a| !a.starts_with("--")) {
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
fn the_documented_command_is_the_one_checked() {
    assert_documented(&read("docs/model.md"), ARGS);
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

/// Removes the last evaluations from `dir`'s checkpoint, resumes the command `args` and checks
/// that it writes the committed files again.
fn reruns_to_the_same_files(dir: &str, args: &[String]) {
    let committed = read(format!("{dir}/checkpoint.jsonl"));
    let lines: Vec<&str> = committed.lines().collect();
    assert!(
        lines.len() > 2 + RERUN,
        "a header, the targets and the evaluations"
    );
    let out = scratch(dir);
    let kept = lines[..lines.len() - RERUN].join("\n") + "\n";
    std::fs::write(out.join("checkpoint.jsonl"), kept).unwrap();
    std::fs::copy(format!("{dir}/manifest.json"), out.join("manifest.json")).unwrap();
    succeeds(
        carbonsim()
            .arg("calibrate")
            .args(args)
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
            read(format!("{dir}/{file}")),
            "{dir}/{file} differs from the committed one"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_last_evaluations_run_again_to_the_same_files() {
    let args: Vec<String> = ARGS.iter().map(|a| (*a).to_owned()).collect();
    reruns_to_the_same_files(DIR, &args);
}

/// Where the accrued-foresight arm's calibration is (`docs/model.md`, "Foresight").
const ACCRUED_DIR: &str = "docs/calibration/accrued";

/// Its start: the optimum of its previous pass.
const ACCRUED_START: [(&str, &str); 10] = [
    ("behaviour.compliance_firm.urgency_horizon_days", "1.27387"),
    ("behaviour.compliance_firm.base_activity", "0.021635363"),
    ("behaviour.compliance_firm.block_probability", "0.99898274"),
    ("behaviour.compliance_firm.price_noise", "0.026214353"),
    ("behaviour.compliance_firm.min_trade_fraction", "0.1359081"),
    (
        "behaviour.compliance_firm.pending_allocation_uncertainty",
        "0.099160446",
    ),
    (
        "behaviour.compliance_firm.unpublished_allocation_uncertainty",
        "0.056369136",
    ),
    (
        "behaviour.compliance_firm.internal_lead_share",
        "0.096249582",
    ),
    ("fleet.period2_balance_bp", "-265"),
    ("fleet.later_balance_bp", "-193"),
];

/// The accrued arm's command: the survey arm's with the outlook's foresight set to `accrued`,
/// started at [`ACCRUED_START`].
fn accrued_args() -> Vec<String> {
    arm_args(
        &survey_args(),
        (&[r#"economics.outlook.foresight="accrued""#], 1),
        &ACCRUED_START,
        &[],
    )
}

/// The command `base` with `sets` added after its first `after` arguments, the start values of
/// `start` and the boxes of `boxes` in place of its own.
fn arm_args(
    base: &[String],
    (sets, after): (&[&str], usize),
    start: &[(&str, &str)],
    boxes: &[(&str, &str)],
) -> Vec<String> {
    let mut args: Vec<String> = base[..after].to_vec();
    for set in sets {
        args.extend(["--set".to_owned(), (*set).to_owned()]);
    }
    for (i, arg) in base.iter().enumerate().skip(after) {
        let replaced = |table: &[(&str, &str)], flag: &str| {
            (i > 0 && base[i - 1] == flag)
                .then(|| arg.split_once('='))
                .flatten()
                .and_then(|(path, _)| table.iter().find(|(p, _)| *p == path))
                .map(|(p, v)| format!("{p}={v}"))
        };
        let new = replaced(start, "--set").or_else(|| replaced(boxes, "--param"));
        args.push(new.unwrap_or_else(|| arg.clone()));
    }
    args
}

#[test]
fn the_accrued_arm_s_last_evaluations_run_again_to_the_same_files() {
    reruns_to_the_same_files(ACCRUED_DIR, &accrued_args());
}

#[test]
fn the_accrued_arm_s_command_is_documented_and_its_scenario_carries_its_values() {
    assert_arm_documented_and_carried(
        ACCRUED_DIR,
        &accrued_args(),
        &ACCRUED_START,
        &["examples/scenarios/agent_based_2021_2023_accrued.toml"],
    );
}

/// The command `args` of the arm calibrated into `dir` is in `docs/model.md` with the objective
/// at its optimum, and each of `files` carries its calibrated values (the parameters of
/// `start`) and its outlook.
fn assert_arm_documented_and_carried(
    dir: &str,
    args: &[String],
    start: &[(&str, &str)],
    files: &[&str],
) {
    let model = read("docs/model.md");
    assert_documented(&model, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let calibrated =
        ScenarioConfig::from_toml_str(&read(format!("{dir}/calibrated.toml"))).unwrap();
    for file in files {
        let scenario = ScenarioConfig::from_toml_str(&read(file)).unwrap();
        for (path, _) in start {
            assert_eq!(
                value_at(&scenario, path),
                value_at(&calibrated, path),
                "{file}: {path}"
            );
        }
        assert_eq!(scenario.economics.outlook, calibrated.economics.outlook);
    }
    assert_objective_quoted(&model, dir);
}

/// `model` quotes the objective `D` at the optimum of the calibration in `dir`.
fn assert_objective_quoted(model: &str, dir: &str) {
    let fit = read(format!("{dir}/fit.md"));
    let d = fit
        .lines()
        .nth(2)
        .and_then(|l| l.split(' ').nth(2))
        .unwrap();
    assert!(
        model.contains(&format!("`D` = {d}")),
        "docs/model.md should quote D = {d} ({dir})"
    );
}

#[test]
fn the_shipped_scenarios_carry_the_calibrated_values() {
    assert_arm_documented_and_carried(
        DIR,
        &ARGS.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
        &start_of(ARGS),
        &[
            "examples/scenarios/agent_based_2021_2023.toml",
            "examples/scenarios/agent_based_2021_2026.toml",
            "examples/scenarios/cap_and_auction_2027_2030.toml",
        ],
    );
}

/// The parameters `args` searches, each at the start it sets.
fn start_of<'a>(args: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let params: Vec<&str> = args
        .windows(2)
        .filter(|w| w[0] == "--param")
        .map(|w| w[1].split_once('=').unwrap().0)
        .collect();
    args.windows(2)
        .filter(|w| w[0] == "--set")
        .filter_map(|w| w[1].split_once('='))
        .filter(|(path, _)| params.contains(path))
        .collect()
}

/// Where the arm without the published expectations is calibrated (`docs/model.md`,
/// "Published expectations").
const SURVEY_DIR: &str = "docs/calibration/survey";

/// Its scenario: the shipped one without the revisions.
const SURVEY_SCENARIO: &str = "examples/scenarios/agent_based_2021_2023_survey.toml";

/// Its start: the optimum of its own earlier pass.
const SURVEY_START: [(&str, &str); 10] = [
    (
        "behaviour.compliance_firm.urgency_horizon_days",
        "1.0290826",
    ),
    ("behaviour.compliance_firm.base_activity", "0.023307505"),
    ("behaviour.compliance_firm.block_probability", "0.99898561"),
    ("behaviour.compliance_firm.price_noise", "0.024718531"),
    ("behaviour.compliance_firm.min_trade_fraction", "0.13750602"),
    (
        "behaviour.compliance_firm.pending_allocation_uncertainty",
        "0.099998047",
    ),
    (
        "behaviour.compliance_firm.unpublished_allocation_uncertainty",
        "0.062223536",
    ),
    ("behaviour.compliance_firm.internal_lead_share", "0.1037988"),
    ("fleet.period2_balance_bp", "-280"),
    ("fleet.later_balance_bp", "-179"),
];

/// The survey arm's command: the shipped one on its scenario, without the revisions, started at
/// [`SURVEY_START`] in the narrower box of the later cycles.
fn survey_args() -> Vec<String> {
    let mut args: Vec<String> = ARGS.iter().map(|a| (*a).to_owned()).collect();
    SURVEY_SCENARIO.clone_into(&mut args[0]);
    let at = args.iter().position(|a| a == REVISIONS).unwrap();
    args.drain(at - 1..=at);
    arm_args(
        &args,
        (&[], 0),
        &SURVEY_START,
        &[("fleet.later_balance_bp", "-200:100")],
    )
}

#[test]
fn the_survey_arm_s_last_evaluations_run_again_to_the_same_files() {
    reruns_to_the_same_files(SURVEY_DIR, &survey_args());
}

#[test]
fn the_survey_arm_s_command_is_documented_and_its_scenarios_carry_its_values() {
    assert_arm_documented_and_carried(
        SURVEY_DIR,
        &survey_args(),
        &SURVEY_START,
        &[
            SURVEY_SCENARIO,
            "examples/scenarios/agent_based_2021_2026_survey.toml",
        ],
    );
}
