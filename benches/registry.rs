//! `registry/compliance_cycle`: allocation for 2,257 entities (benchmarks × output × correction
//! factors, per unit, in exact decimals), issuance, and a whole compliance cycle (obligations,
//! pro-rata surrender, shortfalls, fines) through the registry.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use carbonsim::compliance::allocation::{self, Benchmarks, CorrectionFactors};
use carbonsim::compliance::cycle::{self, CycleRules, Eligible, Position};
use carbonsim::compliance::fleet::{Fleet, FleetConfig};
use carbonsim::registry::{AccountKind, Registry, SubjectKind};
use carbonsim::units::Quantity;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn compliance_cycle(c: &mut Criterion) {
    let benchmarks = Benchmarks::year_2021();
    let fleet = Fleet::synthetic(&FleetConfig::second_period(7), &benchmarks);
    let corrections = CorrectionFactors::default();
    let mut group = c.benchmark_group("registry");
    group.bench_function("compliance_cycle", |b| {
        b.iter_batched(
            || (Registry::default(), fleet.clone()),
            |(mut reg, fleet)| {
                let cea = reg
                    .register_subject("CEA21", SubjectKind::Cea { vintage: 2021 })
                    .unwrap();
                let mut positions = Vec::with_capacity(fleet.entities.len());
                for e in &fleet.entities {
                    let account = reg.open_account(e.name.clone(), AccountKind::CoveredEntity);
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

criterion_group!(benches, compliance_cycle);
criterion_main!(benches);
