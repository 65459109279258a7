//! A deliberately naive reference book: sorted maps of FIFO queues, linear scans, no cleverness.
//! It states the rules of [`OrderBook`](super::OrderBook) a second, independent way so that a
//! model-based test can drive both with the same random operations and compare every event.
//! It is public so downstream users can test their own books against the same oracle.
//!
//! Ids are assigned sequentially (a different scheme from the engine's slab ids); comparisons
//! map ids through the order in which orders were accepted.

use std::collections::{BTreeMap, VecDeque};

use super::events::{BookEvent, CancelReason, Fill, RejectReason};
use super::types::{BookConfig, NewOrder, OrderId, OrderKind, OwnerId, SelfTradePrevention, Side};
use crate::units::{Price, Quantity};

#[derive(Debug, Clone, Copy)]
struct RefOrder {
    id: OrderId,
    owner: OwnerId,
    qty: u64,
    stp: SelfTradePrevention,
}

/// The reference book.
#[derive(Debug, Clone)]
pub struct ReferenceBook {
    config: BookConfig,
    bids: BTreeMap<Price, VecDeque<RefOrder>>,
    asks: BTreeMap<Price, VecDeque<RefOrder>>,
    next_id: u32,
    seq: u64,
}

impl ReferenceBook {
    /// An empty reference book with these rules (assumed valid).
    #[must_use]
    pub fn new(config: BookConfig) -> Self {
        ReferenceBook {
            config,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            next_id: 0,
            seq: 0,
        }
    }

    fn new_id(&mut self) -> OrderId {
        self.next_id += 1;
        OrderId::from_raw_unchecked(u64::from(self.next_id))
    }

    fn side_map(&mut self, side: Side) -> &mut BTreeMap<Price, VecDeque<RefOrder>> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// The other side's price levels in priority order.
    fn priority_prices(&self, maker_side: Side) -> Vec<Price> {
        match maker_side {
            Side::Buy => self.bids.keys().rev().copied().collect(),
            Side::Sell => self.asks.keys().copied().collect(),
        }
    }

    fn check_quantity(&self, q: Quantity) -> Option<RejectReason> {
        let c = &self.config;
        if q.is_zero() {
            Some(RejectReason::ZeroQuantity)
        } else if q.units() % c.lot.units() != 0 {
            Some(RejectReason::LotSize)
        } else if c.max_quantity_exclusive.is_some_and(|m| q >= m)
            || q.units() > super::engine::MAX_ORDER_QUANTITY
        {
            Some(RejectReason::AboveMaximumQuantity)
        } else if c.min_quantity.is_some_and(|m| q < m) {
            Some(RejectReason::BelowMinimumQuantity)
        } else {
            None
        }
    }

    fn check_price(&self, p: Price) -> Option<RejectReason> {
        if p.fen() % self.config.tick_fen != 0 {
            Some(RejectReason::TickSize)
        } else if !self.config.band.contains(p) {
            Some(RejectReason::OutsideBand)
        } else {
            None
        }
    }

    fn reachable(side: Side, limit: Price, level: Price) -> bool {
        match side {
            Side::Buy => level <= limit,
            Side::Sell => level >= limit,
        }
    }

    /// Same contract as [`OrderBook::submit`](super::OrderBook::submit).
    pub fn submit(&mut self, o: &NewOrder, events: &mut Vec<BookEvent>) -> Option<OrderId> {
        let reject = |reason| BookEvent::Rejected {
            order: None,
            owner: o.owner,
            reason,
        };
        if let Some(r) = self.check_quantity(o.quantity) {
            events.push(reject(r));
            return None;
        }
        let limit = if o.kind == OrderKind::MarketWithProtection {
            match super::engine::market_protection(&self.config.band, o.side, o.price) {
                Ok(limit) => limit,
                Err(r) => {
                    events.push(reject(r));
                    return None;
                }
            }
        } else {
            if let Some(r) = self.check_price(o.price) {
                events.push(reject(r));
                return None;
            }
            o.price
        };
        let best_other = self.priority_prices(o.side.opposite()).first().copied();
        if o.kind == OrderKind::PostOnly
            && best_other.is_some_and(|p| Self::reachable(o.side, limit, p))
        {
            events.push(reject(RejectReason::PostOnlyWouldTake));
            return None;
        }
        let id = self.new_id();
        events.push(BookEvent::Accepted {
            order: id,
            owner: o.owner,
        });
        if o.kind == OrderKind::FillOrKill && !self.fok_fillable(o, limit) {
            events.push(BookEvent::Cancelled {
                order: id,
                remaining: o.quantity,
                reason: CancelReason::FillOrKillKilled,
            });
            return Some(id);
        }
        self.run_taker(
            id,
            o.owner,
            o.side,
            o.kind,
            limit,
            o.quantity.units(),
            o.stp,
            events,
        );
        Some(id)
    }

    fn fok_fillable(&self, o: &NewOrder, limit: Price) -> bool {
        let maker_side = o.side.opposite();
        let map = match maker_side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        };
        let mut available = 0u64;
        for p in self.priority_prices(maker_side) {
            if !Self::reachable(o.side, limit, p) {
                break;
            }
            for m in &map[&p] {
                if m.owner == o.owner {
                    if o.stp != SelfTradePrevention::CancelMaker {
                        return available >= o.quantity.units();
                    }
                } else {
                    available += m.qty;
                    if available >= o.quantity.units() {
                        return true;
                    }
                }
            }
        }
        available >= o.quantity.units()
    }

    #[allow(clippy::too_many_arguments)]
    fn run_taker(
        &mut self,
        id: OrderId,
        owner: OwnerId,
        side: Side,
        kind: OrderKind,
        limit: Price,
        mut remaining: u64,
        stp: SelfTradePrevention,
        events: &mut Vec<BookEvent>,
    ) {
        let maker_side = side.opposite();
        let mut stopped = false;
        'levels: for p in self.priority_prices(maker_side) {
            if remaining == 0 || !Self::reachable(side, limit, p) {
                break;
            }
            loop {
                if remaining == 0 {
                    break 'levels;
                }
                let map = self.side_map(maker_side);
                let Some(queue) = map.get_mut(&p) else { break };
                let Some(maker) = queue.front().copied() else {
                    break;
                };
                if maker.owner == owner {
                    if stp == SelfTradePrevention::CancelTaker {
                        stopped = true;
                        break 'levels;
                    }
                    queue.pop_front();
                    if queue.is_empty() {
                        map.remove(&p);
                    }
                    events.push(BookEvent::Cancelled {
                        order: maker.id,
                        remaining: Quantity::new(maker.qty),
                        reason: CancelReason::SelfTrade,
                    });
                    if stp == SelfTradePrevention::CancelBoth {
                        stopped = true;
                        break 'levels;
                    }
                    continue;
                }
                let q = remaining.min(maker.qty);
                remaining -= q;
                let left = maker.qty - q;
                if left == 0 {
                    queue.pop_front();
                    if queue.is_empty() {
                        map.remove(&p);
                    }
                } else if let Some(front) = queue.front_mut() {
                    front.qty = left;
                }
                let fill = self.fill((id, owner, side), &maker, p, [q, remaining, left]);
                events.push(fill);
            }
        }
        if remaining > 0 {
            let rest = RefOrder {
                id,
                owner,
                qty: remaining,
                stp,
            };
            self.place_remainder(rest, (side, kind, limit), stopped, events);
        }
    }

    /// The next fill event: the taker (id, owner, side) trades `quantity` with `maker` at `price`,
    /// leaving the two with `taker_left` and `maker_left`.
    fn fill(
        &mut self,
        (taker, taker_owner, taker_side): (OrderId, OwnerId, Side),
        maker: &RefOrder,
        price: Price,
        [quantity, taker_left, maker_left]: [u64; 3],
    ) -> BookEvent {
        self.seq += 1;
        BookEvent::Fill(Fill {
            seq: self.seq,
            taker,
            maker: maker.id,
            taker_owner,
            maker_owner: maker.owner,
            taker_side,
            price,
            quantity: Quantity::new(quantity),
            taker_remaining: Quantity::new(taker_left),
            maker_remaining: Quantity::new(maker_left),
        })
    }

    /// What a taker has left after matching: cancelled after a self-trade stop, resting for a
    /// limit or post-only order, cancelled as an immediate remainder otherwise.
    fn place_remainder(
        &mut self,
        rest: RefOrder,
        (side, kind, limit): (Side, OrderKind, Price),
        stopped: bool,
        events: &mut Vec<BookEvent>,
    ) {
        let cancel = |reason| BookEvent::Cancelled {
            order: rest.id,
            remaining: Quantity::new(rest.qty),
            reason,
        };
        if stopped {
            events.push(cancel(CancelReason::SelfTrade));
        } else if matches!(kind, OrderKind::Limit | OrderKind::PostOnly) {
            self.side_map(side)
                .entry(limit)
                .or_default()
                .push_back(rest);
        } else {
            events.push(cancel(CancelReason::ImmediateRemainder));
        }
    }

    fn find(&self, id: OrderId) -> Option<(Side, Price, usize)> {
        for (side, map) in [(Side::Buy, &self.bids), (Side::Sell, &self.asks)] {
            for (p, q) in map {
                if let Some(i) = q.iter().position(|o| o.id == id) {
                    return Some((side, *p, i));
                }
            }
        }
        None
    }

    /// Where a resting order is, or a rejection event naming the unknown id.
    fn find_or_reject(
        &self,
        id: OrderId,
        owner: OwnerId,
        events: &mut Vec<BookEvent>,
    ) -> Option<(Side, Price, usize)> {
        let found = self.find(id);
        if found.is_none() {
            events.push(BookEvent::Rejected {
                order: Some(id),
                owner,
                reason: RejectReason::UnknownOrder,
            });
        }
        found
    }

    fn take(&mut self, side: Side, p: Price, i: usize) -> Option<RefOrder> {
        let map = self.side_map(side);
        let queue = map.get_mut(&p)?;
        let o = queue.remove(i);
        if queue.is_empty() {
            map.remove(&p);
        }
        o
    }

    /// Same contract as [`OrderBook::cancel`](super::OrderBook::cancel).
    pub fn cancel(&mut self, id: OrderId, owner: OwnerId, events: &mut Vec<BookEvent>) {
        let Some((side, p, i)) = self.find_or_reject(id, owner, events) else {
            return;
        };
        if let Some(o) = self.take(side, p, i) {
            events.push(BookEvent::Cancelled {
                order: id,
                remaining: Quantity::new(o.qty),
                reason: CancelReason::User,
            });
        }
    }

    /// Same contract as [`OrderBook::reduce`](super::OrderBook::reduce).
    pub fn reduce(
        &mut self,
        id: OrderId,
        owner: OwnerId,
        to: Quantity,
        events: &mut Vec<BookEvent>,
    ) {
        let Some((side, p, i)) = self.find_or_reject(id, owner, events) else {
            return;
        };
        let lot = self.config.lot.units();
        let Some(o) = self.side_map(side).get_mut(&p).and_then(|q| q.get_mut(i)) else {
            return;
        };
        if to.is_zero() || to.units() >= o.qty || to.units() % lot != 0 {
            events.push(BookEvent::Rejected {
                order: Some(id),
                owner,
                reason: RejectReason::InvalidReduction,
            });
            return;
        }
        let from = Quantity::new(o.qty);
        o.qty = to.units();
        events.push(BookEvent::Reduced {
            order: id,
            from,
            to,
        });
    }

    /// Same contract as [`OrderBook::replace_price`](super::OrderBook::replace_price).
    pub fn replace_price(
        &mut self,
        id: OrderId,
        owner: OwnerId,
        to: Price,
        events: &mut Vec<BookEvent>,
    ) {
        let Some((side, p, i)) = self.find_or_reject(id, owner, events) else {
            return;
        };
        if let Some(reason) = self.check_price(to) {
            events.push(BookEvent::Rejected {
                order: Some(id),
                owner,
                reason,
            });
            return;
        }
        let Some(o) = self.take(side, p, i) else {
            return;
        };
        events.push(BookEvent::Replaced {
            order: id,
            from: p,
            to,
        });
        self.run_taker(
            id,
            o.owner,
            side,
            OrderKind::Limit,
            to,
            o.qty,
            o.stp,
            events,
        );
    }

    /// Same contract as [`OrderBook::pick`](super::OrderBook::pick).
    pub fn pick(
        &mut self,
        owner: OwnerId,
        side: Side,
        target: OrderId,
        quantity: Quantity,
        events: &mut Vec<BookEvent>,
    ) -> Option<OrderId> {
        let reject = |reason| BookEvent::Rejected {
            order: Some(target),
            owner,
            reason,
        };
        if let Some(r) = self.check_quantity(quantity) {
            events.push(reject(r));
            return None;
        }
        let Some((maker_side, p, i)) = self.find(target) else {
            events.push(reject(RejectReason::UnknownOrder));
            return None;
        };
        let maker = *self.side_map(maker_side).get(&p)?.get(i)?;
        let in_best_five = self
            .priority_prices(maker_side)
            .iter()
            .take(5)
            .any(|&x| x == p);
        let failure = if maker_side == side {
            Some(RejectReason::PickSameSide)
        } else if !in_best_five {
            Some(RejectReason::PickOutsideBestFive)
        } else if quantity.units() > maker.qty {
            Some(RejectReason::PickTooLarge)
        } else if maker.owner == owner {
            Some(RejectReason::PickSelfTrade)
        } else {
            None
        };
        if let Some(r) = failure {
            events.push(reject(r));
            return None;
        }
        let id = self.new_id();
        events.push(BookEvent::Accepted { order: id, owner });
        let left = maker.qty - quantity.units();
        if left == 0 {
            self.take(maker_side, p, i);
        } else if let Some(m) = self
            .side_map(maker_side)
            .get_mut(&p)
            .and_then(|q| q.get_mut(i))
        {
            m.qty = left;
        }
        self.seq += 1;
        events.push(BookEvent::Fill(Fill {
            seq: self.seq,
            taker: id,
            maker: target,
            taker_owner: owner,
            maker_owner: maker.owner,
            taker_side: side,
            price: p,
            quantity,
            taker_remaining: Quantity::ZERO,
            maker_remaining: Quantity::new(left),
        }));
        Some(id)
    }

    /// Same contract as [`OrderBook::end_of_day`](super::OrderBook::end_of_day).
    pub fn end_of_day(&mut self, events: &mut Vec<BookEvent>) {
        for (_, q) in std::mem::take(&mut self.bids).into_iter().rev() {
            for o in q {
                events.push(BookEvent::Expired {
                    order: o.id,
                    remaining: Quantity::new(o.qty),
                });
            }
        }
        for (_, q) in std::mem::take(&mut self.asks) {
            for o in q {
                events.push(BookEvent::Expired {
                    order: o.id,
                    remaining: Quantity::new(o.qty),
                });
            }
        }
    }

    /// Price levels of `side`, best first, with their total quantity.
    #[must_use]
    pub fn depth(&self, side: Side) -> Vec<(Price, Quantity)> {
        let total = |q: &VecDeque<RefOrder>| Quantity::new(q.iter().map(|o| o.qty).sum());
        match side {
            Side::Buy => self
                .bids
                .iter()
                .rev()
                .map(|(p, q)| (*p, total(q)))
                .collect(),
            Side::Sell => self.asks.iter().map(|(p, q)| (*p, total(q))).collect(),
        }
    }
}
