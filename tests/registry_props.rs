//! Registry invariants over random operation sequences: per subject, issued equals available,
//! frozen, pending, surrendered, cancelled and expired together; no negative balance; settlement
//! conserves units and cash; a refused operation leaves the registry identical; and the journal
//! rebuilds it.

use carbonsim::registry::{
    AccountId, AccountKind, AdmissionRules, Availability, Registry, SubjectId, SubjectKind,
};
use carbonsim::units::{Money, Price, Quantity};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Issue(u32, u32, u64),
    Deposit(u32, i64),
    Withdraw(u32, i64),
    FreezeUnits(u32, u32, u64),
    ReleaseUnits(u32, u32, u64),
    FreezeCash(u32, i64),
    ReleaseCash(u32, i64),
    Settle(u32, u32, u32, u64, i64, i64),
    Transfer(u32, u32, u32, u64),
    Surrender(u32, u32, u64),
    Cancel(u32, u32, u64),
    Expire(u32, u32, u64),
    Roll,
}

fn op() -> impl Strategy<Value = Op> {
    // Ids run one past the last account (4) and subject (2) to exercise unknown ids.
    let a = 0u32..5;
    let s = 0u32..3;
    prop_oneof![
        (a.clone(), s.clone(), 0u64..500).prop_map(|(a, s, q)| Op::Issue(a, s, q)),
        (a.clone(), -10i64..100_000).prop_map(|(a, m)| Op::Deposit(a, m)),
        (a.clone(), -10i64..100_000).prop_map(|(a, m)| Op::Withdraw(a, m)),
        (a.clone(), s.clone(), 0u64..300).prop_map(|(a, s, q)| Op::FreezeUnits(a, s, q)),
        (a.clone(), s.clone(), 0u64..300).prop_map(|(a, s, q)| Op::ReleaseUnits(a, s, q)),
        (a.clone(), -10i64..100_000).prop_map(|(a, m)| Op::FreezeCash(a, m)),
        (a.clone(), -10i64..100_000).prop_map(|(a, m)| Op::ReleaseCash(a, m)),
        (
            a.clone(),
            a.clone(),
            s.clone(),
            0u64..300,
            0i64..500,
            -1i64..50
        )
            .prop_map(|(b, se, s, q, p, f)| Op::Settle(b, se, s, q, p, f)),
        (a.clone(), a.clone(), s.clone(), 0u64..300)
            .prop_map(|(f, t, s, q)| Op::Transfer(f, t, s, q)),
        (a.clone(), s.clone(), 0u64..300).prop_map(|(a, s, q)| Op::Surrender(a, s, q)),
        (a.clone(), s.clone(), 0u64..300).prop_map(|(a, s, q)| Op::Cancel(a, s, q)),
        (a, s, 0u64..300).prop_map(|(a, s, q)| Op::Expire(a, s, q)),
        Just(Op::Roll),
    ]
}

fn setup(units: Availability, cash: Availability) -> Registry {
    let mut r = Registry::new(AdmissionRules::default(), units, cash);
    r.register_subject("CEA", SubjectKind::Cea { vintage: 2019 })
        .unwrap();
    r.register_subject(
        "GEC-G1-2023-01",
        SubjectKind::Gec {
            generator: "G1".into(),
            month: "2023-01".into(),
            tradable: true,
        },
    )
    .unwrap();
    for i in 0..3 {
        r.open_account(format!("firm {i}"), AccountKind::CoveredEntity);
    }
    r.open_account("exchange", AccountKind::Exchange);
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[allow(clippy::single_match_else)]

    #[test]
    fn registry_invariants(ops in proptest::collection::vec(op(), 1..120), pending in any::<bool>()) {
        let availability = if pending { Availability::NextTradingDay } else { Availability::SameDay };
        let mut r = setup(availability, availability);
        let fee_account = AccountId(3);
        for op in &ops {
            let before = r.clone();
            let (cash_before, deposits) = (r.total_cash(), matches!(op, Op::Deposit(..) | Op::Withdraw(..)));
            let issued_before: Vec<_> = (0..2).map(|s| r.totals(SubjectId(s)).unwrap().issued).collect();
            let result = match *op {
                Op::Issue(a, s, q) => r.issue(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::Deposit(a, m) => r.deposit(AccountId(a), Money::from_fen(m.into())),
                Op::Withdraw(a, m) => r.withdraw(AccountId(a), Money::from_fen(m.into())),
                Op::FreezeUnits(a, s, q) => r.freeze_units(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::ReleaseUnits(a, s, q) => r.release_units(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::FreezeCash(a, m) => r.freeze_cash(AccountId(a), Money::from_fen(m.into())),
                Op::ReleaseCash(a, m) => r.release_cash(AccountId(a), Money::from_fen(m.into())),
                Op::Settle(b, se, s, q, p, f) => r.settle(
                    AccountId(b), AccountId(se), SubjectId(s), Quantity::new(q), Price::from_fen(p),
                    Money::from_fen(f.into()), Money::from_fen(f.into()), fee_account,
                ),
                Op::Transfer(f, t, s, q) => r.transfer(AccountId(f), AccountId(t), SubjectId(s), Quantity::new(q)),
                Op::Surrender(a, s, q) => r.surrender(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::Cancel(a, s, q) => r.cancel(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::Expire(a, s, q) => r.expire(AccountId(a), SubjectId(s), Quantity::new(q)),
                Op::Roll => { r.roll_day(); Ok(()) }
            };
            match result {
                Err(e) => {
                    prop_assert_eq!(&r, &before, "refused {:?} ({}) changed the registry", op, e);
                    prop_assert!(!e.to_string().is_empty());
                }
                Ok(()) => {
                    if let Err(v) = r.check_conservation() {
                        return Err(TestCaseError::fail(format!("after {op:?}: {v}")));
                    }
                    if !deposits {
                        prop_assert_eq!(r.total_cash(), cash_before, "cash created or destroyed by {:?}", op);
                    }
                    if !matches!(op, Op::Issue(..)) {
                        let issued: Vec<_> = (0..2).map(|s| r.totals(SubjectId(s)).unwrap().issued).collect();
                        prop_assert_eq!(&issued, &issued_before);
                    }
                }
            }
        }
        let rebuilt = Registry::rebuild(AdmissionRules::default(), availability, availability, r.journal());
        prop_assert_eq!(rebuilt, r);
    }
}

#[test]
fn errors_name_the_values() {
    let mut r = setup(Availability::SameDay, Availability::SameDay);
    let err = r
        .freeze_units(AccountId(0), SubjectId(0), Quantity::new(5))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs 5") && err.contains("AccountId(0)"),
        "{err}"
    );
    let err = r
        .deposit(AccountId(9), Money::from_cny(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("AccountId(9)"), "{err}");
    r.issue(AccountId(0), SubjectId(1), Quantity::new(5))
        .unwrap();
    let err = r
        .surrender(AccountId(0), SubjectId(1), Quantity::new(5))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a CEA"), "{err}");
    assert!(
        r.register_subject("CEA", SubjectKind::Cea { vintage: 2021 })
            .is_err()
    );
}
