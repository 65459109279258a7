//! The command line: the replay writes every output whole; bad input gets a clear message, a
//! non-zero exit and no files.

use std::path::PathBuf;

mod common;
use common::{carbonsim, fails, succeeds};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carbonsim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn replay_writes_all_outputs_with_seed_and_version() {
    let dir = scratch("ok");
    let out = succeeds(
        carbonsim()
            .args(["replay", "--seed", "7", "--out"])
            .arg(&dir),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("exact days: 598/598 composite, 252/252 vintage"),
        "{stdout}"
    );
    assert!(stdout.contains("replayed 598 trading days in"), "{stdout}");
    for f in [
        "daily.csv",
        "vintages.csv",
        "totals.csv",
        "summary.json",
        "price.svg",
        "volume.svg",
        "summary.txt",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            text.contains('7') && text.contains(env!("CARGO_PKG_VERSION")),
            "{f} lacks seed or version"
        );
    }
    let daily = std::fs::read_to_string(dir.join("daily.csv")).unwrap();
    let header: Vec<&str> = daily.lines().next().unwrap().split(',').collect();
    let diff = header.iter().position(|h| *h == "difference").unwrap();
    assert!(
        daily
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(diff) == Some("0")),
        "every day exact"
    );
    assert_eq!(daily.lines().count(), 599);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["seed"], 7);
    assert_eq!(json["exact_days"], 598);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let dir = scratch("bad");
    let err = fails(
        carbonsim()
            .args(["replay", "--from", "2020-01-01", "--out"])
            .arg(&dir),
    );
    assert!(
        err.contains("2020-01-01") && err.contains("2021-07-16"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).map_or(0, Iterator::count),
        0,
        "nothing written"
    );

    let err = fails(carbonsim().args(["replay", "--frm", "2021-08-01"]));
    assert!(err.contains("--frm"));

    let err = fails(carbonsim().args(["replay", "--to", "not-a-date"]));
    assert!(err.contains("not-a-date"));

    let file = scratch("file");
    std::fs::write(&file, "occupied").unwrap();
    let err = fails(carbonsim().args(["replay", "--out"]).arg(&file));
    assert!(err.contains("not a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "occupied");
    std::fs::remove_file(&file).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_explains_the_commands() {
    let out = carbonsim().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("replay") && text.contains("Replay the national carbon market"),
        "{text}"
    );
}

/// A short scenario file for the agent-based commands.
fn scenario_file(name: &str, extra: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("carbonsim-cli-{name}-{}.toml", std::process::id()));
    let text = format!(
        "name = \"{name}\"\nseed = 3\nstart = \"2021-07-16\"\nend = \"2021-09-30\"\n{extra}\n[fleet]\ncompliance_firms = 200\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn run_writes_the_agent_based_outputs() {
    let scenario = scenario_file("run", "");
    let dir = scratch("run");
    let out = succeeds(carbonsim().arg("run").arg(&scenario).arg("--out").arg(&dir));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("maximum drawdown"), "{stdout}");
    assert_eq!(
        files_in(&dir),
        [
            "abatement.csv",
            "compliance.csv",
            "daily.csv",
            "firms.csv",
            "manifest.json",
            "price.svg",
            "report.json",
            "summary.txt",
            "volume.svg"
        ]
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["seed"], 3);
    assert!(
        report["calibration"]["max_drawdown"]["published"]
            .as_f64()
            .is_some()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&scenario).unwrap();
}

#[test]
fn montecarlo_is_the_same_on_any_thread_count_and_merges_from_shards() {
    let scenario = scenario_file("mc", "[montecarlo]\nseeds = 4\n");
    let run = |dir: &PathBuf, extra: &[&str]| {
        succeeds(
            carbonsim()
                .arg("montecarlo")
                .arg(&scenario)
                .args(extra)
                .arg("--quiet")
                .arg("--out")
                .arg(dir),
        );
    };
    let (one, two) = (scratch("mc1"), scratch("mc2"));
    run(&one, &["--threads", "1"]);
    run(&two, &["--threads", "2"]);
    let names = files_in(&one);
    assert_eq!(
        names,
        [
            "bands.csv",
            "manifest.json",
            "price_bands.svg",
            "seeds.csv",
            "shard-0-of-1.json",
            "statistics.md",
            "study.json"
        ]
    );
    for f in &names {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    let shards = scratch("mcs");
    for i in 0..3 {
        run(&shards, &["--shard", &format!("{i}/3")]);
    }
    // Without --name the merge shows the scenario's name recorded in the shards (study.json and
    // the chart then equal the whole study's byte for byte).
    let merged = scratch("mcm");
    let mut merge = carbonsim();
    merge.args(["merge", "--quiet", "--out"]).arg(&merged);
    for i in 0..3 {
        merge.arg(shards.join(format!("shard-{i}-of-3.json")));
    }
    succeeds(&mut merge);
    // The manifests differ by design (`montecarlo` and `merge` wrote them); the rest is the same.
    for f in names.iter().filter(|f| *f != "manifest.json") {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap(),
            "{f} differs between the whole study and the merged shards"
        );
    }
    for d in [one, two, shards, merged] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

#[test]
fn agent_commands_refuse_bad_input_clearly_and_write_nothing() {
    let dir = scratch("agent-bad");
    // An unknown field, named.
    let bad = scenario_file("unknown", "colour = \"green\"");
    let err = fails(carbonsim().arg("run").arg(&bad).arg("--out").arg(&dir));
    assert!(err.contains("colour"));
    // A date outside the calendar, named.
    let early = scenario_file("early", "").with_extension("toml");
    let text = std::fs::read_to_string(&early)
        .unwrap()
        .replace("2021-07-16", "2020-01-02");
    std::fs::write(&early, text).unwrap();
    let err = fails(carbonsim().arg("run").arg(&early).arg("--out").arg(&dir));
    assert!(err.contains("2020-01-02"));
    // An impossible shard.
    let good = scenario_file("good", "");
    let err = fails(
        carbonsim()
            .arg("montecarlo")
            .arg(&good)
            .args(["--shard", "3/2", "--out"])
            .arg(&dir),
    );
    assert!(err.contains("3/2"));
    assert_eq!(files_in(&dir).len(), 0, "nothing written");
    // Shards of different scenarios are not merged.
    let other = scenario_file("other", "");
    let text = std::fs::read_to_string(&other).unwrap()
        + "[behaviour.compliance_firm]\nbase_activity = 0.5\n";
    std::fs::write(&other, text).unwrap();
    let (a, b) = (scratch("shard-a"), scratch("shard-b"));
    for (s, d, shard) in [(&good, &a, "0/2"), (&other, &b, "1/2")] {
        succeeds(
            carbonsim()
                .arg("montecarlo")
                .arg(s)
                .args(["--seeds", "2", "--quiet", "--shard", shard, "--out"])
                .arg(d),
        );
    }
    let err = fails(
        carbonsim()
            .args(["merge", "--out"])
            .arg(&dir)
            .arg(a.join("shard-0-of-2.json"))
            .arg(b.join("shard-1-of-2.json")),
    );
    assert!(err.contains("different scenarios"), "{err}");
    assert_eq!(files_in(&dir).len(), 0, "nothing written");
    for f in [bad, early, good, other] {
        let _ = std::fs::remove_file(f);
    }
    for d in [dir, a, b] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn timeline_prints_the_rules_with_sources_and_a_scenarios_changes() {
    let out = succeeds(carbonsim().arg("timeline"));
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "cycle 2019-2020",
        "deadline interim  2021-12-15   95 % of entities in full",
        "deadline final    2023-12-31  100 % of the volume",
        "MEE notice of 2021-10-26",
        "CEA21      2021         2023-03-16  2023-08-28",
        "2024: 20 weekday closures",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let json = succeeds(carbonsim().args(["timeline", "--json"]));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        value["cycles"]["2021-2022"]["deadlines"]["interim"]["share_pct"],
        95
    );

    let path = scenario_file(
        "policy",
        "[policy.cycles.2019-2020.offsets]\nlimit_pct = 10\n",
    );
    let out = succeeds(carbonsim().arg("timeline").arg(&path));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cycles.2019-2020.offsets.limit_pct = 10"),
        "{text}"
    );
    assert!(text.contains("up to 10 % of the obligation"), "{text}");

    let bad = scenario_file(
        "badpolicy",
        "[policy.cycles.2019-2020.offsets]\nlimit_pct = 101\n",
    );
    let err = fails(carbonsim().arg("timeline").arg(&bad));
    assert!(
        err.contains("cycles.2019-2020.offsets.limit_pct = 101"),
        "{err}"
    );
    let err = fails(
        carbonsim()
            .args(["run"])
            .arg(&bad)
            .args(["--out", "/nonexistent-never"]),
    );
    assert!(err.contains("limit_pct = 101"), "{err}");
}

#[test]
fn set_changes_a_run_records_it_and_refuses_bad_paths_writing_nothing() {
    let path = scenario_file("set", "");
    let out = scratch("set");
    succeeds(
        carbonsim()
            .arg("run")
            .arg(&path)
            .args(["--set", "fleet.compliance_firms=150"])
            .args(["--set", "policy.cycles.2019-2020.offsets.limit_pct=10"])
            .arg("--out")
            .arg(&out)
            .arg("--quiet"),
    );
    let recorded = std::fs::read_to_string(out.join("overrides.txt")).unwrap();
    assert_eq!(
        recorded,
        "fleet.compliance_firms = 150\npolicy.cycles.2019-2020.offsets.limit_pct = 10\n"
    );
    let timeline = succeeds(
        carbonsim()
            .arg("timeline")
            .arg(&path)
            .args(["--set", "policy.cycles.2019-2020.offsets.limit_pct=10"]),
    );
    assert!(String::from_utf8_lossy(&timeline.stdout).contains("up to 10 % of the obligation"));
    for (set, expected) in [
        ("fleet.firms=3", "fleet.firms"),
        ("fleet.compliance_firms=many", "fleet.compliance_firms"),
        (
            "policy.cycles.2019-2020.offsets.limit=10",
            "unknown field `limit`",
        ),
        ("nothing", "PATH=VALUE"),
    ] {
        let bad = scratch("set-bad");
        let err = fails(
            carbonsim()
                .arg("run")
                .arg(&path)
                .args(["--set", set])
                .arg("--out")
                .arg(&bad),
        );
        assert!(err.contains(expected), "{set}: {err}");
        assert!(!bad.exists(), "{set}: nothing written");
    }
}

#[test]
fn limits_and_nonsense_are_refused_up_front_naming_the_value() {
    let cases: [(&str, &[&str], &str); 10] = [
        (
            "huge",
            &["--set", "fleet.compliance_firms=4294967295"],
            "fleet.compliance_firms = 4294967295: must be at most 100000",
        ),
        (
            "steps",
            &["--set", "fleet.intraday_steps=4294967295"],
            "fleet.intraday_steps = 4294967295: must be at most 100",
        ),
        (
            "gec",
            &["--set", "submarkets.gec_buyers=4294967295"],
            "submarkets.gec_buyers = 4294967295",
        ),
        (
            "cash",
            &["--set", "fleet.cash_per_tonne=\"-1.00\""],
            "fleet.cash_per_tonne = -1.00: must be >= 0",
        ),
        (
            "nope",
            &[
                "--set",
                "behaviour.compliance_firm.allowance_subjects=[\"NOPE\"]",
            ],
            "\"NOPE\": is not an allowance vintage",
        ),
        (
            "weekend",
            &["--set", "start=2021-10-02", "--set", "end=2021-10-07"],
            "no trading day from 2021-10-02 to 2021-10-07",
        ),
        (
            "seeds",
            &["--seeds", "4294967295"],
            "--seeds 4294967295: a study runs 1 to 100000 seeds",
        ),
        (
            "threads",
            &["--threads", "10000"],
            "--threads 10000: use 1 to 1024",
        ),
        (
            "first",
            &["--seeds", "2", "--first-seed", "18446744073709551615"],
            "--first-seed 18446744073709551615",
        ),
        (
            "mcseeds",
            &["--set", "montecarlo.seeds=4294967295"],
            "montecarlo.seeds = 4294967295",
        ),
    ];
    let path = scenario_file("limits", "");
    for (name, args, expected) in cases {
        let command =
            if args[0].starts_with("--seeds") || args[0] == "--threads" || name == "mcseeds" {
                "montecarlo"
            } else {
                "run"
            };
        let out = scratch(&format!("limits-{name}"));
        let err = fails(
            carbonsim()
                .arg(command)
                .arg(&path)
                .args(args)
                .arg("--out")
                .arg(&out),
        );
        assert!(err.contains(expected), "{name}: {err}");
        assert!(files_in(&out).is_empty(), "{name}: nothing written");
    }
}

#[test]
fn an_output_folder_never_mixes_two_runs() {
    let dir = scratch("mix");
    succeeds(
        carbonsim()
            .args(["replay", "--to", "2021-07-30", "--quiet", "--out"])
            .arg(&dir),
    );
    assert!(files_in(&dir).contains(&"manifest.json".to_string()));
    let path = scenario_file("mix", "");
    let err = fails(
        carbonsim()
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&dir)
            .arg("--quiet"),
    );
    assert!(
        err.contains("holds the files of `carbonsim replay of replay`") && err.contains("--force"),
        "{err}"
    );
    assert!(
        files_in(&dir).contains(&"vintages.csv".to_string()),
        "the replay's files are untouched"
    );
    // The same command again replaces its own files without --force.
    succeeds(
        carbonsim()
            .args(["replay", "--to", "2021-07-30", "--quiet", "--out"])
            .arg(&dir),
    );
    succeeds(
        carbonsim()
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&dir)
            .args(["--quiet", "--force"]),
    );
    let files = files_in(&dir);
    assert!(
        !files.contains(&"vintages.csv".to_string()),
        "the replaced run's files are gone: {files:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        (manifest["command"].as_str(), manifest["scenario"].as_str()),
        (Some("run"), Some("mix"))
    );
    let listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        listed_sorted, files,
        "the manifest lists exactly the folder's files"
    );
}
