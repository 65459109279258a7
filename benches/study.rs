//! Studies over parameter points, on a pool of 2 threads:
//! - `study/sweep`: a grid sweep of 2 points × 2 seeds of a 300-firm scenario (2021-07-16 to
//!   2021-09-30), each run a full agent-based run;
//! - `study/calibrate`: a calibration of 2 parameters of the same scenario over 2 seeds, 6
//!   evaluations of the objective (12 runs unless a point repeats).
//!
//! Both first check their own results: the sweep holds its 4 runs in run-list order and is the
//! same on 1 and 2 threads; the calibration makes its 6 evaluations, ends no worse than it
//! started, and is the same on 1 and 2 threads.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::Shard;
use carbonsim::scenario::study::calibrate::{Calibration, CalibrationPlan, Settings};
use carbonsim::scenario::study::design::{self, GridAxis, Range};
use carbonsim::scenario::study::sweep::{SweepOutput, SweepPlan};
use criterion::{Criterion, criterion_group, criterion_main};

const SCENARIO: &str = r#"
name = "study_bench"
seed = 1
start = "2021-07-16"
end = "2021-09-30"

[fleet]
compliance_firms = 300
"#;

const EVALS: usize = 6;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a {threads}-thread pool: {e}"))
}

fn sweep_plan(config: &ScenarioConfig) -> SweepPlan {
    let axis: GridAxis = "behaviour.compliance_firm.urgency_horizon_days=5,10"
        .parse()
        .unwrap();
    SweepPlan::new(config, design::grid(&[axis]).unwrap(), 2).unwrap()
}

fn calibration_plan(config: &ScenarioConfig) -> CalibrationPlan {
    let ranges: Vec<Range> = [
        "behaviour.compliance_firm.base_activity=0.005:0.05",
        "behaviour.compliance_firm.price_noise=0.01:0.06",
    ]
    .iter()
    .map(|r| r.parse().unwrap())
    .collect();
    let settings = Settings {
        seeds: 2,
        max_evals: EVALS,
        tolerance: 0.0,
    };
    CalibrationPlan::new(config, ranges, vec![], settings).unwrap()
}

fn calibrate(plan: &CalibrationPlan, p: &rayon::ThreadPool, dir: &Path) -> Calibration {
    p.install(|| plan.run(&dir.join("checkpoint.jsonl"), false, |_, _| {}))
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let config = ScenarioConfig::from_toml_str(SCENARIO).unwrap();
    let (one, two) = (pool(1), pool(2));

    let plan = sweep_plan(&config);
    let sweep = |p: &rayon::ThreadPool| -> SweepOutput {
        p.install(|| plan.run(Shard::WHOLE, |_| {})).unwrap()
    };
    let s = sweep(&two);
    let order: Vec<(usize, u64)> = s.runs.iter().map(|r| (r.point, r.seed)).collect();
    assert_eq!(order, [(0, 1), (0, 2), (1, 1), (1, 2)]);
    assert_eq!(s, sweep(&one), "sweeps differ between thread counts");

    let cal = calibration_plan(&config);
    let dir = std::env::temp_dir().join(format!("carbonsim-bench-study-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let r = calibrate(&cal, &two, &dir);
    assert_eq!(r.history.len(), EVALS);
    assert!(r.history[r.best].objective <= r.history[0].objective);
    assert_eq!(r.checkpoint, calibrate(&cal, &one, &dir).checkpoint);

    let mut group = c.benchmark_group("study");
    group.sample_size(10);
    group.bench_function("sweep", |b| b.iter(|| black_box(sweep(&two))));
    group.bench_function("calibrate", |b| {
        b.iter(|| black_box(calibrate(&cal, &two, &dir)));
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
