//! The covered firms' economics in a run: each month they abate the month's emissions where the
//! market's expected price exceeds their marginal cost, and the market's outlook (what an
//! allowance is worth, [`crate::economics::outlook`]) is refreshed from the fleet's aggregate
//! position. The equations are in `docs/model.md` ("Firm economics").

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::compliance::cycle;
use crate::economics::EconomicsParams;
use crate::economics::abatement::{AggregateMac, UNSCALED_PCT};
use crate::economics::outlook::{Outlook, lowest_meeting};
use crate::registry::Registry;
use crate::scenario::cycles::Cycles;
use crate::scenario::periods::standard_normal;
use crate::units::{Money, Price, Quantity};

/// Salt of the stream that draws the firms' cost factors, apart from every other stream.
const COST_SALT: u64 = 0x4D41_4343_5F63_6F73;

/// The eligible offsets in circulation and the allowance price from which firms buy them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetSupply {
    /// Credits held by the covered entities and the project owners, t.
    pub tonnes: u64,
    /// The allowance price at which a firm buys them: the cheapest credit's last close over
    /// `1 − ccer_min_discount`.
    pub bought_from: Price,
}

/// One firm's abatement in one emission year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmAbatement {
    /// Tonnes abated.
    pub abated_t: u64,
    /// What it cost, CNY.
    pub cost: Money,
}

/// The outlook on one day, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlookDay {
    /// The day it was computed (a month's first trading day).
    pub date: NaiveDate,
    /// The fleet's net deficit over the open cycles, t (negative: long).
    pub deficit_t: i64,
    /// The horizon's final deadline.
    pub horizon: NaiveDate,
    /// The outlook.
    pub outlook: Outlook,
}

/// What a run records of the firms' economics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Economics {
    /// The covered entities' names, in account order.
    pub firms: Vec<String>,
    /// Abatement per emission year, one entry per firm in account order.
    pub abatement: BTreeMap<i32, Vec<FirmAbatement>>,
    /// The outlook at each month's first trading day.
    pub outlook: Vec<OutlookDay>,
}

impl Economics {
    /// Per emission year: tonnes abated, their cost, and how many firms abated.
    #[must_use]
    pub fn by_year(&self) -> Vec<(i32, u64, Money, usize)> {
        self.abatement
            .iter()
            .map(|(year, firms)| {
                let tonnes = firms.iter().map(|f| f.abated_t).sum();
                let cost = firms
                    .iter()
                    .fold(Money::ZERO, |s, f| s.checked_add(f.cost).unwrap_or(s));
                let abating = firms.iter().filter(|f| f.abated_t > 0).count();
                (*year, tonnes, cost, abating)
            })
            .collect()
    }
}

/// The run's abatement ledger and outlook.
pub(crate) struct Economy {
    params: EconomicsParams,
    /// Each account's cost factor, percent (100: the curve as given).
    scale_pct: Vec<u32>,
    /// Each cycle's entities' baseline emissions a year, t, before any abatement.
    baseline: Vec<Vec<u64>>,
    /// The largest cycle's fleet's abatement a year as a function of the price.
    aggregate: AggregateMac,
    /// Abatement per emission year and entity (account order).
    pub ledger: BTreeMap<i32, Vec<FirmAbatement>>,
    /// The outlook in force, once computed.
    pub current: Option<Outlook>,
    /// Every outlook computed, in date order.
    pub path: Vec<OutlookDay>,
}

impl Economy {
    /// Draws each account's cost factor `e^{σ·z}` and keeps each cycle's baseline.
    pub fn new(params: &EconomicsParams, cycles: &Cycles, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ COST_SALT);
        let scale_pct: Vec<u32> = (0..cycles.accounts.len())
            .map(|_| {
                let z = standard_normal(&mut rng);
                let factor = (params.cost_spread * z).exp() * f64::from(UNSCALED_PCT);
                factor.round().clamp(1.0, 100_000.0) as u32
            })
            .collect();
        let baseline: Vec<Vec<u64>> = cycles
            .periods
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let years = cycles.timeline.spec().cycles[k].years.len().max(1) as u64;
                p.positions
                    .iter()
                    .map(|pos| pos.emissions.units() / years)
                    .collect()
            })
            .collect();
        let aggregate = AggregateMac::new(
            &params.mac,
            baseline[cycles.largest]
                .iter()
                .copied()
                .zip(scale_pct.iter().copied()),
        );
        Economy {
            params: params.clone(),
            scale_pct,
            baseline,
            aggregate,
            ledger: BTreeMap::new(),
            current: None,
            path: Vec::new(),
        }
    }

    /// The fleet's abatement in a year at `price`, on the largest cycle's baselines.
    fn annual_abatement(&self, price: Price) -> i128 {
        self.aggregate.tonnes(price) as i128
    }

    /// Refreshes the outlook on `date` from the fleet's position in `reg` and the eligible
    /// offsets in circulation (see [`crate::economics::outlook`]).
    pub fn refresh(
        &mut self,
        cycles: &Cycles,
        reg: &Registry,
        date: NaiveDate,
        offsets: OffsetSupply,
    ) -> Outlook {
        let o = &self.params.outlook;
        let open = open_cycles(cycles, date);
        let (deficit, room) = deficit(cycles, reg, &open);
        // Offsets make up the deficit only at an allowance price at which firms buy them.
        let usable = 12 * room.min(i128::from(offsets.tonnes));
        let months_left: i128 = open
            .iter()
            .flat_map(|&k| cycles.timeline.spec().cycles[k].years.iter())
            .map(|&y| months_from(i32::from(y), date))
            .sum();
        let horizon = horizon(cycles, date);
        let anchor = o.anchor(horizon.year());
        let horizon_price = if self.params.abatement && anchor.fen() > 0 {
            let later: Vec<Price> = o
                .absorption_years(horizon.year())
                .map(|y| o.anchor(y))
                .collect();
            // Monthly abatement along the path scaled by φ (basis points).
            let supply = |phi_bp: i64| -> i128 {
                let at = |p: Price| Price::from_fen(p.fen().saturating_mul(phi_bp) / 10_000);
                let later: i128 = later
                    .iter()
                    .map(|p| 12 * self.annual_abatement(at(*p)))
                    .sum();
                let offsets = if at(anchor) >= offsets.bought_from {
                    usable
                } else {
                    0
                };
                later + months_left * self.annual_abatement(at(anchor)) + offsets
            };
            let baseline: i128 = later.iter().map(|p| 12 * self.annual_abatement(*p)).sum();
            let target = baseline + 12 * deficit;
            let top_bp = self.top().fen().saturating_mul(10_000) / anchor.fen();
            let phi_bp = lowest_meeting(top_bp, target, supply);
            Price::from_fen(anchor.fen().saturating_mul(phi_bp) / 10_000)
        } else {
            anchor
        };
        let years = (horizon - date).num_days() as f64 / 365.25;
        let outlook = Outlook {
            fundamental: o.discount(horizon_price, years),
            horizon: horizon_price,
        };
        self.current = Some(outlook);
        self.path.push(OutlookDay {
            date,
            deficit_t: i64::try_from(deficit).unwrap_or(i64::MAX),
            horizon,
            outlook,
        });
        outlook
    }

    /// What the run records, with the entities' names from `reg`.
    pub fn record(&self, cycles: &Cycles, reg: &Registry) -> Economics {
        Economics {
            firms: cycles
                .accounts
                .iter()
                .map(|a| {
                    reg.account(*a)
                        .map_or_else(|_| String::new(), |x| x.name.clone())
                })
                .collect(),
            abatement: self.ledger.clone(),
            outlook: self.path.clone(),
        }
    }

    /// The price at which every firm has taken every option.
    fn top(&self) -> Price {
        let widest = self.scale_pct.iter().copied().max().unwrap_or(UNSCALED_PCT);
        self.params.mac.top(widest)
    }

    /// Abates the month of `date` at `price`: each entity of the cycle covering the month's year
    /// cuts a twelfth of its yearly abatement at that price from its verified emissions.
    pub fn abate_month(&mut self, cycles: &mut Cycles, date: NaiveDate, price: Price) {
        if !self.params.abatement {
            return;
        }
        let year = date.year();
        let Ok(y) = u16::try_from(year) else { return };
        let begun = cycles.groups_begun();
        for k in cycles.timeline.cycles_of_year(y) {
            if begun[cycles.group_of[k]] {
                self.abate_cycle_month(cycles, k, year, price);
            }
        }
    }

    /// Cycle `k`'s entities abate a twelfth of their yearly abatement at `price`.
    fn abate_cycle_month(&mut self, cycles: &mut Cycles, k: usize, year: i32, price: Price) {
        let mac = &self.params.mac;
        let ledger = self
            .ledger
            .entry(year)
            .or_insert_with(|| vec![FirmAbatement::default(); cycles.accounts.len()]);
        let first = cycles.account_index(k, 0);
        for (i, pos) in cycles.periods[k].positions.iter_mut().enumerate() {
            let (base, scale) = (self.baseline[k][i], self.scale_pct[first + i]);
            let tonnes = mac.abatement_t(base, price, scale) / 12;
            let cost = Money::from_fen(mac.cost(base, price, scale).fen() / 12);
            pos.emissions = pos.emissions.saturating_sub(Quantity::new(tonnes));
            pos.gas_emissions = pos.gas_emissions.min(pos.emissions);
            let entry = &mut ledger[first + i];
            entry.abated_t += tonnes;
            entry.cost = entry.cost.checked_add(cost).unwrap_or(entry.cost);
        }
    }
}

/// The cycles in the outlook on `date`: those with a deadline still to settle whose first
/// covered year has begun (a later cycle's allocation is not yet known).
fn open_cycles(cycles: &Cycles, date: NaiveDate) -> Vec<usize> {
    let spec = cycles.timeline.spec();
    let begun = |k: usize| {
        spec.cycles[k]
            .years
            .first()
            .is_some_and(|y| i32::from(*y) <= date.year())
    };
    let mut open: Vec<usize> = cycles.agenda.upcoming().iter().map(|d| d.cycle).collect();
    open.sort_unstable();
    open.dedup();
    open.retain(|&k| begun(k));
    open
}

/// The fleet's net deficit over the `open` cycles before offsets, t (what they still require,
/// less the allowances the entities hold in every vintage and the allocation still to be
/// credited), and the room left for offsets under the cycles' limits.
fn deficit(cycles: &Cycles, reg: &Registry, open: &[usize]) -> (i128, i128) {
    let (mut required, mut room) = (0_i128, 0_i128);
    for &k in open {
        let report = cycles.reports[k].as_ref();
        for (i, pos) in cycles.periods[k].positions.iter().enumerate() {
            let due = cycle::obligation(&cycles.rules[k], pos).required.units();
            let done = report.and_then(|r| r.entities.get(i));
            let limit = i128::from(due) * i128::from(cycles.rules[k].offset_limit_pct) / 100;
            room += (limit - done.map_or(0, |e| i128::from(e.offsets.units()))).max(0);
            let done = done.map_or(0, |e| e.covered().units());
            required += i128::from(due) - i128::from(done);
            required -= i128::from(cycles.pending_allocation(k, i).units());
        }
    }
    let held: i128 = cycles
        .accounts
        .iter()
        .flat_map(|a| cycles.vintages.iter().map(move |(s, _)| (*a, *s)))
        .filter_map(|(a, s)| reg.holding(a, s).ok())
        .map(|h| i128::from(h.total().units()))
        .sum();
    let auctions = cycles.auction_supply(reg, open);
    let deficit = required - held - auctions + i128::from(cycles.owed_total().units());
    (deficit, room)
}

/// Months of `year` from the month of `date` on (0 for a past year, 12 for a future one).
fn months_from(year: i32, date: NaiveDate) -> i128 {
    match year.cmp(&date.year()) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => i128::from(13 - date.month()),
        std::cmp::Ordering::Greater => 12,
    }
}

/// The horizon on `date`: the final deadline of the cycle in force until its last interim
/// deadline has passed; after that what is left to trade is the last few per cent of the cycle
/// and the bank, so the horizon is the next cycle's final deadline (a year after the last
/// cycle's when there is none).
fn horizon(cycles: &Cycles, date: NaiveDate) -> NaiveDate {
    let t = &cycles.timeline;
    let k = t.cycle_in_force(date);
    let deadlines: Vec<NaiveDate> = t.spec().cycles[k]
        .deadlines
        .values()
        .map(|d| d.date)
        .collect();
    let last_interim = deadlines.iter().rev().skip(1).max().copied();
    let final_k = deadlines.last().copied().unwrap_or(date);
    if final_k >= date && last_interim.is_none_or(|d| d >= date) {
        return final_k;
    }
    t.final_deadline(k + 1)
        .unwrap_or_else(|| final_k.with_year(final_k.year() + 1).unwrap_or(final_k))
        .max(date)
}
