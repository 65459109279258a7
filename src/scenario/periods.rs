//! A compliance cycle's positions: each covered entity's free allocation per covered year, its
//! verified emissions and the gas units' share of both, and whether it starts long or short.
//! Both runners build their cycles here, through [`super::cycles`].

use crate::compliance::allocation::GeneratingUnit;
use crate::compliance::cycle::Position;
use crate::compliance::fleet::Fleet;
use crate::registry::AccountId;
use crate::units::Quantity;

/// The positions of a cycle and who starts it long (allocation above emissions) or short.
pub(crate) struct Period {
    pub positions: Vec<Position>,
    pub long: Vec<usize>,
    pub short: Vec<usize>,
    /// Each entity's allocation per covered year, in the cycle's year order.
    pub per_year: Vec<Vec<Quantity>>,
}

/// Allocations, emissions and positions of a fleet over a cycle of `years` years, each unit
/// allocated `allocate(unit, year index)`.
pub(crate) fn period(
    fleet: &Fleet,
    accounts: &[AccountId],
    years: usize,
    allocate: &dyn Fn(&GeneratingUnit, usize) -> Quantity,
) -> Period {
    let mut p = Period {
        positions: Vec::with_capacity(fleet.entities.len()),
        long: Vec::new(),
        short: Vec::new(),
        per_year: Vec::with_capacity(fleet.entities.len()),
    };
    let years_u64 = years as u64;
    for (i, e) in fleet.entities.iter().enumerate() {
        let mut alloc = vec![Quantity::ZERO; years];
        let mut gas_alloc = Quantity::ZERO;
        for u in &e.units {
            for (y, slot) in alloc.iter_mut().enumerate() {
                let a = allocate(u, y);
                *slot += a;
                if u.class.is_gas() {
                    gas_alloc += a;
                }
            }
        }
        let gas_t: u64 = e
            .units
            .iter()
            .filter(|u| u.class.is_gas())
            .map(|u| u.emissions_t)
            .sum();
        let allocation: Quantity = alloc.iter().copied().sum();
        let position = Position {
            account: accounts[i],
            allocation,
            emissions: Quantity::new(years_u64.saturating_mul(e.emissions_t())),
            gas_allocation: gas_alloc,
            gas_emissions: Quantity::new(years_u64.saturating_mul(gas_t)),
        };
        if position.allocation > position.emissions {
            p.long.push(i);
        } else {
            p.short.push(i);
        }
        p.positions.push(position);
        p.per_year.push(alloc);
    }
    p
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
