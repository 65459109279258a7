//! The first compliance period (2019–2020): 2,162 synthetic covered entities emitting about
//! 4.5 Gt CO2 a year receive benchmark allocations (70 % pre-allocated on base-year output, then
//! trued up), some hold CCER credits, and all surrender at the 2021-12-31 deadline under the
//! gas exemption, the 20 % cap and the 5 % offset limit.
//!
//! Run: `cargo run --release --example first_compliance_period`

use carbonsim::compliance::allocation::{self, Benchmarks, CorrectionFactors};
use carbonsim::compliance::cycle::{self, ComplianceReport, CycleRules, Eligible, Position};
use carbonsim::compliance::fleet::{Fleet, FleetConfig};
use carbonsim::registry::{
    AccountKind, CancelReason, CcerRules, CeaVintage, ProjectId, Registry, Subject,
};
use carbonsim::units::Quantity;

/// Allocates, trues up and settles the cycle; returns the report.
pub fn run() -> Result<ComplianceReport, Box<dyn std::error::Error>> {
    let benchmarks = Benchmarks::year_2019_2020();
    let corrections = CorrectionFactors::default();
    let fleet = Fleet::synthetic(&FleetConfig::first_period(2021), &benchmarks);
    let mut registry = Registry::default();
    let cea = registry.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let ccer = registry.register_subject(Subject::Ccer {
        project: ProjectId(0),
        vintage: 2016,
        rules: CcerRules::Legacy2012,
    });
    let mut positions = Vec::with_capacity(fleet.entities.len());
    let (mut pre_total, mut top_up, mut claw_back) = (0u64, 0i128, 0i128);
    for (i, entity) in fleet.entities.iter().enumerate() {
        let account = registry.open_account(AccountKind::CoveredEntity, entity.name.clone());
        let (mut pre, mut fin, mut gas_alloc, mut gas_em) = (
            Quantity::ZERO,
            Quantity::ZERO,
            Quantity::ZERO,
            Quantity::ZERO,
        );
        for unit in &entity.units {
            // Base year 2018: assume output 3 % below the compliance years.
            let base = carbonsim::compliance::allocation::GeneratingUnit {
                net_power_mwh: unit.net_power_mwh * 97 / 100,
                heat_gj: unit.heat_gj * 97 / 100,
                ..*unit
            };
            let p = allocation::pre_allocate(&base, &benchmarks, &corrections, 70);
            let f = allocation::allocate(unit, &benchmarks, &corrections);
            pre += p + p;
            fin += f + f;
            if unit.class.is_gas() {
                gas_alloc += f + f;
                gas_em += Quantity::new(2 * unit.emissions_t);
            }
        }
        registry.issue(account, cea, pre)?;
        let delta = allocation::true_up(pre, fin);
        if delta > 0 {
            registry.issue(account, cea, Quantity::new(delta as u64))?;
            top_up += delta;
        } else if delta < 0 {
            registry.cancel(
                account,
                cea,
                Quantity::new(delta.unsigned_abs() as u64),
                CancelReason::ClawBack,
            )?;
            claw_back -= delta;
        }
        pre_total += pre.units();
        // Every tenth entity holds legacy CCER worth 3 % of its emissions.
        let emissions = Quantity::new(2 * entity.emissions_t());
        if i % 10 == 0 {
            registry.issue(
                account,
                ccer,
                Quantity::new(emissions.units() * 3 / 100 + 1),
            )?;
        }
        positions.push(Position {
            account,
            allocation: fin,
            emissions,
            gas_allocation: gas_alloc,
            gas_emissions: gas_em,
        });
    }
    let rules = CycleRules::first_period();
    let eligible = Eligible {
        allowances: &[cea],
        offsets: &[ccer],
        pro_rata: false,
    };
    let report = cycle::settle(
        &mut registry,
        &rules,
        &positions,
        eligible,
        100,
        rules.deadline,
        None,
    )?;
    registry.check_conservation()?;
    print_summary(&positions, &report, pre_total, top_up, claw_back);
    Ok(report)
}

fn print_summary(
    positions: &[Position],
    report: &ComplianceReport,
    pre_total: u64,
    top_up: i128,
    claw_back: i128,
) {
    let mt = |q: u128| q as f64 / 1e6;
    println!(
        "{} entities, emissions {:.0} Mt over two years; pre-allocated {:.0} Mt, true-up +{:.0} / -{:.0} Mt",
        positions.len(),
        mt(positions
            .iter()
            .map(|p| u128::from(p.emissions.units()))
            .sum()),
        mt(u128::from(pre_total)),
        mt(top_up as u128),
        mt(claw_back as u128)
    );
    println!(
        "deadline {}: {} of {} entities complied; {:.2} % by volume; offsets used {:.1} Mt; shortfall {:.1} Mt; fines {}",
        report.date,
        report.entities_complying(),
        report.entities.len(),
        report.rate_by_volume_bp() as f64 / 100.0,
        mt(report
            .entities
            .iter()
            .map(|e| u128::from(e.offsets.units()))
            .sum()),
        mt(u128::from(report.shortfall().units())),
        report
            .entities
            .iter()
            .map(|e| e.fine)
            .sum::<carbonsim::units::Money>()
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().map(|_| ())
}
