//! The covered entities' side of a run, driven by the timeline: what each firm sees of its
//! obligation and deadlines, crediting and listing the vintages, settling each deadline, and
//! inheriting the cycles that closed before a late start.

use chrono::{Datelike, NaiveDate};

use super::broker::RunListing;
use super::record::COMPOSITE;
use super::{RunError, SubjectDay, World};
use crate::agents::{CompliancePosition, Deadline, NextCycle, PenaltyTerms};
use crate::compliance::cycle;
use crate::history;
use crate::registry::{Registry, Settlement, Subject, SubjectId};
use crate::scenario::cycles::{Cycles, penalty_window};
use crate::scenario::replay::ComplianceSummary;
use crate::timeline::{DueDeadline, PenaltySpec, ShareOf};
use crate::units::{Money, Price, Quantity};

impl World {
    /// Before a day's open: the vintages credited by the timeline, then those that list today.
    /// A later vintage lists at the market's previous composite `close` (the first vintage's
    /// own close can be months old once its trading has moved to the newer ones), or at the
    /// opening price before any trade.
    pub(super) fn credit_and_list(
        &mut self,
        date: NaiveDate,
        close: Price,
    ) -> Result<(), RunError> {
        self.cycles.credit_due(self.ex.registry_mut(), date)?;
        for v in self.cycles.agenda.list_due(date) {
            let (subject, code) = self.cycles.vintages[v].clone();
            if self.listings.iter().any(|l| l.subject == subject) {
                continue;
            }
            let reference = if close == Price::ZERO {
                self.opening_price()
            } else {
                close
            };
            self.make_room()?;
            self.ex
                .list(subject, code.as_str(), reference, date, None)?;
            self.listings
                .push(RunListing::new(code, subject, date, &self.participants));
        }
        Ok(())
    }

    /// The first vintage's reference price on the market's first day.
    pub(super) fn opening_price(&self) -> Price {
        let first = self.cycles.timeline.spec().vintages.values().next();
        first.and_then(|v| v.reference_price).unwrap_or(Price::ZERO)
    }

    /// The deadlines of the cycles in force on `date` still ahead (one per date), with the
    /// trading days left and the days from their announcement counted on the calendar (a run's
    /// calendar starts on its first day, so an earlier announcement counts from there). An
    /// entity-share deadline asks each firm for all of its obligation.
    pub(super) fn deadlines_on(
        &self,
        date: NaiveDate,
        all_days: &[NaiveDate],
        out: &mut Vec<Deadline>,
    ) {
        out.clear();
        let in_force = self.cycles.in_force(date);
        for d in self
            .cycles
            .agenda
            .upcoming()
            .iter()
            .filter(|d| in_force.contains(&d.cycle) && d.date >= date)
        {
            if out.last().is_some_and(|l| l.date == d.date) {
                continue;
            }
            out.push(deadline_view(d, date, all_days));
        }
    }

    /// Sets each covered entity's compliance view for its group's cycle in force on `date`
    /// (none before its group's first credit).
    pub(super) fn update_positions(&mut self, date: NaiveDate) {
        let c = &self.cycles;
        for p in self.participants.iter_mut().take(self.firms) {
            p.compliance = None;
        }
        for k in c.in_force(date) {
            self.update_cycle_positions(k, date);
        }
    }

    fn update_cycle_positions(&mut self, k: usize, date: NaiveDate) {
        let c = &self.cycles;
        let (period, rules, report) = (&c.periods[k], &c.rules[k], c.reports[k].as_ref());
        let outlook = self.economy.current;
        let per_tonne = fine_per_tonne(&c.timeline.spec().cycles[k].penalty, outlook);
        let plan_known = c.plan_known(k, date);
        let next = next_cycle_known(c, k, date, &self.trading_days);
        for (i, pos) in period.positions.iter().enumerate() {
            let a = c.account_index(k, i);
            let Some(p) = self.participants[..self.firms].get_mut(a) else {
                continue;
            };
            let done = report.and_then(|r| r.entities.get(i));
            let (pending, true_up) = c.pending_parts(k, i);
            p.compliance = Some(CompliancePosition {
                allocation: pos.allocation,
                allocation_pending: pending,
                allocation_unpublished: if plan_known { Quantity::ZERO } else { pending },
                allocation_true_up: true_up,
                verified_emissions: pos.emissions,
                expected_emissions: pos.emissions,
                expected_obligation: cycle::obligation(rules, pos).required,
                surrendered: done.map_or(Quantity::ZERO, cycle::EntityResult::covered),
                offsets_surrendered: done.map_or(Quantity::ZERO, |e| e.offsets),
                shortfall: done.map_or(Quantity::ZERO, |e| e.shortfall),
                offset_limit_bp: rules.offset_limit_pct * 100,
                penalty: PenaltyTerms {
                    fine: rules.fine,
                    shortfall_deducted: rules.deduct_shortfall,
                    per_tonne,
                },
                outlook,
                bank_limit: self.bank_watch.limit(
                    c,
                    self.ex.registry(),
                    (c.group_of[k], a, c.accounts[a]),
                    date,
                ),
                next_cycle: next.and_then(|(k2, d)| next_cycle_position(c, (k2, i), d)),
            });
        }
    }

    /// Settles every deadline before `next` (the next trading day; `None` at the calendar's
    /// end), each after the credits due by its date.
    pub(super) fn settle_deadlines(
        &mut self,
        next: Option<NaiveDate>,
        rows: &[SubjectDay],
        compliance: &mut Vec<ComplianceSummary>,
    ) -> Result<(), RunError> {
        for d in self.cycles.agenda.settle_due(next) {
            let reference = penalty_reference(rows, d.date);
            self.settle_one(&d, reference, compliance)?;
        }
        Ok(())
    }

    fn settle_one(
        &mut self,
        d: &DueDeadline,
        reference: Option<Price>,
        compliance: &mut Vec<ComplianceSummary>,
    ) -> Result<(), RunError> {
        self.cycles.credit_due(self.ex.registry_mut(), d.date)?;
        let offsets = self.eligible_offsets(d.cycle);
        let offsets_of = |r: Option<&cycle::ComplianceReport>| -> Quantity {
            r.map_or(Quantity::ZERO, |r| {
                r.entities.iter().map(|e| e.offsets).sum()
            })
        };
        let before = offsets_of(self.cycles.reports[d.cycle].as_ref());
        let ccer2_before = self.ccer2_cancelled();
        let report = self
            .cycles
            .settle(self.ex.registry_mut(), d, &offsets, reference)?;
        let held = super::panel::allowances_held(&self.cycles, self.ex.registry());
        self.panel.settled(d, &report, held);
        let ccer2 = self.ccer2_cancelled().saturating_sub(ccer2_before);
        self.certificates
            .record_offsets(offsets_of(Some(&report)).saturating_sub(before), ccer2);
        let mut summary = ComplianceSummary::of(&report);
        if d.share_of == ShareOf::Entities {
            summary.entity_target_pct = Some(d.share_pct);
        }
        compliance.push(summary);
        Ok(())
    }

    /// CCERs of the 2023 Measures cancelled so far (in a run, only as offsets).
    fn ccer2_cancelled(&self) -> Quantity {
        let reg = self.ex.registry();
        self.certificates
            .ccer2_subjects()
            .iter()
            .filter_map(|(s, _)| reg.subject_balance(*s).ok())
            .fold(Quantity::ZERO, |q, b| q + b.cancelled)
    }

    /// The CCER subjects cycle `k` accepts as offsets, by the rules they were issued under.
    pub(super) fn eligible_offsets(&self, k: usize) -> Vec<SubjectId> {
        let eligible = &self.cycles.timeline.spec().cycles[k].offsets.eligible;
        let reg = self.ex.registry();
        let accepted = |s: SubjectId| matches!(reg.subject(s), Ok(Subject::Ccer { rules, .. }) if eligible.contains(rules));
        self.certificates
            .ccer_subjects
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| accepted(*s))
            .collect()
    }

    /// For a run that starts after some deadlines: each such cycle's trading, done off the
    /// run's books, then its deadlines settled. See [`World::clear_cycle`].
    pub(super) fn inherit_deadlines(
        &mut self,
        first: NaiveDate,
        compliance: &mut Vec<ComplianceSummary>,
    ) -> Result<(), RunError> {
        let mut cleared = Vec::new();
        for d in self.cycles.agenda.settle_due(Some(first)) {
            if !cleared.contains(&d.cycle) {
                self.cycles.credit_due(self.ex.registry_mut(), d.date)?;
                self.clear_cycle(d.cycle)?;
                cleared.push(d.cycle);
            }
            let (from, to) = penalty_window(d.date);
            let reference = published_average(Some(from), to)?;
            self.settle_one(&d, reference, compliance)?;
        }
        Ok(())
    }

    /// A closed cycle's trading, done off the run's books: short entities, in fleet order, buy
    /// what they lack of the cycle's first eligible vintage from long ones (also in fleet order,
    /// each keeping what it needs) at the published average price of the trading before the
    /// cycle's final deadline (CNY 42.85 for 2019–2020 \[S12\]), as far as their cash allows; each
    /// transfer is a settlement, so cash and units are conserved.
    fn clear_cycle(&mut self, k: usize) -> Result<(), RunError> {
        let price = self.cycle_average_price(k)?;
        let Some(code) = self.cycles.timeline.spec().cycles[k]
            .eligible_vintages
            .first()
        else {
            return Ok(());
        };
        let Some(&(subject, _)) = self.cycles.vintages.iter().find(|(_, c)| c == code) else {
            return Ok(());
        };
        let fee_account = self.ex.fee_account();
        let (c, reg) = (&self.cycles, self.ex.registry_mut());
        let account = |i: usize| c.accounts[c.account_index(k, i)];
        let need = |i: usize, reg: &Registry| -> Result<i128, RunError> {
            let ob = cycle::obligation(&c.rules[k], &c.periods[k].positions[i]);
            let held = reg.holding(account(i), subject)?.available;
            Ok(i128::from(ob.required.units()) - i128::from(held.units()))
        };
        let entities = c.periods[k].positions.len();
        let mut surplus = Vec::new();
        for i in 0..entities {
            let n = need(i, reg)?;
            if n < 0 {
                surplus.push((i, Quantity::new(n.unsigned_abs() as u64)));
            }
        }
        let mut seller = 0;
        for i in 0..entities {
            let mut short = need(i, reg)?;
            while short > 0 && seller < surplus.len() {
                let (s, spare) = surplus[seller];
                let affordable =
                    reg.cash(account(i))?.available.fen() / i128::from(price.fen().max(1));
                let q = u64::try_from(short.min(affordable))
                    .unwrap_or(0)
                    .min(spare.units());
                if q == 0 {
                    break;
                }
                let q = Quantity::new(q);
                transfer(
                    reg,
                    Settlement {
                        subject,
                        seller: account(s),
                        buyer: account(i),
                        quantity: q,
                        price,
                        buyer_fee: Money::ZERO,
                        seller_fee: Money::ZERO,
                        fee_account,
                    },
                )?;
                surplus[seller].1 = spare.saturating_sub(q);
                if surplus[seller].1.is_zero() {
                    seller += 1;
                }
                short -= i128::from(q.units());
            }
        }
        // What was bought is usable at the deadline.
        reg.roll_day();
        Ok(())
    }

    /// The published average price (turnover over volume) of the days after the previous
    /// cycle's final deadline up to cycle `k`'s.
    fn cycle_average_price(&self, k: usize) -> Result<Price, RunError> {
        let rules = &self.cycles.rules;
        let after = k.checked_sub(1).and_then(|p| rules[p].deadline.succ_opt());
        let average = published_average(after, rules[k].deadline)?;
        Ok(average.unwrap_or(self.opening_price()))
    }
}

/// The group's cycle after `k` and what its firms see on `date` of its final deadline (counted
/// on `all_days`), once its plan is published: from then on they plan it together with `k`.
fn next_cycle_known(
    c: &Cycles,
    k: usize,
    date: NaiveDate,
    all_days: &[NaiveDate],
) -> Option<(usize, Deadline)> {
    let k2 = c.next_in_group(k)?;
    let last = c.agenda.upcoming().iter().rfind(|d| d.cycle == k2)?;
    (c.plan_known(k2, date) && last.is_final).then(|| (k2, deadline_view(last, date, all_days)))
}

/// Entity `i`'s position in cycle `k2` (the next cycle of its group), whose final deadline the
/// firms see as `deadline`.
fn next_cycle_position(
    c: &Cycles,
    (k2, i): (usize, usize),
    deadline: Deadline,
) -> Option<NextCycle> {
    let pos = c.periods[k2].positions.get(i)?;
    let (pending, true_up) = c.pending_parts(k2, i);
    Some(NextCycle {
        expected_obligation: cycle::obligation(&c.rules[k2], pos).required,
        allocation_pending: pending,
        allocation_true_up: true_up,
        deadline,
    })
}

/// What a firm sees on `date` of deadline `d`: the trading days left (today included) and
/// those from its announcement, counted on the calendar's `all_days`, and past the calendar's
/// end on weekdays ([`days_through`]). An entity-share deadline asks each firm for all of its
/// obligation.
fn deadline_view(d: &DueDeadline, date: NaiveDate, all_days: &[NaiveDate]) -> Deadline {
    let from = all_days.partition_point(|x| *x < date);
    let to = days_through(all_days, d.date);
    let notice = d
        .announced
        .map_or(to, |a| all_days.partition_point(|x| *x < a));
    Deadline {
        date: d.date,
        trading_days_left: to.saturating_sub(from) as u32,
        notice_trading_days: to.saturating_sub(notice) as u32,
        required_share_bp: match d.share_of {
            ShareOf::Volume => d.share_pct * 100,
            ShareOf::Entities => 10_000,
        },
        slack_bp: 10_000u32.saturating_sub(d.share_pct.saturating_mul(100)),
    }
}

/// How many of `all_days` fall on or before `date`, and past the calendar's last day every
/// weekday up to `date`: a run's calendar may end before a deadline its firms plan for (a run
/// to 2024-12-31 sees the 2024 power year's deadline of 2025-12-31), and its holidays are not
/// known there.
fn days_through(all_days: &[NaiveDate], date: NaiveDate) -> usize {
    let known = all_days.partition_point(|x| *x <= date);
    let Some(&last) = all_days.last().filter(|l| **l < date) else {
        return known;
    };
    let days = (date - last).num_days();
    let mut weekdays = days / 7 * 5;
    for k in days / 7 * 7 + 1..=days {
        let day = last + chrono::Days::new(k as u64);
        weekdays += i64::from(day.weekday().num_days_from_monday() < 5);
    }
    known + weekdays as usize
}

/// The published average price (turnover over volume) of the days from `from` (or the start of
/// the series) to `until`; `None` without trades.
fn published_average(from: Option<NaiveDate>, until: NaiveDate) -> Result<Option<Price>, RunError> {
    let days = history::daily()?
        .iter()
        .filter(|d| d.date <= until && from.is_none_or(|f| d.date >= f));
    let (turnover, volume) = days.fold((Money::ZERO, Quantity::ZERO), |(m, q), d| {
        let t = d.listed_turnover_cny + d.block_turnover_cny;
        (m + t, q + d.listed_volume_t + d.block_volume_t)
    });
    Ok(turnover.div_round_half_up(volume))
}

/// The reference price of a price-multiple penalty due on `deadline`: the run's average price
/// over [`penalty_window`], or, when nothing traded then, that of the last day with trades
/// before the deadline: a market gone quiet does not waive the fine.
fn penalty_reference(rows: &[SubjectDay], deadline: NaiveDate) -> Option<Price> {
    run_average_price(rows, penalty_window(deadline)).or_else(|| {
        let last = rows
            .iter()
            .rev()
            .filter(|r| r.subject == COMPOSITE && r.date <= deadline)
            .find(|r| !(r.listed_volume + r.block_volume).is_zero())?;
        run_average_price(std::slice::from_ref(last), (last.date, last.date))
    })
}

/// The run's own average allowance price (the composite's turnover over volume) in `from..=to`.
fn run_average_price(rows: &[SubjectDay], (from, to): (NaiveDate, NaiveDate)) -> Option<Price> {
    let days = rows
        .iter()
        .filter(|r| r.subject == COMPOSITE && r.date >= from && r.date <= to);
    let (turnover, volume) = days.fold((Money::ZERO, Quantity::ZERO), |(m, q), r| {
        (
            m + r.listed_turnover + r.block_turnover,
            q + r.listed_volume + r.block_volume,
        )
    });
    turnover.div_round_half_up(volume)
}

/// One off-book sale: units and cash frozen, then settled.
fn transfer(reg: &mut Registry, s: Settlement) -> Result<(), RunError> {
    reg.freeze_units(s.seller, s.subject, s.quantity)?;
    reg.freeze_cash(s.buyer, s.price * s.quantity)?;
    reg.settle(&s)?;
    Ok(())
}

/// The fine per tonne short a firm expects under `penalty`: a price multiple applied to the
/// outlook's fundamental value (the reference month's average is not known in advance).
fn fine_per_tonne(penalty: &PenaltySpec, outlook: Option<crate::agents::Outlook>) -> Price {
    match (penalty, outlook) {
        (PenaltySpec::PriceMultiple { multiple, .. }, Some(o)) => {
            let fen = rust_decimal::Decimal::from(o.fundamental.fen()) * multiple;
            Price::from_fen(fen.round().try_into().unwrap_or(i64::MAX))
        }
        _ => Price::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_past_the_calendar_count_as_weekdays() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // A calendar ending on Tuesday 2024-12-31 with a holiday on Monday 2024-12-30.
        let all = [d("2024-12-26"), d("2024-12-27"), d("2024-12-31")];
        assert_eq!(days_through(&all, d("2024-12-27")), 2);
        assert_eq!(days_through(&all, d("2024-12-31")), 3);
        // Wednesday 1 to Tuesday 7 January: five weekdays, whatever the holidays.
        assert_eq!(days_through(&all, d("2025-01-07")), 8);
        assert_eq!(days_through(&all, d("2025-01-05")), 6);
        // A year on: 52 weeks and one Wednesday.
        assert_eq!(days_through(&all, d("2025-12-31")), 3 + 52 * 5 + 1);
    }

    fn day(date: &str, tonnes: u64, yuan: i64) -> SubjectDay {
        SubjectDay {
            date: date.parse().unwrap(),
            subject: COMPOSITE.into(),
            close: Price::from_fen(yuan * 100),
            listed_volume: Quantity::new(tonnes),
            listed_turnover: Money::from_cny(yuan * tonnes as i64),
            block_volume: Quantity::ZERO,
            block_turnover: Money::ZERO,
        }
    }

    #[test]
    fn a_quiet_month_refers_the_fine_to_the_last_day_with_trades() {
        let deadline: NaiveDate = "2024-12-31".parse().unwrap();
        let rows = [
            day("2024-10-30", 10, 70),
            day("2024-11-28", 100, 80),
            day("2024-12-20", 300, 90),
            day("2024-12-30", 100, 100),
        ];
        // The month before the deadline: (300 × 90 + 100 × 100) / 400.
        assert_eq!(
            penalty_reference(&rows, deadline),
            Some(Price::from_fen(9250))
        );
        // Nothing traded since 2024-11-28: that day's average.
        let quiet = [rows[0].clone(), rows[1].clone(), day("2024-12-20", 0, 90)];
        assert_eq!(
            penalty_reference(&quiet, deadline),
            Some(Price::from_fen(8000))
        );
        assert_eq!(penalty_reference(&[], deadline), None);
    }
}
