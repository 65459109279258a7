//! An `Err` leaves nothing behind (issue 20, item 2): compliance settlement, opening a day whose
//! band a book refuses, and registry calls that would touch an exchange's freezes.

use carbonsim::book::{BookError, OrderKind, SelfTradePrevention, Side};
use carbonsim::compliance::cycle::{self, ComplianceError, CycleRules, Eligible, Position};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeError, OrderRequest};
use carbonsim::registry::{
    AccountId, AccountKind, CeaVintage, Registry, RegistryError, Subject, SubjectId,
};
use carbonsim::units::{Money, Price, Quantity};
use chrono::NaiveDate;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn position(account: AccountId, emissions: u64) -> Position {
    Position {
        account,
        allocation: Quantity::new(100),
        emissions: Quantity::new(emissions),
        gas_allocation: Quantity::ZERO,
        gas_emissions: Quantity::ZERO,
    }
}

#[test]
fn settle_with_an_unknown_account_surrenders_nothing() {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let firm = reg.open_account(AccountKind::CoveredEntity, "firm");
    reg.issue(firm, cea, Quantity::new(500)).unwrap();
    let before = reg.clone();
    // The first entity could surrender; the second does not exist.
    let positions = [position(firm, 120), position(AccountId(999), 120)];
    let eligible = Eligible {
        allowances: &[cea],
        offsets: &[],
        pro_rata: false,
    };
    let rules = CycleRules::first_period();
    let err = cycle::settle(
        &mut reg,
        &rules,
        &positions,
        eligible,
        100,
        day("2021-12-31"),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ComplianceError::Registry(RegistryError::UnknownAccount { .. })
        ),
        "{err}"
    );
    assert_eq!(reg, before, "the first entity surrendered nothing");
}

#[test]
fn settle_with_a_non_cea_allowance_subject_surrenders_nothing() {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let firm = reg.open_account(AccountKind::CoveredEntity, "firm");
    reg.issue(firm, cea, Quantity::new(500)).unwrap();
    let before = reg.clone();
    let eligible = Eligible {
        allowances: &[cea, SubjectId(7)],
        offsets: &[],
        pro_rata: false,
    };
    let rules = CycleRules::first_period();
    let positions = [position(firm, 120)];
    let result = cycle::settle(
        &mut reg,
        &rules,
        &positions,
        eligible,
        100,
        day("2021-12-31"),
        None,
    );
    assert!(result.is_err());
    assert_eq!(reg, before);
}

struct Market {
    ex: Exchange,
    cea: SubjectId,
    seller: AccountId,
    buyer: AccountId,
}

/// A subject listed at 190,000 CNY: the ±10 % band spans 3.8 million ticks, just inside the
/// book's limit of 4 million.
fn dear_market() -> Market {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let seller = reg.open_account(AccountKind::CoveredEntity, "seller");
    let buyer = reg.open_account(AccountKind::CoveredEntity, "buyer");
    reg.issue(seller, cea, Quantity::new(100)).unwrap();
    reg.deposit_cash(buyer, Money::from_cny(10_000_000))
        .unwrap();
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    ex.list(
        cea,
        "CEA",
        Price::from_fen(19_000_000),
        day("2021-07-16"),
        None,
    )
    .unwrap();
    Market {
        ex,
        cea,
        seller,
        buyer,
    }
}

fn request(m: &Market, account: AccountId, side: Side, fen: i64, qty: u64) -> OrderRequest {
    OrderRequest {
        account,
        subject: m.cea,
        side,
        kind: OrderKind::Limit,
        price: Price::from_fen(fen),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

#[test]
fn a_day_whose_band_a_book_refuses_opens_nothing() {
    let mut m = dear_market();
    let mut ev = Vec::new();
    m.ex.open_day(day("2021-07-16")).unwrap();
    m.ex.set_time("10:00".parse().unwrap()).unwrap();
    // A trade at the upper limit moves the close to 209,000 CNY: tomorrow's band is too wide.
    let sell = request(&m, m.seller, Side::Sell, 20_900_000, 1);
    let buy = request(&m, m.buyer, Side::Buy, 20_900_000, 1);
    m.ex.submit(&sell, &mut ev).unwrap();
    m.ex.submit(&buy, &mut ev).unwrap();
    assert_eq!(m.ex.tape().len(), 1);
    m.ex.close_day(&mut ev).unwrap();
    let registry = m.ex.registry().clone();
    assert_eq!(
        registry.holding(m.buyer, m.cea).unwrap().pending,
        Quantity::new(1)
    );
    let err = m.ex.open_day(day("2021-07-19")).unwrap_err();
    assert!(
        matches!(err, ExchangeError::Book(BookError::BandTooWide { .. })),
        "{err}"
    );
    assert_eq!(m.ex.registry(), &registry, "the registry did not roll");
    assert_eq!(m.ex.day(), None);
    assert_eq!(
        m.ex.band(m.cea, carbonsim::instrument::TradingMethod::ListedAgreement)
            .map(|b| b.upper.fen()),
        Some(20_900_000)
    );
}

#[test]
fn registry_mut_cannot_release_or_expire_an_open_orders_freeze() {
    let mut m = dear_market();
    let mut ev = Vec::new();
    m.ex.open_day(day("2021-07-16")).unwrap();
    m.ex.set_time("10:00".parse().unwrap()).unwrap();
    let sell = request(&m, m.seller, Side::Sell, 19_500_000, 10);
    m.ex.submit(&sell, &mut ev).unwrap().expect("rests");
    let buy = request(&m, m.buyer, Side::Buy, 18_000_000, 1);
    m.ex.submit(&buy, &mut ev).unwrap().expect("rests");
    let before = m.ex.registry().clone();
    let (seller, buyer, cea) = (m.seller, m.buyer, m.cea);
    let reg = m.ex.registry_mut();
    let units = reg.release_units(seller, cea, Quantity::new(10));
    let cash = reg.release_cash(buyer, Money::from_cny(1));
    let expired = reg.expire(cea);
    assert!(matches!(units, Err(RegistryError::FrozenByExchange { .. })));
    assert!(matches!(cash, Err(RegistryError::FrozenByExchange { .. })));
    assert!(matches!(expired, Err(RegistryError::FrozenUnits { .. })));
    assert_eq!(m.ex.registry(), &before);
    // The resting sell still trades and settles.
    let lift = request(&m, m.buyer, Side::Buy, 19_500_000, 10);
    m.ex.submit(&lift, &mut ev).unwrap();
    assert_eq!(m.ex.tape().len(), 1);
    m.ex.close_day(&mut ev).unwrap();
    m.ex.registry().check_conservation().unwrap();
    // Between days the registry is the caller's again.
    assert!(m.ex.registry_mut().expire(cea).is_ok());
}
