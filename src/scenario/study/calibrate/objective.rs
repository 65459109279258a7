//! The calibration objective: a weighted distance between simulated statistics and their
//! published values.
//!
//! The targets are the calibration statistics that have a published, non-zero value (mean close
//! per year, last close, the longest limit-up run, annual volumes, deadline-month shares, the
//! busiest day's share of the deadline months, volatility, maximum drawdown, listed share; see
//! [`super::super::headline::calibration_values`]), each weighted 1 unless told otherwise. A
//! published value of zero is left out: its relative error is undefined. For a parameter point
//! θ run over the seeds `s = 1..K`,
//!
//! ```text
//!            Σ_j w_j · ((m_j(θ) − t_j) / t_j)²                  1   K
//!   D(θ) =  ───────────────────────────────────,   m_j(θ) = ─── Σ  x_j(θ, s)
//!                        Σ_j w_j                               K  s=1
//! ```
//!
//! where `x_j(θ, s)` is statistic `j` of the run with seed `s` and `t_j` its published value.
//! Each term is a relative error, so `D` has no unit; `√D` is a weighted root-mean-square
//! relative error. The mean over seeds (rather than the median) keeps `D` a smooth function of
//! the runs; every evaluation runs the same seeds (common random numbers), so two points differ
//! by their parameters, not by their luck.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::super::headline::{calibration_values, key};
use super::super::stats::CalibrationReport;
use super::CalibrateError;

/// One published statistic the calibration aims at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Its key, as a column of `sweep`'s `runs.csv` (`mean_close_2022`).
    pub key: String,
    /// Its name with unit (`mean close 2022 (CNY/t)`).
    pub name: String,
    /// The published value.
    pub published: f64,
    /// Its weight `w_j`.
    pub weight: f64,
}

impl Target {
    /// The unit named in the statistic's name (`CNY/t`, `t`, `days`), or `fraction`.
    #[must_use]
    pub fn unit(&self) -> &str {
        self.name
            .rsplit_once('(')
            .and_then(|(_, u)| u.strip_suffix(')'))
            .unwrap_or("fraction")
    }
}

/// `--weight KEY=W`: the weight of one target (0 leaves it out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weight {
    /// The target's key.
    pub key: String,
    /// Its weight, finite and not negative.
    pub weight: f64,
}

impl FromStr for Weight {
    type Err = CalibrateError;

    fn from_str(text: &str) -> Result<Self, CalibrateError> {
        let bad = |reason: &str| CalibrateError::BadWeight {
            text: text.into(),
            reason: reason.into(),
        };
        let (k, w) = text.split_once('=').ok_or_else(|| bad("expected KEY=W"))?;
        let weight: f64 = w
            .trim()
            .parse()
            .map_err(|_| bad(&format!("{:?} is not a number", w.trim())))?;
        if !weight.is_finite() || weight < 0.0 {
            return Err(bad("a weight is a finite number, 0 or more"));
        }
        Ok(Weight {
            key: k.trim().to_owned(),
            weight,
        })
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.weight)
    }
}

/// The targets of a run's calibration report, weighted by `weights` (1 for a target not named).
///
/// # Errors
/// [`CalibrateError::UnknownTarget`] for a weight of no target, [`CalibrateError::NoTargets`]
/// when every weight is zero.
pub fn targets(
    report: &CalibrationReport,
    weights: &[Weight],
) -> Result<Vec<Target>, CalibrateError> {
    let all: Vec<Target> = calibration_values(report)
        .into_iter()
        .filter(|(_, _, p)| p.is_finite() && *p != 0.0)
        .map(|(name, _, published)| Target {
            key: key(&name),
            name,
            published,
            weight: 1.0,
        })
        .collect();
    for w in weights {
        if !all.iter().any(|t| t.key == w.key) {
            return Err(CalibrateError::UnknownTarget {
                key: w.key.clone(),
                known: all.iter().map(|t| t.key.clone()).collect(),
            });
        }
    }
    let out: Vec<Target> = all
        .into_iter()
        .map(|mut t| {
            if let Some(w) = weights.iter().rev().find(|w| w.key == t.key) {
                t.weight = w.weight;
            }
            t
        })
        .filter(|t| t.weight > 0.0)
        .collect();
    if out.is_empty() {
        return Err(CalibrateError::NoTargets);
    }
    Ok(out)
}

/// The value of each target in one run's report, in the targets' order.
///
/// # Errors
/// [`CalibrateError::MissingStatistic`] when the run does not report a target.
pub fn run_values(
    report: Option<&CalibrationReport>,
    targets: &[Target],
    seed: u64,
) -> Result<Vec<f64>, CalibrateError> {
    let values: Vec<(String, f64)> = report
        .map(calibration_values)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, v, _)| (key(&name), v))
        .collect();
    targets
        .iter()
        .map(|t| {
            values
                .iter()
                .find(|(k, v)| *k == t.key && v.is_finite())
                .map(|(_, v)| *v)
                .ok_or_else(|| CalibrateError::MissingStatistic {
                    key: t.key.clone(),
                    seed,
                })
        })
        .collect()
}

/// The mean of each statistic over the seeds' values (`per_seed[s][j]`).
#[must_use]
pub fn means(per_seed: &[Vec<f64>], targets: usize) -> Vec<f64> {
    let k = per_seed.len().max(1) as f64;
    (0..targets)
        .map(|j| per_seed.iter().map(|v| v[j]).sum::<f64>() / k)
        .collect()
}

/// `D(θ)`: the weighted mean of the squared relative errors of `simulated` against the targets.
#[must_use]
pub fn distance(targets: &[Target], simulated: &[f64]) -> f64 {
    let total: f64 = targets.iter().map(|t| t.weight).sum();
    let sum: f64 = targets
        .iter()
        .zip(simulated)
        .map(|(t, m)| t.weight * ((m - t.published) / t.published).powi(2))
        .sum();
    sum / total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(key: &str, published: f64, weight: f64) -> Target {
        Target {
            key: key.into(),
            name: format!("{key} (t)"),
            published,
            weight,
        }
    }

    #[test]
    fn distance_is_the_weighted_mean_squared_relative_error() {
        let t = [target("a", 100.0, 1.0), target("b", 2.0, 3.0)];
        // a: +10 % → 0.01; b: −50 % → 0.25; (0.01 + 3 · 0.25) / 4.
        let d = distance(&t, &[110.0, 1.0]);
        assert!((d - 0.19).abs() < 1e-12, "{d}");
        assert!(distance(&t, &[100.0, 2.0]).abs() < 1e-15);
        assert_eq!(t[0].unit(), "t");
    }

    #[test]
    fn weights_parse_and_refuse_bad_text() {
        let w: Weight = "volatility=2.5".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((w.key.as_str(), w.weight), ("volatility", 2.5));
        for bad in [
            "volatility",
            "volatility=x",
            "volatility=-1",
            "volatility=inf",
        ] {
            let err = bad.parse::<Weight>().unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
