//! A market maker: quotes both sides around the mid price with an inventory skew.
//!
//! Off by default for 2021–2023, when only covered entities were admitted to the national market.
//! Each day it cancels its quotes and posts a post-only bid and ask `half_spread` around the mid
//! (the midpoint of the best bid and ask, or the previous close), shifted against its inventory so
//! that a long maker quotes lower and a short one higher, each of at most `quote_size`, within its
//! cash and holdings and its inventory limits. Parameters are assumptions.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    AccountView, Agent, MarketView, OrderIntent, OrderKind, Routing, Side, affordable,
    price_from_yuan, push_orders,
};
use crate::units::Quantity;

/// Parameters of [`MarketMaker`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakerParams {
    /// Half the quoted spread as a share of the mid, `> 0`. Default 0.005.
    pub half_spread: f64,
    /// Size of each quote. Default 1,000.
    pub quote_size: Quantity,
    /// Inventory at which the skew is one half-spread, and above which it stops bidding.
    /// Default 50,000.
    pub inventory_limit: Quantity,
    /// Inventory the maker aims at. Default 10,000.
    pub target_inventory: Quantity,
}

impl Default for MarketMakerParams {
    fn default() -> Self {
        MarketMakerParams {
            half_spread: 0.005,
            quote_size: Quantity::new(1000),
            inventory_limit: Quantity::new(50_000),
            target_inventory: Quantity::new(10_000),
        }
    }
}

/// A two-sided quoter; see the module documentation.
#[derive(Debug, Clone)]
pub struct MarketMaker {
    params: MarketMakerParams,
}

impl MarketMaker {
    /// A market maker with `params`.
    #[must_use]
    pub fn new(params: MarketMakerParams) -> Self {
        MarketMaker { params }
    }
}

impl Agent for MarketMaker {
    fn kind(&self) -> &'static str {
        "market_maker"
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let p = &self.params;
        let mid = match (market.bids.first(), market.asks.first()) {
            (Some(b), Some(a)) => f64::midpoint(b.price.to_f64(), a.price.to_f64()),
            _ => market.prev_close.to_f64(),
        };
        let inventory = account.total_held(market.subject);
        let limit = p.inventory_limit.units().max(1) as f64;
        let excess = (inventory.units() as f64 - p.target_inventory.units() as f64) / limit;
        let centre = mid * (1.0 - p.half_spread * excess);
        let bid = market
            .listed_band
            .clamp(price_from_yuan(centre * (1.0 - p.half_spread)));
        let ask = market
            .listed_band
            .clamp(price_from_yuan(centre * (1.0 + p.half_spread)));
        out.push(OrderIntent::CancelMyOpenOrders);
        if inventory < p.inventory_limit {
            let room = p.inventory_limit.saturating_sub(inventory);
            let size = p
                .quote_size
                .min(room)
                .min(affordable(account.total_cash(), bid));
            push_orders(
                market,
                Side::Buy,
                OrderKind::PostOnly,
                bid,
                size,
                Routing::ONE_LISTED,
                out,
            );
        }
        let size = p.quote_size.min(inventory);
        push_orders(
            market,
            Side::Sell,
            OrderKind::PostOnly,
            ask,
            size,
            Routing::ONE_LISTED,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Holding, agent_rng};
    use super::*;
    use crate::units::Money;

    fn quotes(inventory: u64) -> Vec<super::super::OrderRequest> {
        let (d, bars) = (deadline(50), flat_bars(3, 5000));
        let m = market(&d, &bars, &[], &[]);
        let holdings = [Holding {
            subject: "CEA",
            available: Quantity::new(inventory),
            frozen: Quantity::ZERO,
        }];
        let account = account(&holdings, Money::from_cny(10_000_000), None);
        let mut out = Vec::new();
        MarketMaker::new(MarketMakerParams::default()).on_day(
            &m,
            &account,
            &mut agent_rng(1, 0),
            &mut out,
        );
        assert_eq!(out.first(), Some(&OrderIntent::CancelMyOpenOrders));
        placed(&out)
    }

    #[test]
    fn quotes_both_sides_around_the_close_inside_the_band() {
        let q = quotes(10_000);
        assert_eq!(q.len(), 2);
        let (bid, ask) = (q[0], q[1]);
        assert_eq!((bid.side, ask.side), (Side::Buy, Side::Sell));
        assert!(bid.limit < ask.limit);
        assert_eq!(bid.limit.fen(), 4975);
        assert_eq!(ask.limit.fen(), 5025);
        assert!(
            q.iter()
                .all(|o| o.kind == OrderKind::PostOnly && o.quantity.units() == 1000)
        );
    }

    #[test]
    fn a_long_maker_skews_down_and_stops_bidding_at_its_limit() {
        let neutral = quotes(10_000);
        let long = quotes(60_000);
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].side, Side::Sell);
        assert!(long[0].limit < neutral[1].limit);
        let empty = quotes(0);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].side, Side::Buy);
        assert!(empty[0].limit > neutral[0].limit);
    }
}
