//! Listed agreement trading through the exchange: pre-trade checks (day, listing, session,
//! admission, size, band), freezes in the registry (a sell freezes its units, a buy its limit
//! value plus fees), matching in the book, settlement of every fill delivery-versus-payment, and
//! release of whatever an order still holds frozen when it ends (filled, cancelled, expired).

use super::events::{ExchangeEvent, ExchangeReject};
use super::venue::{Exchange, ExchangeError, OrderRecord};
use crate::book::{
    BookEvent, NewOrder, OrderId, OrderKind, OrderStatus, OwnerId, SelfTradePrevention, Side,
};
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, RegistryError, SubjectId};
use crate::units::{Money, Price, Quantity};

/// A listed order as a trader sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderRequest {
    /// The trading account.
    pub account: AccountId,
    /// The subject.
    pub subject: SubjectId,
    /// Buy or sell.
    pub side: Side,
    /// How it executes.
    pub kind: OrderKind,
    /// Limit price (for a market order, its protection price: capped at the band edge).
    pub price: Price,
    /// Quantity.
    pub quantity: Quantity,
    /// Self-trade prevention.
    pub stp: SelfTradePrevention,
}

/// What a new order freezes, before the book gives it an id.
#[derive(Debug, Clone, Copy)]
pub(super) struct Incoming {
    account: AccountId,
    side: Side,
    units: Quantity,
    cash: Money,
}

impl Exchange {
    /// Checks the day, listing, session, admission and size; returns the listing index.
    pub(super) fn check_common(
        &self,
        account: AccountId,
        subject: SubjectId,
        method: TradingMethod,
        quantity: Quantity,
    ) -> Result<usize, ExchangeReject> {
        if self.day.is_none() {
            return Err(ExchangeReject::NoDayOpen);
        }
        let i = self
            .by_subject
            .get(subject)
            .ok_or(ExchangeReject::NotListed { subject })?;
        if !self.listings[i].active {
            return Err(ExchangeReject::NotListed { subject });
        }
        if self.listings[i].listed_only && method != TradingMethod::ListedAgreement {
            return Err(ExchangeReject::MethodNotOffered { subject, method });
        }
        let rules = self.config.rules.method(method);
        if !rules.sessions.is_open(self.time) {
            return Err(ExchangeReject::OutsideSession {
                method,
                time: self.time,
            });
        }
        if !self.registry.may_trade(account, subject).unwrap_or(false) {
            return Err(ExchangeReject::NotAdmitted { account });
        }
        if !rules.size_ok(quantity) {
            return Err(ExchangeReject::SizeRule { method, quantity });
        }
        Ok(i)
    }

    /// [`Exchange::check_common`], with a refusal pushed as a rejection event.
    pub(super) fn admit(
        &self,
        account: AccountId,
        subject: SubjectId,
        method: TradingMethod,
        quantity: Quantity,
        events: &mut Vec<ExchangeEvent>,
    ) -> Option<usize> {
        match self.check_common(account, subject, method, quantity) {
            Ok(i) => Some(i),
            Err(reason) => {
                Self::reject(events, account, subject, reason);
                None
            }
        }
    }

    /// Freezes what an order needs, or says why it cannot.
    pub(super) fn freeze_for(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        side: Side,
        units: Quantity,
        cash: Money,
    ) -> Result<(), ExchangeReject> {
        let result = match side {
            Side::Sell => self.registry.freeze_units(account, subject, units),
            Side::Buy => self.registry.freeze_cash(account, cash),
        };
        result.map_err(|e| match e {
            RegistryError::InsufficientUnits {
                needed, available, ..
            } => ExchangeReject::InsufficientUnits { needed, available },
            RegistryError::InsufficientCash {
                needed, available, ..
            } => ExchangeReject::InsufficientCash { needed, available },
            other => ExchangeReject::Registry(other),
        })
    }

    /// Releases frozen units and cash (zero amounts are skipped).
    pub(super) fn release(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        units: Quantity,
        cash: Money,
    ) -> Result<(), ExchangeError> {
        if !units.is_zero() {
            self.registry.release_units_held(account, subject, units)?;
        }
        if cash > Money::ZERO {
            self.registry.release_cash_held(account, cash)?;
        }
        Ok(())
    }

    pub(super) fn reject(
        events: &mut Vec<ExchangeEvent>,
        account: AccountId,
        subject: SubjectId,
        reason: ExchangeReject,
    ) {
        events.push(ExchangeEvent::Rejected {
            account,
            subject,
            reason,
        });
    }

    /// Submits a listed order. Every outcome is appended to `events`; returns the order's id if
    /// the book accepted it.
    ///
    /// # Errors
    /// Only on an internal inconsistency between the book and the registry (a bug): a refused
    /// order is an [`ExchangeEvent::Rejected`], with nothing frozen.
    pub fn submit(
        &mut self,
        req: &OrderRequest,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<Option<OrderId>, ExchangeError> {
        let Some(i) = self.admit(
            req.account,
            req.subject,
            TradingMethod::ListedAgreement,
            req.quantity,
            events,
        ) else {
            return Ok(None);
        };
        let band = self.listings[i].listed_band;
        let protection = (req.kind == OrderKind::MarketWithProtection)
            .then(|| crate::book::market_protection(&band, req.side, req.price).ok())
            .flatten();
        let limit = if let Some(protection) = protection {
            protection
        } else if req.kind != OrderKind::MarketWithProtection && band.contains(req.price) {
            req.price
        } else {
            Self::reject(
                events,
                req.account,
                req.subject,
                ExchangeReject::OutsideBand {
                    price: req.price,
                    band,
                },
            );
            return Ok(None);
        };
        let cash = match req.side {
            Side::Buy => Self::buy_reserve(self.config.fees.listed.buyer, limit, req.quantity),
            Side::Sell => Ok(Money::ZERO),
        };
        let cash = match cash {
            Ok(cash) => cash,
            Err(reason) => {
                Self::reject(events, req.account, req.subject, reason);
                return Ok(None);
            }
        };
        let units = if req.side == Side::Sell {
            req.quantity
        } else {
            Quantity::ZERO
        };
        if let Err(reason) = self.freeze_for(req.account, req.subject, req.side, units, cash) {
            Self::reject(events, req.account, req.subject, reason);
            return Ok(None);
        }
        let order = NewOrder {
            owner: OwnerId(req.account.0),
            side: req.side,
            kind: req.kind,
            price: limit,
            quantity: req.quantity,
            stp: req.stp,
        };
        let incoming = Incoming {
            account: req.account,
            side: req.side,
            units,
            cash,
        };
        let id = self.run_book(i, Some(incoming), events, |book, out| {
            book.submit(&order, out)
        })?;
        if id.is_none() {
            self.release(req.account, req.subject, units, cash)?;
        }
        Ok(id)
    }

    /// The listed-agreement pick: takes `quantity` of the resting order `target` at its price.
    ///
    /// # Errors
    /// As [`Exchange::submit`].
    pub fn pick(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        target: OrderId,
        quantity: Quantity,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), ExchangeError> {
        let Some(i) = self.admit(
            account,
            subject,
            TradingMethod::ListedAgreement,
            quantity,
            events,
        ) else {
            return Ok(());
        };
        let OrderStatus::Resting {
            side: maker_side,
            price,
            ..
        } = self.listings[i].book.status(target)
        else {
            Self::reject(
                events,
                account,
                subject,
                ExchangeReject::Book(crate::book::RejectReason::UnknownOrder),
            );
            return Ok(());
        };
        let side = maker_side.opposite();
        let cash = match side {
            Side::Buy => Self::buy_reserve(self.config.fees.listed.buyer, price, quantity),
            Side::Sell => Ok(Money::ZERO),
        };
        let cash = match cash {
            Ok(cash) => cash,
            Err(reason) => {
                Self::reject(events, account, subject, reason);
                return Ok(());
            }
        };
        let units = if side == Side::Sell {
            quantity
        } else {
            Quantity::ZERO
        };
        if let Err(reason) = self.freeze_for(account, subject, side, units, cash) {
            Self::reject(events, account, subject, reason);
            return Ok(());
        }
        let incoming = Incoming {
            account,
            side,
            units,
            cash,
        };
        let picked = self.run_book(i, Some(incoming), events, |book, out| {
            book.pick(OwnerId(account.0), side, target, quantity, out)
        })?;
        if picked.is_none() {
            self.release(account, subject, units, cash)?;
        }
        Ok(())
    }

    /// Cancels the account's resting order.
    ///
    /// # Errors
    /// As [`Exchange::submit`].
    pub fn cancel(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        id: OrderId,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), ExchangeError> {
        let Some(i) = self.by_subject.get(subject) else {
            Self::reject(
                events,
                account,
                subject,
                ExchangeReject::NotListed { subject },
            );
            return Ok(());
        };
        // Only an order this listing issued and the account owns: an id of another book (or
        // a stale one) has no record here and never reaches the book.
        let refusal = match self.record(i, id) {
            None => Some(ExchangeReject::Book(
                crate::book::RejectReason::UnknownOrder,
            )),
            Some(r) if r.account != account => Some(ExchangeReject::NotOwner { account }),
            Some(_) => None,
        };
        if let Some(reason) = refusal {
            Self::reject(events, account, subject, reason);
            return Ok(());
        }
        self.run_book(i, None, events, |book, out| {
            book.cancel(id, OwnerId(account.0), out);
        })
    }

    /// Runs one book operation into the reused event buffer (no allocation once warm), then
    /// settles and records what it produced.
    pub(super) fn run_book<R>(
        &mut self,
        listing: usize,
        incoming: Option<Incoming>,
        events: &mut Vec<ExchangeEvent>,
        op: impl FnOnce(&mut crate::book::OrderBook, &mut Vec<BookEvent>) -> R,
    ) -> Result<R, ExchangeError> {
        let mut book_events = std::mem::take(&mut self.scratch);
        book_events.clear();
        let r = op(&mut self.listings[listing].book, &mut book_events);
        let result = self.process_with_incoming(listing, &book_events, incoming, events);
        self.scratch = book_events;
        result.map(|()| r)
    }

    fn record(&self, listing: usize, id: OrderId) -> Option<OrderRecord> {
        self.listings[listing]
            .orders
            .get(id.slot() as usize)
            .copied()
            .flatten()
            .filter(|r| r.id == id)
    }

    fn record_mut(&mut self, listing: usize, id: OrderId) -> Option<&mut OrderRecord> {
        self.listings[listing]
            .orders
            .get_mut(id.slot() as usize)
            .and_then(Option::as_mut)
            .filter(|r| r.id == id)
    }

    /// Ends an order: releases what it still holds frozen and forgets it.
    fn finish(&mut self, listing: usize, id: OrderId) -> Result<(), ExchangeError> {
        let Some(r) = self.record(listing, id) else {
            return Ok(());
        };
        self.listings[listing].orders[id.slot() as usize] = None;
        let subject = self.listings[listing].subject;
        self.release(r.account, subject, r.units, r.cash)
    }

    fn process_with_incoming(
        &mut self,
        listing: usize,
        book_events: &[BookEvent],
        incoming: Option<Incoming>,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), ExchangeError> {
        let subject = self.listings[listing].subject;
        for e in book_events {
            match *e {
                BookEvent::Accepted { order, .. } => {
                    if let Some(inc) = incoming {
                        let slot = order.slot() as usize;
                        let orders = &mut self.listings[listing].orders;
                        if orders.len() <= slot {
                            orders.resize(slot + 1, None);
                        }
                        orders[slot] = Some(OrderRecord {
                            id: order,
                            account: inc.account,
                            side: inc.side,
                            units: inc.units,
                            cash: inc.cash,
                        });
                    }
                }
                BookEvent::Rejected { owner, reason, .. } => {
                    Self::reject(
                        events,
                        AccountId(owner.0),
                        subject,
                        ExchangeReject::Book(reason),
                    );
                    continue;
                }
                BookEvent::Fill(f) => {
                    let (buy_id, sell_id) = match f.taker_side {
                        Side::Buy => (f.taker, f.maker),
                        Side::Sell => (f.maker, f.taker),
                    };
                    let (Some(buyer), Some(seller)) =
                        (self.record(listing, buy_id), self.record(listing, sell_id))
                    else {
                        continue;
                    };
                    events.push(ExchangeEvent::Book { subject, event: *e });
                    let cost = self.settle_trade(
                        listing,
                        TradingMethod::ListedAgreement,
                        buyer.account,
                        seller.account,
                        f.price,
                        f.quantity,
                        events,
                    )?;
                    if let Some(r) = self.record_mut(listing, buy_id) {
                        r.cash -= cost;
                    }
                    if let Some(r) = self.record_mut(listing, sell_id) {
                        r.units -= f.quantity;
                    }
                    if f.maker_remaining.is_zero() {
                        self.finish(listing, f.maker)?;
                    }
                    if f.taker_remaining.is_zero() {
                        self.finish(listing, f.taker)?;
                    }
                    continue;
                }
                BookEvent::Cancelled { order, .. } | BookEvent::Expired { order, .. } => {
                    self.finish(listing, order)?;
                }
                BookEvent::Reduced { .. } | BookEvent::Replaced { .. } => {}
            }
            events.push(ExchangeEvent::Book { subject, event: *e });
        }
        Ok(())
    }
}
