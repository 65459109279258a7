//! `exchange/steady`: the order book benchmark's `steady` stream sent through the full exchange
//! (session, admission, size and band checks, freezes, matching, settlement, bars), beside the
//! bare book on the same stream in the same group, so the ratio is measured in one run; with
//! and without the registry's audit journal.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use carbonsim::book::workload::{self, Op};
use carbonsim::book::{OrderBook, OrderId, OrderKind, SelfTradePrevention};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, OrderRequest};
use carbonsim::registry::{
    AccountId, AccountKind, CeaVintage, Registry, RegistryConfig, Subject, SubjectId,
};
use carbonsim::units::{Money, Price, Quantity};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

const OPS: usize = 1_000_000;

/// An exchange over the stream's band; `journal` keeps the registry's audit journal.
fn exchange(journal: bool) -> (Exchange, SubjectId, Vec<AccountId>) {
    let mut reg = Registry::new(RegistryConfig {
        journal,
        ..RegistryConfig::default()
    });
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let accounts: Vec<AccountId> = (0..1_100)
        .map(|i| {
            let a = reg.open_account(AccountKind::CoveredEntity, format!("firm {i}"));
            reg.issue(a, cea, Quantity::new(10_000_000)).unwrap();
            reg.deposit_cash(a, Money::from_cny(1_000_000_000)).unwrap();
            a
        })
        .collect();
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    // A previous close of 100.00 gives the stream's band of 90.00–110.00 (9,000–11,000 fen).
    let day = "2021-07-16".parse().unwrap();
    ex.list(cea, "CEA", Price::from_fen(workload::MID), day, None)
        .unwrap();
    ex.open_day(day).unwrap();
    ex.set_time("09:30".parse().unwrap()).unwrap();
    (ex, cea, accounts)
}

/// The owner of each add of the stream, so a cancel comes from the order's owner.
fn add_owners(w: &workload::Workload) -> Vec<u32> {
    w.ops
        .iter()
        .filter_map(|o| {
            if let Op::Add { owner, .. } = o {
                Some(*owner)
            } else {
                None
            }
        })
        .collect()
}

struct Fixture {
    ex: Exchange,
    cea: SubjectId,
    accounts: Vec<AccountId>,
    ids: Vec<OrderId>,
    events: Vec<ExchangeEvent>,
}

fn run(w: &workload::Workload, owners: &[u32], f: &mut Fixture) -> u64 {
    f.ids.clear();
    let mut filled = 0;
    for op in &w.ops {
        f.events.clear();
        let (owner, side, price, qty, kind) = match *op {
            Op::Add {
                side,
                price,
                qty,
                owner,
            } => (owner, side, price, qty, OrderKind::Limit),
            Op::Aggressive {
                side,
                price,
                qty,
                owner,
                ..
            } => (owner, side, price, qty, OrderKind::ImmediateOrCancel),
            Op::Cancel { add } => {
                let account = f.accounts[owners[add as usize] as usize];
                f.ex.cancel(account, f.cea, f.ids[add as usize], &mut f.events)
                    .unwrap();
                continue;
            }
        };
        let req = OrderRequest {
            account: f.accounts[owner as usize],
            subject: f.cea,
            side,
            kind,
            price: Price::from_fen(price.clamp(9_000, 11_000)),
            quantity: Quantity::new(qty),
            stp: SelfTradePrevention::CancelTaker,
        };
        let id = f.ex.submit(&req, &mut f.events).unwrap();
        if kind == OrderKind::Limit {
            f.ids.push(id.expect("passive orders are accepted"));
        }
        for e in &f.events {
            if let ExchangeEvent::Trade(t) = e {
                filled += t.quantity.units();
            }
        }
    }
    filled
}

fn steady(c: &mut Criterion) {
    let w = workload::steady(42, OPS);
    let owners = add_owners(&w);
    let mut book = OrderBook::with_capacity(workload::config(), 8_192).unwrap();
    let expected = workload::run(&w, &mut book, &mut Vec::new(), &mut Vec::new());
    let mut group = c.benchmark_group("exchange/steady");
    group.throughput(Throughput::Elements(OPS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("book", |b| {
        b.iter_batched_ref(
            || {
                (
                    OrderBook::with_capacity(workload::config(), 8_192).unwrap(),
                    Vec::with_capacity(w.adds),
                    Vec::with_capacity(1_024),
                )
            },
            |(book, ids, events)| {
                assert_eq!(black_box(workload::run(&w, book, ids, events)), expected);
            },
            BatchSize::PerIteration,
        );
    });
    // The scenario runners keep no journal; an audit journal adds one event per freeze, release
    // and settlement. Both are measured.
    for (name, journal) in [
        ("exchange-unjournaled", false),
        ("exchange-journaled", true),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || {
                    let (ex, cea, accounts) = exchange(journal);
                    Fixture {
                        ex,
                        cea,
                        accounts,
                        ids: Vec::with_capacity(w.adds),
                        events: Vec::with_capacity(1_024),
                    }
                },
                |f| assert_eq!(black_box(run(&w, &owners, f)), expected),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, steady);
criterion_main!(benches);
