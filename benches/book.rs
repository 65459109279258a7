//! carbonsim's order book on its own: `book/add`, `book/cancel`, `book/match` (sweeping k price
//! levels) and whole `steady`/`deep` streams. The side-by-side comparison with peer crates is in
//! `benches/peers` (`cargo bench -p carbonsim-peers`).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use carbonsim::book::{
    BookEvent, NewOrder, OrderBook, OrderId, OrderKind, OwnerId, SelfTradePrevention, Side,
    workload,
};
use carbonsim::units::{Price, Quantity};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: usize = 10_000;

fn limit(owner: u32, side: Side, price: i64, qty: u64) -> NewOrder {
    NewOrder {
        owner: OwnerId(owner),
        side,
        kind: OrderKind::Limit,
        price: Price::from_fen(price),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

/// `N` passive orders, half bids and half asks, 0–49 ticks from the mid.
fn passive_orders() -> Vec<NewOrder> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    (0..N)
        .map(|i| {
            let k = rng.random_range(0..50);
            if i % 2 == 0 {
                limit(
                    i as u32 % 1_000,
                    Side::Buy,
                    workload::MID - k,
                    rng.random_range(1..=100),
                )
            } else {
                limit(
                    i as u32 % 1_000,
                    Side::Sell,
                    workload::MID + 1 + k,
                    rng.random_range(1..=100),
                )
            }
        })
        .collect()
}

fn fresh() -> OrderBook {
    OrderBook::with_capacity(workload::config(), N).expect("valid band")
}

fn add_and_cancel(c: &mut Criterion) {
    let orders = passive_orders();
    let mut group = c.benchmark_group("book");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("add", |b| {
        b.iter_batched_ref(
            || (fresh(), Vec::with_capacity(4)),
            |(book, events)| {
                for o in &orders {
                    events.clear();
                    black_box(book.submit(o, events));
                }
            },
            BatchSize::LargeInput,
        );
    });
    let mut cancel_order: Vec<usize> = (0..N).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for i in (1..N).rev() {
        cancel_order.swap(i, rng.random_range(0..=i));
    }
    group.bench_function("cancel", |b| {
        b.iter_batched_ref(
            || {
                let mut book = fresh();
                let mut events = Vec::with_capacity(4);
                let ids: Vec<OrderId> = orders
                    .iter()
                    .filter_map(|o| book.submit(o, &mut events))
                    .collect();
                (book, ids, events)
            },
            |(book, ids, events)| {
                for &i in &cancel_order {
                    events.clear();
                    book.cancel(ids[i], OwnerId(0), events);
                }
                assert_eq!(book.resting_orders(), 0);
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let mut group = c.benchmark_group("book/match");
    for k in [1usize, 10, 100] {
        group.throughput(Throughput::Elements(k as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{k}_levels")),
            &k,
            |b, &k| {
                b.iter_batched_ref(
                    || {
                        let mut book = fresh();
                        let mut events = Vec::with_capacity(k + 4);
                        for level in 0..k {
                            book.submit(
                                &limit(1, Side::Sell, workload::MID + level as i64, 10),
                                &mut events,
                            );
                        }
                        events.clear();
                        (book, events)
                    },
                    |(book, events)| {
                        let taker = NewOrder {
                            kind: OrderKind::ImmediateOrCancel,
                            ..limit(2, Side::Buy, workload::MID + k as i64, 10 * k as u64)
                        };
                        book.submit(&taker, events);
                        assert_eq!(
                            events
                                .iter()
                                .filter(|e| matches!(e, BookEvent::Fill(_)))
                                .count(),
                            k
                        );
                    },
                    BatchSize::SmallInput,
                );
            },
        );
    }
    group.finish();
}

fn streams(c: &mut Criterion) {
    for w in [
        workload::steady(42, 1_000_000),
        workload::deep(42, 1_000_000),
    ] {
        let mut group = c.benchmark_group(format!("book/stream/{}", w.name));
        group.throughput(Throughput::Elements(w.ops.len() as u64));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
        group.bench_function("carbonsim", |b| {
            b.iter_batched_ref(
                || {
                    (
                        fresh(),
                        Vec::with_capacity(w.adds),
                        Vec::with_capacity(1_024),
                    )
                },
                |(book, ids, events)| black_box(workload::run(&w, book, ids, events)),
                BatchSize::PerIteration,
            );
        });
        group.finish();
    }
}

criterion_group!(benches, add_and_cancel, sweep, streams);
criterion_main!(benches);
