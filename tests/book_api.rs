//! The order book's public API for clients (issue 20, item 12): a level's orders in queue order,
//! market orders that honour their protection price, cancel-on-zero, positive prices only.

use carbonsim::book::{
    Band, BookConfig, BookError, BookEvent, CancelReason, NewOrder, OrderBook, OrderId, OrderKind,
    OwnerId, RejectReason, SelfTradePrevention, Side,
};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeError};
use carbonsim::registry::{CeaVintage, Registry, Subject};
use carbonsim::units::{Price, Quantity};

fn book() -> OrderBook {
    OrderBook::new(BookConfig::listed_cea(Band {
        lower: Price::from_fen(4_500),
        upper: Price::from_fen(5_500),
    }))
    .unwrap()
}

fn order(owner: u32, side: Side, kind: OrderKind, fen: i64, qty: u64) -> NewOrder {
    NewOrder {
        owner: OwnerId(owner),
        side,
        kind,
        price: Price::from_fen(fen),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

fn rest(b: &mut OrderBook, owner: u32, side: Side, fen: i64, qty: u64) -> OrderId {
    b.submit(
        &order(owner, side, OrderKind::Limit, fen, qty),
        &mut Vec::new(),
    )
    .expect("rests")
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
fn a_level_lists_its_orders_in_queue_order() {
    let mut b = book();
    let first = rest(&mut b, 1, Side::Sell, 5_000, 10);
    let second = rest(&mut b, 2, Side::Sell, 5_000, 20);
    let third = rest(&mut b, 3, Side::Sell, 5_000, 30);
    rest(&mut b, 4, Side::Sell, 5_001, 40);
    let mut ev = Vec::new();
    b.reduce(first, OwnerId(1), Quantity::new(5), &mut ev);
    b.cancel(second, OwnerId(2), &mut ev);
    let queue: Vec<(OrderId, u64)> = b
        .level_orders(Side::Sell, Price::from_fen(5_000))
        .map(|(id, q)| (id, q.units()))
        .collect();
    assert_eq!(queue, vec![(first, 5), (third, 30)]);
    assert_eq!(b.level_orders(Side::Buy, Price::from_fen(5_000)).count(), 0);
    assert_eq!(b.level_orders(Side::Sell, Price::from_fen(1)).count(), 0);
    assert_eq!(b.level_orders(Side::Sell, Price::MAX).count(), 0);
}

#[test]
fn a_market_order_stops_at_its_protection_price() {
    let mut b = book();
    rest(&mut b, 1, Side::Sell, 5_400, 5);
    rest(&mut b, 1, Side::Sell, 5_500, 5);
    let mut ev = Vec::new();
    b.submit(
        &order(2, Side::Buy, OrderKind::MarketWithProtection, 5_450, 20),
        &mut ev,
    );
    assert_eq!(fills(&ev), vec![(5_400, 5)]);
    assert!(matches!(
        ev.last(),
        Some(BookEvent::Cancelled { remaining, reason: CancelReason::ImmediateRemainder, .. })
            if remaining.units() == 15
    ));
    // A protection beyond the band is capped at its edge; one that can never trade is refused.
    ev.clear();
    b.submit(
        &order(3, Side::Buy, OrderKind::MarketWithProtection, i64::MAX, 1),
        &mut ev,
    );
    assert_eq!(fills(&ev), vec![(5_500, 1)]);
    ev.clear();
    let refused = b.submit(
        &order(3, Side::Buy, OrderKind::MarketWithProtection, 4_000, 1),
        &mut ev,
    );
    assert_eq!(refused, None);
    assert!(matches!(
        ev[..],
        [BookEvent::Rejected {
            reason: RejectReason::OutsideBand,
            ..
        }]
    ));
    b.check_invariants().unwrap();
}

#[test]
fn a_reduce_to_zero_cancels_on_request_and_is_refused_otherwise() {
    let mut b = book();
    let id = rest(&mut b, 1, Side::Buy, 5_000, 10);
    let mut ev = Vec::new();
    b.reduce(id, OwnerId(1), Quantity::ZERO, &mut ev);
    assert!(matches!(
        ev[..],
        [BookEvent::Rejected {
            reason: RejectReason::InvalidReduction,
            ..
        }]
    ));
    ev.clear();
    b.reduce_or_cancel(id, OwnerId(1), Quantity::new(4), &mut ev);
    assert!(matches!(ev[..], [BookEvent::Reduced { to, .. }] if to.units() == 4));
    ev.clear();
    b.reduce_or_cancel(id, OwnerId(1), Quantity::ZERO, &mut ev);
    assert!(matches!(
        ev[..],
        [BookEvent::Cancelled { order, remaining, reason: CancelReason::User }]
            if order == id && remaining.units() == 4
    ));
    assert_eq!(b.resting_orders(), 0);
    b.check_invariants().unwrap();
}

#[test]
fn a_band_that_admits_zero_is_refused_so_no_order_rests_at_zero() {
    let config = |lower| {
        BookConfig::listed_cea(Band {
            lower: Price::from_fen(lower),
            upper: Price::from_fen(100),
        })
    };
    // Prices cannot be negative (`Price` refuses them), so zero is the one price to refuse.
    assert_eq!(
        OrderBook::new(config(0)).unwrap_err(),
        BookError::NonPositiveBand { lower: Price::ZERO }
    );
    let mut b = OrderBook::new(config(1)).unwrap();
    let mut ev = Vec::new();
    assert_eq!(
        b.submit(&order(1, Side::Buy, OrderKind::Limit, 0, 1), &mut ev),
        None
    );
    assert_eq!(
        b.reset_day(config(0)),
        Err(BookError::NonPositiveBand { lower: Price::ZERO })
    );
    assert_eq!(
        b.config().band.lower,
        Price::from_fen(1),
        "the book keeps its band"
    );
    // The exchange cannot list a subject at a reference price of zero either.
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let listed = ex.list(cea, "CEA", Price::ZERO, "2021-07-16".parse().unwrap(), None);
    assert!(matches!(
        listed,
        Err(ExchangeError::Book(BookError::NonPositiveBand { .. }))
    ));
}
