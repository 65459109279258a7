//! The agent-based run: covered entities with real obligations (and, when the scenario admits
//! them, market makers and investors; when it turns them on, CCER project owners, GEC generators
//! and GEC buyers) trade through the exchange day by day; prices and volumes come out of the
//! books, and the result is set beside the published market.
//!
//! # A day
//! 1. Before the open: allocations due that day are credited; at a month's first trading day the
//!    outlook is refreshed and the month's emissions abated, the previous month's GECs are issued
//!    and listed, and the month's green-power deals are made. On the first trading day after a
//!    deadline moved the outlook's horizon, the outlook is refreshed at once.
//! 2. 09:30, the opening round: for each subject listed that day, in listing order, each agent
//!    that trades it is consulted once, in fleet order starting from a position that rotates each
//!    day (so no agent is always first). Its intents go to the exchange at once, so the next
//!    agent sees the book they left.
//! 3. 13:00: the optional intraday rounds, then the block negotiation of the day's block intents
//!    (see [`self::broker`]).
//! 4. The close: bars, expiries, each agent told the day's outcome; GEC buyers claim what they
//!    hold; a compliance deadline falling on or before the next trading day is settled through the
//!    compliance rules, fines collected.
//!
//! # Compliance cycles
//! The policy timeline ([`crate::timeline`], the scenario's `[policy]` merged over the published
//! one) drives the firms: each cycle's fleet is drawn to its coverage, each vintage is credited on
//! its date (less what an earlier cycle deducted; until then firms count it as pending
//! allocation) and listed on its date, and each deadline is settled after the close of the last
//! trading day on or before it. Under the published timeline the 2019–2020 allowances are
//! credited before the first day, 95 % of entities are to surrender by 2021-12-15 and all by
//! 2021-12-31; the 2021 and 2022 allowances are credited on 2023-03-16 and list as `CEA21` and
//! `CEA22` from 2023-08-28; 95 % of the volume is due on 2023-11-15 and the rest on 2023-12-31.
//!
//! # Determinism
//! Every random draw comes from a stream of the run's seed: each agent's own stream
//! ([`crate::agents::agent_rng`]) and the fleet's synthetic units. Nothing depends on the thread
//! count or on hashing order, so a seed gives byte-identical results.

pub mod allowance_facts;
mod auction_day;
mod bank_watch;
mod books;
pub mod broker;
mod ccer2;
mod certificate_agents;
pub mod certificate_facts;
pub mod certificates;
mod economy;
pub mod economy_report;
pub mod facts_markdown;
mod firms;
pub mod fleet;
mod gec_deals;
mod gec_mandates;
pub mod gec_vintages;
pub mod instruments;
pub mod instruments_report;
mod operations;
mod panel;
pub mod panel_report;
mod record;
pub mod report;
pub mod years_report;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use self::broker::{Broker, DayContext, Flow, Participant, RunListing, Turn};
use self::certificate_agents::{demand_schedule, later_participants};
use self::certificates::{CertificateMonth, Certificates, NewListing};
pub use self::economy::{Economics, FirmAbatement, OutlookDay};
use self::economy::{Economy, OffsetSupply};
use self::fleet::{FleetMember, build_grouped_fleet};
use self::instruments::Instruments;
pub use self::instruments::{AuctionRow, InstrumentsRecord, ReserveAction, ReserveRow};
pub use self::panel::FirmCycle;
use super::config::{ConfigError, ScenarioConfig};
pub use super::cycles::BankingVoid;
use super::cycles::{Cycles, FleetDraw, SetUpError};
use super::replay::ComplianceSummary;
use super::study::stats::{CalibrationReport, DayRecord, StatsError};
use crate::agents::certificate_buyer::CertificateBuyer;
use crate::agents::certificate_seller::CertificateSeller;
use crate::agents::{Agent, DayOutcome, Deadline, agent_rng};
use crate::calendar::{CalendarError, TimeOfDay};
use crate::compliance::cycle::ComplianceError;
use crate::economics::outlook::Outlook;
use crate::exchange::bars::DailyBar;
use crate::exchange::{Exchange, ExchangeConfig, ExchangeError};
use crate::history::{self, HistoryError};
use crate::instrument::TradingMethod;
use crate::registry::{
    AccountId, AccountKind, AdmissionRules, Market, Registry, RegistryConfig, RegistryError,
    Subject, SubjectId,
};
use crate::schedule::MonthlyStep;
use crate::units::{Money, Price, Quantity};

/// The opening round's time and the afternoon session's start.
const MORNING: TimeOfDay = match TimeOfDay::hm(9, 30) {
    Some(t) => t,
    None => TimeOfDay::MIDNIGHT,
};
const AFTERNOON: TimeOfDay = match TimeOfDay::hm(13, 0) {
    Some(t) => t,
    None => TimeOfDay::MIDNIGHT,
};

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
    /// The policy timeline asks for what the runner cannot build (boxed: it carries four
    /// strings).
    #[error(transparent)]
    Timeline(Box<crate::timeline::TimelineError>),
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
    /// The scenario's dates hold no trading day (only weekends or holidays).
    #[error("no trading day from {start} to {end}: the exchange is closed on all of them")]
    NoTradingDay {
        /// The scenario's start.
        start: NaiveDate,
        /// The scenario's end.
        end: NaiveDate,
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
    /// The day as the statistics read it (turnover of both methods together).
    #[must_use]
    pub fn record(&self) -> DayRecord {
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
    #[serde(with = "crate::units::count")]
    pub bought: Quantity,
    /// Units sold.
    #[serde(with = "crate::units::count")]
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
    /// Whether the run simulated the CCER market (`submarkets.ccer`).
    #[serde(default)]
    pub ccer: bool,
    /// Whether the run simulated the GEC market and green-power deals (`submarkets.gec`).
    #[serde(default)]
    pub gec: bool,
    /// GEC exchange trading by month and production year (empty without GEC trades).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gec_vintages: Vec<gec_vintages::GecVintageMonth>,
    /// Order flow.
    pub flow: Flow,
    /// Activity per agent kind.
    pub activity: Vec<KindActivity>,
    /// What each banking cap of the timeline voided (none under the 2019–2023 rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banking: Vec<BankingVoid>,
    /// The firms' abatement and the market's outlook.
    pub economics: Economics,
    /// Each covered entity's cycle: see [`FirmCycle`].
    #[serde(default)]
    pub panel: Vec<FirmCycle>,
    /// The capped market's caps, auctions and reserve moves (none without instruments).
    #[serde(default, skip_serializing_if = "InstrumentsRecord::is_empty")]
    pub instruments: InstrumentsRecord,
    /// Cash the firms' operations paid into their accounts over the run (from outside the
    /// market, as the opening cash).
    #[serde(default)]
    pub operating_cash: Money,
}

impl AgentRun {
    /// The days of one subject, in date order.
    pub fn series<'a>(&'a self, subject: &'a str) -> impl Iterator<Item = &'a SubjectDay> + 'a {
        self.days.iter().filter(move |d| d.subject == subject)
    }
}

/// What a run carries from day to day.
struct RunState {
    broker: Broker,
    /// The rows recorded so far.
    out: Vec<SubjectDay>,
    compliance: Vec<ComplianceSummary>,
    events: Vec<crate::exchange::ExchangeEvent>,
    /// The deadlines ahead, refreshed each morning.
    deadlines: Vec<Deadline>,
    composite_close: Price,
    /// The month whose certificates were last issued.
    month: Option<(i32, u32)>,
    /// What the banking caps voided.
    banking: Vec<BankingVoid>,
}

/// A run being set up: the scenario's market and fleet, to which an economist may add agents
/// of their own before [`World::run`].
pub struct World {
    config: ScenarioConfig,
    seed: u64,
    ex: Exchange,
    participants: Vec<Participant>,
    /// The first participants, one per covered account that acts in the run.
    firms: usize,
    listings: Vec<RunListing>,
    cycles: Cycles,
    certificates: Certificates,
    economy: Economy,
    panel: panel::PanelLedger,
    /// The authority's auctions and reserve, when the timeline has them.
    instruments: Option<Instruments>,
    /// What each banking cap lets each entity keep.
    bank_watch: bank_watch::BankWatch,
    /// Cash the firms' operations have paid in so far ([`operations`]).
    operating_cash: Money,
    /// Every trading day of the exchange's calendar, to count the days to a deadline.
    trading_days: Vec<NaiveDate>,
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

impl World {
    /// Sets up the scenario's market and fleet under `seed`.
    ///
    /// # Errors
    /// [`RunError::Config`] for an invalid scenario; other variants only on a set-up bug.
    pub fn new(config: &ScenarioConfig, seed: u64) -> Result<Self, RunError> {
        config.validate()?;
        let timeline = config.timeline()?;
        // A run reads no journal; keeping one would cost an event per freeze and trade.
        let m = &config.submarkets;
        let mut reg = Registry::new(RegistryConfig {
            admission: admission(config, &timeline),
            journal: false,
            gec_validity_months: m.gec_validity_months,
            gec_valid_at_least_through: Some(certificates::ym(m.gec_valid_at_least_through)),
            ..RegistryConfig::default()
        });
        let (mut cycles, instruments) = set_up_cycles(config, timeline, seed, &mut reg)?;
        let economy = Economy::new(&config.economics, &cycles, seed);
        let mut certificates = Certificates::set_up(
            &mut reg,
            &config.submarkets,
            config.start,
            config.submarkets.gec_buyer_cash,
        )?;
        let mut ex = exchange_for(config, &cycles, reg)?;
        let listings = list_at_open(config, &mut cycles, &mut certificates, &mut ex)?;

        // A group first credited after the run's end has no accounts (`FleetDraw::through`):
        // every account acts in the run.
        let firms = cycles.accounts.len();
        let bank_watch = bank_watch::BankWatch::new(&cycles);
        let streams = Streams::of(seed, &cycles, firms);
        let mut participants = participants(
            config,
            streams,
            &cycles.accounts[..firms],
            &mut ex,
            &certificates,
        )?;
        // CCER 2.0 owners and mandated buyers open their accounts after every other.
        certificates.set_up_later(ex.registry_mut(), config.end)?;
        later_participants(config, &streams, &certificates, &mut participants);
        Ok(World {
            config: config.clone(),
            seed,
            ex,
            participants,
            firms,
            listings,
            cycles,
            certificates,
            economy,
            panel: panel::PanelLedger::default(),
            instruments,
            bank_watch,
            operating_cash: Money::ZERO,
            trading_days: Vec::new(),
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
        let streams = Streams::of(self.seed, &self.cycles, self.firms);
        self.participants.push(Participant {
            account,
            agent,
            rng: streams.rng(self.participants.len()),
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
        if days.is_empty() {
            return Err(RunError::NoTradingDay {
                start: self.config.start,
                end: self.config.end,
            });
        }
        let all_days = cal.trading_days(cal.first(), cal.last())?;
        self.trading_days.clone_from(&all_days);
        for i in 0..self.listings.len() {
            let l = &self.listings[i];
            self.listings[i] = self.run_listing(l.code.clone(), l.subject, l.from);
        }
        let mut state = RunState {
            broker: Broker::new(&self.participants),
            out: Vec::with_capacity(days.len() * 4),
            compliance: Vec::new(),
            events: Vec::new(),
            deadlines: Vec::with_capacity(2),
            composite_close: opening_reference(&self.cycles, self.config.start)?,
            month: None,
            banking: Vec::new(),
        };
        let first = days.first().copied().unwrap_or(self.config.start);
        // A run starting after some deadlines inherits their cycles as the market left them:
        // traded to cover, then settled.
        self.inherit_deadlines(first, &mut state.compliance)?;
        self.update_positions(first);
        for (d, &date) in days.iter().enumerate() {
            self.trade_day(&mut state, d, date, &all_days)?;
            let next = all_days
                .get(all_days.partition_point(|x| *x <= date))
                .copied();
            self.after_close(&mut state, date, next)?;
        }
        let activity = self.activity(&state.broker);
        let calibration = record::calibrate(&state.out, self.first_cycle_offsets())?;
        let run = AgentRun {
            scenario: self.config.name.clone(),
            scenario_hash: self.config.content_hash(),
            seed: self.seed,
            days: state.out,
            compliance: state.compliance,
            calibration,
            certificates: self.certificates.months.clone(),
            ccer: self.config.submarkets.ccer,
            gec: self.config.submarkets.gec,
            gec_vintages: self.certificates.gec_by_production_year(),
            flow: state.broker.flow,
            activity,
            banking: state.banking,
            economics: self.economy.record(&self.cycles, self.ex.registry()),
            panel: self.panel_rows(first, days.last().copied().unwrap_or(first)),
            instruments: self.instruments.map(|i| i.record).unwrap_or_default(),
            operating_cash: self.operating_cash,
        };
        Ok((run, self.ex))
    }

    /// The CCERs surrendered as offsets by the first cycle's final deadline, when the run has
    /// the CCER market and covers that deadline's month.
    fn first_cycle_offsets(&self) -> Option<Quantity> {
        let offsets = certificates::first_cycle_offsets(&self.certificates.months);
        offsets.filter(|_| self.config.submarkets.ccer)
    }

    /// One trading day, from the credits before the open to the bars recorded after the close.
    fn trade_day(
        &mut self,
        state: &mut RunState,
        d: usize,
        date: NaiveDate,
        all_days: &[NaiveDate],
    ) -> Result<(), RunError> {
        self.before_open(date, &mut state.month, state.composite_close)?;
        self.ex.open_day(date)?;
        self.deadlines_on(date, all_days, &mut state.deadlines);
        let active: Vec<usize> = (0..self.listings.len())
            .filter(|&i| {
                let listed = self
                    .ex
                    .band(self.listings[i].subject, TradingMethod::ListedAgreement);
                listed.is_some() && self.listings[i].from <= date
            })
            .collect();
        let account_subjects = self.account_subjects();
        let day = DayContext {
            index: d as u32,
            date,
            deadlines: &state.deadlines,
            history_bars: self.config.fleet.history_bars as usize,
            account_subjects: &account_subjects,
            shown: &DayContext::slots(&account_subjects),
        };
        let consulted = self.trading_rounds(&mut state.broker, &active, &day)?;
        if self.ex.time() < AFTERNOON {
            self.ex.set_time(AFTERNOON)?;
        }
        self.hold_auctions(&state.broker, &day, &mut state.events)?;
        let broker = &mut state.broker;
        broker.negotiate_blocks(&mut self.ex, &mut self.participants, &self.listings, date)?;
        let bars = self.ex.close_day(&mut state.events)?;
        self.certificates.record_bars(&bars);
        broker.end_day(
            &mut state.events,
            &mut self.participants,
            &self.listings,
            date,
        );
        self.ex
            .registry()
            .check_conservation()
            .map_err(|reason| RunError::Conservation { date, reason })?;
        self.tell_outcomes(broker, &bars, (&active, &consulted), &day);
        state.composite_close = self.record(date, &bars, state.composite_close, &mut state.out);
        if let Some(i) = &mut self.instruments {
            i.closed(state.composite_close);
        }
        Ok(())
    }

    /// After the close: certificate trades counted and claims made, the deadlines before the
    /// next trading day settled (a deadline on a weekend or holiday after the last trading day
    /// before it), the firms' views updated, and a month closed.
    fn after_close(
        &mut self,
        state: &mut RunState,
        date: NaiveDate,
        next: Option<NaiveDate>,
    ) -> Result<(), RunError> {
        for row in state.out.iter().rev().take_while(|r| r.date == date) {
            let traded = row.listed_volume + row.block_volume;
            match row.subject.as_str() {
                "CCER" => self.certificates.record_trade(true, traded),
                "GEC" => self.certificates.record_trade(false, traded),
                _ => {}
            }
        }
        self.certificates.note_trades(self.ex.tape());
        self.certificates.claim(self.ex.registry_mut(), date)?;
        let settled_before = state.compliance.len();
        self.settle_deadlines(next, &state.out, &mut state.compliance)?;
        for k in self.cycles.agenda.caps_due(next) {
            let held = panel::allowances_held(&self.cycles, self.ex.registry());
            let net_sales = self.cycles.net_sales(k, self.ex.tape());
            if let Some(void) = self
                .cycles
                .apply_cap(self.ex.registry_mut(), k, &net_sales)?
            {
                let after = panel::allowances_held(&self.cycles, self.ex.registry());
                self.panel.voided(k, void.date, &held, &after);
                state.banking.push(void);
            }
        }
        self.measure_bank(&state.compliance[settled_before..]);
        self.bank_watch.count_trades(self.ex.tape());
        self.update_positions(next.unwrap_or(date));
        let certificate_markets = self.config.submarkets.ccer || self.config.submarkets.gec;
        if certificate_markets && next.is_none_or(|nx| nx.month() != date.month()) {
            self.certificates.close_month(self.ex.registry_mut(), date);
        }
        Ok(())
    }

    /// A month's first trading day: the outlook refreshed, the month's emissions abated at the
    /// market's expected price `w·F + (1 − w)·close`, and the firms' views updated.
    fn month_economics(&mut self, date: NaiveDate, close: Price) {
        let outlook = self.refresh_outlook(date);
        let w = self.config.behaviour.compliance_firm.fundamental_weight;
        let expected = w * outlook.fundamental.to_f64() + (1.0 - w) * close.to_f64();
        let price = Price::from_fen((expected * 100.0).round() as i64);
        self.economy.abate_month(&mut self.cycles, date, price);
        self.update_positions(date);
    }

    /// The outlook recomputed on `date` from the fleet's position and the offsets in
    /// circulation.
    fn refresh_outlook(&mut self, date: NaiveDate) -> Outlook {
        let offsets = self.offsets_in_circulation(date);
        self.economy
            .refresh(&self.cycles, self.ex.registry(), date, offsets)
    }

    /// The offsets the cycle in force accepts, held by the covered entities and the project
    /// owners, and the allowance price from which firms buy them.
    fn offsets_in_circulation(&self, date: NaiveDate) -> OffsetSupply {
        let k = self.cycles.in_force(date).first().copied().unwrap_or(0);
        let reg = self.ex.registry();
        let ccer2_owners: Vec<AccountId> =
            self.certificates.ccer2_owners().map(|(a, _)| a).collect();
        let holders = self
            .cycles
            .accounts
            .iter()
            .chain(&self.certificates.ccer_owners)
            .chain(&ccer2_owners);
        let subjects = self.eligible_offsets(k);
        // Each holder's own holdings, not a look-up per holder and subject.
        let mut eligible = vec![false; reg.subject_count()];
        for s in &subjects {
            eligible[s.index()] = true;
        }
        let tonnes = if subjects.is_empty() {
            0
        } else {
            holders
                .filter_map(|a| reg.account_holdings(*a).ok())
                .flatten()
                .filter(|(s, _)| eligible[s.index()])
                .map(|(_, h)| h.total().units())
                .sum()
        };
        let cheapest = subjects
            .iter()
            .filter_map(|s| self.ex.prev_close(*s))
            .min()
            .unwrap_or(self.config.submarkets.ccer_reference_price);
        let discount = self.config.behaviour.compliance_firm.ccer_min_discount;
        let fen = cheapest.to_f64() * 100.0 / (1.0 - discount).max(0.01);
        OffsetSupply {
            tonnes,
            bought_from: Price::from_fen(fen.round() as i64),
        }
    }

    /// Before a day's open: the timeline's credits and listings, and at a month's first day the
    /// certificate issuance and its new GEC listings.
    fn before_open(
        &mut self,
        date: NaiveDate,
        month: &mut Option<(i32, u32)>,
        close: Price,
    ) -> Result<(), RunError> {
        self.close_books(date)?;
        self.credit_and_list(date, close)?;
        if *month != Some((date.year(), date.month())) {
            let per_tonne = self.config.fleet.operating_cash_per_tonne;
            let paid = operations::pay_month(&self.cycles, self.ex.registry_mut(), per_tonne)?;
            self.operating_cash = self
                .operating_cash
                .checked_add(paid)
                .unwrap_or(self.operating_cash);
            self.month_economics(date, close);
            let gec_price = self.gec_price();
            let new = self
                .certificates
                .month_start(self.ex.registry_mut(), date, gec_price)?;
            let reference = self.gec_opening_price(date).unwrap_or(gec_price);
            self.list_new(new, reference, date, false)?;
            *month = Some((date.year(), date.month()));
        } else if self.economy.horizon_moved(&self.cycles, date) {
            self.refresh_outlook(date);
            self.update_positions(date);
        }
        let new = self
            .certificates
            .ccer2_before_open(self.ex.registry_mut(), date)?;
        let reference = self.config.submarkets.ccer2.reference_price;
        self.list_new(new, reference, date, true)?;
        Ok(())
    }

    /// The day's trading: the opening round, then the intraday rounds, each showing every
    /// active listing to its traders in a rotated order. Returns, per active listing, who was
    /// consulted in the opening round (told the day's outcome tonight).
    fn trading_rounds(
        &mut self,
        broker: &mut Broker,
        active: &[usize],
        day: &DayContext<'_>,
    ) -> Result<Vec<Vec<u32>>, RunError> {
        let (start, date) = (day.index as usize * 7_919, day.date);
        self.ex.set_time(MORNING)?;
        let mut consulted: Vec<Vec<u32>> = vec![Vec::new(); active.len()];
        // Firms of a group not yet credited (the industrial sectors before their first
        // allocation) have nothing to decide: they are not consulted ([`Self::awake_traders`]).
        let dormant = self.cycles.dormant_accounts();
        let awake: Vec<(usize, Vec<u32>)> = active
            .iter()
            .map(|&li| self.awake_traders(li, &dormant))
            .collect();
        let mut holdings = Vec::with_capacity(8);
        for step in std::iter::once(None).chain((0..self.config.fleet.intraday_steps).map(Some)) {
            if step == Some(0) {
                self.ex.set_time(AFTERNOON)?;
            }
            for (slot, &li) in active.iter().enumerate() {
                broker.refresh_depth(&self.ex, self.listings[li].subject);
                let (lead, awake) = (awake[slot].0, &awake[slot].1);
                for k in 0..awake.len() {
                    let a = awake[turn_order(lead, awake.len(), start, k)] as usize;
                    let code = &self.listings[li].code;
                    if !self.participants[a].agent.wants_view(code, date) {
                        continue;
                    }
                    if step.is_none() {
                        consulted[slot].push(a as u32);
                    }
                    if !broker.has_asks() && self.participants[a].agent.needs_offers() {
                        continue;
                    }
                    let turn = Turn {
                        agent: a,
                        listing: li,
                        step,
                    };
                    broker.consult(
                        &mut self.ex,
                        &mut self.participants,
                        (&self.listings, day),
                        turn,
                        &mut holdings,
                    )?;
                }
            }
        }
        Ok(consulted)
    }

    /// The traders of listing `li` that have something to decide, in their order, and how many
    /// of them lead: the firms of a group not yet credited (`dormant`) take no turn.
    fn awake_traders(&self, li: usize, dormant: &[std::ops::Range<usize>]) -> (usize, Vec<u32>) {
        let l = &self.listings[li];
        awake(&l.traders, l.lead, |a| {
            (a as usize) < self.firms && dormant.iter().any(|r| r.contains(&(a as usize)))
        })
    }

    /// After the close: each active listing keeps its bar in its history, and the agents
    /// consulted in the opening round hear the day's outcome and their rejected intents.
    fn tell_outcomes(
        &mut self,
        broker: &mut Broker,
        bars: &[DailyBar],
        (active, consulted): (&[usize], &[Vec<u32>]),
        day: &DayContext<'_>,
    ) {
        let (date, history_bars) = (day.date, day.history_bars);
        let by_code: std::collections::HashMap<&str, &DailyBar> =
            bars.iter().map(|b| (b.subject.as_str(), b)).collect();
        for &li in active {
            let listing = &mut self.listings[li];
            if let Some(bar) = by_code.get(listing.code.as_str()) {
                listing.bars.push(record::agent_bar(bar));
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
        let mut v = self.cycles.vintages.clone();
        v.extend(self.offset_view().cloned());
        v
    }

    /// The market of a registry subject.
    fn market_of(&self, subject: SubjectId) -> Option<Market> {
        self.ex
            .registry()
            .subject(subject)
            .ok()
            .map(Subject::market)
    }

    /// Records the day's rows (see [`record::record_day`]); returns the composite close.
    fn record(
        &self,
        date: NaiveDate,
        bars: &[DailyBar],
        prev: Price,
        out: &mut Vec<SubjectDay>,
    ) -> Price {
        let codes: Vec<String> = self
            .cycles
            .vintages
            .iter()
            .map(|(_, c)| c.clone())
            .collect();
        let markets: std::collections::HashMap<&str, Option<Market>> = self
            .listings
            .iter()
            .map(|l| (l.code.as_str(), self.market_of(l.subject)))
            .collect();
        let market_of = |code: &str| markets.get(code).copied().flatten();
        record::record_day(date, bars, (&codes, &market_of), prev, out)
    }

    /// The latest GEC book's previous close (the reference price before any GEC listed): what
    /// a new month's books and green-power deals start from.
    fn gec_price(&self) -> Price {
        self.listings
            .iter()
            .rev()
            .filter(|l| self.market_of(l.subject) == Some(Market::Gec))
            .find_map(|l| self.ex.prev_close(l.subject))
            .unwrap_or(self.config.submarkets.gec_reference_price)
    }
}

/// The `k`-th trader consulted on a book of `traders` whose first `lead` always go first: the
/// others follow in a rotation, a fixed stride through them from `start`, different each day
/// (so no agent is always first).
/// `traders` without those `asleep`, in their order, and how many of the first `lead` remain.
/// The sleepers take no place in the rotation either ([`turn_order`]), so that a group joining
/// later leaves the others' turns (who comes before the sellers on a book) as they would be
/// without it.
fn awake(traders: &[u32], lead: usize, asleep: impl Fn(u32) -> bool) -> (usize, Vec<u32>) {
    let lead = traders.iter().take(lead).filter(|&&a| !asleep(a)).count();
    (
        lead,
        traders.iter().copied().filter(|&a| !asleep(a)).collect(),
    )
}

fn turn_order(lead: usize, traders: usize, start: usize, k: usize) -> usize {
    if k < lead {
        return k;
    }
    let rotated = traders - lead;
    let i = start % rotated + (k - lead);
    lead + if i < rotated { i } else { i - rotated }
}

/// Who may trade allowances: in 2021–2023 only covered entities; a scenario admitting market
/// makers or investors opens the market to institutions, and one with auctions admits the
/// authority, which sells through the exchange like any admitted seller.
fn admission(config: &ScenarioConfig, timeline: &crate::timeline::Timeline) -> AdmissionRules {
    let mut admission = AdmissionRules::default();
    if config.participants.market_makers || config.participants.investors {
        admission = admission.with(Market::Cea, AccountKind::Institution, true);
    }
    if !timeline.spec().instruments.auctions.is_empty() {
        admission = admission.with(Market::Cea, AccountKind::Operator, true);
    }
    admission
}

/// How a run's agents get their streams ([`fleet::stream_index`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Streams {
    seed: u64,
    /// The first group of sectors' entities.
    first_group: usize,
    /// Every group's entities.
    covered: usize,
}

impl Streams {
    /// The streams under master seed `seed` of a run whose `covered` entities are the accounts
    /// of `cycles`' groups.
    fn of(seed: u64, cycles: &Cycles, covered: usize) -> Self {
        Streams {
            seed,
            first_group: cycles.groups.first().map_or(covered, |g| g.len),
            covered,
        }
    }

    /// The generator of the agent at `position` among the run's agents.
    pub(super) fn rng(&self, position: usize) -> rand_chacha::ChaCha8Rng {
        agent_rng(
            self.seed,
            fleet::stream_index(position, self.first_group, self.covered),
        )
    }
}

/// The run's agents: the built-in fleet (covered entities on their accounts, then the admitted
/// market makers and investors on new institution accounts), then the certificate sellers and
/// buyers, each with its own stream.
fn participants(
    config: &ScenarioConfig,
    streams: Streams,
    accounts: &[AccountId],
    ex: &mut Exchange,
    certificates: &Certificates,
) -> Result<Vec<Participant>, RunError> {
    let mut participants = Vec::new();
    let members = build_grouped_fleet(config, streams.seed, streams.first_group, accounts.len());
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
        let rng = streams.rng(participants.len());
        participants.push(Participant {
            account,
            agent,
            rng,
            compliance: None,
        });
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
        if p.anchor_steps.is_empty() {
            p.anchor_steps
                .clone_from(&config.submarkets.gec_anchor_steps);
        }
        add(*account, Box::new(CertificateSeller::new(p)));
    }
    let buyers = certificates.gec_buyers.len() as u64;
    for account in &certificates.gec_buyers {
        let mut p = behaviour.gec_buyer.clone();
        if p.demand.is_empty() {
            p.demand = demand_schedule(&config.submarkets)
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

/// The opening vintage's previous close for a run starting on `start`: the published close of the
/// last trading day before `start`, or on the market's first day its reference price.
fn opening_reference(cycles: &Cycles, start: NaiveDate) -> Result<Price, RunError> {
    let opening = cycles
        .timeline
        .spec()
        .vintages
        .values()
        .next()
        .and_then(|v| v.reference_price);
    let before = history::daily()?
        .iter()
        .take_while(|d| d.date < start)
        .last();
    Ok(before.map(|d| d.close).or(opening).unwrap_or(Price::ZERO))
}

/// Draws the timeline's fleets for the scenario (its firm count and cycle balances), registers
/// the vintages, opens the entities' accounts with their cash, and credits what is due before
/// the first deadline.
fn set_up_cycles(
    config: &ScenarioConfig,
    timeline: crate::timeline::Timeline,
    seed: u64,
    reg: &mut Registry,
) -> Result<(Cycles, Option<Instruments>), RunError> {
    let published =
        crate::timeline::Timeline::published().map_err(|e| RunError::Timeline(Box::new(e)))?;
    let fleet = &config.fleet;
    let mut balance = vec![fleet.period1_balance_bp, fleet.period2_balance_bp];
    if let Some(later) = fleet.later_balance_bp {
        balance.resize(timeline.spec().cycles.len().max(2), later);
    }
    let draw = FleetDraw {
        seed,
        firms: Some(fleet.compliance_firms),
        balance_bp: &balance,
        reference: Some(&published),
        through: Some(config.end),
    };
    let mut cycles = Cycles::set_up(timeline, &draw, reg).map_err(|e| match e {
        SetUpError::Timeline(t) => RunError::Timeline(Box::new(t)),
        SetUpError::Registry(r) => RunError::Registry(r),
    })?;
    let calendar = cycles.timeline.calendar(config.calendar_end())?;
    let instruments = Instruments::set_up(&cycles, reg, &calendar);
    cycles.auctioneer = instruments.as_ref().map(|i| i.auctioneer);
    let first_deadline = cycles
        .agenda
        .upcoming()
        .first()
        .map_or(config.start, |d| d.date);
    cycles.credit_due(reg, config.start.min(first_deadline))?;
    for (i, annual) in cycles.annual_emissions.iter().enumerate() {
        let per_tonne = fleet.cash_per_tonne.fen().checked_mul(i128::from(*annual));
        let per_tonne = per_tonne.map_or(Money::ZERO, Money::from_fen);
        let cash = fleet
            .firm_cash
            .checked_add(per_tonne)
            .unwrap_or(fleet.firm_cash);
        if cash > Money::ZERO {
            reg.deposit_cash(cycles.accounts[i], cash)?;
        }
    }
    Ok((cycles, instruments))
}

/// What lists on the run's first day: the opening vintage (later ones list on their days), the
/// CCER projects' books and the opening GEC stock.
fn list_at_open(
    config: &ScenarioConfig,
    cycles: &mut Cycles,
    certificates: &mut Certificates,
    ex: &mut Exchange,
) -> Result<Vec<RunListing>, RunError> {
    let mut listings = Vec::new();
    let mut list = |ex: &mut Exchange, subject, code: &str, reference, from| {
        ex.list(subject, code, reference, from, None)?;
        // Who trades it is settled when the run starts, once every agent is known.
        listings.push(RunListing::new(code.to_owned(), subject, from, &[]));
        Ok::<(), RunError>(())
    };
    let start = config.start;
    // The market's opening vintage lists at set-up; later ones on their listing days.
    let (opening, code) = cycles.vintages[0].clone();
    let reference = opening_reference(cycles, start)?;
    list(ex, opening, &code, reference, start)?;
    cycles.agenda.list_due(cycles.timeline.market_open());
    for (subject, code) in &certificates.ccer_subjects {
        list(
            ex,
            *subject,
            code,
            config.submarkets.ccer_reference_price,
            start,
        )?;
    }
    let opening = certificates.open(ex.registry_mut(), start)?;
    for NewListing { subject, code } in opening {
        list(
            ex,
            subject,
            &code,
            config.submarkets.gec_reference_price,
            start,
        )?;
    }
    Ok(listings)
}

/// The national exchange on the timeline's calendar: its holidays, then weekdays only (the
/// scenario file's documented rule).
fn exchange_for(
    config: &ScenarioConfig,
    cycles: &Cycles,
    reg: Registry,
) -> Result<Exchange, RunError> {
    let mut exchange_config = ExchangeConfig::national_2021_2023()?;
    // The run records its own rows from each day's bars.
    exchange_config.keep_bars = false;
    exchange_config.calendar = cycles.timeline.calendar(config.calendar_end())?;
    Ok(Exchange::new(exchange_config, reg))
}

/// Runs `config` under `seed` with its built-in fleet.
///
/// # Errors
/// As [`World::new`] and [`World::run`].
pub fn run(config: &ScenarioConfig, seed: u64) -> Result<AgentRun, RunError> {
    World::new(config, seed)?.run()
}

#[cfg(test)]
mod tests {
    use super::{awake, turn_order};

    /// Each day's consultation order of `traders` (the first `lead` first, the rest rotating).
    fn day_order(traders: &[u32], lead: usize, day: usize) -> Vec<u32> {
        (0..traders.len())
            .map(|k| traders[turn_order(lead, traders.len(), day * 7_919, k)])
            .collect()
    }

    #[test]
    fn a_dormant_group_takes_no_place_in_the_rotation() {
        // Firms 0..5, a dormant group 5..9, then two sellers (9, 10).
        let with: Vec<u32> = (0..11).collect();
        let without: Vec<u32> = (0..5).chain(9..11).collect();
        for day in 0..50 {
            let (lead, awake_with) = awake(&with, 0, |a| (5..9).contains(&a));
            assert_eq!(lead, 0);
            assert_eq!(
                day_order(&awake_with, lead, day),
                day_order(&without, 0, day),
                "day {day}"
            );
        }
        // Leaders that sleep stop leading; the others keep their place at the front.
        assert_eq!(awake(&[7, 9, 1, 2], 2, |a| a == 7), (1, vec![9, 1, 2]));
    }
}
