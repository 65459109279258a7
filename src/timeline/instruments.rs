//! The instruments of a capped market (the 2025 Opinions: absolute caps from 2027, free plus
//! paid allocation and an allowance reserve by 2030) as timeline data, and their rules. None is
//! published yet: every value is a scenario's assumption, and the published timeline has none.
//!
//! - A **cap** fixes the allowances of a group of sectors for each year from `first_year`:
//!   `cap(y) = first_year_t · (1 − linear_reduction_bp/10,000 · (y − first_year))`, at least 0.
//!   Free allocation is scaled to the cap less the auctioned share.
//! - An **auction plan** sells a share of a cap through the exchange's single-direction auction
//!   on a schedule, with a reserve price; what is not sold goes to the reserve or is cancelled.
//! - The **reserve** takes in or releases allowances on quantity triggers (the bank left after a
//!   year's surrender, as the EU's market stability reserve) or on price triggers, and cancels
//!   what it holds above a ceiling.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::load::TimelineError;
use super::spec::{Sector, TimelineSpec};
use crate::units::Price;

/// The capped market's instruments; all empty by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentsSpec {
    /// Absolute caps by name.
    #[serde(default)]
    pub caps: IndexMap<String, CapSpec>,
    /// Auction plans by name, each selling a share of one cap.
    #[serde(default)]
    pub auctions: IndexMap<String, AuctionPlanSpec>,
    /// The allowance reserve, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve: Option<ReserveSpec>,
}

impl InstrumentsSpec {
    /// No cap, auction or reserve.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.auctions.is_empty() && self.reserve.is_none()
    }
}

/// An absolute cap on the allowances of a group of sectors, year by year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapSpec {
    /// The sectors capped: exactly the sectors of the cycles it caps.
    pub sectors: Vec<Sector>,
    /// The first capped emission year.
    pub first_year: u16,
    /// The first year's cap, t.
    pub first_year_t: u64,
    /// The linear reduction factor: the cap falls each year by this share of the first year's
    /// cap, basis points.
    #[serde(default)]
    pub linear_reduction_bp: u32,
    /// Where the figures come from.
    pub source: String,
    /// Set when a figure is an assumption.
    #[serde(default)]
    pub assumption: bool,
}

impl CapSpec {
    /// The cap of `year`, t, or `None` before the first capped year.
    #[must_use]
    pub fn cap_t(&self, year: u16) -> Option<u64> {
        let after = u128::from(year.checked_sub(self.first_year)?);
        let cut = u128::from(self.linear_reduction_bp) * after;
        let kept = 10_000_u128.saturating_sub(cut);
        u64::try_from(u128::from(self.first_year_t) * kept / 10_000).ok()
    }
}

/// Where allowances an auction did not sell go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unsold {
    /// Into the allowance reserve.
    Reserve,
    /// Cancelled.
    Cancel,
    /// Carried to the plan's later auctions of the year (what a run reports for every auction
    /// but the year's last; not a choice a plan makes).
    Carried,
}

/// Auctions of a share of one cap's allowances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuctionPlanSpec {
    /// The cap whose allowances are sold.
    pub cap: String,
    /// The share of each year's cap auctioned, percent, by emission year (`"2028" = 5`); a
    /// capped year not listed is allocated free in full.
    pub share_pct: IndexMap<String, u32>,
    /// The months of the year after the emission year (the compliance year) in which an auction
    /// is held, on the month's first trading day once the vintage is credited and listed; what
    /// is left is spread evenly over the auctions left, an auction's unsold volume carried to
    /// the next.
    pub months: Vec<u32>,
    /// The lowest price accepted.
    pub reserve_price: Price,
    /// Where what the year's last auction did not sell goes: `reserve` or `cancel`.
    pub unsold: Unsold,
    /// Where the rule comes from.
    pub source: String,
    /// Set when a part of the rule is an assumption.
    #[serde(default)]
    pub assumption: bool,
}

impl AuctionPlanSpec {
    /// The share of `year`'s cap auctioned, percent.
    #[must_use]
    pub fn share_of_year(&self, year: u16) -> u32 {
        self.share_pct.get(&year.to_string()).copied().unwrap_or(0)
    }
}

/// When the reserve takes in or releases allowances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ReserveTrigger {
    /// On the market's bank (every allowance the covered entities hold, less the shortfalls
    /// they still owe) right after each year's final deadlines: above `intake_above_t` the reserve takes `intake_pct` % of it
    /// from the next year's auctions; below `release_below_t` it releases up to `release_t`
    /// into them.
    Quantity {
        /// The bank above which allowances are taken in, t.
        intake_above_t: u64,
        /// The share of the bank taken in, percent.
        intake_pct: u32,
        /// The bank below which allowances are released, t.
        release_below_t: u64,
        /// The most released at once, t.
        release_t: u64,
    },
    /// On the average close over the `window_days` trading days before each auction: above
    /// `ceiling` the reserve releases up to `release_t` into that auction; below `floor` the
    /// auction is withheld and its allowances go to the reserve.
    Price {
        /// The price below which an auction is withheld.
        floor: Price,
        /// The price above which allowances are released.
        ceiling: Price,
        /// The most released at once, t.
        release_t: u64,
        /// The trading days averaged.
        window_days: u32,
    },
}

/// The allowance reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveSpec {
    /// When it acts.
    pub trigger: ReserveTrigger,
    /// What it may hold after each intake; above this its holdings are cancelled ("idle
    /// allowances" cancelled), t. Without it nothing is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_above_t: Option<u64>,
    /// Where the rule comes from.
    pub source: String,
    /// Set when a part of the rule is an assumption.
    #[serde(default)]
    pub assumption: bool,
}

type Bad<'a> = dyn Fn(&str, &dyn std::fmt::Display, &str) -> TimelineError + 'a;

/// Checks the instruments against the timeline: each cap caps some annual cycle of exactly its
/// sectors and has a cap for every year, each auction names a cap with shares and months in
/// range, and the reserve's thresholds are ordered.
pub(crate) fn check(t: &TimelineSpec, bad: &Bad<'_>) -> Result<(), TimelineError> {
    for (name, cap) in &t.instruments.caps {
        check_cap(t, name, cap, bad)?;
    }
    for (name, plan) in &t.instruments.auctions {
        check_auction(t, name, plan, bad)?;
    }
    if let Some(r) = &t.instruments.reserve {
        check_reserve(r, bad)?;
    }
    Ok(())
}

fn check_cap(
    t: &TimelineSpec,
    name: &str,
    cap: &CapSpec,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    let field = |f: &str| format!("instruments.caps.{name}.{f}");
    if cap.first_year_t == 0 {
        return Err(bad(&field("first_year_t"), &0, "must be more than 0"));
    }
    if cap.linear_reduction_bp > 10_000 {
        return Err(bad(
            &field("linear_reduction_bp"),
            &cap.linear_reduction_bp,
            "must be at most 10000",
        ));
    }
    if cap.source.trim().is_empty() {
        return Err(bad(&field("source"), &"\"\"", "must not be empty"));
    }
    let capped: Vec<_> = t
        .cycles
        .iter()
        .filter(|(_, c)| same_sectors(&c.sectors, &cap.sectors))
        .filter(|(_, c)| c.years.iter().any(|y| *y >= cap.first_year))
        .collect();
    if capped.is_empty() {
        return Err(bad(
            &field("sectors"),
            &format!("{:?}", cap.sectors),
            "cap no cycle of exactly these sectors from first_year on",
        ));
    }
    if let Some((cycle, _)) = capped.iter().find(|(_, c)| c.years.len() != 1) {
        return Err(bad(
            &field("first_year"),
            &cap.first_year,
            &format!(
                "caps cycle {cycle}, which covers several years: only annual cycles can be capped"
            ),
        ));
    }
    Ok(())
}

fn check_auction(
    t: &TimelineSpec,
    name: &str,
    plan: &AuctionPlanSpec,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    let field = |f: &str| format!("instruments.auctions.{name}.{f}");
    if !t.instruments.caps.contains_key(&plan.cap) {
        return Err(bad(
            &field("cap"),
            &plan.cap,
            "names no cap of instruments.caps",
        ));
    }
    if t.instruments
        .auctions
        .values()
        .filter(|p| p.cap == plan.cap)
        .count()
        > 1
    {
        return Err(bad(
            &field("cap"),
            &plan.cap,
            "is auctioned by another plan too",
        ));
    }
    for (year, pct) in &plan.share_pct {
        if year.parse::<u16>().is_err() {
            return Err(bad(
                &field("share_pct"),
                year,
                "must be keyed by emission year",
            ));
        }
        if *pct > 100 {
            return Err(bad(
                &field(&format!("share_pct.{year}")),
                pct,
                "must be at most 100",
            ));
        }
    }
    let ordered = plan.months.windows(2).all(|w| w[0] < w[1]);
    if plan.months.is_empty() || !ordered || plan.months.iter().any(|m| !(1..=12).contains(m)) {
        return Err(bad(
            &field("months"),
            &format!("{:?}", plan.months),
            "must be months 1-12 in increasing order, at least one",
        ));
    }
    if plan.unsold == Unsold::Carried {
        return Err(bad(
            &field("unsold"),
            &"carried",
            "must be reserve or cancel",
        ));
    }
    if plan.reserve_price <= Price::ZERO {
        return Err(bad(
            &field("reserve_price"),
            &plan.reserve_price,
            "must be more than 0",
        ));
    }
    if plan.source.trim().is_empty() {
        return Err(bad(&field("source"), &"\"\"", "must not be empty"));
    }
    Ok(())
}

fn check_reserve(r: &ReserveSpec, bad: &Bad<'_>) -> Result<(), TimelineError> {
    let field = |f: &str| format!("instruments.reserve.{f}");
    match &r.trigger {
        ReserveTrigger::Quantity {
            intake_above_t,
            intake_pct,
            release_below_t,
            ..
        } => {
            if *intake_pct > 100 {
                return Err(bad(&field("intake_pct"), intake_pct, "must be at most 100"));
            }
            if release_below_t >= intake_above_t {
                return Err(bad(
                    &field("release_below_t"),
                    release_below_t,
                    &format!("must be below intake_above_t ({intake_above_t})"),
                ));
            }
        }
        ReserveTrigger::Price {
            floor,
            ceiling,
            window_days,
            ..
        } => {
            if floor >= ceiling {
                return Err(bad(
                    &field("floor"),
                    floor,
                    &format!("must be below the ceiling ({ceiling})"),
                ));
            }
            if *window_days == 0 {
                return Err(bad(&field("window_days"), &0, "must be at least 1"));
            }
        }
    }
    if r.source.trim().is_empty() {
        return Err(bad(&field("source"), &"\"\"", "must not be empty"));
    }
    Ok(())
}

/// Whether two sector lists name the same sectors.
pub(crate) fn same_sectors(a: &[Sector], b: &[Sector]) -> bool {
    a.len() == b.len() && a.iter().all(|s| b.contains(s))
}

/// What a cap fixes for one annual cycle: the year's cap, split into the free allocation and
/// the auctioned part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleCap {
    /// The cap's name.
    pub cap: String,
    /// The emission year.
    pub year: u16,
    /// The year's cap, t.
    pub cap_t: u64,
    /// Allocated free, t: the cap less the auctioned part.
    pub free_t: u64,
    /// Auctioned, t: the plan's share of the cap, rounded down.
    pub auctioned_t: u64,
    /// The auction plan selling it, if any.
    pub auction: Option<String>,
}

impl super::Timeline {
    /// The cap on cycle `k`, if a cap covers its sectors and its (one) year.
    #[must_use]
    pub fn cycle_cap(&self, k: usize) -> Option<CycleCap> {
        let (_, cycle) = self.spec.cycles.get_index(k)?;
        let [year] = cycle.years[..] else {
            return None;
        };
        let instruments = &self.spec.instruments;
        let (name, cap) = instruments
            .caps
            .iter()
            .find(|(_, c)| same_sectors(&c.sectors, &cycle.sectors))?;
        let cap_t = cap.cap_t(year)?;
        let plan = instruments.auctions.iter().find(|(_, p)| p.cap == *name);
        let pct = plan.map_or(0, |(_, p)| p.share_of_year(year));
        let auctioned_t = u64::try_from(u128::from(cap_t) * u128::from(pct) / 100).unwrap_or(0);
        Some(CycleCap {
            cap: name.clone(),
            year,
            cap_t,
            free_t: cap_t - auctioned_t,
            auctioned_t,
            auction: plan.filter(|_| pct > 0).map(|(n, _)| n.clone()),
        })
    }
}

impl InstrumentsSpec {
    /// The caps, auction plans and reserve as text, each with its source; empty without any.
    #[must_use]
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mark = |a: bool| if a { " (assumption)" } else { "" };
        let mut out = String::new();
        for (name, c) in &self.caps {
            let _ = writeln!(
                out,
                "cap {name}: {:?} from {}: {} t, less {} bp of it a year; {}{}",
                c.sectors,
                c.first_year,
                c.first_year_t,
                c.linear_reduction_bp,
                c.source,
                mark(c.assumption)
            );
        }
        for (name, p) in &self.auctions {
            let shares: Vec<String> = p
                .share_pct
                .iter()
                .map(|(y, s)| format!("{y}: {s} %"))
                .collect();
            let _ = writeln!(
                out,
                "auctions {name}: of cap {}, {} in months {:?} of the compliance year, reserve price {}, the last unsold to {:?}; {}{}",
                p.cap,
                shares.join(", "),
                p.months,
                p.reserve_price,
                p.unsold,
                p.source,
                mark(p.assumption)
            );
        }
        if let Some(r) = &self.reserve {
            let _ = writeln!(
                out,
                "reserve: {:?}, cancelling above {:?} t; {}{}",
                r.trigger,
                r.cancel_above_t,
                r.source,
                mark(r.assumption)
            );
        }
        out
    }
}
