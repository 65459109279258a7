//! Model-based test: the engine and the naive reference book receive the same random operation
//! sequences (every order kind, every self-trade mode, picks, reductions, price replacements,
//! cancels and end-of-day) and must emit the same events; the engine's invariants are checked
//! after every operation.

use std::collections::HashMap;

use carbonsim::book::reference::ReferenceBook;
use carbonsim::book::{
    Band, BookConfig, BookEvent, NewOrder, OrderBook, OrderId, OrderKind, OwnerId,
    SelfTradePrevention, Side,
};
use carbonsim::units::{Price, Quantity};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Submit(NewOrder),
    Cancel(usize, u32),
    Reduce(usize, u64),
    Replace(usize, i64),
    Pick(u32, Side, usize, u64),
    EndOfDay,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn kind() -> impl Strategy<Value = OrderKind> {
    prop_oneof![
        6 => Just(OrderKind::Limit),
        2 => Just(OrderKind::ImmediateOrCancel),
        2 => Just(OrderKind::FillOrKill),
        1 => Just(OrderKind::MarketWithProtection),
        2 => Just(OrderKind::PostOnly),
    ]
}

fn stp() -> impl Strategy<Value = SelfTradePrevention> {
    prop_oneof![
        Just(SelfTradePrevention::CancelTaker),
        Just(SelfTradePrevention::CancelMaker),
        Just(SelfTradePrevention::CancelBoth),
    ]
}

/// Prices range a little beyond the band (95..=145 around a 100..=140 band) to exercise rejection.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (0u32..4, side(), kind(), 95i64..=145, 0u64..=24, stp()).prop_map(|(owner, side, kind, price, q, stp)| {
            Op::Submit(NewOrder {
                owner: OwnerId(owner),
                side,
                kind,
                price: Price::from_fen(price),
                quantity: Quantity::new(q),
                stp,
            })
        }),
        3 => (any::<usize>(), 0u32..4).prop_map(|(i, o)| Op::Cancel(i, o)),
        2 => (any::<usize>(), 0u64..20).prop_map(|(i, q)| Op::Reduce(i, q)),
        2 => (any::<usize>(), 95i64..=145).prop_map(|(i, p)| Op::Replace(i, p)),
        2 => (0u32..4, side(), any::<usize>(), 0u64..=24).prop_map(|(o, s, i, q)| Op::Pick(o, s, i, q)),
        1 => Just(Op::EndOfDay),
    ]
}

fn config() -> impl Strategy<Value = BookConfig> {
    (
        prop_oneof![Just(1i64), Just(2)],
        prop_oneof![Just(1u64), Just(2)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(tick, lot, max, min)| BookConfig {
            band: Band {
                lower: Price::from_fen(100),
                upper: Price::from_fen(140),
            },
            tick_fen: tick,
            lot: Quantity::new(lot),
            max_quantity_exclusive: max.then_some(Quantity::new(20)),
            min_quantity: min.then_some(Quantity::new(2)),
        })
}

/// Ids replaced by their acceptance index, so both books' events compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Canonical(String);

struct Ids {
    index: HashMap<OrderId, usize>,
    list: Vec<OrderId>,
}

impl Ids {
    fn new() -> Self {
        Ids {
            index: HashMap::new(),
            list: Vec::new(),
        }
    }

    fn learn(&mut self, events: &[BookEvent]) {
        for e in events {
            if let BookEvent::Accepted { order, .. } = e {
                self.index.insert(*order, self.list.len());
                self.list.push(*order);
            }
        }
    }

    fn name(&self, id: OrderId) -> String {
        self.index
            .get(&id)
            .map_or_else(|| "unknown".to_owned(), |i| format!("#{i}"))
    }

    fn canonical(&self, events: &[BookEvent]) -> Vec<Canonical> {
        events
            .iter()
            .map(|e| {
                let text = match *e {
                    BookEvent::Accepted { order, owner } => {
                        format!("accepted {} {owner:?}", self.name(order))
                    }
                    BookEvent::Rejected {
                        order,
                        owner,
                        reason,
                    } => {
                        format!(
                            "rejected {:?} {owner:?} {reason:?}",
                            order.map(|o| self.name(o))
                        )
                    }
                    BookEvent::Fill(f) => format!(
                        "fill {} {} taker {} maker {} {:?} {:?} {:?} {} {} left {} {}",
                        f.seq,
                        f.price,
                        self.name(f.taker),
                        self.name(f.maker),
                        f.taker_owner,
                        f.maker_owner,
                        f.taker_side,
                        f.quantity,
                        f.price,
                        f.taker_remaining,
                        f.maker_remaining
                    ),
                    BookEvent::Cancelled {
                        order,
                        remaining,
                        reason,
                    } => format!("cancelled {} {remaining} {reason:?}", self.name(order)),
                    BookEvent::Reduced { order, from, to } => {
                        format!("reduced {} {from} {to}", self.name(order))
                    }
                    BookEvent::Replaced { order, from, to } => {
                        format!("replaced {} {from} {to}", self.name(order))
                    }
                    BookEvent::Expired { order, remaining } => {
                        format!("expired {} {remaining}", self.name(order))
                    }
                };
                Canonical(text)
            })
            .collect()
    }
}

fn assert_no_zero_fills(events: &[BookEvent]) {
    for e in events {
        if let BookEvent::Fill(f) = e {
            assert!(!f.quantity.is_zero(), "zero-quantity fill {f:?}");
        }
    }
}

fn run(config: BookConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut engine = OrderBook::new(config).expect("valid config");
    let mut reference = ReferenceBook::new(config);
    let (mut engine_ids, mut ref_ids) = (Ids::new(), Ids::new());
    let (mut ev_e, mut ev_r) = (Vec::new(), Vec::new());
    for (step, op) in ops.iter().enumerate() {
        ev_e.clear();
        ev_r.clear();
        let pick_id = |ids: &Ids, i: usize| ids.list.get(i % ids.list.len().max(1)).copied();
        match op {
            Op::Submit(o) => {
                engine.submit(o, &mut ev_e);
                reference.submit(o, &mut ev_r);
            }
            Op::Cancel(i, owner) => {
                if let (Some(a), Some(b)) = (pick_id(&engine_ids, *i), pick_id(&ref_ids, *i)) {
                    engine.cancel(a, OwnerId(*owner), &mut ev_e);
                    reference.cancel(b, OwnerId(*owner), &mut ev_r);
                }
            }
            Op::Reduce(i, q) => {
                if let (Some(a), Some(b)) = (pick_id(&engine_ids, *i), pick_id(&ref_ids, *i)) {
                    engine.reduce(a, OwnerId(0), Quantity::new(*q), &mut ev_e);
                    reference.reduce(b, OwnerId(0), Quantity::new(*q), &mut ev_r);
                }
            }
            Op::Replace(i, p) => {
                if let (Some(a), Some(b)) = (pick_id(&engine_ids, *i), pick_id(&ref_ids, *i)) {
                    engine.replace_price(a, OwnerId(0), Price::from_fen(*p), &mut ev_e);
                    reference.replace_price(b, OwnerId(0), Price::from_fen(*p), &mut ev_r);
                }
            }
            Op::Pick(owner, side, i, q) => {
                if let (Some(a), Some(b)) = (pick_id(&engine_ids, *i), pick_id(&ref_ids, *i)) {
                    engine.pick(OwnerId(*owner), *side, a, Quantity::new(*q), &mut ev_e);
                    reference.pick(OwnerId(*owner), *side, b, Quantity::new(*q), &mut ev_r);
                }
            }
            Op::EndOfDay => {
                engine.end_of_day(&mut ev_e);
                reference.end_of_day(&mut ev_r);
            }
        }
        engine_ids.learn(&ev_e);
        ref_ids.learn(&ev_r);
        prop_assert_eq!(
            engine_ids.canonical(&ev_e),
            ref_ids.canonical(&ev_r),
            "step {} op {:?}",
            step,
            op
        );
        assert_no_zero_fills(&ev_e);
        if let Err(violation) = engine.check_invariants() {
            return Err(TestCaseError::fail(format!(
                "step {step} op {op:?}: {violation}"
            )));
        }
        for side in [Side::Buy, Side::Sell] {
            let mut depth = Vec::new();
            engine.depth(side, usize::MAX, &mut depth);
            let engine_depth: Vec<(Price, Quantity)> =
                depth.iter().map(|l| (l.price, l.quantity)).collect();
            prop_assert_eq!(
                engine_depth,
                reference.depth(side),
                "depth after step {}",
                step
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_500, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_reference(config in config(), ops in proptest::collection::vec(op(), 1..160)) {
        run(config, &ops)?;
    }
}
