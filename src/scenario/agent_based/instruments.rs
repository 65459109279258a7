//! A capped market's auctions and allowance reserve in a run (the rules are the timeline's:
//! [`crate::timeline::InstrumentsSpec`]). Two registry accounts act for the authority: the
//! auctioneer, to which each capped cycle's auctioned allowances are issued with its first
//! credit, and the reserve. On each auction day, before the open, the auctioneer sells an even
//! share of what it holds through the exchange's single-direction auction to the sealed bids of
//! the agents; what is not sold goes to the reserve or is cancelled. The reserve takes in or
//! releases allowances on its trigger, and cancels its holdings above its ceiling.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::TradingCalendar;
use crate::registry::{AccountId, AccountKind, CancelReason, Registry, RegistryError, SubjectId};
use crate::timeline::{CycleCap, ReserveSpec, ReserveTrigger, Unsold};
use crate::units::{Money, Price, Quantity};

use super::super::cycles::Cycles;

/// One auction held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionRow {
    /// The day.
    pub date: NaiveDate,
    /// The auction plan.
    pub plan: String,
    /// The vintage sold.
    pub subject: String,
    /// Offered, t.
    pub offered: Quantity,
    /// Sealed bids received.
    pub bids: usize,
    /// Sold, t.
    pub sold: Quantity,
    /// The clearing price (the lowest accepted bid), if anything sold.
    pub price: Option<Price>,
    /// What the auctioneer received, CNY.
    pub revenue: Money,
    /// Not sold, t.
    pub unsold: Quantity,
    /// Where the unsold allowances went.
    pub unsold_to: Unsold,
}

/// What the reserve did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReserveAction {
    /// Took in allowances from the auctions (a trigger, or an auction withheld).
    Intake,
    /// Released allowances into an auction.
    Release,
    /// Took in an auction's unsold allowances.
    Unsold,
    /// Cancelled its holdings above its ceiling.
    Cancel,
}

/// One move of the reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRow {
    /// The day.
    pub date: NaiveDate,
    /// What it did.
    pub action: ReserveAction,
    /// How much, t.
    pub quantity: Quantity,
    /// What set it off: the bank (t) or the average close (CNY/t), as text.
    pub because: String,
    /// The reserve's holdings after the move, t.
    pub held_after: Quantity,
}

/// The instruments' record of a run: each capped cycle's cap, every auction, every reserve move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentsRecord {
    /// The caps of the capped cycles.
    pub caps: Vec<CycleCap>,
    /// The auctions held.
    pub auctions: Vec<AuctionRow>,
    /// The reserve's moves.
    pub reserve: Vec<ReserveRow>,
}

impl InstrumentsRecord {
    /// No cap, auction or reserve move.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.auctions.is_empty() && self.reserve.is_empty()
    }

    /// What all auctions raised, CNY.
    #[must_use]
    pub fn revenue(&self) -> Money {
        self.auctions.iter().fold(Money::ZERO, |s, a| s + a.revenue)
    }
}

/// One capped cycle's auctions: the plan, the vintage, the days and what is left to sell.
#[derive(Debug, Clone)]
pub(super) struct Scheduled {
    pub plan: String,
    /// The capped cycle.
    pub cycle: usize,
    pub subject: SubjectId,
    /// The cycle's auctioned allowances, t.
    pub volume: Quantity,
    /// Offered so far or taken into the reserve, t.
    pub used: Quantity,
    pub reserve_price: Price,
    pub unsold: Unsold,
    /// Auction days, in order.
    pub dates: Vec<NaiveDate>,
}

/// The authority's side of a capped market during a run.
#[derive(Debug)]
pub(super) struct Instruments {
    pub auctioneer: AccountId,
    pub reserve_account: AccountId,
    pub schedule: Vec<Scheduled>,
    reserve: Option<ReserveSpec>,
    /// The allowance vintages, oldest first: the order of releases and cancellations.
    allowances: Vec<SubjectId>,
    /// The bank measured after the last final deadline, for the next auction's trigger.
    pending_bank: Option<Quantity>,
    /// What a quantity trigger still takes from the auctions, t.
    pending_intake: Quantity,
    /// The market's daily closes, for a price trigger.
    closes: Vec<Price>,
    pub record: InstrumentsRecord,
}

impl Instruments {
    /// Opens the authority's accounts when the timeline has an auction or a reserve, and lays
    /// out each capped cycle's auction days on `calendar`.
    pub(super) fn set_up(
        cycles: &Cycles,
        reg: &mut Registry,
        calendar: &TradingCalendar,
    ) -> Option<Self> {
        let spec = &cycles.timeline.spec().instruments;
        if spec.auctions.is_empty() && spec.reserve.is_none() {
            return None;
        }
        let auctioneer = reg.open_account(AccountKind::Operator, "auctioneer");
        let reserve_account = reg.open_account(AccountKind::Operator, "allowance reserve");
        let mut schedule = Vec::new();
        for (k, cap) in cycles.caps.iter().enumerate() {
            let Some((cap, name)) = cap.as_ref().and_then(|c| Some((c, c.auction.clone()?))) else {
                continue;
            };
            let plan = &spec.auctions[name.as_str()];
            let Some(subject) = vintage_of(cycles, k) else {
                continue;
            };
            let year = i32::from(cap.year) + 1;
            let dates = plan
                .months
                .iter()
                .filter_map(|&m| first_trading_day(calendar, year, m))
                .collect();
            schedule.push(Scheduled {
                plan: name,
                cycle: k,
                subject,
                volume: Quantity::new(cap.auctioned_t),
                used: Quantity::ZERO,
                reserve_price: plan.reserve_price,
                unsold: plan.unsold,
                dates,
            });
        }
        Some(Instruments {
            auctioneer,
            reserve_account,
            schedule,
            reserve: spec.reserve.clone(),
            allowances: cycles.vintages.iter().map(|(s, _)| *s).collect(),
            pending_bank: None,
            pending_intake: Quantity::ZERO,
            closes: Vec::new(),
            record: InstrumentsRecord {
                caps: cycles.caps.iter().flatten().cloned().collect(),
                ..InstrumentsRecord::default()
            },
        })
    }

    /// Keeps the day's close for a price trigger.
    pub(super) fn closed(&mut self, close: Price) {
        self.closes.push(close);
    }

    /// After a year's final deadlines: the bank left, which a quantity trigger acts on at the
    /// next auction.
    pub(super) fn bank_measured(&mut self, bank: Quantity) {
        self.pending_bank = Some(bank);
    }

    /// The reserve's quantity trigger, if a bank is pending: an intake the next auctions give
    /// up, or a release to the auctioneer. Then the ceiling's cancellation.
    pub(super) fn quantity_trigger(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
    ) -> Result<(), RegistryError> {
        let Some(ReserveTrigger::Quantity {
            intake_above_t,
            intake_pct,
            release_below_t,
            release_t,
        }) = self.reserve.as_ref().map(|r| r.trigger.clone())
        else {
            return Ok(());
        };
        let Some(bank) = self.pending_bank.take() else {
            return Ok(());
        };
        if bank.units() > intake_above_t {
            let want = u128::from(bank.units()) * u128::from(intake_pct) / 100;
            self.pending_intake = Quantity::new(u64::try_from(want).unwrap_or(u64::MAX));
        } else if bank.units() < release_below_t {
            let because = format!("bank {} t", bank.units());
            self.release(reg, date, Quantity::new(release_t), &because)?;
        }
        self.cancel_idle(reg, date)
    }

    /// What plan `i` has left to sell, t.
    pub(super) fn remaining(&self, i: usize) -> Quantity {
        let p = &self.schedule[i];
        p.volume.saturating_sub(p.used)
    }

    /// Gives plan `i` back `q` its auction did not sell, for its later auctions.
    pub(super) fn carry(&mut self, i: usize, q: Quantity) {
        let p = &mut self.schedule[i];
        p.used = p.used.saturating_sub(q);
    }

    /// Marks `q` of plan `i` offered.
    pub(super) fn offered(&mut self, i: usize, q: Quantity) {
        self.schedule[i].used += q;
    }

    /// Plan `i`'s part of a pending intake: as much of it as the plan has left, into the reserve.
    pub(super) fn take_intake(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
        i: usize,
    ) -> Result<(), RegistryError> {
        let q = self.pending_intake.min(self.remaining(i));
        if q.is_zero() {
            return Ok(());
        }
        self.pending_intake = self.pending_intake.saturating_sub(q);
        self.withhold(reg, date, i, q, "bank above the intake threshold")?;
        self.cancel_idle(reg, date)
    }

    /// The reserve's price trigger before plan `i` offers `share`: above the ceiling a release
    /// to the auctioneer; below the floor the share is withheld into the reserve (returns
    /// `false`: no auction).
    pub(super) fn price_trigger(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
        (i, share): (usize, Quantity),
    ) -> Result<bool, RegistryError> {
        let Some(ReserveTrigger::Price {
            floor,
            ceiling,
            release_t,
            window_days,
        }) = self.reserve.as_ref().map(|r| r.trigger.clone())
        else {
            return Ok(true);
        };
        let window = &self.closes[self.closes.len().saturating_sub(window_days as usize)..];
        let Some(average) = average(window) else {
            return Ok(true);
        };
        let because = format!("average close {average}");
        if average > ceiling {
            self.release(reg, date, Quantity::new(release_t), &because)?;
        } else if average < floor {
            self.withhold(reg, date, i, share, &because)?;
            self.cancel_idle(reg, date)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Moves `q` of plan `i`'s allowances from the auctioneer into the reserve.
    fn withhold(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
        i: usize,
        q: Quantity,
        because: &str,
    ) -> Result<(), RegistryError> {
        let subject = self.schedule[i].subject;
        let q = q.min(reg.holding(self.auctioneer, subject)?.available);
        if !q.is_zero() {
            reg.transfer(self.auctioneer, self.reserve_account, subject, q)?;
            self.schedule[i].used += q;
            self.note(reg, date, ReserveAction::Intake, q, because);
        }
        Ok(())
    }

    /// The auctioneer's allowances of `subject` that no plan has left to sell: what the reserve
    /// released.
    pub(super) fn released_stock(
        &self,
        reg: &Registry,
        subject: SubjectId,
        issued: &dyn Fn(usize) -> bool,
    ) -> Result<Quantity, RegistryError> {
        let planned = (0..self.schedule.len())
            .filter(|&i| self.schedule[i].subject == subject && issued(self.schedule[i].cycle))
            .fold(Quantity::ZERO, |s, i| s.saturating_add(self.remaining(i)));
        let held = reg.holding(self.auctioneer, subject)?.available;
        Ok(held.saturating_sub(planned))
    }

    /// Moves up to `want` of the reserve's allowances, oldest vintage first, to the auctioneer.
    fn release(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
        want: Quantity,
        because: &str,
    ) -> Result<(), RegistryError> {
        let mut left = want;
        for s in self.allowances.clone() {
            let q = left.min(reg.holding(self.reserve_account, s)?.available);
            if !q.is_zero() {
                reg.transfer(self.reserve_account, self.auctioneer, s, q)?;
                left = left.saturating_sub(q);
            }
        }
        let released = want.saturating_sub(left);
        if !released.is_zero() {
            self.note(reg, date, ReserveAction::Release, released, because);
        }
        Ok(())
    }

    /// Cancels the reserve's holdings above its ceiling, oldest vintage first.
    fn cancel_idle(&mut self, reg: &mut Registry, date: NaiveDate) -> Result<(), RegistryError> {
        let Some(ceiling) = self.reserve.as_ref().and_then(|r| r.cancel_above_t) else {
            return Ok(());
        };
        let held = self.reserve_held(reg);
        let mut excess = held.saturating_sub(Quantity::new(ceiling));
        let total = excess;
        for s in self.allowances.clone() {
            let q = excess.min(reg.holding(self.reserve_account, s)?.available);
            if !q.is_zero() {
                reg.cancel(self.reserve_account, s, q, CancelReason::Withdrawn)?;
                excess = excess.saturating_sub(q);
            }
        }
        if !total.is_zero() {
            let because = format!("holdings {} t above {ceiling} t", held.units());
            self.note(reg, date, ReserveAction::Cancel, total, &because);
        }
        Ok(())
    }

    /// Disposes of an auction's unsold `q` of `subject` as its plan says.
    pub(super) fn unsold(
        &mut self,
        reg: &mut Registry,
        date: NaiveDate,
        (subject, q): (SubjectId, Quantity),
        to: Unsold,
    ) -> Result<(), RegistryError> {
        if q.is_zero() {
            return Ok(());
        }
        match to {
            Unsold::Cancel => reg.cancel(self.auctioneer, subject, q, CancelReason::Withdrawn),
            Unsold::Reserve | Unsold::Carried => {
                reg.transfer(self.auctioneer, self.reserve_account, subject, q)?;
                self.note(reg, date, ReserveAction::Unsold, q, "unsold at auction");
                Ok(())
            }
        }
    }

    fn note(
        &mut self,
        reg: &Registry,
        date: NaiveDate,
        action: ReserveAction,
        quantity: Quantity,
        because: &str,
    ) {
        let held_after = self.reserve_held(reg);
        self.record.reserve.push(ReserveRow {
            date,
            action,
            quantity,
            because: because.to_owned(),
            held_after,
        });
    }

    /// What the reserve holds of every vintage.
    pub(super) fn reserve_held(&self, reg: &Registry) -> Quantity {
        self.allowances
            .iter()
            .filter_map(|s| reg.holding(self.reserve_account, *s).ok())
            .fold(Quantity::ZERO, |a, h| a.saturating_add(h.total()))
    }
}

/// The vintage that holds capped cycle `k`'s (one) year.
fn vintage_of(cycles: &Cycles, k: usize) -> Option<SubjectId> {
    let year = *cycles
        .timeline
        .spec()
        .cycles
        .get_index(k)?
        .1
        .years
        .first()?;
    let code = cycles.timeline.vintage_of_year(year)?;
    cycles
        .vintages
        .iter()
        .find(|(_, c)| c == code)
        .map(|(s, _)| *s)
}

/// The first trading day of `month` in `year`, if the calendar covers it.
fn first_trading_day(calendar: &TradingCalendar, year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?
        .min(calendar.last());
    if first > last {
        return None;
    }
    let days = calendar.trading_days(first, last).ok()?;
    days.first().copied().filter(|d| d.month() == month)
}

/// The mean of `closes`, rounded to the fen, or `None` for none.
fn average(closes: &[Price]) -> Option<Price> {
    let n = i64::try_from(closes.len()).ok().filter(|n| *n > 0)?;
    let sum: i64 = closes.iter().map(|p| p.fen()).sum();
    Some(Price::from_fen((sum + n / 2) / n))
}
