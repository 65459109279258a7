//! GEC trading by production year: each production month trades in books of its own, and the
//! run sums each month's exchange volume and turnover by the certificates' production year, for
//! the report's prices by vintage. The day's bars also count CCER 2.0 trading.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::certificates::{Certificates, ym};
use crate::exchange::bars::DailyBar;
use crate::registry::YearMonth;
use crate::units::{Money, Price, Quantity};

/// One month's exchange trading of GECs of one production year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GecVintageMonth {
    /// The month of the trades.
    pub month: YearMonth,
    /// The certificates' production year.
    pub production_year: u16,
    /// Units traded (listed and block).
    #[serde(with = "crate::units::count")]
    pub volume: Quantity,
    /// Turnover.
    pub turnover: Money,
}

/// Volume, turnover and their average price over some months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GecVintageTotal {
    /// Units traded.
    #[serde(with = "crate::units::count")]
    pub volume: Quantity,
    /// Turnover.
    pub turnover: Money,
    /// Volume-weighted average price, half-up to the fen (`None` without trades).
    pub average_price: Option<Price>,
}

/// The rows of `months` that `keep` selects, summed.
#[must_use]
pub fn total(
    months: &[GecVintageMonth],
    keep: impl Fn(&GecVintageMonth) -> bool,
) -> GecVintageTotal {
    let (volume, turnover) = months
        .iter()
        .filter(|m| keep(m))
        .fold((Quantity::ZERO, Money::ZERO), |(v, t), m| {
            (v + m.volume, t + m.turnover)
        });
    GecVintageTotal {
        volume,
        turnover,
        average_price: turnover.div_round_half_up(volume),
    }
}

/// Volume and turnover by (trade month, production year).
#[derive(Debug, Clone, Default)]
pub(super) struct GecVintages {
    by_month: BTreeMap<(YearMonth, u16), (Quantity, Money)>,
}

impl GecVintages {
    /// The rows, month then production year.
    pub(super) fn rows(&self) -> Vec<GecVintageMonth> {
        self.by_month
            .iter()
            .map(
                |(&(month, production_year), &(volume, turnover))| GecVintageMonth {
                    month,
                    production_year,
                    volume,
                    turnover,
                },
            )
            .collect()
    }
}

impl Certificates {
    /// Counts the day's bars of the certificate books: GEC trading by production year, and
    /// CCER 2.0 trading.
    pub fn record_bars(&mut self, bars: &[DailyBar]) {
        for b in bars {
            let volume = b.listed_volume + b.block_volume;
            if volume.is_zero() {
                continue;
            }
            if let Some(month) = self.gec_months.get(&b.subject) {
                let key = (ym(b.date), month.year());
                let e = self
                    .vintages
                    .by_month
                    .entry(key)
                    .or_insert((Quantity::ZERO, Money::ZERO));
                e.0 += volume;
                e.1 += b.listed_turnover + b.block_turnover;
            } else if self.ccer2.is_code(&b.subject) {
                self.totals.ccer2_traded += volume;
            }
        }
    }

    /// GEC exchange trading by month and production year.
    #[must_use]
    pub fn gec_by_production_year(&self) -> Vec<GecVintageMonth> {
        self.vintages.rows()
    }
}
