//! The book's vocabulary: sides, ids, order kinds, self-trade prevention and configuration.

use serde::{Deserialize, Serialize};

use crate::units::{Price, Quantity};

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A bid.
    Buy,
    /// An offer.
    Sell,
}

impl Side {
    /// The other side.
    #[must_use]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// An engine-assigned order id: the issuing book's tag, a dense slab slot and a generation, so
/// an id is never mistaken for a later order that reuses its slot, nor for an order of another
/// book with a different tag.
///
/// Layout of the raw `u64`: bits 0–23 the slot, bits 24–31 the book's tag, bits 32–63 the
/// slot's generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderId(u64);

/// Bits of an id's low word that hold the slot; the rest of the low word holds the book's tag.
pub(crate) const SLOT_BITS: u32 = 24;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;

/// The most orders a book holds at once (resting orders and the one being matched): the slot
/// field of an [`OrderId`] has 24 bits, and the all-ones slot is never issued. A full book rejects new orders with
/// [`RejectReason::BookFull`](super::RejectReason::BookFull).
pub const MAX_LIVE_ORDERS: usize = (1 << SLOT_BITS) - 1;

/// How many distinct book tags there are (see [`OrderBook::with_tag`](super::OrderBook::with_tag)).
pub const BOOK_TAGS: u32 = 1 << (32 - SLOT_BITS);

/// Why a number is not an [`OrderId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{raw} is not an order id: its slot field is {slot:#x}, a value no book issues")]
pub struct OrderIdError {
    /// The number.
    pub raw: u64,
    /// Its slot field.
    pub slot: u32,
}

impl OrderId {
    /// An id from its low word (slot and tag bits) and generation.
    pub(crate) const fn new(low: u32, generation: u32) -> Self {
        OrderId(((generation as u64) << 32) | low as u64)
    }

    /// The slot index (the tag bits removed).
    pub(crate) const fn slot(self) -> u32 {
        self.0 as u32 & SLOT_MASK
    }

    /// The tag bits of the low word, the slot bits cleared.
    pub(crate) const fn tag_bits(self) -> u32 {
        self.0 as u32 & !SLOT_MASK
    }

    /// The low word: slot and tag bits together.
    pub(crate) const fn low(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The tag of the book that issued this id.
    #[must_use]
    pub const fn book_tag(self) -> u32 {
        (self.0 as u32) >> SLOT_BITS
    }

    /// The raw id, for logs and external maps; [`OrderId::from_raw`] turns it back.
    #[must_use]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// An id from a number a client persisted (as [`OrderId::raw`] gave it).
    ///
    /// Any number a book could have issued is accepted; whether it names a live order is the
    /// book's to say (an id from another book or a stale one is refused there, not here).
    ///
    /// # Errors
    /// [`OrderIdError`] if the slot field is all ones, a value no book issues (it lies past
    /// [`MAX_LIVE_ORDERS`]).
    pub const fn from_raw(raw: u64) -> Result<Self, OrderIdError> {
        let slot = raw as u32 & SLOT_MASK;
        if slot == SLOT_MASK {
            return Err(OrderIdError { raw, slot });
        }
        Ok(OrderId(raw))
    }

    /// Any number as an id, for the reference book's sequential ids.
    pub(crate) const fn from_raw_unchecked(raw: u64) -> Self {
        OrderId(raw)
    }
}

/// Who owns an order: the unit of self-trade prevention (an account in the exchange).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OwnerId(pub u32);

/// How an order executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// Trades what it can at its limit or better, then rests until filled, cancelled or the day
    /// ends.
    Limit,
    /// Trades what it can at its limit or better; the rest is cancelled.
    ImmediateOrCancel,
    /// Trades its whole quantity at its limit or better at once, or nothing happens at all.
    FillOrKill,
    /// Trades what it can up to its protection price, then the rest is cancelled. The
    /// protection is the order's price capped at the band edge (`min(price, upper)` for a buy,
    /// `max(price, lower)` for a sell; [`Price::MAX`] or the lowest positive price gives the
    /// edge itself); a buy priced below the band or a sell above it is rejected as
    /// [`RejectReason::OutsideBand`](super::RejectReason::OutsideBand).
    MarketWithProtection,
    /// Rests without trading; rejected if it would take liquidity on arrival.
    PostOnly,
}

/// What happens when an order would trade against another order of the same owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SelfTradePrevention {
    /// The incoming order's remainder is cancelled; the resting order stays.
    #[default]
    CancelTaker,
    /// The resting order is cancelled and the incoming order goes on matching.
    CancelMaker,
    /// Both the resting order and the incoming order's remainder are cancelled.
    CancelBoth,
}

/// A new order as submitted to the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NewOrder {
    /// The owner, for self-trade prevention.
    pub owner: OwnerId,
    /// Buy or sell.
    pub side: Side,
    /// How it executes.
    pub kind: OrderKind,
    /// Limit price (the protection price for [`OrderKind::MarketWithProtection`]).
    pub price: Price,
    /// Quantity.
    pub quantity: Quantity,
    /// Self-trade prevention mode.
    pub stp: SelfTradePrevention,
}

/// The day's inclusive price limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Band {
    /// Lowest acceptable price.
    pub lower: Price,
    /// Highest acceptable price.
    pub upper: Price,
}

impl Band {
    /// Whether `price` lies within the band, limits included.
    #[must_use]
    pub fn contains(&self, price: Price) -> bool {
        self.lower <= price && price <= self.upper
    }
}

/// The rules the book checks on entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BookConfig {
    /// The day's price band.
    pub band: Band,
    /// Prices must be whole multiples of this many fen (1 on all three markets).
    pub tick_fen: i64,
    /// Quantities must be whole multiples of this (1 t on CEA).
    pub lot: Quantity,
    /// Orders must be strictly smaller than this (100,000 t for listed CEA trading).
    pub max_quantity_exclusive: Option<Quantity>,
    /// Orders must be at least this large.
    pub min_quantity: Option<Quantity>,
}

impl BookConfig {
    /// Checks the rules as [`OrderBook::new`](super::OrderBook::new) would, without building a
    /// book: for callers that must know every book will accept its rules before changing
    /// anything.
    ///
    /// # Errors
    /// The [`BookError`](super::BookError) the book would give.
    pub fn validate(&self) -> Result<(), super::BookError> {
        super::OrderBook::check_config(self).map(|_| ())
    }

    /// The listed-agreement rules of the national CEA market for a given band: 1 fen tick, 1 t
    /// lot, orders strictly below 100,000 t.
    #[must_use]
    pub fn listed_cea(band: Band) -> Self {
        BookConfig {
            band,
            tick_fen: 1,
            lot: Quantity::new(1),
            max_quantity_exclusive: Some(Quantity::new(100_000)),
            min_quantity: None,
        }
    }
}

/// What the book knows about one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Resting in the book.
    Resting {
        /// Buy or sell.
        side: Side,
        /// Its price level.
        price: Price,
        /// Quantity still open.
        remaining: Quantity,
        /// Quantity ahead of it at its price level (its queue position).
        ahead: Quantity,
    },
    /// Not resting: filled, cancelled, expired, or never known to this book.
    NotResting,
}
