//! The firm panel: one row per covered entity and compliance cycle, with what it emitted,
//! abated, was allocated, traded, surrendered, banked, had voided and was fined.
//!
//! Most of it is read back from what the run keeps anyway: positions and the latest report of
//! each cycle, the abatement ledger, the exchange's tape. Only what the run overwrites is
//! recorded as it happens ([`PanelLedger`]): the fines of every deadline (a cycle's report keeps
//! only its latest), the holdings left after a final deadline and what a banking cap voided.
//!
//! A trade counts towards the cycle of the entity's group of sectors in force on its day (the
//! group's first cycle whose final deadline is on or after it): the obligation it was for.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::World;
use crate::compliance::allocation::UnitClass;
use crate::compliance::cycle::{self, ComplianceReport};
use crate::exchange::Trade;
use crate::registry::{Registry, SubjectId};
use crate::scenario::cycles::Cycles;
use crate::timeline::DueDeadline;
use crate::units::{Money, Quantity};

/// One covered entity in one compliance cycle. Tonnes and money are exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmCycle {
    /// The cycle's name (`2019-2020`, `2023`, …).
    pub cycle: String,
    /// The entity's account name (`E0001`, …).
    pub entity: String,
    /// The entity's sector (`power`, `steel`, …).
    pub sector: String,
    /// The class of the entity's generating units in a power cycle (`None` in another).
    pub unit_class: Option<String>,
    /// Verified emissions over the cycle's years, after abatement.
    #[serde(with = "crate::units::count")]
    pub emissions: Quantity,
    /// Abated over the cycle's years.
    #[serde(with = "crate::units::count")]
    pub abated: Quantity,
    /// What the abatement cost.
    pub abatement_cost: Money,
    /// The cycle's allocation.
    #[serde(with = "crate::units::count")]
    pub allocation: Quantity,
    /// Allowances bought while the cycle was in force.
    #[serde(with = "crate::units::count")]
    pub bought: Quantity,
    /// Allowances sold while the cycle was in force.
    #[serde(with = "crate::units::count")]
    pub sold: Quantity,
    /// CCER bought while the cycle was in force.
    #[serde(with = "crate::units::count")]
    pub offsets_bought: Quantity,
    /// Paid for allowances (before fees).
    pub purchases: Money,
    /// Received for allowances (before fees).
    pub sales: Money,
    /// Paid for CCER, less received for any sold (before fees).
    pub offset_purchases: Money,
    /// Trading fees paid on both sides.
    pub fees: Money,
    /// The obligation (verified emissions after the gas exemption and the shortfall cap).
    #[serde(with = "crate::units::count")]
    pub obligation: Quantity,
    /// CCER cancelled as offsets.
    #[serde(with = "crate::units::count")]
    pub offsets_used: Quantity,
    /// Borrowed from the next vintage.
    #[serde(with = "crate::units::count")]
    pub borrowed: Quantity,
    /// Everything counted towards the obligation: allowances, offsets and borrowing.
    #[serde(with = "crate::units::count")]
    pub surrendered: Quantity,
    /// What was missing at the latest deadline settled.
    #[serde(with = "crate::units::count")]
    pub shortfall: Quantity,
    /// Allowances held after the final deadline (less what a cap voided that day).
    #[serde(with = "crate::units::count")]
    pub banked: Quantity,
    /// Allowances a banking cap of the cycle cancelled.
    #[serde(with = "crate::units::count")]
    pub voided: Quantity,
    /// Fines levied over the cycle's deadlines.
    pub fined: Money,
    /// The latest deadline of the cycle settled in the run, if any.
    pub settled: Option<NaiveDate>,
}

impl FirmCycle {
    /// Sales less purchases, offset purchases, fees, fines and the abatement cost.
    #[must_use]
    pub fn net_cash_flow(&self) -> Money {
        let out = [
            self.purchases,
            self.offset_purchases,
            self.fees,
            self.fined,
            self.abatement_cost,
        ];
        out.into_iter().fold(self.sales, |m, x| saturating(m, -x))
    }
}

fn saturating(a: Money, b: Money) -> Money {
    let bound = if b.is_negative() {
        i128::MIN
    } else {
        i128::MAX
    };
    a.checked_add(b).unwrap_or(Money::from_fen(bound))
}

/// What the run records for the panel as it goes, per cycle and entity.
#[derive(Debug, Clone, Default)]
pub(super) struct PanelLedger {
    fined: Vec<Vec<Money>>,
    /// Holdings after the final deadline, with its date.
    banked: Vec<Option<(NaiveDate, Vec<Quantity>)>>,
    voided: Vec<Vec<Quantity>>,
}

/// Grows `v` to hold index `k`, and the entry at `k` to `n` entities.
fn slot<T: Clone + Default>(v: &mut Vec<Vec<T>>, k: usize, n: usize) -> &mut Vec<T> {
    if v.len() <= k {
        v.resize(k + 1, Vec::new());
    }
    if v[k].len() < n {
        v[k].resize(n, T::default());
    }
    &mut v[k]
}

/// Each account's allowances, every vintage together (available, frozen and pending).
pub(super) fn allowances_held(cycles: &Cycles, reg: &Registry) -> Vec<Quantity> {
    cycles
        .accounts
        .iter()
        .map(|a| {
            let held = cycles
                .vintages
                .iter()
                .filter_map(|(s, _)| reg.holding(*a, *s).ok());
            held.map(|h| h.total())
                .fold(Quantity::ZERO, Quantity::saturating_add)
        })
        .collect()
}

impl PanelLedger {
    /// Deadline `d` was settled as `report`: its fines are added, and after a final deadline the
    /// entities' holdings are kept as what they bank.
    pub fn settled(&mut self, d: &DueDeadline, report: &ComplianceReport, held: Vec<Quantity>) {
        let fined = slot(&mut self.fined, d.cycle, report.entities.len());
        for (f, e) in fined.iter_mut().zip(&report.entities) {
            *f = saturating(*f, e.fine);
        }
        if d.is_final {
            if self.banked.len() <= d.cycle {
                self.banked.resize(d.cycle + 1, None);
            }
            self.banked[d.cycle] = Some((d.date, held));
        }
    }

    /// Cycle `k`'s banking cap, applied on `date`, took the holdings from `before` to `after`;
    /// what a cycle whose final deadline fell that day banks is what was left.
    pub fn voided(&mut self, k: usize, date: NaiveDate, before: &[Quantity], after: &[Quantity]) {
        let voided = slot(&mut self.voided, k, before.len());
        for (i, (b, a)) in before.iter().zip(after).enumerate() {
            voided[i] = voided[i].saturating_add(b.saturating_sub(*a));
        }
        for (day, held) in self.banked.iter_mut().flatten() {
            if *day == date {
                held.clear();
                held.extend_from_slice(after);
            }
        }
    }
}

/// What one entity traded in one cycle.
#[derive(Debug, Clone, Copy, Default)]
struct Traded {
    bought: Quantity,
    sold: Quantity,
    offsets_bought: Quantity,
    purchases: Money,
    sales: Money,
    offset_purchases: Money,
    fees: Money,
}

impl Traded {
    /// Whether anything was traded.
    fn any(&self) -> bool {
        !(self.bought.is_zero() && self.sold.is_zero() && self.offsets_bought.is_zero())
    }

    /// Adds `t` from the side of `buyer` (else the seller); `offset`: a CCER trade.
    fn add(&mut self, t: &Trade, buyer: bool, offset: bool) {
        let value = t.price * t.quantity;
        match (buyer, offset) {
            (true, true) => {
                self.offsets_bought = self.offsets_bought.saturating_add(t.quantity);
                self.offset_purchases = saturating(self.offset_purchases, value);
            }
            (true, false) => {
                self.bought = self.bought.saturating_add(t.quantity);
                self.purchases = saturating(self.purchases, value);
            }
            // Covered entities do not sell CCER; were one to, its offset spending is net of it.
            (false, true) => self.offset_purchases = saturating(self.offset_purchases, -value),
            (false, false) => {
                self.sold = self.sold.saturating_add(t.quantity);
                self.sales = saturating(self.sales, value);
            }
        }
        let fee = if buyer { t.buyer_fee } else { t.seller_fee };
        self.fees = saturating(self.fees, fee);
    }
}

/// The cycle of group `g` that a day counts towards: the group's first cycle whose final
/// deadline is on or after `date` (its last once every deadline has passed).
fn cycle_for(c: &Cycles, g: usize, date: NaiveDate) -> Option<usize> {
    let cycles = &c.groups.get(g)?.cycles;
    let due = |k: &usize| c.timeline.final_deadline(*k).is_some_and(|d| d >= date);
    cycles.iter().copied().find(due).or(cycles.last().copied())
}

/// Each account's group.
fn group_of_account(c: &Cycles) -> Vec<usize> {
    let mut out = vec![0; c.accounts.len()];
    for (g, group) in c.groups.iter().enumerate() {
        for slot in out.iter_mut().skip(group.first).take(group.len) {
            *slot = g;
        }
    }
    out
}

/// What the panel reads per account of one cycle: its trades and abatement.
struct Activity {
    traded: Vec<Vec<Traded>>,
    abated: Vec<Option<Vec<(Quantity, Money)>>>,
}

impl World {
    /// The panel of a run over `first..=last`: every cycle that was in force, settled a
    /// deadline or abated in it, each of its entities a row, and a row for any other account of
    /// its group that traded or had allowances voided in it (no emissions, allocation or
    /// obligation).
    pub(super) fn panel_rows(&self, first: NaiveDate, last: NaiveDate) -> Vec<FirmCycle> {
        let c = &self.cycles;
        let activity = Activity {
            traded: self.traded_per_cycle(),
            abated: (0..c.periods.len()).map(|k| self.abated(k)).collect(),
        };
        let mut rows = Vec::new();
        for k in 0..c.periods.len() {
            // In force: for a group whose allocation has begun (a later sector's cycle is not).
            let in_force = [first, last].iter().any(|d| c.in_force(*d).contains(&k));
            if in_force || c.reports[k].is_some() || activity.abated[k].is_some() {
                self.cycle_rows(k, &activity, &mut rows);
            }
        }
        rows
    }

    /// Cycle `k`'s rows: its entities, and the other accounts of its group that were active.
    fn cycle_rows(&self, k: usize, activity: &Activity, rows: &mut Vec<FirmCycle>) {
        let c = &self.cycles;
        let group = &c.groups[c.group_of[k]];
        let entities = c.periods[k].positions.len();
        for i in 0..group.len.max(entities) {
            let a = c.account_index(k, i);
            let t = activity.traded[k].get(a).copied().unwrap_or_default();
            let voided = self.panel.voided.get(k).and_then(|v| v.get(a));
            if i >= entities && !t.any() && voided.is_none_or(|q| q.is_zero()) {
                continue;
            }
            let abated = activity.abated[k].as_ref().and_then(|v| v.get(a));
            rows.push(self.row(k, i, t, abated.copied().unwrap_or_default()));
        }
    }

    /// Cycle `k`'s `i`-th entity's row.
    fn row(
        &self,
        k: usize,
        i: usize,
        traded: Traded,
        (abated, cost): (Quantity, Money),
    ) -> FirmCycle {
        let c = &self.cycles;
        let account_at = c.account_index(k, i);
        let name = c.timeline.spec().cycles.get_index(k).map_or("", |(n, _)| n);
        let pos = c.periods[k].positions.get(i);
        // Outside the cycle's fleet, the kind the account has in its group's largest cycle.
        let kind = c.kinds[k]
            .get(i)
            .or_else(|| {
                let group = &c.groups[c.group_of[k]];
                let largest = group.cycles.iter().max_by_key(|&&j| c.kinds[j].len())?;
                c.kinds[*largest].get(i)
            })
            .copied();
        let of_pos = |f: fn(&cycle::Position) -> Quantity| pos.map_or(Quantity::ZERO, f);
        let report = c.reports[k].as_ref();
        let done = report.and_then(|r| r.entities.get(i));
        let of_done = |f: fn(&cycle::EntityResult) -> Quantity| done.map_or(Quantity::ZERO, f);
        let banked = self.panel.banked.get(k).and_then(Option::as_ref);
        let account = c
            .accounts
            .get(account_at)
            .and_then(|x| self.ex.registry().account(*x).ok());
        FirmCycle {
            cycle: name.to_owned(),
            entity: account.map_or_else(String::new, |x| x.name.clone()),
            sector: kind.map_or_else(String::new, |(s, _)| s.to_string()),
            unit_class: kind.and_then(|(_, u)| u).map(|u| class_name(u).to_owned()),
            emissions: of_pos(|p| p.emissions),
            abated,
            abatement_cost: cost,
            allocation: of_pos(|p| p.allocation),
            bought: traded.bought,
            sold: traded.sold,
            offsets_bought: traded.offsets_bought,
            purchases: traded.purchases,
            sales: traded.sales,
            offset_purchases: traded.offset_purchases,
            fees: traded.fees,
            obligation: pos.map_or(Quantity::ZERO, |p| {
                cycle::obligation(&c.rules[k], p).required
            }),
            offsets_used: of_done(|e| e.offsets),
            borrowed: of_done(|e| e.borrowed),
            surrendered: of_done(cycle::EntityResult::covered),
            shortfall: of_done(|e| e.shortfall),
            banked: banked
                .and_then(|(_, h)| h.get(account_at))
                .copied()
                .unwrap_or_default(),
            voided: self
                .panel
                .voided
                .get(k)
                .and_then(|v| v.get(account_at))
                .copied()
                .unwrap_or_default(),
            fined: self
                .panel
                .fined
                .get(k)
                .and_then(|v| v.get(i))
                .copied()
                .unwrap_or(Money::ZERO),
            settled: report.map(|r| r.date),
        }
    }

    /// Cycle `k`'s abatement per account over its years; `None` when none of them was abated
    /// in the run.
    fn abated(&self, k: usize) -> Option<Vec<(Quantity, Money)>> {
        let c = &self.cycles;
        let years = &c.timeline.spec().cycles.get_index(k)?.1.years;
        let own = c.account_index(k, 0)..c.account_index(k, c.periods[k].positions.len());
        let mut out: Option<Vec<(Quantity, Money)>> = None;
        for y in years {
            let Some(firms) = self.economy.ledger.get(&i32::from(*y)) else {
                continue;
            };
            let sums = out.get_or_insert_with(|| vec![(Quantity::ZERO, Money::ZERO); firms.len()]);
            for a in own.clone() {
                let (Some(s), Some(f)) = (sums.get_mut(a), firms.get(a)) else {
                    continue;
                };
                s.0 = s.0.saturating_add(Quantity::new(f.abated_t));
                s.1 = saturating(s.1, f.cost);
            }
        }
        out.filter(|v| v.iter().any(|s| !s.0.is_zero() || s.1 != Money::ZERO))
    }

    /// Each cycle's trades per account, from the tape: allowances and CCER, each trade counted
    /// towards the cycle of the account's group in force on its day.
    fn traded_per_cycle(&self) -> Vec<Vec<Traded>> {
        let c = &self.cycles;
        let mut index = Vec::new();
        for (i, a) in c.accounts.iter().enumerate() {
            let at = a.0 as usize;
            if index.len() <= at {
                index.resize(at + 1, None);
            }
            index[at] = Some(i);
        }
        let groups = group_of_account(c);
        let allowance = |s: SubjectId| c.vintages.iter().any(|(v, _)| *v == s);
        let offset = |s: SubjectId| self.certificates.ccer_subjects.iter().any(|(v, _)| *v == s);
        let mut out = vec![vec![Traded::default(); c.accounts.len()]; c.periods.len()];
        for t in self.ex.tape() {
            let is_offset = offset(t.subject);
            if !is_offset && !allowance(t.subject) {
                continue;
            }
            for (account, buyer) in [(t.buyer, true), (t.seller, false)] {
                let Some(a) = index.get(account.0 as usize).copied().flatten() else {
                    continue;
                };
                let k = groups.get(a).and_then(|g| cycle_for(c, *g, t.date));
                if let Some(row) = k.and_then(|k| out.get_mut(k)?.get_mut(a)) {
                    row.add(t, buyer, is_offset);
                }
            }
        }
        out
    }
}

/// A unit class as the panel writes it.
fn class_name(u: UnitClass) -> &'static str {
    match u {
        UnitClass::CoalAbove300 => "coal_above_300mw",
        UnitClass::CoalUpTo300 => "coal_up_to_300mw",
        UnitClass::UnconventionalCoal => "unconventional_coal",
        UnitClass::Gas => "gas",
    }
}
