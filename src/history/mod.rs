//! The published national CEA market, 2021-07-16 to 2023-12-29, compiled into the library.
//!
//! Source: Shanghai Environment and Energy Exchange. The CSV files in `data/` (with their
//! provenance README) are embedded with `include_str!` and parsed once, on first use, into exact
//! units; running needs no file or network access. Parsing is checked by tests over every row,
//! and failures would surface as [`HistoryError`], never as a panic.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::{Money, Price, Quantity};

const DAILY_CSV: &str = include_str!("../../data/cea_daily_2021-07-16_2023-12-29.csv");
const VINTAGE_CSV: &str = include_str!("../../data/cea_daily_by_vintage_2021-07-16_2023-12-29.csv");
const MONTHLY_CSV: &str = include_str!("../../data/cea_monthly_2021-07_2023-12.csv");
const ANNUAL_CSV: &str = include_str!("../../data/cea_annual_2021_2023.csv");
const FACTS_CSV: &str = include_str!("../../data/cea_annual_facts_2024.csv");
const CLOSURES_CSV: &str = include_str!("../../data/seee_weekday_closures_2021-2023.csv");

/// CCERs surrendered as offsets in the first compliance cycle (2019–2020), about 32.73 Mt: MEE's
/// report on the first cycle (December 2022), as reported by China Mining News on 2023-01-10
/// (secondary).
pub const FIRST_CYCLE_OFFSETS_T: u64 = 32_730_000;

/// The month (year, month) of the first cycle's final deadline, 2021-12-31: offsets
/// surrendered by its end are the first cycle's.
pub const FIRST_CYCLE_DEADLINE_MONTH: (u16, u8) = (2021, 12);

/// The attribution every use of this data must carry.
pub const ATTRIBUTION: &str = "Source: Shanghai Environment and Energy Exchange";

/// The embedded data could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistoryError {
    /// A row of an embedded file is malformed.
    #[error("embedded file {file}: {message}")]
    Parse {
        /// The file.
        file: &'static str,
        /// The parser's message (with the row).
        message: String,
    },
}

/// One trading day of the composite national quote (`COMCEA`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyQuote {
    /// Trading day.
    pub date: NaiveDate,
    /// Open.
    pub open: Price,
    /// High.
    pub high: Price,
    /// Low.
    pub low: Price,
    /// Close (the listed VWAP up to 2023-08-25).
    pub close: Price,
    /// Previous trading day's close (none on the first day).
    pub prev_close: Option<Price>,
    /// Listed agreement volume.
    pub listed_volume_t: Quantity,
    /// Listed agreement turnover.
    pub listed_turnover_cny: Money,
    /// Block agreement volume.
    pub block_volume_t: Quantity,
    /// Block agreement turnover.
    pub block_turnover_cny: Money,
    /// Single-direction bidding volume.
    pub auction_volume_t: Quantity,
    /// Single-direction bidding turnover.
    pub auction_turnover_cny: Money,
    /// Cumulative listed volume since launch, as published.
    pub cum_listed_volume_t: Quantity,
    /// Cumulative block volume since launch, as published.
    pub cum_block_volume_t: Quantity,
    /// Subjects listed that day (`CEA` or `CEA;CEA21;CEA22`).
    pub vintages_listed: String,
}

/// One trading day of one allowance subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VintageDay {
    /// Trading day.
    pub date: NaiveDate,
    /// `CEA` (2019–2020), `CEA21` or `CEA22`.
    pub subject_code: String,
    /// Open (the reference price on a day without listed trades).
    pub open: Price,
    /// High (none on a day without listed trades).
    pub high: Option<Price>,
    /// Low (none on a day without listed trades).
    pub low: Option<Price>,
    /// Close.
    pub close: Price,
    /// Listed agreement volume.
    pub listed_volume_t: Quantity,
    /// Listed agreement turnover.
    pub listed_turnover_cny: Money,
    /// Block agreement volume.
    pub block_volume_t: Quantity,
    /// Block agreement turnover.
    pub block_turnover_cny: Money,
}

/// One month's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyTotals {
    /// `YYYY-MM`.
    pub month: String,
    /// Trading days.
    pub trading_days: u32,
    /// Listed volume.
    pub listed_volume_t: Quantity,
    /// Listed turnover.
    pub listed_turnover_cny: Money,
    /// Block volume.
    pub block_volume_t: Quantity,
    /// Block turnover.
    pub block_turnover_cny: Money,
    /// Month-end close.
    pub month_end_close: Price,
}

/// One year's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualTotals {
    /// Year.
    pub year: i32,
    /// Trading days.
    pub trading_days: u32,
    /// Listed volume.
    pub listed_volume_t: Quantity,
    /// Listed turnover.
    pub listed_turnover_cny: Money,
    /// Block volume.
    pub block_volume_t: Quantity,
    /// Block turnover.
    pub block_turnover_cny: Money,
    /// Total volume.
    pub total_volume_t: Quantity,
    /// Total turnover.
    pub total_turnover_cny: Money,
    /// Year-end close.
    pub year_end_close: Price,
}

/// A year's published figures where no daily series is embedded (2024 on): what the runs after
/// 2023 are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualFacts {
    /// Year.
    pub year: i32,
    /// Total volume (listed plus block), as published (rounded).
    pub total_volume_t: Quantity,
    /// Total turnover.
    pub total_turnover_cny: Money,
    /// Year-end close.
    pub year_end_close: Price,
    /// The year's highest close.
    pub peak_close: Price,
    /// Its date.
    pub peak_date: NaiveDate,
    /// Volume traded from the year's start to 30 September.
    pub volume_to_sep30_t: Quantity,
    /// Source IDs of `docs/sources.md`.
    pub source: String,
}

#[derive(Debug, Deserialize)]
struct ClosureRow {
    date: NaiveDate,
}

fn parse<T: serde::de::DeserializeOwned>(
    file: &'static str,
    text: &str,
) -> Result<Vec<T>, HistoryError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| HistoryError::Parse {
            file,
            message: e.to_string(),
        })
}

macro_rules! embedded {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $file:literal, $text:expr) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// [`HistoryError`] if the embedded file were malformed (tests parse every row).
        pub fn $name() -> Result<&'static [$ty], HistoryError> {
            static CELL: OnceLock<Result<Vec<$ty>, HistoryError>> = OnceLock::new();
            CELL.get_or_init(|| parse($file, $text)).as_deref().map_err(Clone::clone)
        }
    };
}

embedded!(
    /// The 598 trading days of the composite quote, in date order.
    daily, DailyQuote, "cea_daily_2021-07-16_2023-12-29.csv", DAILY_CSV
);
embedded!(
    /// The 766 subject-days of the per-vintage file, in date then subject order.
    by_vintage, VintageDay, "cea_daily_by_vintage_2021-07-16_2023-12-29.csv", VINTAGE_CSV
);
embedded!(
    /// Monthly totals, July 2021 to December 2023.
    monthly, MonthlyTotals, "cea_monthly_2021-07_2023-12.csv", MONTHLY_CSV
);
embedded!(
    /// Annual totals for 2021, 2022 and 2023.
    annual, AnnualTotals, "cea_annual_2021_2023.csv", ANNUAL_CSV
);

embedded!(
    /// Published figures of the years after the daily series (2024).
    annual_facts, AnnualFacts, "cea_annual_facts_2024.csv", FACTS_CSV
);

/// The 43 weekdays from 2021-07-16 to 2023-12-31 on which the exchange did not trade.
///
/// # Errors
/// [`HistoryError`] if the embedded file were malformed.
pub fn closures() -> Result<&'static [NaiveDate], HistoryError> {
    static CELL: OnceLock<Result<Vec<NaiveDate>, HistoryError>> = OnceLock::new();
    CELL.get_or_init(|| {
        parse::<ClosureRow>("seee_weekday_closures_2021-2023.csv", CLOSURES_CSV)
            .map(|rows| rows.into_iter().map(|r| r.date).collect())
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// The last trading day with a single allowance subject (the close is the listed VWAP up to
/// and including this day; from 2023-08-28 three vintage subjects trade).
#[must_use]
pub fn last_single_subject_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 8, 25).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_row_parses() {
        assert_eq!(daily().unwrap().len(), 598);
        assert_eq!(by_vintage().unwrap().len(), 766);
        assert_eq!(monthly().unwrap().len(), 30);
        assert_eq!(annual().unwrap().len(), 3);
        assert_eq!(closures().unwrap().len(), 43);
    }

    #[test]
    fn annual_totals_equal_the_sum_of_days() {
        let days = daily().unwrap();
        for year in annual().unwrap() {
            let in_year = days
                .iter()
                .filter(|d| d.date.format("%Y").to_string() == year.year.to_string());
            let (mut vol, mut turnover, mut n) = (Quantity::ZERO, Money::ZERO, 0);
            for d in in_year {
                vol += d.listed_volume_t + d.block_volume_t + d.auction_volume_t;
                turnover += d.listed_turnover_cny + d.block_turnover_cny + d.auction_turnover_cny;
                n += 1;
            }
            assert_eq!(
                (vol, turnover, n),
                (
                    year.total_volume_t,
                    year.total_turnover_cny,
                    year.trading_days
                )
            );
        }
        let y2021 = &annual().unwrap()[0];
        assert_eq!(y2021.total_volume_t, Quantity::new(178_789_350));
        assert_eq!(y2021.total_turnover_cny.to_string(), "7661230022.99");
    }

    #[test]
    fn close_is_the_listed_vwap_on_all_514_single_subject_days() {
        let single: Vec<_> = daily()
            .unwrap()
            .iter()
            .filter(|d| d.date <= last_single_subject_day())
            .collect();
        assert_eq!(single.len(), 514);
        for d in single {
            assert_eq!(
                d.listed_turnover_cny.div_round_half_up(d.listed_volume_t),
                Some(d.close),
                "{}",
                d.date
            );
        }
    }

    #[test]
    fn cumulative_columns_are_consistent() {
        let (mut listed, mut block) = (Quantity::ZERO, Quantity::ZERO);
        for d in daily().unwrap() {
            listed += d.listed_volume_t;
            block += d.block_volume_t;
            assert_eq!(
                (listed, block),
                (d.cum_listed_volume_t, d.cum_block_volume_t),
                "{}",
                d.date
            );
        }
    }
}
