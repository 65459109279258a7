//! Calibration statistics: how close a simulated daily series is to the published one.
//!
//! Both series are plain [`DayRecord`]s. The statistics are annual volumes, the share of a year's
//! volume traded in its deadline months (Dec 2021; Sep–Dec 2023), the close-path error (RMSE and
//! MAPE over the common dates), the annualised volatility of daily log returns, the maximum
//! drawdown and its relative error, and the listed share of volume. They are computed in `f64`:
//! statistics, not accounting.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::{Money, Price, Quantity};

/// Trading days per year used to annualise volatility (SEEE had 242 in both 2022 and 2023).
pub const TRADING_DAYS_PER_YEAR: f64 = 242.0;

/// One trading day of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRecord {
    /// Trading day.
    pub date: NaiveDate,
    /// Close.
    pub close: Price,
    /// Listed volume.
    pub listed_volume: Quantity,
    /// Block volume.
    pub block_volume: Quantity,
    /// Listed plus block turnover.
    pub turnover: Money,
}

impl DayRecord {
    /// Listed plus block volume, as `f64` units.
    #[must_use]
    pub fn volume(&self) -> f64 {
        self.listed_volume.units() as f64 + self.block_volume.units() as f64
    }
}

/// Why two series cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatsError {
    /// A series has no day.
    #[error("the {which} series is empty")]
    Empty {
        /// `simulated` or `published`.
        which: &'static str,
    },
    /// The series cover different days.
    #[error("the series differ on day {index}: simulated {simulated:?}, published {published:?}")]
    DateMismatch {
        /// Index of the first differing day.
        index: usize,
        /// The simulated series' date there, if any.
        simulated: Option<NaiveDate>,
        /// The published series' date there, if any.
        published: Option<NaiveDate>,
    },
}

/// Error of the simulated close path against the published one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PathError {
    /// Root mean squared error, in yuan.
    pub rmse: f64,
    /// Mean absolute percentage error, as a fraction (0.05 = 5 %).
    pub mape: f64,
}

/// A statistic of both series and the relative error `(simulated − published) / published`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Compared {
    /// The simulated value.
    pub simulated: f64,
    /// The published value.
    pub published: f64,
    /// Relative error (`None` when the published value is zero).
    pub relative_error: Option<f64>,
}

impl Compared {
    /// Pairs two values.
    #[must_use]
    pub fn new(simulated: f64, published: f64) -> Self {
        let relative_error = (published != 0.0).then(|| (simulated - published) / published);
        Compared {
            simulated,
            published,
            relative_error,
        }
    }
}

/// Deadline months whose share of their year's volume is reported: Dec 2021 and Sep–Dec 2023.
pub const DEADLINE_MONTHS: [(i32, &[u32]); 2] = [(2021, &[12]), (2023, &[9, 10, 11, 12])];

/// The full comparison of a simulated series with the published one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// Trading days compared.
    pub days: usize,
    /// Volume (listed plus block) per calendar year.
    pub annual_volume: BTreeMap<i32, Compared>,
    /// Share of each deadline year's volume traded in its deadline months, keyed by year.
    pub deadline_month_share: BTreeMap<i32, Compared>,
    /// The busiest day's share of each deadline year's deadline-month volume, keyed by year.
    #[serde(default)]
    pub busiest_day_share: BTreeMap<i32, Compared>,
    /// Close-path error.
    pub close_path: PathError,
    /// Annualised volatility of daily log returns of the close.
    pub volatility: Compared,
    /// Maximum drawdown of the close, as a fraction of the peak.
    pub max_drawdown: Compared,
    /// Listed share of total volume.
    pub listed_share: Compared,
    /// Mean close per calendar year, CNY/t.
    #[serde(default)]
    pub mean_close: BTreeMap<i32, Compared>,
    /// The close on the last day compared, CNY/t.
    #[serde(default)]
    pub last_close: Compared,
    /// The longest run of days closing at the +10 % limit of the previous close.
    #[serde(default)]
    pub longest_limit_up_days: Compared,
    /// The years after the daily series that the run covers in full, against their published
    /// figures ([`super::facts`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub later_years: BTreeMap<i32, super::facts::YearCompared>,
    /// CCERs surrendered as offsets in the first cycle, t, against the published 32.73 Mt: for
    /// a run with the CCER market that covers the first cycle's final deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_cycle_offsets: Option<Compared>,
}

/// Volume (listed plus block) per calendar year, in units.
#[must_use]
pub fn annual_volumes(series: &[DayRecord]) -> BTreeMap<i32, f64> {
    let mut out = BTreeMap::new();
    for day in series {
        *out.entry(day.date.year()).or_insert(0.0) += day.volume();
    }
    out
}

/// Share of `year`'s volume traded in `months` (1–12); `None` when the year has no volume.
#[must_use]
pub fn month_share(series: &[DayRecord], year: i32, months: &[u32]) -> Option<f64> {
    let in_year = series.iter().filter(|d| d.date.year() == year);
    let total: f64 = in_year.clone().map(DayRecord::volume).sum();
    let part: f64 = in_year
        .filter(|d| months.contains(&d.date.month()))
        .map(DayRecord::volume)
        .sum();
    (total > 0.0).then(|| part / total)
}

/// The busiest day's share of the volume of `year`'s `months`; `None` without volume in them.
/// The deadline months' share says when in the year the buying fell; this says whether it
/// was spread over their days or done in one.
#[must_use]
pub fn busiest_day_share(series: &[DayRecord], year: i32, months: &[u32]) -> Option<f64> {
    let days = series
        .iter()
        .filter(|d| d.date.year() == year && months.contains(&d.date.month()));
    let total: f64 = days.clone().map(DayRecord::volume).sum();
    let busiest = days.map(DayRecord::volume).fold(0.0, f64::max);
    (total > 0.0).then(|| busiest / total)
}

/// Listed share of total volume; `None` without volume.
#[must_use]
pub fn listed_share(series: &[DayRecord]) -> Option<f64> {
    let listed: f64 = series.iter().map(|d| d.listed_volume.units() as f64).sum();
    let total: f64 = series.iter().map(DayRecord::volume).sum();
    (total > 0.0).then(|| listed / total)
}

/// Annualised volatility: sample standard deviation (divisor `n − 1`) of daily log returns of the
/// close, times `sqrt(TRADING_DAYS_PER_YEAR)`. Days with a zero close are skipped; `None` with
/// fewer than two returns.
#[must_use]
pub fn annualised_volatility(series: &[DayRecord]) -> Option<f64> {
    let returns: Vec<f64> = series
        .windows(2)
        .filter(|w| w[0].close.fen() > 0 && w[1].close.fen() > 0)
        .map(|w| (w[1].close.to_f64() / w[0].close.to_f64()).ln())
        .collect();
    if returns.len() < 2 {
        return None;
    }
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some(var.sqrt() * TRADING_DAYS_PER_YEAR.sqrt())
}

/// Maximum drawdown of the close: the largest `(peak − trough) / peak` over a trough after its
/// peak, as a fraction (0 for a series that never falls).
#[must_use]
pub fn max_drawdown(series: &[DayRecord]) -> f64 {
    deepest_drawdown(series).map_or(0.0, |d| d.fraction)
}

/// The deepest fall of a close from an earlier peak: its size and where it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawdown {
    /// `(peak − trough) / peak`, as a fraction.
    pub fraction: f64,
    /// The index of the peak's day in the series.
    pub peak: usize,
    /// The index of the trough's day.
    pub trough: usize,
}

/// The deepest drawdown of the close ([`max_drawdown`] is its size); `None` for a series that
/// never falls.
#[must_use]
pub fn deepest_drawdown(series: &[DayRecord]) -> Option<Drawdown> {
    let (mut peak, mut peak_at) = (0.0_f64, 0);
    let mut worst: Option<Drawdown> = None;
    for (i, day) in series.iter().enumerate() {
        let close = day.close.to_f64();
        if close > peak {
            (peak, peak_at) = (close, i);
        }
        let fraction = if peak > 0.0 {
            (peak - close) / peak
        } else {
            0.0
        };
        if fraction > worst.map_or(0.0, |w| w.fraction) {
            worst = Some(Drawdown {
                fraction,
                peak: peak_at,
                trough: i,
            });
        }
    }
    worst
}

fn check_dates(simulated: &[DayRecord], published: &[DayRecord]) -> Result<(), StatsError> {
    if simulated.is_empty() {
        return Err(StatsError::Empty { which: "simulated" });
    }
    if published.is_empty() {
        return Err(StatsError::Empty { which: "published" });
    }
    let n = simulated.len().max(published.len());
    for index in 0..n {
        let (s, p) = (simulated.get(index), published.get(index));
        if s.map(|d| d.date) != p.map(|d| d.date) {
            return Err(StatsError::DateMismatch {
                index,
                simulated: s.map(|d| d.date),
                published: p.map(|d| d.date),
            });
        }
    }
    Ok(())
}

/// Close-path error over two series of the same dates. MAPE skips days with a zero published
/// close.
///
/// # Errors
/// [`StatsError`] when a series is empty or the dates differ.
pub fn close_path_error(
    simulated: &[DayRecord],
    published: &[DayRecord],
) -> Result<PathError, StatsError> {
    check_dates(simulated, published)?;
    let n = simulated.len() as f64;
    let mut squared = 0.0;
    let (mut pct, mut pct_days) = (0.0, 0.0);
    for (s, p) in simulated.iter().zip(published) {
        let (s, p) = (s.close.to_f64(), p.close.to_f64());
        squared += (s - p).powi(2);
        if p > 0.0 {
            pct += ((s - p) / p).abs();
            pct_days += 1.0;
        }
    }
    Ok(PathError {
        rmse: (squared / n).sqrt(),
        mape: if pct_days > 0.0 { pct / pct_days } else { 0.0 },
    })
}

/// Mean close per calendar year, CNY/t.
#[must_use]
pub fn mean_closes(series: &[DayRecord]) -> BTreeMap<i32, f64> {
    let mut sums: BTreeMap<i32, (f64, u32)> = BTreeMap::new();
    for day in series {
        let e = sums.entry(day.date.year()).or_insert((0.0, 0));
        e.0 += day.close.to_f64();
        e.1 += 1;
    }
    sums.into_iter()
        .map(|(y, (s, n))| (y, s / f64::from(n.max(1))))
        .collect()
}

/// The longest run of days whose close is at the +10 % limit of the previous close (the limit
/// rounded half-up to the fen, as the exchange rounds it).
#[must_use]
pub fn longest_limit_up(series: &[DayRecord]) -> u32 {
    let (mut run, mut best) = (0, 0);
    for w in series.windows(2) {
        let limit = w[0].close.scale_bp_round_half_up(11_000);
        if limit.is_some_and(|l| w[1].close >= l && w[1].close > w[0].close) {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Compares a simulated series with the published one over the same dates.
///
/// # Errors
/// [`StatsError`] when a series is empty or the dates differ.
pub fn compare(
    simulated: &[DayRecord],
    published: &[DayRecord],
) -> Result<CalibrationReport, StatsError> {
    let close_path = close_path_error(simulated, published)?;
    let (sim_years, pub_years) = (annual_volumes(simulated), annual_volumes(published));
    let annual_volume = pub_years
        .iter()
        .map(|(&y, &p)| {
            (
                y,
                Compared::new(sim_years.get(&y).copied().unwrap_or(0.0), p),
            )
        })
        .collect();
    // A statistic of each deadline year's deadline months, for the years the published series
    // has it.
    let per_deadline_year = |f: fn(&[DayRecord], i32, &[u32]) -> Option<f64>| {
        DEADLINE_MONTHS
            .iter()
            .filter_map(|&(year, months)| {
                let p = f(published, year, months)?;
                let sim = f(simulated, year, months).unwrap_or(0.0);
                Some((year, Compared::new(sim, p)))
            })
            .collect()
    };
    let deadline_month_share = per_deadline_year(month_share);
    let busiest_day_share = per_deadline_year(busiest_day_share);
    let both = |f: fn(&[DayRecord]) -> Option<f64>| {
        Compared::new(f(simulated).unwrap_or(0.0), f(published).unwrap_or(0.0))
    };
    let (sim_means, pub_means) = (mean_closes(simulated), mean_closes(published));
    let mean_close = pub_means
        .iter()
        .map(|(&y, &p)| {
            (
                y,
                Compared::new(sim_means.get(&y).copied().unwrap_or(0.0), p),
            )
        })
        .collect();
    let last = |s: &[DayRecord]| s.last().map_or(0.0, |d| d.close.to_f64());
    let streak = |s: &[DayRecord]| f64::from(longest_limit_up(s));
    Ok(CalibrationReport {
        mean_close,
        last_close: Compared::new(last(simulated), last(published)),
        longest_limit_up_days: Compared::new(streak(simulated), streak(published)),
        days: simulated.len(),
        annual_volume,
        deadline_month_share,
        busiest_day_share,
        close_path,
        volatility: both(annualised_volatility),
        max_drawdown: Compared::new(max_drawdown(simulated), max_drawdown(published)),
        listed_share: both(listed_share),
        later_years: BTreeMap::new(),
        first_cycle_offsets: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32, close_fen: i64, listed: u64, block: u64) -> DayRecord {
        let close = Price::from_fen(close_fen);
        DayRecord {
            date: NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default(),
            close,
            listed_volume: Quantity::new(listed),
            block_volume: Quantity::new(block),
            turnover: close * Quantity::new(listed + block),
        }
    }

    fn published() -> Vec<DayRecord> {
        vec![
            day(2021, 11, 30, 4000, 100, 0),
            day(2021, 12, 1, 5000, 100, 200),
            day(2021, 12, 2, 4000, 0, 600),
            day(2022, 1, 3, 4500, 50, 50),
        ]
    }

    #[test]
    fn annual_volumes_and_deadline_share_by_hand() {
        let p = published();
        let years = annual_volumes(&p);
        assert_eq!(years.get(&2021), Some(&1000.0));
        assert_eq!(years.get(&2022), Some(&100.0));
        assert_eq!(month_share(&p, 2021, &[12]), Some(0.9));
        assert_eq!(month_share(&p, 2023, &[12]), None);
        assert_eq!(listed_share(&p), Some(250.0 / 1100.0));
        // December 2021: 300 t and 600 t, so its busiest day is two thirds of it.
        assert_eq!(busiest_day_share(&p, 2021, &[12]), Some(600.0 / 900.0));
        assert_eq!(busiest_day_share(&p, 2021, &[11, 12]), Some(0.6));
        assert_eq!(busiest_day_share(&p, 2023, &[12]), None);
    }

    #[test]
    fn drawdown_and_volatility_by_hand() {
        let p = published();
        // Peak 50 then 40: 20 %.
        assert!((max_drawdown(&p) - 0.2).abs() < 1e-12);
        // Log returns ln(5/4), ln(4/5), ln(4.5/4).
        let r = [(1.25_f64).ln(), (0.8_f64).ln(), (1.125_f64).ln()];
        let mean = r.iter().sum::<f64>() / 3.0;
        let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0;
        let expected = var.sqrt() * 242.0_f64.sqrt();
        let got = annualised_volatility(&p).unwrap_or_default();
        assert!((got - expected).abs() < 1e-12, "{got} {expected}");
        assert_eq!(annualised_volatility(&p[..2]), None);
        assert!(
            max_drawdown(&[day(2021, 1, 4, 100, 1, 0), day(2021, 1, 5, 200, 1, 0)]).abs() < 1e-12
        );
    }

    #[test]
    fn the_deepest_drawdown_names_its_peak_and_trough() {
        // Closes 40, 50, 40, 45: from the second day's peak to the third day's trough.
        let d = deepest_drawdown(&published()).unwrap();
        assert_eq!((d.peak, d.trough), (1, 2));
        assert!((d.fraction - 0.2).abs() < 1e-12);
        let rising = [day(2021, 1, 4, 100, 1, 0), day(2021, 1, 5, 200, 1, 0)];
        assert_eq!(deepest_drawdown(&rising), None);
    }

    #[test]
    fn path_error_by_hand() {
        let p = published();
        let mut s = p.clone();
        s[0].close = Price::from_fen(4400); // +4 yuan, +10 %
        s[3].close = Price::from_fen(4500);
        let e = close_path_error(&s, &p).unwrap_or(PathError {
            rmse: -1.0,
            mape: -1.0,
        });
        assert!((e.rmse - (16.0_f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((e.mape - 0.1 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn compare_reports_relative_errors() {
        let p = published();
        let mut s = p.clone();
        s[2].close = Price::from_fen(4500); // drawdown 10 % instead of 20 %
        s[2].block_volume = Quantity::new(100); // 2021 volume 500 instead of 1000
        let r = compare(&s, &p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.days, 4);
        let dd = r.max_drawdown;
        assert!((dd.simulated - 0.1).abs() < 1e-12);
        assert!((dd.relative_error.unwrap_or_default() + 0.5).abs() < 1e-12);
        assert_eq!(
            r.annual_volume.get(&2021).and_then(|c| c.relative_error),
            Some(-0.5)
        );
        let share = r
            .deadline_month_share
            .get(&2021)
            .map(|c| (c.simulated, c.published));
        assert_eq!(share, Some((0.8, 0.9)));
        assert!(!r.deadline_month_share.contains_key(&2023));
        // Simulated December: 300 t and 100 t.
        let busiest = r
            .busiest_day_share
            .get(&2021)
            .map(|c| (c.simulated, c.published));
        assert_eq!(busiest, Some((0.75, 600.0 / 900.0)));
    }

    #[test]
    fn mismatched_or_empty_series_are_errors() {
        let p = published();
        assert_eq!(
            compare(&[], &p).err(),
            Some(StatsError::Empty { which: "simulated" })
        );
        let err = compare(&p[..3], &p).err();
        assert_eq!(
            err,
            Some(StatsError::DateMismatch {
                index: 3,
                simulated: None,
                published: Some(p[3].date),
            })
        );
        assert!(err.is_some_and(|e| e.to_string().contains("2022-01-03")));
    }
}
