//! Order ids cannot cross books: a live id of one listing passed to another listing's cancel is
//! refused and changes nothing (issue 20, item 1), and only the owner may cancel an order.

use carbonsim::book::{
    Band, BookConfig, BookEvent, NewOrder, OrderBook, OrderId, OrderKind, OwnerId, RejectReason,
    SelfTradePrevention, Side,
};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, ExchangeReject, OrderRequest};
use carbonsim::registry::{AccountId, AccountKind, CeaVintage, Registry, Subject, SubjectId};
use carbonsim::units::{Price, Quantity};
use chrono::NaiveDate;

struct Market {
    ex: Exchange,
    x: SubjectId,
    y: SubjectId,
    seller: AccountId,
    other: AccountId,
}

fn market() -> Market {
    let mut reg = Registry::default();
    let x = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let y = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(2021),
    });
    let seller = reg.open_account(AccountKind::CoveredEntity, "seller");
    let other = reg.open_account(AccountKind::CoveredEntity, "other");
    for s in [x, y] {
        reg.issue(seller, s, Quantity::new(1_000)).unwrap();
        reg.issue(other, s, Quantity::new(1_000)).unwrap();
    }
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let first = "2021-07-16".parse::<NaiveDate>().unwrap();
    ex.list(x, "X", Price::from_fen(5_000), first, None)
        .unwrap();
    ex.list(y, "Y", Price::from_fen(5_000), first, None)
        .unwrap();
    ex.open_day(first).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    Market {
        ex,
        x,
        y,
        seller,
        other,
    }
}

fn sell(m: &mut Market, account: AccountId, subject: SubjectId, fen: i64) -> OrderId {
    let req = OrderRequest {
        account,
        subject,
        side: Side::Sell,
        kind: OrderKind::Limit,
        price: Price::from_fen(fen),
        quantity: Quantity::new(10),
        stp: SelfTradePrevention::CancelTaker,
    };
    let mut ev = Vec::new();
    m.ex.submit(&req, &mut ev).unwrap().expect("accepted")
}

fn cancel(
    m: &mut Market,
    account: AccountId,
    subject: SubjectId,
    id: OrderId,
) -> Vec<ExchangeEvent> {
    let mut ev = Vec::new();
    m.ex.cancel(account, subject, id, &mut ev).unwrap();
    ev
}

fn rejection(ev: &[ExchangeEvent]) -> Option<&ExchangeReject> {
    ev.iter().find_map(|e| match e {
        ExchangeEvent::Rejected { reason, .. } => Some(reason),
        _ => None,
    })
}

#[test]
fn a_live_id_of_another_listing_is_refused_and_changes_nothing() {
    let mut m = market();
    let (seller, x, y) = (m.seller, m.x, m.y);
    // The issue's reproduction: on X two sells, the first cancelled; on Y a sell, cancelled,
    // then another, whose id has the same slot and generation as X's freed slot.
    let first = sell(&mut m, seller, x, 5_100);
    let resting = sell(&mut m, seller, x, 5_200);
    cancel(&mut m, seller, x, first);
    let gone = sell(&mut m, seller, y, 5_100);
    cancel(&mut m, seller, y, gone);
    let live_y = sell(&mut m, seller, y, 5_100);
    assert_ne!(live_y.book_tag(), resting.book_tag());

    let before = m.ex.registry().holding(seller, x).unwrap();
    let ev = cancel(&mut m, seller, x, live_y);
    assert_eq!(
        rejection(&ev),
        Some(&ExchangeReject::Book(RejectReason::UnknownOrder))
    );
    let book = m.ex.book(x).unwrap();
    book.check_invariants().unwrap();
    assert_eq!(book.resting_orders(), 1);
    assert_eq!(book.best_ask().map(|l| l.price.fen()), Some(5_200));
    assert_eq!(m.ex.registry().holding(seller, x).unwrap(), before);
    assert_eq!(m.ex.book(y).unwrap().resting_orders(), 1, "Y is untouched");

    // The next two orders on X get distinct ids, and the close releases every freeze.
    let next = sell(&mut m, seller, x, 5_300);
    let after = sell(&mut m, seller, x, 5_300);
    assert_ne!(next, after);
    m.ex.close_day(&mut Vec::new()).unwrap();
    for s in [x, y] {
        assert!(m.ex.registry().holding(seller, s).unwrap().frozen.is_zero());
    }
}

#[test]
fn only_the_owner_cancels_an_order() {
    let mut m = market();
    let (seller, other, x) = (m.seller, m.other, m.x);
    let id = sell(&mut m, seller, x, 5_100);
    let ev = cancel(&mut m, other, x, id);
    assert_eq!(
        rejection(&ev),
        Some(&ExchangeReject::NotOwner { account: other })
    );
    assert_eq!(m.ex.book(x).unwrap().resting_orders(), 1);
    assert!(rejection(&cancel(&mut m, seller, x, id)).is_none());
    assert_eq!(m.ex.book(x).unwrap().resting_orders(), 0);
}

fn tagged_book(tag: u8) -> OrderBook {
    let band = Band {
        lower: Price::from_fen(100),
        upper: Price::from_fen(200),
    };
    OrderBook::with_tag(BookConfig::listed_cea(band), tag).unwrap()
}

#[test]
fn a_book_refuses_every_id_with_another_tag() {
    let (mut x, mut y) = (tagged_book(1), tagged_book(2));
    let order = NewOrder {
        owner: OwnerId(1),
        side: Side::Sell,
        kind: OrderKind::Limit,
        price: Price::from_fen(150),
        quantity: Quantity::new(5),
        stp: SelfTradePrevention::CancelTaker,
    };
    let mut ev = Vec::new();
    let in_x = x.submit(&order, &mut ev).unwrap();
    let in_y = y.submit(&order, &mut ev).unwrap();
    assert_eq!((x.tag(), y.tag()), (1, 2));
    ev.clear();
    x.cancel(in_y, OwnerId(1), &mut ev);
    x.reduce(in_y, OwnerId(1), Quantity::new(1), &mut ev);
    x.replace_price(in_y, OwnerId(1), Price::from_fen(160), &mut ev);
    assert_eq!(ev.len(), 3);
    assert!(ev.iter().all(|e| matches!(
        e,
        BookEvent::Rejected {
            reason: RejectReason::UnknownOrder,
            ..
        }
    )));
    x.check_invariants().unwrap();
    assert_eq!(x.resting_orders(), 1);
    assert!(matches!(
        x.status(in_x),
        carbonsim::book::OrderStatus::Resting { .. }
    ));
}

#[test]
fn a_persisted_id_comes_back_through_the_checked_constructor() {
    let mut x = tagged_book(7);
    let order = NewOrder {
        owner: OwnerId(1),
        side: Side::Buy,
        kind: OrderKind::Limit,
        price: Price::from_fen(150),
        quantity: Quantity::new(5),
        stp: SelfTradePrevention::CancelTaker,
    };
    let id = x.submit(&order, &mut Vec::new()).unwrap();
    assert_eq!(OrderId::from_raw(id.raw()), Ok(id));
    let bad = OrderId::from_raw(0x00FF_FFFF).unwrap_err();
    assert_eq!(bad.slot, 0x00FF_FFFF);
    assert!(bad.to_string().contains("16777215"), "{bad}");
}

/// Registers one allowance subject more than an exchange has book tags.
fn one_subject_more_than_book_tags(reg: &mut Registry) -> Vec<SubjectId> {
    (0..=carbonsim::book::BOOK_TAGS)
        .map(|y| {
            reg.register_subject(Subject::Cea {
                vintage: CeaVintage::Year(3_000 + y as u16),
            })
        })
        .collect()
}

#[test]
fn an_exchange_lists_no_more_subjects_than_there_are_book_tags() {
    let mut reg = Registry::default();
    let subjects = one_subject_more_than_book_tags(&mut reg);
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let first = "2021-07-16".parse::<NaiveDate>().unwrap();
    let (last, rest) = subjects.split_last().unwrap();
    for (i, &s) in rest.iter().enumerate() {
        ex.list(s, format!("S{i}"), Price::from_fen(5_000), first, None)
            .unwrap();
    }
    let err = ex
        .list(*last, "LAST", Price::from_fen(5_000), first, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            carbonsim::exchange::ExchangeError::TooManyListings { listed: 256, .. }
        ),
        "{err}"
    );
    assert!(ex.book(*last).is_none());
}

#[test]
fn an_ended_listing_hands_its_book_to_a_new_subject_and_its_old_ids_name_nothing() {
    let mut reg = Registry::default();
    let subjects = one_subject_more_than_book_tags(&mut reg);
    let seller = reg.open_account(AccountKind::CoveredEntity, "seller");
    reg.issue(seller, subjects[0], Quantity::new(1_000))
        .unwrap();
    reg.issue(seller, subjects[256], Quantity::new(1_000))
        .unwrap();
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let (first, second) = (
        "2021-07-16".parse::<NaiveDate>().unwrap(),
        "2021-07-19".parse::<NaiveDate>().unwrap(),
    );
    let (last, rest) = subjects.split_last().unwrap();
    for (i, &s) in rest.iter().enumerate() {
        ex.list(s, format!("S{i}"), Price::from_fen(5_000), first, None)
            .unwrap();
    }
    // The first subject trades one day, then its listing ends.
    ex.delist(subjects[0], first).unwrap();
    ex.open_day(first).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    let mut ev = Vec::new();
    let sell = |subject| OrderRequest {
        account: seller,
        subject,
        side: Side::Sell,
        kind: OrderKind::Limit,
        price: Price::from_fen(5_000),
        quantity: Quantity::new(10),
        stp: SelfTradePrevention::CancelTaker,
    };
    let old = ex.submit(&sell(subjects[0]), &mut ev).unwrap().unwrap();
    // While the ended listing's last day has not passed, its book is not free.
    assert!(matches!(
        ex.list(*last, "LAST", Price::from_fen(5_000), second, None),
        Err(carbonsim::exchange::ExchangeError::TooManyListings { .. })
    ));
    ex.close_day(&mut ev).unwrap();
    ex.open_day(second).unwrap();
    ex.close_day(&mut ev).unwrap();
    ex.list(*last, "LAST", Price::from_fen(5_000), second, None)
        .unwrap();
    assert!(
        ex.book(subjects[0]).is_none(),
        "the ended subject is unlisted"
    );
    assert_eq!(ex.book(*last).unwrap().tag(), old.book_tag());
    let third = "2021-07-20".parse::<NaiveDate>().unwrap();
    ex.open_day(third).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    let new = ex.submit(&sell(*last), &mut ev).unwrap().unwrap();
    assert_ne!(new, old, "the reused book issues a fresh id");
    let before = ex.registry().clone();
    ev.clear();
    ex.cancel(seller, *last, old, &mut ev).unwrap();
    assert!(
        matches!(ev.as_slice(), [ExchangeEvent::Rejected { .. }]),
        "{ev:?}"
    );
    assert_eq!(ex.registry(), &before, "a stale id cancels nothing");
}
