//! Regression tests for the bug classes public order books keep shipping, one test each.

use carbonsim::book::{
    Band, BookConfig, BookError, BookEvent, CancelReason, MAX_ORDER_QUANTITY, NewOrder, OrderBook,
    OrderId, OrderKind, OrderStatus, OwnerId, RejectReason, SelfTradePrevention, Side,
};
use carbonsim::units::{Price, Quantity};

fn book() -> OrderBook {
    OrderBook::new(BookConfig::listed_cea(Band {
        lower: Price::from_fen(4_500),
        upper: Price::from_fen(5_500),
    }))
    .unwrap()
}

fn order(owner: u32, side: Side, kind: OrderKind, price: i64, qty: u64) -> NewOrder {
    NewOrder {
        owner: OwnerId(owner),
        side,
        kind,
        price: Price::from_fen(price),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

fn limit(b: &mut OrderBook, owner: u32, side: Side, price: i64, qty: u64) -> OrderId {
    let mut ev = Vec::new();
    let id = b
        .submit(&order(owner, side, OrderKind::Limit, price, qty), &mut ev)
        .unwrap();
    b.check_invariants().unwrap();
    id
}

fn fills(events: &[BookEvent]) -> Vec<(i64, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            BookEvent::Fill(f) => Some((f.price.fen(), f.quantity.units())),
            _ => None,
        })
        .collect()
}

#[test]
fn partly_filled_maker_keeps_its_priority() {
    let mut b = book();
    let first = limit(&mut b, 1, Side::Sell, 5_000, 10);
    let second = limit(&mut b, 2, Side::Sell, 5_000, 10);
    let mut ev = Vec::new();
    b.submit(
        &order(3, Side::Buy, OrderKind::ImmediateOrCancel, 5_000, 4),
        &mut ev,
    );
    assert!(
        matches!(b.status(first), OrderStatus::Resting { remaining, ahead, .. } if remaining.units() == 6 && ahead.is_zero())
    );
    ev.clear();
    b.submit(
        &order(3, Side::Buy, OrderKind::ImmediateOrCancel, 5_000, 8),
        &mut ev,
    );
    let makers: Vec<OrderId> = ev
        .iter()
        .filter_map(|e| {
            if let BookEvent::Fill(f) = e {
                Some(f.maker)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        makers,
        vec![first, second],
        "the partly filled maker trades first"
    );
}

#[test]
fn marketable_limit_never_trades_through_its_limit() {
    let mut b = book();
    limit(&mut b, 1, Side::Sell, 5_000, 5);
    limit(&mut b, 1, Side::Sell, 5_001, 5);
    let mut ev = Vec::new();
    let id = b
        .submit(&order(2, Side::Buy, OrderKind::Limit, 5_000, 8), &mut ev)
        .unwrap();
    assert_eq!(fills(&ev), vec![(5_000, 5)]);
    assert!(
        matches!(b.status(id), OrderStatus::Resting { price, remaining, .. } if price.fen() == 5_000 && remaining.units() == 3)
    );
    assert_eq!(b.best_ask().unwrap().price.fen(), 5_001);
}

#[test]
fn cancel_removes_exactly_the_named_order() {
    let mut b = book();
    let a = limit(&mut b, 1, Side::Buy, 5_000, 5);
    let c = limit(&mut b, 2, Side::Buy, 5_000, 7);
    let d = limit(&mut b, 3, Side::Buy, 5_000, 9);
    let mut ev = Vec::new();
    b.cancel(c, OwnerId(2), &mut ev);
    assert_eq!(b.best_bid().unwrap().quantity.units(), 14);
    assert!(matches!(b.status(a), OrderStatus::Resting { .. }));
    assert!(matches!(b.status(d), OrderStatus::Resting { ahead, .. } if ahead.units() == 5));
    assert_eq!(b.status(c), OrderStatus::NotResting);
    ev.clear();
    b.cancel(c, OwnerId(2), &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::UnknownOrder,
            ..
        }
    ));
    b.check_invariants().unwrap();
}

#[test]
fn best_price_moves_when_the_touch_is_cancelled() {
    let mut b = book();
    let top = limit(&mut b, 1, Side::Sell, 5_000, 5);
    limit(&mut b, 1, Side::Sell, 5_130, 5);
    let mut ev = Vec::new();
    b.cancel(top, OwnerId(1), &mut ev);
    assert_eq!(b.best_ask().unwrap().price.fen(), 5_130);
    ev.clear();
    b.submit(
        &order(2, Side::Buy, OrderKind::ImmediateOrCancel, 5_000, 5),
        &mut ev,
    );
    assert!(fills(&ev).is_empty(), "no trade against a stale best price");
    b.check_invariants().unwrap();
}

#[test]
fn no_zero_quantity_fill_after_reduce_or_exhaustion() {
    let mut b = book();
    let m = limit(&mut b, 1, Side::Sell, 5_000, 10);
    let mut ev = Vec::new();
    b.reduce(m, OwnerId(1), Quantity::new(3), &mut ev);
    ev.clear();
    b.submit(
        &order(2, Side::Buy, OrderKind::ImmediateOrCancel, 5_100, 10),
        &mut ev,
    );
    assert_eq!(fills(&ev), vec![(5_000, 3)]);
    ev.clear();
    b.reduce(m, OwnerId(1), Quantity::ZERO, &mut ev);
    assert!(matches!(ev[0], BookEvent::Rejected { .. }));
}

#[test]
fn fills_print_at_the_makers_price() {
    let mut b = book();
    limit(&mut b, 1, Side::Buy, 5_050, 10);
    let mut ev = Vec::new();
    b.submit(&order(2, Side::Sell, OrderKind::Limit, 4_900, 4), &mut ev);
    assert_eq!(fills(&ev), vec![(5_050, 4)]);
}

#[test]
fn killed_fill_or_kill_has_no_side_effects() {
    let mut b = book();
    let own = limit(&mut b, 2, Side::Sell, 5_000, 5);
    let other = limit(&mut b, 1, Side::Sell, 5_001, 5);
    let before: Vec<_> = [own, other].iter().map(|&i| b.status(i)).collect();
    let mut ev = Vec::new();
    let mut fok = order(2, Side::Buy, OrderKind::FillOrKill, 5_001, 20);
    fok.stp = SelfTradePrevention::CancelMaker;
    b.submit(&fok, &mut ev);
    assert!(fills(&ev).is_empty());
    assert!(matches!(
        ev.last(),
        Some(BookEvent::Cancelled {
            reason: CancelReason::FillOrKillKilled,
            ..
        })
    ));
    assert!(!ev.iter().any(|e| matches!(
        e,
        BookEvent::Cancelled {
            reason: CancelReason::SelfTrade,
            ..
        }
    )));
    let after: Vec<_> = [own, other].iter().map(|&i| b.status(i)).collect();
    assert_eq!(before, after);
    // Enough from others: it fills in full, cancelling the own order on the way (cancel-maker).
    ev.clear();
    fok.quantity = Quantity::new(5);
    b.submit(&fok, &mut ev);
    assert_eq!(fills(&ev), vec![(5_001, 5)]);
}

#[test]
fn post_only_never_takes() {
    let mut b = book();
    limit(&mut b, 1, Side::Sell, 5_000, 5);
    let mut ev = Vec::new();
    assert!(
        b.submit(&order(2, Side::Buy, OrderKind::PostOnly, 5_000, 5), &mut ev)
            .is_none()
    );
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::PostOnlyWouldTake,
            ..
        }
    ));
    assert_eq!(b.resting_orders(), 1);
    ev.clear();
    assert!(
        b.submit(&order(2, Side::Buy, OrderKind::PostOnly, 4_999, 5), &mut ev)
            .is_some()
    );
}

#[test]
fn band_limits_are_inclusive() {
    let mut b = book();
    let mut ev = Vec::new();
    for (price, ok) in [(4_500, true), (5_500, true), (4_499, false), (5_501, false)] {
        ev.clear();
        let accepted = b
            .submit(&order(1, Side::Buy, OrderKind::PostOnly, price, 1), &mut ev)
            .is_some();
        assert_eq!(accepted, ok, "price {price}");
        if !ok {
            assert!(matches!(
                ev[0],
                BookEvent::Rejected {
                    reason: RejectReason::OutsideBand,
                    ..
                }
            ));
        }
    }
    ev.clear();
    b.submit(
        &order(1, Side::Sell, OrderKind::Limit, 5_000, 100_000),
        &mut ev,
    );
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::AboveMaximumQuantity,
            ..
        }
    ));
    ev.clear();
    assert!(
        b.submit(
            &order(1, Side::Sell, OrderKind::Limit, 5_000, 99_999),
            &mut ev
        )
        .is_some()
    );
}

#[test]
fn market_order_is_protected_by_the_band_edge() {
    let mut b = book();
    limit(&mut b, 1, Side::Sell, 5_400, 5);
    limit(&mut b, 1, Side::Sell, 5_500, 5);
    let mut ev = Vec::new();
    b.submit(
        &order(2, Side::Buy, OrderKind::MarketWithProtection, i64::MAX, 20),
        &mut ev,
    );
    assert_eq!(fills(&ev), vec![(5_400, 5), (5_500, 5)]);
    assert!(matches!(
        ev.last(),
        Some(BookEvent::Cancelled { remaining, reason: CancelReason::ImmediateRemainder, .. }) if remaining.units() == 10
    ));
}

#[test]
fn pick_takes_a_named_order_within_the_best_five_levels() {
    let mut b = book();
    let mut ids = Vec::new();
    for (i, p) in [5_000, 5_001, 5_002, 5_003, 5_004, 5_005]
        .iter()
        .enumerate()
    {
        ids.push(limit(&mut b, i as u32 + 1, Side::Sell, *p, 10));
    }
    let mut ev = Vec::new();
    b.pick(OwnerId(9), Side::Buy, ids[5], Quantity::new(3), &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::PickOutsideBestFive,
            ..
        }
    ));
    ev.clear();
    b.pick(OwnerId(9), Side::Buy, ids[4], Quantity::new(3), &mut ev);
    assert_eq!(
        fills(&ev),
        vec![(5_004, 3)],
        "at the picked order's price, ahead of better levels"
    );
    ev.clear();
    b.pick(OwnerId(5), Side::Buy, ids[4], Quantity::new(3), &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::PickSelfTrade,
            ..
        }
    ));
    ev.clear();
    b.pick(OwnerId(9), Side::Buy, ids[4], Quantity::new(8), &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::PickTooLarge,
            ..
        }
    ));
    b.check_invariants().unwrap();
}

#[test]
fn self_trade_prevention_modes() {
    for (mode, expect_fill, maker_left) in [
        (SelfTradePrevention::CancelTaker, false, true),
        (SelfTradePrevention::CancelMaker, true, false),
        (SelfTradePrevention::CancelBoth, false, false),
    ] {
        let mut b = book();
        let own = limit(&mut b, 1, Side::Sell, 5_000, 5);
        limit(&mut b, 2, Side::Sell, 5_001, 5);
        let mut o = order(1, Side::Buy, OrderKind::Limit, 5_001, 5);
        o.stp = mode;
        let mut ev = Vec::new();
        b.submit(&o, &mut ev);
        assert_eq!(!fills(&ev).is_empty(), expect_fill, "{mode:?}");
        assert_eq!(
            matches!(b.status(own), OrderStatus::Resting { .. }),
            maker_left,
            "{mode:?}"
        );
        b.check_invariants().unwrap();
    }
}

#[test]
fn replace_loses_priority_and_end_of_day_expires_everything() {
    let mut b = book();
    let a = limit(&mut b, 1, Side::Buy, 5_000, 5);
    let c = limit(&mut b, 2, Side::Buy, 5_000, 5);
    let mut ev = Vec::new();
    b.replace_price(a, OwnerId(1), Price::from_fen(5_001), &mut ev);
    b.replace_price(a, OwnerId(1), Price::from_fen(5_000), &mut ev);
    assert!(matches!(b.status(a), OrderStatus::Resting { ahead, .. } if ahead.units() == 5));
    assert!(matches!(b.status(c), OrderStatus::Resting { ahead, .. } if ahead.is_zero()));
    ev.clear();
    b.end_of_day(&mut ev);
    let expired: Vec<OrderId> = ev
        .iter()
        .filter_map(|e| {
            if let BookEvent::Expired { order, .. } = e {
                Some(*order)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(expired, vec![c, a]);
    assert_eq!(b.resting_orders(), 0);
    b.reset_day(BookConfig::listed_cea(Band {
        lower: Price::from_fen(4_000),
        upper: Price::from_fen(4_400),
    }))
    .unwrap();
    b.check_invariants().unwrap();
}

#[test]
fn the_head_of_a_visible_level_is_the_order_a_pick_of_that_level_takes() {
    let mut b = book();
    let first = limit(&mut b, 1, Side::Sell, 5_010, 300);
    limit(&mut b, 2, Side::Sell, 5_010, 200);
    let second_level = limit(&mut b, 3, Side::Sell, 5_020, 100);
    let head = |b: &OrderBook, level| b.head_of_level(Side::Sell, level);
    assert_eq!(
        head(&b, 0).map(|(id, l)| (id, l.price, l.quantity)),
        Some((first, Price::from_fen(5_010), Quantity::new(300)))
    );
    assert_eq!(head(&b, 1).map(|(id, _)| id), Some(second_level));
    assert_eq!(head(&b, 2), None);
    assert_eq!(b.head_of_level(Side::Buy, 0), None);
    // Picking it takes that order at its price, whatever rests ahead elsewhere.
    let (target, level) = head(&b, 1).unwrap();
    let mut ev = Vec::new();
    b.pick(OwnerId(9), Side::Buy, target, level.quantity, &mut ev);
    assert_eq!(fills(&ev), [(5_020, 100)]);
    assert_eq!(head(&b, 1), None);
    b.check_invariants().unwrap();
}

#[test]
fn quantity_limits_hold_at_both_edges_of_the_entry_check() {
    // The book folds its quantity rules into one range compare; each edge must still reject
    // with the rule it breaks.
    let config = |min: Option<u64>, max: Option<u64>| BookConfig {
        band: Band {
            lower: Price::from_fen(100),
            upper: Price::from_fen(200),
        },
        tick_fen: 1,
        lot: Quantity::new(1),
        max_quantity_exclusive: max.map(Quantity::new),
        min_quantity: min.map(Quantity::new),
    };
    let below = Some(RejectReason::BelowMinimumQuantity);
    let above = Some(RejectReason::AboveMaximumQuantity);
    let cases = [
        (Some(5), Some(10), 4, below),
        (Some(5), Some(10), 5, None),
        (Some(5), Some(10), 9, None),
        (Some(5), Some(10), 10, above),
        (Some(0), None, 0, Some(RejectReason::ZeroQuantity)),
        (Some(0), None, 1, None),
        // With no configured maximum the book's own cap applies, so level totals cannot wrap.
        (None, None, MAX_ORDER_QUANTITY, None),
        (None, None, MAX_ORDER_QUANTITY + 1, above),
        (None, None, u64::MAX, above),
        (None, Some(1), 1, above),
        (Some(3), Some(3), 3, above),
        (Some(3), Some(3), 2, below),
    ];
    for (min, max, qty, expected) in cases {
        let mut b = OrderBook::new(config(min, max)).unwrap();
        let mut ev = Vec::new();
        let accepted = b.submit(&order(1, Side::Buy, OrderKind::Limit, 150, qty), &mut ev);
        let got = match ev[0] {
            BookEvent::Rejected { reason, .. } => Some(reason),
            _ => None,
        };
        assert_eq!(got, expected, "min {min:?} max {max:?} quantity {qty}");
        assert_eq!(accepted.is_some(), expected.is_none());
        assert_eq!(b.resting_orders(), usize::from(expected.is_none()));
    }
}

#[test]
fn the_resting_count_follows_cancels_and_fills_and_a_new_day_needs_an_empty_book() {
    let mut b = book();
    let a = limit(&mut b, 1, Side::Sell, 5_000, 10);
    limit(&mut b, 2, Side::Sell, 5_010, 10);
    limit(&mut b, 3, Side::Buy, 4_900, 10);
    assert_eq!(b.resting_orders(), 3);
    let mut ev = Vec::new();
    b.cancel(a, OwnerId(1), &mut ev);
    b.cancel(a, OwnerId(1), &mut ev);
    assert_eq!(b.resting_orders(), 2, "a stale cancel frees nothing");
    ev.clear();
    b.submit(
        &order(4, Side::Buy, OrderKind::ImmediateOrCancel, 5_010, 4),
        &mut ev,
    );
    assert_eq!(fills(&ev), vec![(5_010, 4)]);
    assert_eq!(b.resting_orders(), 2, "a partly filled maker still rests");
    let next_day = BookConfig::listed_cea(Band {
        lower: Price::from_fen(4_000),
        upper: Price::from_fen(4_400),
    });
    assert_eq!(
        b.reset_day(next_day),
        Err(BookError::NotEmpty { resting: 2 })
    );
    assert_eq!(b.best_ask().map(|l| l.quantity.units()), Some(6));
    b.check_invariants().unwrap();
    ev.clear();
    b.end_of_day(&mut ev);
    assert_eq!(b.resting_orders(), 0);
    assert_eq!(b.reset_day(next_day), Ok(()));
}
