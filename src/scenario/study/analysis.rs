//! Sensitivity analysis of a scenario: Morris and Sobol designs over `--params PATH=lo:hi`
//! ranges run as one sweep (every point over the same seeds), and the indices of every headline
//! statistic from the points' mean values.
//!
//! The design's unit points come from a `ChaCha8` stream ([`SENSITIVITY_STREAM`]) of the
//! scenario's seed: Morris trajectories first, then Saltelli blocks. Each is scaled into the
//! ranges as [`Design::from_unit`] does; an integer field is rounded, so its elementary effects
//! are measured over the rounded steps.

use std::fmt::Write as _;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::design::{Design, Range};
use super::sensitivity::{self, MorrisIndex, SENSITIVITY_STREAM, SensitivityError, SobolIndex};
use super::sweep::{self, MAX_SWEEP_RUNS, SweepError, SweepOutput, SweepPlan};
use crate::report::{BarChart, ReportError};
use crate::scenario::config::ScenarioConfig;

/// Which indices to estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Methods {
    /// Morris trajectories (`None`: no Morris).
    pub morris: Option<(usize, usize)>,
    /// Saltelli samples (`None`: no Sobol).
    pub sobol: Option<usize>,
}

/// A checked sensitivity analysis: the sweep that runs its design, and how to read it back.
#[derive(Debug, Clone)]
pub struct Analysis {
    ranges: Vec<Range>,
    unit: Vec<Vec<f64>>,
    morris_points: usize,
    methods: Methods,
    plan: SweepPlan,
}

/// The indices of one statistic for one parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexRow {
    /// The statistic's key.
    pub statistic: String,
    /// The parameter's path.
    pub parameter: String,
    /// Morris statistics, when run.
    pub morris: Option<MorrisIndex>,
    /// Sobol indices, when run.
    pub sobol: Option<SobolIndex>,
}

impl Analysis {
    /// Draws the designs and checks every point against `base` (see [`SweepPlan::new`]).
    ///
    /// # Errors
    /// [`SweepError`] for a bad design, a point that does not fit the scenario, or too many
    /// runs.
    pub fn new(
        base: &ScenarioConfig,
        ranges: Vec<Range>,
        methods: Methods,
        seeds: u32,
    ) -> Result<Self, SweepError> {
        let d = ranges.len();
        check_size(methods, d, seeds)?;
        let mut rng = ChaCha8Rng::seed_from_u64(base.seed);
        rng.set_stream(SENSITIVITY_STREAM);
        let mut unit = Vec::new();
        if let Some((trajectories, levels)) = methods.morris {
            unit.extend(sensitivity::morris_design(
                d,
                trajectories,
                levels,
                &mut rng,
            )?);
        }
        let morris_points = unit.len();
        if let Some(samples) = methods.sobol {
            unit.extend(sensitivity::saltelli_design(d, samples, &mut rng)?);
        }
        let design = Design::from_unit(base, &ranges, &unit)?;
        let plan = SweepPlan::new(base, design, seeds)?;
        Ok(Analysis {
            ranges,
            unit,
            morris_points,
            methods,
            plan,
        })
    }

    /// The sweep that runs the design.
    #[must_use]
    pub fn plan(&self) -> &SweepPlan {
        &self.plan
    }

    /// The indices of every statistic that every point has, statistic by statistic.
    ///
    /// # Errors
    /// [`SweepError::Sensitivity`] when the sweep does not hold this analysis' points.
    pub fn indices(&self, sweep: &SweepOutput) -> Result<Vec<IndexRow>, SweepError> {
        let means = sweep::point_means(sweep);
        let d = self.ranges.len();
        let keys: Vec<String> = means
            .first()
            .map(|m| {
                m.keys()
                    .filter(|k| means.iter().all(|p| p.contains_key(*k)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut rows = Vec::new();
        for key in keys {
            let values: Vec<f64> = means
                .iter()
                .map(|m| m.get(&key).copied().unwrap_or(f64::NAN))
                .collect();
            if values.len() != self.unit.len() {
                return Err(SensitivityError::Length {
                    values: values.len(),
                    points: self.unit.len(),
                }
                .into());
            }
            let (m_vals, s_vals) = values.split_at(self.morris_points);
            let morris = match self.methods.morris {
                Some(_) => Some(sensitivity::morris_indices(
                    &self.unit[..self.morris_points],
                    m_vals,
                    d,
                )?),
                None => None,
            };
            let sobol = match self.methods.sobol {
                Some(_) => Some(sensitivity::sobol_indices(s_vals, d)?),
                None => None,
            };
            for (i, r) in self.ranges.iter().enumerate() {
                rows.push(IndexRow {
                    statistic: key.clone(),
                    parameter: r.path().to_owned(),
                    morris: morris.as_ref().map(|m| m[i]),
                    sobol: sobol.as_ref().map(|s| s[i]),
                });
            }
        }
        Ok(rows)
    }
}

/// Refuses a design whose runs would pass [`MAX_SWEEP_RUNS`] before any point is drawn.
fn check_size(methods: Methods, d: usize, seeds: u32) -> Result<(), SweepError> {
    let morris = methods
        .morris
        .map_or(0, |(r, _)| r as u128 * (d as u128 + 1));
    let sobol = methods.sobol.map_or(0, |n| n as u128 * (d as u128 + 2));
    let points = morris + sobol;
    if points * u128::from(seeds) > MAX_SWEEP_RUNS as u128 {
        return Err(SweepError::TooManyRuns {
            points: usize::try_from(points).unwrap_or(usize::MAX),
            seeds,
            runs: points * u128::from(seeds),
            limit: MAX_SWEEP_RUNS,
        });
    }
    Ok(())
}

fn number(v: Option<f64>) -> String {
    // `+ 0.0` writes a negative zero as `0`.
    v.filter(|v| v.is_finite())
        .map(|v| format!("{}", v + 0.0))
        .unwrap_or_default()
}

/// `indices.csv`: one row per statistic and parameter, with the Morris `μ`, `μ*`, `σ` and the
/// Sobol first- and total-order indices (empty for a method not run, or a statistic that does
/// not vary).
#[must_use]
pub fn indices_csv(rows: &[IndexRow]) -> String {
    let mut out = String::from(
        "statistic,parameter,morris_mu,morris_mu_star,morris_sigma,sobol_first,sobol_total\n",
    );
    for r in rows {
        let m = r.morris;
        let s = r.sobol;
        let fields = [
            number(m.map(|m| m.mu)),
            number(m.map(|m| m.mu_star)),
            number(m.map(|m| m.sigma)),
            number(s.map(|s| s.first)),
            number(s.map(|s| s.total)),
        ];
        let _ = writeln!(out, "{},{},{}", r.statistic, r.parameter, fields.join(","));
    }
    out
}

/// A bar chart of one statistic's indices per parameter: Sobol first- and total-order when
/// run, otherwise Morris `μ*` relative to the largest.
///
/// # Errors
/// [`ReportError::Chart`] when no row is of `statistic`.
pub fn chart(
    rows: &[IndexRow],
    statistic: &str,
    footnote: String,
) -> Result<BarChart, ReportError> {
    let of: Vec<&IndexRow> = rows.iter().filter(|r| r.statistic == statistic).collect();
    let no_data = || ReportError::Chart {
        chart: format!("indices of {statistic}"),
        message: "no index of this statistic (it may not vary over the design)".into(),
    };
    let first = of.first().ok_or_else(no_data)?;
    // The axis starts at zero; an estimate a little below zero is drawn as zero (indices.csv
    // keeps it).
    let clip = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let series = if first.sobol.is_some() {
        vec![
            (
                "first-order S".to_owned(),
                of.iter()
                    .map(|r| clip(r.sobol.map_or(0.0, |s| s.first)))
                    .collect(),
            ),
            (
                "total-order ST".to_owned(),
                of.iter()
                    .map(|r| clip(r.sobol.map_or(0.0, |s| s.total)))
                    .collect(),
            ),
        ]
    } else {
        let max = of
            .iter()
            .filter_map(|r| r.morris.map(|m| m.mu_star))
            .fold(0.0, f64::max);
        let scale = if max > 0.0 { max } else { 1.0 };
        vec![(
            "Morris μ* / largest μ*".to_owned(),
            of.iter()
                .map(|r| clip(r.morris.map_or(0.0, |m| m.mu_star) / scale))
                .collect(),
        )]
    };
    Ok(BarChart {
        title: format!("Sensitivity of {statistic} to each parameter"),
        y_label: if first.sobol.is_some() {
            "Sobol index (share of variance)".into()
        } else {
            "relative elementary effect".into()
        },
        footnote,
        categories: of.iter().map(|r| r.parameter.clone()).collect(),
        series,
    })
}
