//! The covered firms' economics in a run: each month they abate the month's emissions where the
//! market's expected price exceeds their marginal cost on their own sector's curve, and the
//! market's outlook (what an allowance is worth, [`crate::economics::outlook`]) is refreshed from
//! the fleet's aggregate position. The equations are in `docs/model.md` ("Firm economics").

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::compliance::cycle;
use crate::compliance::sector::Sector;
use crate::economics::EconomicsParams;
use crate::economics::abatement::{AggregateMac, MacCurve, UNSCALED_PCT};
use crate::economics::outlook::{Foresight, Outlook, OutlookParams, lowest_meeting};
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

/// What the outlook clears on a day (see [`Economy::refresh`]).
struct Clearing {
    /// The surveyed price `L(T)` of the horizon's year.
    anchor: Price,
    /// The horizon's year.
    horizon_year: i32,
    /// The fleet's net deficit over the open cycles, t.
    deficit: i128,
    /// Months of the open cycles' years still to come.
    months_left: i128,
    /// Offsets that can make up the deficit, in the supply's units (twelve times the tonnes).
    usable: i128,
    /// The allowance price from which firms buy them.
    bought_from: Price,
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
    /// The day it was computed: a month's first trading day, or the first after its horizon
    /// moved.
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
    /// The covered entities' sectors, in account order (a record without them is power's).
    #[serde(default)]
    pub sectors: Vec<Sector>,
    /// Abatement per emission year, one entry per firm in account order.
    pub abatement: BTreeMap<i32, Vec<FirmAbatement>>,
    /// The sectors whose firms abated in each emission year (on their curve, whatever came of
    /// it).
    #[serde(default)]
    pub sectors_abating: BTreeMap<i32, BTreeSet<Sector>>,
    /// The outlook at each month's first trading day and each day its horizon moved.
    pub outlook: Vec<OutlookDay>,
}

/// One sector's abatement in one emission year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectorAbatement {
    /// The emission year.
    pub year: i32,
    /// The sector.
    pub sector: Sector,
    /// Tonnes abated.
    pub abated_t: u64,
    /// What it cost, CNY.
    pub cost: Money,
    /// Firms that abated a tonne or more.
    pub firms_abating: usize,
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

    /// Per emission year and sector whose firms abated in it: tonnes, cost and firms abating,
    /// years in order, sectors in [`Sector`] order.
    #[must_use]
    pub fn by_year_and_sector(&self) -> Vec<SectorAbatement> {
        let mut rows = Vec::new();
        for (year, firms) in &self.abatement {
            // A record without the sectors abating (an older one) counts every firm's.
            let sectors = self
                .sectors_abating
                .get(year)
                .cloned()
                .unwrap_or_else(|| (0..firms.len()).map(|i| self.sector_of(i)).collect());
            for sector in &sectors {
                let mut row = SectorAbatement {
                    year: *year,
                    sector: *sector,
                    abated_t: 0,
                    cost: Money::ZERO,
                    firms_abating: 0,
                };
                let own = firms
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.sector_of(*i) == *sector);
                for (_, f) in own {
                    row.abated_t += f.abated_t;
                    row.cost = row.cost.checked_add(f.cost).unwrap_or(row.cost);
                    row.firms_abating += usize::from(f.abated_t > 0);
                }
                rows.push(row);
            }
        }
        rows
    }

    /// The sector of the `i`-th covered entity (power when the record has no sectors).
    #[must_use]
    pub fn sector_of(&self, i: usize) -> Sector {
        self.sectors.get(i).copied().unwrap_or(Sector::Power)
    }
}

/// The run's abatement ledger and outlook.
pub(crate) struct Economy {
    params: EconomicsParams,
    /// Each account's cost factor, percent (100: the curve as given).
    scale_pct: Vec<u32>,
    /// Each account's sector (in its group's largest cycle).
    sectors: Vec<Sector>,
    /// Each cycle's entities' baseline emissions a year, t, before any abatement.
    baseline: Vec<Vec<u64>>,
    /// Which groups' firms the aggregate sums.
    included: Vec<bool>,
    /// Those firms' abatement a year as a function of the price, each on its sector's curve
    /// and its group's largest cycle's baseline.
    aggregate: AggregateMac,
    /// Abatement per emission year and entity (account order).
    pub ledger: BTreeMap<i32, Vec<FirmAbatement>>,
    /// The sectors whose firms abated in each emission year.
    sectors_abating: BTreeMap<i32, BTreeSet<Sector>>,
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
        let mut sectors = vec![Sector::Power; cycles.accounts.len()];
        for (g, group) in cycles.groups.iter().enumerate() {
            let kinds = cycles.largest_of(g).map(|k| &cycles.kinds[k]);
            for (i, (sector, _)) in kinds.into_iter().flatten().enumerate() {
                if let Some(s) = sectors.get_mut(group.first + i) {
                    *s = *sector;
                }
            }
        }
        let mut economy = Economy {
            params: params.clone(),
            scale_pct,
            sectors,
            baseline,
            included: Vec::new(),
            aggregate: AggregateMac::default(),
            ledger: BTreeMap::new(),
            sectors_abating: BTreeMap::new(),
            current: None,
            path: Vec::new(),
        };
        economy.include(cycles);
        economy
    }

    /// Brings the aggregate up to the groups whose firms abate: the first group's (the market
    /// it opened with) from the start, any other's from its first credit.
    fn include(&mut self, cycles: &Cycles) {
        let begun = cycles.groups_begun();
        let included: Vec<bool> = (0..cycles.groups.len())
            .map(|g| g == 0 || begun[g])
            .collect();
        if included != self.included {
            self.aggregate = self.aggregate_of(cycles, &included);
            self.included = included;
        }
    }

    /// The sum of the `included` groups' firms' curves, each firm on its sector's curve and its
    /// group's largest cycle's baseline.
    fn aggregate_of(&self, cycles: &Cycles, included: &[bool]) -> AggregateMac {
        let mut firms = Vec::new();
        for (g, group) in cycles.groups.iter().enumerate() {
            let Some(k) = cycles.largest_of(g).filter(|_| included[g]) else {
                continue;
            };
            for (i, base) in self.baseline[k].iter().enumerate() {
                let a = group.first + i;
                firms.push((
                    curve(&self.params, self.sectors[a]),
                    *base,
                    self.scale_pct[a],
                ));
            }
        }
        AggregateMac::new(firms.into_iter())
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
        self.include(cycles);
        // The anchor as published by today: a later survey counts only from its publication.
        let o = &self.params.outlook.as_of(date);
        let open = open_cycles(cycles, date);
        let (deficit, room) = deficit(cycles, reg, &open, (o.foresight, date));
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
            let clearing = Clearing {
                anchor,
                horizon_year: horizon.year(),
                deficit,
                months_left,
                usable,
                bought_from: offsets.bought_from,
            };
            self.clearing_price(cycles, o, &clearing)
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

    /// Whether the horizon has moved since the outlook was last computed: a deadline passed
    /// since, so what a unit is worth must be judged against the next one now, not at the
    /// month's turn.
    pub fn horizon_moved(&self, cycles: &Cycles, date: NaiveDate) -> bool {
        self.path
            .last()
            .is_some_and(|last| last.horizon != horizon(cycles, date))
    }

    /// The horizon price `φ·L(T)`: the lowest common factor `φ` on the surveyed path at which
    /// the extra abatement (and the offsets, once worth buying) make up the deficit.
    fn clearing_price(&self, cycles: &Cycles, o: &OutlookParams, c: &Clearing) -> Price {
        // What the months to come abate at the surveyed price.
        let coming_at_anchor = c.months_left * self.annual_abatement(c.anchor);
        // Months to come that the outlook expects in balance are in balance at the surveyed price,
        // abatement included: only what they abate beyond it makes a deficit up.
        let expected_in_balance = match o.foresight {
            Foresight::Accrued => coming_at_anchor,
            Foresight::Full => 0,
        };
        // Long when the surveyed price (φ = 1) more than makes the deficit up, with the
        // months to come's abatement and the offsets it buys: what is left over can be banked.
        // Both windows then give φ = 1 where they meet, so the horizon price is continuous in
        // the deficit.
        let offsets_at_anchor = if c.anchor >= c.bought_from {
            c.usable
        } else {
            0
        };
        let long = 12 * c.deficit + expected_in_balance < coming_at_anchor + offsets_at_anchor;
        let later: Vec<Price> = o
            .absorption_years(c.horizon_year, long)
            .map(|y| o.anchor(y))
            .collect();
        // Monthly abatement along the path scaled by φ (basis points).
        let supply = |phi_bp: i64| -> i128 {
            let at = |p: Price| Price::from_fen(p.fen().saturating_mul(phi_bp) / 10_000);
            let later: i128 = later
                .iter()
                .map(|p| 12 * self.annual_abatement(at(*p)))
                .sum();
            let offsets = if at(c.anchor) >= c.bought_from {
                c.usable
            } else {
                0
            };
            later + c.months_left * self.annual_abatement(at(c.anchor)) + offsets
        };
        let baseline: i128 = later.iter().map(|p| 12 * self.annual_abatement(*p)).sum();
        let target = baseline + 12 * c.deficit + expected_in_balance;
        let top_bp = self.top(cycles).fen().saturating_mul(10_000) / c.anchor.fen();
        let phi_bp = lowest_meeting(top_bp, target, supply);
        Price::from_fen(c.anchor.fen().saturating_mul(phi_bp) / 10_000)
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
            sectors: self.sectors.clone(),
            abatement: self.ledger.clone(),
            sectors_abating: self.sectors_abating.clone(),
            outlook: self.path.clone(),
        }
    }

    /// The price at which every firm in the aggregate has taken every option on its curve.
    fn top(&self, cycles: &Cycles) -> Price {
        let mut top = Price::ZERO;
        for (g, group) in cycles.groups.iter().enumerate() {
            if !self.included.get(g).copied().unwrap_or(false) {
                continue;
            }
            for a in group.first..group.first + group.len {
                top = top.max(curve(&self.params, self.sectors[a]).top(self.scale_pct[a]));
            }
        }
        if top == Price::ZERO {
            top = self.params.mac.top(UNSCALED_PCT);
        }
        top
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

    /// Cycle `k`'s entities abate a twelfth of their yearly abatement at `price`, each on its
    /// sector's curve.
    fn abate_cycle_month(&mut self, cycles: &mut Cycles, k: usize, year: i32, price: Price) {
        let first = cycles.account_index(k, 0);
        let ledger = self
            .ledger
            .entry(year)
            .or_insert_with(|| vec![FirmAbatement::default(); cycles.accounts.len()]);
        let abating = self.sectors_abating.entry(year).or_default();
        abating.extend(cycles.kinds[k].iter().map(|(s, _)| *s));
        for (i, pos) in cycles.periods[k].positions.iter_mut().enumerate() {
            let (base, scale) = (self.baseline[k][i], self.scale_pct[first + i]);
            let sector = cycles.kinds[k].get(i).map_or(Sector::Power, |(s, _)| *s);
            let mac = curve(&self.params, sector);
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

/// The abatement cost curve of `sector`'s firms: power's `economics.mac`, an industrial
/// sector's `economics.sector_mac`.
fn curve(params: &EconomicsParams, sector: Sector) -> &MacCurve {
    let m = &params.sector_mac;
    match sector {
        Sector::Power => &params.mac,
        Sector::Steel => &m.steel,
        Sector::Cement => &m.cement,
        Sector::Aluminium => &m.aluminium,
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
/// credited), and the room left for offsets under the cycles' limits, as the outlook with
/// `foresight` knows them on `date`: an entity's obligation counts as its allocation plus the
/// known share of the difference (the months to come in balance).
fn deficit(
    cycles: &Cycles,
    reg: &Registry,
    open: &[usize],
    (foresight, date): (Foresight, NaiveDate),
) -> (i128, i128) {
    let (mut required, mut room) = (0_i128, 0_i128);
    for &k in open {
        let report = cycles.reports[k].as_ref();
        let (months, of) = foresight.known_months(&cycles.timeline.spec().cycles[k].years, date);
        for (i, pos) in cycles.periods[k].positions.iter().enumerate() {
            let due = expected_due(
                cycle::obligation(&cycles.rules[k], pos).required,
                pos,
                (months, of),
            );
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

/// An obligation `due` as the outlook expects it when it knows `months` of the `of` months of
/// the cycle: `allocation + months/of·(due − allocation)`, t.
fn expected_due(due: Quantity, pos: &cycle::Position, (months, of): (i128, i128)) -> u64 {
    if months >= of || of == 0 {
        return due.units();
    }
    let alloc = i128::from(pos.allocation.units());
    let expected = alloc + months * (i128::from(due.units()) - alloc) / of;
    u64::try_from(expected.max(0)).unwrap_or(0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::economics::abatement::MacSegment;
    use crate::registry::{Registry, RegistryConfig};
    use crate::scenario::cycles::FleetDraw;
    use crate::timeline::Timeline;

    /// The published timeline's cycles with 150 power entities (the industrial sectors scaled
    /// alike), no credit yet.
    fn cycles() -> Cycles {
        cycles_in(&mut Registry::new(RegistryConfig::default()))
    }

    /// As [`cycles`], the entities' accounts opened in `reg`.
    fn cycles_in(reg: &mut Registry) -> Cycles {
        let draw = FleetDraw {
            seed: 11,
            firms: Some(150),
            balance_bp: &[],
            reference: None,
            through: None,
        };
        Cycles::set_up(Timeline::published().unwrap(), &draw, reg).unwrap()
    }

    fn industry_2025(c: &Cycles) -> usize {
        c.timeline
            .spec()
            .cycles
            .get_index_of("2025-industry")
            .unwrap()
    }

    /// Cycle `k`'s abatement at `price` per sector, t, after one month.
    fn month(params: &EconomicsParams, price: Price) -> (Economy, BTreeMap<Sector, u64>) {
        let mut c = cycles();
        let k = industry_2025(&c);
        let mut e = Economy::new(params, &c, 5);
        e.abate_cycle_month(&mut c, k, 2025, price);
        let mut by = BTreeMap::new();
        for (i, (sector, _)) in c.kinds[k].iter().enumerate() {
            *by.entry(*sector).or_default() += e.ledger[&2025][c.account_index(k, i)].abated_t;
        }
        (e, by)
    }

    #[test]
    fn each_industrial_firm_abates_on_its_own_sectors_curve() {
        let params = EconomicsParams::default();
        let mut c = cycles();
        let k = industry_2025(&c);
        let mut e = Economy::new(&params, &c, 5);
        let price = Price::from_fen(9_000);
        e.abate_cycle_month(&mut c, k, 2025, price);
        let mut seen = BTreeSet::new();
        for (i, (sector, _)) in c.kinds[k].iter().enumerate() {
            let a = c.account_index(k, i);
            let (base, scale) = (e.baseline[k][i], e.scale_pct[a]);
            let own = curve(&params, *sector);
            assert_eq!(e.sectors[a], *sector);
            assert_eq!(
                e.ledger[&2025][a].abated_t,
                own.abatement_t(base, price, scale) / 12,
                "entity {i} ({sector})"
            );
            seen.insert(*sector);
        }
        assert_eq!(seen, BTreeSet::from(Sector::INDUSTRIAL));
        assert_eq!(e.sectors_abating[&2025], seen);
        // Not the power curve: at 90 CNY/t power abates 0.4 % a year, steel over 1 %.
        let steel: u64 = (0..c.kinds[k].len())
            .filter(|i| c.kinds[k][*i].0 == Sector::Steel)
            .map(|i| e.baseline[k][i])
            .sum();
        let abated = e.record(&c, &Registry::new(RegistryConfig::default()));
        let row = abated
            .by_year_and_sector()
            .into_iter()
            .find(|r| r.sector == Sector::Steel)
            .unwrap();
        assert!(
            row.abated_t * 12 > steel / 200,
            "{} of {steel}",
            row.abated_t
        );
    }

    #[test]
    fn a_dearer_cement_curve_abates_less_cement_and_leaves_the_others_alone() {
        let price = Price::from_fen(8_000);
        let (_, base) = month(&EconomicsParams::default(), price);
        let mut dearer = EconomicsParams::default();
        for s in &mut dearer.sector_mac.cement.segments {
            *s = MacSegment {
                cost_from: Price::from_fen(s.cost_from.fen() * 2),
                cost_to: Price::from_fen(s.cost_to.fen() * 2),
                ..s.clone()
            };
        }
        let (_, dear) = month(&dearer, price);
        assert!(
            dear[&Sector::Cement] < base[&Sector::Cement] * 3 / 4,
            "{dear:?} vs {base:?}"
        );
        assert_eq!(dear[&Sector::Steel], base[&Sector::Steel]);
        assert_eq!(dear[&Sector::Aluminium], base[&Sector::Aluminium]);
    }

    /// Every firm of every group on its own curve and its group's largest cycle's baseline.
    fn booked(e: &Economy, c: &Cycles, price: Price) -> u64 {
        let mut tonnes = 0;
        for (g, group) in c.groups.iter().enumerate() {
            let k = c.largest_of(g).unwrap();
            for (i, base) in e.baseline[k].iter().enumerate() {
                let a = group.first + i;
                let own = curve(&e.params, e.sectors[a]);
                tonnes += own.abatement_t(*base, price, e.scale_pct[a]);
            }
        }
        tonnes
    }

    #[test]
    fn the_aggregate_sums_every_included_firm_on_its_own_curve() {
        let c = cycles();
        let e = Economy::new(&EconomicsParams::default(), &c, 5);
        // Before any credit only the first group (power) is in the outlook.
        assert_eq!(e.included, [true, false]);
        let all = e.aggregate_of(&c, &[true, true]);
        let firms = e.sectors.len() as f64;
        for fen in [2_000, 6_000, 12_000, 30_000, 90_000] {
            let price = Price::from_fen(fen);
            // Each firm's booked tonnes are floored per option; the aggregate is not.
            let diff = all.tonnes(price) - booked(&e, &c, price) as f64;
            assert!((0.0..=3.0 * firms).contains(&diff), "at {fen} fen: {diff}");
            assert!(
                all.tonnes(price) > e.aggregate.tonnes(price),
                "industry adds at {fen} fen"
            );
        }
    }

    #[test]
    fn the_outlook_moves_to_the_next_horizon_the_day_after_the_last_interim_deadline() {
        let mut reg = Registry::new(RegistryConfig::default());
        let c = cycles_in(&mut reg);
        let mut e = Economy::new(&EconomicsParams::default(), &c, 5);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(
            !e.horizon_moved(&c, day("2021-12-01")),
            "nothing computed yet"
        );
        let none = OffsetSupply {
            tonnes: 0,
            bought_from: Price::MAX,
        };
        e.refresh(&c, &reg, day("2021-12-01"), none);
        // The first cycle's interim deadline (95 % of the entities by 2021-12-15) is its last:
        // until it has passed, the horizon is the cycle's final deadline.
        assert_eq!(e.path[0].horizon, day("2021-12-31"));
        assert!(!e.horizon_moved(&c, day("2021-12-15")));
        assert!(e.horizon_moved(&c, day("2021-12-16")));
        e.refresh(&c, &reg, day("2021-12-16"), none);
        assert!(e.path[1].horizon > day("2021-12-31"), "{:?}", e.path[1]);
        assert!(!e.horizon_moved(&c, day("2021-12-17")));
    }

    /// The horizon price at a deficit of `deficit` t, nine months of the horizon's year to
    /// come, no offsets, under `foresight`.
    fn horizon_at(e: &Economy, c: &Cycles, foresight: Foresight, deficit: i128) -> Price {
        let o = OutlookParams {
            foresight,
            ..OutlookParams::default()
        };
        let clearing = Clearing {
            anchor: Price::from_fen(6_000),
            horizon_year: 2023,
            deficit,
            months_left: 9,
            usable: 0,
            bought_from: Price::MAX,
        };
        e.clearing_price(c, &o, &clearing)
    }

    #[test]
    fn the_horizon_price_rises_with_the_deficit_without_a_step_where_the_market_turns_long() {
        let c = cycles();
        let e = Economy::new(&EconomicsParams::default(), &c, 5);
        for foresight in [Foresight::Full, Foresight::Accrued] {
            // Under full foresight the market turns long where the months to come's abatement
            // at the surveyed price more than makes the deficit up; accrued, where it is zero.
            let turn = match foresight {
                Foresight::Full => 9 * e.annual_abatement(Price::from_fen(6_000)) / 12,
                Foresight::Accrued => 0,
            };
            // From a surplus through zero and the turn to a deficit.
            let step = (turn / 50).max(1_000);
            let deficits: Vec<i128> = (-100..=100).map(|k| turn + k * step).collect();
            assert!(deficits[0] < 0);
            let prices: Vec<Price> = deficits
                .iter()
                .map(|d| horizon_at(&e, &c, foresight, *d))
                .collect();
            assert!(
                prices.windows(2).all(|w| w[0] <= w[1]),
                "{foresight:?}: {prices:?}"
            );
            // Around the turn the price is the surveyed one, from either side, to a few fen.
            for k in [99, 100, 101] {
                let fen = prices[k].fen();
                assert!((5_990..=6_010).contains(&fen), "{foresight:?}: {fen} fen");
            }
        }
    }

    #[test]
    fn the_months_to_come_count_in_balance() {
        let pos = |allocation: u64| cycle::Position {
            account: crate::registry::AccountId(0),
            allocation: Quantity::new(allocation),
            emissions: Quantity::ZERO,
            gas_allocation: Quantity::ZERO,
            gas_emissions: Quantity::ZERO,
        };
        let due = Quantity::new(1_000);
        // A quarter of the cycle known: a quarter of the 200 t short, or of the 200 t long.
        assert_eq!(expected_due(due, &pos(800), (6, 24)), 850);
        assert_eq!(expected_due(due, &pos(1_200), (6, 24)), 1_150);
        // Nothing known yet: the allocation; all of it: the obligation itself.
        assert_eq!(expected_due(due, &pos(800), (0, 12)), 800);
        assert_eq!(expected_due(due, &pos(800), (12, 12)), 1_000);
    }
}
