//! carbonsim's order book side by side with matchcore 0.4 and orderbook-rs 0.15 on the same
//! seeded 1,000,000-operation streams, in one criterion group per stream, with `stream-only`:
//! the same walk over the stream with no book, the floor under every book's time.
//!
//! Run: `cargo bench -p carbonsim-peers`. Each iteration replays the whole stream into a fresh
//! book built outside the timed region; throughput is reported per operation. The same command
//! runs `ratio.rs`, which times the books back to back in rounds: on a shared machine its
//! per-round ratio is steadier than the ratio of these criterion estimates.

use std::hint::black_box;
use std::time::Duration;

use carbonsim::book::workload::{self, Workload};
use carbonsim_peers::{Carbonsim, Matchcore, OrderbookRs, StreamOnly};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const OPS: usize = 1_000_000;
const SEED: u64 = 42;

fn compare(c: &mut Criterion, w: &Workload) {
    let expected = Carbonsim::new(w).run(w);
    let mut group = c.benchmark_group(format!("book/{}", w.name));
    group.throughput(Throughput::Elements(w.ops.len() as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("carbonsim", |b| {
        b.iter_batched_ref(
            || Carbonsim::new(w),
            |book| assert_eq!(black_box(book.run(w)), expected),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("stream-only", |b| {
        b.iter_batched_ref(
            || StreamOnly::new(w),
            |floor| assert_eq!(black_box(floor.run(w)), expected),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("matchcore", |b| {
        b.iter_batched_ref(
            || Matchcore::new(w),
            |book| assert_eq!(black_box(book.run(w)), expected),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("orderbook-rs", |b| {
        b.iter_batched_ref(
            || OrderbookRs::new(w),
            |book| assert_eq!(black_box(book.run(w)), expected),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn streams(c: &mut Criterion) {
    compare(c, &workload::steady(SEED, OPS));
    compare(c, &workload::deep(SEED, OPS));
}

criterion_group!(benches, streams);
criterion_main!(benches);
