//! The covered entities' compliance across the timeline's cycles, shared by both runners: the
//! synthetic fleet of each cycle, the allowance vintages as registry subjects, crediting each
//! vintage (less what an earlier cycle deducted) and settling each deadline through the
//! compliance rules.

use crate::compliance::cycle::{self, ComplianceError, ComplianceReport, CycleRules, Eligible};
use crate::compliance::sector::Sector;
use crate::registry::{
    AccountId, AccountKind, CeaVintage, Registry, RegistryError, Subject, SubjectId,
};
use crate::timeline::{Agenda, CycleCap};
use crate::timeline::{CreditPart, DueCredit, DueDeadline, ShareOf, Timeline, TimelineError};
use crate::units::{Money, Price, Quantity};

pub(crate) use super::fleets::FleetDraw;
use super::fleets::{CycleFleet, cycle_period, draw_fleets, shape_emissions, unsupported};
use super::periods::Period;
use crate::compliance::allocation::UnitClass;

/// A set-up that the timeline cannot support.
#[derive(Debug, thiserror::Error)]
pub enum SetUpError {
    /// The timeline asks for something the runners cannot build.
    #[error(transparent)]
    Timeline(#[from] TimelineError),
    /// The registry refused a set-up step (a bug).
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// The entities the cycles of one set of sectors cover (power; the industrial sectors): the
/// accounts `first..first + len`, named by the group's largest cycle.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The sectors.
    pub sectors: Vec<Sector>,
    /// The group's first account (index into [`Cycles::accounts`]).
    pub first: usize,
    /// Its accounts.
    pub len: usize,
    /// Its cycles, in timeline order.
    pub cycles: Vec<usize>,
}

/// Every cycle's entities and positions, the vintages, and what is still owed between cycles.
pub(crate) struct Cycles {
    pub timeline: Timeline,
    pub agenda: Agenda,
    /// Every group's accounts, group after group.
    pub accounts: Vec<AccountId>,
    /// Annual emissions of each account's entity in its group's largest cycle, t.
    pub annual_emissions: Vec<u64>,
    /// The groups of sectors, the first one's (power's) in timeline order.
    pub groups: Vec<Group>,
    /// Each cycle's group.
    pub group_of: Vec<usize>,
    /// The largest cycle of the first group.
    pub largest: usize,
    pub periods: Vec<Period>,
    pub rules: Vec<CycleRules>,
    /// Each vintage's registry subject and code, in timeline order.
    pub vintages: Vec<(SubjectId, String)>,
    /// Each cycle's eligible allowance subjects, in surrender order.
    eligible: Vec<Vec<SubjectId>>,
    /// Owed by each account from the last final deadline, taken off its next credits.
    deductions: Vec<Quantity>,
    /// Each cycle's latest deadline report.
    pub reports: Vec<Option<ComplianceReport>>,
    /// Each cycle's entities' sector and unit class (of their first unit; none for a plant),
    /// for reports.
    pub kinds: Vec<Vec<(Sector, Option<UnitClass>)>>,
    /// How much of each vintage each cycle has credited, percent (a pre-allocation credits a
    /// share): `credited_pct[v][k]`.
    credited_pct: Vec<Vec<u32>>,
    /// Each cycle's cap, if one covers it.
    pub caps: Vec<Option<CycleCap>>,
    /// The account the capped cycles' auctioned allowances are issued to, with their first
    /// credit; without one they are not issued.
    pub auctioneer: Option<AccountId>,
    /// Whether each cycle's auctioned allowances have been issued.
    auction_issued: Vec<bool>,
}

/// Registers each vintage of `timeline` as a subject, in timeline order.
fn register_vintages(
    timeline: &Timeline,
    reg: &mut Registry,
) -> Result<Vec<(SubjectId, String)>, SetUpError> {
    let mut vintages = Vec::new();
    for (code, v) in &timeline.spec().vintages {
        let vintage = match v.years.as_slice() {
            [2019, 2020] => CeaVintage::Y2019_2020,
            [y] => CeaVintage::Year(*y),
            _ => {
                return Err(unsupported(
                    &format!("vintages.{code}.years"),
                    &format!("{:?}", v.years),
                ));
            }
        };
        vintages.push((reg.register_subject(Subject::Cea { vintage }), code.clone()));
    }
    Ok(vintages)
}

/// The cycles whose sectors' first credit (over every cycle of the same sectors) falls after
/// `end`: their entities never act in a run ending then.
fn after_the_run(t: &Timeline, end: chrono::NaiveDate) -> Vec<usize> {
    let spec = t.spec();
    let first_credit = |k: usize| {
        let c = &spec.cycles[k];
        let covering = spec
            .vintages
            .values()
            .filter(|v| v.years.iter().any(|y| c.years.contains(y)));
        covering.map(|v| c.credited.unwrap_or(v.credited)).min()
    };
    let sectors = |k: usize| {
        let mut s = spec.cycles[k].sectors.clone();
        s.sort_unstable();
        s
    };
    (0..spec.cycles.len())
        .filter(|&k| {
            let same = (0..spec.cycles.len()).filter(|&j| sectors(j) == sectors(k));
            !same.filter_map(first_credit).any(|d| d <= end)
        })
        .collect()
}

/// Opens each group's accounts, named by the group's largest cycle (the last of equals), with
/// each entity's annual emissions as drawn there.
fn open_accounts(
    groups: &[Group],
    fleets: &[CycleFleet],
    reg: &mut Registry,
) -> Result<(Vec<AccountId>, Vec<u64>), SetUpError> {
    let (mut accounts, mut annual_emissions) = (Vec::new(), Vec::new());
    for g in groups {
        let largest = g
            .cycles
            .iter()
            .rev()
            .copied()
            .max_by_key(|&k| fleets[k].len());
        let Some(names) = largest.map(|k| &fleets[k]) else {
            return Err(unsupported("cycles", &"{}"));
        };
        for name in names.names() {
            accounts.push(reg.open_account(AccountKind::CoveredEntity, name));
        }
        annual_emissions.extend(names.annual_emissions());
    }
    Ok((accounts, annual_emissions))
}

/// The groups of `fleets`' cycles by sector set, in order of first appearance, with the index
/// of each cycle's group.
fn group_cycles(t: &Timeline, fleets: &[CycleFleet]) -> (Vec<Group>, Vec<usize>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of = Vec::new();
    for (k, c) in t.spec().cycles.values().enumerate() {
        let mut sectors = c.sectors.clone();
        sectors.sort_unstable();
        let g = groups
            .iter()
            .position(|g| g.sectors == sectors)
            .unwrap_or_else(|| {
                groups.push(Group {
                    sectors,
                    first: 0,
                    len: 0,
                    cycles: Vec::new(),
                });
                groups.len() - 1
            });
        groups[g].cycles.push(k);
        groups[g].len = groups[g].len.max(fleets[k].len());
        group_of.push(g);
    }
    let mut first = 0;
    for g in &mut groups {
        g.first = first;
        first += g.len;
    }
    (groups, group_of)
}

/// The cycle of `g` with the most entities (the first of equals).
fn largest_cycle(g: &Group, periods: &[Period]) -> Option<usize> {
    g.cycles
        .iter()
        .rev()
        .copied()
        .max_by_key(|&k| periods[k].positions.len())
}

impl Cycles {
    /// Registers the vintages, draws each cycle's fleet, opens the entities' accounts (one set
    /// per group of sectors) and computes each cycle's positions. Nothing is credited yet.
    pub fn set_up(
        timeline: Timeline,
        draw: &FleetDraw<'_>,
        reg: &mut Registry,
    ) -> Result<Self, SetUpError> {
        let vintages = register_vintages(&timeline, reg)?;
        let mut fleets = draw_fleets(&timeline, draw)?;
        if let Some(end) = draw.through {
            for k in after_the_run(&timeline, end) {
                fleets[k] = fleets[k].emptied();
            }
        }
        let kinds = fleets.iter().map(CycleFleet::kinds).collect();
        let (groups, group_of) = group_cycles(&timeline, &fleets);
        let (accounts, annual_emissions) = open_accounts(&groups, &fleets, reg)?;
        let spec = timeline.spec();
        let (mut periods, mut rules, mut eligible) = (Vec::new(), Vec::new(), Vec::new());
        for (k, (name, c)) in spec.cycles.iter().enumerate() {
            let own = &accounts[groups[group_of[k]].first..];
            let mut p = cycle_period(&timeline, k, &fleets[k], own)?;
            // Emissions are shaped against the published allocation, so a scenario that changes
            // the allocation rules changes the positions, not the emissions.
            let published = draw.reference.and_then(|r| {
                let j = r.spec().cycles.get_index_of(name)?;
                cycle_period(r, j, &fleets[k], own).ok()
            });
            let mut basis = published.unwrap_or_else(|| p.clone());
            shape_emissions(&mut basis, c, k, draw);
            p.take_emissions(&basis);
            if let Some(cap) = timeline.cycle_cap(k) {
                super::periods::scale_allocation(&mut p, cap.free_t);
            }
            periods.push(p);
            rules.push(
                timeline
                    .cycle_rules(k)
                    .ok_or_else(|| unsupported("cycles", &k))?,
            );
            let subjects = c
                .eligible_vintages
                .iter()
                .filter_map(|code| vintages.iter().find(|(_, c)| c == code).map(|(s, _)| *s));
            eligible.push(subjects.collect());
        }
        let largest = groups
            .first()
            .and_then(|g| largest_cycle(g, &periods))
            .unwrap_or(0);
        let caps: Vec<_> = (0..periods.len()).map(|k| timeline.cycle_cap(k)).collect();
        Ok(Cycles {
            auction_issued: vec![false; caps.len()],
            caps,
            auctioneer: None,
            agenda: Agenda::new(&timeline),
            deductions: vec![Quantity::ZERO; accounts.len()],
            reports: vec![None; periods.len()],
            kinds,
            credited_pct: vec![vec![0; periods.len()]; vintages.len()],
            timeline,
            accounts,
            annual_emissions,
            groups,
            group_of,
            largest,
            periods,
            rules,
            vintages,
            eligible,
        })
    }

    /// Group `g`'s cycle with the most entities ([`Cycles::largest`] for the first group).
    pub fn largest_of(&self, g: usize) -> Option<usize> {
        largest_cycle(self.groups.get(g)?, &self.periods)
    }

    /// The cycle after `k` in its group's timeline order, if any.
    pub fn next_in_group(&self, k: usize) -> Option<usize> {
        let cycles = &self.groups.get(*self.group_of.get(k)?)?.cycles;
        let at = cycles.iter().position(|&j| j == k)?;
        cycles.get(at + 1).copied()
    }

    /// The index into [`Cycles::accounts`] of cycle `k`'s `i`-th entity.
    pub fn account_index(&self, k: usize, i: usize) -> usize {
        self.groups[self.group_of[k]].first + i
    }

    /// The cycles in force on `date`, one per group whose allocation has begun to be credited:
    /// the group's first cycle whose final deadline is on or after `date` (its last once every
    /// deadline has passed).
    pub fn in_force(&self, date: chrono::NaiveDate) -> Vec<usize> {
        let t = &self.timeline;
        self.groups
            .iter()
            .filter_map(|g| {
                let last = *g.cycles.last()?;
                let k = g
                    .cycles
                    .iter()
                    .copied()
                    .find(|&k| t.final_deadline(k).is_some_and(|d| d >= date))
                    .unwrap_or(last);
                let begun = g.cycles.iter().any(|&j| self.credited_any(j));
                begun.then_some(k)
            })
            .collect()
    }

    /// The accounts (as indices) of the groups that have had none of their allocation
    /// credited yet.
    pub fn dormant_accounts(&self) -> Vec<std::ops::Range<usize>> {
        let begun = self.groups_begun();
        let dormant = self.groups.iter().zip(&begun).filter(|(_, b)| !**b);
        dormant.map(|(g, _)| g.first..g.first + g.len).collect()
    }

    /// Whether each group has had any of its allocation credited.
    pub fn groups_begun(&self) -> Vec<bool> {
        self.groups
            .iter()
            .map(|g| g.cycles.iter().any(|&k| self.credited_any(k)))
            .collect()
    }

    /// Whether cycle `k`'s entities can compute their allocation on `date`: its plan (or draft)
    /// is published, or, for a cycle without a plan date, some of it has been credited.
    pub fn plan_known(&self, k: usize, date: chrono::NaiveDate) -> bool {
        match &self.timeline.spec().cycles[k].plan {
            Some(p) => p.published <= date,
            None => self.credited_any(k),
        }
    }

    /// Whether any of cycle `k`'s allocation has been credited.
    fn credited_any(&self, k: usize) -> bool {
        self.credited_pct
            .iter()
            .any(|v| v.get(k).is_some_and(|p| *p > 0))
    }

    /// Credits `due`: its part of the vintage's allocation to every entity of its cycle, less
    /// what the entity still owes from an earlier cycle (taken from the earliest credit first).
    pub fn credit(&mut self, reg: &mut Registry, due: DueCredit) -> Result<(), RegistryError> {
        let (vintage, k) = (due.vintage, due.cycle);
        let (Some((subject, code)), Some(cycle)) = (
            self.vintages.get(vintage).cloned(),
            self.timeline.spec().cycles.get_index(k).map(|e| e.1),
        ) else {
            return Ok(());
        };
        let years = &self.timeline.spec().vintages[code.as_str()].years;
        let covered: Vec<usize> = cycle
            .years
            .iter()
            .enumerate()
            .filter(|(_, y)| years.contains(y))
            .map(|(yi, _)| yi)
            .collect();
        for i in 0..self.periods[k].per_year.len() {
            let total: Quantity = covered
                .iter()
                .map(|&yi| self.periods[k].per_year[i][yi])
                .sum();
            let account = self.account_index(k, i);
            let total = Quantity::new(due.part.of(total.units()));
            let taken = self.deductions[account].min(total);
            self.deductions[account] = self.deductions[account].saturating_sub(taken);
            let credited = total.saturating_sub(taken);
            if !credited.is_zero() {
                reg.issue(self.accounts[account], subject, credited)?;
            }
        }
        self.issue_auctioned(reg, k, subject)?;
        self.credited_pct[vintage][k] = match due.part {
            CreditPart::Pre(share) => share.min(100),
            CreditPart::Whole | CreditPart::TrueUp(_) => 100,
        };
        Ok(())
    }

    /// Issues capped cycle `k`'s auctioned allowances of `subject` to the auctioneer, once.
    fn issue_auctioned(
        &mut self,
        reg: &mut Registry,
        k: usize,
        subject: SubjectId,
    ) -> Result<(), RegistryError> {
        let (Some(auctioneer), Some(cap)) = (self.auctioneer, &self.caps[k]) else {
            return Ok(());
        };
        if !self.auction_issued[k] && cap.auctioned_t > 0 {
            reg.issue(auctioneer, subject, Quantity::new(cap.auctioned_t))?;
        }
        self.auction_issued[k] = true;
        Ok(())
    }

    /// Whether cycle `k`'s auctioned allowances have been issued to the auctioneer.
    pub fn auction_issued(&self, k: usize) -> bool {
        self.auction_issued[k]
    }

    /// What the auctions still have to sell to the market for the cycles `open`: the
    /// auctioneer's holdings and the auctioned allowances not yet issued, t.
    pub fn auction_supply(&self, reg: &Registry, open: &[usize]) -> i128 {
        let Some(auctioneer) = self.auctioneer else {
            return 0;
        };
        let unissued: u64 = open
            .iter()
            .filter(|&&k| !self.auction_issued[k])
            .filter_map(|&k| self.caps[k].as_ref().map(|c| c.auctioned_t))
            .sum();
        let held: u64 = self
            .vintages
            .iter()
            .filter_map(|(s, _)| reg.holding(auctioneer, *s).ok())
            .map(|h| h.total().units())
            .sum();
        i128::from(unissued) + i128::from(held)
    }

    /// Credits every vintage due on or before `date`.
    pub fn credit_due(
        &mut self,
        reg: &mut Registry,
        date: chrono::NaiveDate,
    ) -> Result<(), RegistryError> {
        for due in self.agenda.credit_due(date) {
            self.credit(reg, due)?;
        }
        Ok(())
    }

    /// What the entities still owe from earlier final deadlines, to come off their next credits.
    pub fn owed_total(&self) -> Quantity {
        self.deductions.iter().copied().sum()
    }

    /// Whether every vintage holding one of cycle `k`'s years has been credited in full.
    #[cfg(test)]
    pub fn cycle_credited(&self, k: usize) -> bool {
        let spec = self.timeline.spec();
        spec.cycles[k].years.iter().all(|y| {
            spec.vintages
                .values()
                .zip(&self.credited_pct)
                .any(|(v, pct)| pct[k] >= 100 && v.years.contains(y))
        })
    }

    /// Entity `i`'s allocation for cycle `k` still to be credited: each covered year's share
    /// that its vintage has not yet credited (a true-up still to come, or all of it).
    pub fn pending_allocation(&self, k: usize, i: usize) -> Quantity {
        self.pending_parts(k, i).0
    }

    /// [`Self::pending_allocation`] and the part of it that awaits a true-up on verified
    /// output (all of it for a cycle without a pre-allocation).
    pub fn pending_parts(&self, k: usize, i: usize) -> (Quantity, Quantity) {
        let spec = self.timeline.spec();
        let Some(per_year) = self.periods[k].per_year.get(i) else {
            return (Quantity::ZERO, Quantity::ZERO);
        };
        let pre_share = spec.cycles[k].pre_allocation.as_ref().map(|p| p.share_pct);
        let (mut pending, mut true_up) = (0_u64, 0_u64);
        for (yi, year) in spec.cycles[k].years.iter().enumerate() {
            let pct = spec
                .vintages
                .values()
                .zip(&self.credited_pct)
                .find(|(v, _)| v.years.contains(year))
                .map_or(0, |(_, pct)| u64::from(pct[k]));
            let amount = per_year.get(yi).map_or(0, |q| q.units());
            let left = amount - CreditPart::Pre(pct as u32).of(amount).min(amount);
            pending += left;
            true_up += pre_share.map_or(left, |s| CreditPart::TrueUp(s).of(amount).min(left));
        }
        (Quantity::new(pending), Quantity::new(true_up))
    }

    /// Settles deadline `d`: each entity of its cycle covers the share due, with `offsets`
    /// (CCER subjects, in use order) up to the offset limit, then its eligible allowances in
    /// proportion to its holdings, then borrowing. A volume deadline fines what is missing; an
    /// entity-share deadline only surrenders what each entity can and fines nothing. The final
    /// deadline's deductions are owed from the next credits. Fines are collected.
    pub fn settle(
        &mut self,
        reg: &mut Registry,
        d: &DueDeadline,
        offsets: &[SubjectId],
        reference: Option<Price>,
    ) -> Result<ComplianceReport, ComplianceError> {
        let k = d.cycle;
        let (rules, share) = match d.share_of {
            ShareOf::Volume => (self.rules_at(k, reference), d.share_pct),
            ShareOf::Entities => (
                CycleRules {
                    fine: Money::ZERO,
                    deduct_shortfall: false,
                    ..self.rules[k].clone()
                },
                100,
            ),
        };
        let eligible = Eligible {
            allowances: &self.eligible[k],
            offsets,
            pro_rata: true,
        };
        let positions = &self.periods[k].positions;
        let report = cycle::settle(
            reg,
            &rules,
            positions,
            eligible,
            share,
            d.date,
            self.reports[k].as_ref(),
        )?;
        cycle::collect_fines(reg, &report)?;
        if d.is_final {
            for (i, e) in report.entities.iter().enumerate() {
                let a = self.account_index(k, i);
                self.deductions[a] = e.deduction;
            }
        }
        self.reports[k] = Some(report.clone());
        Ok(report)
    }
}

/// What a banking cap voided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankingVoid {
    /// The cycle whose cap it was.
    pub cycle: String,
    /// The day after whose settlement it applied.
    pub date: chrono::NaiveDate,
    /// Entities that held more than their cap.
    pub entities: usize,
    /// Allowances cancelled, t.
    pub voided: Quantity,
}

impl Cycles {
    /// Each account's net sales (sold less bought) of cycle `k`'s capped vintages on `tape`
    /// from the cap's first day to its date; zero without a cap.
    pub fn net_sales(&self, k: usize, tape: &[crate::exchange::Trade]) -> Vec<i128> {
        let mut net = vec![0_i128; self.accounts.len()];
        let Some(b) = &self.timeline.spec().cycles[k].banking else {
            return net;
        };
        let capped = self.capped_subjects(b);
        let index = |a: AccountId| self.accounts.iter().position(|x| *x == a);
        let trades = tape
            .iter()
            .filter(|t| t.date >= b.sales_from && t.date <= b.void_after);
        for t in trades.filter(|t| capped.contains(&t.subject)) {
            let q = i128::from(t.quantity.units());
            if let Some(i) = index(t.seller) {
                net[i] += q;
            }
            if let Some(i) = index(t.buyer) {
                net[i] -= q;
            }
        }
        net
    }

    /// Whether account `a` (an index into [`Self::accounts`]) has lost what cycle `k`'s banking
    /// cap would let it keep: it was left short at the final deadline of a cycle the cap names
    /// in `forfeit_if_short`.
    pub fn bank_forfeited(&self, k: usize, a: usize) -> bool {
        let Some(cap) = &self.timeline.spec().cycles[k].banking else {
            return false;
        };
        let timeline = &self.timeline;
        cap.forfeit_if_short
            .iter()
            .filter_map(|name| timeline.spec().cycles.get_index_of(name.as_str()))
            .any(|named| {
                // The cycle's latest report, once it is its final deadline's.
                let settled = self.reports[named]
                    .as_ref()
                    .filter(|r| Some(r.date) == timeline.final_deadline(named));
                let entity = a.checked_sub(self.groups[self.group_of[named]].first);
                settled
                    .zip(entity)
                    .and_then(|(report, i)| report.entities.get(i))
                    .is_some_and(|e| !e.shortfall.is_zero())
            })
    }

    /// Applies cycle `k`'s banking cap: each entity keeps `base + multiple × max(net sales, 0)`
    /// of the capped vintages, or nothing once it has forfeited the carry-over
    /// ([`Self::bank_forfeited`]), and the rest is cancelled, oldest vintage first.
    pub fn apply_cap(
        &self,
        reg: &mut Registry,
        k: usize,
        net: &[i128],
    ) -> Result<Option<BankingVoid>, RegistryError> {
        let Some((name, c)) = self.timeline.spec().cycles.get_index(k) else {
            return Ok(None);
        };
        let Some(b) = &c.banking else { return Ok(None) };
        let capped = self.capped_subjects(b);
        let (mut entities, mut voided) = (0, Quantity::ZERO);
        let g = &self.groups[self.group_of[k]];
        for i in g.first..g.first + g.len {
            let account = self.accounts[i];
            let sold = rust_decimal::Decimal::from(net.get(i).copied().unwrap_or(0).max(0));
            let extra = (sold * b.net_sales_multiple).floor();
            let cap = if self.bank_forfeited(k, i) {
                0
            } else {
                b.base_t
                    .saturating_add(u64::try_from(extra.mantissa()).unwrap_or(u64::MAX))
            };
            let held: u64 = capped
                .iter()
                .map(|&s| reg.holding(account, s).map_or(0, |h| h.available.units()))
                .sum();
            let mut excess = held.saturating_sub(cap);
            if excess > 0 {
                entities += 1;
            }
            for &s in &capped {
                let take = excess.min(reg.holding(account, s)?.available.units());
                if take > 0 {
                    reg.cancel(
                        account,
                        s,
                        Quantity::new(take),
                        crate::registry::CancelReason::BankingCap,
                    )?;
                    excess -= take;
                    voided += Quantity::new(take);
                }
            }
        }
        Ok(Some(BankingVoid {
            cycle: name.clone(),
            date: b.void_after,
            entities,
            voided,
        }))
    }

    fn capped_subjects(&self, b: &crate::timeline::BankingCap) -> Vec<SubjectId> {
        let subject = |code: &String| {
            self.vintages
                .iter()
                .find(|(_, c)| c == code)
                .map(|(s, _)| *s)
        };
        b.vintages.iter().filter_map(subject).collect()
    }

    /// Cycle `k`'s rules with the fine per tonne of a price-multiple penalty set from
    /// `reference`, the market's average price over the month before the deadline (see
    /// [`penalty_window`], or the last day with trades before it); without any reference, no
    /// per-tonne fine can be set and none is.
    fn rules_at(&self, k: usize, reference: Option<Price>) -> CycleRules {
        let mut rules = self.rules[k].clone();
        let multiple = self.timeline.spec().cycles[k].penalty.multiple();
        if let (Some(m), Some(p)) = (multiple, reference) {
            let fen = (rust_decimal::Decimal::from(p.fen()) * m)
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            rules.fine_per_tonne =
                Price::from_fen(i64::try_from(fen.mantissa()).unwrap_or(i64::MAX));
        }
        rules
    }
}

/// The days whose average price a price-multiple penalty refers to: the month before the
/// deadline, up to the deadline.
pub(crate) fn penalty_window(
    deadline: chrono::NaiveDate,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let from = deadline
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(deadline);
    (from, deadline)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::registry::RegistryConfig;
    use crate::timeline::tests::synthetic_two_cycles;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn set_up() -> (Cycles, Registry) {
        set_up_from(&synthetic_two_cycles())
    }

    /// The cycles of a synthetic timeline written as `text`, on a fresh registry.
    pub(crate) fn set_up_from(text: &str) -> (Cycles, Registry) {
        let timeline = Timeline::from_toml_str("synthetic", text).unwrap();
        let mut reg = Registry::new(RegistryConfig::default());
        let draw = FleetDraw {
            seed: 3,
            firms: None,
            balance_bp: &[],
            reference: None,
            through: None,
        };
        let cycles = Cycles::set_up(timeline, &draw, &mut reg).unwrap();
        (cycles, reg)
    }

    /// The synthetic two-cycle timeline with a banking cap on cycle `q` (base 100 t, 1.5 × net
    /// sales from 2024-01-02, void after 2024-03-31, vintage `Q`) and the cap's `extra` lines,
    /// credited on 2024-01-02; with the timeline's description.
    pub(crate) fn credited_with_cap(extra: &str) -> (Cycles, Registry, String) {
        let cap = format!(
            "[cycles.q.banking]\nbase_t = 100\nnet_sales_multiple = \"1.5\"\nsales_from = 2024-01-02\nvoid_after = 2024-03-31\nvintages = [\"Q\"]\nsource = \"test\"\n{extra}\n[cycles.q.coverage]"
        );
        let text =
            crate::timeline::tests::synthetic_two_cycles().replace("[cycles.q.coverage]", &cap);
        let described = Timeline::from_toml_str("synthetic", &text)
            .unwrap()
            .describe();
        let (mut c, mut reg) = set_up_from(&text);
        c.credit_due(&mut reg, "2024-01-02".parse().unwrap())
            .unwrap();
        (c, reg, described)
    }

    fn held(reg: &Registry, c: &Cycles, i: usize, v: usize) -> Quantity {
        reg.holding(c.accounts[i], c.vintages[v].0)
            .unwrap()
            .available
    }

    #[test]
    fn fleets_follow_the_coverage_and_the_largest_names_the_accounts() {
        let (c, _) = set_up();
        assert_eq!(
            (c.periods[0].positions.len(), c.periods[1].positions.len()),
            (10, 12)
        );
        assert_eq!((c.accounts.len(), c.largest), (12, 1));
        // Grandfathering at 90 % (each unit rounded down): short by a tenth, to a few tonnes.
        for p in &c.periods[1].positions {
            let tenth_short = p.emissions.units() * 9 / 10;
            assert!(p.allocation.units() <= tenth_short && p.allocation.units() + 10 > tenth_short);
        }
    }

    #[test]
    fn the_first_cycle_is_drawn_to_its_published_short_count_and_gap_and_what_ifs_keep_emissions() {
        let published = Timeline::published().unwrap();
        let tighter: toml::Table = toml::from_str(
            "[cycles.2021-2022.allocation.benchmarks.2021]\npower = [\"0.7\", \"0.8\", \"0.9\", \"0.3\"]",
        )
        .unwrap();
        let set_up_with = |t: Timeline| {
            let mut reg = Registry::new(RegistryConfig::default());
            let draw = FleetDraw {
                seed: 7,
                firms: None,
                balance_bp: &[0, -300],
                reference: Some(&published),
                through: None,
            };
            Cycles::set_up(t, &draw, &mut reg).unwrap()
        };
        let base = set_up_with(Timeline::published().unwrap());
        let first = &base.periods[0];
        assert_eq!(first.short.len(), 847);
        let gap: u64 = first
            .positions
            .iter()
            .map(|p| p.emissions.units().saturating_sub(p.allocation.units()))
            .sum();
        assert!(gap.abs_diff(188_000_000) < 188_000, "gross gap {gap}");
        // The second cycle is short by 3 % of its allocation, to the tonne per entity.
        let (a, e) = base.periods[1].positions.iter().fold((0u64, 0u64), |s, p| {
            (s.0 + p.allocation.units(), s.1 + p.emissions.units())
        });
        assert!((e as f64 / a as f64 - 1.03).abs() < 1e-4, "{e} against {a}");
        // Tighter 2021 benchmarks cut the allocation and leave every entity's emissions alone.
        let what_if = set_up_with(Timeline::with_overrides(&tighter, "test").unwrap());
        for (p, q) in base.periods[1]
            .positions
            .iter()
            .zip(&what_if.periods[1].positions)
        {
            assert_eq!(p.emissions, q.emissions);
            assert!(q.allocation < p.allocation);
        }
    }

    #[test]
    fn a_quarter_settles_interim_then_final_and_deducts_from_the_next_credit() {
        let (mut c, mut reg) = set_up();
        c.credit_due(&mut reg, day("2024-01-02")).unwrap();
        assert!(c.cycle_credited(0) && !c.cycle_credited(1));
        for (i, p) in c.periods[0].positions.iter().enumerate() {
            assert_eq!(held(&reg, &c, i, 0), p.allocation, "credited in full");
        }
        let due = c.agenda.settle_due(Some(day("2024-02-19")));
        assert_eq!(due.len(), 1, "the interim of Friday 2024-02-16");
        let interim = c.settle(&mut reg, &due[0], &[], None).unwrap();
        assert!(
            interim.entities.iter().all(|e| e.fine == Money::ZERO),
            "an entity-share deadline fines nothing"
        );
        assert!(c.deductions.iter().all(|d| d.is_zero()), "nor deducts");
        let rules = c.rules[0].clone();
        for (i, (e, p)) in interim
            .entities
            .iter()
            .zip(&c.periods[0].positions)
            .enumerate()
        {
            let required = cycle::obligation(&rules, p).required;
            assert_eq!(
                e.surrendered,
                required.min(p.allocation),
                "entity {i} surrenders what it can"
            );
        }
        let due = c.agenda.settle_due(Some(day("2024-04-01")));
        let fin = c.settle(&mut reg, &due[0], &[], None).unwrap();
        let short: Vec<usize> = (0..10)
            .filter(|&i| !fin.entities[i].shortfall.is_zero())
            .collect();
        assert!(
            !short.is_empty() && short.len() < 10,
            "the draw has long and short entities"
        );
        for (i, e) in fin.entities.iter().enumerate() {
            assert_eq!(e.fine == Money::ZERO, e.shortfall.is_zero());
            assert_eq!(c.deductions[i], e.deduction);
            assert_eq!(
                e.deduction, e.shortfall,
                "no borrowing: the shortfall is deducted"
            );
        }
        c.credit_due(&mut reg, day("2024-04-01")).unwrap();
        for (i, alloc) in c.periods[1].per_year.iter().enumerate() {
            let owed = fin.entities.get(i).map_or(Quantity::ZERO, |e| e.deduction);
            assert_eq!(
                held(&reg, &c, i, 1),
                alloc[0].saturating_sub(owed),
                "entity {i}"
            );
        }
        reg.check_conservation().unwrap();
    }

    #[test]
    fn a_vintage_the_registry_cannot_hold_is_refused_at_set_up() {
        let text = synthetic_two_cycles()
            .replace("years = [2024]\ncredited", "years = [2024, 2025]\ncredited");
        let timeline = Timeline::from_toml_str("synthetic", &text).unwrap();
        let draw = FleetDraw {
            seed: 3,
            firms: None,
            balance_bp: &[],
            reference: None,
            through: None,
        };
        let err = Cycles::set_up(timeline, &draw, &mut Registry::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("vintages.R.years"), "{err}");
    }
}

#[cfg(test)]
mod penalty_tests {
    use super::*;
    use crate::timeline::tests::synthetic_two_cycles;

    #[test]
    fn a_price_multiple_penalty_fines_each_tonne_short_at_the_reference_price() {
        let text = synthetic_two_cycles().replace(
            "[cycles.q.penalty]\nkind = \"flat-fine\"\nfine = \"1000.00\"",
            "[cycles.q.penalty]\nkind = \"price-multiple\"\nmultiple = \"5\"",
        );
        assert!(
            Timeline::from_toml_str("synthetic", &text)
                .unwrap()
                .describe()
                .contains("5 × the average price of the month before the deadline")
        );
        let (mut c, mut reg) = super::tests::set_up_from(&text);
        c.credit_due(&mut reg, "2024-01-02".parse().unwrap())
            .unwrap();
        let due = c.agenda.settle_due(Some("2024-04-01".parse().unwrap()));
        let last = due.last().unwrap();
        assert!(last.is_final && last.cycle == 0);
        let interim = c
            .settle(&mut reg, &due[0], &[], Some(Price::from_fen(5_000)))
            .unwrap();
        assert!(
            interim.entities.iter().all(|e| e.fine == Money::ZERO),
            "the entity-share interim fines nothing"
        );
        let fin = c
            .settle(&mut reg, &due[1], &[], Some(Price::from_fen(5_000)))
            .unwrap();
        let short: Vec<_> = fin
            .entities
            .iter()
            .filter(|e| !e.shortfall.is_zero())
            .collect();
        assert!(!short.is_empty());
        for e in short {
            // 5 × CNY 50.00 = CNY 250.00 a tonne, no flat part.
            assert_eq!(e.fine, Price::from_fen(25_000) * e.shortfall);
        }
        assert_eq!(
            penalty_window("2024-12-31".parse().unwrap()).0,
            "2024-11-30".parse().unwrap()
        );
    }
}

#[cfg(test)]
mod pre_allocation_tests {
    use super::*;
    use crate::timeline::tests::synthetic_two_cycles;

    #[test]
    fn a_pre_allocation_credits_its_share_first_and_the_true_up_the_rest() {
        let text = synthetic_two_cycles().replace(
            "[cycles.q.coverage]",
            "[cycles.q.pre_allocation]\nshare_pct = 70\ntrue_up = 2024-02-01\nsource = \"test\"\n[cycles.q.coverage]",
        );
        assert!(
            Timeline::from_toml_str("synthetic", &text)
                .unwrap()
                .describe()
                .contains("70 % on each credit date, the rest on 2024-02-01")
        );
        let (mut c, mut reg) = super::tests::set_up_from(&text);
        let held = |reg: &Registry, c: &Cycles, i: usize| {
            reg.holding(c.accounts[i], c.vintages[0].0)
                .unwrap()
                .available
        };
        c.credit_due(&mut reg, "2024-01-02".parse().unwrap())
            .unwrap();
        for (i, p) in c.periods[0].positions.iter().enumerate() {
            assert_eq!(
                held(&reg, &c, i).units(),
                p.allocation.units() * 70 / 100,
                "entity {i}"
            );
        }
        c.credit_due(&mut reg, "2024-02-01".parse().unwrap())
            .unwrap();
        for (i, p) in c.periods[0].positions.iter().enumerate() {
            assert_eq!(
                held(&reg, &c, i),
                p.allocation,
                "entity {i} after the true-up"
            );
        }
        let late = text.replace("true_up = 2024-02-01", "true_up = 2024-05-01");
        let err = Timeline::from_toml_str("synthetic", &late).unwrap_err();
        assert!(
            err.to_string()
                .contains("cycles.q.pre_allocation.true_up = 2024-05-01"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod banking_tests {
    use super::*;

    #[test]
    fn a_banking_cap_voids_what_exceeds_base_plus_a_multiple_of_net_sales() {
        let (mut c, mut reg, described) = super::tests::credited_with_cap("");
        assert!(described.contains("100 t + 1.5 × net sales since 2024-01-02 of Q"));
        for d in c.agenda.settle_due(Some("2024-04-01".parse().unwrap())) {
            c.settle(&mut reg, &d, &[], None).unwrap();
        }
        assert_eq!(c.agenda.caps_due(Some("2024-04-01".parse().unwrap())), [0]);
        let held = |reg: &Registry, i: usize| {
            reg.holding(c.accounts[i], c.vintages[0].0)
                .unwrap()
                .available
                .units()
        };
        let before: Vec<u64> = (0..10).map(|i| held(&reg, i)).collect();
        let mut net = vec![0_i128; c.accounts.len()];
        net[0] = 1_000; // sold 1,000 t net: may keep 100 + 1,500
        net[1] = -5_000; // a net buyer keeps the base only
        let cap_of = |i: usize| if i == 0 { 1_600_u64 } else { 100 };
        assert!(
            before.iter().enumerate().any(|(i, h)| *h > cap_of(i)),
            "some entity banks more than its cap: {before:?}"
        );
        let void = c.apply_cap(&mut reg, 0, &net).unwrap().unwrap();
        for (i, b) in before.iter().enumerate() {
            assert_eq!(held(&reg, i), (*b).min(cap_of(i)), "entity {i}");
        }
        let expected: u64 = before
            .iter()
            .enumerate()
            .map(|(i, b)| b.saturating_sub(cap_of(i)))
            .sum();
        assert_eq!(void.voided.units(), expected);
        assert_eq!(
            void.entities,
            before
                .iter()
                .enumerate()
                .filter(|(i, b)| **b > cap_of(*i))
                .count()
        );
        reg.check_conservation().unwrap();
    }

    #[test]
    fn an_entity_short_at_a_named_final_deadline_carries_nothing_over() {
        let (mut c, mut reg, described) =
            super::tests::credited_with_cap("forfeit_if_short = [\"q\"]");
        assert!(
            described.contains("nothing carried by an entity short at the final deadline of q")
        );
        assert!(
            !c.bank_forfeited(0, 0),
            "nothing is forfeited before the deadline"
        );
        let mut reports = Vec::new();
        for d in c.agenda.settle_due(Some("2024-04-01".parse().unwrap())) {
            reports.push(c.settle(&mut reg, &d, &[], None).unwrap());
        }
        let last = reports.last().unwrap();
        let short: Vec<usize> = (0..10)
            .filter(|&i| !last.entities[i].shortfall.is_zero())
            .collect();
        let (&s, &l) = (
            short.first().expect("some entity ends short"),
            &(0..10)
                .find(|i| !short.contains(i))
                .expect("some entity complies"),
        );
        assert!(c.bank_forfeited(0, s) && !c.bank_forfeited(0, l));
        // Both are credited 1,000 t after the deadline: the compliant one keeps its base, the
        // short one nothing.
        let q = c.vintages[0].0;
        let spare = Quantity::new(1_000);
        for i in [s, l] {
            reg.issue(c.accounts[i], q, spare).unwrap();
        }
        let before =
            |reg: &Registry, i: usize| reg.holding(c.accounts[i], q).unwrap().available.units();
        let (held_s, held_l) = (before(&reg, s), before(&reg, l));
        assert!(held_s >= 1_000 && held_l >= 1_000);
        c.apply_cap(&mut reg, 0, &vec![0_i128; c.accounts.len()])
            .unwrap();
        assert_eq!(before(&reg, s), 0, "the short entity forfeits all it held");
        assert_eq!(before(&reg, l), 100, "the compliant entity keeps the base");
        reg.check_conservation().unwrap();
    }
}
