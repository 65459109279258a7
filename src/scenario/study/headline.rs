//! The headline statistics of one run, as named numbers: what `sweep` writes per run and
//! summarises per point, and what `sensitivity` analyses.
//!
//! They are the calibration statistics of [`super::statistic_bands`] (annual volume, deadline-month
//! shares, volatility, maximum drawdown, listed share, close-path error), then the run's total
//! volume, last close and mean close per calendar year, and the compliance rate by volume at each
//! deadline. Keys are lowercase with underscores (`volume_2021_t`, `mean_close_2022`,
//! `compliance_rate_2021-12-31`), usable as CSV column names.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::SeedSummary;
use super::stats::CalibrationReport;

/// The name of the first cycle's offsets among the calibration statistics.
pub const FIRST_CYCLE_OFFSETS: &str = "CCER offsets, first cycle (t)";

/// One named statistic of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    /// Its key (`volatility`, `volume_2021_t`, …).
    pub key: String,
    /// Its value.
    pub value: f64,
}

/// The calibration statistics of `c`: `(name, simulated, published)`, with `NaN` for a
/// statistic without a published value. The names are those of `study.json`.
#[must_use]
pub fn calibration_values(c: &CalibrationReport) -> Vec<(String, f64, f64)> {
    let mut out: Vec<(String, f64, f64)> = c
        .mean_close
        .iter()
        .map(|(y, v)| (format!("mean close {y} (CNY/t)"), v.simulated, v.published))
        .collect();
    out.extend([
        (
            "last close (CNY/t)".into(),
            c.last_close.simulated,
            c.last_close.published,
        ),
        (
            "longest limit-up run (days)".into(),
            c.longest_limit_up_days.simulated,
            c.longest_limit_up_days.published,
        ),
    ]);
    out.extend(
        c.annual_volume
            .iter()
            .map(|(y, v)| (format!("volume {y} (t)"), v.simulated, v.published)),
    );
    out.extend(c.deadline_month_share.iter().map(|(y, v)| {
        (
            format!("deadline-month share {y}"),
            v.simulated,
            v.published,
        )
    }));
    out.extend(
        c.busiest_day_share
            .iter()
            .map(|(y, v)| (format!("busiest-day share {y}"), v.simulated, v.published)),
    );
    out.extend([
        (
            "volatility".into(),
            c.volatility.simulated,
            c.volatility.published,
        ),
        (
            "maximum drawdown".into(),
            c.max_drawdown.simulated,
            c.max_drawdown.published,
        ),
        (
            "listed share".into(),
            c.listed_share.simulated,
            c.listed_share.published,
        ),
        ("close path MAPE".into(), c.close_path.mape, f64::NAN),
    ]);
    if let Some(o) = c.first_cycle_offsets {
        out.push((FIRST_CYCLE_OFFSETS.into(), o.simulated, o.published));
    }
    for (y, later) in &c.later_years {
        out.extend(super::facts::named(*y, later));
    }
    out
}

/// A statistic's name as a key: lowercase ASCII letters and digits, other runs of characters
/// as one underscore (`volume 2021 (t)` → `volume_2021_t`); dashes between digits are kept, so
/// dates read as dates.
#[must_use]
pub fn key(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let digit_dash = c == '-'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_alphanumeric() || digit_dash {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// Every headline statistic of one run, in a fixed order.
#[must_use]
pub fn statistics(run: &SeedSummary) -> Vec<Statistic> {
    let mut out: Vec<Statistic> = run
        .calibration
        .as_ref()
        .map(calibration_values)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value, _)| Statistic {
            key: key(&name),
            value,
        })
        .collect();
    out.push(Statistic {
        key: "volume_t".into(),
        value: run.volume.iter().sum::<u64>() as f64,
    });
    if let Some(last) = run.close.last() {
        out.push(Statistic {
            key: "last_close".into(),
            value: last.to_f64(),
        });
    }
    let mut years: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
    for (date, close) in run.dates.iter().zip(&run.close) {
        let e = years.entry(date.year()).or_insert((0.0, 0.0));
        *e = (e.0 + close.to_f64(), e.1 + 1.0);
    }
    out.extend(years.into_iter().map(|(y, (sum, n))| Statistic {
        key: format!("mean_close_{y}"),
        value: sum / n,
    }));
    for (k, bp) in run.compliance_bp.iter().enumerate() {
        let when = run
            .compliance_dates
            .get(k)
            .map_or_else(|| (k + 1).to_string(), ToString::to_string);
        let when = match run.shared_deadline_cycle(k) {
            Some(c) => format!("{when}_{c}"),
            None => when,
        };
        out.push(Statistic {
            key: format!("compliance_rate_{when}"),
            value: *bp as f64 / 10_000.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Price;

    #[test]
    fn keys_are_column_names_and_keep_dates() {
        assert_eq!(key("volume 2021 (t)"), "volume_2021_t");
        assert_eq!(
            key("deadline-month share 2023"),
            "deadline_month_share_2023"
        );
        assert_eq!(key("close path MAPE"), "close_path_mape");
        assert_eq!(key("rate 2021-12-31"), "rate_2021-12-31");
    }

    #[test]
    fn a_run_without_calibration_still_has_its_own_statistics() {
        let d = |s: &str| s.parse().unwrap_or_default();
        let run = SeedSummary {
            dates: vec![d("2021-12-30"), d("2021-12-31"), d("2022-01-04")],
            close: vec![
                Price::from_fen(4000),
                Price::from_fen(5000),
                Price::from_fen(6000),
            ],
            volume: vec![1, 2, 3],
            calibration: None,
            compliance_bp: vec![9_950],
            compliance_entities_bp: vec![],
            compliance_dates: vec![d("2021-12-31")],
            compliance_cycles: vec!["2019-2020".into()],
        };
        let s = statistics(&run);
        let keys: Vec<&str> = s.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "volume_t",
                "last_close",
                "mean_close_2021",
                "mean_close_2022",
                "compliance_rate_2021-12-31"
            ]
        );
        let values: Vec<f64> = s.iter().map(|s| s.value).collect();
        assert_eq!(values, [6.0, 60.0, 45.0, 60.0, 0.995]);
    }
}
