//! Registry benches:
//! - `registry/compliance_cycle`: allocation for 2,257 entities (benchmarks × output × correction
//!   factors, per unit, in exact decimals), issuance, and a whole compliance cycle (obligations,
//!   pro-rata surrender, shortfalls, fines) through the registry;
//! - `registry/gec_issuance`: about 120 million green certificates metered monthly for 10,000
//!   generators over 24 months, issued as serial ranges;
//! - `registry/settle_cea`: one delivery-versus-payment settlement.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use carbonsim::compliance::allocation::{self, Benchmarks, CorrectionFactors};
use carbonsim::compliance::cycle::{self, CycleRules, Eligible, Position};
use carbonsim::compliance::fleet::{Fleet, FleetConfig};
use carbonsim::registry::{
    AccountKind, CeaVintage, Registry, Settlement, Subject, Technology, YearMonth,
};
use carbonsim::units::{Money, Price, Quantity};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn compliance_cycle(c: &mut Criterion) {
    let benchmarks = Benchmarks::year_2021();
    let fleet = Fleet::synthetic(&FleetConfig::second_period(7), &benchmarks);
    let corrections = CorrectionFactors::default();
    let mut group = c.benchmark_group("registry");
    group.bench_function("compliance_cycle", |b| {
        b.iter_batched(
            || (Registry::default(), fleet.clone()),
            |(mut reg, fleet)| {
                let cea = reg.register_subject(Subject::Cea {
                    vintage: CeaVintage::Year(2021),
                });
                let mut positions = Vec::with_capacity(fleet.entities.len());
                for e in &fleet.entities {
                    let account = reg.open_account(AccountKind::CoveredEntity, e.name.clone());
                    let alloc: Quantity = e
                        .units
                        .iter()
                        .map(|u| allocation::allocate(u, &benchmarks, &corrections))
                        .sum();
                    if !alloc.is_zero() {
                        reg.issue(account, cea, alloc).unwrap();
                    }
                    positions.push(Position {
                        account,
                        allocation: alloc,
                        emissions: Quantity::new(e.emissions_t()),
                        gas_allocation: Quantity::ZERO,
                        gas_emissions: Quantity::ZERO,
                    });
                }
                let rules = CycleRules::second_period();
                let eligible = Eligible {
                    allowances: &[cea],
                    offsets: &[],
                    pro_rata: true,
                };
                let report = cycle::settle(
                    &mut reg,
                    &rules,
                    &positions,
                    eligible,
                    100,
                    rules.deadline,
                    None,
                )
                .unwrap();
                black_box(report.shortfall())
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

/// 10,000 generators × 24 months of kWh averaging 500 MWh a month: about 120 million GECs.
fn metering_plan() -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    (0..10_000 * 24)
        .map(|_| rng.random_range(1_000_000..=999_999_999) / 1_000)
        .collect()
}

/// Issue every month of the plan into a fresh registry; returns certificates issued.
fn issue_all(plan: &[u64]) -> (Registry, u64) {
    let mut reg = Registry::default();
    // 10,000 accounts and generators, 240,000 batches (one subject and holding each), and
    // their journal events.
    reg.reserve(10_000, 240_000, 240_000, 260_000);
    let gens: Vec<_> = (0..10_000)
        .map(|i| {
            let a = reg.open_account(AccountKind::RenewableGenerator, format!("g{i}"));
            reg.register_generator(a, Technology::SolarPv, true, false)
                .expect("generator")
        })
        .collect();
    let mut total = 0;
    let start = YearMonth::new(2021, 8).expect("month");
    for m in 0..24 {
        let month = start.plus_months(m);
        for (g, kwh) in gens.iter().zip(&plan[(m as usize) * 10_000..]) {
            total += reg.meter(*g, month, *kwh).expect("meter").1.units();
        }
    }
    (reg, total)
}

fn gec_issuance(c: &mut Criterion) {
    let plan = metering_plan();
    let expected: u64 = plan.iter().sum::<u64>() / 1_000;
    let mut g = c.benchmark_group("registry");
    g.sample_size(10);
    g.throughput(Throughput::Elements(expected));
    g.bench_function("gec_issuance", |b| {
        b.iter(|| {
            let (reg, total) = issue_all(&plan);
            assert!(total + 10_000 >= expected && total <= expected);
            black_box(reg.serial_range_count())
        });
    });
    g.finish();
    let (reg, total) = issue_all(&plan);
    eprintln!(
        "gec_issuance: {total} certificates in {} serial ranges of {} bytes each",
        reg.serial_range_count(),
        std::mem::size_of::<carbonsim::registry::SerialRange>()
    );
}

fn settle_cea(c: &mut Criterion) {
    let mut reg = Registry::default();
    let seller = reg.open_account(AccountKind::CoveredEntity, "s");
    let buyer = reg.open_account(AccountKind::CoveredEntity, "b");
    let fees = reg.open_account(AccountKind::Operator, "f");
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(2021),
    });
    reg.issue(seller, cea, Quantity::new(u64::MAX / 4))
        .expect("issue");
    reg.deposit_cash(buyer, Money::from_cny(i64::MAX / 1_000))
        .expect("cash");
    reg.freeze_units(seller, cea, Quantity::new(u64::MAX / 8))
        .expect("freeze");
    reg.freeze_cash(buyer, Money::from_cny(i64::MAX / 2_000))
        .expect("freeze");
    let t = Settlement {
        subject: cea,
        seller,
        buyer,
        quantity: Quantity::new(100),
        price: Price::from_fen(5_422),
        buyer_fee: Money::from_fen(10),
        seller_fee: Money::from_fen(10),
        fee_account: fees,
    };
    let mut g = c.benchmark_group("registry");
    g.throughput(Throughput::Elements(1));
    g.bench_function("settle_cea", |bch| {
        bch.iter(|| reg.settle(black_box(&t)).expect("settle"));
    });
    g.finish();
}

criterion_group!(benches, compliance_cycle, gec_issuance, settle_cea);
criterion_main!(benches);
