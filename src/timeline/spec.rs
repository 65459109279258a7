//! The policy timeline's file format: every rule and date of the market as serde data, each
//! entry with its source (or marked an assumption). [`super::Timeline`] validates it and answers
//! the runners' questions; this file only says what can be written.
//!
//! Cycles and vintages are tables keyed by name, so a scenario file overrides one field of one
//! cycle with a dotted path (`policy.cycles.2019-2020.offsets.limit_pct = 10`).

use chrono::NaiveDate;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::instruments::InstrumentsSpec;
use crate::compliance::allocation::Benchmarks;
pub use crate::compliance::sector::Sector;
use crate::registry::CcerRules;
use crate::units::{Money, Price};

/// The whole timeline as written in `data/policy/*.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineSpec {
    /// A title for tables and reports.
    pub name: String,
    /// The trading calendar: the embedded exchange days, then official holidays.
    pub calendar: CalendarSpec,
    /// Allowance vintages by subject code, in listing order.
    pub vintages: IndexMap<String, VintageSpec>,
    /// Compliance cycles by name, in date order.
    pub cycles: IndexMap<String, CycleSpec>,
    /// The capped market's caps, auctions and reserve (none in the published timeline).
    #[serde(default, skip_serializing_if = "InstrumentsSpec::is_empty")]
    pub instruments: InstrumentsSpec,
}

/// Trading days: the exchange's own published days up to `embedded_through`, then weekdays
/// less the closures of each later year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// The last day of the embedded exchange calendar.
    pub embedded_through: NaiveDate,
    /// Where the embedded days come from.
    pub source: String,
    /// Weekday closures of later years, keyed by year (`"2024"`).
    #[serde(default)]
    pub years: IndexMap<String, CalendarYear>,
}

/// One later year's weekday closures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    /// Weekdays on which the exchange is closed (public holidays; weekend make-up working days
    /// never trade, so they are not listed).
    pub closures: Vec<NaiveDate>,
    /// The holiday notice.
    pub source: String,
    /// Set when the closures are projected (no notice published yet) rather than published.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assumption: bool,
}

/// An allowance vintage: a registry subject that lists on the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VintageSpec {
    /// Emission years whose allowances it holds.
    pub years: Vec<u16>,
    /// The day its allocation is credited to the covered entities (before that day's open).
    pub credited: NaiveDate,
    /// The day it starts trading.
    pub listed: NaiveDate,
    /// The reference price the exchange set for its first day, which the replay lists it at
    /// (required for the first vintage, which opens the market). An agent-based run lists a later
    /// vintage at its own market's previous composite close instead, since its prices are its own.
    #[serde(default)]
    pub reference_price: Option<Price>,
    /// Where the dates come from.
    pub source: String,
    /// Set when a date is a documented assumption rather than a published fact.
    #[serde(default)]
    pub assumption: bool,
}

/// One compliance cycle: who is covered, how they are allocated, when they surrender and the
/// rules in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleSpec {
    /// Emission years covered.
    pub years: Vec<u16>,
    /// Covered sectors.
    pub sectors: Vec<Sector>,
    /// The covered fleet's published size, from which the synthetic fleet is drawn.
    pub coverage: Coverage,
    /// How allowances are allocated.
    pub allocation: AllocationSpec,
    /// A part of each vintage's allocation credited first, the rest at a true-up; without it the
    /// whole allocation is credited on the vintage's credit date.
    #[serde(default)]
    pub pre_allocation: Option<PreAllocation>,
    /// When the allocation plan (its draft, where the final kept the draft's benchmarks) was
    /// published; without it the entities learn their allocation from the first credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSpec>,
    /// The day this cycle's allocation is credited when it differs from its vintages' credit
    /// date (a sector that joins later than the vintage was first credited to others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credited: Option<NaiveDate>,
    /// Allowance vintages that count towards the obligation, in surrender order.
    pub eligible_vintages: Vec<String>,
    /// Deadlines by name, in date order; exactly one, the last, requires 100 % of the volume.
    pub deadlines: IndexMap<String, DeadlineSpec>,
    /// A gas unit's obligation is capped at its free allocation.
    pub gas_exemption: bool,
    /// An entity's gap is capped at this share of its verified emissions, percent.
    pub shortfall_cap_pct: u32,
    /// CCER offsets.
    pub offsets: OffsetSpec,
    /// Borrowing from the next vintage, if allowed.
    #[serde(default)]
    pub borrowing: Option<BorrowingSpec>,
    /// A cap on what may be banked past the cycle; without it banking is unlimited.
    #[serde(default)]
    pub banking: Option<BankingCap>,
    /// The penalty for a shortfall at the final deadline.
    pub penalty: PenaltySpec,
    /// Where the cycle's rules come from.
    pub source: String,
}

/// The published size of a cycle's covered fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Covered entities.
    pub entities: u32,
    /// Verified emissions per year, t CO2.
    pub annual_emissions_t: u64,
    /// The fleet's random stream: the run's seed XOR this salt, so each cycle draws its own
    /// fleet and a given seed draws the same fleets in every version.
    #[serde(default)]
    pub seed_salt: u64,
    /// Where the figures come from.
    pub source: String,
    /// The published count of entities short before trading and their gross gap, when known:
    /// the synthetic fleet is then drawn to match both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_before_trading: Option<ShortBeforeTrading>,
}

/// How many entities of a cycle were short before trading, and by how much in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortBeforeTrading {
    /// Entities whose allocation fell short of their verified emissions.
    pub entities: u32,
    /// Their shortfalls added up, t CO2.
    pub gross_gap_t: u64,
    /// Where the figures come from.
    pub source: String,
}

/// Pre-allocation and true-up: `share_pct` % of the allocation on each vintage's credit date,
/// the rest on `true_up`. (The plans base the pre-allocation on the previous year's figures; the
/// model takes the share of the final allocation, so the true-up is never negative.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreAllocation {
    /// Share credited first, percent.
    pub share_pct: u32,
    /// When the rest is credited.
    pub true_up: NaiveDate,
    /// Where the rule comes from.
    pub source: String,
}

/// The publication of a cycle's allocation plan: from `published` on, an entity can compute
/// its allocation from its own output, before any of it is credited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// The day the plan (or its draft) was published.
    pub published: NaiveDate,
    /// Where the date comes from.
    pub source: String,
}

/// How a cycle's allowances are allocated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AllocationSpec {
    /// Output times a benchmark intensity per unit class, with correction factors.
    Benchmark {
        /// Benchmarks per emission year (`"2021"`), one for every covered year.
        benchmarks: IndexMap<String, Benchmarks>,
        /// Where the benchmark values come from.
        source: String,
    },
    /// A share of each entity's verified emissions (the industrial sectors' first year).
    Grandfathering {
        /// Allocation as a share of verified emissions, percent.
        share_pct: u32,
        /// Where the rule comes from.
        source: String,
    },
    /// Output times each sector's intensity benchmark, the benchmark set where the sector's
    /// fleet balances ("surplus balance"), then tightened by `tightening_bp` (the industrial
    /// sectors from 2025; see [`crate::compliance::intensity`]).
    Intensity {
        /// How much tighter than the balance value, basis points.
        tightening_bp: u32,
        /// Where the rule comes from.
        source: String,
    },
}

/// Who must have covered how much by a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareOf {
    /// Each entity must have covered `share_pct` % of its obligation; the shortfall is fined.
    Volume,
    /// `share_pct` % of entities must have covered all of their obligation: each entity
    /// surrenders what it can, and nothing is fined until the final deadline.
    Entities,
}

/// One deadline of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineSpec {
    /// The date; it is settled after the close of the last trading day on or before it.
    pub date: NaiveDate,
    /// Percent of the volume, or of the entities, due.
    pub share_pct: u32,
    /// What the share counts.
    #[serde(default = "volume")]
    pub share_of: ShareOf,
    /// The day the notice that set it was published, when that is not the cycle's plan
    /// (without it the plan's publication date: [`CycleSpec::announced`]): the firms plan
    /// their buying within the time from this day to the deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<NaiveDate>,
    /// The notice that set it.
    pub source: String,
}

fn volume() -> ShareOf {
    ShareOf::Volume
}

/// CCER offsets in a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffsetSpec {
    /// Offsets as a share of the obligation, percent.
    pub limit_pct: u32,
    /// Credits eligible, by the rules they were issued under.
    pub eligible: Vec<CcerRules>,
    /// Where the limit comes from.
    pub source: String,
}

/// Borrowing from the next vintage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BorrowingSpec {
    /// Borrowing is open when the gap exceeds this share of the allocation, percent.
    pub gap_threshold_pct: u32,
    /// The most that may be borrowed, as a share of the gap, percent.
    pub max_share_pct: u32,
    /// Where the rule comes from.
    pub source: String,
}

/// The banking cap (配额结转): after `void_after`, an entity keeps at most `base_t` plus
/// `net_sales_multiple` × its net sales of allowances since `sales_from` of the capped
/// vintages; the surplus loses validity (is cancelled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankingCap {
    /// What any entity may keep, t.
    pub base_t: u64,
    /// Multiple of its net sales (sold less bought, if positive) it may keep besides.
    pub net_sales_multiple: rust_decimal::Decimal,
    /// Net sales count from this day.
    pub sales_from: NaiveDate,
    /// The cap applies after this day's settlement.
    pub void_after: NaiveDate,
    /// The vintages capped, cancelled in this order.
    pub vintages: Vec<String>,
    /// Cycles whose final deadline an entity must meet in full to carry anything over: an
    /// entity short at any of them keeps nothing of the capped vintages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forfeit_if_short: Vec<String>,
    /// The day the cap was announced: from then on the entities know what they may keep (and
    /// sell what they may not); without it, from the cycle's first credit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<NaiveDate>,
    /// A draft of the rule published before `announced`: from its day the entities plan by it
    /// until the final rule replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<BankingDraft>,
    /// Where the rule comes from.
    pub source: String,
}

/// A banking cap's draft: what an entity may keep differs from the final rule only in the base
/// (the multiple, window and vintages are the final's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankingDraft {
    /// The day the draft was published.
    pub published: NaiveDate,
    /// What any entity may keep under the draft, t.
    pub base_t: u64,
    /// Where the draft comes from.
    pub source: String,
}

/// The penalty for a shortfall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PenaltySpec {
    /// A flat fine per entity short, and optionally the shortfall deducted from the next
    /// allocation (the 2021 Measures).
    FlatFine {
        /// The fine.
        fine: Money,
        /// Whether the unpaid shortfall comes off the next allocation.
        deduct_shortfall: bool,
        /// Where the rule comes from.
        source: String,
        /// Set when a part of the rule is an assumption.
        #[serde(default)]
        assumption: bool,
    },
    /// A fine of `multiple` × the market's average price over the month before the deadline on
    /// each tonne short, and optionally the shortfall deducted from the next allocation (the 2024
    /// Interim Regulations, Art. 24: 5 to 10 times).
    PriceMultiple {
        /// The multiple of the reference price per tonne short.
        multiple: rust_decimal::Decimal,
        /// Whether the unpaid shortfall comes off the next allocation.
        deduct_shortfall: bool,
        /// Where the rule comes from.
        source: String,
        /// Set when a part of the rule is an assumption.
        #[serde(default)]
        assumption: bool,
    },
}

impl CycleSpec {
    /// The day `deadline` was made known: its own notice's date, else the cycle's plan's,
    /// else none (the firms then plan for it without a lead).
    #[must_use]
    pub fn announced(&self, deadline: &DeadlineSpec) -> Option<NaiveDate> {
        deadline
            .announced
            .or_else(|| self.plan.as_ref().map(|p| p.published))
    }
}

impl PenaltySpec {
    /// The fine per entity short.
    #[must_use]
    pub fn fine(&self) -> Money {
        match self {
            PenaltySpec::FlatFine { fine, .. } => *fine,
            PenaltySpec::PriceMultiple { .. } => Money::ZERO,
        }
    }

    /// The multiple of the reference price fined per tonne short, under a price-multiple rule.
    #[must_use]
    pub fn multiple(&self) -> Option<rust_decimal::Decimal> {
        match self {
            PenaltySpec::FlatFine { .. } => None,
            PenaltySpec::PriceMultiple { multiple, .. } => Some(*multiple),
        }
    }

    /// Where the rule comes from, and whether part of it is an assumption.
    #[must_use]
    pub fn source(&self) -> (&str, bool) {
        match self {
            PenaltySpec::FlatFine {
                source, assumption, ..
            }
            | PenaltySpec::PriceMultiple {
                source, assumption, ..
            } => (source, *assumption),
        }
    }

    /// Whether an unpaid shortfall is deducted from the next allocation.
    #[must_use]
    pub fn deducts_shortfall(&self) -> bool {
        match self {
            PenaltySpec::FlatFine {
                deduct_shortfall, ..
            }
            | PenaltySpec::PriceMultiple {
                deduct_shortfall, ..
            } => *deduct_shortfall,
        }
    }
}
