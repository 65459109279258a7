//! CCER and GEC trade through the exchange like allowances, in their own books; the registry's
//! certificate rules (one-time transfer of GECs) surface as rejections naming the rule, with
//! nothing frozen.

use carbonsim::book::{OrderKind, SelfTradePrevention, Side};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, ExchangeReject, OrderRequest};
use carbonsim::registry::{
    AccountId, AccountKind, Registry, RegistryError, SubjectId, Technology, YearMonth,
};
use carbonsim::units::{Money, Price, Quantity};

fn order(account: AccountId, subject: SubjectId, side: Side, price: i64, qty: u64) -> OrderRequest {
    OrderRequest {
        account,
        subject,
        side,
        kind: OrderKind::Limit,
        price: Price::from_fen(price),
        quantity: Quantity::new(qty),
        stp: SelfTradePrevention::CancelTaker,
    }
}

fn trades(events: &[ExchangeEvent]) -> u64 {
    events
        .iter()
        .filter_map(|e| {
            if let ExchangeEvent::Trade(t) = e {
                Some(t.quantity.units())
            } else {
                None
            }
        })
        .sum()
}

#[test]
fn green_certificates_trade_once_through_their_own_book() {
    let mut reg = Registry::default();
    let farm = reg.open_account(AccountKind::RenewableGenerator, "wind farm");
    let buyer = reg.open_account(AccountKind::CertificateBuyer, "factory");
    let other = reg.open_account(AccountKind::CertificateBuyer, "second buyer");
    let generator = reg
        .register_generator(farm, Technology::OnshoreWind, true, false)
        .unwrap();
    let month = YearMonth::new(2023, 9).unwrap();
    // 1,234.5 MWh metered: 1,234 certificates, 500 kWh carried to the next month.
    let (subject, issued) = reg.meter(generator, month, 1_234_500).unwrap();
    let gec = subject.unwrap();
    assert_eq!(issued, Quantity::new(1_234));
    for a in [buyer, other] {
        reg.deposit_cash(a, Money::from_cny(1_000_000)).unwrap();
    }
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let day = "2023-10-09".parse().unwrap();
    ex.list(gec, "GEC-WIND-2023-09", Price::from_fen(2_000), day, None)
        .unwrap();
    ex.open_day(day).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();

    let mut ev = Vec::new();
    ex.submit(&order(farm, gec, Side::Sell, 2_000, 1_000), &mut ev)
        .unwrap();
    ex.submit(&order(buyer, gec, Side::Buy, 2_100, 1_000), &mut ev)
        .unwrap();
    assert_eq!(trades(&ev), 1_000, "{ev:?}");

    // The next day the buyer tries to resell: once-only certificates cannot change hands again.
    ev.clear();
    ex.close_day(&mut ev).unwrap();
    ex.open_day("2023-10-10".parse().unwrap()).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    let before = ex.registry().clone();
    ev.clear();
    ex.submit(&order(buyer, gec, Side::Sell, 2_000, 10), &mut ev)
        .unwrap();
    let reason = ev.iter().find_map(|e| match e {
        ExchangeEvent::Rejected { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(
        matches!(
            &reason,
            Some(ExchangeReject::Registry(
                RegistryError::OneTimeTransferUsed { .. }
            ))
        ),
        "{reason:?}"
    );
    assert_eq!(ex.registry(), &before, "a refused resale freezes nothing");
    ex.registry().check_conservation().unwrap();
}

#[test]
fn ccer_issued_through_its_lifecycle_trades_and_is_cancelled_as_an_offset() {
    use carbonsim::registry::{CancelReason, Methodology, ProjectStep};
    let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let mut reg = Registry::default();
    let owner = reg.open_account(AccountKind::ProjectOwner, "mangrove project");
    let emitter = reg.open_account(AccountKind::CoveredEntity, "power company");
    reg.deposit_cash(emitter, Money::from_cny(10_000_000))
        .unwrap();
    let project = reg
        .file_project(
            owner,
            Methodology::Mangroves,
            d("2021-01-01"),
            d("2040-12-31"),
        )
        .unwrap();
    reg.advance_project(project, ProjectStep::Validate).unwrap();
    reg.advance_project(project, ProjectStep::Register).unwrap();
    let (from, to) = (d("2021-01-01"), d("2022-12-31"));
    reg.advance_project(project, ProjectStep::Monitor { from, to })
        .unwrap();
    let quantity = Quantity::new(80_000);
    reg.advance_project(project, ProjectStep::Verify { from, to, quantity })
        .unwrap();
    let (ccer, _range) = reg.issue_ccer(project, from, to, quantity).unwrap();

    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let day = d("2023-12-01");
    ex.list(
        ccer,
        "CCER-MANGROVE-2022",
        Price::from_fen(6_500),
        day,
        None,
    )
    .unwrap();
    ex.open_day(day).unwrap();
    ex.set_time("14:00".parse().unwrap()).unwrap();
    let mut ev = Vec::new();
    ex.submit(&order(owner, ccer, Side::Sell, 6_500, 50_000), &mut ev)
        .unwrap();
    ex.submit(&order(emitter, ccer, Side::Buy, 6_600, 50_000), &mut ev)
        .unwrap();
    assert_eq!(trades(&ev), 50_000, "{ev:?}");
    ev.clear();
    let bars = ex.close_day(&mut ev).unwrap();
    assert_eq!(bars[0].close, Price::from_fen(6_500));
    // The buyer's credits arrive the next day and are cancelled as an offset.
    ex.open_day(d("2023-12-04")).unwrap();
    let reg = ex.registry_mut();
    reg.cancel(
        emitter,
        ccer,
        Quantity::new(50_000),
        CancelReason::Offset { entity: emitter },
    )
    .unwrap();
    let balance = reg.subject_balance(ccer).unwrap();
    assert_eq!(
        (balance.issued, balance.cancelled),
        (quantity, Quantity::new(50_000))
    );
    reg.check_conservation().unwrap();
}

#[test]
fn a_listed_only_subject_refuses_block_quotes_naming_the_method() {
    use carbonsim::instrument::TradingMethod;
    let mut reg = Registry::default();
    let owner = reg.open_account(AccountKind::ProjectOwner, "offshore wind");
    let s = reg.register_subject(carbonsim::registry::Subject::Ccer {
        project: carbonsim::registry::ProjectId(0),
        vintage: 2024,
        rules: carbonsim::registry::CcerRules::Rules2023,
    });
    reg.issue(owner, s, Quantity::new(500_000)).unwrap();
    let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
    let day = "2023-12-01".parse().unwrap();
    ex.list(s, "CCER-N00-2024", Price::from_fen(6_500), day, None)
        .unwrap();
    ex.restrict_to_listed(s).unwrap();
    ex.open_day(day).unwrap();
    ex.set_time("14:00".parse().unwrap()).unwrap();
    let before = ex.registry().clone();
    let mut ev = Vec::new();
    let quote = ex
        .post_block_quote(
            owner,
            s,
            carbonsim::book::Side::Sell,
            Price::from_fen(6_500),
            Quantity::new(200_000),
            None,
            &mut ev,
        )
        .unwrap();
    assert_eq!(quote, None);
    assert!(
        matches!(
            ev.as_slice(),
            [ExchangeEvent::Rejected {
                reason: ExchangeReject::MethodNotOffered {
                    method: TradingMethod::BlockAgreement,
                    ..
                },
                ..
            }]
        ),
        "{ev:?}"
    );
    assert_eq!(ex.registry(), &before, "nothing frozen");
    // Listed orders still go through.
    ev.clear();
    let id = ex
        .submit(&order(owner, s, Side::Sell, 6_500, 1_000), &mut ev)
        .unwrap();
    assert!(id.is_some(), "{ev:?}");
}
