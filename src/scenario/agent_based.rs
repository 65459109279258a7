//! The agent-based run: covered entities with real obligations (and, when the scenario admits
//! them, market makers and investors; when it turns them on, CCER project owners, GEC generators
//! and GEC buyers) trade through the exchange day by day; prices and volumes come out of the
//! books, and the result is set beside the published market.
//!
//! # A day
//! 1. Before the open: allocations due that day are credited; at a month's first trading day the
//!    previous month's GECs are issued and listed, and the month's green-power deals are made.
//! 2. 09:30, the opening round: for each subject listed that day, in listing order, each agent
//!    that trades it is consulted once, in fleet order starting from a position that rotates each
//!    day (so no agent is always first). Its intents go to the exchange at once, so the next
//!    agent sees the book they left.
//! 3. 13:00: the optional intraday rounds, then the block negotiation of the day's block intents
//!    (see [`super::broker`]).
//! 4. The close: bars, expiries, each agent told the day's outcome; GEC buyers claim what they
//!    hold; a compliance deadline falling on or before the next trading day is settled through the
//!    compliance rules, fines collected.
//!
//! # Compliance periods
//! The 2019–2020 allowances are credited before the first day and surrendered at 2021-12-31. The
//! 2021 and 2022 allowances are credited on [`PERIOD2_CREDIT`] (the 2021–2022 allocation plan was
//! published on 2023-03-15), less any 2019–2020 shortfall, as the subjects `CEA21` and `CEA22`,
//! which list from 2023-08-28; until they are credited, firms count them as pending allocation.
//! 95 % is due on 2023-11-15 and the rest on 2023-12-31.
//!
//! # Determinism
//! Every random draw comes from a stream of the run's seed: each agent's own stream
//! ([`crate::agents::agent_rng`]) and the fleet's synthetic units. Nothing depends on the thread
//! count or on hashing order, so a seed gives byte-identical results.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::broker::{Broker, Flow, Participant, RunListing};
use super::certificates::{CertificateMonth, Certificates, NewListing};
use super::config::{CALENDAR_END, ConfigError, ScenarioConfig};
use super::fleet::{FleetMember, build_fleet};
use super::periods::{Period, period, rebalance};
use super::replay::ComplianceSummary;
use super::stats::{self, CalibrationReport, DayRecord, StatsError};
use crate::agents::certificate_buyer::CertificateBuyer;
use crate::agents::certificate_seller::CertificateSeller;
use crate::agents::{
    self, Agent, CompliancePosition, DayOutcome, Deadline, PenaltyTerms, agent_rng,
};
use crate::calendar::{CalendarError, TimeOfDay};
use crate::compliance::allocation::{Benchmarks, CorrectionFactors};
use crate::compliance::cycle::{self, ComplianceError, ComplianceReport, CycleRules, Eligible};
use crate::compliance::fleet::{Fleet, FleetConfig};
use crate::exchange::bars::DailyBar;
use crate::exchange::{Exchange, ExchangeConfig, ExchangeError};
use crate::history::{self, HistoryError};
use crate::registry::{
    AccountId, AccountKind, AdmissionRules, CeaVintage, Market, Registry, RegistryConfig,
    RegistryError, Settlement, Subject, SubjectId,
};
use crate::schedule::MonthlyStep;
use crate::units::{Money, Price, Quantity};

/// The day the 2021 and 2022 allocations are credited (the first trading day after the
/// 2021–2022 allocation plan of 2023-03-15).
pub const PERIOD2_CREDIT: NaiveDate = date(2023, 3, 16);
/// The day the vintage subjects `CEA21` and `CEA22` list.
pub const VINTAGE_SPLIT: NaiveDate = date(2023, 8, 28);
/// CEA's reference price on its first day (the published opening reference, CNY 48.00). A run
/// starting later takes the published close of the day before its start.
pub const CEA_REFERENCE: Price = Price::from_fen(4_800);

/// The opening round's time and the afternoon session's start.
const MORNING: TimeOfDay = match TimeOfDay::hm(9, 30) {
    Some(t) => t,
    None => TimeOfDay::MIDNIGHT,
};
const AFTERNOON: TimeOfDay = match TimeOfDay::hm(13, 0) {
    Some(t) => t,
    None => TimeOfDay::MIDNIGHT,
};

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => NaiveDate::MIN,
    }
}

/// An agent-based run that cannot start or went wrong; nothing is written.
#[derive(Debug, Error)]
pub enum RunError {
    /// The scenario is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The calendar refused a date.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The embedded data failed to parse.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The exchange failed (a bug).
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The registry refused a set-up or settlement step (a bug).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Compliance could not be settled.
    #[error(transparent)]
    Compliance(#[from] ComplianceError),
    /// The calibration statistics failed.
    #[error(transparent)]
    Stats(#[from] StatsError),
    /// Units or cash were created or destroyed (a bug).
    #[error("{date}: conservation broken: {reason}")]
    Conservation {
        /// The day.
        date: NaiveDate,
        /// What broke.
        reason: String,
    },
    /// An added agent's request is impossible.
    #[error("cannot add agent {name:?}: {reason}")]
    BadAgent {
        /// The agent's name.
        name: String,
        /// Why.
        reason: String,
    },
}

/// One subject's bar of one day (CCER and GEC books are summed into one row each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectDay {
    /// The day.
    pub date: NaiveDate,
    /// `COMCEA` (all allowance vintages together), `CEA`, `CEA21`, `CEA22`, `CCER` or `GEC`.
    pub subject: String,
    /// Close: the listed VWAP, or the previous close without listed trades.
    pub close: Price,
    /// Listed volume.
    pub listed_volume: Quantity,
    /// Listed turnover.
    pub listed_turnover: Money,
    /// Block volume.
    pub block_volume: Quantity,
    /// Block turnover.
    pub block_turnover: Money,
}

impl SubjectDay {
    fn record(&self) -> DayRecord {
        DayRecord {
            date: self.date,
            close: self.close,
            listed_volume: self.listed_volume,
            block_volume: self.block_volume,
            turnover: self.listed_turnover + self.block_turnover,
        }
    }
}

/// Volume traded per agent kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindActivity {
    /// The agent kind (see [`Agent::kind`]).
    pub kind: String,
    /// Agents of this kind.
    pub agents: u32,
    /// Units bought.
    pub bought: Quantity,
    /// Units sold.
    pub sold: Quantity,
}

/// What an agent-based run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRun {
    /// Scenario name.
    pub scenario: String,
    /// Content hash of the scenario.
    pub scenario_hash: String,
    /// The seed.
    pub seed: u64,
    /// Every subject's day, in date then subject order (`COMCEA` first each day).
    pub days: Vec<SubjectDay>,
    /// Compliance outcome at each deadline in the run.
    pub compliance: Vec<ComplianceSummary>,
    /// The allowance market (`COMCEA`) against the published series over the common days.
    pub calibration: Option<CalibrationReport>,
    /// Certificate counts at each month end (empty without CCER and GEC).
    pub certificates: Vec<CertificateMonth>,
    /// Order flow.
    pub flow: Flow,
    /// Activity per agent kind.
    pub activity: Vec<KindActivity>,
}

impl AgentRun {
    /// The days of one subject, in date order.
    pub fn series<'a>(&'a self, subject: &'a str) -> impl Iterator<Item = &'a SubjectDay> + 'a {
        self.days.iter().filter(move |d| d.subject == subject)
    }
}

/// The compliance state the run keeps per covered entity.
struct Firms {
    accounts: Vec<AccountId>,
    p1: Period,
    p2: Period,
    alloc2: Vec<[Quantity; 2]>,
    rules1: CycleRules,
    rules2: CycleRules,
    deductions: Vec<Quantity>,
    credited2: bool,
    interim: Option<ComplianceReport>,
}

/// A run being set up: the scenario's market and fleet, to which an economist may add agents
/// of their own before [`World::run`].
pub struct World {
    config: ScenarioConfig,
    seed: u64,
    ex: Exchange,
    participants: Vec<Participant>,
    listings: Vec<RunListing>,
    firms: Firms,
    certificates: Certificates,
    subjects: [SubjectId; 3],
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("scenario", &self.config.name)
            .field("seed", &self.seed)
            .field("participants", &self.participants.len())
            .finish_non_exhaustive()
    }
}

fn scaled_fleet(base: FleetConfig, entities: usize) -> FleetConfig {
    let emissions = u128::from(base.annual_emissions_t) * entities as u128 / base.entities as u128;
    FleetConfig {
        entities,
        annual_emissions_t: emissions as u64,
        ..base
    }
}

impl World {
    /// Sets up the scenario's market and fleet under `seed`.
    ///
    /// # Errors
    /// [`RunError::Config`] for an invalid scenario; other variants only on a set-up bug.
    pub fn new(config: &ScenarioConfig, seed: u64) -> Result<Self, RunError> {
        config.validate()?;
        // 2021–2023 admitted only covered entities to allowance trading; a scenario admitting
        // market makers or investors opens it to institutions.
        let mut admission = AdmissionRules::default();
        if config.participants.market_makers || config.participants.investors {
            admission = admission.with(Market::Cea, AccountKind::Institution, true);
        }
        // A run reads no journal; keeping one would cost an event per freeze and trade.
        let mut reg = Registry::new(RegistryConfig {
            admission,
            journal: false,
            ..RegistryConfig::default()
        });
        let (firms, subjects) = set_up_firms(config, seed, &mut reg)?;
        let mut certificates = Certificates::set_up(
            &mut reg,
            &config.submarkets,
            config.start,
            config.submarkets.gec_buyer_cash,
        )?;
        let mut exchange_config = ExchangeConfig::national_2021_2023()?;
        let calendar_last = config.calendar_end();
        if calendar_last > CALENDAR_END {
            // Weekdays only past the embedded closures (the scenario file's documented rule).
            exchange_config.calendar.extend(calendar_last, [])?;
        }
        let mut ex = Exchange::new(exchange_config, reg);
        let mut listings = Vec::new();
        let mut list = |ex: &mut Exchange, subject, code: &str, reference, from| {
            ex.list(subject, code, reference, from, None)?;
            // Who trades it is settled when the run starts, once every agent is known.
            listings.push(RunListing::new(code.to_owned(), subject, from, &[]));
            Ok::<(), RunError>(())
        };
        let start = config.start;
        list(
            &mut ex,
            subjects[0],
            "CEA",
            cea_reference(start)?,
            start.min(VINTAGE_SPLIT),
        )?;
        for (subject, code) in &certificates.ccer_subjects {
            list(
                &mut ex,
                *subject,
                code,
                config.submarkets.ccer_reference_price,
                start,
            )?;
        }
        let opening = certificates.open(ex.registry_mut(), start)?;
        for NewListing { subject, code } in opening {
            list(
                &mut ex,
                subject,
                &code,
                config.submarkets.gec_reference_price,
                start,
            )?;
        }

        let participants = participants(config, seed, &firms.accounts, &mut ex, &certificates)?;
        Ok(World {
            config: config.clone(),
            seed,
            ex,
            participants,
            listings,
            firms,
            certificates,
            subjects,
        })
    }

    /// Adds an agent of the economist's own on a new account of `kind` with `cash`. The
    /// admission rules of the registry decide what it may trade (only covered entities may trade
    /// allowances under the 2021–2023 rules; anyone may trade CCER). Returns its account.
    ///
    /// # Errors
    /// [`RunError::BadAgent`] for an empty name or negative cash.
    pub fn add_agent(
        &mut self,
        kind: AccountKind,
        name: &str,
        cash: Money,
        agent: Box<dyn Agent + Send>,
    ) -> Result<AccountId, RunError> {
        let bad = |reason: &str| RunError::BadAgent {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        if name.trim().is_empty() {
            return Err(bad("the name is empty"));
        }
        if cash.is_negative() {
            return Err(bad(&format!("negative cash {cash}")));
        }
        let account = self.ex.registry_mut().open_account(kind, name);
        if cash > Money::ZERO {
            self.ex.registry_mut().deposit_cash(account, cash)?;
        }
        let index = self.participants.len() as u64;
        self.participants.push(Participant {
            account,
            agent,
            rng: agent_rng(self.seed, index),
            compliance: None,
        });
        Ok(account)
    }

    /// The exchange and registry as set up (read-only).
    #[must_use]
    pub fn exchange(&self) -> &Exchange {
        &self.ex
    }

    /// Runs the scenario to its end.
    ///
    /// # Errors
    /// Only on a bug (a refused settlement, broken conservation): each is a [`RunError`].
    pub fn run(self) -> Result<AgentRun, RunError> {
        self.run_keeping_market().map(|(run, _)| run)
    }

    /// Runs the scenario to its end and hands back the exchange (with its registry) as the run
    /// left it, for inspection.
    ///
    /// # Errors
    /// As [`World::run`].
    pub fn run_keeping_market(mut self) -> Result<(AgentRun, Exchange), RunError> {
        let cal = self.ex.config().calendar.clone();
        let days = cal.trading_days(self.config.start, self.config.end)?;
        let all_days = cal.trading_days(cal.first(), cal.last())?;
        let mut broker = Broker::new(&self.participants);
        for l in &mut self.listings {
            *l = RunListing::new(l.code.clone(), l.subject, l.from, &self.participants);
        }
        let mut out = Vec::with_capacity(days.len() * 4);
        let mut compliance = Vec::new();
        let mut events = Vec::new();
        let mut deadlines = Vec::with_capacity(2);
        let history_bars = self.config.fleet.history_bars as usize;
        let mut composite_close = cea_reference(self.config.start)?;
        let mut month = None;
        let first = days.first().copied().unwrap_or(self.config.start);
        if first > self.firms.rules1.deadline {
            // A run starting after 2021-12-31 inherits the first cycle as the market left it:
            // traded to cover, then settled.
            self.clear_first_period()?;
            let deadline = self.firms.rules1.deadline;
            self.settle_deadlines(deadline, Some(first), &mut compliance)?;
        }
        self.update_positions(first);

        for (d, &date) in days.iter().enumerate() {
            self.before_open(date, &mut month)?;
            self.ex.open_day(date)?;
            self.deadlines_on(date, &all_days, &mut deadlines);
            let active: Vec<usize> = (0..self.listings.len())
                .filter(|&i| {
                    self.ex
                        .band(
                            self.listings[i].subject,
                            crate::instrument::TradingMethod::ListedAgreement,
                        )
                        .is_some()
                        && self.listings[i].from <= date
                })
                .collect();
            let consulted =
                self.trading_rounds(&mut broker, &active, (d, date, &deadlines), history_bars)?;
            if self.ex.time() < AFTERNOON {
                self.ex.set_time(AFTERNOON)?;
            }
            broker.negotiate_blocks(&mut self.ex, &mut self.participants, &self.listings, date)?;
            let bars = self.ex.close_day(&mut events)?;
            broker.end_day(&mut events, &mut self.participants, &self.listings, date);
            self.ex
                .registry()
                .check_conservation()
                .map_err(|reason| RunError::Conservation { date, reason })?;

            self.tell_outcomes(
                &mut broker,
                &bars,
                (&active, &consulted),
                date,
                history_bars,
            );
            composite_close = Self::record_day(date, &bars, composite_close, &mut out);
            // Certificates: count trades, claims.
            for row in out.iter().rev().take_while(|r| r.date == date) {
                match row.subject.as_str() {
                    "CCER" => self
                        .certificates
                        .record_trade(true, row.listed_volume + row.block_volume),
                    "GEC" => self
                        .certificates
                        .record_trade(false, row.listed_volume + row.block_volume),
                    _ => {}
                }
            }
            self.certificates.claim(self.ex.registry_mut(), date)?;

            // Deadlines after the close (2023-12-31 is a Sunday: settled after the last trading
            // day before it).
            let next = all_days
                .get(all_days.partition_point(|x| *x <= date))
                .copied();
            self.settle_deadlines(date, next, &mut compliance)?;
            self.update_positions(next.unwrap_or(date));
            let certificate_markets = self.config.submarkets.ccer || self.config.submarkets.gec;
            if certificate_markets && next.is_none_or(|nx| nx.month() != date.month()) {
                self.certificates.close_month(date);
            }
        }
        let activity = self.activity(&broker);
        let calibration = calibrate(&out)?;
        let run = AgentRun {
            scenario: self.config.name.clone(),
            scenario_hash: self.config.content_hash(),
            seed: self.seed,
            days: out,
            compliance,
            calibration,
            certificates: self.certificates.months.clone(),
            flow: broker.flow,
            activity,
        };
        Ok((run, self.ex))
    }

    /// Before a day's open: the second period's credit, the 2023 vintage split into three
    /// subjects, and at a month's first day the certificate issuance and its new GEC listings.
    fn before_open(
        &mut self,
        date: NaiveDate,
        month: &mut Option<(i32, u32)>,
    ) -> Result<(), RunError> {
        if date >= PERIOD2_CREDIT && !self.firms.credited2 {
            self.credit_period2()?;
        }
        if date >= VINTAGE_SPLIT && !self.listings.iter().any(|l| l.code == "CEA21") {
            let reference = self
                .ex
                .prev_close(self.subjects[0])
                .unwrap_or(CEA_REFERENCE);
            for (k, code) in [(1, "CEA21"), (2, "CEA22")] {
                self.ex
                    .list(self.subjects[k], code, reference, date, None)?;
                self.listings.push(RunListing::new(
                    code.to_owned(),
                    self.subjects[k],
                    date,
                    &self.participants,
                ));
            }
        }
        if *month != Some((date.year(), date.month())) {
            let gec_price = self.gec_price();
            let new = self
                .certificates
                .month_start(self.ex.registry_mut(), date, gec_price)?;
            for NewListing { subject, code } in new {
                self.ex.list(subject, &code, gec_price, date, None)?;
                self.listings
                    .push(RunListing::new(code, subject, date, &self.participants));
            }
            *month = Some((date.year(), date.month()));
        }
        Ok(())
    }

    /// The day's trading: the opening round, then the intraday rounds, each showing every
    /// active listing to its traders in a rotated order. Returns, per active listing, who was
    /// consulted in the opening round (told the day's outcome tonight).
    fn trading_rounds(
        &mut self,
        broker: &mut Broker,
        active: &[usize],
        (d, date, deadlines): (usize, NaiveDate, &[Deadline]),
        history_bars: usize,
    ) -> Result<Vec<Vec<u32>>, RunError> {
        let account_subjects = self.account_subjects();
        let start = d * 7_919;
        self.ex.set_time(MORNING)?;
        let mut consulted: Vec<Vec<u32>> = vec![Vec::new(); active.len()];
        for step in std::iter::once(None).chain((0..self.config.fleet.intraday_steps).map(Some)) {
            if step == Some(0) {
                self.ex.set_time(AFTERNOON)?;
            }
            for (slot, &li) in active.iter().enumerate() {
                broker.refresh_depth(&self.ex, self.listings[li].subject);
                let traders = self.listings[li].traders.len();
                for k in 0..traders {
                    // The rotation: a fixed stride through the traders, different each day.
                    let a = self.listings[li].traders[(start + k) % traders] as usize;
                    let code = &self.listings[li].code;
                    if !self.participants[a].agent.wants_view(code, date) {
                        continue;
                    }
                    if step.is_none() {
                        consulted[slot].push(a as u32);
                    }
                    broker.consult(
                        &mut self.ex,
                        &mut self.participants,
                        &self.listings,
                        &account_subjects,
                        (a, li, step),
                        (d as u32, date, deadlines),
                        history_bars,
                    )?;
                }
            }
        }
        Ok(consulted)
    }

    /// After the close: each active listing keeps its bar in its history, and the agents
    /// consulted in the opening round hear the day's outcome and their rejected intents.
    fn tell_outcomes(
        &mut self,
        broker: &mut Broker,
        bars: &[DailyBar],
        (active, consulted): (&[usize], &[Vec<u32>]),
        date: NaiveDate,
        history_bars: usize,
    ) {
        for &li in active {
            let listing = &mut self.listings[li];
            if let Some(bar) = bars.iter().find(|b| b.subject == listing.code) {
                listing.bars.push(agent_bar(bar));
                if listing.bars.len() > 2 * history_bars.max(1) {
                    listing.bars.drain(..history_bars.max(1));
                }
            }
        }
        for (slot, &li) in active.iter().enumerate() {
            let Some(bar) = self.listings[li].bars.last().copied() else {
                continue;
            };
            if bar.date != date {
                continue;
            }
            for &a in &consulted[slot] {
                let a = a as usize;
                let rejected_intents = broker.take_rejections(a, li);
                self.participants[a].agent.on_day_end(&DayOutcome {
                    subject: &self.listings[li].code,
                    bar,
                    rejected_intents,
                });
            }
        }
        broker.clear_rejections();
    }

    /// What each kind of agent bought and sold over the run, kinds in order of first
    /// appearance.
    fn activity(&self, broker: &Broker) -> Vec<KindActivity> {
        let mut out: Vec<KindActivity> = Vec::new();
        for (p, traded) in self.participants.iter().zip(broker.traded()) {
            let kind = p.agent.kind();
            let i = out.iter().position(|k| k.kind == kind).unwrap_or_else(|| {
                out.push(KindActivity {
                    kind: kind.to_owned(),
                    agents: 0,
                    bought: Quantity::ZERO,
                    sold: Quantity::ZERO,
                });
                out.len() - 1
            });
            out[i].agents += 1;
            out[i].bought += traded.0;
            out[i].sold += traded.1;
        }
        out
    }

    /// The subjects every account view lists besides the view's own: the allowance vintages
    /// (listed or not: a credited vintage counts towards the obligation before it trades) and
    /// the CCER subjects, with their codes.
    fn account_subjects(&self) -> Vec<(SubjectId, String)> {
        let mut v: Vec<(SubjectId, String)> = ["CEA", "CEA21", "CEA22"]
            .iter()
            .zip(self.subjects)
            .map(|(code, s)| (s, (*code).to_owned()))
            .collect();
        v.extend(self.certificates.ccer_subjects.iter().cloned());
        v
    }

    /// The latest GEC book's previous close (the reference price before any GEC listed): what
    /// a new month's books and green-power deals start from.
    fn gec_price(&self) -> Price {
        self.listings
            .iter()
            .rev()
            .filter(|l| l.code.starts_with("GEC"))
            .find_map(|l| self.ex.prev_close(l.subject))
            .unwrap_or(self.config.submarkets.gec_reference_price)
    }

    /// For a run that starts after the first deadline: the first period's trading, done off the
    /// run's books. Short entities, in fleet order, buy what they lack from long ones (also in
    /// fleet order, each keeping what it needs) at the first period's published average price,
    /// CNY 42.85 [S12], as far as their cash allows; each transfer is a settlement, so cash and
    /// units are conserved.
    fn clear_first_period(&mut self) -> Result<(), RunError> {
        let price = Price::from_fen(4_285);
        let cea = self.subjects[0];
        let fee_account = self.ex.fee_account();
        let reg = self.ex.registry_mut();
        let f = &self.firms;
        let need = |i: usize, reg: &Registry| -> Result<i128, RunError> {
            let ob = cycle::obligation(&f.rules1, &f.p1.positions[i]);
            let held = reg.holding(f.accounts[i], cea)?.available;
            Ok(i128::from(ob.required.units()) - i128::from(held.units()))
        };
        let mut surplus = Vec::new();
        for i in 0..f.p1.positions.len() {
            let n = need(i, reg)?;
            if n < 0 {
                surplus.push((i, Quantity::new(n.unsigned_abs() as u64)));
            }
        }
        let mut k = 0;
        for i in 0..f.p1.positions.len() {
            let mut short = need(i, reg)?;
            while short > 0 && k < surplus.len() {
                let (seller, spare) = surplus[k];
                let cash = reg.cash(f.accounts[i])?.available;
                let affordable = cash.fen() / i128::from(price.fen());
                let q = Quantity::new(
                    u64::try_from(short.min(affordable))
                        .unwrap_or(0)
                        .min(spare.units()),
                );
                if q.is_zero() {
                    break;
                }
                let (buyer, seller_account) = (f.accounts[i], f.accounts[seller]);
                reg.freeze_units(seller_account, cea, q)?;
                reg.freeze_cash(buyer, price * q)?;
                reg.settle(&Settlement {
                    subject: cea,
                    seller: seller_account,
                    buyer,
                    quantity: q,
                    price,
                    buyer_fee: Money::ZERO,
                    seller_fee: Money::ZERO,
                    fee_account,
                })?;
                surplus[k].1 = spare.saturating_sub(q);
                if surplus[k].1.is_zero() {
                    k += 1;
                }
                short -= i128::from(q.units());
            }
        }
        // What was bought is usable at the deadline.
        reg.roll_day();
        Ok(())
    }

    fn credit_period2(&mut self) -> Result<(), RunError> {
        let f = &mut self.firms;
        for (i, a) in f.alloc2.iter().enumerate() {
            let acct = f.accounts[i];
            // An unpaid 2019–2020 shortfall comes off the 2021 allocation first, then 2022.
            let owed = f.deductions.get(i).copied().unwrap_or(Quantity::ZERO);
            let from21 = owed.min(a[0]);
            let from22 = owed.saturating_sub(from21).min(a[1]);
            let a = [a[0].saturating_sub(from21), a[1].saturating_sub(from22)];
            for (subject, q) in [(self.subjects[1], a[0]), (self.subjects[2], a[1])] {
                if !q.is_zero() {
                    self.ex.registry_mut().issue(acct, subject, q)?;
                }
            }
        }
        f.credited2 = true;
        Ok(())
    }

    /// The deadlines still ahead of `date`, with trading days left counted on the calendar.
    fn deadlines_on(&self, date: NaiveDate, all_days: &[NaiveDate], out: &mut Vec<Deadline>) {
        out.clear();
        let left = |deadline: NaiveDate| -> u32 {
            let from = all_days.partition_point(|d| *d < date);
            let to = all_days.partition_point(|d| *d <= deadline);
            to.saturating_sub(from) as u32
        };
        let mut push = |deadline: NaiveDate, share_bp: u32| {
            if deadline >= date {
                out.push(Deadline {
                    date: deadline,
                    trading_days_left: left(deadline),
                    required_share_bp: share_bp,
                });
            }
        };
        let (r1, r2) = (&self.firms.rules1, &self.firms.rules2);
        if date <= r1.deadline {
            push(r1.deadline, 10_000);
        } else {
            if let Some(i) = r2.interim {
                push(i.date, i.share_pct * 100);
            }
            push(r2.deadline, 10_000);
        }
    }

    /// Sets each covered entity's compliance view for the period in force on `date`.
    fn update_positions(&mut self, date: NaiveDate) {
        let f = &self.firms;
        let first = date <= f.rules1.deadline;
        let (period, rules) = if first {
            (&f.p1, &f.rules1)
        } else {
            (&f.p2, &f.rules2)
        };
        let report = if first { None } else { f.interim.as_ref() };
        for (i, p) in self
            .participants
            .iter_mut()
            .enumerate()
            .take(f.accounts.len())
        {
            let Some(pos) = period.positions.get(i) else {
                p.compliance = None;
                continue;
            };
            let ob = cycle::obligation(rules, pos);
            let done = report.and_then(|r| r.entities.get(i));
            p.compliance = Some(CompliancePosition {
                allocation: pos.allocation,
                allocation_pending: if first || f.credited2 {
                    Quantity::ZERO
                } else {
                    pos.allocation
                },
                verified_emissions: pos.emissions,
                expected_emissions: pos.emissions,
                expected_obligation: ob.required,
                surrendered: done.map_or(Quantity::ZERO, cycle::EntityResult::covered),
                offsets_surrendered: done.map_or(Quantity::ZERO, |e| e.offsets),
                shortfall: done.map_or(Quantity::ZERO, |e| e.shortfall),
                offset_limit_bp: rules.offset_limit_pct * 100,
                penalty: PenaltyTerms {
                    fine: rules.fine,
                    shortfall_deducted: rules.deduct_shortfall,
                },
            });
        }
    }

    /// Settles every deadline in `(date, next)` — after the close of the last trading day on or
    /// before it.
    fn settle_deadlines(
        &mut self,
        date: NaiveDate,
        next: Option<NaiveDate>,
        compliance: &mut Vec<ComplianceSummary>,
    ) -> Result<(), RunError> {
        let due = |deadline: NaiveDate| deadline >= date && next.is_none_or(|nx| deadline < nx);
        let offsets: Vec<SubjectId> = self
            .certificates
            .ccer_subjects
            .iter()
            .map(|(s, _)| *s)
            .collect();
        let (s0, s1, s2) = (self.subjects[0], self.subjects[1], self.subjects[2]);
        let reg = self.ex.registry_mut();
        let f = &mut self.firms;
        if due(f.rules1.deadline) {
            let r = cycle::settle(
                reg,
                &f.rules1,
                &f.p1.positions,
                Eligible {
                    allowances: &[s0],
                    offsets: &offsets,
                    pro_rata: true,
                },
                100,
                f.rules1.deadline,
                None,
            )?;
            cycle::collect_fines(reg, &r)?;
            f.deductions = r.entities.iter().map(|e| e.deduction).collect();
            f.deductions.resize(f.accounts.len(), Quantity::ZERO);
            self.certificates
                .record_offsets(r.entities.iter().map(|e| e.offsets).sum());
            compliance.push(ComplianceSummary::of(&r));
        }
        let eligible2 = Eligible {
            allowances: &[s1, s2, s0],
            offsets: &offsets,
            pro_rata: true,
        };
        if let Some(i) = f.rules2.interim
            && due(i.date)
        {
            if !f.credited2 {
                // A run starting after the credit day still needs the allocation.
                self.credit_period2()?;
            }
            let reg = self.ex.registry_mut();
            let f = &mut self.firms;
            let r = cycle::settle(
                reg,
                &f.rules2,
                &f.p2.positions,
                eligible2,
                i.share_pct,
                i.date,
                None,
            )?;
            cycle::collect_fines(reg, &r)?;
            self.certificates
                .record_offsets(r.entities.iter().map(|e| e.offsets).sum());
            compliance.push(ComplianceSummary::of(&r));
            f.interim = Some(r);
        }
        let f = &mut self.firms;
        if due(f.rules2.deadline) {
            if !f.credited2 {
                self.credit_period2()?;
            }
            let reg = self.ex.registry_mut();
            let f = &mut self.firms;
            let before = f.interim.as_ref().map_or(Quantity::ZERO, |r| {
                r.entities.iter().map(|e| e.offsets).sum()
            });
            let r = cycle::settle(
                reg,
                &f.rules2,
                &f.p2.positions,
                eligible2,
                100,
                f.rules2.deadline,
                f.interim.as_ref(),
            )?;
            cycle::collect_fines(reg, &r)?;
            let after: Quantity = r.entities.iter().map(|e| e.offsets).sum();
            self.certificates
                .record_offsets(after.saturating_sub(before));
            compliance.push(ComplianceSummary::of(&r));
        }
        Ok(())
    }

    /// Appends the day's rows: the composite of the allowance vintages first, then each
    /// allowance subject, then CCER and GEC summed over their books. Returns the composite close.
    fn record_day(
        date: NaiveDate,
        bars: &[DailyBar],
        prev_composite: Price,
        out: &mut Vec<SubjectDay>,
    ) -> Price {
        let mut rows: Vec<SubjectDay> = Vec::new();
        let mut sum = |code: &str, close: Option<Price>, pick: &dyn Fn(&str) -> bool| {
            let mut row = SubjectDay {
                date,
                subject: code.to_owned(),
                close: Price::ZERO,
                listed_volume: Quantity::ZERO,
                listed_turnover: Money::ZERO,
                block_volume: Quantity::ZERO,
                block_turnover: Money::ZERO,
            };
            let mut any = false;
            let mut last_close = None;
            for b in bars.iter().filter(|b| pick(&b.subject)) {
                any = true;
                row.listed_volume += b.listed_volume;
                row.listed_turnover += b.listed_turnover;
                row.block_volume += b.block_volume;
                row.block_turnover += b.block_turnover;
                last_close = Some(b.close);
            }
            if !any {
                return None;
            }
            row.close = close
                .or_else(|| row.listed_turnover.div_round_half_up(row.listed_volume))
                .or(last_close)
                .unwrap_or(Price::ZERO);
            rows.push(row);
            Some(())
        };
        let composite_close = {
            let listed: (Money, Quantity) = bars
                .iter()
                .filter(|b| b.subject.starts_with("CEA"))
                .fold((Money::ZERO, Quantity::ZERO), |(m, q), b| {
                    (m + b.listed_turnover, q + b.listed_volume)
                });
            listed
                .0
                .div_round_half_up(listed.1)
                .unwrap_or(prev_composite)
        };
        sum("COMCEA", Some(composite_close), &|s| s.starts_with("CEA"));
        for code in ["CEA", "CEA21", "CEA22"] {
            let close = bars.iter().find(|b| b.subject == code).map(|b| b.close);
            if close.is_some() {
                sum(code, close, &|s| s == code);
            }
        }
        sum("CCER", None, &|s| s.starts_with("CCER"));
        sum("GEC", None, &|s| s.starts_with("GEC"));
        out.extend(rows);
        composite_close
    }
}

/// Draws the two periods' synthetic fleets under `seed`, opens the covered entities' accounts,
/// credits the 2019–2020 allocation and the opening cash, and registers the three allowance
/// vintages (2019–2020, 2021, 2022).
fn set_up_firms(
    config: &ScenarioConfig,
    seed: u64,
    reg: &mut Registry,
) -> Result<(Firms, [SubjectId; 3]), RunError> {
    let n2 = config.fleet.compliance_firms as usize;
    let n1 = n2 * 2_162 / 2_257;
    let corrections = CorrectionFactors::default();
    let b1920 = Benchmarks::year_2019_2020();
    let (b21, b22) = (Benchmarks::year_2021(), Benchmarks::year_2022());
    let fleet1 = Fleet::synthetic(&scaled_fleet(FleetConfig::first_period(seed), n1), &b1920);
    let fleet2 = Fleet::synthetic(
        &scaled_fleet(FleetConfig::second_period(seed ^ 0x2021_2022), n2),
        &b21,
    );
    let subjects = [
        reg.register_subject(Subject::Cea {
            vintage: CeaVintage::Y2019_2020,
        }),
        reg.register_subject(Subject::Cea {
            vintage: CeaVintage::Year(2021),
        }),
        reg.register_subject(Subject::Cea {
            vintage: CeaVintage::Year(2022),
        }),
    ];
    let accounts: Vec<AccountId> = fleet2
        .entities
        .iter()
        .map(|e| reg.open_account(AccountKind::CoveredEntity, e.name.clone()))
        .collect();
    let (mut p1, alloc1) = period(&fleet1, &accounts[..n1], [&b1920, &b1920], &corrections);
    let (mut p2, alloc2) = period(&fleet2, &accounts, [&b21, &b22], &corrections);
    rebalance(&mut p1, config.fleet.period1_balance_bp);
    rebalance(&mut p2, config.fleet.period2_balance_bp);
    for (i, a) in alloc1.iter().enumerate() {
        let total = a[0] + a[1];
        if !total.is_zero() {
            reg.issue(accounts[i], subjects[0], total)?;
        }
    }
    for (i, e) in fleet2.entities.iter().enumerate() {
        let per_tonne = config
            .fleet
            .cash_per_tonne
            .fen()
            .checked_mul(i128::from(e.emissions_t()))
            .map_or(Money::ZERO, Money::from_fen);
        let cash = config
            .fleet
            .firm_cash
            .checked_add(per_tonne)
            .unwrap_or(config.fleet.firm_cash);
        if cash > Money::ZERO {
            reg.deposit_cash(accounts[i], cash)?;
        }
    }
    let firms = Firms {
        deductions: vec![Quantity::ZERO; accounts.len()],
        accounts,
        p1,
        p2,
        alloc2,
        rules1: CycleRules::first_period(),
        rules2: CycleRules::second_period(),
        credited2: false,
        interim: None,
    };
    Ok((firms, subjects))
}

/// The run's agents: the built-in fleet (covered entities on their accounts, then the admitted
/// market makers and investors on new institution accounts), then the certificate sellers and
/// buyers, each with its own stream.
fn participants(
    config: &ScenarioConfig,
    seed: u64,
    accounts: &[AccountId],
    ex: &mut Exchange,
    certificates: &Certificates,
) -> Result<Vec<Participant>, RunError> {
    let mut participants = Vec::new();
    let members = build_fleet(config, seed);
    let mut next_index = members.len() as u64;
    for FleetMember { index, agent, rng } in members {
        let account = if let Some(a) = accounts.get(index as usize) {
            *a
        } else {
            // Market makers and investors trade as institutions.
            let a = ex
                .registry_mut()
                .open_account(AccountKind::Institution, format!("{}{index}", agent.kind()));
            ex.registry_mut().deposit_cash(a, config.fleet.firm_cash)?;
            a
        };
        participants.push(Participant {
            account,
            agent,
            rng,
            compliance: None,
        });
    }
    let behaviour = &config.behaviour;
    let mut add = |account, agent: Box<dyn Agent + Send>| {
        participants.push(Participant {
            account,
            agent,
            rng: agent_rng(seed, next_index),
            compliance: None,
        });
        next_index += 1;
    };
    for owner in &certificates.ccer_owners {
        let mut p = behaviour.ccer_seller.clone();
        p.subject_prefix = "CCER".into();
        if p.anchor.fen() == 0 {
            p.anchor = config.submarkets.ccer_reference_price;
        }
        add(*owner, Box::new(CertificateSeller::new(p)));
    }
    for (account, _, prefix) in &certificates.generators {
        let mut p = behaviour.gec_seller.clone();
        p.subject_prefix.clone_from(prefix);
        if p.anchor.fen() == 0 {
            p.anchor = config.submarkets.gec_reference_price;
        }
        add(*account, Box::new(CertificateSeller::new(p)));
    }
    let buyers = certificates.gec_buyers.len() as u64;
    for account in &certificates.gec_buyers {
        let mut p = behaviour.gec_buyer.clone();
        if p.demand.is_empty() {
            p.demand = config
                .submarkets
                .gec_demand
                .iter()
                .map(|s| MonthlyStep {
                    from: s.from,
                    per_month: Quantity::new(s.per_month.units() / buyers.max(1)),
                })
                .collect();
        }
        add(*account, Box::new(CertificateBuyer::new(p)));
    }
    Ok(participants)
}

/// CEA's previous close for a run starting on `start`: the published reference of the first day
/// (CNY 48.00), or the published close of the last trading day before `start`.
fn cea_reference(start: NaiveDate) -> Result<Price, RunError> {
    Ok(history::daily()?
        .iter()
        .take_while(|d| d.date < start)
        .last()
        .map_or(CEA_REFERENCE, |d| d.close))
}

fn agent_bar(b: &DailyBar) -> agents::DailyBar {
    agents::DailyBar {
        date: b.date,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        listed_volume: b.listed_volume,
        block_volume: b.block_volume,
        turnover: b.listed_turnover + b.block_turnover,
    }
}

/// The allowance market against the published series, over the days both cover.
fn calibrate(days: &[SubjectDay]) -> Result<Option<CalibrationReport>, RunError> {
    let published = history::daily()?;
    let sim: Vec<DayRecord> = days
        .iter()
        .filter(|d| d.subject == "COMCEA")
        .filter(|d| published.iter().any(|p| p.date == d.date))
        .map(SubjectDay::record)
        .collect();
    let Some(first) = sim.first().map(|d| d.date) else {
        return Ok(None);
    };
    let last = sim.last().map_or(first, |d| d.date);
    let pubd: Vec<DayRecord> = published
        .iter()
        .filter(|p| p.date >= first && p.date <= last)
        .map(|p| DayRecord {
            date: p.date,
            close: p.close,
            listed_volume: p.listed_volume_t,
            block_volume: p.block_volume_t,
            turnover: p.listed_turnover_cny + p.block_turnover_cny,
        })
        .collect();
    Ok(Some(stats::compare(&sim, &pubd)?))
}

/// Runs `config` under `seed` with its built-in fleet.
///
/// # Errors
/// As [`World::new`] and [`World::run`].
pub fn run(config: &ScenarioConfig, seed: u64) -> Result<AgentRun, RunError> {
    World::new(config, seed)?.run()
}
