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

/// An engine-assigned order id: a dense slab slot plus a generation, so an id is never mistaken
/// for a later order that reuses its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderId(u64);

impl OrderId {
    pub(crate) const fn new(slot: u32, generation: u32) -> Self {
        OrderId(((generation as u64) << 32) | slot as u64)
    }

    pub(crate) const fn slot(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The raw id, for logs and external maps.
    #[must_use]
    pub const fn raw(self) -> u64 {
        self.0
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
    /// Trades what it can up to the band edge (the protection price); the rest is cancelled.
    /// The order's own price is ignored.
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
    /// Limit price (ignored for [`OrderKind::MarketWithProtection`]).
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
