//! The historical replay: every published trading day from the market's opening on 2021-07-16
//! to 2023-12-29 replayed through the exchange, book and registry by seeded covered entities, so
//! that the simulated market can be set beside the published one.
//!
//! The published policy timeline ([`crate::timeline`]) drives it: the entities of each cycle
//! (2,162, then 2,257) are drawn to its coverage, each vintage is credited and listed on its
//! dates, and each volume deadline is settled through the compliance rules after the close of the
//! last trading day on or before it. Each planned trade (see [`self::plan`]) is carried by a
//! seller drawn among the entities that hold the units (long entities first) and a buyer drawn
//! among those that can pay (short entities first): the seller rests a limit sell, the buyer takes
//! it with an immediate-or-cancel buy, and the exchange checks, freezes, matches and settles it
//! like any order. Block trades are a quote to the buyer, accepted in full.
//!
//! Two choices are the replay's own. Its carriers are drawn at random, not driven by deadlines,
//! so a target on the share of entities (the first cycle's 95 % by 2021-12-15) has nothing to
//! steer and is left to the agent-based run; the replay settles the volume deadlines. A replay
//! starting later lists each vintage at its published previous close, and settles the deadlines
//! before its first day (on the holdings as allocated, not reported) so that later cycles start
//! from what they owe.
//!
//! From 2023-08-28 each vintage subject is replayed from the per-vintage series. The composite
//! quote's formula (a weighted sum of the vintages' prices) is not published, so the replay does
//! not compute a composite price: it reports the composite's volumes and turnover (the sums of
//! the vintages, which the published series confirms) and leaves its price to the publisher.

mod carry;
mod day;
pub mod plan;
mod published;
pub mod report;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use self::carry::{Entities, Replay};
use self::plan::PlanError;
use self::published::Published;
use super::cycles::{self, Cycles, FleetDraw, SetUpError};
use crate::calendar::TimeOfDay;
use crate::compliance::cycle::{ComplianceError, ComplianceReport};
use crate::exchange::bars::DailyBar;
use crate::exchange::{Exchange, ExchangeConfig, ExchangeError};
use crate::history::{self, HistoryError};
use crate::registry::{Registry, RegistryConfig, RegistryError};
use crate::timeline::{ShareOf, Timeline, TimelineError};
use crate::units::{Money, Price, Quantity};

/// What to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Seed for the fleet and for who carries each trade.
    pub seed: u64,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            from: first_day(),
            to: last_day(),
            seed: 42,
        }
    }
}

/// The first published trading day.
fn first_day() -> NaiveDate {
    history::daily()
        .ok()
        .and_then(|d| d.first())
        .map_or(NaiveDate::MIN, |d| d.date)
}

/// The last published trading day.
fn last_day() -> NaiveDate {
    history::daily()
        .ok()
        .and_then(|d| d.last())
        .map_or(NaiveDate::MIN, |d| d.date)
}

/// A replay that cannot run or went wrong; nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScenarioError {
    /// The requested dates are outside the data or reversed.
    #[error("replay range {from}..={to} must lie within {first}..={last} with from <= to")]
    Range {
        /// Requested start.
        from: NaiveDate,
        /// Requested end.
        to: NaiveDate,
        /// First day of the data.
        first: NaiveDate,
        /// Last day of the data.
        last: NaiveDate,
    },
    /// The range holds no published trading day (only weekends or holidays).
    #[error("no trading day from {from} to {to}: the exchange was closed on all of them")]
    NoTradingDay {
        /// Requested start.
        from: NaiveDate,
        /// Requested end.
        to: NaiveDate,
    },
    /// The embedded data failed to parse.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The policy timeline is invalid or asks for what the replay cannot build.
    #[error(transparent)]
    Timeline(#[from] TimelineError),
    /// A day could not be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The exchange refused a step (a bug in the replay).
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The registry refused a step (a bug in the replay).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Compliance could not be settled.
    #[error(transparent)]
    Compliance(#[from] ComplianceError),
    /// No entity could carry a trade.
    #[error("{date}: no {role} can carry {quantity} t of {subject} at {price}")]
    NoCarrier {
        /// The day.
        date: NaiveDate,
        /// `seller` or `buyer`.
        role: &'static str,
        /// Subject code.
        subject: String,
        /// Price.
        price: Price,
        /// Quantity.
        quantity: Quantity,
    },
    /// The exchange rejected a replay order (a bug in the replay).
    #[error("{date}: the exchange rejected a replay order: {reason}")]
    Rejected {
        /// The day.
        date: NaiveDate,
        /// The rejection.
        reason: String,
    },
}

/// A day's figures, published or simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    /// Open.
    pub open: Option<Price>,
    /// High.
    pub high: Option<Price>,
    /// Low.
    pub low: Option<Price>,
    /// Close (none for the simulated composite after the vintage split).
    pub close: Option<Price>,
    /// Listed volume.
    pub listed_volume: Quantity,
    /// Listed turnover.
    pub listed_turnover: Money,
    /// Block volume.
    pub block_volume: Quantity,
    /// Block turnover.
    pub block_turnover: Money,
}

impl DayFigures {
    pub(crate) fn from_bar(bar: &DailyBar) -> Self {
        DayFigures {
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: Some(bar.close),
            listed_volume: bar.listed_volume,
            listed_turnover: bar.listed_turnover,
            block_volume: bar.block_volume,
            block_turnover: bar.block_turnover,
        }
    }
}

/// One subject-day, published beside simulated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayDay {
    /// The day.
    pub date: NaiveDate,
    /// `COMCEA` for the composite, or the vintage subject code.
    pub subject: String,
    /// As published.
    pub published: DayFigures,
    /// As simulated.
    pub simulated: DayFigures,
}

/// A compliance deadline's outcome, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceSummary {
    /// Cycle.
    pub cycle: String,
    /// Deadline settled.
    pub date: NaiveDate,
    /// Share due, percent.
    pub share_pct: u32,
    /// Entities.
    pub entities: usize,
    /// Entities with no shortfall.
    pub entities_complying: usize,
    /// Total obligation, t.
    #[serde(with = "crate::units::count")]
    pub obligation: Quantity,
    /// Surrendered, offset or borrowed, t.
    #[serde(with = "crate::units::count")]
    pub covered: Quantity,
    /// Total shortfall, t.
    #[serde(with = "crate::units::count")]
    pub shortfall: Quantity,
    /// Rate by volume, basis points.
    pub rate_by_volume_bp: u64,
    /// Rate by entities, basis points.
    pub rate_by_entities_bp: u64,
    /// Fines levied.
    pub fines: Money,
    /// For a deadline that counts entities (the first cycle's 95 % of entities by 2021-12-15):
    /// the share of entities to have surrendered in full, percent. Each entity then owes all of
    /// its obligation (`share_pct` 100) and nothing is fined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_target_pct: Option<u32>,
}

impl ComplianceSummary {
    pub(crate) fn of(r: &ComplianceReport) -> Self {
        ComplianceSummary {
            cycle: r.cycle.clone(),
            date: r.date,
            share_pct: r.share_pct,
            entities: r.entities.len(),
            entities_complying: r.entities_complying(),
            obligation: r.obligation(),
            covered: r.covered(),
            shortfall: r.shortfall(),
            rate_by_volume_bp: r.rate_by_volume_bp(),
            rate_by_entities_bp: r.rate_by_entities_bp(),
            fines: r.entities.iter().map(|e| e.fine).sum(),
            entity_target_pct: None,
        }
    }
}

/// The replay's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayResult {
    /// What was replayed.
    pub config: ReplayConfig,
    /// The composite market per day.
    pub composite: Vec<ReplayDay>,
    /// Each vintage subject per day from 2023-08-28.
    pub vintages: Vec<ReplayDay>,
    /// Compliance deadlines that fell inside the replay.
    pub compliance: Vec<ComplianceSummary>,
    /// Orders and quotes sent to the exchange.
    pub orders: u64,
    /// Trades settled.
    pub trades: u64,
}

/// Runs the replay.
///
/// # Errors
/// [`ScenarioError`] for a range outside the data, or if any step fails; nothing is written.
pub fn run(config: &ReplayConfig) -> Result<ReplayResult, ScenarioError> {
    let (first, last) = (first_day(), last_day());
    if config.from > config.to || config.from < first || config.to > last {
        return Err(ScenarioError::Range {
            from: config.from,
            to: config.to,
            first,
            last,
        });
    }
    let published = Published {
        composite: history::daily()?,
        vintages: history::by_vintage()?,
    };
    if !published
        .composite
        .iter()
        .any(|d| d.date >= config.from && d.date <= config.to)
    {
        return Err(ScenarioError::NoTradingDay {
            from: config.from,
            to: config.to,
        });
    }
    let mut run = set_up(config, &published)?;
    let mut out = ReplayResult {
        config: *config,
        composite: Vec::new(),
        vintages: Vec::new(),
        compliance: Vec::new(),
        orders: 0,
        trades: 0,
    };
    let days = published.composite.iter();
    for day in days.filter(|d| d.date >= config.from && d.date <= config.to) {
        run.day(day, &published, &mut out)?;
    }
    out.orders = run.replay.orders;
    out.trades = run.replay.trades;
    Ok(out)
}

/// The market on the morning of `config.from`: the published timeline's fleets with their cash,
/// the deadlines before the start settled, the vintages due credited, every vintage listed.
fn set_up(config: &ReplayConfig, published: &Published) -> Result<day::ReplayRun, ScenarioError> {
    // The replay reads no journal; keeping one would cost an event per freeze and trade.
    let mut reg = Registry::new(RegistryConfig {
        journal: false,
        ..RegistryConfig::default()
    });
    let draw = FleetDraw {
        seed: config.seed,
        firms: None,
        balance_bp: &[],
        reference: None,
        through: Some(config.to),
    };
    let mut cycles =
        Cycles::set_up(Timeline::published()?, &draw, &mut reg).map_err(set_up_error)?;
    // Cash: enough for each entity to buy a third of its emissions over its largest cycle at
    // 100 CNY/t.
    for (i, pos) in cycles.periods[cycles.largest].positions.iter().enumerate() {
        let cash = Price::from_fen(10_000) * Quantity::new(pos.emissions.units() / 3 + 1);
        reg.deposit_cash(cycles.accounts[i], cash)?;
    }
    for d in cycles.agenda.settle_due(Some(config.from)) {
        cycles.credit_due(&mut reg, d.date)?;
        if d.share_of == ShareOf::Volume {
            let reference = published.average_price(cycles::penalty_window(d.date));
            cycles.settle(&mut reg, &d, &[], reference)?;
        }
    }
    cycles.credit_due(&mut reg, config.from)?;
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023()?, reg);
    for (subject, code) in &cycles.vintages {
        let v = &cycles.timeline.spec().vintages[code.as_str()];
        // A vintage listing after the replay's last day never trades in it.
        if v.listed > config.to {
            continue;
        }
        let reference = if config.from <= v.listed {
            v.reference_price
        } else {
            published.previous_close(code, config.from)
        };
        let reference = reference.ok_or_else(|| ScenarioError::Rejected {
            date: config.from,
            reason: format!("no reference price for {code}"),
        })?;
        ex.list(*subject, code.as_str(), reference, v.listed, None)?;
    }
    let rules = &ex.config().rules;
    let listed_max = rules
        .listed
        .max_quantity_exclusive
        .unwrap_or(Quantity::new(100_000));
    let block_min = rules.block.min_quantity.unwrap_or(Quantity::new(100_000));
    // The published trades are the power sector's: the carriers are its entities.
    let power = cycles.groups.first().map_or(0, |g| g.first + g.len);
    let entities = Entities {
        accounts: cycles.accounts[..power].to_vec(),
        long: Vec::new(),
        short: Vec::new(),
    };
    Ok(day::ReplayRun {
        replay: Replay {
            ex,
            entities,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            events: Vec::new(),
            orders: 0,
            trades: 0,
            clock: TimeOfDay::MIDNIGHT,
        },
        cycles,
        pool_cycle: None,
        listed_max,
        block_min,
    })
}

fn set_up_error(e: SetUpError) -> ScenarioError {
    match e {
        SetUpError::Timeline(t) => ScenarioError::Timeline(t),
        SetUpError::Registry(r) => ScenarioError::Registry(r),
    }
}
