//! Adapters that run carbonsim's seeded order streams through peer order-book crates, so that
//! the same operations can be timed side by side and their total fills compared.
//!
//! Every adapter returns the total quantity filled. Aggressive orders are immediate-or-cancel
//! limits. matchcore 0.4 matches any crossable limit order without its limit price (its
//! `submit_crossable_order` calls `match_order` with no price bound, IOC included), so it would
//! trade through the limit; it is sent the equivalent fill-or-kill for exactly the quantity a
//! price-time book fills within the limit (`Op::Aggressive::fillable`, recorded by the stream
//! generator), and a plain IOC when that is zero. The trades are then identical, which the test
//! below checks. orderbook-rs 0.15 executes an IOC's partial fill and then returns
//! `InsufficientLiquidity { available }` with the executed quantity, which the adapter counts.
//! Stream adds never trade (the stream's tests assert it), so every adapter, carbonsim's
//! included, looks for fills on aggressive orders only. Book construction is kept outside the
//! timed region by the benches.

use carbonsim::book::workload::{Op, Workload};
use carbonsim::book::{BookEvent, OrderBook, OrderId, workload};

/// carbonsim: a fresh book and buffers sized for the stream.
pub struct Carbonsim {
    book: OrderBook,
    ids: Vec<OrderId>,
    events: Vec<BookEvent>,
}

impl Carbonsim {
    /// A fresh book for `w`.
    #[must_use]
    pub fn new(w: &Workload) -> Self {
        Carbonsim {
            book: OrderBook::new(workload::config()).expect("valid band"),
            ids: Vec::with_capacity(w.adds),
            events: Vec::with_capacity(64),
        }
    }

    /// Runs the stream; returns the total filled quantity.
    pub fn run(&mut self, w: &Workload) -> u64 {
        workload::run(w, &mut self.book, &mut self.ids, &mut self.events)
    }
}

/// No book at all: reads the stream, branches on each operation's kind, records an id per
/// add and looks one up per cancel, as every adapter must. Its time is the floor under all
/// the books' times, so a book's own cost is its time minus this one. Its "filled" quantity
/// is the one the stream generator recorded, so the same equality check applies.
pub struct StreamOnly {
    ids: Vec<u64>,
}

impl StreamOnly {
    /// Buffers sized for `w`.
    #[must_use]
    pub fn new(w: &Workload) -> Self {
        StreamOnly {
            ids: Vec::with_capacity(w.adds),
        }
    }

    /// Walks the stream; returns the recorded fillable quantity.
    pub fn run(&mut self, w: &Workload) -> u64 {
        use std::hint::black_box;
        self.ids.clear();
        let mut filled = 0;
        for (seq, op) in w.ops.iter().enumerate() {
            match *op {
                Op::Add { .. } => self.ids.push(black_box(seq as u64)),
                Op::Cancel { add } => {
                    black_box(self.ids[add as usize]);
                }
                Op::Aggressive { fillable, .. } => filled += black_box(fillable),
            }
        }
        filled
    }
}

/// matchcore 0.4: one `Command` per operation; order ids are the submit's sequence number.
pub struct Matchcore {
    book: matchcore::OrderBook,
    ids: Vec<u64>,
}

impl Matchcore {
    /// A fresh book for `w`.
    #[must_use]
    pub fn new(w: &Workload) -> Self {
        Matchcore {
            book: matchcore::OrderBook::new("CEA"),
            ids: Vec::with_capacity(w.adds),
        }
    }

    /// Runs the stream; returns the total filled quantity.
    pub fn run(&mut self, w: &Workload) -> u64 {
        use matchcore::{
            CancelCmd, Command, CommandKind, CommandMeta, CommandOutcome, CommandReport,
            LimitOrder, NewOrder, OrderFlags, OrderId, OrderKind, Price, Quantity, QuantityPolicy,
            SequenceNumber, Side, SubmitCmd, TimeInForce, Timestamp,
        };
        let side = |s: carbonsim::book::Side| match s {
            carbonsim::book::Side::Buy => Side::Buy,
            carbonsim::book::Side::Sell => Side::Sell,
        };
        let limit = |s, price: i64, qty: u64, tif| {
            CommandKind::Submit(SubmitCmd {
                order: NewOrder::Limit(LimitOrder::new(
                    Price(price as u64),
                    QuantityPolicy::Standard {
                        quantity: Quantity(qty),
                    },
                    OrderFlags::new(side(s), false, tif),
                )),
            })
        };
        self.ids.clear();
        let mut filled = 0;
        for (seq, op) in w.ops.iter().enumerate() {
            let kind = match *op {
                Op::Add {
                    side: s,
                    price,
                    qty,
                    ..
                } => {
                    self.ids.push(seq as u64);
                    limit(s, price, qty, TimeInForce::Gtc)
                }
                Op::Cancel { add } => CommandKind::Cancel(CancelCmd {
                    order_id: OrderId(self.ids[add as usize]),
                    order_kind: OrderKind::Limit,
                }),
                Op::Aggressive {
                    side: s,
                    price,
                    fillable,
                    qty,
                    ..
                } => match fillable {
                    0 => limit(s, price, qty, TimeInForce::Ioc),
                    f => limit(s, price, f, TimeInForce::Fok),
                },
            };
            let outcome = self.book.execute(&Command {
                meta: CommandMeta {
                    sequence_number: SequenceNumber(seq as u64),
                    timestamp: Timestamp(seq as u64),
                },
                kind,
            });
            if let Op::Aggressive { .. } = op
                && let CommandOutcome::Applied(CommandReport::Submit(effects)) = outcome
                && let Some(m) = effects.target_order().match_result()
            {
                filled += m.executed_quantity().0;
            }
        }
        filled
    }
}

/// orderbook-rs 0.15: `add_limit_order_with_result` and `cancel_order`, ids from the op index.
pub struct OrderbookRs {
    book: orderbook_rs::OrderBook<()>,
}

impl OrderbookRs {
    /// A fresh book (with a stub clock, so no time is read while matching).
    #[must_use]
    pub fn new(_w: &Workload) -> Self {
        use orderbook_rs::prelude::StubClock;
        OrderbookRs {
            book: orderbook_rs::OrderBook::with_clock("CEA", std::sync::Arc::new(StubClock::new())),
        }
    }

    /// Runs the stream; returns the total filled quantity.
    pub fn run(&mut self, w: &Workload) -> u64 {
        use orderbook_rs::prelude::{Id, OrderBookError, Side, TimeInForce};
        let side = |s: carbonsim::book::Side| match s {
            carbonsim::book::Side::Buy => Side::Buy,
            carbonsim::book::Side::Sell => Side::Sell,
        };
        let mut adds: u64 = 0;
        let mut filled = 0;
        for (i, op) in w.ops.iter().enumerate() {
            let (s, price, qty, tif) = match *op {
                Op::Add {
                    side: s,
                    price,
                    qty,
                    ..
                } => {
                    adds += 1;
                    (s, price, qty, TimeInForce::Gtc)
                }
                Op::Cancel { add } => {
                    // Add k got id k + 1 (ids start at 1 so none is the zero id).
                    let _ = self.book.cancel_order(Id::from_u64(u64::from(add) + 1));
                    continue;
                }
                Op::Aggressive {
                    side: s,
                    price,
                    qty,
                    ..
                } => (s, price, qty, TimeInForce::Ioc),
            };
            let id = match op {
                Op::Add { .. } => Id::from_u64(adds),
                _ => Id::from_u64(1u64 << 40 | i as u64),
            };
            let result =
                self.book
                    .add_limit_order_with_result(id, price as u128, qty, side(s), tif, None);
            if !matches!(op, Op::Aggressive { .. }) {
                continue;
            }
            match result {
                Ok((_, Some(trade))) => {
                    filled += trade
                        .match_result
                        .trades()
                        .as_vec()
                        .iter()
                        .map(|t| t.quantity().as_u64())
                        .sum::<u64>();
                }
                // An IOC that fills in part commits its trades and then reports the unfilled rest
                // as an error whose `available` is the quantity it executed.
                Err(OrderBookError::InsufficientLiquidity { available, .. }) => filled += available,
                _ => {}
            }
        }
        filled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carbonsim::book::workload::{deep, steady};

    /// Every book must see the same trades on the same stream: same total filled quantity.
    #[test]
    fn peers_fill_the_same_quantity_as_carbonsim() {
        for w in [steady(42, 200_000), deep(42, 200_000)] {
            let ours = Carbonsim::new(&w).run(&w);
            assert!(ours > 0);
            assert_eq!(
                StreamOnly::new(&w).run(&w),
                ours,
                "the stream's record of {}",
                w.name
            );
            assert_eq!(Matchcore::new(&w).run(&w), ours, "matchcore on {}", w.name);
            assert_eq!(
                OrderbookRs::new(&w).run(&w),
                ours,
                "orderbook-rs on {}",
                w.name
            );
        }
    }
}
