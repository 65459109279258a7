//! A full trading day through the exchange with listed and block trades, checked against
//! hand-computed bars and balances; and the rejections that must freeze nothing.

use carbonsim::book::{OrderKind, SelfTradePrevention, Side};
use carbonsim::calendar::TimeOfDay;
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, ExchangeReject, OrderRequest};
use carbonsim::registry::{AccountId, AccountKind, CeaVintage, Registry, Subject, SubjectId};
use carbonsim::units::{Money, Price, Quantity};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> TimeOfDay {
    s.parse().unwrap()
}

struct Market {
    ex: Exchange,
    cea: SubjectId,
    seller: AccountId,
    buyer: AccountId,
    investor: AccountId,
}

fn market() -> Market {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let seller = reg.open_account(AccountKind::CoveredEntity, "long firm");
    let buyer = reg.open_account(AccountKind::CoveredEntity, "short firm");
    let investor = reg.open_account(AccountKind::Institution, "fund");
    reg.issue(seller, cea, Quantity::new(1_000_000)).unwrap();
    reg.deposit_cash(buyer, Money::from_cny(100_000_000))
        .unwrap();
    reg.deposit_cash(investor, Money::from_cny(1_000_000))
        .unwrap();
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    ex.list(cea, "CEA", Price::from_fen(4_800), day("2021-07-16"), None)
        .unwrap();
    Market {
        ex,
        cea,
        seller,
        buyer,
        investor,
    }
}

fn order(
    m: &Market,
    account: AccountId,
    side: Side,
    kind: OrderKind,
    price: i64,
    qty: u64,
) -> OrderRequest {
    OrderRequest {
        account,
        subject: m.cea,
        side,
        kind,
        price: Price::from_fen(price),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

fn rejection(events: &[ExchangeEvent]) -> Option<&ExchangeReject> {
    events.iter().find_map(|e| match e {
        ExchangeEvent::Rejected { reason, .. } => Some(reason),
        _ => None,
    })
}

#[test]
#[allow(clippy::too_many_lines)]
fn a_trading_day_reproduces_hand_computed_bars_and_balances() {
    let mut m = market();
    let cash0 = m.ex.registry().total_cash();
    let mut ev = Vec::new();
    m.ex.open_day(day("2021-07-16")).unwrap();
    m.ex.set_time(t("09:30")).unwrap();
    // Two resting offers; the buyer lifts 30 t at 52.78 then sweeps into 52.80.
    let a = order(&m, m.seller, Side::Sell, OrderKind::Limit, 5_278, 30);
    m.ex.submit(&a, &mut ev).unwrap();
    m.ex.submit(
        &order(&m, m.seller, Side::Sell, OrderKind::Limit, 5_280, 50),
        &mut ev,
    )
    .unwrap();
    m.ex.submit(
        &order(&m, m.buyer, Side::Buy, OrderKind::Limit, 5_280, 70),
        &mut ev,
    )
    .unwrap();
    assert!(rejection(&ev).is_none(), "{ev:?}");
    // An investor may not trade CEA in 2021.
    ev.clear();
    m.ex.submit(
        &order(&m, m.investor, Side::Buy, OrderKind::Limit, 5_000, 1),
        &mut ev,
    )
    .unwrap();
    assert_eq!(
        rejection(&ev),
        Some(&ExchangeReject::NotAdmitted {
            account: m.investor
        })
    );
    // A block trade in the afternoon at 45.00 (inside −30 %), not moving the close.
    m.ex.set_time(t("13:30")).unwrap();
    ev.clear();
    let q =
        m.ex.post_block_quote(
            m.seller,
            m.cea,
            Side::Sell,
            Price::from_fen(4_500),
            Quantity::new(200_000),
            Some(m.buyer),
            &mut ev,
        )
        .unwrap()
        .unwrap();
    m.ex.accept_block_quote(m.buyer, m.cea, q, Quantity::new(100_000), &mut ev)
        .unwrap();
    assert!(rejection(&ev).is_none(), "{ev:?}");
    // A resting sell left at the close expires and its units come back.
    m.ex.submit(
        &order(&m, m.seller, Side::Sell, OrderKind::Limit, 5_200, 5),
        &mut ev,
    )
    .unwrap();
    ev.clear();
    let bars = m.ex.close_day(&mut ev).unwrap();
    let bar = &bars[0];
    // Listed: 30 @ 52.78 + 40 @ 52.80 = 1,583.40 + 2,112.00 = 3,695.40 for 70 t → 52.7914 → 52.79.
    assert_eq!(bar.listed_volume, Quantity::new(70));
    assert_eq!(bar.listed_turnover, "3695.40".parse().unwrap());
    assert_eq!(bar.close, Price::from_fen(5_279));
    assert_eq!(
        (bar.open, bar.high, bar.low),
        (
            Some(Price::from_fen(5_278)),
            Some(Price::from_fen(5_280)),
            Some(Price::from_fen(5_278))
        )
    );
    assert_eq!(
        (bar.block_volume, bar.block_turnover),
        (Quantity::new(100_000), Money::from_cny(4_500_000))
    );
    // Balances: the buyer paid 3,695.40 + 4,500,000.00 and holds 100,070 t (pending until tomorrow).
    let reg = m.ex.registry();
    let bh = reg.holding(m.buyer, m.cea).unwrap();
    assert_eq!(
        (bh.available, bh.pending, bh.frozen),
        (Quantity::ZERO, Quantity::new(100_070), Quantity::ZERO)
    );
    let bc = reg.cash(m.buyer).unwrap();
    assert_eq!(
        bc.available,
        Money::from_cny(100_000_000) - "4503695.40".parse().unwrap()
    );
    assert_eq!(bc.frozen, Money::ZERO, "every freeze released at the close");
    let sh = reg.holding(m.seller, m.cea).unwrap();
    assert_eq!(
        (sh.available, sh.frozen),
        (Quantity::new(1_000_000 - 100_070), Quantity::ZERO)
    );
    assert_eq!(
        reg.cash(m.seller).unwrap().available,
        "4503695.40".parse().unwrap()
    );
    assert_eq!(reg.total_cash(), cash0, "no cash created or destroyed");
    reg.check_conservation().unwrap();
    // Next day: bands from 52.79; the bought units are usable.
    m.ex.open_day(day("2021-07-19")).unwrap();
    let band =
        m.ex.band(m.cea, carbonsim::instrument::TradingMethod::ListedAgreement)
            .unwrap();
    assert_eq!((band.lower.fen(), band.upper.fen()), (4_751, 5_807));
    assert_eq!(
        m.ex.registry().holding(m.buyer, m.cea).unwrap().available,
        Quantity::new(100_070)
    );
}

#[test]
fn refusals_name_the_problem_and_freeze_nothing() {
    let mut m = market();
    let mut ev = Vec::new();
    // No day open.
    m.ex.submit(
        &order(&m, m.buyer, Side::Buy, OrderKind::Limit, 4_800, 10),
        &mut ev,
    )
    .unwrap();
    assert_eq!(rejection(&ev), Some(&ExchangeReject::NoDayOpen));
    // A holiday is an error naming it.
    let err = m.ex.open_day(day("2021-10-01")).unwrap_err();
    assert!(err.to_string().contains("2021-10-01"), "{err}");
    m.ex.open_day(day("2021-07-16")).unwrap();
    let before = m.ex.registry().clone();
    let cases: Vec<(OrderRequest, &str)> = vec![
        (
            order(&m, m.buyer, Side::Buy, OrderKind::Limit, 4_800, 10),
            "session",
        ),
        (
            order(&m, m.buyer, Side::Buy, OrderKind::Limit, 5_281, 10),
            "band",
        ),
        (
            order(&m, m.buyer, Side::Buy, OrderKind::Limit, 4_800, 100_000),
            "size",
        ),
        (
            order(&m, m.seller, Side::Buy, OrderKind::Limit, 4_800, 10),
            "cash",
        ),
        (
            order(&m, m.buyer, Side::Sell, OrderKind::Limit, 4_800, 10),
            "units",
        ),
    ];
    for (i, (req, what)) in cases.into_iter().enumerate() {
        ev.clear();
        m.ex.set_time(t(if i == 0 { "09:00" } else { "10:00" }))
            .unwrap();
        m.ex.submit(&req, &mut ev).unwrap();
        let reason = rejection(&ev).unwrap_or_else(|| panic!("{what} not rejected"));
        let ok = match what {
            "session" => matches!(reason, ExchangeReject::OutsideSession { .. }),
            "band" => {
                matches!(reason, ExchangeReject::OutsideBand { price, .. } if price.fen() == 5_281)
            }
            "size" => {
                matches!(reason, ExchangeReject::SizeRule { quantity, .. } if quantity.units() == 100_000)
            }
            "cash" => matches!(reason, ExchangeReject::InsufficientCash { .. }),
            _ => matches!(reason, ExchangeReject::InsufficientUnits { .. }),
        };
        assert!(ok, "{what}: {reason:?}");
        assert_eq!(
            m.ex.registry().holding(m.seller, m.cea),
            before.holding(m.seller, m.cea)
        );
        assert_eq!(
            m.ex.registry().cash(m.buyer).unwrap(),
            before.cash(m.buyer).unwrap()
        );
    }
    // A block quote before 13:00 is outside its session.
    ev.clear();
    m.ex.post_block_quote(
        m.seller,
        m.cea,
        Side::Sell,
        Price::from_fen(4_800),
        Quantity::new(100_000),
        None,
        &mut ev,
    )
    .unwrap();
    assert!(matches!(
        rejection(&ev),
        Some(ExchangeReject::OutsideSession { .. })
    ));
}
