//! `carbonsim calibrate`: the search lowers the objective from its start, a resumed calibration
//! ends with the same files as an unbroken one, the thread count changes nothing, and bad input
//! gets a typed error naming the path and value, with nothing written.
//!
//! A small scenario (120 firms, July–December 2021) keeps each evaluation to a fraction of a
//! second in release mode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::study::calibrate::{CalibrateError, CalibrationPlan, Settings};
use carbonsim::scenario::study::design::Range;

mod common;
use common::succeeds;

const SCENARIO: &str = "name = \"cal_small\"\nseed = 7\nstart = \"2021-07-16\"\nend = \"2021-12-31\"\n\n[fleet]\ncompliance_firms = 120\n";
const PARAMS: [&str; 2] = [
    "behaviour.compliance_firm.base_activity=0.005:0.05",
    "behaviour.compliance_firm.price_noise=0.01:0.06",
];

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carbonsim-cal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The small scenario's file in a fresh scratch folder.
fn scenario_file(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cal_small.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    path
}

fn calibrate(scenario: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carbonsim"));
    cmd.arg("calibrate")
        .arg(scenario)
        .args(["--quiet", "--seeds", "2"]);
    for p in PARAMS {
        cmd.args(["--param", p]);
    }
    cmd.arg("--out").arg(out).args(extra);
    cmd
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_search_lowers_the_objective_and_writes_a_runnable_scenario() {
    let base = ScenarioConfig::from_toml_str(SCENARIO).unwrap();
    let ranges: Vec<Range> = PARAMS.iter().map(|p| p.parse().unwrap()).collect();
    let settings = Settings {
        seeds: 2,
        max_evals: 12,
        tolerance: 0.0,
    };
    let plan = CalibrationPlan::new(&base, ranges, vec![], settings).unwrap();
    let dir = scratch("lib");
    std::fs::create_dir_all(&dir).unwrap();
    let c = plan
        .run(&dir.join("checkpoint.jsonl"), false, |_, _| {})
        .unwrap();
    assert_eq!(c.history.len(), 12);
    let (start, best) = (c.history[0].objective, c.history[c.best].objective);
    assert!(best < start, "D {start} → {best}");
    assert_eq!(
        c.history[0].values,
        ["0.02", "0.06"],
        "starts from the scenario's values"
    );
    let set = carbonsim::scenario::study::calibrate::outputs::outputs(&c).unwrap();
    let toml = String::from_utf8(set.get("calibrated.toml").unwrap().to_vec()).unwrap();
    let back = ScenarioConfig::from_toml_str(&toml).unwrap();
    assert_eq!(back, c.calibrated);
    let best_noise: f64 = c.history[c.best].values[1].parse().unwrap();
    assert_eq!(
        back.behaviour.compliance_firm.price_noise.to_bits(),
        best_noise.to_bits()
    );
}

#[test]
fn resume_and_thread_count_give_identical_files() {
    let scenario = scenario_file("same");
    let whole = scratch("whole");
    let mut cmd = calibrate(&scenario, &whole, &["--max-evals", "10"]);
    succeeds(cmd.env("RAYON_NUM_THREADS", "1"));
    let two = scratch("two-threads");
    succeeds(calibrate(&scenario, &two, &["--max-evals", "10"]).env("RAYON_NUM_THREADS", "2"));
    assert_eq!(
        files(&whole),
        files(&two),
        "thread count changed the outputs"
    );

    // Stopped after 6 evaluations, the 6th line cut short as by a kill, then resumed.
    let resumed = scratch("resumed");
    succeeds(&mut calibrate(&scenario, &resumed, &["--max-evals", "6"]));
    let ckpt = resumed.join("checkpoint.jsonl");
    let text = std::fs::read_to_string(&ckpt).unwrap();
    std::fs::write(&ckpt, &text[..text.len() - 20]).unwrap();
    succeeds(&mut calibrate(
        &scenario,
        &resumed,
        &["--max-evals", "10", "--resume"],
    ));
    assert_eq!(files(&whole), files(&resumed), "resume changed the outputs");

    // Another calibration's checkpoint is refused, by name, and left alone.
    let mut other = calibrate(
        &scenario,
        &resumed,
        &["--max-evals", "10", "--resume", "--weight", "volatility=2"],
    );
    let out = other.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("checkpoint.jsonl")
            && err.contains("another calibration"),
        "{err}"
    );
    assert_eq!(files(&whole), files(&resumed));
}

#[test]
fn bad_input_is_refused_by_name_and_writes_nothing() {
    let scenario = scenario_file("bad");
    let cases: [(&[&str], &[&str]); 6] = [
        (&["--param", "fleet.no_such=1:2"], &["fleet.no_such"]),
        (
            &["--param", "fleet.compliance_firms=300:100"],
            &["fleet.compliance_firms", "300", "100"],
        ),
        (
            &["--param", "fleet.compliance_firms=a:100"],
            &["fleet.compliance_firms=a:100", "\"a\""],
        ),
        (
            &["--param", "fleet.compliance_firms=50:100", "--seeds", "0"],
            &["--seeds 0"],
        ),
        (
            &[
                "--param",
                "fleet.compliance_firms=50:100",
                "--max-evals",
                "10001",
            ],
            &["--max-evals 10001", "10000"],
        ),
        (&[], &["--param"]),
    ];
    for (args, expected) in cases {
        let out = scratch("bad-out");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_carbonsim"));
        cmd.arg("calibrate")
            .arg(&scenario)
            .args(args)
            .arg("--out")
            .arg(&out);
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        for e in expected {
            assert!(err.contains(e), "{args:?}: {err}");
        }
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    // A weight of no target is found once the first evaluation has named the targets: the
    // folder exists by then (it was checked writable first) but holds no file.
    let out = scratch("bad-weight");
    let mut cmd = calibrate(&scenario, &out, &["--weight", "no_such_statistic=2"]);
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("--weight no_such_statistic"),
        "{err}"
    );
    assert!(err.contains("volatility"), "the targets are listed: {err}");
    assert_eq!(std::fs::read_dir(&out).map_or(0, Iterator::count), 0);
    let base = ScenarioConfig::from_toml_str(SCENARIO).unwrap();
    let settings = Settings {
        seeds: 1,
        max_evals: 2,
        tolerance: 0.0,
    };
    let two: Vec<Range> = PARAMS.iter().map(|p| p.parse().unwrap()).collect();
    assert!(matches!(
        CalibrationPlan::new(&base, two, vec![], settings),
        Err(CalibrateError::BadBudget {
            given: 2,
            min: 3,
            ..
        })
    ));
    assert!(matches!(
        CalibrationPlan::new(&base, vec![], vec![], settings),
        Err(CalibrateError::NoParams)
    ));
}

#[test]
fn the_user_guide_demo_gives_the_figures_it_quotes() {
    let out = scratch("guide-demo");
    succeeds(
        Command::new(env!("CARGO_BIN_EXE_carbonsim"))
            .args([
                "calibrate",
                "examples/scenarios/agent_based_2021_2023.toml",
                "--set",
                "fleet.compliance_firms=300",
                "--set",
                "end=2021-12-31",
                "--param",
                "behaviour.compliance_firm.base_activity=0.005:0.05",
                "--param",
                "behaviour.compliance_firm.block_probability=0.8:0.995",
                "--weight",
                "volume_2021_t=0",
                "--weight",
                "ccer_offsets_first_cycle_t=0",
                "--seeds",
                "4",
                "--max-evals",
                "40",
                "--quiet",
                "--out",
            ])
            .arg(&out),
    );
    let fit = std::fs::read_to_string(out.join("fit.md")).unwrap();
    let guide = std::fs::read_to_string("docs/user-guide.md")
        .unwrap()
        .replace('\n', " ");
    let head = fit.lines().nth(2).unwrap();
    let evals = head
        .split(" of ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let stop = if head.contains("stopped: converged") {
        format!("stops converged after {evals} evaluations")
    } else {
        format!("spends its budget of {evals} evaluations")
    };
    assert!(guide.contains(&stop), "{head}");
    // The objective at the start and at the end, and the calibrated values, as the run wrote
    // them: the guide quotes each.
    let number_after = |text: &str, key: &str| -> String {
        let rest = &text[text.find(key).unwrap() + key.len()..];
        rest.chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect()
    };
    let mut quoted = vec![
        number_after(head, "(start: D = "),
        number_after(head, "D = "),
    ];
    for param in ["base_activity", "block_probability"] {
        let row = fit.lines().find(|l| l.contains(param)).unwrap();
        quoted.push(
            row.trim_end_matches(" |")
                .rsplit("| ")
                .next()
                .unwrap()
                .to_string(),
        );
    }
    for value in quoted {
        assert!(value.len() > 3, "{head}");
        assert!(guide.contains(&value), "user guide: {value}");
    }
}
