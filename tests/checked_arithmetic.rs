//! No panic and no silent wrap on absurd input (issue 20, item 3): one test per site where
//! user-supplied numbers meet arithmetic. Release builds wrap instead of panicking, so each test
//! checks the exact outcome, not only that nothing panicked.

use carbonsim::book::{
    Band, BookConfig, BookError, BookEvent, MAX_ORDER_QUANTITY, NewOrder, OrderBook, OrderKind,
    OwnerId, RejectReason, SelfTradePrevention, Side, reference::ReferenceBook,
};
use carbonsim::compliance::cycle::{
    self, ComplianceError, ComplianceReport, CycleRules, EntityResult, Position, obligation,
};
use carbonsim::exchange::fees::{FeeRate, SideFees};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, ExchangeReject, OrderRequest};
use carbonsim::instrument::MethodRules;
use carbonsim::registry::{
    AccountId, AccountKind, CeaVintage, Registry, RegistryConfig, Subject, Technology, YearMonth,
};
use carbonsim::units::{Money, Price, Quantity};
use chrono::NaiveDate;

fn unbounded() -> BookConfig {
    BookConfig {
        band: Band {
            lower: Price::from_fen(100),
            upper: Price::from_fen(200),
        },
        tick_fen: 1,
        lot: Quantity::new(1),
        max_quantity_exclusive: None,
        min_quantity: None,
    }
}

fn sell(owner: u32, qty: u64) -> NewOrder {
    NewOrder {
        owner: OwnerId(owner),
        side: Side::Sell,
        kind: OrderKind::Limit,
        price: Price::from_fen(150),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

#[test]
fn level_totals_cannot_wrap_in_either_book() {
    let mut engine = OrderBook::new(unbounded()).unwrap();
    let mut reference = ReferenceBook::new(unbounded());
    let mut ev = Vec::new();
    for owner in 0..4 {
        assert!(
            engine
                .submit(&sell(owner, MAX_ORDER_QUANTITY), &mut ev)
                .is_some()
        );
        assert!(
            reference
                .submit(&sell(owner, MAX_ORDER_QUANTITY), &mut ev)
                .is_some()
        );
    }
    let total = engine.best_ask().unwrap().quantity.units();
    assert_eq!(total, 4 * MAX_ORDER_QUANTITY);
    engine.check_invariants().unwrap();
    for book_reject in [
        engine.submit(&sell(9, u64::MAX), &mut ev),
        reference.submit(&sell(9, u64::MAX), &mut ev),
    ] {
        assert!(book_reject.is_none());
        assert!(matches!(
            ev.last(),
            Some(BookEvent::Rejected {
                reason: RejectReason::AboveMaximumQuantity,
                ..
            })
        ));
    }
}

#[test]
fn a_maximal_band_rate_saturates_and_the_book_names_the_band() {
    let rules = MethodRules {
        band_bp: u32::MAX,
        ..MethodRules::listed()
    };
    let band = rules.band(Price::from_fen(5_000));
    assert_eq!((band.lower, band.upper), (Price::ZERO, Price::MAX));
    let config = BookConfig::listed_cea(band);
    assert_eq!(
        config.validate(),
        Err(BookError::NonPositiveBand { lower: Price::ZERO })
    );
    let wide = BookConfig::listed_cea(Band {
        lower: Price::from_fen(1),
        upper: Price::MAX,
    });
    assert!(matches!(
        wide.validate(),
        Err(BookError::BandTooWide { .. })
    ));
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// An exchange whose listed fees are absurd on both sides.
fn absurd_fees() -> (
    Exchange,
    AccountId,
    AccountId,
    carbonsim::registry::SubjectId,
) {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let seller = reg.open_account(AccountKind::CoveredEntity, "seller");
    let buyer = reg.open_account(AccountKind::CoveredEntity, "buyer");
    reg.issue(seller, cea, Quantity::new(1_000)).unwrap();
    reg.deposit_cash(buyer, Money::from_cny(1_000_000)).unwrap();
    let mut config = ExchangeConfig::national_2021_2023().unwrap();
    let absurd = FeeRate {
        bp: u32::MAX,
        minimum: Money::from_fen(i128::MAX - 1),
    };
    config.fees.listed = SideFees {
        buyer: absurd,
        seller: absurd,
    };
    let mut ex = Exchange::new(config, reg);
    ex.list(cea, "CEA", Price::from_fen(5_000), day("2021-07-16"), None)
        .unwrap();
    ex.open_day(day("2021-07-16")).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    (ex, seller, buyer, cea)
}

#[test]
fn an_absurd_fee_schedule_refuses_the_buy_and_freezes_nothing() {
    let (mut ex, seller, buyer, cea) = absurd_fees();
    let mut ev = Vec::new();
    let order = |account, side| OrderRequest {
        account,
        subject: cea,
        side,
        kind: OrderKind::Limit,
        price: Price::from_fen(5_000),
        quantity: Quantity::new(10),
        stp: SelfTradePrevention::CancelTaker,
    };
    assert!(
        ex.submit(&order(seller, Side::Sell), &mut ev)
            .unwrap()
            .is_some()
    );
    let before = ex.registry().cash(buyer).unwrap();
    assert_eq!(ex.submit(&order(buyer, Side::Buy), &mut ev).unwrap(), None);
    assert!(ev.iter().any(|e| matches!(
        e,
        ExchangeEvent::Rejected {
            reason: ExchangeReject::ReserveOverflow { quantity, .. },
            ..
        } if quantity.units() == 10
    )));
    assert_eq!(ex.registry().cash(buyer).unwrap(), before);
    ex.registry().check_conservation().unwrap();
}

#[test]
fn a_maximal_gec_validity_never_expires_and_never_wraps() {
    let mut reg = Registry::new(RegistryConfig {
        gec_validity_months: u32::MAX,
        ..RegistryConfig::default()
    });
    let farm = reg.open_account(AccountKind::RenewableGenerator, "farm");
    let g = reg
        .register_generator(farm, Technology::OnshoreWind, true, false)
        .unwrap();
    let month = YearMonth::new(2023, 1).unwrap();
    reg.meter(g, month, 5_000).unwrap();
    assert_eq!(reg.expire_gec(YearMonth::MAX), Quantity::ZERO);
    assert_eq!(
        reg.expire_gec(YearMonth::new(2090, 1).unwrap()),
        Quantity::ZERO
    );
}

#[test]
fn the_last_month_does_not_wrap_to_year_zero() {
    let last = YearMonth::new(65_535, 12).unwrap();
    assert_eq!(last, YearMonth::MAX);
    assert_eq!(last.plus_months(1), YearMonth::MAX);
    assert_eq!(last.checked_plus_months(1), None);
    assert_eq!(
        YearMonth::new(2023, 1)
            .unwrap()
            .checked_plus_months(u32::MAX),
        None
    );
    assert_eq!(
        YearMonth::new(65_535, 1).unwrap().checked_plus_months(11),
        Some(last)
    );
}

fn maximal(account: AccountId) -> Position {
    Position {
        account,
        allocation: Quantity::new(u64::MAX),
        emissions: Quantity::new(u64::MAX),
        gas_allocation: Quantity::ZERO,
        gas_emissions: Quantity::ZERO,
    }
}

#[test]
fn maximal_allocations_compute_an_exact_obligation() {
    let ob = obligation(&CycleRules::first_period(), &maximal(AccountId(0)));
    assert_eq!(ob.required, Quantity::new(u64::MAX));
    assert_eq!(ob.cap_relief, Quantity::ZERO);
}

#[test]
fn an_overflowing_prior_report_is_refused_before_anything_moves() {
    let mut reg = Registry::default();
    let cea = reg.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let firm = reg.open_account(AccountKind::CoveredEntity, "firm");
    reg.issue(firm, cea, Quantity::new(10)).unwrap();
    let rules = CycleRules::first_period();
    let eligible = cycle::Eligible {
        allowances: &[cea],
        offsets: &[],
        pro_rata: false,
    };
    let positions = [maximal(firm)];
    let mut prior = cycle::settle(
        &mut reg,
        &rules,
        &positions,
        eligible,
        50,
        day("2021-06-30"),
        None,
    )
    .unwrap();
    prior.entities[0].offsets = Quantity::new(u64::MAX);
    prior.entities[0].borrowed = Quantity::new(u64::MAX);
    let before = reg.clone();
    let err = cycle::settle(
        &mut reg,
        &rules,
        &positions,
        eligible,
        100,
        day("2021-12-31"),
        Some(&prior),
    )
    .unwrap_err();
    assert!(matches!(err, ComplianceError::Overflow { account, .. } if account == firm));
    assert_eq!(reg, before);
    assert_eq!(prior.covered(), Quantity::new(u64::MAX), "totals saturate");
}

#[test]
fn fines_that_do_not_sum_withdraw_nothing() {
    let mut reg = Registry::default();
    let a = reg.open_account(AccountKind::CoveredEntity, "a");
    let b = reg.open_account(AccountKind::CoveredEntity, "b");
    reg.deposit_cash(a, Money::from_cny(1_000)).unwrap();
    let fined = |account| EntityResult {
        account,
        obligation: obligation(&CycleRules::first_period(), &maximal(account)),
        surrendered: Quantity::ZERO,
        offsets: Quantity::ZERO,
        borrowed: Quantity::ZERO,
        shortfall: Quantity::new(1),
        fine: Money::from_fen(i128::MAX - 1),
        deduction: Quantity::ZERO,
        cause: None,
    };
    let report = ComplianceReport {
        cycle: "absurd".into(),
        date: day("2021-12-31"),
        share_pct: 100,
        entities: vec![fined(a), fined(b)],
    };
    let before = reg.clone();
    let err = cycle::collect_fines(&mut reg, &report).unwrap_err();
    assert!(matches!(err, ComplianceError::Overflow { account, .. } if account == b));
    assert_eq!(reg, before);
    assert_eq!(report.obligation(), Quantity::new(u64::MAX));
}
