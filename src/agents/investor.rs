//! A financial investor: follows (or fades) the recent trend with a share of its cash.
//!
//! Off by default for 2021–2023, when only covered entities were admitted. On a day when the close
//! moved more than `entry_threshold` over `window_days` bars, a trend follower buys with
//! `position_share` of its spendable cash after a rise and sells that share of its holdings after a
//! fall (a contrarian does the opposite), as immediate-or-cancel orders priced `aggression` beyond
//! the close. It acts on a day with probability `activity`. Parameters are assumptions.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::compliance_firm::trend;
use super::{
    AccountView, Agent, MarketView, OrderIntent, OrderKind, Routing, Side, affordable,
    budget_from_yuan, price_from_yuan, push_orders, quantity_ceil,
};

/// Which way the investor trades the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvestorStyle {
    /// Buys after rises, sells after falls.
    TrendFollower,
    /// Buys after falls, sells after rises.
    Contrarian,
}

/// Parameters of [`Investor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InvestorParams {
    /// Trend or contrarian. Default trend follower.
    pub style: InvestorStyle,
    /// Bars over which the move is measured, `>= 1`. Default 10.
    pub window_days: u32,
    /// Smallest relative move that triggers a trade, `>= 0`. Default 0.03.
    pub entry_threshold: f64,
    /// Share of cash (buy) or holdings (sell) committed per trade, in `(0, 1]`. Default 0.1.
    pub position_share: f64,
    /// How far beyond the close the order is priced, `>= 0`. Default 0.01.
    pub aggression: f64,
    /// Probability of looking at the market on a day, in `[0, 1]`. Default 0.5.
    pub activity: f64,
}

impl Default for InvestorParams {
    fn default() -> Self {
        InvestorParams {
            style: InvestorStyle::TrendFollower,
            window_days: 10,
            entry_threshold: 0.03,
            position_share: 0.1,
            aggression: 0.01,
            activity: 0.5,
        }
    }
}

/// A trend or contrarian trader; see the module documentation.
#[derive(Debug, Clone)]
pub struct Investor {
    params: InvestorParams,
}

impl Investor {
    /// An investor with `params`.
    #[must_use]
    pub fn new(params: InvestorParams) -> Self {
        Investor { params }
    }
}

impl Agent for Investor {
    fn kind(&self) -> &'static str {
        "investor"
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let p = &self.params;
        let draw: f64 = rng.random();
        let moved = trend(market, p.window_days);
        if draw >= p.activity || moved.abs() < p.entry_threshold {
            return;
        }
        let rising = moved > 0.0;
        let buy = match p.style {
            InvestorStyle::TrendFollower => rising,
            InvestorStyle::Contrarian => !rising,
        };
        let close = market.prev_close.to_f64();
        if buy {
            let limit = market
                .listed_band
                .clamp(price_from_yuan(close * (1.0 + p.aggression)));
            let budget = account.cash_available.to_f64() * p.position_share;
            let cash = budget_from_yuan(budget);
            let size = affordable(cash, limit);
            push_orders(
                market,
                Side::Buy,
                OrderKind::ImmediateOrCancel,
                limit,
                size,
                Routing::ONE_LISTED,
                out,
            );
        } else {
            let limit = market
                .listed_band
                .clamp(price_from_yuan(close * (1.0 - p.aggression)));
            let (available, _) = account.holding(market.subject);
            let size = quantity_ceil(available.units() as f64 * p.position_share).min(available);
            push_orders(
                market,
                Side::Sell,
                OrderKind::ImmediateOrCancel,
                limit,
                size,
                Routing::ONE_LISTED,
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Holding, OrderRequest, agent_rng};
    use super::*;
    use crate::units::{Money, Price, Quantity};

    fn orders(style: InvestorStyle, last_close_fen: i64) -> Vec<OrderRequest> {
        let d = deadline(50);
        let mut bars = flat_bars(12, 5000);
        bars[11].close = Price::from_fen(last_close_fen);
        let m = market(&d, &bars, &[], &[]);
        let holdings = [Holding {
            subject: "CEA",
            available: Quantity::new(10_000),
            frozen: Quantity::ZERO,
        }];
        let account = account(&holdings, Money::from_cny(1_000_000), None);
        let params = InvestorParams {
            style,
            activity: 1.0,
            ..InvestorParams::default()
        };
        let mut out = Vec::new();
        Investor::new(params).on_day(&m, &account, &mut agent_rng(3, 9), &mut out);
        placed(&out)
    }

    #[test]
    fn trend_follower_buys_rises_and_sells_falls() {
        let up = orders(InvestorStyle::TrendFollower, 5400);
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].side, Side::Buy);
        // 100,000 CNY at 50.50 buys 1,980 t.
        assert_eq!((up[0].limit.fen(), up[0].quantity.units()), (5050, 1980));
        let down = orders(InvestorStyle::TrendFollower, 4600);
        assert_eq!((down[0].side, down[0].quantity.units()), (Side::Sell, 1000));
        assert!(orders(InvestorStyle::TrendFollower, 5100).is_empty());
    }

    #[test]
    fn contrarian_does_the_opposite() {
        assert_eq!(orders(InvestorStyle::Contrarian, 5400)[0].side, Side::Sell);
        assert_eq!(orders(InvestorStyle::Contrarian, 4600)[0].side, Side::Buy);
    }
}
