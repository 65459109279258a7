//! A seeded soak (issue 20, "tests that prove it"): over a million random operations on tagged
//! books, an exchange and its registry, with ids from other books, stale and made-up ids, absurd
//! quantities, prices and fees. After every step: no panic, no `Err` from the exchange (its
//! errors mean an internal inconsistency), every book's invariants, and the registry's unit and
//! cash conservation. Run in release (`cargo test --release`): seconds there.

use carbonsim::book::{
    Band, BookConfig, NewOrder, OrderBook, OrderId, OrderKind, OwnerId, SelfTradePrevention, Side,
};
use carbonsim::exchange::fees::{FeeRate, SideFees};
use carbonsim::exchange::{Exchange, ExchangeConfig, ExchangeEvent, OrderRequest};
use carbonsim::instrument::TradingMethod;
use carbonsim::registry::{AccountId, AccountKind, CeaVintage, Registry, Subject, SubjectId};
use carbonsim::units::{Money, Price, Quantity};
use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BOOK_OPS: usize = 1_000_000;
const EXCHANGE_OPS: usize = 1_000_000;

/// A quantity: mostly small, sometimes zero, huge or the largest there is.
fn quantity(rng: &mut ChaCha8Rng) -> Quantity {
    Quantity::new(match rng.random_range(0..20) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.random::<u64>(),
        3 => 1 << 39,
        _ => rng.random_range(1..40),
    })
}

/// A price near `band`, sometimes zero, far outside it or the largest there is.
fn price(rng: &mut ChaCha8Rng, band: Band) -> Price {
    match rng.random_range(0..20) {
        0 => Price::ZERO,
        1 => Price::MAX,
        2 => Price::from_fen(rng.random_range(0..i64::MAX)),
        _ => {
            let (lo, hi) = (band.lower.fen(), band.upper.fen());
            Price::from_fen(rng.random_range((lo - 3).max(0)..=hi + 3))
        }
    }
}

fn kind(rng: &mut ChaCha8Rng) -> OrderKind {
    match rng.random_range(0..10) {
        0 => OrderKind::ImmediateOrCancel,
        1 => OrderKind::FillOrKill,
        2 => OrderKind::MarketWithProtection,
        3 => OrderKind::PostOnly,
        _ => OrderKind::Limit,
    }
}

fn side(rng: &mut ChaCha8Rng) -> Side {
    if rng.random_bool(0.5) {
        Side::Buy
    } else {
        Side::Sell
    }
}

fn stp(rng: &mut ChaCha8Rng) -> SelfTradePrevention {
    [
        SelfTradePrevention::CancelTaker,
        SelfTradePrevention::CancelMaker,
        SelfTradePrevention::CancelBoth,
    ][rng.random_range(0..3)]
}

/// An id to name: one seen in any book (live or stale), or a made-up number.
fn some_id(rng: &mut ChaCha8Rng, seen: &[OrderId]) -> OrderId {
    if seen.is_empty() || rng.random_range(0..10) == 0 {
        return OrderId::from_raw(rng.random::<u64>() & !0x00FF_FFFF)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    seen[rng.random_range(0..seen.len())]
}

/// Remembers an id, keeping the list short so that picks stay cheap and ids go stale.
fn remember(seen: &mut Vec<OrderId>, id: OrderId, rng: &mut ChaCha8Rng) {
    if seen.len() < 256 {
        seen.push(id);
    } else {
        let i = rng.random_range(0..seen.len());
        seen[i] = id;
    }
}

#[test]
fn tagged_books_survive_random_operations_with_foreign_ids() {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let band = Band {
        lower: Price::from_fen(90),
        upper: Price::from_fen(110),
    };
    let mut config = BookConfig::listed_cea(band);
    config.max_quantity_exclusive = None;
    let mut books: Vec<OrderBook> = (0..3)
        .map(|tag| OrderBook::with_tag(config, tag).unwrap())
        .collect();
    let (mut seen, mut ev) = (Vec::new(), Vec::new());
    for step in 0..BOOK_OPS {
        let b = rng.random_range(0..books.len());
        let owner = OwnerId(rng.random_range(0..4));
        let book = &mut books[b];
        ev.clear();
        match rng.random_range(0..100) {
            0..50 => {
                let order = NewOrder {
                    owner,
                    side: side(&mut rng),
                    kind: kind(&mut rng),
                    price: price(&mut rng, band),
                    quantity: quantity(&mut rng),
                    stp: stp(&mut rng),
                };
                if let Some(id) = book.submit(&order, &mut ev) {
                    remember(&mut seen, id, &mut rng);
                }
            }
            50..75 => book.cancel(some_id(&mut rng, &seen), owner, &mut ev),
            75..83 => {
                let id = some_id(&mut rng, &seen);
                book.reduce_or_cancel(id, owner, quantity(&mut rng), &mut ev);
            }
            83..91 => {
                let to = price(&mut rng, band);
                book.replace_price(some_id(&mut rng, &seen), owner, to, &mut ev);
            }
            91..99 => {
                let target = some_id(&mut rng, &seen);
                let q = quantity(&mut rng);
                book.pick(owner, side(&mut rng), target, q, &mut ev);
            }
            _ => book.end_of_day(&mut ev),
        }
        if let Err(e) = book.check_invariants() {
            panic!("step {step}, book {b}: {e}");
        }
    }
    for book in &books {
        assert!(book.resting_orders() < 10_000, "orders came and went");
    }
}

struct Soak {
    ex: Exchange,
    subjects: Vec<SubjectId>,
    traders: Vec<AccountId>,
    date: NaiveDate,
}

/// An exchange with three listings, six traders, ordinary buyer fees and an absurd seller fee
/// (capped at each sale's value) on listed trades, and absurd buyer fees on block trades.
fn soak_exchange() -> Soak {
    let mut reg = Registry::default();
    let subjects: Vec<SubjectId> = [2021, 2022, 2023]
        .map(|y| {
            reg.register_subject(Subject::Cea {
                vintage: CeaVintage::Year(y),
            })
        })
        .to_vec();
    let traders: Vec<AccountId> = (0..6)
        .map(|i| reg.open_account(AccountKind::CoveredEntity, format!("trader {i}")))
        .collect();
    for &t in &traders {
        for &s in &subjects {
            reg.issue(t, s, Quantity::new(1_000_000)).unwrap();
        }
        reg.deposit_cash(t, Money::from_cny(100_000_000)).unwrap();
    }
    let mut config = ExchangeConfig::national_2021_2023().unwrap();
    let absurd = FeeRate {
        bp: u32::MAX,
        minimum: Money::from_fen(i128::MAX / 2),
    };
    config.fees.listed = SideFees {
        buyer: FeeRate {
            bp: 30,
            minimum: Money::from_fen(1),
        },
        seller: absurd,
    };
    config.fees.block.buyer = absurd;
    let date: NaiveDate = "2021-07-16".parse().unwrap();
    let mut ex = Exchange::new(config, reg);
    for (i, &s) in subjects.iter().enumerate() {
        ex.list(s, format!("S{i}"), Price::from_fen(100), date, None)
            .unwrap();
    }
    ex.open_day(date).unwrap();
    ex.set_time("10:00".parse().unwrap()).unwrap();
    Soak {
        ex,
        subjects,
        traders,
        date,
    }
}

impl Soak {
    /// Closes the day (every freeze must be released) and opens the next trading day.
    fn next_day(&mut self) {
        let mut ev = Vec::new();
        self.ex.close_day(&mut ev).unwrap();
        let reg = self.ex.registry();
        assert_eq!(reg.cash_totals().frozen, Money::ZERO);
        for &s in &self.subjects {
            assert!(reg.subject_balance(s).unwrap().frozen.is_zero());
        }
        // Closed days are refused with nothing changed; the calendar ends with 2023.
        for _ in 0..30 {
            self.date = self.date + Days::new(1);
            if self.ex.open_day(self.date).is_ok() {
                break;
            }
        }
        assert_eq!(self.ex.day(), Some(self.date), "no trading day opened");
        self.ex.set_time("10:00".parse().unwrap()).unwrap();
    }

    fn check(&self, step: usize) {
        for &s in &self.subjects {
            let book = self.ex.book(s).unwrap();
            if let Err(e) = book.check_invariants() {
                panic!("step {step}, subject {s:?}: {e}");
            }
        }
        if let Err(e) = self.ex.registry().check_conservation() {
            panic!("step {step}: {e}");
        }
    }
}

/// One random exchange or registry operation; returns an accepted order's id.
fn exchange_step(
    soak: &mut Soak,
    rng: &mut ChaCha8Rng,
    seen: &[OrderId],
    ev: &mut Vec<ExchangeEvent>,
) -> Option<OrderId> {
    let account = soak.traders[rng.random_range(0..soak.traders.len())];
    let subject = soak.subjects[rng.random_range(0..soak.subjects.len())];
    let band = soak
        .ex
        .band(subject, TradingMethod::ListedAgreement)
        .unwrap();
    let ex = &mut soak.ex;
    match rng.random_range(0..100) {
        0..55 => {
            let req = OrderRequest {
                account,
                subject,
                side: side(rng),
                kind: kind(rng),
                price: price(rng, band),
                quantity: quantity(rng),
                stp: stp(rng),
            };
            return ex.submit(&req, ev).unwrap();
        }
        55..85 => ex.cancel(account, subject, some_id(rng, seen), ev).unwrap(),
        85..93 => {
            let target = some_id(rng, seen);
            ex.pick(account, subject, target, quantity(rng), ev)
                .unwrap();
        }
        93..97 => {
            // Frozen balances are the exchange's while its day is open.
            let reg = ex.registry_mut();
            assert!(reg.release_units(account, subject, quantity(rng)).is_err());
            assert!(reg.release_cash(account, Money::from_fen(1)).is_err());
        }
        _ => {
            let amount = Money::from_fen(rng.random_range(1..1_000_000));
            if rng.random_bool(0.5) {
                ex.registry_mut().deposit_cash(account, amount).unwrap();
            } else {
                // May be refused for want of cash; either way nothing is lost.
                let _refused = ex.registry_mut().withdraw_cash(account, amount).is_err();
            }
        }
    }
    None
}

#[test]
fn an_exchange_and_its_registry_conserve_under_random_operations() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut soak = soak_exchange();
    let (mut seen, mut ev) = (Vec::new(), Vec::new());
    let mut days = 0;
    for step in 0..EXCHANGE_OPS {
        ev.clear();
        if let Some(id) = exchange_step(&mut soak, &mut rng, &seen, &mut ev) {
            remember(&mut seen, id, &mut rng);
        }
        if rng.random_range(0..1_000) == 0 {
            soak.next_day();
            days += 1;
            if days == 550 {
                // The calendar ends with 2023: start the dates again on a fresh exchange.
                soak = soak_exchange();
                days = 0;
            }
        }
        soak.check(step);
    }
    assert!(
        days > 100,
        "the soak spans many days ({days} on the last exchange)"
    );
    assert!(soak.ex.tape().len() > 10_000, "orders traded");
}
