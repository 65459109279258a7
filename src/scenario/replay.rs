//! The historical replay: every trading day from 2021-07-16 to 2023-12-29 replayed through the
//! exchange, book and registry by seeded covered entities, so that the simulated market can be
//! set beside the published one.
//!
//! The entities of each compliance period (2,162, then 2,257) hold their benchmark allocations
//! and cash. Each planned trade (see [`super::plan`]) is carried by a seller drawn among the
//! entities that hold the units (long entities first) and a buyer drawn among those that can pay
//! (short entities first): the seller rests a limit sell, the buyer takes it with an
//! immediate-or-cancel buy, and the exchange checks, freezes, matches and settles it like any
//! order. Block trades are a quote to the buyer, accepted in full. The 2019–2020 cycle is
//! settled after the close of 2021-12-31 and the 2021–2022 cycle at 95 % after 2023-11-15 and in
//! full on 2023-12-31, through the compliance rules.
//!
//! From 2023-08-28 each vintage subject is replayed from the per-vintage series. The composite
//! quote's formula (a weighted sum of the vintages' prices) is not published, so the replay does
//! not compute a composite price: it reports the composite's volumes and turnover (the sums of
//! the vintages, which the published series confirms) and leaves its price to the publisher.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::periods::period;
use super::plan::{self, DayTarget, PlanError};
use crate::book::{OrderKind, SelfTradePrevention, Side};
use crate::calendar::TimeOfDay;
use crate::compliance::allocation::{Benchmarks, CorrectionFactors};
use crate::compliance::cycle::{self, ComplianceError, ComplianceReport, CycleRules, Eligible};
use crate::compliance::fleet::{Fleet, FleetConfig};
use crate::exchange::bars::DailyBar;
use crate::exchange::{Exchange, ExchangeConfig, ExchangeError, ExchangeEvent, OrderRequest};
use crate::history::{self, HistoryError};
use crate::instrument::TradingMethod;
use crate::registry::{
    AccountId, AccountKind, CeaVintage, Registry, RegistryConfig, RegistryError, Subject, SubjectId,
};
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

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, 16).unwrap_or_default()
}

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 12, 29).unwrap_or_default()
}

fn split_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 8, 28).unwrap_or_default()
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
    /// The embedded data failed to parse.
    #[error(transparent)]
    History(#[from] HistoryError),
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
    fn from_bar(bar: &DailyBar) -> Self {
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
    pub obligation: Quantity,
    /// Surrendered, offset or borrowed, t.
    pub covered: Quantity,
    /// Total shortfall, t.
    pub shortfall: Quantity,
    /// Rate by volume, basis points.
    pub rate_by_volume_bp: u64,
    /// Rate by entities, basis points.
    pub rate_by_entities_bp: u64,
    /// Fines levied.
    pub fines: Money,
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

/// The replay's market participants.
struct Entities {
    accounts: Vec<AccountId>,
    /// Indices of entities with more allocation than emissions, in the current period.
    long: Vec<usize>,
    /// Indices of the rest.
    short: Vec<usize>,
}

struct Replay {
    ex: Exchange,
    entities: Entities,
    rng: ChaCha8Rng,
    events: Vec<ExchangeEvent>,
    orders: u64,
    trades: u64,
    clock: TimeOfDay,
}

impl Replay {
    /// Moves the clock one second on, skipping to the next session of `method` when the
    /// current one has closed (the exchange's own sessions, so the replay follows its rules).
    fn advance_to(&mut self, method: TradingMethod, seconds: u32) -> Result<(), ScenarioError> {
        let next = self.clock.plus_seconds(seconds).unwrap_or(self.clock);
        let sessions = &self.ex.config().rules.method(method).sessions;
        self.clock = sessions.open_at_or_after(next).unwrap_or(next);
        self.ex.set_time(self.clock)?;
        Ok(())
    }

    /// Draws an entity from `preferred` (then anyone) satisfying `ok`.
    fn draw(
        &mut self,
        preferred_long: bool,
        ok: &dyn Fn(&Exchange, AccountId) -> bool,
    ) -> Option<AccountId> {
        let pool = if preferred_long {
            &self.entities.long
        } else {
            &self.entities.short
        };
        for _ in 0..32 {
            if pool.is_empty() {
                break;
            }
            let a = self.entities.accounts[pool[self.rng.random_range(0..pool.len())]];
            if ok(&self.ex, a) {
                return Some(a);
            }
        }
        let n = self.entities.accounts.len();
        let start = self.rng.random_range(0..n.max(1));
        (0..n)
            .map(|k| self.entities.accounts[(start + k) % n])
            .find(|&a| ok(&self.ex, a))
    }

    fn carriers(
        &mut self,
        date: NaiveDate,
        subject: SubjectId,
        code: &str,
        price: Price,
        quantity: Quantity,
    ) -> Result<(AccountId, AccountId), ScenarioError> {
        let no = |role| ScenarioError::NoCarrier {
            date,
            role,
            subject: code.to_owned(),
            price,
            quantity,
        };
        let seller = self
            .draw(true, &|ex, a| {
                ex.registry()
                    .holding(a, subject)
                    .is_ok_and(|h| h.available >= quantity)
            })
            .ok_or_else(|| no("seller"))?;
        let cost = price * quantity;
        let buyer = self
            .draw(false, &|ex, a| {
                a != seller && ex.registry().cash(a).is_ok_and(|c| c.available >= cost)
            })
            .ok_or_else(|| no("buyer"))?;
        Ok((seller, buyer))
    }

    fn check_events(&mut self, date: NaiveDate) -> Result<(), ScenarioError> {
        for e in self.events.drain(..) {
            match e {
                ExchangeEvent::Rejected { reason, .. } => {
                    return Err(ScenarioError::Rejected {
                        date,
                        reason: format!("{reason:?}"),
                    });
                }
                ExchangeEvent::Trade(_) => self.trades += 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Carries `quantity` at `price`, splitting it in halves (each at least `minimum`) when no
    /// single seller holds it all or no single buyer can pay: same price, same totals.
    fn carry(
        &mut self,
        date: NaiveDate,
        method: TradingMethod,
        (subject, code): (SubjectId, &str),
        price: Price,
        quantity: Quantity,
        minimum: Quantity,
    ) -> Result<(), ScenarioError> {
        match self.carriers(date, subject, code, price, quantity) {
            Ok((seller, buyer)) => {
                self.trade(date, method, subject, seller, buyer, price, quantity)
            }
            Err(e) => {
                let q = quantity.units();
                let (a, b) = (q / 2 + q % 2, q / 2);
                if b == 0 || b < minimum.units() {
                    return Err(e);
                }
                self.carry(
                    date,
                    method,
                    (subject, code),
                    price,
                    Quantity::new(a),
                    minimum,
                )?;
                self.carry(
                    date,
                    method,
                    (subject, code),
                    price,
                    Quantity::new(b),
                    minimum,
                )
            }
        }
    }

    /// Sends one planned trade through the exchange as real orders: a resting limit sell taken
    /// by an immediate-or-cancel buy, or a block quote to the buyer accepted in full.
    #[allow(clippy::too_many_arguments)]
    fn trade(
        &mut self,
        date: NaiveDate,
        method: TradingMethod,
        subject: SubjectId,
        seller: AccountId,
        buyer: AccountId,
        price: Price,
        quantity: Quantity,
    ) -> Result<(), ScenarioError> {
        self.advance_to(method, 1)?;
        if method == TradingMethod::BlockAgreement {
            let quote = self.ex.post_block_quote(
                seller,
                subject,
                Side::Sell,
                price,
                quantity,
                Some(buyer),
                &mut self.events,
            )?;
            if let Some(q) = quote {
                self.ex
                    .accept_block_quote(buyer, subject, q, quantity, &mut self.events)?;
            }
        } else {
            let order = |account, side, kind| OrderRequest {
                account,
                subject,
                side,
                kind,
                price,
                quantity,
                stp: SelfTradePrevention::CancelTaker,
            };
            self.ex.submit(
                &order(seller, Side::Sell, OrderKind::Limit),
                &mut self.events,
            )?;
            self.ex.submit(
                &order(buyer, Side::Buy, OrderKind::ImmediateOrCancel),
                &mut self.events,
            )?;
        }
        self.orders += 2;
        self.check_events(date)
    }
}

/// Runs the replay.
///
/// # Errors
/// [`ScenarioError`] for a range outside the data, or if any step fails; nothing is written.
#[allow(clippy::too_many_lines)]
pub fn run(config: &ReplayConfig) -> Result<ReplayResult, ScenarioError> {
    if config.from > config.to || config.from < first_day() || config.to > last_day() {
        return Err(ScenarioError::Range {
            from: config.from,
            to: config.to,
            first: first_day(),
            last: last_day(),
        });
    }
    let composite_rows = history::daily()?;
    let vintage_rows = history::by_vintage()?;

    // Participants and their allocations.
    let corrections = CorrectionFactors::default();
    let b1920 = Benchmarks::year_2019_2020();
    let (b21, b22) = (Benchmarks::year_2021(), Benchmarks::year_2022());
    let fleet1 = Fleet::synthetic(&FleetConfig::first_period(config.seed), &b1920);
    let fleet2 = Fleet::synthetic(&FleetConfig::second_period(config.seed ^ 0x2021_2022), &b21);
    // The replay reads no journal; keeping one would cost an event per freeze and trade.
    let mut reg = Registry::new(RegistryConfig {
        journal: false,
        ..RegistryConfig::default()
    });
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let cea21 = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(2021),
    });
    let cea22 = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(2022),
    });
    let accounts: Vec<AccountId> = fleet2
        .entities
        .iter()
        .map(|e| reg.open_account(AccountKind::CoveredEntity, e.name.clone()))
        .collect();
    let (p1, alloc1) = period(
        &fleet1,
        &accounts[..fleet1.entities.len()],
        [&b1920, &b1920],
        &corrections,
    );
    let (p2, alloc2) = period(&fleet2, &accounts, [&b21, &b22], &corrections);
    for (i, a) in alloc1.iter().enumerate() {
        let total = a[0] + a[1];
        if !total.is_zero() {
            reg.issue(accounts[i], cea, total)?;
        }
    }
    // Cash: enough for each entity to buy a third of its two-year emissions at 100 CNY/t.
    for (i, pos) in p2.positions.iter().enumerate() {
        let cash = Price::from_fen(10_000) * Quantity::new(pos.emissions.units() / 3 + 1);
        reg.deposit_cash(accounts[i], cash)?;
    }
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023()?, reg);
    ex.list(cea, "CEA", Price::from_fen(4_800), first_day(), None)?;
    let reference = vintage_rows
        .iter()
        .find(|r| r.date == split_day() && r.subject_code == "CEA21")
        .map_or(Price::from_fen(7_306), |r| r.open);
    ex.list(cea21, "CEA21", reference, split_day(), None)?;
    ex.list(cea22, "CEA22", reference, split_day(), None)?;

    let mut replay = Replay {
        ex,
        entities: Entities {
            accounts,
            long: p1.long.clone(),
            short: p1.short.clone(),
        },
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        events: Vec::new(),
        orders: 0,
        trades: 0,
        clock: TimeOfDay::MIDNIGHT,
    };
    let subjects = [("CEA", cea), ("CEA21", cea21), ("CEA22", cea22)];
    let listed_max = replay
        .ex
        .config()
        .rules
        .listed
        .max_quantity_exclusive
        .unwrap_or(Quantity::new(100_000));
    let block_min = replay
        .ex
        .config()
        .rules
        .block
        .min_quantity
        .unwrap_or(Quantity::new(100_000));

    let mut composite = Vec::new();
    let mut vintages = Vec::new();
    let mut compliance = Vec::new();
    let mut interim: Option<ComplianceReport> = None;
    let deadline1 = CycleRules::first_period();
    let deadline2 = CycleRules::second_period();
    let mut period2_issued = false;
    // Deductions from the 2019–2020 cycle (unpaid shortfalls), applied to the next allocation.
    let mut deductions: Vec<Quantity> = Vec::new();

    for day in composite_rows
        .iter()
        .filter(|d| d.date >= config.from && d.date <= config.to)
    {
        let date = day.date;
        if date >= split_day() && !period2_issued {
            // The 2021 and 2022 allowances are issued before their subjects list (an assumption:
            // the pre-allocation's exact date is not modelled), and the second period's
            // entities take over.
            for (i, a) in alloc2.iter().enumerate() {
                let acct = replay.entities.accounts[i];
                // An unpaid 2019–2020 shortfall comes off the 2021 allocation first, then 2022.
                let owed = deductions.get(i).copied().unwrap_or(Quantity::ZERO);
                let from21 = owed.min(a[0]);
                let from22 = owed.saturating_sub(from21).min(a[1]);
                let a = [a[0].saturating_sub(from21), a[1].saturating_sub(from22)];
                for (subject, q) in [(cea21, a[0]), (cea22, a[1])] {
                    if !q.is_zero() {
                        replay.ex.registry_mut().issue(acct, subject, q)?;
                    }
                }
            }
            replay.entities.long.clone_from(&p2.long);
            replay.entities.short.clone_from(&p2.short);
            period2_issued = true;
        }
        replay.ex.open_day(date)?;
        replay.clock = TimeOfDay::MIDNIGHT;
        replay.advance_to(TradingMethod::ListedAgreement, 0)?;
        let today: Vec<(&str, SubjectId, DayFigures)> = if date < split_day() {
            vec![("CEA", cea, published_composite(day))]
        } else {
            subjects
                .iter()
                .filter_map(|(code, id)| {
                    vintage_rows
                        .iter()
                        .find(|r| r.date == date && r.subject_code == *code)
                        .map(|r| (*code, *id, published_vintage(r)))
                })
                .collect()
        };
        let mut blocks = Vec::new();
        for (code, subject, published) in &today {
            // The replay lists every subject itself, so a missing band is a bug, named here.
            let band = |method| {
                replay
                    .ex
                    .band(*subject, method)
                    .ok_or_else(|| ScenarioError::Rejected {
                        date,
                        reason: format!("{code} is not listed"),
                    })
            };
            let target = DayTarget {
                date,
                open_high_low: match (published.open, published.high, published.low) {
                    (Some(o), Some(h), Some(l)) => Some((o, h, l)),
                    _ => None,
                },
                listed_volume: published.listed_volume,
                listed_turnover: published.listed_turnover,
                block_volume: published.block_volume,
                block_turnover: published.block_turnover,
                listed_band: band(TradingMethod::ListedAgreement)?,
                block_band: band(TradingMethod::BlockAgreement)?,
            };
            let day_plan = plan::plan_day(&target, listed_max, block_min)?;
            for t in &day_plan.listed {
                replay.carry(
                    date,
                    TradingMethod::ListedAgreement,
                    (*subject, code),
                    t.price,
                    t.quantity,
                    Quantity::new(1),
                )?;
            }
            blocks.push((*code, *subject, day_plan.block));
        }
        replay.advance_to(TradingMethod::BlockAgreement, 0)?;
        for (code, subject, trades) in blocks {
            for t in trades {
                // A block trade larger than one entity would carry is split among several
                // counterparties at the same price: the day's totals are unchanged.
                for q in block_chunks(t.quantity, block_min) {
                    replay.carry(
                        date,
                        TradingMethod::BlockAgreement,
                        (subject, code),
                        t.price,
                        q,
                        block_min,
                    )?;
                }
            }
        }
        let bars = replay.ex.close_day(&mut replay.events)?;
        replay.check_events(date)?;
        replay
            .ex
            .registry()
            .check_conservation()
            .map_err(|reason| ScenarioError::Rejected { date, reason })?;

        let mut sim_total = DayFigures {
            open: None,
            high: None,
            low: None,
            close: None,
            listed_volume: Quantity::ZERO,
            listed_turnover: Money::ZERO,
            block_volume: Quantity::ZERO,
            block_turnover: Money::ZERO,
        };
        for (code, _, published) in &today {
            let Some(bar) = bars.iter().find(|b| b.subject == *code) else {
                continue;
            };
            let sim = DayFigures::from_bar(bar);
            sim_total.listed_volume += sim.listed_volume;
            sim_total.listed_turnover += sim.listed_turnover;
            sim_total.block_volume += sim.block_volume;
            sim_total.block_turnover += sim.block_turnover;
            if date < split_day() {
                sim_total = sim;
            } else {
                vintages.push(ReplayDay {
                    date,
                    subject: (*code).to_owned(),
                    published: *published,
                    simulated: sim,
                });
            }
        }
        composite.push(ReplayDay {
            date,
            subject: "COMCEA".into(),
            published: published_composite(day),
            simulated: sim_total,
        });

        // Deadlines after the day's close.
        let eligible1 = Eligible {
            allowances: &[cea],
            offsets: &[],
            pro_rata: true,
        };
        // Entities surrender from each eligible vintage in proportion to what they hold, so
        // every vintage stays in circulation for the trading that followed the deadlines.
        let eligible2 = Eligible {
            allowances: &[cea21, cea22, cea],
            offsets: &[],
            pro_rata: true,
        };
        if date == deadline1.deadline {
            let r = cycle::settle(
                replay.ex.registry_mut(),
                &deadline1,
                &p1.positions,
                eligible1,
                100,
                date,
                None,
            )?;
            cycle::collect_fines(replay.ex.registry_mut(), &r)?;
            deductions = r.entities.iter().map(|e| e.deduction).collect();
            compliance.push(ComplianceSummary::of(&r));
        }
        if let Some(i) = deadline2.interim
            && date == i.date
        {
            let r = cycle::settle(
                replay.ex.registry_mut(),
                &deadline2,
                &p2.positions,
                eligible2,
                i.share_pct,
                date,
                None,
            )?;
            cycle::collect_fines(replay.ex.registry_mut(), &r)?;
            compliance.push(ComplianceSummary::of(&r));
            interim = Some(r);
        }
        if date == last_day() {
            // 2023-12-31 is a Sunday: the final deadline is settled after the last trading day.
            let r = cycle::settle(
                replay.ex.registry_mut(),
                &deadline2,
                &p2.positions,
                eligible2,
                100,
                deadline2.deadline,
                interim.as_ref(),
            )?;
            cycle::collect_fines(replay.ex.registry_mut(), &r)?;
            compliance.push(ComplianceSummary::of(&r));
        }
    }
    Ok(ReplayResult {
        config: *config,
        composite,
        vintages,
        compliance,
        orders: replay.orders,
        trades: replay.trades,
    })
}

/// The largest block trade one counterparty pair carries in the replay.
const BLOCK_CHUNK: u64 = 500_000;

/// Splits a block quantity into trades of at most [`BLOCK_CHUNK`] and at least `minimum`.
fn block_chunks(quantity: Quantity, minimum: Quantity) -> Vec<Quantity> {
    let (q, min) = (quantity.units(), minimum.units());
    let n = q.div_ceil(BLOCK_CHUNK).max(1);
    // Equal parts (the first ones one unit larger) are each at least the minimum whenever the
    // whole is, since parts are at least q / n >= BLOCK_CHUNK / 2 >= min when n > 1.
    let (base, extra) = (q / n, q % n);
    let parts: Vec<Quantity> = (0..n)
        .map(|i| Quantity::new(base + u64::from(i < extra)))
        .collect();
    if parts.iter().all(|p| p.units() >= min) {
        parts
    } else {
        vec![quantity]
    }
}

fn published_composite(d: &history::DailyQuote) -> DayFigures {
    DayFigures {
        open: Some(d.open),
        high: Some(d.high),
        low: Some(d.low),
        close: Some(d.close),
        listed_volume: d.listed_volume_t,
        listed_turnover: d.listed_turnover_cny,
        block_volume: d.block_volume_t,
        block_turnover: d.block_turnover_cny,
    }
}

fn published_vintage(r: &history::VintageDay) -> DayFigures {
    DayFigures {
        open: r.high.map(|_| r.open),
        high: r.high,
        low: r.low,
        close: Some(r.close),
        listed_volume: r.listed_volume_t,
        listed_turnover: r.listed_turnover_cny,
        block_volume: r.block_volume_t,
        block_turnover: r.block_turnover_cny,
    }
}
