//! The years after the published daily series: a run's composite quote against a year's
//! published figures ([`crate::history::annual_facts`]: 2024's volume, turnover, year-end and
//! peak close, and the volume before the fourth quarter).
//!
//! A year is compared only when the run covers all of it (a day in its first and in its last
//! ten days), so a run that stops mid-year is not measured against a full year.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::stats::{Compared, DayRecord};
use crate::history::AnnualFacts;

/// One year's simulated figures beside the published ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct YearCompared {
    /// Volume (listed plus block), t.
    pub volume: Compared,
    /// Turnover, CNY.
    pub turnover: Compared,
    /// The year's last close, CNY/t.
    pub year_end_close: Compared,
    /// The year's highest close, CNY/t.
    pub peak_close: Compared,
    /// Share of the year's volume traded from 1 October on.
    pub q4_share: Compared,
}

/// `series` (a run's composite days, in date order) against `facts`, or `None` when the run
/// does not cover the whole year.
#[must_use]
pub fn compare_year(series: &[DayRecord], facts: &AnnualFacts) -> Option<YearCompared> {
    let y = facts.year;
    let days: Vec<&DayRecord> = series.iter().filter(|d| d.date.year() == y).collect();
    if !covers_year(days.first()?.date, days.last()?.date, y) {
        return None;
    }
    let volume: f64 = days.iter().map(|d| d.volume()).sum();
    let turnover: f64 = days.iter().map(|d| d.turnover.to_f64()).sum();
    let q4_from = NaiveDate::from_ymd_opt(y, 10, 1)?;
    let q4: f64 = days
        .iter()
        .filter(|d| d.date >= q4_from)
        .map(|d| d.volume())
        .sum();
    let peak = days.iter().map(|d| d.close).max()?;
    let published_volume = facts.total_volume_t.units() as f64;
    let published_q4 = 1.0 - facts.volume_to_sep30_t.units() as f64 / published_volume;
    Some(YearCompared {
        volume: Compared::new(volume, published_volume),
        turnover: Compared::new(turnover, facts.total_turnover_cny.to_f64()),
        year_end_close: Compared::new(last_close(&days), facts.year_end_close.to_f64()),
        peak_close: Compared::new(peak.to_f64(), facts.peak_close.to_f64()),
        q4_share: Compared::new(if volume > 0.0 { q4 / volume } else { 0.0 }, published_q4),
    })
}

/// Whether trading days from `first` to `last` cover all of year `y`: one in its first ten
/// and one in its last ten days.
#[must_use]
pub fn covers_year(first: NaiveDate, last: NaiveDate, y: i32) -> bool {
    NaiveDate::from_ymd_opt(y, 1, 10).is_some_and(|d| first <= d)
        && NaiveDate::from_ymd_opt(y, 12, 21).is_some_and(|d| last >= d)
}

fn last_close(days: &[&DayRecord]) -> f64 {
    days.last().map_or(0.0, |d| d.close.to_f64())
}

/// The statistics of `c` for year `y` as `(name, simulated, published)`, named as the
/// calibration statistics are.
#[must_use]
pub fn named(y: i32, c: &YearCompared) -> Vec<(String, f64, f64)> {
    let pair = |name: String, v: Compared| (name, v.simulated, v.published);
    vec![
        pair(format!("volume {y} (t)"), c.volume),
        pair(format!("turnover {y} (CNY)"), c.turnover),
        pair(format!("year-end close {y} (CNY/t)"), c.year_end_close),
        pair(format!("peak close {y} (CNY/t)"), c.peak_close),
        pair(format!("Q4 share {y}"), c.q4_share),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{Money, Price, Quantity};

    fn day(m: u32, d: u32, close_fen: i64, volume: u64) -> DayRecord {
        let close = Price::from_fen(close_fen);
        DayRecord {
            date: NaiveDate::from_ymd_opt(2024, m, d).unwrap_or_default(),
            close,
            listed_volume: Quantity::new(volume),
            block_volume: Quantity::ZERO,
            turnover: close * Quantity::new(volume),
        }
    }

    fn facts() -> AnnualFacts {
        AnnualFacts {
            year: 2024,
            total_volume_t: Quantity::new(400),
            total_turnover_cny: Money::from_cny(40_000),
            year_end_close: Price::from_fen(10_000),
            peak_close: Price::from_fen(11_000),
            peak_date: NaiveDate::from_ymd_opt(2024, 11, 13).unwrap_or_default(),
            volume_to_sep30_t: Quantity::new(100),
            source: "test".into(),
        }
    }

    #[test]
    fn a_whole_year_is_compared_by_hand() {
        let series = [
            day(1, 2, 9_000, 100),
            day(10, 8, 12_000, 200),
            day(12, 31, 10_000, 100),
        ];
        let c = compare_year(&series, &facts()).unwrap_or_else(|| panic!("covered"));
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(near(c.volume.simulated, 400.0));
        assert!(near(c.turnover.simulated, 9_000.0 + 24_000.0 + 10_000.0));
        assert!(near(c.year_end_close.simulated, 100.0));
        assert!(near(c.peak_close.simulated, 120.0));
        assert!(near(c.q4_share.simulated, 0.75));
        assert!(near(c.q4_share.published, 0.75));
        assert_eq!(named(2024, &c)[4].0, "Q4 share 2024");
    }

    #[test]
    fn a_year_not_covered_in_full_is_not_compared() {
        let late_start = [day(3, 1, 9_000, 100), day(12, 31, 10_000, 100)];
        assert!(compare_year(&late_start, &facts()).is_none());
        let early_end = [day(1, 2, 9_000, 100), day(11, 29, 10_000, 100)];
        assert!(compare_year(&early_end, &facts()).is_none());
    }
}
