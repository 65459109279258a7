//! What the book reports: every outcome of every call is an event in the caller's buffer.

use serde::{Deserialize, Serialize};

use super::types::{OrderId, OwnerId, Side};
use crate::units::{Price, Quantity};

/// One trade between an incoming (taker) and a resting (maker) order, at the maker's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// Book-wide trade sequence number, from 1, strictly increasing.
    pub seq: u64,
    /// The incoming order.
    pub taker: OrderId,
    /// The resting order.
    pub maker: OrderId,
    /// Owner of the incoming order.
    pub taker_owner: OwnerId,
    /// Owner of the resting order.
    pub maker_owner: OwnerId,
    /// The incoming order's side (the buyer is the taker when this is `Buy`).
    pub taker_side: Side,
    /// Trade price: always the maker's price.
    pub price: Price,
    /// Traded quantity, never zero.
    pub quantity: Quantity,
    /// The incoming order's quantity still open after this fill.
    pub taker_remaining: Quantity,
    /// The resting order's quantity still open after this fill (zero: it left the book).
    pub maker_remaining: Quantity,
}

/// Why an order or request was refused. The book is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Zero quantity.
    ZeroQuantity,
    /// Quantity not a multiple of the lot.
    LotSize,
    /// Quantity not strictly below the maximum order size.
    AboveMaximumQuantity,
    /// Quantity below the minimum order size.
    BelowMinimumQuantity,
    /// Price not a multiple of the tick.
    TickSize,
    /// Price outside the day's band.
    OutsideBand,
    /// A post-only order that would have taken liquidity.
    PostOnlyWouldTake,
    /// The id names no resting order.
    UnknownOrder,
    /// A reduction that does not lower the quantity to a positive amount.
    InvalidReduction,
    /// A pick of an order outside the best five levels of the other side.
    PickOutsideBestFive,
    /// A pick of an order on the picker's own side.
    PickSameSide,
    /// A pick for more than the picked order has open.
    PickTooLarge,
    /// A pick of one's own order.
    PickSelfTrade,
    /// The book holds [`MAX_LIVE_ORDERS`](super::MAX_LIVE_ORDERS) orders already.
    BookFull,
}

/// Why a live order left the book or an incoming remainder was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The owner cancelled it.
    User,
    /// Self-trade prevention.
    SelfTrade,
    /// The unfilled rest of an immediate-or-cancel, market or pick order.
    ImmediateRemainder,
    /// A fill-or-kill order that could not fill in full; nothing else happened.
    FillOrKillKilled,
}

/// An event in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookEvent {
    /// A new order passed the entry checks and got an id. It is always the first event of the
    /// call that submitted the order; the order's side, kind, price and quantity are the
    /// caller's own (a market order's limit is the band edge on its side, a pick's the picked
    /// order's price), so the event does not repeat them: on a growing book each stored field
    /// costs time (see `docs/design.md`).
    Accepted {
        /// The id.
        order: OrderId,
        /// Its owner.
        owner: OwnerId,
    },
    /// A new order or request was refused; nothing changed.
    Rejected {
        /// The order the request named (`None` for a new order).
        order: Option<OrderId>,
        /// Owner of the request.
        owner: OwnerId,
        /// Why.
        reason: RejectReason,
    },
    /// A trade.
    Fill(Fill),
    /// An order, or the rest of an incoming order, was cancelled.
    Cancelled {
        /// The order.
        order: OrderId,
        /// Quantity that was still open.
        remaining: Quantity,
        /// Why.
        reason: CancelReason,
    },
    /// A resting order's quantity was lowered; it keeps its place.
    Reduced {
        /// The order.
        order: OrderId,
        /// Quantity open before.
        from: Quantity,
        /// Quantity open now.
        to: Quantity,
    },
    /// A resting order moved to a new price and lost its place.
    Replaced {
        /// The order.
        order: OrderId,
        /// Old price.
        from: Price,
        /// New price.
        to: Price,
    },
    /// A resting order expired at the end of the day.
    Expired {
        /// The order.
        order: OrderId,
        /// Quantity that was still open.
        remaining: Quantity,
    },
}
