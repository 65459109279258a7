//! A compliance cycle's positions: each covered entity's free allocation per covered year, its
//! verified emissions and the gas units' share of both, and whether it starts long or short.
//! Both runners build their cycles here, through [`super::cycles`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::compliance::allocation::GeneratingUnit;
use crate::compliance::cycle::Position;
use crate::compliance::fleet::Fleet;
use crate::registry::AccountId;
use crate::units::Quantity;

/// The positions of a cycle and who starts it long (allocation above emissions) or short.
#[derive(Clone)]
pub(crate) struct Period {
    pub positions: Vec<Position>,
    pub long: Vec<usize>,
    pub short: Vec<usize>,
    /// Each entity's allocation per covered year, in the cycle's year order.
    pub per_year: Vec<Vec<Quantity>>,
}

impl Period {
    /// Adds the next entity's position and allocation per year, long or short by the two.
    pub(crate) fn push(&mut self, position: Position, per_year: Vec<Quantity>) {
        let i = self.positions.len();
        if position.allocation > position.emissions {
            self.long.push(i);
        } else {
            self.short.push(i);
        }
        self.positions.push(position);
        self.per_year.push(per_year);
    }

    /// Takes the verified emissions (gas units' too) of `other`, a period of the same entities,
    /// and re-sorts who is long and short against this period's allocation.
    pub(crate) fn take_emissions(&mut self, other: &Period) {
        self.long.clear();
        self.short.clear();
        for (i, (pos, from)) in self.positions.iter_mut().zip(&other.positions).enumerate() {
            pos.emissions = from.emissions;
            pos.gas_emissions = from.gas_emissions.min(pos.emissions);
            if pos.allocation > pos.emissions {
                self.long.push(i);
            } else {
                self.short.push(i);
            }
        }
    }
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
        p.push(position, alloc);
    }
    p
}

/// Scales every entity's verified emissions (gas units' too) by one factor so that the fleet's
/// emissions are its allocation times `1 − balance_bp / 10,000`: the fleet ends the period long
/// by `balance_bp` basis points of its allocation (short when negative), whatever its drawn
/// intensities; then re-sorts who is long and short.
pub(crate) fn rebalance(p: &mut Period, balance_bp: i32) {
    let allocation: i128 = p
        .positions
        .iter()
        .map(|q| i128::from(q.allocation.units()))
        .sum();
    let emissions: i128 = p
        .positions
        .iter()
        .map(|q| i128::from(q.emissions.units()))
        .sum();
    let target = allocation * (10_000 - i128::from(balance_bp));
    let scale = |q: Quantity| -> Quantity {
        let v = i128::from(q.units()) * target / (10_000 * emissions.max(1));
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

/// Redraws every entity's verified emissions as `allocation × (1 + d_i)` so that exactly
/// `short` entities are short (`d_i > 0`) and their shortfalls add up to `gap_t`:
/// `d_i = σ·(z_i − m)`, `z_i` standard normal from `seed`, `m` midway between the `short`-th and
/// the next largest `z`, and `σ` the one that gives the gap (it is linear in `σ`). Gas units keep
/// their share of the entity's emissions. Used where a cycle's short count and gross gap are
/// published (the first cycle: 847 entities, about 188 Mt).
pub(crate) fn disperse(p: &mut Period, short: usize, gap_t: u64, seed: u64) {
    let n = p.positions.len();
    if n == 0 || short == 0 || short >= n {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let z: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| z[b].total_cmp(&z[a]).then(a.cmp(&b)));
    let m = f64::midpoint(z[order[short - 1]], z[order[short]]);
    let unit_gap: f64 = order[..short]
        .iter()
        .map(|&i| p.positions[i].allocation.units() as f64 * (z[i] - m))
        .sum();
    if unit_gap <= 0.0 {
        return;
    }
    let sigma = gap_t as f64 / unit_gap;
    for (i, pos) in p.positions.iter_mut().enumerate() {
        let allocation = pos.allocation.units() as f64;
        let emissions = (allocation * (1.0 + sigma * (z[i] - m))).round().max(0.0) as u64;
        // The short ones stay short after rounding, the long ones long.
        let emissions = if z[i] > m {
            emissions.max(pos.allocation.units() + 1)
        } else {
            emissions.min(pos.allocation.units())
        };
        let old = pos.emissions.units().max(1);
        let gas = u128::from(pos.gas_emissions.units()) * u128::from(emissions) / u128::from(old);
        pos.emissions = Quantity::new(emissions);
        pos.gas_emissions =
            Quantity::new(u64::try_from(gas).unwrap_or(emissions)).min(pos.emissions);
    }
    p.long = order[short..].to_vec();
    p.long.sort_unstable();
    p.short = order[..short].to_vec();
    p.short.sort_unstable();
}

/// A standard normal draw (Box–Muller) from two uniforms of `rng`.
pub(crate) fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Scales every entity's free allocation (each year's, the gas units' share too) by one factor so
/// that the fleet's allocation adds up to `total_t` (a cap's free part), each entity's rounded
/// down; then re-sorts who is long and short. Emissions are not touched: a tighter cap leaves
/// them to the abatement it pays for.
pub(crate) fn scale_allocation(p: &mut Period, total_t: u64) {
    let allocated: u128 = p
        .positions
        .iter()
        .map(|q| u128::from(q.allocation.units()))
        .sum();
    let scale = |q: Quantity| -> Quantity {
        let v = u128::from(q.units()) * u128::from(total_t) / allocated.max(1);
        Quantity::new(u64::try_from(v).unwrap_or(u64::MAX))
    };
    p.long.clear();
    p.short.clear();
    for (i, (pos, years)) in p.positions.iter_mut().zip(&mut p.per_year).enumerate() {
        for y in years.iter_mut() {
            *y = scale(*y);
        }
        pos.allocation = years.iter().copied().sum();
        pos.gas_allocation = scale(pos.gas_allocation).min(pos.allocation);
        if pos.allocation > pos.emissions {
            p.long.push(i);
        } else {
            p.short.push(i);
        }
    }
}
