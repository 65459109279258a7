//! Random trading days through the exchange: units and cash are conserved after every
//! operation, and by the end of the day every freeze has been released or consumed.

use carbonsim::book::{OrderKind, SelfTradePrevention, Side};
use carbonsim::calendar::TimeOfDay;
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, OrderRequest};
use carbonsim::registry::{AccountId, AccountKind, CeaVintage, Registry, Subject};
use carbonsim::units::{Money, Price, Quantity};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Order(u32, bool, u8, i64, u64),
    Cancel(usize, u32),
    Pick(u32, usize, u64),
    Block(u32, u32, bool, i64, u64, u64),
    Afternoon,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u32..4, any::<bool>(), 0u8..5, 4_300i64..5_300, 1u64..2_000).prop_map(|(a, b, k, p, q)| Op::Order(a, b, k, p, q)),
        2 => (any::<usize>(), 0u32..4).prop_map(|(i, a)| Op::Cancel(i, a)),
        2 => (0u32..4, any::<usize>(), 1u64..500).prop_map(|(a, i, q)| Op::Pick(a, i, q)),
        1 => (0u32..4, 0u32..4, any::<bool>(), 3_400i64..6_300, 100_000u64..250_000, 100_000u64..250_000)
            .prop_map(|(a, b, s, p, q, t)| Op::Block(a, b, s, p, q, t)),
        1 => Just(Op::Afternoon),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn random_days_conserve_and_release(days in proptest::collection::vec(proptest::collection::vec(op(), 1..60), 1..4)) {
        let mut reg = Registry::default();
        let cea = reg.register_subject(Subject::Cea { vintage: CeaVintage::Y2019_2020 });
        let firms: Vec<AccountId> = (0..4).map(|i| reg.open_account(AccountKind::CoveredEntity, format!("f{i}"))).collect();
        for &f in &firms {
            reg.issue(f, cea, Quantity::new(300_000)).unwrap();
            reg.deposit_cash(f, Money::from_cny(20_000_000)).unwrap();
        }
        let mut ex = Exchange::new(ExchangeConfig::national_2021_2023().unwrap(), reg);
        ex.list(cea, "CEA", Price::from_fen(4_800), "2021-07-16".parse().unwrap(), None).unwrap();
        let cash = ex.registry().total_cash();
        let dates = ex.config().calendar.trading_days("2021-07-16".parse().unwrap(), "2021-08-31".parse().unwrap()).unwrap();
        let mut ev = Vec::new();
        for (d, ops) in days.iter().enumerate() {
            ex.open_day(dates[d]).unwrap();
            ex.set_time(TimeOfDay::hm(9, 30).unwrap()).unwrap();
            let mut ids = Vec::new();
            for op in ops {
                ev.clear();
                match *op {
                    Op::Order(a, buy, k, p, q) => {
                        let kind = [OrderKind::Limit, OrderKind::ImmediateOrCancel, OrderKind::FillOrKill, OrderKind::MarketWithProtection, OrderKind::PostOnly][k as usize];
                        let req = OrderRequest { account: firms[a as usize], subject: cea, side: if buy { Side::Buy } else { Side::Sell }, kind, price: Price::from_fen(p), quantity: Quantity::new(q), stp: SelfTradePrevention::CancelMaker };
                        if let Some(id) = ex.submit(&req, &mut ev).unwrap() { ids.push((id, firms[a as usize])); }
                    }
                    Op::Cancel(i, a) => if !ids.is_empty() {
                        let (id, owner) = ids[i % ids.len()];
                        let who = if a == 0 { owner } else { firms[a as usize] };
                        ex.cancel(who, cea, id, &mut ev).unwrap();
                    },
                    Op::Pick(a, i, q) => if !ids.is_empty() {
                        ex.pick(firms[a as usize], cea, ids[i % ids.len()].0, Quantity::new(q), &mut ev).unwrap();
                    },
                    Op::Block(a, b, sell, p, q, take) => {
                        let side = if sell { Side::Sell } else { Side::Buy };
                        if let Some(quote) = ex.post_block_quote(firms[a as usize], cea, side, Price::from_fen(p), Quantity::new(q), None, &mut ev).unwrap() {
                            ex.accept_block_quote(firms[b as usize], cea, quote, Quantity::new(take), &mut ev).unwrap();
                        }
                    }
                    Op::Afternoon => { let _ = ex.set_time(TimeOfDay::hm(13, 30).unwrap()); }
                }
                for e in &ev {
                    if let ExchangeEvent::Trade(t) = e {
                        prop_assert!(!t.quantity.is_zero());
                    }
                }
                prop_assert_eq!(ex.registry().total_cash(), cash);
                if let Err(v) = ex.registry().check_conservation() {
                    return Err(TestCaseError::fail(v));
                }
            }
            ev.clear();
            ex.close_day(&mut ev).unwrap();
            for &f in &firms {
                prop_assert_eq!(ex.registry().holding(f, cea).unwrap().frozen, Quantity::ZERO);
                prop_assert_eq!(ex.registry().cash(f).unwrap().frozen, Money::ZERO);
            }
            let t = ex.registry().subject_balance(cea).unwrap();
            prop_assert_eq!(t.issued, Quantity::new(1_200_000));
        }
    }
}
