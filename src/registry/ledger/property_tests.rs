//! Random operation sequences: the registry's identities hold after each.

#![allow(clippy::many_single_char_names)]

use proptest::prelude::*;

use super::*;
use crate::registry::ids::ProjectId;
use crate::registry::journal::{CancelReason, Settlement};
use crate::registry::subject::{CcerRules, CeaVintage, Technology, YearMonth};
use crate::units::Price;

#[derive(Debug, Clone)]
enum Op {
    Deposit(u32, i64),
    Withdraw(u32, i64),
    FreezeCash(u32, i64),
    ReleaseCash(u32, i64),
    FreezeUnits(u32, u32, u64),
    ReleaseUnits(u32, u32, u64),
    Issue(u32, u32, u64),
    Transfer(u32, u32, u32, u64),
    Settle(u32, u32, u32, u64, i64, i64, i64),
    Roll,
    Surrender(u32, u32, u64),
    Cancel(u32, u32, u64),
    CancelSerials(u32, u32, u64, u64),
    Expire(u32),
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0u32..5; // one id past the accounts
    let s = 0u32..4; // one id past the subjects
    let qty = 0u64..40;
    let cash = -5i64..5_000;
    prop_oneof![
        (a.clone(), cash.clone()).prop_map(|(a, m)| Op::Deposit(a, m)),
        (a.clone(), cash.clone()).prop_map(|(a, m)| Op::Withdraw(a, m)),
        (a.clone(), cash.clone()).prop_map(|(a, m)| Op::FreezeCash(a, m)),
        (a.clone(), cash.clone()).prop_map(|(a, m)| Op::ReleaseCash(a, m)),
        (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::FreezeUnits(a, s, q)),
        (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::ReleaseUnits(a, s, q)),
        (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Issue(a, s, q)),
        (a.clone(), a.clone(), s.clone(), qty.clone())
            .prop_map(|(x, y, s, q)| Op::Transfer(x, y, s, q)),
        (
            a.clone(),
            a.clone(),
            s.clone(),
            qty.clone(),
            0i64..200,
            -1i64..20,
            -1i64..20
        )
            .prop_map(|(x, y, s, q, p, bf, sf)| Op::Settle(x, y, s, q, p, bf, sf)),
        Just(Op::Roll),
        (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Surrender(a, s, q)),
        (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Cancel(a, s, q)),
        (a, s.clone(), 0u64..200, 0u64..20)
            .prop_map(|(a, s, st, l)| Op::CancelSerials(a, s, st, l)),
        s.prop_map(Op::Expire),
    ]
}

fn setup(units: Availability, cash: Availability) -> Registry {
    let mut r = Registry::new(RegistryConfig {
        units_availability: units,
        cash_availability: cash,
        ..RegistryConfig::default()
    });
    r.open_account(AccountKind::CoveredEntity, "a");
    r.open_account(AccountKind::CoveredEntity, "b");
    r.open_account(AccountKind::RenewableGenerator, "c");
    r.open_account(AccountKind::Operator, "fees");
    r.register_subject(Subject::Cea {
        vintage: CeaVintage::Year(2021),
    });
    r.register_subject(Subject::Ccer {
        project: ProjectId(0),
        vintage: 2022,
        rules: CcerRules::Rules2023,
    });
    r.register_subject(Subject::Gec {
        generator: crate::registry::GeneratorId(0),
        technology: Technology::OnshoreWind,
        month: YearMonth::new(2023, 1).unwrap_or(YearMonth::new(2023, 2).unwrap()),
        tradable: true,
        subsidised: false,
    });
    r
}

fn apply(r: &mut Registry, op: &Op) -> Result<(), RegistryError> {
    let m = |f: i64| Money::from_fen(i128::from(f));
    let q = Quantity::new;
    match *op {
        Op::Deposit(a, x) => r.deposit_cash(AccountId(a), m(x)),
        Op::Withdraw(a, x) => r.withdraw_cash(AccountId(a), m(x)),
        Op::FreezeCash(a, x) => r.freeze_cash(AccountId(a), m(x)),
        Op::ReleaseCash(a, x) => r.release_cash(AccountId(a), m(x)),
        Op::FreezeUnits(a, s, n) => r.freeze_units(AccountId(a), SubjectId(s), q(n)),
        Op::ReleaseUnits(a, s, n) => r.release_units(AccountId(a), SubjectId(s), q(n)),
        Op::Issue(a, s, n) => r.issue(AccountId(a), SubjectId(s), q(n)).map(|_| ()),
        Op::Transfer(x, y, s, n) => r.transfer(AccountId(x), AccountId(y), SubjectId(s), q(n)),
        Op::Settle(x, y, s, n, p, bf, sf) => r.settle(&Settlement {
            subject: SubjectId(s),
            seller: AccountId(x),
            buyer: AccountId(y),
            quantity: q(n),
            price: Price::from_fen(p),
            buyer_fee: m(bf),
            seller_fee: m(sf),
            fee_account: AccountId(3),
        }),
        Op::Roll => {
            r.roll_day();
            Ok(())
        }
        Op::Surrender(a, s, n) => r.surrender(AccountId(a), SubjectId(s), q(n)),
        Op::Cancel(a, s, n) => r.cancel(AccountId(a), SubjectId(s), q(n), CancelReason::Voluntary),
        Op::CancelSerials(a, s, st, l) => r.cancel_serials(
            AccountId(a),
            SubjectId(s),
            st,
            st + l,
            CancelReason::Voluntary,
        ),
        Op::Expire(s) => r.expire(SubjectId(s)).map(|_| ()),
    }
}

fn check_invariants(r: &Registry) -> Result<(), TestCaseError> {
    for s in 0..r.subject_count() {
        let sid = SubjectId(s as u32);
        let b = r.subject_balance(sid).unwrap();
        prop_assert!(b.is_conserved(), "{:?}", b);
    }
    for h in &r.holdings {
        if r.subjects[h.subject.index()].subject.has_serials() {
            let (all, fresh) = h.serials.counts();
            prop_assert_eq!(all, h.available + h.frozen + h.pending);
            prop_assert_eq!(fresh, h.fresh);
            if r.one_time(h.subject) {
                prop_assert!(h.fresh >= h.frozen);
            }
        }
    }
    for c in &r.cash {
        prop_assert!(!c.available.is_negative() && !c.frozen.is_negative());
        prop_assert!(!c.pending.is_negative());
    }
    prop_assert!(r.cash_totals().is_conserved());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_operations_conserve_units_and_cash_and_failures_change_nothing(
        ops in proptest::collection::vec(op(), 1..120),
        next_day_units in any::<bool>(),
        next_day_cash in any::<bool>(),
    ) {
        let pick = |b| if b { Availability::NextDay } else { Availability::SameDay };
        let mut r = setup(pick(next_day_units), pick(next_day_cash));
        for op in &ops {
            let before = r.clone();
            let issued_before: Vec<u64> = r.subjects.iter().map(|s| s.issued).collect();
            let ok = apply(&mut r, op).is_ok();
            if !ok {
                prop_assert_eq!(&r, &before);
            }
            if ok {
                prop_assert_eq!(r.journal.len(), before.journal.len() + 1);
            }
            if ok && matches!(op, Op::Transfer(..) | Op::Settle(..)) {
                let issued: Vec<u64> = r.subjects.iter().map(|s| s.issued).collect();
                prop_assert_eq!(issued, issued_before);
                let (t0, t1) = (before.cash_totals(), r.cash_totals());
                prop_assert_eq!(
                    t0.available + t0.frozen + t0.pending,
                    t1.available + t1.frozen + t1.pending
                );
            }
            check_invariants(&r)?;
        }
        let rebuilt = Registry::rebuild(*r.config(), r.journal().events()).unwrap();
        prop_assert_eq!(rebuilt, r);
    }
}
