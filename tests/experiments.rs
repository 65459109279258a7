//! The experiment commands (`sweep`, `merge` of a sweep, `sensitivity`, `compare`): outputs that
//! do not depend on threads or shards, shapes and row counts, and bad input refused with a
//! message naming the value, nothing written. Statistic values are never pinned: the model's
//! behaviour changes, these properties do not.

use std::path::{Path, PathBuf};

mod common;
use common::{carbonsim, fails, succeeds};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("carbonsim-exp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A short scenario: ten weeks, 200 firms.
fn scenario_file(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("carbonsim-exp-{name}-{}.toml", std::process::id()));
    let text = format!(
        "name = \"{name}\"\nseed = 3\nstart = \"2021-07-16\"\nend = \"2021-09-30\"\n[fleet]\ncompliance_firms = 200\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const GRID: [&str; 8] = [
    "--set",
    "fleet.history_bars=20",
    "--grid",
    "fleet.compliance_firms=100,200",
    "--grid",
    "behaviour.compliance_firm.base_activity=0.01,0.02,0.03",
    "--seeds",
    "2",
];

fn sweep(scenario: &Path, dir: &Path, extra: &[&str]) {
    succeeds(
        carbonsim()
            .arg("sweep")
            .arg(scenario)
            .args(GRID)
            .args(extra)
            .arg("--quiet")
            .arg("--out")
            .arg(dir),
    );
}

#[test]
fn sweep_is_the_same_on_any_thread_count_and_from_merged_shards() {
    let scenario = scenario_file("sweep");
    let (one, two) = (scratch("sw1"), scratch("sw2"));
    sweep(&scenario, &one, &["--threads", "1"]);
    sweep(&scenario, &two, &["--threads", "2"]);
    let names = files_in(&one);
    assert_eq!(
        names,
        [
            "manifest.json",
            "overrides.txt",
            "points.csv",
            "runs.csv",
            "shard-0-of-1.json",
            "sweep.json"
        ]
    );
    assert_same_files(&one, &two, &names, "between 1 and 2 threads");
    let (shards, merged) = sweep_in_three_shards_merged(&scenario);
    let results: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "manifest.json")
        .collect();
    assert_same_files(
        &one,
        &merged,
        &results,
        "between the whole sweep and the merged shards",
    );
    sweep_tables_are_tidy(&one);
    for d in [one, two, shards, merged] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

/// Each file of `names` is the same in folders `a` and `b`.
fn assert_same_files(a: &Path, b: &Path, names: &[impl AsRef<str>], what: &str) {
    for f in names.iter().map(AsRef::as_ref) {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs {what}"
        );
    }
}

/// The sweep of `scenario` as three shards, merged in reverse order: (shards, merged) folders.
fn sweep_in_three_shards_merged(scenario: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let shards = scratch("sws");
    for i in 0..3 {
        sweep(scenario, &shards, &["--shard", &format!("{i}/3")]);
    }
    let merged = scratch("swm");
    let mut merge = carbonsim();
    merge.args(["merge", "--quiet", "--out"]).arg(&merged);
    for i in (0..3).rev() {
        merge.arg(shards.join(format!("shard-{i}-of-3.json")));
    }
    succeeds(&mut merge);
    (shards, merged)
}

/// `runs.csv` and `points.csv` of the sweep in `one`.
fn sweep_tables_are_tidy(one: &Path) {
    // 6 points × 2 seeds, point-major; every point's parameters on its rows.
    let runs = std::fs::read_to_string(one.join("runs.csv")).unwrap();
    let rows: Vec<Vec<&str>> = runs.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0][..4],
        [
            "point",
            "fleet.compliance_firms",
            "behaviour.compliance_firm.base_activity",
            "seed"
        ]
    );
    assert_eq!(rows.len(), 1 + 12);
    let keys: Vec<(&str, &str, &str, &str)> =
        rows[1..].iter().map(|r| (r[0], r[1], r[2], r[3])).collect();
    assert_eq!(keys[0], ("0", "100", "0.01", "3"));
    assert_eq!(keys[1], ("0", "100", "0.01", "4"));
    assert_eq!(keys[2], ("1", "100", "0.02", "3"));
    assert_eq!(keys[11], ("5", "200", "0.03", "4"));
    for key in [
        "volatility",
        "maximum_drawdown",
        "last_close",
        "mean_close_2021",
    ] {
        assert!(
            rows[0].contains(&key),
            "runs.csv lacks {key}: {:?}",
            rows[0]
        );
    }
    // points.csv: one row per point and statistic, with the median inside p5..p95.
    let points = std::fs::read_to_string(one.join("points.csv")).unwrap();
    let statistics = rows[0].len() - 4;
    assert_eq!(points.lines().count(), 1 + 6 * statistics);
    for line in points.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if let (Ok(m), Ok(lo), Ok(hi)) = (
            f[5].parse::<f64>(),
            f[6].parse::<f64>(),
            f[7].parse::<f64>(),
        ) {
            assert!(lo <= m && m <= hi, "{line}");
        }
    }
}

#[test]
fn latin_hypercube_points_are_reproducible_and_inside_their_ranges() {
    let scenario = scenario_file("lhs");
    let run = |dir: &Path| {
        succeeds(
            carbonsim()
                .arg("sweep")
                .arg(&scenario)
                .args(["--lhs", "6", "--range", "fleet.compliance_firms=100:300"])
                .args([
                    "--range",
                    "behaviour.compliance_firm.base_activity=0.01:0.03",
                ])
                .args(["--seeds", "1", "--quiet", "--out"])
                .arg(dir),
        );
        std::fs::read_to_string(dir.join("runs.csv")).unwrap()
    };
    let (a, b) = (scratch("lhs-a"), scratch("lhs-b"));
    let text = run(&a);
    assert_eq!(text, run(&b));
    let mut strata = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let firms: u32 = f[1].parse().unwrap();
        assert!((100..=300).contains(&firms), "{line}");
        let activity: f64 = f[2].parse().unwrap();
        assert!((0.01..=0.03).contains(&activity), "{line}");
        strata.push((((activity - 0.01) / 0.02 * 6.0).floor() as u32).min(5));
    }
    // One point in each sixth of the (unrounded) range.
    strata.sort_unstable();
    assert_eq!(strata, [0, 1, 2, 3, 4, 5], "{text}");
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

#[test]
fn bad_sweeps_are_refused_naming_the_value_and_write_nothing() {
    let scenario = scenario_file("bad");
    let out = scratch("bad");
    let cases: [(&[&str], &str); 8] = [
        (
            &["--grid", "fleet.no_such_field=1,2"],
            "fleet.no_such_field",
        ),
        (&["--grid", "fleet.compliance_firms=100,many"], "many"),
        (&["--grid", "fleet.compliance_firms="], "has no value"),
        (
            &["--lhs", "4", "--range", "fleet.compliance_firms=300:100"],
            "300",
        ),
        (
            &["--grid", "fleet.compliance_firms=1,2", "--seeds", "50001"],
            "at most 100000",
        ),
        (&["--lhs", "4"], "--range"),
        (&[], "give a design"),
        (
            &["--grid", "fleet.compliance_firms=100", "--seeds", "0"],
            "--seeds 0",
        ),
    ];
    for (args, needle) in cases {
        let err = fails(
            carbonsim()
                .arg("sweep")
                .arg(&scenario)
                .args(args)
                .arg("--out")
                .arg(&out),
        );
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {out:?}");
    }
    std::fs::remove_file(&scenario).unwrap();
}

#[test]
fn merge_refuses_a_shard_of_another_sweep() {
    let scenario = scenario_file("other");
    let (a, b) = (scratch("other-a"), scratch("other-b"));
    let shard = |dir: &Path, values: &str, i: u32| {
        succeeds(
            carbonsim()
                .arg("sweep")
                .arg(&scenario)
                .args(["--grid", values, "--seeds", "1", "--quiet"])
                .args(["--shard", &format!("{i}/2"), "--out"])
                .arg(dir),
        );
    };
    shard(&a, "fleet.compliance_firms=100,200", 0);
    shard(&b, "fleet.compliance_firms=100,300", 1);
    let merged = scratch("other-m");
    let err = fails(
        carbonsim()
            .args(["merge", "--out"])
            .arg(&merged)
            .arg(a.join("shard-0-of-2.json"))
            .arg(b.join("shard-1-of-2.json")),
    );
    assert!(err.contains("another sweep"), "{err}");
    assert!(!merged.exists());
    let err = fails(
        carbonsim()
            .args(["merge", "--out"])
            .arg(&merged)
            .arg(a.join("shard-0-of-2.json")),
    );
    assert!(err.contains("missing"), "{err}");
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

#[test]
fn sensitivity_writes_indices_for_every_statistic_and_parameter() {
    let scenario = scenario_file("sens");
    let run = |dir: &Path, threads: &str| {
        succeeds(
            carbonsim()
                .arg("sensitivity")
                .arg(&scenario)
                .args(["--params", "fleet.compliance_firms=100:300"])
                .args(["behaviour.compliance_firm.base_activity=0.01:0.03"])
                .args([
                    "--trajectories",
                    "3",
                    "--samples",
                    "4",
                    "--threads",
                    threads,
                ])
                .args(["--statistic", "volatility", "--quiet", "--out"])
                .arg(dir),
        );
    };
    let (one, two) = (scratch("sens1"), scratch("sens2"));
    run(&one, "1");
    run(&two, "2");
    assert_eq!(
        files_in(&one),
        [
            "indices.csv",
            "indices.svg",
            "manifest.json",
            "points.csv",
            "runs.csv"
        ]
    );
    let results = ["indices.csv", "indices.svg", "runs.csv", "points.csv"];
    assert_same_files(&one, &two, &results, "between 1 and 2 threads");
    sensitivity_indices_are_complete(&one);
    sensitivity_refuses_a_reversed_box_and_too_many_samples(&scenario);
    for d in [one, two] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

/// `indices.csv` and `indices.svg` of the sensitivity study in `one`.
fn sensitivity_indices_are_complete(one: &Path) {
    // 3 trajectories × 3 points + 4 Saltelli blocks × 4 points.
    let runs = std::fs::read_to_string(one.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 9 + 16);
    let indices = std::fs::read_to_string(one.join("indices.csv")).unwrap();
    let statistics = runs.lines().next().unwrap().split(',').count() - 4;
    assert_eq!(indices.lines().count(), 1 + 2 * statistics, "{indices}");
    let volatility: Vec<&str> = indices
        .lines()
        .filter(|l| l.starts_with("volatility,"))
        .collect();
    assert_eq!(volatility.len(), 2);
    for line in volatility {
        let f: Vec<&str> = line.split(',').collect();
        let mu_star: f64 = f[3].parse().unwrap();
        let sigma: f64 = f[4].parse().unwrap();
        assert!(mu_star >= 0.0 && sigma >= 0.0, "{line}");
    }
    let svg = std::fs::read_to_string(one.join("indices.svg")).unwrap();
    assert!(svg.contains("fleet.compliance_firms") && svg.contains("total-order"));
}

/// Bad input is refused, naming it, and nothing is written.
fn sensitivity_refuses_a_reversed_box_and_too_many_samples(scenario: &Path) {
    let err = fails(
        carbonsim()
            .arg("sensitivity")
            .arg(scenario)
            .args(["--params", "fleet.compliance_firms=300:100", "--out"])
            .arg(scratch("sens-bad")),
    );
    assert!(
        err.contains("300") && err.contains("fleet.compliance_firms"),
        "{err}"
    );
    let err = fails(
        carbonsim()
            .arg("sensitivity")
            .arg(scenario)
            .args(["--params", "fleet.compliance_firms=100:300"])
            .args(["--samples", "1000000000", "--out"])
            .arg(scratch("sens-bad")),
    );
    assert!(err.contains("at most 100000"), "{err}");
    assert!(!scratch("sens-bad").exists());
}

#[test]
fn compare_sets_runs_and_studies_side_by_side_and_refuses_mixed_versions() {
    let scenario = scenario_file("cmp");
    let (base, tight, study) = two_runs_and_a_study(&scenario);
    let out = scratch("cmp-out");
    succeeds(
        carbonsim()
            .args(["compare", "--quiet", "--out"])
            .arg(&out)
            .args([&base, &tight, &study]),
    );
    assert_eq!(
        files_in(&out),
        ["compare.csv", "compare.svg", "manifest.json"]
    );
    compare_sets_them_side_by_side(&out, [&base, &tight, &study]);
    compare_refuses_a_folder_of_another_version(&base, &tight);
    for d in [base, tight, study, out] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&scenario).unwrap();
}

/// A run of `scenario`, one with fewer firms and a 3-seed study: their folders.
fn two_runs_and_a_study(
    scenario: &Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (base, tight, study) = (scratch("cmp-base"), scratch("cmp-tight"), scratch("cmp-mc"));
    succeeds(
        carbonsim()
            .arg("run")
            .arg(scenario)
            .arg("--quiet")
            .arg("--out")
            .arg(&base),
    );
    succeeds(
        carbonsim()
            .arg("run")
            .arg(scenario)
            .args(["--set", "fleet.compliance_firms=100", "--quiet", "--out"])
            .arg(&tight),
    );
    succeeds(
        carbonsim()
            .arg("montecarlo")
            .arg(scenario)
            .args(["--seeds", "3", "--quiet", "--out"])
            .arg(&study),
    );
    (base, tight, study)
}

/// `compare.csv` and `compare.svg` in `out` for the folders `base`, `tight` and `study`.
fn compare_sets_them_side_by_side(out: &Path, [base, tight, study]: [&Path; 3]) {
    let (b, t, s) = (
        base.file_name().unwrap().to_string_lossy().into_owned(),
        tight.file_name().unwrap().to_string_lossy().into_owned(),
        study.file_name().unwrap().to_string_lossy().into_owned(),
    );
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "statistic".to_owned(),
            "published".into(),
            b.clone(),
            format!("{b}_p5"),
            format!("{b}_p95"),
            t.clone(),
            format!("{t}_p5"),
            format!("{t}_p95"),
            s.clone(),
            format!("{s}_p5"),
            format!("{s}_p95"),
            format!("{t}_minus_{b}"),
            format!("{s}_minus_{b}"),
        ]
    );
    let volatility: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("volatility,"))
        .unwrap()
        .split(',')
        .collect();
    let num = |i: usize| volatility[i].parse::<f64>().unwrap();
    // Differences against the first folder; a run has no band, a study's median lies in its band.
    assert!((num(11) - (num(5) - num(2))).abs() < 1e-12);
    assert!((num(12) - (num(8) - num(2))).abs() < 1e-12);
    assert!(volatility[3].is_empty() && num(9) <= num(8) && num(8) <= num(10));
    let svg = std::fs::read_to_string(out.join("compare.svg")).unwrap();
    assert!(svg.contains("published close") && svg.contains(&format!("{s} (median)")));
}

/// A folder from another version is refused, naming both versions; nothing is written.
fn compare_refuses_a_folder_of_another_version(base: &Path, tight: &Path) {
    let manifest = tight.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::write(&manifest, text.replace(&version, "\"0.0.0-old\"")).unwrap();
    let refused = scratch("cmp-refused");
    let err = fails(
        carbonsim()
            .args(["compare", "--out"])
            .arg(&refused)
            .args([&base, &tight]),
    );
    assert!(
        err.contains("0.0.0-old") && err.contains(env!("CARGO_PKG_VERSION")),
        "{err}"
    );
    assert!(!refused.exists());
}

#[test]
fn compare_reads_each_sweep_point_as_a_study() {
    let scenario = scenario_file("cmp-sw");
    let base = scratch("cmp-sw-base");
    succeeds(
        carbonsim()
            .arg("run")
            .arg(&scenario)
            .arg("--quiet")
            .arg("--out")
            .arg(&base),
    );
    let b = base.file_name().unwrap().to_string_lossy().into_owned();
    // A sweep's points count as studies: two points, two column groups, each median in its band.
    let swept = scratch("cmp-sweep");
    succeeds(
        carbonsim()
            .arg("sweep")
            .arg(&scenario)
            .args(["--grid", "fleet.compliance_firms=100,200", "--seeds", "3"])
            .args(["--quiet", "--out"])
            .arg(&swept),
    );
    let with_sweep = scratch("cmp-out-sweep");
    succeeds(
        carbonsim()
            .args(["compare", "--quiet", "--out"])
            .arg(&with_sweep)
            .args([&base, &swept]),
    );
    let csv = std::fs::read_to_string(with_sweep.join("compare.csv")).unwrap();
    let w = swept.file_name().unwrap().to_string_lossy().into_owned();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        format!("{w}:p0"),
        format!("{w}:p1_p95"),
        format!("{w}:p1_minus_{b}"),
    ] {
        assert!(header.contains(&col.as_str()), "{col} not in {header:?}");
    }
    let row: Vec<f64> = csv
        .lines()
        .find(|l| l.starts_with("volatility,"))
        .unwrap()
        .split(',')
        .skip(2)
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    // r, r_p5, r_p95, p0, p0_p5, p0_p95, p1, p1_p5, p1_p95, p0−r, p1−r
    assert!(row[4] <= row[3] && row[3] <= row[5] && row[7] <= row[6] && row[6] <= row[8]);
    assert!((row[9] - (row[3] - row[0])).abs() < 1e-12);
    std::fs::remove_dir_all(&swept).unwrap();
    std::fs::remove_dir_all(&with_sweep).unwrap();
    std::fs::remove_dir_all(&base).unwrap();
    std::fs::remove_file(&scenario).unwrap();
}
