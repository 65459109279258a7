//! A compliance period's positions: each covered entity's free allocation over the two years,
//! its verified emissions and the gas units' share of both, and whether it starts long or short.
//! Both the replay and the agent-based run build their periods here.

use crate::compliance::allocation::{self, Benchmarks, CorrectionFactors};
use crate::compliance::cycle::Position;
use crate::compliance::fleet::Fleet;
use crate::registry::AccountId;
use crate::units::Quantity;

/// The positions of a period and who starts it long (allocation above emissions) or short.
pub(crate) struct Period {
    pub positions: Vec<Position>,
    pub long: Vec<usize>,
    pub short: Vec<usize>,
}

/// Allocations, emissions and positions of a fleet over a two-year cycle, with each entity's
/// allocation per year.
pub(crate) fn period(
    fleet: &Fleet,
    accounts: &[AccountId],
    years: [&Benchmarks; 2],
    corrections: &CorrectionFactors,
) -> (Period, Vec<[Quantity; 2]>) {
    let mut positions = Vec::with_capacity(fleet.entities.len());
    let mut per_year = Vec::with_capacity(fleet.entities.len());
    let (mut long, mut short) = (Vec::new(), Vec::new());
    for (i, e) in fleet.entities.iter().enumerate() {
        let mut alloc = [Quantity::ZERO; 2];
        let mut gas_alloc = Quantity::ZERO;
        for u in &e.units {
            for (y, b) in years.iter().enumerate() {
                let a = allocation::allocate(u, b, corrections);
                alloc[y] += a;
                if u.class.is_gas() {
                    gas_alloc += a;
                }
            }
        }
        let emissions = Quantity::new(2 * e.emissions_t());
        let gas_emissions = Quantity::new(
            2 * e
                .units
                .iter()
                .filter(|u| u.class.is_gas())
                .map(|u| u.emissions_t)
                .sum::<u64>(),
        );
        let allocation = alloc[0] + alloc[1];
        if allocation > emissions {
            long.push(i);
        } else {
            short.push(i);
        }
        positions.push(Position {
            account: accounts[i],
            allocation,
            emissions,
            gas_allocation: gas_alloc,
            gas_emissions,
        });
        per_year.push(alloc);
    }
    (
        Period {
            positions,
            long,
            short,
        },
        per_year,
    )
}

/// Scales every entity's verified emissions (gas units' too) by `1 − balance_bp / 10,000`, so the
/// fleet ends the period long by about `balance_bp` basis points of its emissions (short when
/// negative), and re-sorts who is long and short. A calibration knob: the synthetic fleet's
/// intensities are drawn around the benchmarks, so it is balanced before scaling.
pub(crate) fn rebalance(p: &mut Period, balance_bp: i32) {
    let factor = 10_000_i128 - i128::from(balance_bp);
    let scale = |q: Quantity| -> Quantity {
        let v = i128::from(q.units()) * factor / 10_000;
        Quantity::new(u64::try_from(v.max(0)).unwrap_or(u64::MAX))
    };
    p.long.clear();
    p.short.clear();
    for (i, pos) in p.positions.iter_mut().enumerate() {
        pos.emissions = scale(pos.emissions);
        pos.gas_emissions = scale(pos.gas_emissions).min(pos.emissions);
        if pos.allocation > pos.emissions {
            p.long.push(i);
        } else {
            p.short.push(i);
        }
    }
}
