//! A run's walk through the timeline: each dated event (a vintage credited, a vintage listed, a
//! deadline settled) is handed out once, in date order, when the runner asks for what is due.
//! Runners ask before a day's open for credits and listings, and after its close for the
//! deadlines that fall before the next trading day, so a deadline on a weekend or holiday is
//! settled after the last trading day on or before it. At the calendar's end (no next trading
//! day) the agenda stands in for the calendar: what is due is what falls before the next weekday
//! that the timeline's own calendar does not close, so a cycle whose deadline lies beyond a run
//! is never settled by it.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Timeline;
use super::spec::ShareOf;

/// A deadline of a cycle, as the runners settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDeadline {
    /// The cycle's index in the timeline.
    pub cycle: usize,
    /// The cycle's name.
    pub cycle_name: String,
    /// The deadline's name (`interim`, `final`).
    pub name: String,
    /// Its date.
    pub date: NaiveDate,
    /// Percent due, of the volume or of the entities.
    pub share_pct: u32,
    /// What the share counts.
    pub share_of: ShareOf,
    /// Whether it is the cycle's final deadline.
    pub is_final: bool,
    /// The day it was made known ([`super::spec::CycleSpec::announced`]).
    pub announced: Option<NaiveDate>,
}

/// Which part of a vintage's allocation a credit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditPart {
    /// All of it.
    Whole,
    /// The pre-allocation: this share of it, percent.
    Pre(u32),
    /// The true-up: what the pre-allocation of this share left.
    TrueUp(u32),
}

impl CreditPart {
    /// This part of `total` (the pre-allocation rounds down, the true-up takes the rest).
    #[must_use]
    pub fn of(self, total: u64) -> u64 {
        let pre = |pct: u32| (u128::from(total) * u128::from(pct.min(100)) / 100) as u64;
        match self {
            CreditPart::Whole => total,
            CreditPart::Pre(pct) => pre(pct),
            CreditPart::TrueUp(pct) => total - pre(pct),
        }
    }
}

/// A credit due: which part of which vintage's allocation, to which cycle's entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueCredit {
    /// The vintage's index in the timeline.
    pub vintage: usize,
    /// The cycle's index in the timeline.
    pub cycle: usize,
    /// Which part.
    pub part: CreditPart,
}

/// The timeline's dated events not yet handed out.
#[derive(Debug, Clone)]
pub struct Agenda {
    credits: Vec<(NaiveDate, DueCredit)>,
    listings: Vec<(NaiveDate, usize)>,
    deadlines: Vec<DueDeadline>,
    /// Banking caps: the day after whose settlement each applies, and its cycle.
    caps: Vec<(NaiveDate, usize)>,
    next: [usize; 4],
    /// The timeline's listed weekday closures, sorted, for the day after a calendar's end.
    closures: Vec<NaiveDate>,
    /// The latest day asked about before an open.
    seen: Option<NaiveDate>,
}

impl Agenda {
    /// Every event of `timeline`, none handed out yet.
    #[must_use]
    pub fn new(timeline: &Timeline) -> Self {
        let vintages = timeline.spec().vintages.values().enumerate();
        let mut credits = Vec::new();
        for (vintage, v) in vintages.clone() {
            for (cycle, c) in timeline.spec().cycles.values().enumerate() {
                if !v.years.iter().any(|y| c.years.contains(y)) {
                    continue;
                }
                let due = |part| DueCredit {
                    vintage,
                    cycle,
                    part,
                };
                let on = c.credited.unwrap_or(v.credited);
                match &c.pre_allocation {
                    Some(p) => {
                        credits.push((on, due(CreditPart::Pre(p.share_pct))));
                        credits.push((p.true_up, due(CreditPart::TrueUp(p.share_pct))));
                    }
                    None => credits.push((on, due(CreditPart::Whole))),
                }
            }
        }
        let mut listings: Vec<_> = vintages.map(|(i, v)| (v.listed, i)).collect();
        // Stable sorts: events of one date keep the timeline's order.
        credits.sort_by_key(|e| e.0);
        listings.sort_by_key(|e| e.0);
        let mut deadlines = Vec::new();
        for (cycle, (cycle_name, c)) in timeline.spec().cycles.iter().enumerate() {
            let count = c.deadlines.len();
            for (i, (name, d)) in c.deadlines.iter().enumerate() {
                deadlines.push(DueDeadline {
                    cycle,
                    cycle_name: cycle_name.clone(),
                    name: name.clone(),
                    date: d.date,
                    share_pct: d.share_pct,
                    share_of: d.share_of,
                    is_final: i + 1 == count,
                    announced: c.announced(d),
                });
            }
        }
        deadlines.sort_by_key(|d| d.date);
        let mut caps: Vec<(NaiveDate, usize)> = timeline
            .spec()
            .cycles
            .values()
            .enumerate()
            .filter_map(|(k, c)| c.banking.as_ref().map(|b| (b.void_after, k)))
            .collect();
        caps.sort_by_key(|c| c.0);
        let mut closures: Vec<NaiveDate> = timeline
            .spec()
            .calendar
            .years
            .values()
            .flat_map(|y| y.closures.iter().copied())
            .collect();
        closures.sort_unstable();
        Agenda {
            credits,
            listings,
            deadlines,
            caps,
            next: [0; 4],
            closures,
            seen: None,
        }
    }

    /// Credits due on or before `date` and not handed out yet.
    pub fn credit_due(&mut self, date: NaiveDate) -> Vec<DueCredit> {
        self.see(date);
        let start = self.next[0];
        let due: Vec<DueCredit> = self.credits[start..]
            .iter()
            .take_while(|e| e.0 <= date)
            .map(|e| e.1)
            .collect();
        self.next[0] = start + due.len();
        due
    }

    /// Vintages (by timeline index) listing on or before `date` and not handed out yet.
    pub fn list_due(&mut self, date: NaiveDate) -> Vec<usize> {
        self.see(date);
        take_through(&self.listings, &mut self.next[1], date)
    }

    /// Deadlines before `next` (the next trading day; `None` at the calendar's end: the next
    /// day the timeline's calendar would open after the latest day asked about, or every
    /// deadline left when none was asked about) not handed out yet, in date order.
    pub fn settle_due(&mut self, next: Option<NaiveDate>) -> Vec<DueDeadline> {
        let next = self.bound(next);
        let start = self.next[2];
        let end = start
            + self.deadlines[start..]
                .iter()
                .take_while(|d| next.is_none_or(|nx| d.date < nx))
                .count();
        self.next[2] = end;
        self.deadlines[start..end].to_vec()
    }

    /// Cycles whose banking cap applies before `next` (the next trading day; `None`: as for
    /// [`Agenda::settle_due`]), once each.
    pub fn caps_due(&mut self, next: Option<NaiveDate>) -> Vec<usize> {
        let next = self.bound(next);
        let start = self.next[3];
        let due: Vec<usize> = self.caps[start..]
            .iter()
            .take_while(|c| next.is_none_or(|nx| c.0 < nx))
            .map(|c| c.1)
            .collect();
        self.next[3] = start + due.len();
        due
    }

    /// Deadlines not settled yet, in date order.
    #[must_use]
    pub fn upcoming(&self) -> &[DueDeadline] {
        &self.deadlines[self.next[2]..]
    }
}

impl Agenda {
    fn see(&mut self, date: NaiveDate) {
        self.seen = Some(self.seen.map_or(date, |s| s.max(date)));
    }

    /// `next`, or at the calendar's end the first weekday after the latest day seen that the
    /// timeline does not close (`None` if no day was seen).
    fn bound(&self, next: Option<NaiveDate>) -> Option<NaiveDate> {
        next.or_else(|| {
            let seen = self.seen?;
            seen.iter_days().skip(1).find(|d| {
                !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                    && self.closures.binary_search(d).is_err()
            })
        })
    }
}

fn take_through(events: &[(NaiveDate, usize)], next: &mut usize, date: NaiveDate) -> Vec<usize> {
    let start = *next;
    let due: Vec<usize> = events[start..]
        .iter()
        .take_while(|e| e.0 <= date)
        .map(|e| e.1)
        .collect();
    *next = start + due.len();
    due
}
