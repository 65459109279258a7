//! The market's policy timeline as data: compliance cycles with their deadlines, allocation,
//! offsets, borrowing and penalty rules; allowance vintages with their credit and listing dates;
//! the trading calendar beyond the embedded exchange days. Every entry carries its source.
//!
//! The published timeline is embedded from `data/policy/national_ets.toml`; a scenario's
//! `[policy]` section is merged over it table by table ([`Timeline::with_overrides`]), so any
//! rule can change without code. Both runners drive their market through one [`Agenda`]: what is
//! credited and listed before a day's open, which deadlines are settled after its close.
//!
//! Layering: the timeline sits above `compliance`, `calendar` and `registry` (it builds their
//! rule and calendar values) and below `scenario`, which runs it.

mod agenda;
mod describe;
mod instruments;
mod load;
mod spec;
mod validate;

use chrono::NaiveDate;

use crate::calendar::{CalendarError, TradingCalendar};
use crate::compliance::allocation::Benchmarks;
use crate::compliance::cycle::{BorrowingRule, CycleRules, InterimDeadline};

pub use agenda::{Agenda, CreditPart, DueCredit, DueDeadline};
pub use instruments::{
    AuctionPlanSpec, CapSpec, CycleCap, InstrumentsSpec, ReserveSpec, ReserveTrigger, Unsold,
};
pub use load::{EMBEDDED_NAME, TimelineError};
pub use spec::{
    AllocationSpec, BankingCap, BankingDraft, BorrowingSpec, CalendarSpec, CalendarYear, Coverage,
    CycleSpec, DeadlineSpec, OffsetSpec, PenaltySpec, PlanSpec, PreAllocation, Sector, ShareOf,
    ShortBeforeTrading, TimelineSpec, VintageSpec,
};

/// A validated policy timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    spec: TimelineSpec,
    /// The overridden fields, as dotted paths with their new values, in the order written.
    overrides: Vec<(String, String)>,
}

impl Timeline {
    /// The published timeline, embedded in the crate.
    ///
    /// # Errors
    /// Only if the embedded file were broken (a test reads it).
    pub fn published() -> Result<Self, TimelineError> {
        Self::build(EMBEDDED_NAME, load::embedded_table()?)
    }

    /// The published timeline with `overrides` (a partial timeline: tables merge key by key,
    /// other values replace) merged over it; `origin` names the overrides in errors.
    ///
    /// # Errors
    /// [`TimelineError`] naming `origin`, the field and the value; nothing is built.
    pub fn with_overrides(overrides: &toml::Table, origin: &str) -> Result<Self, TimelineError> {
        let mut table = load::embedded_table()?;
        load::merge(&mut table, overrides);
        let mut timeline = Self::build(origin, table)?;
        load::leaves("", overrides, &mut timeline.overrides);
        Ok(timeline)
    }

    /// A whole timeline from TOML text (a file of the embedded file's format).
    ///
    /// # Errors
    /// [`TimelineError`] naming `file`, the field and the value.
    pub fn from_toml_str(file: &str, text: &str) -> Result<Self, TimelineError> {
        Self::build(file, load::parse_table(file, text)?)
    }

    fn build(file: &str, table: toml::Table) -> Result<Self, TimelineError> {
        let spec = load::to_spec(file, table)?;
        validate::check(file, &spec)?;
        Ok(Timeline {
            spec,
            overrides: Vec::new(),
        })
    }

    /// The fields a scenario changed, as dotted paths with their new values.
    #[must_use]
    pub fn overrides(&self) -> &[(String, String)] {
        &self.overrides
    }

    /// The timeline as written.
    #[must_use]
    pub fn spec(&self) -> &TimelineSpec {
        &self.spec
    }

    /// The market's first trading day: the first vintage's listing.
    #[must_use]
    pub fn market_open(&self) -> NaiveDate {
        self.spec
            .vintages
            .values()
            .map(|v| v.listed)
            .next()
            .unwrap_or(NaiveDate::MIN)
    }

    /// The last day the timeline's calendar covers (embedded days, then listed years).
    #[must_use]
    pub fn calendar_end(&self) -> NaiveDate {
        validate::coverage_end(&self.spec)
    }

    /// The trading calendar from the market's opening to `through`: the embedded exchange days,
    /// then weekdays less each later year's listed closures (weekdays only past the last listed
    /// year).
    ///
    /// # Errors
    /// [`CalendarError`] if the embedded closures are malformed.
    pub fn calendar(&self, through: NaiveDate) -> Result<TradingCalendar, CalendarError> {
        let mut cal = TradingCalendar::sse_2021_2023()?;
        if through > cal.last() {
            let closures = self
                .spec
                .calendar
                .years
                .values()
                .flat_map(|y| y.closures.iter());
            cal.extend(through, closures.copied().filter(|d| *d <= through))?;
        }
        Ok(cal)
    }

    /// The code of the vintage holding `year`'s allowances.
    #[must_use]
    pub fn vintage_of_year(&self, year: u16) -> Option<&str> {
        self.spec
            .vintages
            .iter()
            .find(|(_, v)| v.years.contains(&year))
            .map(|(code, _)| code.as_str())
    }

    /// The index of the first cycle covering `year` (power's, where the industrial sectors have
    /// a cycle of the same year beside it: see [`Timeline::cycle_of_year_for`]).
    #[must_use]
    pub fn cycle_of_year(&self, year: u16) -> Option<usize> {
        self.spec
            .cycles
            .values()
            .position(|c| c.years.contains(&year))
    }

    /// Cycle `k`'s final deadline, if the cycle exists.
    #[must_use]
    pub fn final_deadline(&self, k: usize) -> Option<NaiveDate> {
        self.spec
            .cycles
            .get_index(k)
            .map(|(_, c)| final_deadline(c))
    }

    /// The index of the cycle covering `year` for `sector` (validation allows at most one).
    #[must_use]
    pub fn cycle_of_year_for(&self, year: u16, sector: Sector) -> Option<usize> {
        self.spec
            .cycles
            .values()
            .position(|c| c.years.contains(&year) && c.sectors.contains(&sector))
    }

    /// The indices of every cycle covering `year`, one per group of sectors, in timeline order.
    #[must_use]
    pub fn cycles_of_year(&self, year: u16) -> Vec<usize> {
        let cycles = self.spec.cycles.values().enumerate();
        cycles
            .filter(|(_, c)| c.years.contains(&year))
            .map(|(k, _)| k)
            .collect()
    }

    /// The cycle in force on `date`: the first whose final deadline is on or after it (the last
    /// cycle once every deadline has passed).
    #[must_use]
    pub fn cycle_in_force(&self, date: NaiveDate) -> usize {
        let finals = self.spec.cycles.values().map(final_deadline);
        finals
            .clone()
            .position(|d| d >= date)
            .unwrap_or(finals.count().saturating_sub(1))
    }

    /// The compliance layer's rules for cycle `index` (by timeline order).
    #[must_use]
    pub fn cycle_rules(&self, index: usize) -> Option<CycleRules> {
        let (name, c) = self.spec.cycles.get_index(index)?;
        let interim = c
            .deadlines
            .values()
            .find(|d| d.share_of == ShareOf::Volume && d.share_pct < 100)
            .map(|d| InterimDeadline {
                date: d.date,
                share_pct: d.share_pct,
            });
        Some(CycleRules {
            name: name.clone(),
            deadline: final_deadline(c),
            interim,
            gas_exemption: c.gas_exemption,
            shortfall_cap_pct: c.shortfall_cap_pct,
            borrowing: c.borrowing.as_ref().map(|b| BorrowingRule {
                gap_threshold_pct: b.gap_threshold_pct,
                max_share_pct: b.max_share_pct,
            }),
            offset_limit_pct: c.offsets.limit_pct,
            fine: c.penalty.fine(),
            fine_per_tonne: crate::units::Price::ZERO,
            deduct_shortfall: c.penalty.deducts_shortfall(),
        })
    }

    /// The benchmarks cycle `index` allocates `year` with, when it allocates by benchmark.
    #[must_use]
    pub fn benchmarks(&self, index: usize, year: u16) -> Option<&Benchmarks> {
        match &self.spec.cycles.get_index(index)?.1.allocation {
            AllocationSpec::Benchmark { benchmarks, .. } => benchmarks.get(&year.to_string()),
            AllocationSpec::Grandfathering { .. } | AllocationSpec::Intensity { .. } => None,
        }
    }
}

/// A cycle's final deadline (validation guarantees it is the last).
pub(super) fn final_deadline(c: &CycleSpec) -> NaiveDate {
    c.deadlines
        .values()
        .last()
        .map_or(NaiveDate::MAX, |d| d.date)
}

#[cfg(test)]
pub(crate) mod tests;
