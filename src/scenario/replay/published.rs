//! The published series as the replay reads them: a day's figures, and the price a vintage
//! lists at for a replay starting on any published day.

use chrono::NaiveDate;

use super::DayFigures;
use crate::history;
use crate::units::Price;

/// The published rows the replay reads.
pub(super) struct Published {
    pub composite: &'static [history::DailyQuote],
    pub vintages: &'static [history::VintageDay],
}

impl Published {
    /// The previous close of vintage `code` for a replay starting on `from`: its own series'
    /// last close before `from`, or before the per-vintage series starts, the composite's (the
    /// only allowance subject traded then). `None` before any published day.
    pub fn previous_close(&self, code: &str, from: NaiveDate) -> Option<Price> {
        let own = self
            .vintages
            .iter()
            .rfind(|r| r.subject_code == code && r.date < from);
        own.map(|r| r.close).or_else(|| {
            self.composite
                .iter()
                .take_while(|d| d.date < from)
                .last()
                .map(|d| d.close)
        })
    }

    /// The published average price (turnover over volume, both trading methods) of the days in
    /// `from..=to`; `None` without trades.
    pub fn average_price(&self, (from, to): (NaiveDate, NaiveDate)) -> Option<Price> {
        let days = self
            .composite
            .iter()
            .filter(|d| d.date >= from && d.date <= to);
        let (turnover, volume) = days.fold(
            (crate::units::Money::ZERO, crate::units::Quantity::ZERO),
            |(m, q), d| {
                (
                    m + d.listed_turnover_cny + d.block_turnover_cny,
                    q + d.listed_volume_t + d.block_volume_t,
                )
            },
        );
        turnover.div_round_half_up(volume)
    }

    /// The published row of vintage `code` on `date`.
    pub fn vintage_day(&self, code: &str, date: NaiveDate) -> Option<&'static history::VintageDay> {
        self.vintages
            .iter()
            .find(|r| r.date == date && r.subject_code == code)
    }
}

pub(super) fn composite(d: &history::DailyQuote) -> DayFigures {
    DayFigures {
        open: Some(d.open),
        high: Some(d.high),
        low: Some(d.low),
        close: Some(d.close),
        listed_volume: d.listed_volume_t,
        listed_turnover: d.listed_turnover_cny,
        block_volume: d.block_volume_t,
        block_turnover: d.block_turnover_cny,
    }
}

pub(super) fn vintage(r: &history::VintageDay) -> DayFigures {
    DayFigures {
        open: r.high.map(|_| r.open),
        high: r.high,
        low: r.low,
        close: Some(r.close),
        listed_volume: r.listed_volume_t,
        listed_turnover: r.listed_turnover_cny,
        block_volume: r.block_volume_t,
        block_turnover: r.block_turnover_cny,
    }
}
