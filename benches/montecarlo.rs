//! Speed-up of the Monte Carlo driver on 1 and 2 threads.
//!
//! What this measures, on local rayon pools of 1 and 2 threads, after checking that both give
//! identical results:
//! - `montecarlo/synthetic`: `run_seeds` over 100 seeds of a synthetic, CPU-bound function (a
//!   seeded ChaCha random walk of 20,000 steps per seed, about 0.1 ms of work): the driver's own
//!   scaling and overhead;
//! - `montecarlo/agent_based`: a study of 100 seeds of an agent-based scenario (300 firms,
//!   2021-07-16 to 2021-09-30), each seed a full run through the exchange.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::convert::Infallible;
use std::hint::black_box;

use carbonsim::agents::agent_rng;
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::{SeedRange, Shard, run_seeds};
use carbonsim::scenario::study;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;

const SEEDS: u32 = 100;
const STEPS: u32 = 20_000;

fn synthetic(seed: u64) -> f64 {
    let mut rng = agent_rng(seed, 0);
    let mut price = 50.0_f64;
    let mut low = price;
    for _ in 0..STEPS {
        price *= 1.0 + rng.random_range(-0.01..0.01);
        low = low.min(price);
    }
    price - low
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| panic!("cannot build a {threads}-thread pool: {e}"))
}

fn bench(c: &mut Criterion) {
    let seeds = SeedRange {
        first: 1,
        count: SEEDS,
    }
    .seeds();
    let run = |p: &rayon::ThreadPool| {
        p.install(|| run_seeds(&seeds, |s| Ok::<_, Infallible>(synthetic(s)), |_| {}))
            .unwrap_or_else(|e| match e {})
    };
    let (one, two) = (pool(1), pool(2));
    assert_eq!(run(&one), run(&two), "results differ between thread counts");

    let mut group = c.benchmark_group("montecarlo/synthetic");
    group.throughput(Throughput::Elements(u64::from(SEEDS)));
    group.sample_size(20);
    for (name, p) in [("threads-1", &one), ("threads-2", &two)] {
        group.bench_function(name, |b| b.iter(|| black_box(run(p))));
    }
    group.finish();

    // The agent-based study itself: 100 seeds of a quarter of 2021 with 300 firms.
    let config = ScenarioConfig::from_toml_str(STUDY).unwrap();
    let range = SeedRange {
        first: 1,
        count: SEEDS,
    };
    let study = |p: &rayon::ThreadPool| {
        p.install(|| study::run_study(&config, range, Shard::WHOLE, |_| {}))
            .unwrap()
    };
    assert_eq!(
        study(&one),
        study(&two),
        "studies differ between thread counts"
    );
    let mut group = c.benchmark_group("montecarlo/agent_based");
    group.throughput(Throughput::Elements(u64::from(SEEDS)));
    group.sample_size(10);
    for (name, p) in [("threads-1", &one), ("threads-2", &two)] {
        group.bench_function(name, |b| b.iter(|| black_box(study(p))));
    }
    group.finish();
}

/// The study's scenario: small enough that 100 seeds fit a criterion sample.
const STUDY: &str = r#"
name = "montecarlo_bench"
seed = 1
start = "2021-07-16"
end = "2021-09-30"

[fleet]
compliance_firms = 300
"#;

criterion_group!(benches, bench);
criterion_main!(benches);
