//! The broker between agents and the exchange: it builds what an agent may see (public market
//! data and its own account, never another agent's), turns the agent's intents into exchange
//! orders, picks and block quotes, and reports each fill and rejection back to the agents
//! concerned.
//!
//! Block intents are not sent at once: block trading is negotiated in the afternoon session, so
//! the broker queues them and [`Broker::negotiate_blocks`] runs the day's negotiation. In arrival
//! order, each block intent first accepts the open quotes of the other side that meet its limit,
//! best price first (the cheapest offers for a bid, the highest bids for an offer), each
//! acceptance within the block size rules; what is left, if still a block, is posted as a quote
//! to all at its limit. Quotes left open expire at the close.

use std::collections::HashMap;

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;

use crate::agents::{
    self, AccountView, Agent, AuctionNotice, CompliancePosition, Deadline, Fill, Holding, Level,
    MarketView, Method, OrderIntent, PriceBand, SizeRules,
};
use crate::book::{self, DepthLevel, OrderId, OrderStatus, SelfTradePrevention, Side};
use crate::exchange::auction::SealedBid;
use crate::exchange::block::QuoteId;
use crate::exchange::{Exchange, ExchangeError, ExchangeEvent, OrderRequest};
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, SubjectId};
use crate::units::Quantity;

/// One agent of a run with its account and its own random stream.
pub struct Participant {
    /// The agent's registry account.
    pub account: AccountId,
    /// The behaviour.
    pub agent: Box<dyn Agent + Send>,
    /// Its generator (see [`agents::agent_rng`]).
    pub rng: ChaCha8Rng,
    /// Its compliance position, for covered entities.
    pub compliance: Option<CompliancePosition>,
}

/// What every consultation of one trading day shares.
#[derive(Debug)]
pub struct DayContext<'a> {
    /// The day's index in the run.
    pub index: u32,
    /// The day.
    pub date: NaiveDate,
    /// The deadlines ahead.
    pub deadlines: &'a [Deadline],
    /// Daily bars shown to agents.
    pub history_bars: usize,
    /// The subjects a covered entity's account view lists (allowance vintages and CCER).
    pub account_subjects: &'a [(SubjectId, String)],
    /// For each subject (by index), its place in `account_subjects` plus one, or 0.
    pub shown: &'a [u32],
}

impl DayContext<'_> {
    /// The place of `subject` in `account_subjects` plus one, or 0 for a subject not shown.
    #[must_use]
    pub fn slots(account_subjects: &[(SubjectId, String)]) -> Vec<u32> {
        let mut shown = Vec::new();
        for (k, (s, _)) in account_subjects.iter().enumerate() {
            if shown.len() <= s.index() {
                shown.resize(s.index() + 1, 0);
            }
            shown[s.index()] = k as u32 + 1;
        }
        shown
    }
}

/// One agent consulted on one listing, in the opening round (`step` `None`) or an intraday one.
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    /// The participant's index.
    pub agent: usize,
    /// The listing's index.
    pub listing: usize,
    /// The intraday round, if not the opening one.
    pub step: Option<u32>,
}

/// The open quotes that can take block intent `b`, best counterpart first: the cheapest offers
/// for a bid, the highest bids for an offer; earlier quotes first at equal prices.
fn counterparts(quotes: &[OpenQuote], b: &BlockIntent) -> Vec<usize> {
    let mut order: Vec<usize> = (0..quotes.len())
        .filter(|&k| {
            let q = &quotes[k];
            q.listing == b.listing
                && q.side != b.side
                && q.agent != b.agent
                && !q.open.is_zero()
                && match b.side {
                    Side::Buy => q.price <= b.limit,
                    Side::Sell => q.price >= b.limit,
                }
        })
        .collect();
    order.sort_by_key(|&k| {
        let q = &quotes[k];
        let key = match b.side {
            Side::Buy => q.price.fen(),
            Side::Sell => -q.price.fen(),
        };
        (key, q.arrival)
    });
    order
}

/// The public market an agent sees on listing `l`: bands, sizes, recent bars and depth.
fn market_view<'a>(
    ex: &Exchange,
    l: &'a RunListing,
    day: &DayContext<'a>,
    (listed, block, prev_close): (crate::book::Band, crate::book::Band, crate::units::Price),
    (bids, asks): (&'a [crate::agents::Level], &'a [crate::agents::Level]),
) -> MarketView<'a> {
    let rules = &ex.config().rules;
    let sizes = SizeRules {
        listed_max: rules
            .listed
            .max_quantity_exclusive
            .map_or(Quantity::new(u64::MAX), |m| Quantity::new(m.units() - 1)),
        block_min: rules.block.min_quantity.unwrap_or(Quantity::new(1)),
    };
    MarketView {
        subject: &l.code,
        date: day.date,
        day_index: day.index,
        deadlines: day.deadlines,
        prev_close,
        listed_band: PriceBand {
            lower: listed.lower,
            upper: listed.upper,
        },
        block_band: PriceBand {
            lower: block.lower,
            upper: block.upper,
        },
        sizes,
        bars: &l.bars[l.bars.len().saturating_sub(day.history_bars)..],
        bids,
        asks,
    }
}

/// A participant's holdings as its account view shows them: covered entities see what they
/// hold of the allowance and offset subjects of `day.account_subjects` (read from their own
/// holdings; a subject they hold none of counts as zero and is left out), everyone sees the
/// viewed subject's. Written into `out`, which the caller keeps from one consultation to the
/// next: a view a consultation, millions a run, each allocating its own vector cost more than
/// building them.
fn holdings_of<'a>(
    registry: &crate::registry::Registry,
    p: &Participant,
    day: &DayContext<'a>,
    (subject, code): (SubjectId, &'a str),
    out: &mut Vec<Holding<'a>>,
) {
    let holding = |code: &'a str, h: crate::registry::HoldingView| Holding {
        subject: code,
        available: h.available,
        frozen: h.frozen + h.pending,
    };
    out.clear();
    let mut viewed = false;
    if p.compliance.is_some()
        && let Ok(held) = registry.account_holdings(p.account)
    {
        for (s, h) in held {
            let k = day.shown.get(s.index()).copied().unwrap_or(0) as usize;
            // Nothing held counts as nothing shown, but the viewed subject is always shown.
            if k > 0 && (s == subject || !h.total().is_zero()) {
                viewed |= s == subject;
                out.push(holding(day.account_subjects[k - 1].1.as_str(), h));
            }
        }
    }
    if !viewed {
        let h = registry.holding(p.account, subject).unwrap_or_default();
        out.push(holding(code, h));
    }
}

/// The listed and block bands and the previous close of `subject`, if it is listed.
fn bands_of(
    ex: &Exchange,
    subject: SubjectId,
) -> Option<(crate::book::Band, crate::book::Band, crate::units::Price)> {
    Some((
        ex.band(subject, TradingMethod::ListedAgreement)?,
        ex.band(subject, TradingMethod::BlockAgreement)?,
        ex.prev_close(subject)?,
    ))
}

/// What participant `p` sees of its own account: `holdings`, its cash and its compliance
/// position.
fn account_view<'a>(
    registry: &crate::registry::Registry,
    p: &Participant,
    holdings: &'a [Holding<'a>],
) -> AccountView<'a> {
    let cash = registry.cash(p.account).unwrap_or_default();
    AccountView {
        holdings,
        cash_available: cash.available,
        cash_frozen: cash.frozen.checked_add(cash.pending).unwrap_or(cash.frozen),
        compliance: p.compliance,
    }
}

/// A subject the run lists, with the bars its agents are shown.
#[derive(Debug, Clone)]
pub struct RunListing {
    /// Exchange code (`CEA`, `CEA21`, `CCER-P01`, `GEC-G03-2023-09`, …).
    pub code: String,
    /// Registry subject.
    pub subject: SubjectId,
    /// First trading day.
    pub from: NaiveDate,
    /// Past daily bars, oldest first.
    pub bars: Vec<agents::DailyBar>,
    /// The participants that trade it ([`Agent::trades`], asked once when it lists).
    pub traders: Vec<u32>,
    /// How many of `traders`, from the first, are consulted first every day in this order (a
    /// seller listing its offers before the buyers pick them); the rest rotate.
    pub lead: usize,
}

impl RunListing {
    /// A listing of `code` from `from`, with the participants that trade it.
    #[must_use]
    pub fn new(
        code: String,
        subject: SubjectId,
        from: NaiveDate,
        participants: &[Participant],
    ) -> Self {
        let traders = participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.agent.trades(&code))
            .map(|(i, _)| i as u32)
            .collect();
        RunListing {
            code,
            subject,
            from,
            bars: Vec::new(),
            traders,
            lead: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct BlockIntent {
    agent: usize,
    listing: usize,
    side: Side,
    limit: crate::units::Price,
    quantity: Quantity,
}

/// A block quote posted during the day's negotiation.
#[derive(Debug, Clone, Copy)]
struct OpenQuote {
    listing: usize,
    side: Side,
    price: crate::units::Price,
    arrival: usize,
    id: QuoteId,
    agent: usize,
    open: Quantity,
}

/// Counters of a run's order flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flow {
    /// Orders, picks, quotes and acceptances sent to the exchange.
    pub orders: u64,
    /// Trades.
    pub trades: u64,
    /// Rejections.
    pub rejections: u64,
}

/// Routes intents and reports; see the module documentation.
pub struct Broker {
    agent_of_account: Vec<Option<u32>>,
    /// Each agent's listed orders placed today: (listing, order).
    open: Vec<Vec<(u32, OrderId)>>,
    blocks: Vec<BlockIntent>,
    /// Rejections today per (agent, listing).
    rejected: HashMap<(u32, u32), u32>,
    events: Vec<ExchangeEvent>,
    intents: Vec<OrderIntent>,
    bids: Vec<Level>,
    asks: Vec<Level>,
    depth: Vec<DepthLevel>,
    /// Units bought and sold per participant.
    traded: Vec<(Quantity, Quantity)>,
    /// Order-flow counters.
    pub flow: Flow,
}

impl Broker {
    /// A broker for `participants`.
    #[must_use]
    pub fn new(participants: &[Participant]) -> Self {
        let mut agent_of_account = Vec::new();
        for (i, p) in participants.iter().enumerate() {
            let a = p.account.0 as usize;
            if agent_of_account.len() <= a {
                agent_of_account.resize(a + 1, None);
            }
            agent_of_account[a] = Some(i as u32);
        }
        Broker {
            agent_of_account,
            open: vec![Vec::new(); participants.len()],
            blocks: Vec::new(),
            rejected: HashMap::new(),
            events: Vec::with_capacity(64),
            intents: Vec::with_capacity(16),
            bids: Vec::with_capacity(5),
            asks: Vec::with_capacity(5),
            depth: Vec::with_capacity(5),
            traded: vec![(Quantity::ZERO, Quantity::ZERO); participants.len()],
            flow: Flow::default(),
        }
    }

    fn agent_of(&self, account: AccountId) -> Option<usize> {
        self.agent_of_account
            .get(account.0 as usize)
            .copied()
            .flatten()
            .map(|i| i as usize)
    }

    /// Refreshes the five visible levels of `subject` from the book.
    pub fn refresh_depth(&mut self, ex: &Exchange, subject: SubjectId) {
        let fill = |side, out: &mut Vec<Level>, depth: &mut Vec<DepthLevel>| {
            ex.depth(subject, side, 5, depth);
            out.clear();
            out.extend(depth.iter().map(|d| Level {
                price: d.price,
                quantity: d.quantity,
            }));
        };
        fill(Side::Buy, &mut self.bids, &mut self.depth);
        fill(Side::Sell, &mut self.asks, &mut self.depth);
    }

    /// Whether the book last refreshed ([`Broker::refresh_depth`]) shows offers.
    #[must_use]
    pub fn has_asks(&self) -> bool {
        !self.asks.is_empty()
    }

    /// Asks `participants[agent]` for its intents on `listings[listing]` and sends them (block
    /// intents are queued for the afternoon). `step` is `None` for the opening round.
    /// `holdings` is room for the account view, kept by the caller over a day's consultations.
    ///
    /// # Errors
    /// Only on an internal inconsistency of the exchange (a bug); refusals are events.
    pub fn consult<'a>(
        &mut self,
        ex: &mut Exchange,
        participants: &mut [Participant],
        (listings, day): (&'a [RunListing], &DayContext<'a>),
        turn: Turn,
        holdings: &mut Vec<Holding<'a>>,
    ) -> Result<(), ExchangeError> {
        let Turn {
            agent,
            listing,
            step,
        } = turn;
        let l = &listings[listing];
        let Some(bands) = bands_of(ex, l.subject) else {
            return Ok(());
        };
        let market = market_view(ex, l, day, bands, (&self.bids, &self.asks));
        let p = &mut participants[agent];
        holdings_of(ex.registry(), p, day, (l.subject, &l.code), holdings);
        let account = account_view(ex.registry(), p, holdings);
        self.intents.clear();
        match step {
            None => p
                .agent
                .on_day(&market, &account, &mut p.rng, &mut self.intents),
            Some(s) => p
                .agent
                .on_step(s, &market, &account, &mut p.rng, &mut self.intents),
        }
        if self.intents.is_empty() {
            return Ok(());
        }
        let intents = std::mem::take(&mut self.intents);
        let account = participants[agent].account;
        for intent in &intents {
            self.send(ex, (agent, account), (listing, l.subject), *intent)?;
        }
        self.intents = intents;
        self.dispatch(participants, listings, day.date);
        self.refresh_depth(ex, l.subject);
        Ok(())
    }

    /// Asks every trader of `listings[listing]` that `asks(agent)` allows for a sealed bid in
    /// the auction `notice`; the bids come in participant order, their time priority.
    pub fn sealed_bids(
        &self,
        ex: &Exchange,
        participants: &mut [Participant],
        (listings, listing): (&[RunListing], usize),
        day: &DayContext<'_>,
        notice: &AuctionNotice,
        asks: &dyn Fn(usize) -> bool,
    ) -> Vec<SealedBid<AccountId>> {
        let l = &listings[listing];
        let Some(bands) = bands_of(ex, l.subject) else {
            return Vec::new();
        };
        let mut traders: Vec<usize> = l.traders.iter().map(|&a| a as usize).collect();
        traders.sort_unstable();
        let mut bids = Vec::new();
        let mut holdings = Vec::new();
        for a in traders.into_iter().filter(|&a| asks(a)) {
            let market = market_view(ex, l, day, bands, (&[], &[]));
            let p = &mut participants[a];
            holdings_of(ex.registry(), p, day, (l.subject, &l.code), &mut holdings);
            let account = account_view(ex.registry(), p, &holdings);
            if let Some(bid) = p.agent.on_auction(notice, &market, &account) {
                bids.push(SealedBid {
                    bidder: p.account,
                    price: bid.price,
                    quantity: bid.quantity,
                });
            }
        }
        bids
    }

    /// Sends one intent of `agent` (on `account`) for the subject of `listing`.
    fn send(
        &mut self,
        ex: &mut Exchange,
        (agent, account): (usize, AccountId),
        (listing, subject): (usize, SubjectId),
        intent: OrderIntent,
    ) -> Result<(), ExchangeError> {
        match intent {
            OrderIntent::CancelMyOpenOrders => {
                self.cancel_open(ex, agent, listing, subject, account)?;
            }
            OrderIntent::Place(o) if o.method == Method::Block => {
                self.blocks.push(BlockIntent {
                    agent,
                    listing,
                    side: o.side,
                    limit: o.limit,
                    quantity: o.quantity,
                });
            }
            OrderIntent::Place(o) => {
                self.flow.orders += 1;
                // A pick of a visible level takes the order at its head, at that order's price.
                let picked = o.level.and_then(|k| {
                    ex.book(subject)
                        .and_then(|b| b.head_of_level(o.side.opposite(), usize::from(k)))
                });
                if let Some((target, level)) = picked {
                    let q = o.quantity.min(level.quantity);
                    ex.pick(account, subject, target, q, &mut self.events)?;
                } else {
                    let req = OrderRequest {
                        account,
                        subject,
                        side: o.side,
                        kind: book_kind(o.kind),
                        price: o.limit,
                        quantity: o.quantity,
                        stp: SelfTradePrevention::CancelTaker,
                    };
                    if let Some(id) = ex.submit(&req, &mut self.events)? {
                        self.open[agent].push((listing as u32, id));
                    }
                }
            }
        }
        Ok(())
    }

    fn cancel_open(
        &mut self,
        ex: &mut Exchange,
        agent: usize,
        listing: usize,
        subject: SubjectId,
        account: AccountId,
    ) -> Result<(), ExchangeError> {
        let mut k = 0;
        while k < self.open[agent].len() {
            let (li, id) = self.open[agent][k];
            if li as usize != listing {
                k += 1;
                continue;
            }
            self.open[agent].swap_remove(k);
            let resting = ex
                .book(subject)
                .is_some_and(|b| matches!(b.status(id), OrderStatus::Resting { .. }));
            if resting {
                ex.cancel(account, subject, id, &mut self.events)?;
            }
        }
        Ok(())
    }

    /// Runs the afternoon's block negotiation over the queued block intents (see the module
    /// documentation), then forgets them.
    ///
    /// # Errors
    /// Only on an internal inconsistency of the exchange (a bug).
    pub fn negotiate_blocks(
        &mut self,
        ex: &mut Exchange,
        participants: &mut [Participant],
        listings: &[RunListing],
        date: NaiveDate,
    ) -> Result<(), ExchangeError> {
        let blocks = std::mem::take(&mut self.blocks);
        let minimum = ex
            .config()
            .rules
            .block
            .min_quantity
            .unwrap_or(Quantity::new(1));
        let mut quotes: Vec<OpenQuote> = Vec::new();
        for (arrival, b) in blocks.iter().enumerate() {
            let subject = listings[b.listing].subject;
            let account = participants[b.agent].account;
            let mut left = b.quantity;
            let order = counterparts(&quotes, b);
            for k in order {
                let Some(take) = acceptable(left, quotes[k].open, minimum) else {
                    continue;
                };
                self.flow.orders += 1;
                ex.accept_block_quote(account, subject, quotes[k].id, take, &mut self.events)?;
                let traded = self.dispatch(participants, listings, date);
                quotes[k].open = quotes[k].open.saturating_sub(traded);
                left = left.saturating_sub(traded);
                if left < minimum {
                    break;
                }
            }
            if left >= minimum {
                self.flow.orders += 1;
                if let Some(id) = ex.post_block_quote(
                    account,
                    subject,
                    b.side,
                    b.limit,
                    left,
                    None,
                    &mut self.events,
                )? {
                    quotes.push(OpenQuote {
                        listing: b.listing,
                        side: b.side,
                        price: b.limit,
                        arrival,
                        id,
                        agent: b.agent,
                        open: left,
                    });
                }
                self.dispatch(participants, listings, date);
            }
        }
        Ok(())
    }

    /// Reports the pending events to the agents concerned; returns the quantity traded.
    fn dispatch(
        &mut self,
        participants: &mut [Participant],
        listings: &[RunListing],
        date: NaiveDate,
    ) -> Quantity {
        let mut volume = Quantity::ZERO;
        // Taken for the loop (the lookups borrow the broker) and put back to keep its capacity.
        let mut events = std::mem::take(&mut self.events);
        for e in events.drain(..) {
            match e {
                ExchangeEvent::Trade(t) => {
                    self.flow.trades += 1;
                    volume += t.quantity;
                    let Some(code) = listings.iter().find(|l| l.subject == t.subject) else {
                        continue;
                    };
                    let method = match t.method {
                        TradingMethod::BlockAgreement => Method::Block,
                        _ => Method::Listed,
                    };
                    for (account, side) in [(t.buyer, Side::Buy), (t.seller, Side::Sell)] {
                        let Some(i) = self.agent_of(account) else {
                            continue;
                        };
                        let (bought, sold) = &mut self.traded[i];
                        match side {
                            Side::Buy => *bought += t.quantity,
                            Side::Sell => *sold += t.quantity,
                        }
                        participants[i].agent.on_fill(&Fill {
                            subject: &code.code,
                            date,
                            side,
                            method,
                            price: t.price,
                            quantity: t.quantity,
                        });
                    }
                }
                ExchangeEvent::Rejected {
                    account, subject, ..
                } => {
                    self.flow.rejections += 1;
                    let (Some(i), Some(li)) = (
                        self.agent_of(account),
                        listings.iter().position(|l| l.subject == subject),
                    ) else {
                        continue;
                    };
                    *self.rejected.entry((i as u32, li as u32)).or_insert(0) += 1;
                }
                _ => {}
            }
        }
        self.events = events;
        volume
    }

    /// Reports the close's events (expiries, released quotes) and ends the day's bookkeeping.
    pub fn end_day(
        &mut self,
        events: &mut Vec<ExchangeEvent>,
        participants: &mut [Participant],
        listings: &[RunListing],
        date: NaiveDate,
    ) {
        self.events.append(events);
        self.dispatch(participants, listings, date);
        for open in &mut self.open {
            open.clear();
        }
    }

    /// Rejections of `agent`'s intents on `listing` today, and forgets them.
    pub fn take_rejections(&mut self, agent: usize, listing: usize) -> u32 {
        if self.rejected.is_empty() {
            return 0;
        }
        self.rejected
            .remove(&(agent as u32, listing as u32))
            .unwrap_or(0)
    }

    /// Forgets the day's rejection counts.
    pub fn clear_rejections(&mut self) {
        self.rejected.clear();
    }

    /// Units each participant bought and sold so far, in participant order.
    #[must_use]
    pub fn traded(&self) -> &[(Quantity, Quantity)] {
        &self.traded
    }
}

/// The largest acceptance of a block quote with `open` units for a bid still wanting `left`:
/// at least `minimum`, and leaving the quote either empty or with at least `minimum`.
fn acceptable(left: Quantity, open: Quantity, minimum: Quantity) -> Option<Quantity> {
    let take = left.min(open);
    if take < minimum {
        return None;
    }
    let rest = open.saturating_sub(take);
    if rest.is_zero() || rest >= minimum {
        return Some(take);
    }
    // Leave the minimum on the quote.
    let reduced = open.saturating_sub(minimum);
    (reduced >= minimum).then_some(reduced)
}

fn book_kind(kind: agents::OrderKind) -> book::OrderKind {
    match kind {
        agents::OrderKind::Limit => book::OrderKind::Limit,
        agents::OrderKind::ImmediateOrCancel => book::OrderKind::ImmediateOrCancel,
        agents::OrderKind::FillOrKill => book::OrderKind::FillOrKill,
        agents::OrderKind::MarketWithProtection => book::OrderKind::MarketWithProtection,
        agents::OrderKind::PostOnly => book::OrderKind::PostOnly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_acceptances_respect_the_minimum_on_both_sides() {
        let q = Quantity::new;
        let min = q(100_000);
        assert_eq!(acceptable(q(250_000), q(200_000), min), Some(q(200_000)));
        assert_eq!(acceptable(q(150_000), q(200_000), min), Some(q(100_000)));
        assert_eq!(acceptable(q(120_000), q(300_000), min), Some(q(120_000)));
        assert_eq!(acceptable(q(90_000), q(300_000), min), None);
        assert_eq!(acceptable(q(150_000), q(150_000), min), Some(q(150_000)));
        assert_eq!(acceptable(q(140_000), q(150_000), min), None);
    }
}
