//! Whole-scenario benches:
//! - `scenario/replay_2021_2023`: the full replay of 598 trading days through the exchange,
//!   including fleet generation, allocation, every order, settlement, bars and three compliance
//!   deadlines;
//! - `scenario/agent_based`: the agent-based 2021–2023 run of the shipped scenario (2,257 firms,
//!   598 days), including fleet generation, every agent decision, order, block negotiation,
//!   settlement, the three deadlines and the calibration report;
//! - `scenario/agent_based_2021_2026`: the shipped 2021–2026 run (the power fleet and, from
//!   their first credit late in 2025, 1,500 steel, cement and aluminium entities; 1,325 days,
//!   nine cycles).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use carbonsim::scenario::agent_based;
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::replay::{self, ReplayConfig};
use criterion::{Criterion, criterion_group, criterion_main};

fn replay_2021_2023(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenario");
    group.sample_size(20);
    group.bench_function("replay_2021_2023", |b| {
        b.iter(|| {
            let r = replay::run(black_box(&ReplayConfig::default())).unwrap();
            assert_eq!(r.composite.len(), 598);
            r.trades
        });
    });
    group.finish();
}

fn agent_based_2021_2023(c: &mut Criterion) {
    let config = ScenarioConfig::from_toml_str(include_str!(
        "../examples/scenarios/agent_based_2021_2023.toml"
    ))
    .unwrap();
    assert_eq!(config.fleet.compliance_firms, 2_257);
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.bench_function("agent_based", |b| {
        b.iter(|| {
            let r = agent_based::run(black_box(&config), config.seed).unwrap();
            assert_eq!(r.series("COMCEA").count(), 598);
            r.flow.trades
        });
    });
    group.finish();
}

fn agent_based_2021_2026(c: &mut Criterion) {
    let config = ScenarioConfig::from_toml_str(include_str!(
        "../examples/scenarios/agent_based_2021_2026.toml"
    ))
    .unwrap();
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.bench_function("agent_based_2021_2026", |b| {
        b.iter(|| {
            let r = agent_based::run(black_box(&config), config.seed).unwrap();
            assert_eq!(r.series("COMCEA").count(), 1_325);
            assert_eq!(r.compliance.len(), 9, "every deadline through 2026 settles");
            r.flow.trades
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    replay_2021_2023,
    agent_based_2021_2023,
    agent_based_2021_2026
);
criterion_main!(benches);
