//! Daily bars as the exchange publishes them: listed open (first listed trade), high and low;
//! close = the volume-weighted average price of the day's listed trades, rounded half-up to the
//! fen, or the previous close when nothing traded listed; listed, block and auction volume and
//! turnover. Block and auction trades never move the close. O(1) per trade.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::instrument::TradingMethod;
use crate::units::{Money, Price, Quantity};

/// One subject's published day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyBar {
    /// Trading day.
    pub date: NaiveDate,
    /// Subject code.
    pub subject: String,
    /// First listed trade (none without listed trades).
    pub open: Option<Price>,
    /// Highest listed trade.
    pub high: Option<Price>,
    /// Lowest listed trade.
    pub low: Option<Price>,
    /// Listed VWAP, or the previous close.
    pub close: Price,
    /// The previous close (sets the day's bands).
    pub prev_close: Price,
    /// Listed agreement volume.
    pub listed_volume: Quantity,
    /// Listed agreement turnover.
    pub listed_turnover: Money,
    /// Block agreement volume.
    pub block_volume: Quantity,
    /// Block agreement turnover.
    pub block_turnover: Money,
    /// Single-direction bidding volume.
    pub auction_volume: Quantity,
    /// Single-direction bidding turnover.
    pub auction_turnover: Money,
    /// Number of trades of every method.
    pub trades: u64,
}

/// Builds one subject's bar trade by trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarBuilder {
    bar: DailyBar,
}

impl BarBuilder {
    /// An empty day for `subject` after a close of `prev_close`.
    #[must_use]
    pub fn new(date: NaiveDate, subject: impl Into<String>, prev_close: Price) -> Self {
        BarBuilder {
            bar: DailyBar {
                date,
                subject: subject.into(),
                open: None,
                high: None,
                low: None,
                close: prev_close,
                prev_close,
                listed_volume: Quantity::ZERO,
                listed_turnover: Money::ZERO,
                block_volume: Quantity::ZERO,
                block_turnover: Money::ZERO,
                auction_volume: Quantity::ZERO,
                auction_turnover: Money::ZERO,
                trades: 0,
            },
        }
    }

    /// Records a trade.
    pub fn record(&mut self, method: TradingMethod, price: Price, quantity: Quantity) {
        let b = &mut self.bar;
        b.trades += 1;
        let value = price * quantity;
        match method {
            TradingMethod::ListedAgreement => {
                b.open.get_or_insert(price);
                b.high = Some(b.high.map_or(price, |h| h.max(price)));
                b.low = Some(b.low.map_or(price, |l| l.min(price)));
                b.listed_volume += quantity;
                b.listed_turnover += value;
            }
            TradingMethod::BlockAgreement => {
                b.block_volume += quantity;
                b.block_turnover += value;
            }
            TradingMethod::SingleDirectionBidding => {
                b.auction_volume += quantity;
                b.auction_turnover += value;
            }
        }
    }

    /// The bar so far, with the close computed.
    #[must_use]
    pub fn bar(&self) -> DailyBar {
        let mut b = self.bar.clone();
        b.close = b
            .listed_turnover
            .div_round_half_up(b.listed_volume)
            .unwrap_or(b.prev_close);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_is_listed_vwap_and_blocks_do_not_move_it() {
        let day: NaiveDate = "2021-07-16".parse().unwrap();
        let mut b = BarBuilder::new(day, "CEA", Price::from_fen(4_800));
        assert_eq!(
            b.bar().close,
            Price::from_fen(4_800),
            "no trade: previous close"
        );
        b.record(
            TradingMethod::ListedAgreement,
            Price::from_fen(5_278),
            Quantity::new(1),
        );
        b.record(
            TradingMethod::ListedAgreement,
            Price::from_fen(5_000),
            Quantity::new(2),
        );
        b.record(
            TradingMethod::BlockAgreement,
            Price::from_fen(3_500),
            Quantity::new(100_000),
        );
        let bar = b.bar();
        // (52.78 + 2 × 50.00) / 3 = 50.9266… → 50.93.
        assert_eq!(bar.close, Price::from_fen(5_093));
        assert_eq!(
            (bar.open, bar.high, bar.low),
            (
                Some(Price::from_fen(5_278)),
                Some(Price::from_fen(5_278)),
                Some(Price::from_fen(5_000))
            )
        );
        assert_eq!(bar.block_volume, Quantity::new(100_000));
        assert_eq!(bar.trades, 3);
    }
}
