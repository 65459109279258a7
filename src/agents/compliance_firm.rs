//! A covered entity that trades to meet its surrender obligation.
//!
//! Each day, on an allowance subject, the firm computes its gap: the obligation due by the next
//! deadline minus its allowances and the offsets it may still use. It then
//! - decides whether to act today: with probability `base_activity` far from the deadline, rising to
//!   certainty as the deadline nears (urgency `u = exp(-trading_days_left / urgency_horizon_days)`),
//!   which concentrates volume in deadline months as in Dec 2021 and Sep–Dec 2023;
//! - trades a share of the gap that grows from `min_trade_fraction` to all of it with urgency;
//!   when it routes to block trading (probability `block_probability`) it deals at least the
//!   block minimum, if its whole gap or surplus is that large; an urgent buyer before a final
//!   deadline first takes what the listed book offers at or below its limit;
//! - prices from an adaptive expectation of the close, tilted by the recent trend: a short firm
//!   bids above it by a premium growing with urgency, a long firm asks below it;
//! - weighs the penalty: it never bids above the per-tonne cost of falling short (the fine spread
//!   over the gap, a non-compliance cost, and, when the shortfall is deducted from the next
//!   allocation, the horizon price at which the deducted tonnes must be replaced);
//! - anchors on fundamentals: when the run gives an outlook, the expectation is
//!   `w·F + (1 − w)·A`, the fundamental value `F` (the horizon price discounted at the cost of
//!   carry, see [`crate::economics::outlook`]) weighted by `fundamental_weight` against the
//!   adaptive expectation `A` of the closes;
//! - values its bank: a long firm never asks below the fundamental value less
//!   `max_bank_discount`, since allowances stay valid for later periods;
//! - disagrees: each limit carries a daily uniform noise of `±price_noise`;
//! - banks: a long firm keeps `banking_share` of its surplus while the market pays no more than
//!   the bank value (by `hold_if_expected_rise`), and holds all of it while the expected rise
//!   exceeds `hold_if_expected_rise`, unless its cash is below `liquidity_cash_target`;
//! - plans the next cycle too once its plan is out while the cycle in force is open: a surplus
//!   now is kept for a shortfall next, and what the next cycle lacks beyond it is bought at that
//!   cycle's own (later) pace ([`super::joint_plan`]);
//! - buys where units are: every eligible vintage counts alike, so a buyer passes over a vintage
//!   with nothing offered and nothing traded on its last day while a newer one is listed (where
//!   the fresh allocation, and so the sellers, are), instead of waiting in an empty book;
//! - buys CCER offsets up to the 5 % room when they are at least `ccer_min_discount` cheaper than the
//!   expected allowance price, long or short (a long firm's offset frees an allowance to bank or
//!   sell), bidding on each project's book only for what it offers within the limit;
//! - spends at most its cash minus a `cash_buffer_share` reserve, and sells only what it holds.
//!
//! All thresholds are heuristics in `f64`; every emitted price and quantity is exact and inside the
//! method's band and size rules. The defaults are assumptions to calibrate (see `docs/model.md`).

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::joint_plan::{JointPlan, Step, shrink};
use super::{
    AccountView, Agent, AuctionBid, AuctionNotice, DayOutcome, Fill, MarketView, OrderIntent,
    OrderKind, Outlook, Routing, Side, affordable, budget_from_yuan, codes, price_from_yuan,
    push_orders, quantity_ceil,
};
use crate::units::{Money, Price, Quantity};

/// Parameters of [`ComplianceFirm`]; every default is an assumption to calibrate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceFirmParams {
    /// Subjects whose units count towards the obligation. Default `["CEA", "CEA21", "CEA22"]`.
    pub allowance_subjects: Vec<String>,
    /// Offset subjects: every subject whose code starts with this (one book per CCER project,
    /// e.g. `"CCER-P01"`). Default `"CCER"`.
    pub offset_subject: String,
    /// Weight of the latest close in the adaptive price expectation, in `[0, 1]`. Default 0.3.
    pub expectation_adjustment: f64,
    /// Weight of the recent relative trend in the expectation, `>= 0`. Default 0.2: near the
    /// value at which the linearised close dynamics damp fastest (`docs/model.md`, "Why β =
    /// 0.2"); at 0.5 a thin market ran a self-sustained cycle of a few weeks.
    pub trend_weight: f64,
    /// Bars over which the trend is measured, `>= 1`. Default 5.
    pub trend_window_days: u32,
    /// Trading days over which urgency decays, `> 0`. Default 15.
    pub urgency_horizon_days: f64,
    /// Mean share of a deadline's notice a firm keeps as its lead, in `[0, 1]`: each firm works
    /// to its own date, `⌊φ_i·N⌋` trading days before a deadline announced `N` trading days
    /// ahead, `φ_i` uniform on `[0, 2·mean]`, at most 1, from the firm's planning habit
    /// ([`lead_share`]). Default 0: every firm works to the deadline itself.
    pub internal_lead_share: f64,
    /// Probability of acting on a day far from any deadline, in `[0, 1]`. Default 0.02 (a
    /// calibration value).
    pub base_activity: f64,
    /// Share of the gap traded on an active day far from the deadline, in `[0, 1]`. Default 0.05
    /// (a calibration value).
    pub min_trade_fraction: f64,
    /// Premium over the expectation a buyer bids at zero urgency. Default 0.0.
    pub bid_markup: f64,
    /// Extra premium at full urgency. Default 0.08.
    pub urgency_markup: f64,
    /// Discount under the expectation a seller asks at zero urgency. Default 0.0.
    pub ask_discount: f64,
    /// Extra discount at full urgency. Default 0.03.
    pub urgency_discount: f64,
    /// Share of a surplus kept (banked) rather than sold while the market pays no more than the
    /// bank value, in `[0, 1]`. Default 0.2.
    pub banking_share: f64,
    /// A long firm holds its surplus while the expected rise exceeds this. Default 0.02.
    pub hold_if_expected_rise: f64,
    /// Share of cash kept in reserve, in `[0, 1]`. Default 0.1.
    pub cash_buffer_share: f64,
    /// Below this cash a long firm sells its whole surplus regardless of expectations. Default 0.
    pub liquidity_cash_target: Money,
    /// Cost per tonne of falling short beyond the fine (legal, reputational), in yuan, `>= 0`.
    /// Default 0.
    pub noncompliance_cost_per_t: f64,
    /// Probability that a trade of at least the block minimum goes through block trading, in
    /// `[0, 1]`. Default 0.95 (a calibration value: block trades were 83–88 % of volume in
    /// 2021–2023, and firms too small for a block trade listed).
    pub block_probability: f64,
    /// Most listed orders a day (larger needs are split). Default 5.
    pub max_listed_orders: u32,
    /// Above this urgency a buyer bids up to the best offer (a marketable limit, still capped
    /// by the cost of falling short), and before a final deadline a block buyer first takes
    /// the listed offers within its limit. Default 0.7.
    pub taker_urgency: f64,
    /// Offsets are bought only when at least this much cheaper than the allowance expectation,
    /// in `[0, 1)`. Default 0.1.
    pub ccer_min_discount: f64,
    /// Half-width of the firm's daily uniform noise on its limit, relative, in `[0, 1]`: firms
    /// disagree on the price by about this much. Default 0.06 (a calibration value).
    pub price_noise: f64,
    /// A long firm never asks less than the fundamental value times `1 − max_bank_discount`,
    /// in `[0, 1]`: allowances stay valid for later periods, so surplus is not dumped. Default
    /// 0.1 (an assumption).
    pub max_bank_discount: f64,
    /// Weight of the fundamental value in the expectation, in `[0, 1]` (the rest on the adaptive
    /// expectation of the closes). Default 0.5 (an assumption).
    pub fundamental_weight: f64,
    /// How much an allocation announced but not yet credited may still change, as a share of
    /// it, in `[0, 1]`: a firm trades only the part of its gap beyond that. Default 0.05 (an
    /// assumption; benchmarks moved by 6–19 % between the 2019–2020 and 2021 plans).
    pub pending_allocation_uncertainty: f64,
    /// How much an allocation whose plan is not yet published may still change, as a share of
    /// it, in `[0, 1]`. Default 0.188: the largest benchmark cut a published plan brought
    /// against its predecessor (coal, in the draft 2021–2022 plan, S19 of `docs/sources.md`;
    /// the 2023 draft's range ends at the same figure, S101).
    pub unpublished_allocation_uncertainty: f64,
}

impl Default for ComplianceFirmParams {
    fn default() -> Self {
        ComplianceFirmParams {
            allowance_subjects: vec!["CEA".into(), "CEA21".into(), "CEA22".into()],
            offset_subject: "CCER".into(),
            expectation_adjustment: 0.3,
            trend_weight: 0.2,
            trend_window_days: 5,
            urgency_horizon_days: 15.0,
            internal_lead_share: 0.0,
            base_activity: 0.02,
            min_trade_fraction: 0.05,
            bid_markup: 0.0,
            urgency_markup: 0.08,
            ask_discount: 0.0,
            urgency_discount: 0.03,
            banking_share: 0.2,
            hold_if_expected_rise: 0.02,
            cash_buffer_share: 0.1,
            liquidity_cash_target: Money::ZERO,
            noncompliance_cost_per_t: 0.0,
            block_probability: 0.95,
            max_listed_orders: 5,
            taker_urgency: 0.7,
            ccer_min_discount: 0.1,
            price_noise: 0.06,
            max_bank_discount: 0.1,
            fundamental_weight: 0.5,
            pending_allocation_uncertainty: 0.05,
            unpublished_allocation_uncertainty: 0.188,
        }
    }
}

/// Urgency in `[0, 1]`: `exp(-days_left / horizon)`, zero without a deadline, and full on the
/// last two trading days before one: units bought become usable the next trading day, so the
/// day before the deadline's is the last on which buying still counts, and a firm covers all
/// of its gap then.
#[must_use]
pub fn urgency(days_left: Option<u32>, horizon_days: f64) -> f64 {
    match days_left {
        Some(days) if days <= 2 => 1.0,
        Some(days) if horizon_days > 0.0 => (-f64::from(days) / horizon_days).exp(),
        _ => 0.0,
    }
}

/// A firm's planning habit `v_i`: its rank among the fleet's firms by how early it plans,
/// uniform on `[0, 1)`, drawn once per firm (0 plans latest). It sets the firm's lead
/// ([`lead_share`]) and whether it uses an interim deadline's slack
/// ([`ComplianceFirm::with_planning_habit`]).
pub fn draw_planning_habit(rng: &mut impl Rng) -> f64 {
    rng.random()
}

/// A firm's lead share `φ_i = 2·mean·v_i` for its planning habit `v_i`, at most 1 (a firm is
/// not done before the deadline is known): uniform on `[0, 2·mean]` over the fleet, 0 when
/// `mean` is not positive. Bounded, so no firm's date falls far outside the window the others'
/// share.
#[must_use]
pub fn lead_share(mean: f64, habit: f64) -> f64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0.0;
    }
    (2.0 * mean * habit).min(1.0)
}

/// Relative change of the close over the last `window` bars (0 without enough history).
#[must_use]
pub fn trend(market: &MarketView<'_>, window: u32) -> f64 {
    let bars = market.bars;
    let window = window.max(1) as usize;
    if bars.len() <= window {
        return 0.0;
    }
    let last = bars[bars.len() - 1].close.to_f64();
    let first = bars[bars.len() - 1 - window].close.to_f64();
    if first > 0.0 { last / first - 1.0 } else { 0.0 }
}

/// What a firm decides with on a day it acts: urgency, the share of its position it trades,
/// its expectation, its price noise, where it routes, and whether the deadline it works to
/// asks for all of its obligation.
struct Today {
    u: f64,
    due_in_full: bool,
    fraction: f64,
    expected: f64,
    noise: f64,
    routing: Routing,
}

/// A covered entity; see the module documentation for its rules.
#[derive(Debug, Clone)]
pub struct ComplianceFirm {
    /// Shared by a fleet's firms (see [`ComplianceFirm::sharing`]).
    params: Arc<ComplianceFirmParams>,
    /// Adaptive expectation of the allowance close, in yuan (None until the first view).
    expectation: Option<f64>,
    /// The latest outlook seen.
    outlook: Option<Outlook>,
    bought: Quantity,
    sold: Quantity,
    /// Offsets bid for today and not yet filled (bids expire at the close), with the day.
    offsets_committed: (Option<chrono::NaiveDate>, Quantity),
    /// Allowances bid for and offered today on any vintage and not yet filled, with the day:
    /// the firm trades its gap once a day, not once per vintage.
    allowances_committed: (Option<chrono::NaiveDate>, Quantity, Quantity),
    /// Whether today's offset bids already cover the room left.
    offsets_room_met: bool,
    /// The last day the firm acted on allowances (it shops for offsets only then), and
    /// whether it acted on the next cycle's needs too.
    active_on: Option<(chrono::NaiveDate, bool)>,
    /// The newest allowance subject (index into `allowance_subjects`) seen listed.
    newest_listed: Option<usize>,
    /// The last deadline's trading days left and notice seen, and their urgency (see
    /// [`Self::urgency_at`]).
    last_urgency: Option<(Option<(u32, u32)>, f64)>,
    /// The share of each deadline's notice by which the firm means to be done before it (its
    /// own or its province's earlier date; see [`ComplianceFirmParams::internal_lead_share`]).
    lead_share: f64,
    /// Its planning habit, the rank `v_i` in `[0, 1]` ([`draw_planning_habit`]): 1 (never
    /// using an interim deadline's slack) unless drawn.
    habit: f64,
}

impl ComplianceFirm {
    /// A firm with `params`.
    #[must_use]
    pub fn new(params: ComplianceFirmParams) -> Self {
        Self::sharing(Arc::new(params))
    }

    /// A firm with `params` shared with others: a fleet of thousands of firms then holds one
    /// copy of its vintage codes, which every consultation reads, instead of thousands spread
    /// over the heap.
    #[must_use]
    pub fn sharing(params: Arc<ComplianceFirmParams>) -> Self {
        ComplianceFirm {
            params,
            expectation: None,
            outlook: None,
            bought: Quantity::ZERO,
            sold: Quantity::ZERO,
            offsets_committed: (None, Quantity::ZERO),
            allowances_committed: (None, Quantity::ZERO, Quantity::ZERO),
            offsets_room_met: false,
            active_on: None,
            newest_listed: None,
            last_urgency: None,
            lead_share: 0.0,
            habit: 1.0,
        }
    }

    /// The firm working to its own date before each deadline, `lead_share` of the deadline's
    /// notice ahead of it.
    #[must_use]
    pub fn with_lead_share(mut self, lead_share: f64) -> Self {
        self.lead_share = lead_share;
        self.last_urgency = None;
        self
    }

    /// The firm with planning habit `habit` (`v_i`, [`draw_planning_habit`]): its lead share is
    /// [`lead_share`] of its parameters' mean, and it uses an interim deadline's slack when its
    /// habit is among the latest ([`Self::deadline_worked_to`]).
    #[must_use]
    pub fn with_planning_habit(self, habit: f64) -> Self {
        let lead = lead_share(self.params.internal_lead_share, habit);
        let mut firm = self.with_lead_share(lead);
        firm.habit = habit;
        firm
    }

    /// The deadline the firm works to: the next one, except that an interim deadline asking for
    /// a share `s` of the obligation (or of the entities) leaves its slack `1 − s` to the firms
    /// that plan latest, those with `v_i < 1 − s`: they work to the cycle's final deadline (the
    /// next one without slack), as the provinces, pressed to meet the share, let their last
    /// entities finish by the final date. An interim deadline fines nothing.
    #[must_use]
    pub fn deadline_worked_to<'m>(
        &self,
        market: &'m MarketView<'_>,
    ) -> Option<&'m super::Deadline> {
        let next = market.next_deadline()?;
        if self.habit >= f64::from(next.slack_bp) / 10_000.0 {
            return Some(next);
        }
        market
            .deadlines
            .iter()
            .find(|d| d.is_final())
            .or(Some(next))
    }

    /// Trading days before `deadline` by which the firm means to be done: `⌊φ_i·N⌋`.
    #[must_use]
    pub fn lead_days(&self, deadline: &super::Deadline) -> u32 {
        (self.lead_share * f64::from(deadline.notice_trading_days)).floor() as u32
    }

    /// The current expectation of the allowance close, in yuan.
    #[must_use]
    pub fn expectation(&self) -> Option<f64> {
        self.expectation
    }

    /// Units bought and sold so far (all subjects), from fill notifications.
    #[must_use]
    pub fn traded(&self) -> (Quantity, Quantity) {
        (self.bought, self.sold)
    }

    fn is_allowance(&self, subject: &str) -> bool {
        self.params
            .allowance_subjects
            .iter()
            .any(|s| codes::same(s, subject))
    }

    /// Whether a newer eligible vintage than this one is listed: a buyer then takes only what
    /// this book offers and bids for the rest on the newest vintage, where the fresh allocation
    /// (and so most sellers) is.
    fn newer_listed(&self, subject: &str) -> bool {
        let here = self
            .params
            .allowance_subjects
            .iter()
            .position(|s| codes::same(s, subject));
        matches!((here, self.newest_listed), (Some(h), Some(n)) if h < n)
    }

    fn is_offset(&self, subject: &str) -> bool {
        codes::has_prefix(subject, &self.params.offset_subject)
    }

    fn offsets_held(&self, account: &AccountView<'_>) -> Quantity {
        account
            .holdings
            .iter()
            .filter(|h| self.is_offset(h.subject))
            .fold(Quantity::ZERO, |sum, h| {
                sum.saturating_add(h.available).saturating_add(h.frozen)
            })
    }

    fn allowances_held(&self, account: &AccountView<'_>) -> u128 {
        account
            .holdings
            .iter()
            .filter(|h| self.is_allowance(h.subject))
            .map(|h| u128::from(h.available.units()) + u128::from(h.frozen.units()))
            .sum()
    }

    /// The gap (positive = short) on the period's whole obligation, after the allocation held or
    /// pending and the offsets the firm holds and may still use. An interim deadline (95 % due on
    /// 2023-11-15) sets the urgency, not the position: a firm long on the interim share but short
    /// on the whole obligation is short.
    fn gap(&self, account: &AccountView<'_>) -> Option<i128> {
        let pos = account.compliance?;
        let due = u128::from(pos.expected_obligation.units())
            .saturating_sub(u128::from(pos.surrendered.units()));
        let offsets = self.offsets_held(account).min(pos.offset_room());
        let covered = self.allowances_held(account)
            + u128::from(pos.allocation_pending.units())
            + u128::from(offsets.units());
        Some(due as i128 - covered as i128)
    }

    /// The part of `gap` the firm is sure of. Before the plan of its pending allocation is
    /// published, all of it (U) may still change by `unpublished_allocation_uncertainty` (`ε_u`),
    /// as much as a new plan's benchmarks moved; once the plan is out, the firm computes its
    /// pre-allocation and only the part awaiting a true-up on verified output (T) may change,
    /// by `pending_allocation_uncertainty` (ε). It trades
    /// `sign(g)·max(|g| − ε_u·U − ε·min(T, P − U), 0)`, with P all of the pending allocation.
    fn beyond_doubt(&self, gap: i128, account: &AccountView<'_>) -> i128 {
        let Some(c) = account.compliance else {
            return gap;
        };
        let doubt = self.doubt(
            c.allocation_pending,
            c.allocation_unpublished,
            c.allocation_true_up,
        );
        shrink(gap, doubt)
    }

    /// How far a `pending` allocation may still move, t: `ε_u·U + ε·min(T, P − U)` (see
    /// [`Self::beyond_doubt`]), `U` its `unpublished` part and `T` its part awaiting a true-up.
    fn doubt(&self, pending: Quantity, unpublished: Quantity, true_up: Quantity) -> i128 {
        let pending = pending.units();
        let unknown = unpublished.units().min(pending);
        let true_up = true_up.units().min(pending - unknown);
        let p = &self.params;
        let doubt = p.unpublished_allocation_uncertainty * unknown as f64
            + p.pending_allocation_uncertainty * true_up as f64;
        doubt as i128
    }

    /// The next cycle's gap (positive = short) beyond the doubt of its true-up, once its plan
    /// is known ([`super::NextCycle`]), and its urgency: what the firm will owe for it less the
    /// allocation it will be credited for it. Its holdings count against the cycle in force
    /// first ([`joint_plan::JointPlan`]).
    fn next_cycle_gap(&self, account: &AccountView<'_>) -> Option<(i128, f64)> {
        let next = account.compliance?.next_cycle?;
        let pending = next.allocation_pending;
        // Its plan is out, so none of it is unpublished.
        let doubt = self.doubt(pending, Quantity::ZERO, next.allocation_true_up);
        let gap = i128::from(next.expected_obligation.units()) - i128::from(pending.units());
        Some((shrink(gap, doubt), self.own_urgency(&next.deadline)))
    }

    /// [`urgency`] with the trading days left to the firm's own date before `deadline` (its
    /// lead less).
    fn own_urgency(&self, deadline: &super::Deadline) -> f64 {
        let own = deadline
            .trading_days_left
            .saturating_sub(self.lead_days(deadline));
        urgency(Some(own), self.params.urgency_horizon_days)
    }

    /// `(w·F + (1 − w)·A)·(1 + β·trend)`, or `A·(1 + β·trend)` without an outlook.
    fn expected_price(&mut self, market: &MarketView<'_>) -> f64 {
        let adaptive = *self.expectation.get_or_insert(market.prev_close.to_f64());
        let w = self.params.fundamental_weight;
        let base = self.outlook.map_or(adaptive, |o| {
            w * o.fundamental.to_f64() + (1.0 - w) * adaptive
        });
        base * (1.0 + self.params.trend_weight * trend(market, self.params.trend_window_days))
    }

    /// What a unit is worth held rather than sold: the fundamental value, or without an outlook
    /// the expectation itself.
    fn bank_value(&self, expected: f64) -> f64 {
        self.outlook.map_or(expected, |o| o.fundamental.to_f64())
    }

    /// [`Self::own_urgency`] of the next deadline, remembered: a firm decides on each listed
    /// vintage a day, all with the same days left, and `exp` is the dearest step of a day it
    /// does not act.
    fn urgency_at(&mut self, deadline: Option<&super::Deadline>) -> f64 {
        let key = deadline.map(|d| (d.trading_days_left, d.notice_trading_days));
        match self.last_urgency {
            Some((seen, u)) if seen == key => u,
            _ => {
                let u = deadline.map_or(0.0, |d| self.own_urgency(d));
                self.last_urgency = Some((key, u));
                u
            }
        }
    }

    fn decide_allowance(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let Some(gap) = self.gap(account) else {
            return;
        };
        let gap = self.beyond_doubt(gap, account);
        let next = self.next_cycle_gap(account);
        let plan = JointPlan::new(gap, next.map(|n| n.0));
        if self.allowances_committed.0 != Some(market.date) {
            self.allowances_committed = (Some(market.date), Quantity::ZERO, Quantity::ZERO);
        }
        let (_, bid_today, offered_today) = self.allowances_committed;
        self.outlook = account.compliance.and_then(|c| c.outlook);
        let worked_to = self.deadline_worked_to(market);
        let due_in_full = worked_to.is_some_and(super::Deadline::asks_in_full);
        let u = self.urgency_at(worked_to);
        let u_next = next.map_or(0.0, |n| n.1);
        let expected = self.expected_price(market);
        let (base, least) = (self.params.base_activity, self.params.min_trade_fraction);
        let activity = |u: f64| base + (1.0 - base) * u;
        let fraction = |u: f64| least + (1.0 - least) * u;
        // Draw both numbers every day so a firm's stream advances the same way whatever it decides.
        let (act_draw, block_draw, noise_draw): (f64, f64, f64) =
            (rng.random(), rng.random(), rng.random());
        // A firm decides once a day whether to act, for the cycle in force and for the next
        // (the same draw: the next deadline is the later, so acting on it means acting on
        // both); having acted on one vintage it goes on with the others the same day.
        let today_acted = self.active_on.filter(|a| a.0 == market.date);
        let acting = today_acted.is_some() || act_draw < activity(u);
        let acting_next = today_acted.map_or(act_draw < activity(u_next), |a| a.1);
        let Some(step) = plan.step(acting, acting_next) else {
            return;
        };
        self.active_on = Some((market.date, acting_next));
        // A buy for both cycles trades the blend of their shares; one for the next cycle alone
        // is priced at its urgency.
        let (u, fraction) = match step {
            Step::Buy { now, next } if next > 0.0 => {
                let f = (now * fraction(u) + next * fraction(u_next)) / (now + next);
                (if now > 0.0 { u } else { u_next }, f)
            }
            Step::Buy { .. } | Step::Sell(_) => (u, fraction(u)),
        };
        let today = Today {
            u,
            due_in_full,
            fraction,
            expected,
            noise: 1.0 + self.params.price_noise * (2.0 * noise_draw - 1.0),
            routing: Routing {
                block: block_draw < self.params.block_probability,
                max_listed_orders: self.params.max_listed_orders,
            },
        };
        let order = match step {
            Step::Buy { now, next } => self
                .buy_order(now + next, &today, market, account, bid_today)
                .map(|(limit, want)| (Side::Buy, limit, want)),
            Step::Sell(surplus) => self
                .sell_order(surplus, &today, market, account, offered_today)
                .map(|(limit, want)| (Side::Sell, limit, want)),
        };
        let Some((side, limit, want)) = order.filter(|o| !o.2.is_zero()) else {
            return;
        };
        match side {
            Side::Buy => self.allowances_committed.1 = bid_today.saturating_add(want),
            Side::Sell => self.allowances_committed.2 = offered_today.saturating_add(want),
        }
        out.push(OrderIntent::CancelMyOpenOrders);
        self.route(side, limit, want, &today, market, out);
    }

    /// Places `want` at `limit`. A buyer routed to block trading and urgent before a final
    /// deadline (where falling short is fined) first takes what the listed book offers at or
    /// below its limit, then seeks the rest in a block: a tonne offered on screen below what
    /// it will pay is the cheapest it can find, and small holders, too small for a block,
    /// sell only there. Before an interim deadline, which fines nothing, it waits for a block.
    fn route(
        &self,
        side: Side,
        limit: Price,
        want: Quantity,
        today: &Today,
        market: &MarketView<'_>,
        out: &mut Vec<OrderIntent>,
    ) {
        let mut left = want;
        if side == Side::Buy
            && today.routing.block
            && today.due_in_full
            && today.u >= self.params.taker_urgency
        {
            let on_screen = want.min(offered_up_to(market, limit));
            let listed = Routing::listed(self.params.max_listed_orders);
            let placed = push_orders(
                market,
                side,
                OrderKind::Limit,
                limit,
                on_screen,
                listed,
                out,
            );
            left = left.saturating_sub(placed);
        }
        push_orders(
            market,
            side,
            OrderKind::Limit,
            limit,
            left,
            today.routing,
            out,
        );
    }

    /// What falling short costs per tonne of `gap`: the fine spread over the gap, the fine per
    /// tonne, the other costs of non-compliance, and the tonne deducted from the next allocation
    /// at its expected price.
    fn shortfall_cost_per_t(
        &self,
        gap: f64,
        expected: f64,
        account: &AccountView<'_>,
    ) -> Option<f64> {
        let pos = account.compliance?;
        let deducted = if pos.penalty.shortfall_deducted {
            pos.outlook.map_or(expected, |o| o.horizon.to_f64())
        } else {
            0.0
        };
        Some(
            pos.penalty.fine.to_f64() / gap
                + pos.penalty.per_tonne.to_f64()
                + self.params.noncompliance_cost_per_t
                + deducted,
        )
    }

    /// A short firm's sealed bid in an auction: its whole gap beyond doubt (what it can pay, at
    /// most the quantity offered) at its expectation plus the bid markup, never above what
    /// falling short costs.
    fn auction_bid(
        &mut self,
        notice: &AuctionNotice,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
    ) -> Option<AuctionBid> {
        let gap = self.beyond_doubt(self.gap(account)?, account);
        if gap <= 0 {
            return None;
        }
        let expected = self.expected_price(market);
        let ceiling = self.shortfall_cost_per_t(gap as f64, expected, account)?;
        let bid = (expected * (1.0 + self.params.bid_markup)).min(ceiling);
        let price = notice.band.clamp(price_from_yuan(bid));
        let cash =
            budget_from_yuan(account.total_cash().to_f64() * (1.0 - self.params.cash_buffer_share));
        let want = quantity_ceil(gap as f64)
            .min(notice.quantity)
            .min(affordable(cash, price));
        (price >= notice.reserve_price && !want.is_zero()).then_some(AuctionBid {
            price,
            quantity: want,
        })
    }

    /// A short firm's bid for today's share of its `gap`: above the expectation by a premium
    /// growing with urgency, never above what falling short costs per tonne.
    fn buy_order(
        &self,
        gap: f64,
        today: &Today,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        bid_today: Quantity,
    ) -> Option<(Price, Quantity)> {
        let p = &self.params;
        let penalty_per_t = self.shortfall_cost_per_t(gap, today.expected, account)?;
        let premium = 1.0 + p.bid_markup + p.urgency_markup * today.u;
        // Holders sell near a deadline only above what a unit is worth banked, so an urgent
        // buyer bids up towards that value (weighted by urgency) whatever the closes say.
        let mut bid = (today.expected * today.noise * premium)
            .max(today.u * self.bank_value(today.expected) * premium);
        // An urgent buyer takes the best offer, but never pays more than falling short costs.
        if today.u >= p.taker_urgency
            && let Some(best) = market.asks.first()
        {
            bid = bid.max(best.price.to_f64());
        }
        let limit = market
            .listed_band
            .clamp(price_from_yuan(bid.min(penalty_per_t)));
        let cash = budget_from_yuan(account.total_cash().to_f64() * (1.0 - p.cash_buffer_share));
        let want = block_sized(
            quantity_ceil(gap * today.fraction),
            gap,
            market,
            today.routing,
        )
        .saturating_sub(bid_today)
        .min(affordable(cash, limit));
        let want = if self.newer_listed(market.subject) {
            want.min(offered_up_to(market, limit))
        } else {
            want
        };
        Some((limit, want))
    }

    /// A long firm's ask for today's share of its `surplus` less what it banks, or `None` while
    /// it holds for a higher price; never below the fundamental value less the bank discount.
    /// Under an announced banking cap it sells at least at the pace the cap requires
    /// ([`Self::cap_sale`]).
    fn sell_order(
        &self,
        surplus: f64,
        today: &Today,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        offered_today: Quantity,
    ) -> Option<(Price, Quantity)> {
        let usual = self.usual_sale(surplus, today, market, account, offered_today);
        let Some(cap) = account.compliance.and_then(|c| c.bank_limit) else {
            return usual;
        };
        let forced = cap.must_sell(surplus);
        if forced <= 0.0 {
            return usual;
        }
        let capped = self.cap_sale(
            forced,
            cap.void_after,
            today,
            market,
            account,
            offered_today,
        );
        // Whichever sells more today: the usual decision, or the pace the cap requires.
        match usual {
            Some(u) if u.1 >= capped.1 => Some(u),
            _ => Some(capped),
        }
    }

    /// The usual sale of a long firm (see [`Self::sell_order`]), before any banking cap.
    fn usual_sale(
        &self,
        surplus: f64,
        today: &Today,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        offered_today: Quantity,
    ) -> Option<(Price, Quantity)> {
        let p = &self.params;
        let needs_cash = account.total_cash() < p.liquidity_cash_target;
        // The rise still to come over what the market pays now: the best bid when it is
        // above the previous close (a quiet book keeps an old close).
        let now = market
            .bids
            .first()
            .map_or(market.prev_close, |b| b.price.max(market.prev_close));
        // Holding is worth selling later at the expectation, or keeping at the bank value once
        // the deadline has passed; the chance to sell later fades with urgency.
        let hold_value =
            today.u * self.bank_value(today.expected) + (1.0 - today.u) * today.expected;
        let expected_rise = hold_value / now.to_f64().max(0.01) - 1.0;
        // At the day's upper limit the market pays the most it can today: a holder waiting
        // for more would keep the close, and so the limit, where they are.
        let limit_up = now >= market.listed_band.upper;
        if !needs_cash && !limit_up && expected_rise > p.hold_if_expected_rise {
            return None;
        }
        // The habit of banking a share holds only while the market pays no more than a banked
        // unit is worth (the bank value, with the same margin as holding): above that, a
        // unit sold is worth more than a unit kept.
        let pays_over_bank =
            now.to_f64() > self.bank_value(today.expected) * (1.0 + p.hold_if_expected_rise);
        let keep = if needs_cash || pays_over_bank {
            0.0
        } else {
            p.banking_share
        };
        let held_here = account.total_held(market.subject);
        let want = block_sized(
            quantity_ceil(surplus * (1.0 - keep) * today.fraction),
            surplus * (1.0 - keep),
            market,
            today.routing,
        )
        .saturating_sub(offered_today)
        .min(held_here);
        let ask =
            (today.expected * today.noise * (1.0 - p.ask_discount - p.urgency_discount * today.u))
                .max(self.bank_value(today.expected) * (1.0 - p.max_bank_discount));
        Some((market.listed_band.clamp(price_from_yuan(ask)), want))
    }

    /// A long firm's ask for what a banking cap would void: `forced` spread evenly over the
    /// days it expects to act before `void_after` (trading days left × its activity), at its
    /// expectation less the usual discounts and with no bank-value floor, since past the cap's
    /// date these units are worth nothing to it.
    fn cap_sale(
        &self,
        forced: f64,
        void_after: chrono::NaiveDate,
        today: &Today,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        offered_today: Quantity,
    ) -> (Price, Quantity) {
        let p = &self.params;
        // Weekdays left as a stand-in for trading days (holidays make it a slight underestimate).
        let days_left = ((void_after - market.date).num_days().max(0) as f64 * 5.0 / 7.0).max(1.0);
        let activity = p.base_activity + (1.0 - p.base_activity) * today.u;
        let share = forced / (days_left * activity).max(1.0);
        let want = block_sized(quantity_ceil(share), forced, market, today.routing)
            .saturating_sub(offered_today)
            .min(account.total_held(market.subject));
        let ask =
            today.expected * today.noise * (1.0 - p.ask_discount - p.urgency_discount * today.u);
        (market.listed_band.clamp(price_from_yuan(ask)), want)
    }

    fn decide_offsets(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        out: &mut Vec<OrderIntent>,
    ) {
        let (Some(pos), Some(expected)) = (account.compliance, self.expectation) else {
            return;
        };
        // Offsets are part of the day's cover decision: shopped for only on a day the firm acts.
        if self.active_on.is_none_or(|a| a.0 != market.date) {
            return;
        }
        if self.offsets_committed.0 != Some(market.date) {
            self.offsets_committed = (Some(market.date), Quantity::ZERO);
            self.offsets_room_met = false;
        }
        let held = self
            .offsets_held(account)
            .saturating_add(self.offsets_committed.1);
        let room = pos.offset_room().saturating_sub(held);
        self.offsets_room_met = room.is_zero();
        let ceiling = expected * (1.0 - self.params.ccer_min_discount);
        let limit = market.listed_band.clamp(price_from_yuan(ceiling));
        // Bid only for what this book offers within the limit: the rest of the room is sought
        // on the other projects' books.
        let want = room.min(offered_up_to(market, limit));
        if want.is_zero() {
            return;
        }
        let cash =
            budget_from_yuan(account.total_cash().to_f64() * (1.0 - self.params.cash_buffer_share));
        let want = want.min(affordable(cash, limit));
        if want.is_zero() {
            return;
        }
        self.offsets_committed.1 = self.offsets_committed.1.saturating_add(want);
        self.offsets_room_met = want >= room;
        out.push(OrderIntent::CancelMyOpenOrders);
        push_orders(
            market,
            Side::Buy,
            OrderKind::Limit,
            limit,
            want,
            Routing::listed(self.params.max_listed_orders),
            out,
        );
    }
}

impl Agent for ComplianceFirm {
    fn kind(&self) -> &'static str {
        "compliance_firm"
    }

    fn trades(&self, subject: &str) -> bool {
        self.is_allowance(subject) || self.is_offset(subject)
    }

    fn wants_view(&self, subject: &str, date: chrono::NaiveDate) -> bool {
        // Offsets interest a firm that acted on allowances today and has not yet bid for all the
        // offsets it may use today.
        !self.is_offset(subject)
            || (self.active_on.is_some_and(|a| a.0 == date)
                && !(self.offsets_committed.0 == Some(date) && self.offsets_room_met))
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        if self.is_allowance(market.subject) {
            self.decide_allowance(market, account, rng, out);
        } else if self.is_offset(market.subject) {
            self.decide_offsets(market, account, out);
        }
    }

    fn on_auction(
        &mut self,
        notice: &AuctionNotice,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
    ) -> Option<AuctionBid> {
        if !self.is_allowance(market.subject) {
            return None;
        }
        self.auction_bid(notice, market, account)
    }

    fn on_fill(&mut self, fill: &Fill<'_>) {
        if fill.side == Side::Buy && self.is_offset(fill.subject) {
            self.offsets_committed.1 = self.offsets_committed.1.saturating_sub(fill.quantity);
        }
        if self.is_allowance(fill.subject) {
            let c = &mut self.allowances_committed;
            match fill.side {
                Side::Buy => c.1 = c.1.saturating_sub(fill.quantity),
                Side::Sell => c.2 = c.2.saturating_sub(fill.quantity),
            }
        }
        let total = match fill.side {
            Side::Buy => &mut self.bought,
            Side::Sell => &mut self.sold,
        };
        *total = total.checked_add(fill.quantity).unwrap_or(*total);
    }

    fn on_day_end(&mut self, outcome: &DayOutcome<'_>) {
        let subjects = &self.params.allowance_subjects;
        let Some(index) = subjects
            .iter()
            .position(|s| codes::same(s, outcome.subject))
        else {
            return;
        };
        self.newest_listed = self.newest_listed.max(Some(index));
        // Without listed trades the close carries no news: the expectation drifts towards the
        // fundamental value instead, so a quiet market does not freeze beliefs.
        let close = if outcome.bar.listed_volume.is_zero() {
            self.outlook
                .map_or(outcome.bar.close.to_f64(), |o| o.fundamental.to_f64())
        } else {
            outcome.bar.close.to_f64()
        };
        let lambda = self.params.expectation_adjustment;
        let e = self.expectation.get_or_insert(close);
        *e += lambda * (close - *e);
    }
}

/// Units offered in the visible book at `limit` or below.
fn offered_up_to(market: &MarketView<'_>, limit: Price) -> Quantity {
    market
        .asks
        .iter()
        .take_while(|l| l.price <= limit)
        .fold(Quantity::ZERO, |sum, l| sum.saturating_add(l.quantity))
}

/// A firm routing to block trading deals in blocks: a smaller want is raised to the block
/// minimum when its whole position (`position` units) is at least that large.
fn block_sized(
    want: Quantity,
    position: f64,
    market: &MarketView<'_>,
    routing: Routing,
) -> Quantity {
    let minimum = market.sizes.block_min;
    if routing.block && want < minimum && position >= minimum.units() as f64 {
        minimum
    } else {
        want
    }
}

/// The price a firm would never bid above for a gap of `gap` units: exposed for reports.
#[must_use]
pub fn penalty_price_per_unit(
    fine: Money,
    gap: Quantity,
    extra_per_t: f64,
    deducted_at: Option<Price>,
) -> f64 {
    if gap.is_zero() {
        return f64::INFINITY;
    }
    fine.to_f64() / gap.units() as f64 + extra_per_t + deducted_at.map_or(0.0, Price::to_f64)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{
        BankLimit, CompliancePosition, DayOutcome, Deadline, Holding, Level, Method, OrderRequest,
        Outlook, agent_rng,
    };
    use super::*;
    use chrono::NaiveDate;

    fn always_active() -> ComplianceFirmParams {
        ComplianceFirmParams {
            base_activity: 1.0,
            price_noise: 0.0,
            ..ComplianceFirmParams::default()
        }
    }

    fn run(
        firm: &mut ComplianceFirm,
        days_left: u32,
        holdings: &[Holding<'_>],
        cash: Money,
        obligation: u64,
        seed: u64,
    ) -> Vec<OrderRequest> {
        let d = deadline(days_left);
        let bars = flat_bars(10, 5000);
        let asks = [Level {
            price: Price::from_fen(5010),
            quantity: Quantity::new(500),
        }];
        let m = market(&d, &bars, &[], &asks);
        let account = account(holdings, cash, Some(position(obligation / 2, obligation)));
        let mut out = Vec::new();
        firm.on_day(&m, &account, &mut agent_rng(seed, 0), &mut out);
        placed(&out)
    }

    fn cea(units: u64) -> [Holding<'static>; 1] {
        [Holding {
            subject: "CEA",
            available: Quantity::new(units),
            frozen: Quantity::ZERO,
        }]
    }

    fn total(orders: &[OrderRequest]) -> u64 {
        orders.iter().map(|o| o.quantity.units()).sum()
    }

    /// The orders a fresh firm with `params` places on the day `m` shows it.
    fn orders_of(
        params: ComplianceFirmParams,
        m: &MarketView<'_>,
        account: &AccountView<'_>,
        seed: u64,
    ) -> Vec<OrderRequest> {
        let mut out = Vec::new();
        ComplianceFirm::new(params).on_day(m, account, &mut agent_rng(seed, 0), &mut out);
        placed(&out)
    }

    /// Units ordered through `method`.
    fn units_by(orders: &[OrderRequest], method: Method) -> u64 {
        orders
            .iter()
            .filter(|o| o.method == method)
            .map(|o| o.quantity.units())
            .sum()
    }

    #[test]
    fn short_firm_bids_higher_and_larger_near_the_deadline() {
        let rich = Money::from_cny(1_000_000_000);
        let far = run(
            &mut ComplianceFirm::new(always_active()),
            200,
            &cea(10_000),
            rich,
            1_000_000,
            1,
        );
        let near = run(
            &mut ComplianceFirm::new(always_active()),
            2,
            &cea(10_000),
            rich,
            1_000_000,
            1,
        );
        assert!(!far.is_empty() && !near.is_empty());
        assert!(far.iter().chain(&near).all(|o| o.side == Side::Buy));
        assert!(
            total(&near) > 2 * total(&far),
            "near {} far {}",
            total(&near),
            total(&far)
        );
        let max_far = far.iter().map(|o| o.limit).max();
        let min_near = near.iter().map(|o| o.limit).min();
        assert!(min_near > max_far, "near {min_near:?} far {max_far:?}");
    }

    #[test]
    fn a_firm_trades_only_the_gap_beyond_what_its_pending_allocation_may_still_change() {
        let d = deadline(200);
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let holdings = cea(0);
        let rich = Money::from_cny(1_000_000_000);
        // Obligation 1,000,000 t, nothing held, 900,000 t pending: a gap of 100,000 t.
        let bought = |unpublished: u64, true_up: u64| {
            let pos = CompliancePosition {
                allocation_pending: Quantity::new(900_000),
                allocation_unpublished: Quantity::new(unpublished),
                allocation_true_up: Quantity::new(true_up),
                ..position(0, 1_000_000)
            };
            let account = account(&holdings, rich, Some(pos));
            let params = ComplianceFirmParams {
                min_trade_fraction: 1.0,
                block_probability: 0.0,
                ..always_active()
            };
            total(&orders_of(params, &m, &account, 5))
        };
        // Plan published, all of it on a true-up: 100,000 − 0.05 × 900,000 = 55,000 t.
        assert_eq!(bought(0, 900_000), 55_000);
        // Plan published, 70 % pre-allocated: 100,000 − 0.05 × 270,000 = 86,500 t.
        assert_eq!(bought(0, 270_000), 86_500);
        // Plan unpublished: 100,000 − 0.188 × 900,000 < 0, nothing is sure.
        assert_eq!(bought(900_000, 270_000), 0);
        // Nothing pending in doubt: the whole gap.
        assert_eq!(bought(0, 0), 100_000);
    }

    #[test]
    fn activity_rises_toward_the_deadline() {
        let rich = Money::from_cny(1_000_000_000);
        let active_days = |days_left| {
            (0..400)
                .filter(|&seed| {
                    let mut firm = ComplianceFirm::new(ComplianceFirmParams::default());
                    !run(&mut firm, days_left, &cea(0), rich, 50_000, seed).is_empty()
                })
                .count()
        };
        let (far, near) = (active_days(120), active_days(1));
        assert!(far < 60 && near > 350, "far {far} near {near}");
    }

    #[test]
    fn a_firm_with_a_lead_buys_all_from_its_own_date_before_the_deadline() {
        // Announced 100 trading days ahead; a firm with φ = 0.2 works to 20 days before it, so
        // 21 days out it is as urgent as a firm without a lead is on the deadline's eve.
        let mut d = deadline(21);
        d[0].notice_trading_days = 100;
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let bought = |lead_share: f64| {
            let firm = ComplianceFirm::new(listed_buyer()).with_lead_share(lead_share);
            assert_eq!(firm.lead_days(&d[0]), (lead_share * 100.0) as u32);
            bought_short_400_000(firm, &m)
        };
        assert_eq!(bought(0.2), 400_000, "all of the gap from its own date");
        let without = bought(0.0);
        assert!(without < 100_000, "without a lead, 21 days out: {without}");
        // Without a known announcement the lead is nothing, whatever the habit.
        d[0].notice_trading_days = 0;
        assert_eq!(
            ComplianceFirm::new(listed_buyer())
                .with_lead_share(0.2)
                .lead_days(&d[0]),
            0
        );
    }

    /// A firm that acts every day, on the listed market, its urgency decaying over 2 days.
    fn listed_buyer() -> ComplianceFirmParams {
        ComplianceFirmParams {
            block_probability: 0.0,
            urgency_horizon_days: 2.0,
            ..always_active()
        }
    }

    /// What `firm`, short 400,000 t with cash to spare, bids for on `m`.
    fn bought_short_400_000(mut firm: ComplianceFirm, m: &MarketView<'_>) -> u64 {
        let (holdings, rich) = (cea(0), Money::from_cny(1_000_000_000));
        let account = account(&holdings, rich, Some(position(0, 400_000)));
        let mut out = Vec::new();
        firm.on_day(m, &account, &mut agent_rng(3, 0), &mut out);
        total(&placed(&out))
    }

    #[test]
    fn the_firms_that_plan_latest_use_an_interim_deadline_s_slack() {
        // 95 % due in 2 trading days, all in 30: the slack is 5 %.
        let final_date = NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default();
        let interim = Deadline {
            required_share_bp: 9_500,
            slack_bp: 500,
            ..deadline(2)[0]
        };
        let d = [
            interim,
            Deadline {
                date: final_date,
                ..deadline(30)[0]
            },
        ];
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let worked_to = |habit: f64| {
            ComplianceFirm::new(always_active())
                .with_planning_habit(habit)
                .deadline_worked_to(&m)
                .map(|d| d.date)
        };
        assert_eq!(worked_to(0.049), Some(final_date), "among the latest 5 %");
        assert_eq!(worked_to(0.05), Some(interim.date));
        // A firm without a drawn habit uses no slack.
        let undrawn = ComplianceFirm::new(always_active());
        assert_eq!(
            undrawn.deadline_worked_to(&m).map(|d| d.date),
            Some(interim.date)
        );
        // The one working to the final deadline buys little two days before the interim, the
        // other all of its gap.
        let bought = |habit: f64| {
            bought_short_400_000(
                ComplianceFirm::new(listed_buyer()).with_planning_habit(habit),
                &m,
            )
        };
        assert_eq!(bought(0.5), 400_000);
        let late = bought(0.01);
        assert!(late < 100_000, "working to the final deadline: {late}");
    }

    #[test]
    fn lead_shares_are_uniform_with_the_mean_asked_and_at_most_one() {
        let mut rng = agent_rng(11, 0);
        let draws: Vec<f64> = (0..20_000)
            .map(|_| lead_share(0.1, draw_planning_habit(&mut rng)))
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.1).abs() < 0.005, "mean {mean}");
        assert!(draws.iter().all(|x| (0.0..0.2).contains(x)));
        let above = draws.iter().filter(|&&x| x > 0.15).count() as f64 / draws.len() as f64;
        assert!((above - 0.25).abs() < 0.01, "above {above}");
        assert!((0..100).all(|_| lead_share(0.9, draw_planning_habit(&mut rng)) <= 1.0));
        // No mean, no lead, whatever the habit.
        assert!(lead_share(0.0, 0.7).abs() < f64::EPSILON);
        assert!(lead_share(f64::NAN, 0.7).abs() < f64::EPSILON);
    }

    /// A position with `obligation` due, `allocation` credited (held as `CEA`), and the next
    /// cycle's `next_obligation` against `next_pending` still to be credited, no true-up.
    fn with_next_cycle(
        obligation: u64,
        next_obligation: u64,
        next_pending: u64,
    ) -> CompliancePosition {
        let mut pos = position(obligation, obligation);
        pos.next_cycle = Some(super::super::NextCycle {
            expected_obligation: Quantity::new(next_obligation),
            allocation_pending: Quantity::new(next_pending),
            allocation_true_up: Quantity::ZERO,
            deadline: deadline(250)[0],
        });
        pos
    }

    #[test]
    fn a_firm_planning_the_next_cycle_keeps_its_surplus_for_it_and_buys_the_rest_ahead() {
        let d = deadline(3);
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let holdings = cea(200_000);
        // 100,000 t long now; 50,000 t short next: sells only from the other 50,000 t.
        let pos = with_next_cycle(100_000, 500_000, 450_000);
        let acc = account(&holdings, Money::ZERO, Some(pos));
        let sold = orders_of(always_active(), &m, &acc, 1);
        assert!(sold.iter().all(|o| o.side == Side::Sell), "{sold:?}");
        assert!(
            total(&sold) > 0 && total(&sold) <= 40_000,
            "{}",
            total(&sold)
        );
        // 150,000 t short next: keeps all, buys ahead the 50,000 t its surplus does not cover,
        // at the far deadline's pace (the least share of a gap a day), not the near one's.
        let pos = with_next_cycle(100_000, 500_000, 350_000);
        let acc = account(&holdings, Money::from_cny(10_000_000), Some(pos));
        let bought = orders_of(always_active(), &m, &acc, 1);
        assert!(bought.iter().all(|o| o.side == Side::Buy), "{bought:?}");
        // (250 trading days out the urgency is e^(−250/15), not quite 0, hence one tonne more.)
        let least = (50_000.0 * ComplianceFirmParams::default().min_trade_fraction) as u64;
        assert!((least..=least + 1).contains(&total(&bought)), "{bought:?}");
    }

    #[test]
    fn long_firm_with_no_need_sells_but_banks_part() {
        let orders = run(
            &mut ComplianceFirm::new(always_active()),
            1,
            &cea(200_000),
            Money::ZERO,
            100_000,
            3,
        );
        assert!(!orders.is_empty());
        assert!(orders.iter().all(|o| o.side == Side::Sell));
        let sold = total(&orders);
        // Surplus 100,000; 20 % banked; near the deadline almost all the rest is offered.
        assert!(sold <= 80_000 && sold > 70_000, "sold {sold}");
    }

    #[test]
    fn a_long_firm_banks_part_only_while_the_market_pays_no_more_than_the_bank_value() {
        let d = deadline(1);
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let holdings = cea(200_000);
        let offered = |fundamental_fen| {
            let pos = with_outlook(position(50_000, 100_000), fundamental_fen);
            let account = account(&holdings, Money::ZERO, Some(pos));
            total(&orders_of(always_active(), &m, &account, 3))
        };
        // Closes at 50.00. A banked unit worth 50.00 is kept: 20 % of the 100,000 t surplus.
        assert_eq!(offered(5000), 80_000);
        // Worth 45.00 banked, a unit sells for more than it is worth kept: all of it is offered.
        assert_eq!(offered(4500), 100_000);
    }

    #[test]
    fn a_banking_cap_makes_a_holding_firm_sell_what_it_would_void() {
        let d = deadline(1);
        let mut bars = flat_bars(10, 5000);
        bars[9].close = Price::from_fen(5500);
        let m = market(&d, &bars, &[], &[]);
        let holdings = cea(200_000);
        let mut pos = position(50_000, 100_000);
        // 100,000 t surplus, all of a capped vintage; it may keep 10,000 t plus 1.5 t per tonne
        // it sells: it must sell (100,000 − 10,000) / 2.5 = 36,000 t before the cap's date.
        let cap = BankLimit {
            keep_at_most: Quantity::new(10_000),
            multiple_bp: 15_000,
            capped_held: Quantity::new(200_000),
            void_after: m.date + chrono::Days::new(6),
        };
        assert!((cap.must_sell(100_000.0) - 36_000.0).abs() < 1e-6);
        pos.bank_limit = Some(cap);
        let account = account(&holdings, Money::from_cny(1_000_000), Some(pos));
        let mut out = Vec::new();
        ComplianceFirm::new(always_active()).on_day(&m, &account, &mut agent_rng(1, 0), &mut out);
        let sold = placed(&out);
        assert!(sold.iter().all(|o| o.side == Side::Sell), "{sold:?}");
        // Six days left, about 4.3 weekdays, acting every day: 36,000 / 4.3 ≈ 8,400 t today.
        assert_eq!(total(&sold), 8_400);
    }

    #[test]
    fn firm_holds_surplus_when_prices_are_expected_to_rise() {
        let d = deadline(1);
        let mut bars = flat_bars(10, 5000);
        bars[9].close = Price::from_fen(5500);
        let m = market(&d, &bars, &[], &[]);
        let holdings = cea(200_000);
        let account = account(
            &holdings,
            Money::from_cny(1_000_000),
            Some(position(50_000, 100_000)),
        );
        let mut out = Vec::new();
        ComplianceFirm::new(always_active()).on_day(&m, &account, &mut agent_rng(1, 0), &mut out);
        assert!(out.is_empty());
        // Short of cash, the same firm sells anyway.
        let params = ComplianceFirmParams {
            liquidity_cash_target: Money::from_cny(10_000_000),
            ..always_active()
        };
        ComplianceFirm::new(params).on_day(&m, &account, &mut agent_rng(1, 0), &mut out);
        assert!(placed(&out).iter().all(|o| o.side == Side::Sell) && !out.is_empty());
    }

    fn with_outlook(mut pos: CompliancePosition, fundamental_fen: i64) -> CompliancePosition {
        pos.outlook = Some(Outlook {
            fundamental: Price::from_fen(fundamental_fen),
            horizon: Price::from_fen(fundamental_fen),
        });
        pos
    }

    #[test]
    fn a_buyer_takes_what_an_older_vintage_offers_and_bids_the_rest_on_the_newest() {
        let params = ComplianceFirmParams {
            allowance_subjects: vec!["CEA".into(), "CEA21".into()],
            ..always_active()
        };
        let mut firm = ComplianceFirm::new(params);
        let bars = flat_bars(10, 5000);
        let seen = |subject| DayOutcome {
            subject,
            bar: bars[9],
            rejected_intents: 0,
        };
        firm.on_day_end(&seen("CEA"));
        firm.on_day_end(&seen("CEA21"));
        let d = deadline(1);
        let asks = [Level {
            price: Price::from_fen(5010),
            quantity: Quantity::new(500),
        }];
        let older = market(&d, &bars, &[], &asks);
        let newest = MarketView {
            subject: "CEA21",
            ..market(&d, &bars, &[], &[])
        };
        let rich = Money::from_cny(1_000_000_000);
        let account = account(&[], rich, Some(position(50_000, 100_000)));
        let (mut rng, mut out) = (agent_rng(1, 0), Vec::new());
        firm.on_day(&older, &account, &mut rng, &mut out);
        assert_eq!(total(&placed(&out)), 500, "only what the old book offers");
        out.clear();
        firm.on_day(&newest, &account, &mut rng, &mut out);
        assert_eq!(
            total(&placed(&out)),
            99_500,
            "the rest on the newest vintage"
        );
    }

    #[test]
    fn an_urgent_buyer_bids_up_towards_the_bank_value() {
        let params = ComplianceFirmParams {
            fundamental_weight: 0.0,
            ..always_active()
        };
        let d = deadline(1);
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let limit = |mut pos: CompliancePosition| {
            // A price-multiple fine, so that falling short never caps the bid here.
            pos.penalty.per_tonne = Price::from_fen(50_000);
            let account = account(&[], Money::from_cny(1_000_000_000), Some(pos));
            orders_of(params.clone(), &m, &account, 1)
                .iter()
                .map(|o| o.limit)
                .max()
        };
        // Closes at 50.00: without an outlook the bid is 50.00 × 1.08; with units worth 52.00
        // banked it is 52.00 × 1.08, held to the band's 55.00.
        assert_eq!(limit(position(0, 100_000)), Some(Price::from_fen(5400)));
        let banked = with_outlook(position(0, 100_000), 5200);
        assert_eq!(limit(banked), Some(Price::from_fen(5500)));
    }

    #[test]
    fn a_holder_sells_near_the_deadline_above_the_bank_value_whatever_the_trend() {
        let mut bars = flat_bars(10, 5000);
        // A 20 % rise over the trend window: at the default trend weight the expectation is
        // tilted up by 4 %, more than the 2 % a holder waits for.
        bars[9].close = Price::from_fen(6000);
        let holdings = cea(200_000);
        let pos = with_outlook(position(50_000, 100_000), 5000);
        let account = account(&holdings, Money::from_cny(1_000_000), Some(pos));
        let orders = |days_left| {
            let d = deadline(days_left);
            let m = market(&d, &bars, &[], &[]);
            orders_of(always_active(), &m, &account, 1)
        };
        // Far from the deadline the rising closes promise more than selling now: it holds.
        assert!(orders(200).is_empty());
        // At the deadline holding is worth the bank value, 50.00, what the market pays: it sells.
        let near = orders(1);
        assert!(!near.is_empty() && near.iter().all(|o| o.side == Side::Sell));
    }

    #[test]
    fn buying_is_limited_by_cash() {
        // 1,000 CNY buys at most 18 t at up to 55.00 after the 10 % reserve.
        let orders = run(
            &mut ComplianceFirm::new(always_active()),
            1,
            &cea(0),
            Money::from_cny(1000),
            1_000_000,
            5,
        );
        assert!(total(&orders) <= 18 && !orders.is_empty(), "{orders:?}");
    }

    #[test]
    fn a_small_fine_without_deduction_caps_the_bid() {
        let d = deadline(1);
        let bars = flat_bars(10, 5000);
        let m = market(&d, &bars, &[], &[]);
        let mut pos = position(0, 1_000_000);
        pos.penalty.shortfall_deducted = false;
        let account = account(&[], Money::from_cny(1_000_000_000), Some(pos));
        let mut out = Vec::new();
        ComplianceFirm::new(always_active()).on_day(&m, &account, &mut agent_rng(1, 0), &mut out);
        // 30,000 CNY over 1 Mt is 0.03 CNY/t: the bid falls to the band's floor.
        let orders = placed(&out);
        assert!(!orders.is_empty());
        assert!(orders.iter().all(|o| o.limit == m.listed_band.lower));
    }

    #[test]
    fn large_needs_go_block_when_drawn_and_nothing_leaves_the_band() {
        let rich = Money::from_cny(1_000_000_000);
        let mut saw_block = false;
        for seed in 0..50 {
            for days in [0, 1, 5, 30, 300] {
                for held in [0, 500_000, 3_000_000] {
                    let mut firm = ComplianceFirm::new(always_active());
                    let orders = run(&mut firm, days, &cea(held), rich, 2_000_000, seed);
                    let d = deadline(days);
                    let m = market(&d, &[], &[], &[]);
                    for o in &orders {
                        assert!(m.band(o.method).contains(o.limit), "{o:?}");
                        match o.method {
                            Method::Listed => assert!(o.quantity.units() < 100_000),
                            Method::Block => {
                                saw_block = true;
                                assert!(o.quantity.units() >= 100_000);
                            }
                        }
                    }
                }
            }
        }
        assert!(saw_block);
    }

    #[test]
    fn an_urgent_block_buyer_takes_the_listed_offers_first() {
        let params = ComplianceFirmParams {
            block_probability: 1.0,
            ..always_active()
        };
        let asks = [
            Level {
                price: Price::from_fen(5010),
                quantity: Quantity::new(30_000),
            },
            Level {
                price: Price::from_fen(5020),
                quantity: Quantity::new(20_000),
            },
        ];
        let bars = flat_bars(10, 5000);
        let orders_before = |days_left: u32, required_share_bp: u32| {
            let mut d = deadline(days_left);
            d[0].required_share_bp = required_share_bp;
            let m = market(&d, &bars, &[], &asks);
            let mut pos = position(0, 1_000_000);
            pos.penalty.per_tonne = Price::from_fen(50_000);
            let account = account(&[], Money::from_cny(1_000_000_000), Some(pos));
            orders_of(params.clone(), &m, &account, 1)
        };
        let listed = |o: &[OrderRequest]| units_by(o, Method::Listed);
        let block = |o: &[OrderRequest]| units_by(o, Method::Block);
        let orders = |days_left| orders_before(days_left, 10_000);
        // On the last day the whole gap of 1 Mt is wanted: the 50,000 t on screen at or below
        // its limit listed, the rest in one block.
        let last = orders(1);
        assert_eq!(listed(&last), 50_000, "{last:?}");
        assert_eq!(block(&last), 950_000, "{last:?}");
        // Far from the deadline it is not urgent: everything goes to the block venue.
        let early = orders(60);
        assert_eq!(listed(&early), 0, "{early:?}");
        assert!(block(&early) >= 100_000, "{early:?}");
        // Before an interim deadline, which fines nothing, it waits for a block.
        let interim = orders_before(1, 9_500);
        assert_eq!(listed(&interim), 0, "{interim:?}");
        assert_eq!(block(&interim), 1_000_000, "{interim:?}");
    }

    #[test]
    fn same_seed_same_orders_and_different_seed_differs_somewhere() {
        let rich = Money::from_cny(1_000_000_000);
        let go = |seed| {
            let mut firm = ComplianceFirm::new(ComplianceFirmParams::default());
            (0..40u32)
                .map(|d| run(&mut firm, 40 - d, &cea(10_000), rich, 1_000_000, seed))
                .collect::<Vec<_>>()
        };
        assert_eq!(go(11), go(11));
        assert_ne!(go(11), go(12));
    }

    /// A firm holding `held` CEA against an obligation of 1 Mt (50,000 t of offset room) acts
    /// on the allowance book at a close of 50.00, then on a CCER book of `subject` offering
    /// `asks`; returns the firm and its offset orders.
    fn offset_orders(
        held: u64,
        subject: &'static str,
        asks: &[Level],
    ) -> (ComplianceFirm, Vec<OrderRequest>) {
        let d = deadline(5);
        let bars = flat_bars(10, 5000);
        let mut firm = ComplianceFirm::new(always_active());
        let holdings = cea(held);
        let account = account(
            &holdings,
            Money::from_cny(1_000_000_000),
            Some(position(held, 1_000_000)),
        );
        let mut out = Vec::new();
        firm.on_day(
            &market(&d, &bars, &[], &[]),
            &account,
            &mut agent_rng(1, 0),
            &mut out,
        );
        let mut ccer = market(&d, &bars, &[], asks);
        ccer.subject = subject;
        assert!(firm.wants_view(subject, ccer.date));
        out.clear();
        firm.on_day(&ccer, &account, &mut agent_rng(1, 0), &mut out);
        (firm, placed(&out))
    }

    fn level(fen: i64, units: u64) -> Level {
        Level {
            price: Price::from_fen(fen),
            quantity: Quantity::new(units),
        }
    }

    #[test]
    fn offsets_are_bought_when_cheap_and_within_the_cap() {
        let (_, orders) = offset_orders(0, "CCER", &[level(3000, 1_000_000)]);
        assert_eq!(total(&orders), 50_000);
        assert!(
            orders
                .iter()
                .all(|o| o.side == Side::Buy && o.limit <= Price::from_fen(4500))
        );
        // Dear offsets are not bought.
        let (_, orders) = offset_orders(0, "CCER", &[level(4800, 1_000_000)]);
        assert!(orders.is_empty());
    }

    #[test]
    fn a_long_firm_swaps_offsets_for_allowances_and_bids_only_for_what_a_book_offers() {
        // Holds 1.5 Mt against an obligation of 1 Mt: long. The book offers 20,000 t within the
        // limit (CNY 45 = 50 less 10 %), the rest dearer.
        let book = [level(3000, 20_000), level(4600, 1_000_000)];
        let (firm, orders) = offset_orders(1_500_000, "CCER-P001", &book);
        assert_eq!(total(&orders), 20_000);
        assert!(orders.iter().all(|o| o.side == Side::Buy));
        // The other 30,000 t of room are still sought, on the next project's book.
        let today = market(&deadline(5), &[], &[], &[]).date;
        assert!(firm.wants_view("CCER-P002", today));
    }

    #[test]
    fn expectation_adapts_to_closes() {
        let mut firm = ComplianceFirm::new(ComplianceFirmParams::default());
        let mut bar = flat_bars(1, 5000)[0];
        firm.on_day_end(&DayOutcome {
            subject: "CEA",
            bar,
            rejected_intents: 0,
        });
        bar.close = Price::from_fen(6000);
        firm.on_day_end(&DayOutcome {
            subject: "CEA",
            bar,
            rejected_intents: 0,
        });
        let e = firm.expectation().unwrap_or_default();
        assert!((e - 53.0).abs() < 1e-9, "{e}");
    }

    #[test]
    fn uncovered_accounts_do_nothing_and_penalty_price_is_reported() {
        let d = deadline(1);
        let m = market(&d, &[], &[], &[]);
        let account = account(&[], Money::from_cny(1000), None);
        let mut out = Vec::new();
        ComplianceFirm::new(always_active()).on_day(&m, &account, &mut agent_rng(1, 0), &mut out);
        assert!(out.is_empty());
        let p = penalty_price_per_unit(
            Money::from_cny(30_000),
            Quantity::new(1000),
            1.0,
            Some(Price::from_fen(5000)),
        );
        assert!((p - 81.0).abs() < 1e-9);
    }
}

#[cfg(test)]
mod property_tests {
    use super::super::test_support::{account, flat_bars, placed, position};
    use super::super::{
        Deadline, Holding, Level, Method, OrderRequest, PriceBand, SizeRules, agent_rng,
    };
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the day, holdings, cash and prices, every order is inside its band and size
        /// rules, a seller never offers more than it holds, and a buyer never commits more cash
        /// than it has.
        #[test]
        fn orders_respect_band_size_holdings_and_cash(
            seed in any::<u64>(),
            close_fen in 100i64..20_000,
            days_left in 0u32..300,
            held in 0u64..5_000_000,
            obligation in 0u64..5_000_000,
            cash_cny in 0i64..500_000_000,
            ask_fen in 50i64..30_000,
        ) {
            let close = Price::from_fen(close_fen);
            let band = |bp_down: u32, bp_up: u32| PriceBand {
                lower: close.scale_bp_round_half_up(bp_down).unwrap_or(close),
                upper: close.scale_bp_round_half_up(bp_up).unwrap_or(close),
            };
            let deadlines = [Deadline {
                date: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default(),
                trading_days_left: days_left,
                required_share_bp: 10_000,
                slack_bp: 0,
                notice_trading_days: 0,
            }];
            let bars = flat_bars(8, close_fen);
            let asks = [Level { price: Price::from_fen(ask_fen), quantity: Quantity::new(1000) }];
            let m = MarketView {
                subject: "CEA",
                date: NaiveDate::from_ymd_opt(2023, 10, 9).unwrap_or_default(),
                day_index: 500,
                deadlines: &deadlines,
                prev_close: close,
                listed_band: band(9_000, 11_000),
                block_band: band(7_000, 13_000),
                sizes: SizeRules::default(),
                bars: &bars,
                bids: &[],
                asks: &asks,
            };
            let holdings = [Holding { subject: "CEA", available: Quantity::new(held), frozen: Quantity::ZERO }];
            let cash = Money::from_cny(cash_cny);
            let account = account(&holdings, cash, Some(position(obligation / 2, obligation)));
            let mut out = Vec::new();
            let mut firm = ComplianceFirm::new(ComplianceFirmParams { base_activity: 0.5, ..ComplianceFirmParams::default() });
            firm.on_day(&m, &account, &mut agent_rng(seed, 3), &mut out);
            let orders: Vec<OrderRequest> = placed(&out);
            let mut sold = 0u64;
            let mut cost = Money::ZERO;
            for o in &orders {
                prop_assert!(m.band(o.method).contains(o.limit));
                match o.method {
                    Method::Listed => prop_assert!(o.quantity.units() < 100_000),
                    Method::Block => prop_assert!(o.quantity.units() >= 100_000),
                }
                match o.side {
                    Side::Sell => sold += o.quantity.units(),
                    Side::Buy => cost += o.limit * o.quantity,
                }
            }
            prop_assert!(sold <= held);
            prop_assert!(cost <= cash);
        }
    }
}
