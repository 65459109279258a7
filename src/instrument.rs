//! Trading methods and their rules: price bands around the previous close, order and trade
//! sizes, and sessions (SEEE announcement on national carbon trading, 2021-06-22).
//!
//! | method | code | sessions | band | size |
//! |---|---|---|---|---|
//! | listed agreement | 10 | 09:30–11:30, 13:00–15:00 | ±10 % | each order < 100,000 t |
//! | block agreement | 20 | 13:00–15:00 | ±30 % | each trade ≥ 100,000 t |
//! | single-direction bidding | 21 | announced | announced | announced |
//!
//! Band limits are the previous close × (1 ± pct), rounded half-up to the fen, both inclusive:
//! the published series confirms it (2021-10-11's high of 48.49 is 44.08 × 1.1 = 48.488).

use serde::{Deserialize, Serialize};

use crate::book::Band;
use crate::calendar::Sessions;
use crate::units::{Price, Quantity};

/// The exchange's trading methods, with the exchange's data codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingMethod {
    /// 挂牌协议交易: a continuous book with the best-five pick.
    ListedAgreement,
    /// 大宗协议交易: negotiated block trades.
    BlockAgreement,
    /// 单向竞价: an announced one-sided auction.
    SingleDirectionBidding,
}

impl TradingMethod {
    /// The exchange's method code (10, 20, 21).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            TradingMethod::ListedAgreement => 10,
            TradingMethod::BlockAgreement => 20,
            TradingMethod::SingleDirectionBidding => 21,
        }
    }
}

/// The rules of one trading method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodRules {
    /// Band half-width in basis points of the previous close (1,000 = ±10 %).
    pub band_bp: u32,
    /// Each order or trade at least this large.
    pub min_quantity: Option<Quantity>,
    /// Each order strictly below this.
    pub max_quantity_exclusive: Option<Quantity>,
    /// When the method trades.
    pub sessions: Sessions,
}

impl MethodRules {
    /// Listed agreement trading: ±10 %, orders below 100,000 t, both sessions.
    #[must_use]
    pub fn listed() -> Self {
        MethodRules {
            band_bp: 1_000,
            min_quantity: None,
            max_quantity_exclusive: Some(Quantity::new(100_000)),
            sessions: Sessions::listed(),
        }
    }

    /// Block agreement trading: ±30 %, trades of at least 100,000 t, afternoon.
    #[must_use]
    pub fn block() -> Self {
        MethodRules {
            band_bp: 3_000,
            min_quantity: Some(Quantity::new(100_000)),
            max_quantity_exclusive: None,
            sessions: Sessions::block(),
        }
    }

    /// Single-direction bidding: no national auction was held in 2021–2023; these defaults
    /// (±30 %, afternoon) are assumptions an announcement would override.
    #[must_use]
    pub fn auction() -> Self {
        MethodRules {
            band_bp: 3_000,
            min_quantity: None,
            max_quantity_exclusive: None,
            sessions: Sessions::block(),
        }
    }

    /// The day's band around `prev_close`, each limit rounded half-up to the fen.
    ///
    /// A limit that does not fit saturates (the lower at zero, the upper at [`Price::MAX`]); a
    /// book refuses such a band with a [`BookError`](crate::book::BookError) naming it.
    #[must_use]
    pub fn band(&self, prev_close: Price) -> Band {
        let lower = prev_close
            .scale_bp_round_half_up(10_000u32.saturating_sub(self.band_bp))
            .unwrap_or(Price::ZERO);
        let upper = 10_000u32
            .checked_add(self.band_bp)
            .and_then(|bp| prev_close.scale_bp_round_half_up(bp))
            .unwrap_or(Price::MAX);
        Band { lower, upper }
    }

    /// Whether `quantity` meets the size rules.
    #[must_use]
    pub fn size_ok(&self, quantity: Quantity) -> bool {
        !quantity.is_zero()
            && self.min_quantity.is_none_or(|m| quantity >= m)
            && self.max_quantity_exclusive.is_none_or(|m| quantity < m)
    }
}

/// The rules of all three methods for one market.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketRules {
    /// Listed agreement.
    pub listed: MethodRules,
    /// Block agreement.
    pub block: MethodRules,
    /// Single-direction bidding.
    pub auction: MethodRules,
}

impl Default for MarketRules {
    /// The national CEA market's rules (also used for CCER and GEC books unless configured).
    fn default() -> Self {
        MarketRules {
            listed: MethodRules::listed(),
            block: MethodRules::block(),
            auction: MethodRules::auction(),
        }
    }
}

impl MarketRules {
    /// The rules of one method.
    #[must_use]
    pub fn method(&self, method: TradingMethod) -> &MethodRules {
        match method {
            TradingMethod::ListedAgreement => &self.listed,
            TradingMethod::BlockAgreement => &self.block,
            TradingMethod::SingleDirectionBidding => &self.auction,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_round_half_up_at_each_edge() {
        let listed = MethodRules::listed().band(Price::from_fen(4_408));
        assert_eq!((listed.lower.fen(), listed.upper.fen()), (3_967, 4_849));
        let block = MethodRules::block().band(Price::from_fen(4_316));
        assert_eq!(block.lower.fen(), 3_021);
        assert_eq!(TradingMethod::BlockAgreement.code(), 20);
    }

    #[test]
    fn size_rules() {
        let (l, b) = (MethodRules::listed(), MethodRules::block());
        assert!(l.size_ok(Quantity::new(99_999)) && !l.size_ok(Quantity::new(100_000)));
        assert!(b.size_ok(Quantity::new(100_000)) && !b.size_ok(Quantity::new(99_999)));
        assert!(!l.size_ok(Quantity::ZERO));
    }
}
