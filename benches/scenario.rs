//! `scenario/replay_2021_2023`: the full replay of 598 trading days through the exchange,
//! including fleet generation, allocation, every order, settlement, bars and three compliance
//! deadlines.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

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

criterion_group!(benches, replay_2021_2023);
criterion_main!(benches);
