//! A limit order book and matching engine for one subject (one allowance vintage, one CCER or
//! GEC book). It knows nothing of accounts, registries or calendars: the exchange checks those
//! and hands the book only orders it may accept.
//!
//! # Ordering invariant
//! Price-time priority: a resting order trades before every order at a worse price and before
//! every later order at the same price. Every fill prints at the resting (maker) order's price; a
//! partly filled maker keeps its place. The book is never crossed after a call returns.
//!
//! # Order kinds
//! Limit (day), immediate-or-cancel, fill-or-kill (all or nothing: if the whole quantity cannot
//! trade at once, the order is cancelled and nothing else happens, no fill and no self-trade
//! cancellation), market with protection (its limit is its own price capped at the band edge;
//! one that could never trade is rejected), post-only (rejected if it would trade on arrival). The exchange's listed-agreement **pick** takes a named resting order
//! within the best five price levels of the other side at that order's price, ahead of the
//! orders in front of it: that is the exchange's rule, not a priority violation.
//!
//! # Modify semantics
//! [`OrderBook::reduce`] lowers quantity and keeps queue position; [`OrderBook::replace_price`]
//! moves the order to the tail of its new level (losing priority) and lets it trade first if the
//! new price crosses. [`OrderBook::cancel`] removes exactly the named order. A reduce to zero is
//! refused; [`OrderBook::reduce_or_cancel`] cancels instead. [`OrderBook::level_orders`] lists
//! a level's orders in queue order.
//!
//! # Self-trade prevention
//! Per incoming order, by owner: cancel the taker's remainder (default), cancel the resting order
//! and continue, or cancel both. A pick of one's own order is rejected.
//!
//! # Entry rules
//! Checked in this order, each failure a [`BookEvent::Rejected`] with a [`RejectReason`] and no
//! change to the book: quantity positive, a lot multiple, strictly below the maximum and at least
//! the minimum, and at most [`MAX_ORDER_QUANTITY`] whatever the configuration (so level totals
//! cannot overflow); price a tick multiple and inside the day's band (limits inclusive, and the
//! band must lie above zero); a post-only order must not cross. A book holding
//! [`MAX_LIVE_ORDERS`] orders rejects new ones. End of day expires every resting order with an
//! event.
//!
//! # Ids
//! An [`OrderId`] carries its book's tag ([`OrderBook::with_tag`]): a book refuses any id with
//! another tag, so an id from another book can never name one of its orders. The book does not
//! check who cancels: owners are the exchange's to check.
//!
//! # Data layout and complexity
//! A dense ladder of price levels over the day's band per side (a ±10 % band around 50 CNY is
//! about 1,000 ticks a side), each level an intrusive FIFO through a slab of 32-byte order slots
//! (`Vec` plus free list), an occupancy bitmap per side and a cached best level. Ids carry the
//! slot index and a generation, so look-ups are one index and stale ids never name new orders.
//! An order that cannot trade on arrival (most of them) rests without a matching pass.
//! [`OrderBook::submit`] and [`OrderBook::cancel`] are always inlined into the caller, with
//! rejections and matching out of line, so a passive add or a cancel in a model's own loop costs
//! no call. The hot paths keep their stores few (see `docs/design.md`): the book keeps no
//! running count of its orders.
//!
//! | operation | cost |
//! |---|---|
//! | add (resting) | O(1) |
//! | cancel, reduce | O(1), plus a bitmap scan of O(band/64) words when the best level empties |
//! | match | O(fills + levels emptied × band/64) |
//! | fill-or-kill check | O(orders it would reach) |
//! | pick | O(5) level scans |
//! | depth(n), best bid/ask | O(n) / O(1) |
//! | queue position | O(orders ahead) |
//! | end of day | O(resting orders) |
//! | resting-order count | O(free slots) |
//!
//! No operation allocates once the slab has grown to the peak number of live orders; events go
//! into a caller-provided buffer.
//!
//! # Known limits
//! Prices must lie in the day's band (so the ladder is small); the band changes only between
//! days ([`OrderBook::reset_day`] on an empty book). Quantities are whole units (`u64`). One
//! book serves one subject and one trading method (block trades are negotiated elsewhere).

mod engine;
pub(crate) use engine::market_protection;
mod events;
mod ladder;
pub mod reference;
mod slab;
mod types;
pub mod workload;

pub use engine::{BookError, DepthLevel, MAX_BAND_TICKS, MAX_ORDER_QUANTITY, OrderBook};
pub use events::{BookEvent, CancelReason, Fill, RejectReason};
pub use types::{
    BOOK_TAGS, Band, BookConfig, MAX_LIVE_ORDERS, NewOrder, OrderId, OrderIdError, OrderKind,
    OrderStatus, OwnerId, SelfTradePrevention, Side,
};
