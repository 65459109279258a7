//! The exchange itself: listings, the trading day's lifecycle (open: bands from the previous
//! close and pending units released; close: orders and quotes expired, freezes released, bars
//! published, closes carried forward), the clock, and queries.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::auction::AuctionPricing;
use super::bars::{BarBuilder, DailyBar};
use super::block::BlockBoard;
use super::events::{ExchangeEvent, ExchangeReject, Trade};
use super::fees::{FeeRate, FeeSchedule};
use crate::book::{Band, BookConfig, BookError, DepthLevel, OrderBook, OrderId, Side};
use crate::calendar::{CalendarError, TimeOfDay, TradingCalendar};
use crate::instrument::{MarketRules, TradingMethod};
use crate::registry::{AccountId, AccountKind, Registry, RegistryError, Settlement, SubjectId};
use crate::units::{Money, Price, Quantity};

/// Misuse of the exchange (market outcomes are [`ExchangeEvent`]s, not errors).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExchangeError {
    /// A calendar problem (a day outside the coverage).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// A registry problem.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A book configuration problem.
    #[error(transparent)]
    Book(#[from] BookError),
    /// The day is not a trading day.
    #[error("{date} is not a trading day")]
    ClosedDay {
        /// The date.
        date: NaiveDate,
    },
    /// Days must move forward.
    #[error("cannot open {date}: the last day opened was {last}")]
    DayNotAfter {
        /// The date.
        date: NaiveDate,
        /// The last opened day.
        last: NaiveDate,
    },
    /// A day is already open, or none is.
    #[error("a trading day is {state}")]
    DayState {
        /// `already open` or `not open`.
        state: &'static str,
    },
    /// The subject is listed already.
    #[error("subject {subject:?} is already listed")]
    AlreadyListed {
        /// The subject.
        subject: SubjectId,
    },
    /// Every book tag is taken: an exchange lists at most
    /// [`BOOK_TAGS`](crate::book::BOOK_TAGS) subjects, so that no
    /// two of its books accept each other's order ids.
    #[error(
        "cannot list subject {subject:?}: the exchange lists {listed} subjects, the most it can"
    )]
    TooManyListings {
        /// The subject.
        subject: SubjectId,
        /// Subjects listed already.
        listed: usize,
    },
    /// The subject is not listed.
    #[error("subject {subject:?} is not listed")]
    NotListed {
        /// The subject.
        subject: SubjectId,
    },
    /// The exchange clock cannot go back.
    #[error("clock cannot go back from {now} to {to}")]
    ClockBackwards {
        /// Current time.
        now: TimeOfDay,
        /// Requested time.
        to: TimeOfDay,
    },
}

/// How the exchange is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeConfig {
    /// Trading days.
    pub calendar: TradingCalendar,
    /// Method rules.
    pub rules: MarketRules,
    /// Fees (zero by default: no national fee was found in public sources).
    pub fees: FeeSchedule,
    /// Pricing of single-direction bidding.
    pub auction_pricing: AuctionPricing,
    /// Whether the exchange keeps every bar it publishes ([`Exchange::bars`]). On by default;
    /// a caller that records its own (a long run with hundreds of certificate books) turns it
    /// off and still gets each day's bars from [`Exchange::close_day`].
    #[serde(default = "keep_bars")]
    pub keep_bars: bool,
}

fn keep_bars() -> bool {
    true
}

impl ExchangeConfig {
    /// The national market of 2021–2023.
    ///
    /// # Errors
    /// [`ExchangeError::Calendar`] if the embedded calendar were malformed.
    pub fn national_2021_2023() -> Result<Self, ExchangeError> {
        Ok(ExchangeConfig {
            calendar: TradingCalendar::sse_2021_2023()?,
            rules: MarketRules::default(),
            fees: FeeSchedule::default(),
            auction_pricing: AuctionPricing::Uniform,
            keep_bars: true,
        })
    }
}

/// What an open order has frozen, by book slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrderRecord {
    pub id: OrderId,
    pub account: AccountId,
    pub side: Side,
    /// Units still frozen (sell orders).
    pub units: Quantity,
    /// Cash still frozen (buy orders).
    pub cash: Money,
}

/// One listed subject.
#[derive(Debug, Clone)]
pub(super) struct Listing {
    pub subject: SubjectId,
    pub code: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub book: OrderBook,
    pub block: BlockBoard<AccountId>,
    /// What each open block quote froze: (units, cash), by quote index.
    pub quote_frozen: Vec<(Quantity, Money)>,
    pub bar: BarBuilder,
    pub prev_close: Price,
    pub listed_band: Band,
    pub block_band: Band,
    /// Open listed orders by book slot.
    pub orders: Vec<Option<OrderRecord>>,
    pub active: bool,
    /// Only listed trading: block quotes and auctions are refused.
    pub listed_only: bool,
}

/// Listing positions by subject. Subject ids are dense registry indices, so a vector replaces
/// hashing on every order's lookup.
#[derive(Debug, Clone, Default)]
pub(super) struct ListingIndex(Vec<usize>);

impl ListingIndex {
    const NONE: usize = usize::MAX;

    pub(super) fn get(&self, subject: SubjectId) -> Option<usize> {
        self.0
            .get(subject.index())
            .copied()
            .filter(|i| *i != Self::NONE)
    }

    pub(super) fn contains_key(&self, subject: SubjectId) -> bool {
        self.get(subject).is_some()
    }

    pub(super) fn remove(&mut self, subject: SubjectId) {
        if let Some(i) = self.0.get_mut(subject.index()) {
            *i = Self::NONE;
        }
    }

    pub(super) fn insert(&mut self, subject: SubjectId, listing: usize) {
        let i = subject.index();
        if self.0.len() <= i {
            self.0.resize(i + 1, Self::NONE);
        }
        self.0[i] = listing;
    }
}

/// The exchange: books, block boards and auctions over the registry, with the calendar, rules,
/// fees, settlement and market data.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub(super) config: ExchangeConfig,
    pub(super) registry: Registry,
    pub(super) fee_account: AccountId,
    pub(super) listings: Vec<Listing>,
    pub(super) by_subject: ListingIndex,
    pub(super) day: Option<NaiveDate>,
    pub(super) last_day: Option<NaiveDate>,
    pub(super) time: TimeOfDay,
    pub(super) tape: Vec<Trade>,
    pub(super) bars: Vec<DailyBar>,
    /// Reused buffer for the book's events, so a call allocates nothing once warm.
    pub(super) scratch: Vec<crate::book::BookEvent>,
}

impl Exchange {
    /// An exchange over `registry`; it opens its own fee account there.
    #[must_use]
    pub fn new(config: ExchangeConfig, mut registry: Registry) -> Self {
        let fee_account = registry.open_account(AccountKind::Operator, "exchange fees");
        Exchange {
            config,
            registry,
            fee_account,
            listings: Vec::new(),
            by_subject: ListingIndex::default(),
            day: None,
            last_day: None,
            time: TimeOfDay::MIDNIGHT,
            tape: Vec::new(),
            bars: Vec::new(),
            scratch: Vec::with_capacity(64),
        }
    }

    /// Lists a registry subject for trading under the exchange's `code` (e.g. `CEA21`) from
    /// `from` (inclusive) until `until` (inclusive, if given), with `reference_price` as the
    /// previous close of its first day.
    ///
    /// Each book's order ids carry its listing's tag, so no book takes another's ids; there are
    /// [`BOOK_TAGS`](crate::book::BOOK_TAGS) tags. Once they are all taken, a new subject takes
    /// over the book of a listing that has ended (its `until` is past and no day is open): the
    /// book keeps its slots' generations, so an id of the ended listing's orders never names
    /// an order of the new one.
    ///
    /// # Errors
    /// Unknown subject, already listed, or [`ExchangeError::TooManyListings`] when every tag is
    /// taken by a listing that has not ended.
    pub fn list(
        &mut self,
        subject: SubjectId,
        code: impl Into<String>,
        reference_price: Price,
        from: NaiveDate,
        until: Option<NaiveDate>,
    ) -> Result<(), ExchangeError> {
        self.registry.subject(subject)?;
        let code = code.into();
        if self.by_subject.contains_key(subject) {
            return Err(ExchangeError::AlreadyListed { subject });
        }
        let listed_band = self.config.rules.listed.band(reference_price);
        let block_band = self.config.rules.block.band(reference_price);
        let minimum = self
            .config
            .rules
            .block
            .min_quantity
            .unwrap_or(Quantity::new(1));
        let (slot, book) = self.free_book(subject, listed_band)?;
        self.by_subject.insert(subject, slot);
        let listing = Listing {
            subject,
            bar: BarBuilder::new(from, code.clone(), reference_price),
            code,
            from,
            until,
            book,
            block: BlockBoard::new(minimum),
            quote_frozen: Vec::new(),
            prev_close: reference_price,
            listed_band,
            block_band,
            orders: Vec::new(),
            active: false,
            listed_only: false,
        };
        if slot == self.listings.len() {
            self.listings.push(listing);
        } else {
            self.listings[slot] = listing;
        }
        Ok(())
    }

    /// The slot and book for a new listing: a new one while tags are free, else the book of
    /// the first ended listing (reset to `band`), whose subject is unlisted.
    fn free_book(
        &mut self,
        subject: SubjectId,
        band: Band,
    ) -> Result<(usize, OrderBook), ExchangeError> {
        if let Ok(tag) = u8::try_from(self.listings.len()) {
            let book = OrderBook::with_tag(self.book_config(band), tag)?;
            return Ok((self.listings.len(), book));
        }
        let ended = |l: &Listing| {
            l.until
                .is_some_and(|u| self.last_day.is_some_and(|last| u <= last))
        };
        let slot = match self.listings.iter().position(ended) {
            Some(slot) if self.day.is_none() => slot,
            _ => {
                return Err(ExchangeError::TooManyListings {
                    subject,
                    listed: self.listings.len(),
                });
            }
        };
        let config = self.book_config(band);
        let old = &mut self.listings[slot];
        let mut book = std::mem::replace(&mut old.book, OrderBook::with_tag(config, 0)?);
        book.reset_day(config)?;
        let old_subject = old.subject;
        self.by_subject.remove(old_subject);
        Ok((slot, book))
    }

    /// Ends the listing of `subject` after `last_day` (inclusive): from the next day it is not
    /// traded, and once a day after `last_day` has been opened its book may be taken over by a
    /// new listing (see [`Exchange::list`]).
    ///
    /// # Errors
    /// [`ExchangeError::NotListed`].
    pub fn delist(&mut self, subject: SubjectId, last_day: NaiveDate) -> Result<(), ExchangeError> {
        let i = self
            .by_subject
            .get(subject)
            .ok_or(ExchangeError::NotListed { subject })?;
        let l = &mut self.listings[i];
        l.until = Some(l.until.map_or(last_day, |u| u.min(last_day)));
        Ok(())
    }

    /// Restricts `subject` to listed trading: block quotes, their acceptance and
    /// single-direction auctions on it are refused with [`ExchangeReject::MethodNotOffered`].
    ///
    /// # Errors
    /// [`ExchangeError::NotListed`].
    pub fn restrict_to_listed(&mut self, subject: SubjectId) -> Result<(), ExchangeError> {
        let i = self
            .by_subject
            .get(subject)
            .ok_or(ExchangeError::NotListed { subject })?;
        self.listings[i].listed_only = true;
        Ok(())
    }

    fn book_config(&self, band: Band) -> BookConfig {
        BookConfig {
            band,
            tick_fen: 1,
            lot: Quantity::new(1),
            max_quantity_exclusive: self.config.rules.listed.max_quantity_exclusive,
            min_quantity: self.config.rules.listed.min_quantity,
        }
    }

    /// Opens a trading day: pending units and cash become available, every subject listed that
    /// day gets its bands from its previous close, and the clock starts at 09:00.
    ///
    /// # Errors
    /// A day already open, a closed or past day, or a date outside the calendar.
    pub fn open_day(&mut self, date: NaiveDate) -> Result<(), ExchangeError> {
        if self.day.is_some() {
            return Err(ExchangeError::DayState {
                state: "already open",
            });
        }
        if let Some(last) = self.last_day
            && date <= last
        {
            return Err(ExchangeError::DayNotAfter { date, last });
        }
        if !self.config.calendar.is_trading_day(date)? {
            return Err(ExchangeError::ClosedDay { date });
        }
        // Every book must take its new band before anything changes: a close far from the
        // last one can make a band too wide, and a half-opened day could never be retried.
        let rules = &self.config.rules;
        let bands: Vec<Band> = self
            .listings
            .iter()
            .map(|l| rules.listed.band(l.prev_close))
            .collect();
        for &band in &bands {
            self.book_config(band).validate()?;
        }
        self.registry.roll_day();
        self.registry.venue_holds_freezes = true;
        for (i, band) in bands.into_iter().enumerate() {
            let cfg = self.book_config(band);
            let block_band = self.config.rules.block.band(self.listings[i].prev_close);
            let l = &mut self.listings[i];
            l.active = date >= l.from && l.until.is_none_or(|u| date <= u);
            if l.until.is_some_and(|u| u < date) {
                // An ended listing keeps its book empty until a new subject takes it over.
                continue;
            }
            l.listed_band = band;
            l.block_band = block_band;
            l.book.reset_day(cfg)?;
            l.bar = BarBuilder::new(date, l.code.clone(), l.prev_close);
        }
        self.day = Some(date);
        self.last_day = Some(date);
        self.time = TimeOfDay::hm(9, 0).unwrap_or(self.time);
        Ok(())
    }

    /// Moves the exchange clock forward.
    ///
    /// # Errors
    /// [`ExchangeError::ClockBackwards`].
    pub fn set_time(&mut self, to: TimeOfDay) -> Result<(), ExchangeError> {
        if to < self.time {
            return Err(ExchangeError::ClockBackwards { now: self.time, to });
        }
        self.time = to;
        Ok(())
    }

    /// Closes the day: expires every order and quote, releases what they froze, publishes each
    /// active subject's bar and carries its close forward. Returns the day's bars.
    ///
    /// # Errors
    /// No day open, or a registry inconsistency (a bug).
    pub fn close_day(
        &mut self,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<Vec<DailyBar>, ExchangeError> {
        if self.day.is_none() {
            return Err(ExchangeError::DayState { state: "not open" });
        }
        let mut bars = Vec::new();
        for i in 0..self.listings.len() {
            self.run_book(i, None, events, crate::book::OrderBook::end_of_day)?;
            let expired = self.listings[i].block.end_of_day();
            for (quote, q) in expired {
                self.release_quote(i, quote.0 as usize, q.poster)?;
                events.push(ExchangeEvent::QuoteClosed {
                    subject: self.listings[i].subject,
                    quote,
                    open: q.open,
                });
            }
            self.listings[i].quote_frozen.clear();
            let l = &mut self.listings[i];
            if l.active {
                let bar = l.bar.bar();
                l.prev_close = bar.close;
                bars.push(bar);
            }
        }
        if self.config.keep_bars {
            self.bars.extend(bars.iter().cloned());
        }
        self.day = None;
        self.registry.venue_holds_freezes = false;
        Ok(bars)
    }

    /// The registry (read-only).
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry, for issuance, deposits and compliance between trading days.
    ///
    /// Changing holdings that open orders have frozen is prevented by the registry itself:
    /// frozen units and cash are not available, and while a day is open the registry refuses to
    /// release freezes ([`RegistryError::FrozenByExchange`]) or expire a subject with frozen
    /// units ([`RegistryError::FrozenUnits`]).
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The account that collects fees.
    #[must_use]
    pub fn fee_account(&self) -> AccountId {
        self.fee_account
    }

    /// The open day, if any.
    #[must_use]
    pub fn day(&self) -> Option<NaiveDate> {
        self.day
    }

    /// The last day opened, if any.
    #[must_use]
    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last_day
    }

    /// The exchange clock.
    #[must_use]
    pub fn time(&self) -> TimeOfDay {
        self.time
    }

    /// Every trade so far.
    #[must_use]
    pub fn tape(&self) -> &[Trade] {
        &self.tape
    }

    /// Every bar published so far (none if the configuration keeps none).
    #[must_use]
    pub fn bars(&self) -> &[DailyBar] {
        &self.bars
    }

    /// The bar being built today for `subject`.
    #[must_use]
    pub fn bar_so_far(&self, subject: SubjectId) -> Option<DailyBar> {
        self.listing(subject).map(|l| l.bar.bar())
    }

    /// The previous close of `subject` (today's reference price).
    #[must_use]
    pub fn prev_close(&self, subject: SubjectId) -> Option<Price> {
        self.listing(subject).map(|l| l.prev_close)
    }

    /// Today's band of a method for `subject`.
    #[must_use]
    pub fn band(&self, subject: SubjectId, method: TradingMethod) -> Option<Band> {
        let l = self.listing(subject)?;
        Some(match method {
            TradingMethod::ListedAgreement => l.listed_band,
            TradingMethod::BlockAgreement => l.block_band,
            TradingMethod::SingleDirectionBidding => self.config.rules.auction.band(l.prev_close),
        })
    }

    /// The best `n` listed levels of `side` for `subject` (the exchange shows five).
    pub fn depth(&self, subject: SubjectId, side: Side, n: usize, out: &mut Vec<DepthLevel>) {
        out.clear();
        if let Some(l) = self.listing(subject) {
            l.book.depth(side, n, out);
        }
    }

    /// The listed order book of `subject`, for queries (status, queue position).
    #[must_use]
    pub fn book(&self, subject: SubjectId) -> Option<&OrderBook> {
        self.listing(subject).map(|l| &l.book)
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ExchangeConfig {
        &self.config
    }

    pub(super) fn listing(&self, subject: SubjectId) -> Option<&Listing> {
        self.by_subject.get(subject).map(|i| &self.listings[i])
    }

    /// Cash a buy of `quantity` up to `limit` must freeze: the value, the fee on it, and a
    /// margin of one minimum fee plus one fen per unit (each fill may round its fee up and pay a
    /// minimum), released when the order ends. Every fee charged on a fill is at most this
    /// reserve's fee, so once the reserve fits, no fee computed later can overflow.
    ///
    /// # Errors
    /// [`ExchangeReject::ReserveOverflow`] if the reserve does not fit in `i128` fen.
    pub(super) fn buy_reserve(
        rate: FeeRate,
        limit: Price,
        quantity: Quantity,
    ) -> Result<Money, ExchangeReject> {
        let value = limit * quantity;
        if rate == FeeRate::ZERO {
            return Ok(value);
        }
        let margin = rate
            .minimum
            .checked_add(Money::from_fen(1))
            .and_then(|m| m.fen().checked_mul(i128::from(quantity.units())));
        rate.checked_fee(value)
            .zip(margin)
            .and_then(|(fee, margin)| value.checked_add(fee)?.checked_add(Money::from_fen(margin)))
            .ok_or(ExchangeReject::ReserveOverflow {
                price: limit,
                quantity,
                rate,
            })
    }

    /// The buyer's and seller's fees on one trade; the seller's never exceeds the value.
    pub(super) fn trade_fees(&self, method: TradingMethod, value: Money) -> (Money, Money) {
        let side = match method {
            TradingMethod::ListedAgreement => self.config.fees.listed,
            TradingMethod::BlockAgreement => self.config.fees.block,
            TradingMethod::SingleDirectionBidding => self.config.fees.auction,
        };
        (side.buyer.fee(value), side.seller.fee(value).min(value))
    }

    /// Settles one trade and records it on the tape and in the bar.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle_trade(
        &mut self,
        listing: usize,
        method: TradingMethod,
        buyer: AccountId,
        seller: AccountId,
        price: Price,
        quantity: Quantity,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<Money, ExchangeError> {
        let (buyer_fee, seller_fee) = self.trade_fees(method, price * quantity);
        let subject = self.listings[listing].subject;
        self.registry.settle(&Settlement {
            subject,
            seller,
            buyer,
            quantity,
            price,
            buyer_fee,
            seller_fee,
            fee_account: self.fee_account,
        })?;
        self.listings[listing].bar.record(method, price, quantity);
        let trade = Trade {
            seq: self.tape.len() as u64 + 1,
            date: self.day.unwrap_or_default(),
            time: self.time,
            subject,
            method,
            price,
            quantity,
            buyer,
            seller,
            buyer_fee,
            seller_fee,
        };
        self.tape.push(trade);
        events.push(ExchangeEvent::Trade(trade));
        Ok(price * quantity + buyer_fee)
    }
}
