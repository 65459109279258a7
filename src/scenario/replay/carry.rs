//! Carrying the published trades: each planned trade is sent through the exchange as real
//! orders by a seller drawn among the entities that hold the units (those long in the cycle
//! whose vintage trades first) and a buyer among those that can pay (short ones first).

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::ScenarioError;
use crate::book::{OrderKind, SelfTradePrevention, Side};
use crate::calendar::TimeOfDay;
use crate::exchange::{Exchange, ExchangeEvent, OrderRequest};
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, SubjectId};
use crate::units::{Price, Quantity};

/// The replay's market participants.
pub(super) struct Entities {
    pub accounts: Vec<AccountId>,
    /// Indices of entities with more allocation than emissions, in the current period.
    pub long: Vec<usize>,
    /// Indices of the rest.
    pub short: Vec<usize>,
}

pub(super) struct Replay {
    pub ex: Exchange,
    pub entities: Entities,
    pub rng: ChaCha8Rng,
    pub events: Vec<ExchangeEvent>,
    pub orders: u64,
    pub trades: u64,
    pub clock: TimeOfDay,
}

impl Replay {
    /// Moves the clock one second on, skipping to the next session of `method` when the
    /// current one has closed (the exchange's own sessions, so the replay follows its rules).
    pub fn advance_to(&mut self, method: TradingMethod, seconds: u32) -> Result<(), ScenarioError> {
        let next = self.clock.plus_seconds(seconds).unwrap_or(self.clock);
        let sessions = &self.ex.config().rules.method(method).sessions;
        self.clock = sessions.open_at_or_after(next).unwrap_or(next);
        self.ex.set_time(self.clock)?;
        Ok(())
    }

    /// Draws an entity from `preferred` (then anyone) satisfying `ok`.
    fn draw(
        &mut self,
        preferred_long: bool,
        ok: &dyn Fn(&Exchange, AccountId) -> bool,
    ) -> Option<AccountId> {
        let pool = if preferred_long {
            &self.entities.long
        } else {
            &self.entities.short
        };
        for _ in 0..32 {
            if pool.is_empty() {
                break;
            }
            let a = self.entities.accounts[pool[self.rng.random_range(0..pool.len())]];
            if ok(&self.ex, a) {
                return Some(a);
            }
        }
        let n = self.entities.accounts.len();
        let start = self.rng.random_range(0..n.max(1));
        (0..n)
            .map(|k| self.entities.accounts[(start + k) % n])
            .find(|&a| ok(&self.ex, a))
    }

    fn carriers(
        &mut self,
        date: NaiveDate,
        subject: SubjectId,
        code: &str,
        price: Price,
        quantity: Quantity,
    ) -> Result<(AccountId, AccountId), ScenarioError> {
        let no = |role| ScenarioError::NoCarrier {
            date,
            role,
            subject: code.to_owned(),
            price,
            quantity,
        };
        let seller = self
            .draw(true, &|ex, a| {
                ex.registry()
                    .holding(a, subject)
                    .is_ok_and(|h| h.available >= quantity)
            })
            .ok_or_else(|| no("seller"))?;
        let cost = price * quantity;
        let buyer = self
            .draw(false, &|ex, a| {
                a != seller && ex.registry().cash(a).is_ok_and(|c| c.available >= cost)
            })
            .ok_or_else(|| no("buyer"))?;
        Ok((seller, buyer))
    }

    pub fn check_events(&mut self, date: NaiveDate) -> Result<(), ScenarioError> {
        for e in self.events.drain(..) {
            match e {
                ExchangeEvent::Rejected { reason, .. } => {
                    return Err(ScenarioError::Rejected {
                        date,
                        reason: format!("{reason:?}"),
                    });
                }
                ExchangeEvent::Trade(_) => self.trades += 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Carries `quantity` at `price`, splitting it in halves (each at least `minimum`) when no
    /// single seller holds it all or no single buyer can pay: same price, same totals.
    pub fn carry(
        &mut self,
        date: NaiveDate,
        method: TradingMethod,
        (subject, code): (SubjectId, &str),
        price: Price,
        quantity: Quantity,
        minimum: Quantity,
    ) -> Result<(), ScenarioError> {
        match self.carriers(date, subject, code, price, quantity) {
            Ok((seller, buyer)) => {
                self.trade((date, method, subject), (seller, buyer), price, quantity)
            }
            Err(e) => {
                let q = quantity.units();
                let (a, b) = (q / 2 + q % 2, q / 2);
                if b == 0 || b < minimum.units() {
                    return Err(e);
                }
                self.carry(
                    date,
                    method,
                    (subject, code),
                    price,
                    Quantity::new(a),
                    minimum,
                )?;
                self.carry(
                    date,
                    method,
                    (subject, code),
                    price,
                    Quantity::new(b),
                    minimum,
                )
            }
        }
    }

    /// Sends one planned trade through the exchange as real orders: a resting limit sell taken
    /// by an immediate-or-cancel buy, or a block quote to the buyer accepted in full.
    fn trade(
        &mut self,
        (date, method, subject): (NaiveDate, TradingMethod, SubjectId),
        (seller, buyer): (AccountId, AccountId),
        price: Price,
        quantity: Quantity,
    ) -> Result<(), ScenarioError> {
        self.advance_to(method, 1)?;
        if method == TradingMethod::BlockAgreement {
            let quote = self.ex.post_block_quote(
                seller,
                subject,
                Side::Sell,
                price,
                quantity,
                Some(buyer),
                &mut self.events,
            )?;
            if let Some(q) = quote {
                self.ex
                    .accept_block_quote(buyer, subject, q, quantity, &mut self.events)?;
            }
        } else {
            let order = |account, side, kind| OrderRequest {
                account,
                subject,
                side,
                kind,
                price,
                quantity,
                stp: SelfTradePrevention::CancelTaker,
            };
            self.ex.submit(
                &order(seller, Side::Sell, OrderKind::Limit),
                &mut self.events,
            )?;
            self.ex.submit(
                &order(buyer, Side::Buy, OrderKind::ImmediateOrCancel),
                &mut self.events,
            )?;
        }
        self.orders += 2;
        self.check_events(date)
    }
}

/// The largest block trade one counterparty pair carries in the replay.
pub(super) const BLOCK_CHUNK: u64 = 500_000;

/// Splits a block quantity into trades of at most [`BLOCK_CHUNK`] and at least `minimum`.
pub(super) fn block_chunks(quantity: Quantity, minimum: Quantity) -> Vec<Quantity> {
    let (q, min) = (quantity.units(), minimum.units());
    let n = q.div_ceil(BLOCK_CHUNK).max(1);
    // Equal parts (the first ones one unit larger) are each at least the minimum whenever the
    // whole is, since parts are at least q / n >= BLOCK_CHUNK / 2 >= min when n > 1.
    let (base, extra) = (q / n, q % n);
    let parts: Vec<Quantity> = (0..n)
        .map(|i| Quantity::new(base + u64::from(i < extra)))
        .collect();
    if parts.iter().all(|p| p.units() >= min) {
        parts
    } else {
        vec![quantity]
    }
}
