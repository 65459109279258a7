//! The behavioural model: the [`Agent`] trait that economists implement, the read-only views an
//! agent decides on, the order intents it returns, and one file per built-in behaviour.
//!
//! An agent sees only public market data ([`MarketView`]) and its own account ([`AccountView`]),
//! never another agent's. It answers with [`OrderIntent`]s pushed into a caller-provided `Vec`, and
//! learns from [`Fill`] and [`DayOutcome`] notifications. Beyond the book's [`Side`], this module
//! knows nothing of the order book, the registry or the exchange: the scenario runner builds the
//! views from them and turns the intents into exchange orders, so a rejected intent is an exchange
//! event, not an agent error.
//!
//! # Call order (the contract the scenario runner follows)
//! 1. Each trading day, for each agent in fleet order and for each subject it may trade, in the
//!    subject order of the scenario, [`Agent::on_day`] is called once with that subject's view.
//! 2. Optionally, for each intraday step `0..n`, [`Agent::on_step`] is called the same way.
//! 3. Each fill of one of its orders is reported through [`Agent::on_fill`] in execution order.
//! 4. After the close, [`Agent::on_day_end`] is called once per subject with the day's outcome.
//!
//! # Randomness
//! Every agent draws only from its own generator, made by [`agent_rng`]: a `ChaCha8Rng` seeded with
//! `seed_from_u64(master_seed)` and then `set_stream(agent_index)`, where `agent_index` is the
//! agent's position in the fleet as listed by the scenario (0-based). Streams never overlap, so
//! adding or removing draws in one agent never changes another's, and a run is reproduced exactly
//! by its master seed whatever the thread count.
//!
//! # Exactness
//! Agents may reason in `f64` internally (expectations, urgency), but every price and quantity they
//! emit is an exact [`Price`]/[`Quantity`] produced by [`OrderRequest::within_rules`], which clamps
//! the price into the method's band and the quantity into its size rules.

pub mod certificate_buyer;
pub mod certificate_seller;
mod codes;
pub mod compliance_firm;
pub mod investor;
pub mod joint_plan;
pub mod market_maker;

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::units::{Money, Price, Quantity};

/// The generator of agent `agent_index` under `master_seed`: `ChaCha8Rng::seed_from_u64(master_seed)`
/// followed by `set_stream(agent_index)`.
#[must_use]
pub fn agent_rng(master_seed: u64, agent_index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(master_seed);
    rng.set_stream(agent_index);
    rng
}

/// Buy or sell: the book's own side, so agent intents map onto orders without translation.
pub use crate::book::Side;
pub use crate::economics::outlook::Outlook;

/// The trading method of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Listed agreement trading: continuous book, ±10 % band, each order below the listed maximum.
    Listed,
    /// Block agreement trading: afternoon, ±30 % band, each order at least the block minimum.
    Block,
}

/// How an order meets the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// Rests at its limit until filled, cancelled or the day ends.
    Limit,
    /// Immediate-or-cancel: trades what it can at once, the rest is cancelled.
    ImmediateOrCancel,
    /// Fill-or-kill: trades in full at once or not at all.
    FillOrKill,
    /// Trades at once at any price up to (buy) or down to (sell) the limit, which acts as the
    /// protection price; the rest is cancelled.
    MarketWithProtection,
    /// Rests only: rejected if it would trade on arrival.
    PostOnly,
}

/// Inclusive price limits of one trading method for the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBand {
    /// Lowest admissible price.
    pub lower: Price,
    /// Highest admissible price.
    pub upper: Price,
}

impl PriceBand {
    /// `price` moved into the band.
    #[must_use]
    pub fn clamp(self, price: Price) -> Price {
        price.max(self.lower).min(self.upper)
    }

    /// Whether `price` lies inside the band (limits included).
    #[must_use]
    pub fn contains(self, price: Price) -> bool {
        self.lower <= price && price <= self.upper
    }
}

/// One price level of the visible book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The level's price.
    pub price: Price,
    /// Total quantity resting at that price.
    pub quantity: Quantity,
}

/// One published daily bar of a subject, as plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyBar {
    /// Trading day.
    pub date: NaiveDate,
    /// First listed trade, if any.
    pub open: Option<Price>,
    /// Highest listed trade, if any.
    pub high: Option<Price>,
    /// Lowest listed trade, if any.
    pub low: Option<Price>,
    /// Close (listed VWAP, or the previous close on a day without listed trades).
    pub close: Price,
    /// Listed volume.
    pub listed_volume: Quantity,
    /// Block volume.
    pub block_volume: Quantity,
    /// Listed plus block turnover.
    pub turnover: Money,
}

/// A compliance deadline still ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The deadline's date.
    pub date: NaiveDate,
    /// Trading days left before it, today included (0 once it has passed).
    pub trading_days_left: u32,
    /// Share of the obligation due by this deadline, in basis points (9,500 for the 95 % due on
    /// 2023-11-15; 10,000 for a final deadline).
    pub required_share_bp: u32,
    /// Share of the entities, or of the obligation, in basis points, that an interim deadline
    /// leaves to the cycle's final deadline: 500 for 95 % of the entities (2021-12-15) or of the
    /// obligation (2023-11-15); 0 for a final deadline.
    pub slack_bp: u32,
    /// Trading days from the day it was made known to it (0 when that day is not known): the
    /// time the firms had to plan for it.
    pub notice_trading_days: u32,
}

impl Deadline {
    /// Whether it asks each firm for all of its obligation: a final deadline, or an interim one
    /// that counts entities (each must then surrender in full). Such a deadline fines what is
    /// missing, so an urgent buyer takes listed offers rather than wait for a block.
    #[must_use]
    pub fn asks_in_full(&self) -> bool {
        self.required_share_bp >= 10_000
    }

    /// Whether it is its cycle's final deadline: it leaves no slack to a later one.
    #[must_use]
    pub fn is_final(&self) -> bool {
        self.slack_bp == 0
    }
}

/// Size rules of the two methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeRules {
    /// Largest listed order (99,999 t: listed orders are strictly below 100,000 t).
    pub listed_max: Quantity,
    /// Smallest block order (100,000 t).
    pub block_min: Quantity,
}

impl Default for SizeRules {
    fn default() -> Self {
        SizeRules {
            listed_max: Quantity::new(99_999),
            block_min: Quantity::new(100_000),
        }
    }
}

/// What an agent sees of one subject's market on one trading day: public data only.
#[derive(Debug, Clone, Copy)]
pub struct MarketView<'a> {
    /// The subject this view describes (e.g. `"CEA"`, `"CCER"`).
    pub subject: &'a str,
    /// The trading day.
    pub date: NaiveDate,
    /// 0-based index of the trading day in the scenario.
    pub day_index: u32,
    /// Compliance deadlines still ahead, nearest first.
    pub deadlines: &'a [Deadline],
    /// The previous close, which sets the bands.
    pub prev_close: Price,
    /// Today's listed band (±10 % of the previous close).
    pub listed_band: PriceBand,
    /// Today's block band (±30 % of the previous close).
    pub block_band: PriceBand,
    /// Size rules of the two methods.
    pub sizes: SizeRules,
    /// The last daily bars, oldest first (the runner decides how many).
    pub bars: &'a [DailyBar],
    /// Best bid levels, best first (at most five).
    pub bids: &'a [Level],
    /// Best ask levels, best first (at most five).
    pub asks: &'a [Level],
}

impl MarketView<'_> {
    /// The band of `method`.
    #[must_use]
    pub fn band(&self, method: Method) -> PriceBand {
        match method {
            Method::Listed => self.listed_band,
            Method::Block => self.block_band,
        }
    }

    /// The nearest deadline still ahead, if any.
    #[must_use]
    pub fn next_deadline(&self) -> Option<&Deadline> {
        self.deadlines.first()
    }
}

/// Available and frozen units of one subject in the agent's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding<'a> {
    /// The subject.
    pub subject: &'a str,
    /// Units free to sell or surrender.
    pub available: Quantity,
    /// Units held but not free to sell: frozen by open sell orders, or bought today and usable
    /// from the next trading day.
    pub frozen: Quantity,
}

/// Penalty terms for failing to surrender in full and on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyTerms {
    /// The fine (CNY 20,000–30,000 under the 2021 Measures; the upper end is used as the risk).
    pub fine: Money,
    /// Whether an uncorrected shortfall is deducted one-for-one from the next allocation
    /// (an unverified default of the reference rules).
    pub shortfall_deducted: bool,
    /// A fine per tonne short, when the rule sets one (a multiple of the month's average price
    /// under the 2024 Interim Regulations, estimated at the outlook's fundamental value).
    pub per_tonne: Price,
}

/// The agent's compliance position for the current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompliancePosition {
    /// Free allocation received for the period (after true-up when known).
    pub allocation: Quantity,
    /// Free allocation announced or expected for the period but not yet credited to the account
    /// (it counts towards the obligation once credited, so firms plan with it).
    pub allocation_pending: Quantity,
    /// Of `allocation_pending`, the part whose plan is not yet published: the firm cannot yet
    /// compute it from its own output.
    #[serde(default)]
    pub allocation_unpublished: Quantity,
    /// Of `allocation_pending`, the part that awaits a true-up on verified output (all of it
    /// for a cycle without a pre-allocation).
    #[serde(default)]
    pub allocation_true_up: Quantity,
    /// Verified emissions to date.
    pub verified_emissions: Quantity,
    /// Expected emissions for the whole period.
    pub expected_emissions: Quantity,
    /// Expected surrender obligation at the final deadline, after relief (gas exemption, 20 % cap).
    pub expected_obligation: Quantity,
    /// Units already surrendered for the period (allowances and offsets).
    pub surrendered: Quantity,
    /// Offsets already surrendered for the period.
    pub offsets_surrendered: Quantity,
    /// Shortfall recorded at a past deadline and not yet corrected.
    pub shortfall: Quantity,
    /// Cap on offsets as a share of the obligation, in basis points (500 = 5 %).
    pub offset_limit_bp: u32,
    /// Penalty terms.
    pub penalty: PenaltyTerms,
    /// The market's price outlook (what an allowance is worth today and at the horizon), when
    /// the run computes one.
    pub outlook: Option<Outlook>,
    /// A banking cap announced and not yet applied, as it stands for this entity.
    #[serde(default)]
    pub bank_limit: Option<BankLimit>,
    /// The group's next cycle, once its plan is published while this one is still open.
    #[serde(default)]
    pub next_cycle: Option<NextCycle>,
}

/// The next cycle of an entity's group, known from its plan while the cycle in force is still
/// open (the 2023 and 2024 power years were planned together from the draft of 2024-07-02):
/// what the entity will owe for it and the allocation it expects, still to be credited, so it
/// can plan both years at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextCycle {
    /// Expected surrender obligation at its final deadline, after relief.
    pub expected_obligation: Quantity,
    /// Its allocation not yet credited (what is credited is in the account already).
    pub allocation_pending: Quantity,
    /// Of `allocation_pending`, the part awaiting a true-up on verified output.
    pub allocation_true_up: Quantity,
    /// Its final deadline.
    pub deadline: Deadline,
}

/// What a banking cap lets an entity keep past its date: `keep_at_most` now, and `multiple_bp`
/// / 10,000 more for each capped allowance it sells before `void_after`; the rest is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLimit {
    /// The base plus the multiple of its net sales so far, t.
    pub keep_at_most: Quantity,
    /// What each further tonne sold adds to `keep_at_most`, basis points (1.5 t = 15,000).
    pub multiple_bp: u32,
    /// The capped vintages it holds, t.
    pub capped_held: Quantity,
    /// The cap applies after this day's settlement.
    pub void_after: NaiveDate,
}

impl BankLimit {
    /// What the entity must sell of a `surplus` (beyond its obligation) so that what it keeps
    /// of the capped vintages fits the cap: `max(min(surplus, capped) − keep, 0) / (1 + m)`.
    #[must_use]
    pub fn must_sell(&self, surplus: f64) -> f64 {
        let over = surplus.min(self.capped_held.units() as f64) - self.keep_at_most.units() as f64;
        over.max(0.0) / (1.0 + f64::from(self.multiple_bp) / 10_000.0)
    }
}

impl CompliancePosition {
    /// Obligation still to surrender: expected obligation minus what is surrendered.
    #[must_use]
    pub fn remaining_obligation(&self) -> Quantity {
        self.expected_obligation.saturating_sub(self.surrendered)
    }

    /// Offsets that may still be surrendered: the cap (rounded down) minus those already used.
    #[must_use]
    pub fn offset_room(&self) -> Quantity {
        let cap = u128::from(self.expected_obligation.units()) * u128::from(self.offset_limit_bp)
            / 10_000;
        Quantity::new(u64::try_from(cap).unwrap_or(u64::MAX))
            .saturating_sub(self.offsets_surrendered)
    }
}

/// What an agent sees of its own account.
#[derive(Debug, Clone, Copy)]
pub struct AccountView<'a> {
    /// Holdings: for a covered entity, of every allowance vintage (listed or not) and every
    /// offset subject; for every agent, of the view's subject (listed once).
    pub holdings: &'a [Holding<'a>],
    /// Cash free to spend.
    pub cash_available: Money,
    /// Cash frozen by open buy orders.
    pub cash_frozen: Money,
    /// The compliance position, for covered entities.
    pub compliance: Option<CompliancePosition>,
}

impl AccountView<'_> {
    /// The holding of `subject` (zero if absent).
    #[must_use]
    pub fn holding(&self, subject: &str) -> (Quantity, Quantity) {
        self.holdings
            .iter()
            .find(|h| h.subject == subject)
            .map_or((Quantity::ZERO, Quantity::ZERO), |h| {
                (h.available, h.frozen)
            })
    }

    /// Available plus frozen units of `subject`.
    #[must_use]
    pub fn total_held(&self, subject: &str) -> Quantity {
        let (available, frozen) = self.holding(subject);
        available
            .checked_add(frozen)
            .unwrap_or(Quantity::new(u64::MAX))
    }

    /// Available plus frozen cash.
    #[must_use]
    pub fn total_cash(&self) -> Money {
        self.cash_available
            .checked_add(self.cash_frozen)
            .unwrap_or(self.cash_available)
    }
}

/// One order the agent wants to place, for the subject of the view it was decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// Buy or sell.
    pub side: Side,
    /// Listed or block.
    pub method: Method,
    /// How it meets the book.
    pub kind: OrderKind,
    /// Limit (or protection) price, inside the method's band.
    pub limit: Price,
    /// Quantity, inside the method's size rules.
    pub quantity: Quantity,
    /// For a taker, the visible level (0 = best, at most 4) it picks to trade against, as the
    /// listed rules allow; `None` trades from the best level.
    pub level: Option<u8>,
}

impl OrderRequest {
    /// An order whose price is clamped into the band of `method` and whose quantity is clamped to
    /// the method's size rules: a listed order is cut to the listed maximum; a block order below
    /// the block minimum gives `None` (it cannot exist), as does a zero quantity.
    #[must_use]
    pub fn within_rules(
        market: &MarketView<'_>,
        side: Side,
        method: Method,
        kind: OrderKind,
        limit: Price,
        quantity: Quantity,
    ) -> Option<OrderRequest> {
        let quantity = match method {
            Method::Listed => quantity.min(market.sizes.listed_max),
            Method::Block if quantity < market.sizes.block_min => return None,
            Method::Block => quantity,
        };
        if quantity.is_zero() {
            return None;
        }
        Some(OrderRequest {
            side,
            method,
            kind,
            limit: market.band(method).clamp(limit),
            quantity,
            level: None,
        })
    }
}

impl OrderRequest {
    /// The same order picking visible level `level` of the other side (0 = best; the listed rules
    /// show five levels, so values above 4 become 4).
    #[must_use]
    pub fn at_level(self, level: u8) -> OrderRequest {
        OrderRequest {
            level: Some(level.min(4)),
            ..self
        }
    }
}

/// What an agent asks the exchange to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderIntent {
    /// Cancel all of this agent's open orders on the view's subject (processed before the
    /// intents that follow it).
    CancelMyOpenOrders,
    /// Place an order on the view's subject.
    Place(OrderRequest),
}

/// A fill of one of the agent's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill<'a> {
    /// The subject traded.
    pub subject: &'a str,
    /// The trading day.
    pub date: NaiveDate,
    /// The agent's side.
    pub side: Side,
    /// Listed or block.
    pub method: Method,
    /// Execution price.
    pub price: Price,
    /// Executed quantity.
    pub quantity: Quantity,
}

/// The day's outcome for one subject, told to each agent after the close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOutcome<'a> {
    /// The subject.
    pub subject: &'a str,
    /// The day's bar.
    pub bar: DailyBar,
    /// How many of this agent's intents the exchange rejected today on this subject.
    pub rejected_intents: u32,
}

/// A trading behaviour.
///
/// Implement [`Agent::on_day`] at least; the other methods default to doing nothing. See the
/// module documentation for the call order and the randomness contract.
pub trait Agent {
    /// A short label of the behaviour, used in reports (e.g. `"compliance_firm"`).
    fn kind(&self) -> &'static str;

    /// Whether the agent ever trades `subject` (an exchange code such as `"CEA"`, `"CCER-P001"`
    /// or `"GEC-G003-2023-09"`). Asked once, when the subject lists; the answer must not change.
    /// The default is every subject.
    fn trades(&self, subject: &str) -> bool {
        let _ = subject;
        true
    }

    /// Whether the agent wants a view of a subject it trades now, on `date`. Asked before each
    /// view is built; the default is always. Saying no when the agent would do nothing (a buyer
    /// whose need is met today) saves the runner building views it would ignore.
    fn wants_view(&self, subject: &str, date: NaiveDate) -> bool {
        let _ = (subject, date);
        true
    }

    /// Whether the agent only ever acts on a view that shows offers (asks on the book): the
    /// runner then does not build views of a book with none for it (it is still told the day's
    /// outcome). The default is no.
    fn needs_offers(&self) -> bool {
        false
    }

    /// Decides the day's intents on the subject of `market`, pushing them into `out` (which the
    /// caller empties beforehand).
    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    );

    /// Decides intents at intraday step `step` (optional; the default does nothing).
    fn on_step(
        &mut self,
        step: u32,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let _ = (step, market, account, rng, out);
    }

    /// Learns of a fill of one of its orders.
    fn on_fill(&mut self, fill: &Fill<'_>) {
        let _ = fill;
    }

    /// Learns of the day's outcome on one subject.
    fn on_day_end(&mut self, outcome: &DayOutcome<'_>) {
        let _ = outcome;
    }

    /// A sealed bid in the auction announced today on the subject of `market`, or `None` (the
    /// default) to stay out. Asked of every agent trading the subject, in the afternoon session
    /// of the auction day, before the block negotiation.
    fn on_auction(
        &mut self,
        notice: &AuctionNotice,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
    ) -> Option<AuctionBid> {
        let _ = (notice, market, account);
        None
    }
}

/// A single-direction auction announced for today: one seller's quantity at a reserve price;
/// bids outside the band are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuctionNotice {
    /// The quantity offered.
    pub quantity: Quantity,
    /// The lowest price accepted.
    pub reserve_price: Price,
    /// The prices a bid may name.
    pub band: PriceBand,
}

/// A sealed bid: the most the bidder pays per unit, and how much it wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuctionBid {
    /// The limit price.
    pub price: Price,
    /// The quantity wanted.
    pub quantity: Quantity,
}

/// Turns an `f64` price in yuan into an exact price, rounding half away from zero to the fen and
/// flooring at zero. For heuristics only: the result is then clamped into a band.
#[must_use]
pub(crate) fn price_from_yuan(yuan: f64) -> Price {
    if !yuan.is_finite() || yuan <= 0.0 {
        return Price::ZERO;
    }
    let fen = (yuan * 100.0).round();
    // A finite non-negative f64 saturates in the cast; prices this large are clamped by the band.
    Price::try_from_fen(fen as i64).unwrap_or(Price::MAX)
}

/// Turns an `f64` amount of yuan into money, truncated to the fen and floored at zero (a budget:
/// never more than the heuristic allows).
#[must_use]
pub(crate) fn budget_from_yuan(yuan: f64) -> Money {
    if !yuan.is_finite() || yuan <= 0.0 {
        return Money::ZERO;
    }
    Money::from_fen((yuan * 100.0) as i128)
}

/// Turns a non-negative `f64` count into a whole quantity, rounding up (a buyer short of 0.2 t
/// needs 1 t).
#[must_use]
pub(crate) fn quantity_ceil(units: f64) -> Quantity {
    if !units.is_finite() || units <= 0.0 {
        return Quantity::ZERO;
    }
    Quantity::new(units.ceil() as u64)
}

/// How [`push_orders`] routes a quantity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Routing {
    /// Send one block order when the quantity reaches the block minimum.
    pub block: bool,
    /// Otherwise split into at most this many listed orders.
    pub max_listed_orders: u32,
}

impl Routing {
    /// One listed order at most.
    pub const ONE_LISTED: Routing = Routing::listed(1);

    /// Listed trading only, in at most `max_listed_orders` orders.
    pub const fn listed(max_listed_orders: u32) -> Routing {
        Routing {
            block: false,
            max_listed_orders,
        }
    }
}

/// Splits `quantity` into listed orders of at most the listed maximum, or one block order, as
/// `routing` says, pushing them into `out`; returns the quantity placed (less than `quantity`
/// when the listed orders run out or the rules refuse an order).
pub(crate) fn push_orders(
    market: &MarketView<'_>,
    side: Side,
    kind: OrderKind,
    limit: Price,
    quantity: Quantity,
    routing: Routing,
    out: &mut Vec<OrderIntent>,
) -> Quantity {
    if routing.block && quantity >= market.sizes.block_min {
        let Some(order) = OrderRequest::within_rules(
            market,
            side,
            Method::Block,
            OrderKind::Limit,
            limit,
            quantity,
        ) else {
            return Quantity::ZERO;
        };
        out.push(OrderIntent::Place(order));
        return order.quantity;
    }
    let mut left = quantity;
    for _ in 0..routing.max_listed_orders {
        let Some(order) =
            OrderRequest::within_rules(market, side, Method::Listed, kind, limit, left)
        else {
            break;
        };
        left = left.saturating_sub(order.quantity);
        out.push(OrderIntent::Place(order));
    }
    quantity.saturating_sub(left)
}

/// Largest quantity whose cost at `limit` fits in `cash` (zero when the price is zero or cash is
/// negative: a free price is not a real quote).
#[must_use]
pub(crate) fn affordable(cash: Money, limit: Price) -> Quantity {
    if limit.fen() <= 0 || cash.fen() <= 0 {
        return Quantity::ZERO;
    }
    let units = cash.fen() / i128::from(limit.fen());
    Quantity::new(u64::try_from(units).unwrap_or(u64::MAX))
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Hand-made views shared by the behaviour tests.

    use super::*;

    /// A view of CEA on `date` with `days_left` trading days to a final deadline, close 50.00.
    pub fn market<'a>(
        deadlines: &'a [Deadline],
        bars: &'a [DailyBar],
        bids: &'a [Level],
        asks: &'a [Level],
    ) -> MarketView<'a> {
        let prev_close = Price::from_fen(5000);
        MarketView {
            subject: "CEA",
            date: NaiveDate::from_ymd_opt(2021, 12, 1).unwrap_or_default(),
            day_index: 90,
            deadlines,
            prev_close,
            listed_band: PriceBand {
                lower: Price::from_fen(4500),
                upper: Price::from_fen(5500),
            },
            block_band: PriceBand {
                lower: Price::from_fen(3500),
                upper: Price::from_fen(6500),
            },
            sizes: SizeRules::default(),
            bars,
            bids,
            asks,
        }
    }

    /// A final deadline `days_left` trading days ahead.
    pub fn deadline(days_left: u32) -> [Deadline; 1] {
        [Deadline {
            date: NaiveDate::from_ymd_opt(2021, 12, 31).unwrap_or_default(),
            trading_days_left: days_left,
            required_share_bp: 10_000,
            slack_bp: 0,
            notice_trading_days: 0,
        }]
    }

    /// A flat history of `n` bars at `close_fen`.
    pub fn flat_bars(n: usize, close_fen: i64) -> Vec<DailyBar> {
        let start = NaiveDate::from_ymd_opt(2021, 7, 16).unwrap_or_default();
        (0..n)
            .map(|i| DailyBar {
                date: start + chrono::Days::new(i as u64),
                open: Some(Price::from_fen(close_fen)),
                high: Some(Price::from_fen(close_fen)),
                low: Some(Price::from_fen(close_fen)),
                close: Price::from_fen(close_fen),
                listed_volume: Quantity::new(1000),
                block_volume: Quantity::ZERO,
                turnover: Price::from_fen(close_fen) * Quantity::new(1000),
            })
            .collect()
    }

    /// A covered entity's position with `obligation` due and nothing surrendered.
    pub fn position(allocation: u64, obligation: u64) -> CompliancePosition {
        CompliancePosition {
            allocation: Quantity::new(allocation),
            allocation_pending: Quantity::ZERO,
            allocation_unpublished: Quantity::ZERO,
            allocation_true_up: Quantity::ZERO,
            verified_emissions: Quantity::new(obligation / 2),
            expected_emissions: Quantity::new(obligation),
            expected_obligation: Quantity::new(obligation),
            surrendered: Quantity::ZERO,
            offsets_surrendered: Quantity::ZERO,
            shortfall: Quantity::ZERO,
            offset_limit_bp: 500,
            penalty: PenaltyTerms {
                fine: Money::from_cny(30_000),
                shortfall_deducted: true,
                per_tonne: Price::ZERO,
            },
            outlook: None,
            bank_limit: None,
            next_cycle: None,
        }
    }

    /// An account with `holdings`, `cash` available and an optional compliance position.
    pub fn account<'a>(
        holdings: &'a [Holding<'a>],
        cash: Money,
        compliance: Option<CompliancePosition>,
    ) -> AccountView<'a> {
        AccountView {
            holdings,
            cash_available: cash,
            cash_frozen: Money::ZERO,
            compliance,
        }
    }

    /// Every placed order of `out`.
    pub fn placed(out: &[OrderIntent]) -> Vec<OrderRequest> {
        out.iter()
            .filter_map(|i| match i {
                OrderIntent::Place(o) => Some(*o),
                OrderIntent::CancelMyOpenOrders => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use rand::RngCore;

    #[test]
    fn agent_streams_are_reproducible_and_independent() {
        let a1 = agent_rng(7, 0).next_u64();
        let a2 = agent_rng(7, 0).next_u64();
        let b = agent_rng(7, 1).next_u64();
        let c = agent_rng(8, 0).next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
    }

    #[test]
    fn within_rules_clamps_price_and_size() {
        let (d, bars) = (deadline(10), flat_bars(1, 5000));
        let m = market(&d, &bars, &[], &[]);
        let o = OrderRequest::within_rules(
            &m,
            Side::Buy,
            Method::Listed,
            OrderKind::Limit,
            Price::from_fen(9999),
            Quantity::new(250_000),
        );
        let o = o.unwrap_or_else(|| panic!("a listed order exists"));
        assert_eq!(o.limit, Price::from_fen(5500));
        assert_eq!(o.quantity, Quantity::new(99_999));
        let low = OrderRequest::within_rules(
            &m,
            Side::Sell,
            Method::Block,
            OrderKind::Limit,
            Price::ZERO,
            Quantity::new(100_000),
        );
        assert_eq!(low.map(|o| o.limit), Some(Price::from_fen(3500)));
        let small_block = OrderRequest::within_rules(
            &m,
            Side::Sell,
            Method::Block,
            OrderKind::Limit,
            Price::from_fen(5000),
            Quantity::new(99_999),
        );
        assert_eq!(small_block, None);
        assert_eq!(o.at_level(2).level, Some(2));
        assert_eq!(o.at_level(9).level, Some(4));
    }

    #[test]
    fn push_orders_splits_listed_and_keeps_block_whole() {
        let (d, bars) = (deadline(10), flat_bars(1, 5000));
        let m = market(&d, &bars, &[], &[]);
        let split = |block, max_listed_orders| {
            let mut out = Vec::new();
            let routing = Routing {
                block,
                max_listed_orders,
            };
            let q = Quantity::new(250_000);
            push_orders(
                &m,
                Side::Buy,
                OrderKind::Limit,
                m.prev_close,
                q,
                routing,
                &mut out,
            );
            placed(&out)
                .iter()
                .map(|o| (o.method, o.quantity.units()))
                .collect::<Vec<_>>()
        };
        let listed = |q| (Method::Listed, q);
        assert_eq!(
            split(false, 10),
            [listed(99_999), listed(99_999), listed(50_002)]
        );
        assert_eq!(split(false, 2), [listed(99_999), listed(99_999)]);
        assert_eq!(split(true, 10), [(Method::Block, 250_000)]);
    }

    #[test]
    fn offset_room_is_five_percent_of_obligation_minus_used() {
        let mut p = position(900, 1_000_001);
        assert_eq!(p.offset_room(), Quantity::new(50_000));
        p.offsets_surrendered = Quantity::new(20_000);
        assert_eq!(p.offset_room(), Quantity::new(30_000));
    }

    #[test]
    fn heuristic_conversions_are_safe() {
        assert_eq!(price_from_yuan(54.226), Price::from_fen(5423));
        assert_eq!(price_from_yuan(f64::NAN), Price::ZERO);
        assert_eq!(price_from_yuan(-3.0), Price::ZERO);
        assert_eq!(quantity_ceil(0.2), Quantity::new(1));
        assert_eq!(quantity_ceil(f64::INFINITY), Quantity::ZERO);
        assert_eq!(
            affordable(Money::from_cny(101), Price::from_fen(5000)),
            Quantity::new(2)
        );
        assert_eq!(
            affordable(Money::from_cny(-1), Price::from_fen(5000)),
            Quantity::ZERO
        );
    }
}
