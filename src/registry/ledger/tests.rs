//! The ledger's worked examples and refusals.

#![allow(clippy::many_single_char_names, clippy::too_many_lines)]

use super::*;
use crate::registry::journal::{CancelReason, Settlement};
use crate::registry::subject::CeaVintage;
use crate::units::Price;

pub(super) fn cea(r: &mut Registry, year: u16) -> SubjectId {
    r.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(year),
    })
}

fn trade(r: &mut Registry) -> (AccountId, AccountId, AccountId, SubjectId) {
    let s = r.open_account(AccountKind::CoveredEntity, "seller");
    let b = r.open_account(AccountKind::CoveredEntity, "buyer");
    let f = r.open_account(AccountKind::Operator, "fees");
    let sub = cea(r, 2021);
    r.issue(s, sub, Quantity::new(100)).unwrap();
    r.deposit_cash(b, Money::from_cny(10_000)).unwrap();
    (s, b, f, sub)
}

#[test]
fn a_registry_without_a_journal_keeps_the_same_balances() {
    let run = |journal: bool| {
        let mut r = Registry::new(RegistryConfig {
            journal,
            ..RegistryConfig::default()
        });
        let (s, b, f, sub) = trade(&mut r);
        r.freeze_units(s, sub, Quantity::new(30)).unwrap();
        r.freeze_cash(b, Money::from_cny(2_000)).unwrap();
        r.settle(&Settlement {
            subject: sub,
            seller: s,
            buyer: b,
            quantity: Quantity::new(20),
            price: Price::from_fen(5_000),
            buyer_fee: Money::from_cny(1),
            seller_fee: Money::from_cny(1),
            fee_account: f,
        })
        .unwrap();
        r.release_units(s, sub, Quantity::new(10)).unwrap();
        (r, sub)
    };
    let ((kept, sub), (dropped, _)) = (run(true), run(false));
    assert!(kept.journal().len() > 5);
    assert!(dropped.journal().is_empty());
    for id in 0..3 {
        let a = AccountId(id);
        assert_eq!(kept.cash(a).unwrap(), dropped.cash(a).unwrap());
    }
    assert_eq!(
        kept.subject_balance(sub).unwrap(),
        dropped.subject_balance(sub).unwrap()
    );
    // The kept journal still rebuilds the registry it came from.
    let rebuilt = Registry::rebuild(*kept.config(), kept.journal().events()).unwrap();
    assert_eq!(rebuilt, kept);
}

#[test]
fn settlement_is_delivery_versus_payment_with_fees_and_leftover_frozen_cash() {
    let mut r = Registry::default();
    let (s, b, f, sub) = trade(&mut r);
    r.freeze_units(s, sub, Quantity::new(60)).unwrap();
    r.freeze_cash(b, Money::from_cny(4_000)).unwrap();
    let t = Settlement {
        subject: sub,
        seller: s,
        buyer: b,
        quantity: Quantity::new(50),
        price: Price::from_fen(5_000),
        buyer_fee: Money::from_cny(3),
        seller_fee: Money::from_cny(2),
        fee_account: f,
    };
    r.settle(&t).unwrap();
    // 50 × 50.00 = 2,500; the buyer's remaining 1,497 stays frozen.
    assert_eq!(r.cash(b).unwrap().frozen, Money::from_cny(1_497));
    assert_eq!(r.cash(s).unwrap().available, Money::from_cny(2_498));
    assert_eq!(r.cash(f).unwrap().available, Money::from_cny(5));
    assert_eq!(
        r.holding(s, sub).unwrap(),
        HoldingView {
            available: Quantity::new(40),
            frozen: Quantity::new(10),
            pending: Quantity::ZERO
        }
    );
    assert_eq!(r.holding(b, sub).unwrap().pending, Quantity::new(50));
    // Bought units are not sellable the same day.
    assert!(matches!(
        r.freeze_units(b, sub, Quantity::new(1)),
        Err(RegistryError::InsufficientUnits { .. })
    ));
    r.roll_day();
    r.freeze_units(b, sub, Quantity::new(50)).unwrap();
    assert!(r.subject_balance(sub).unwrap().is_conserved());
    assert!(r.cash_totals().is_conserved());
}

#[test]
fn next_day_cash_puts_proceeds_in_pending() {
    let mut r = Registry::new(RegistryConfig {
        cash_availability: Availability::NextDay,
        units_availability: Availability::SameDay,
        ..RegistryConfig::default()
    });
    let (s, b, f, sub) = trade(&mut r);
    r.freeze_units(s, sub, Quantity::new(10)).unwrap();
    r.freeze_cash(b, Money::from_cny(100)).unwrap();
    let t = Settlement {
        subject: sub,
        seller: s,
        buyer: b,
        quantity: Quantity::new(10),
        price: Price::from_fen(1_000),
        buyer_fee: Money::ZERO,
        seller_fee: Money::ZERO,
        fee_account: f,
    };
    r.settle(&t).unwrap();
    assert_eq!(r.cash(s).unwrap().pending, Money::from_cny(100));
    assert_eq!(r.holding(b, sub).unwrap().available, Quantity::new(10));
    r.roll_day();
    assert_eq!(r.cash(s).unwrap().available, Money::from_cny(100));
    assert!(r.cash_totals().is_conserved());
}

#[test]
fn every_bad_input_names_its_values_and_changes_nothing() {
    let mut r = Registry::default();
    let (s, b, f, sub) = trade(&mut r);
    let gec_acc = r.open_account(AccountKind::RenewableGenerator, "g");
    let ghost = AccountId(99);
    let nowhere = SubjectId(77);
    let snap = r.clone();
    let t = Settlement {
        subject: sub,
        seller: s,
        buyer: b,
        quantity: Quantity::new(10),
        price: Price::from_fen(100),
        buyer_fee: Money::ZERO,
        seller_fee: Money::ZERO,
        fee_account: f,
    };
    let cases: Vec<(Result<(), RegistryError>, RegistryError)> = vec![
        (
            r.freeze_units(ghost, sub, Quantity::new(1)),
            RegistryError::UnknownAccount { account: ghost },
        ),
        (
            r.freeze_units(s, nowhere, Quantity::new(1)),
            RegistryError::UnknownSubject { subject: nowhere },
        ),
        (
            r.freeze_units(s, sub, Quantity::new(101)),
            RegistryError::InsufficientUnits {
                account: s,
                subject: sub,
                needed: Quantity::new(101),
                available: Quantity::new(100),
            },
        ),
        (
            r.release_units(s, sub, Quantity::new(1)),
            RegistryError::InsufficientFrozenUnits {
                account: s,
                subject: sub,
                needed: Quantity::new(1),
                frozen: Quantity::ZERO,
            },
        ),
        (
            r.withdraw_cash(b, Money::from_cny(10_001)),
            RegistryError::InsufficientCash {
                account: b,
                needed: Money::from_cny(10_001),
                available: Money::from_cny(10_000),
            },
        ),
        (
            r.release_cash(b, Money::from_cny(1)),
            RegistryError::InsufficientFrozenCash {
                account: b,
                needed: Money::from_cny(1),
                frozen: Money::ZERO,
            },
        ),
        (
            r.deposit_cash(b, Money::ZERO),
            RegistryError::NonPositiveAmount {
                op: "deposit",
                amount: Money::ZERO,
            },
        ),
        (
            r.settle(&t),
            RegistryError::InsufficientFrozenCash {
                account: b,
                needed: Money::from_cny(10),
                frozen: Money::ZERO,
            },
        ),
        (
            r.cancel(s, sub, Quantity::new(1), CancelReason::Offset { entity: s }),
            RegistryError::WrongInstrument {
                subject: sub,
                op: "this cancellation",
            },
        ),
        (
            r.surrender(s, sub, Quantity::new(1_000)),
            RegistryError::InsufficientUnits {
                account: s,
                subject: sub,
                needed: Quantity::new(1_000),
                available: Quantity::new(100),
            },
        ),
        (
            r.cancel_serials(s, sub, 1, 2, CancelReason::Voluntary),
            RegistryError::WrongInstrument {
                subject: sub,
                op: "cancel serials",
            },
        ),
        (
            r.issue(s, sub, Quantity::ZERO).map(|_| ()),
            RegistryError::ZeroQuantity { op: "issue" },
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, Err(want));
    }
    assert_eq!(r.may_trade(gec_acc, sub), Ok(false));
    assert_eq!(r.may_trade(s, sub), Ok(true));
    assert!(r.may_trade(ghost, sub).is_err());
    // Fees beyond the amount, negative fees.
    r.freeze_cash(b, Money::from_cny(100)).unwrap();
    r.freeze_units(s, sub, Quantity::new(10)).unwrap();
    let snap2 = r.clone();
    let big_fee = Settlement {
        seller_fee: Money::from_cny(11),
        ..t
    };
    assert_eq!(
        r.settle(&big_fee),
        Err(RegistryError::FeeExceedsProceeds {
            fee: Money::from_cny(11),
            amount: Money::from_cny(10)
        })
    );
    assert_eq!(r, snap2);
    assert_ne!(r, snap);
}

#[test]
fn gas_of_serials_and_surrender_of_certificates_is_the_wrong_instrument() {
    let mut r = Registry::default();
    let a = r.open_account(AccountKind::ProjectOwner, "o");
    let s = r.register_subject(Subject::Ccer {
        project: crate::registry::ProjectId(0),
        vintage: 2016,
        rules: crate::registry::CcerRules::Legacy2012,
    });
    r.issue(a, s, Quantity::new(10)).unwrap();
    assert_eq!(
        r.surrender(a, s, Quantity::new(1)),
        Err(RegistryError::WrongInstrument {
            subject: s,
            op: "surrender"
        })
    );
}

#[test]
fn journal_round_trips_through_serde_and_rebuilds_an_equal_registry() {
    let mut r = Registry::default();
    let (s, b, f, sub) = trade(&mut r);
    r.freeze_units(s, sub, Quantity::new(10)).unwrap();
    r.freeze_cash(b, Money::from_cny(600)).unwrap();
    r.settle(&Settlement {
        subject: sub,
        seller: s,
        buyer: b,
        quantity: Quantity::new(10),
        price: Price::from_fen(5_422),
        buyer_fee: Money::from_fen(7),
        seller_fee: Money::from_fen(3),
        fee_account: f,
    })
    .unwrap();
    r.roll_day();
    r.surrender(b, sub, Quantity::new(10)).unwrap();
    let text = serde_json::to_string(r.journal()).unwrap();
    let back: Journal = serde_json::from_str(&text).unwrap();
    let rebuilt = Registry::rebuild(*r.config(), back.events()).unwrap();
    assert_eq!(rebuilt, r);
}

#[test]
fn the_footprint_counts_what_the_registry_holds() {
    let mut r = Registry::default();
    let empty = r.footprint();
    assert_eq!(
        (empty.subjects, empty.holdings, empty.serial_ranges),
        (0, 0, 0)
    );
    let a = r.open_account(AccountKind::RenewableGenerator, "wind");
    let g = r
        .register_generator(a, crate::registry::Technology::OnshoreWind, true, false)
        .unwrap();
    for m in 1..=12 {
        let month = crate::registry::YearMonth::new(2024, m).unwrap();
        r.meter(g, month, 1_000_000).unwrap();
    }
    let f = r.footprint();
    assert_eq!((f.subjects, f.holdings, f.serial_ranges), (12, 12, 12));
    assert_eq!(f.journal_events, r.journal().len());
    assert!(f.bytes > empty.bytes, "{} <= {}", f.bytes, empty.bytes);
}
