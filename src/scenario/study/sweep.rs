//! Parameter sweeps: every point of a [`Design`] run over the same seeds (common random numbers),
//! in parallel, optionally one deterministic shard at a time.
//!
//! # The run list
//! A sweep of `P` points and `K` seeds runs `P · K` scenarios, ordered point-major: run
//! `t = p · K + k` is point `p` under seed `first + k`, where `first` is the scenario's seed. A
//! shard `i/n` runs the contiguous slice `[i·PK/n, (i+1)·PK/n)` of that list, exactly as a Monte
//! Carlo shard slices its seeds.
//!
//! # Determinism
//! Runs execute on the current rayon pool and are collected in run-list order, so the outputs are
//! byte-identical for any thread count, and [`merge`] of a sweep's shards equals the unsharded
//! sweep. A shard file records the sweep's hash (of the base scenario, the design and the seeds):
//! shards of different sweeps are refused.
//!
//! # Limits
//! A sweep runs at most [`MAX_SWEEP_RUNS`] scenarios; every point is checked against the scenario
//! before any run starts, so a bad value is reported before anything is written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

use indexmap::IndexMap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::design::{Design, DesignError};
use super::headline::{self, Statistic};
use super::montecarlo::{self, CARBONSIM_VERSION, PercentileMethod, Progress, SeedRange, Shard};
use super::{SeedSummary, summarise};
use crate::report::{OutputSet, ReportError};
use crate::scenario::agent_based::{self, RunError};
use crate::scenario::config::{ScenarioConfig, fnv1a64};

/// The most runs (points × seeds) one sweep may hold; a larger experiment is split into sweeps.
pub const MAX_SWEEP_RUNS: usize = 100_000;

/// A sweep that cannot be set up, run or merged. Set-up errors are reported before any run.
#[derive(Debug, Error)]
pub enum SweepError {
    /// The design is empty or a point does not fit the scenario (boxed: it is large).
    #[error(transparent)]
    Design(Box<DesignError>),
    /// No seed per point.
    #[error("--seeds 0: a sweep runs at least one seed per point")]
    NoSeeds,
    /// More runs than [`MAX_SWEEP_RUNS`].
    #[error(
        "{points} points × {seeds} seeds = {runs} runs: a sweep runs at most {limit}; split it into several sweeps"
    )]
    TooManyRuns {
        /// Points in the design.
        points: usize,
        /// Seeds per point.
        seeds: u32,
        /// Their product.
        runs: u128,
        /// [`MAX_SWEEP_RUNS`].
        limit: usize,
    },
    /// A run failed (the first failing run in run-list order).
    #[error("point {point} ({values}), seed {seed}: {source}")]
    Run {
        /// The point.
        point: usize,
        /// Its parameter values, `path=value` joined by spaces.
        values: String,
        /// The seed.
        seed: u64,
        /// Why it failed (boxed: it is large, and rare).
        #[source]
        source: Box<RunError>,
    },
    /// A sensitivity design that cannot be drawn or read back.
    #[error(transparent)]
    Sensitivity(#[from] super::sensitivity::SensitivityError),
    /// No shard to merge.
    #[error("no sweep shard to merge")]
    NoShards,
    /// Shards of different sweeps or versions.
    #[error(
        "shard {shard} is of another sweep ({what} {found}, not {expected}): shards of different sweeps cannot be merged"
    )]
    OtherSweep {
        /// The offending shard.
        shard: Shard,
        /// `sweep hash` or `carbonsim version`.
        what: &'static str,
        /// The first shard's value.
        expected: String,
        /// The offending value.
        found: String,
    },
    /// A run that is not in the sweep's run list, or appears twice.
    #[error("shard {shard}: point {point}, seed {seed} is {problem}")]
    BadRun {
        /// The shard.
        shard: Shard,
        /// The point.
        point: usize,
        /// The seed.
        seed: u64,
        /// `not part of the sweep` or `given twice`.
        problem: &'static str,
    },
    /// Runs no shard holds.
    #[error("{count} runs of the sweep are missing, the first (point, seed): {first:?}")]
    MissingRuns {
        /// How many.
        count: usize,
        /// The first ten.
        first: Vec<(usize, u64)>,
    },
    /// A shard file that cannot be read or parsed.
    #[error("sweep shard file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

impl From<DesignError> for SweepError {
    fn from(e: DesignError) -> Self {
        SweepError::Design(Box::new(e))
    }
}

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRun {
    /// The point's index in the design.
    pub point: usize,
    /// The seed.
    pub seed: u64,
    /// What the sweep keeps of the run.
    pub summary: SeedSummary,
}

/// The runs of one shard of a sweep (shard `0/1` for a whole sweep or a merge): what a shard
/// file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepOutput {
    /// The carbonsim version that produced it.
    pub carbonsim_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The base scenario's content hash (with its `--set` overrides applied).
    pub scenario_hash: String,
    /// Hash of the base scenario, the design and the seeds: one per sweep.
    pub sweep_hash: String,
    /// The design.
    pub sweep: Design,
    /// The seeds every point runs.
    pub seeds: SeedRange,
    /// The `--set` overrides of the base scenario, one `path = value` line each, so that a
    /// merge writes the same `overrides.txt` as the unsharded sweep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// Which shard this is.
    pub shard: Shard,
    /// The runs, in run-list order.
    pub runs: Vec<SweepRun>,
}

/// A checked sweep: a base scenario, a design whose every point fits it, and the seeds.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    base: ScenarioConfig,
    design: Design,
    seeds: SeedRange,
    hash: String,
    overrides: Vec<String>,
}

impl SweepPlan {
    /// Checks `design` against `base` (every point's overrides applied and validated) and the
    /// run count against [`MAX_SWEEP_RUNS`]. Points run `seeds` seeds from `base.seed`.
    ///
    /// # Errors
    /// [`SweepError::NoSeeds`], [`SweepError::TooManyRuns`], [`SweepError::Design`] naming the
    /// point, path and value that does not fit.
    pub fn new(base: &ScenarioConfig, design: Design, seeds: u32) -> Result<Self, SweepError> {
        if seeds == 0 {
            return Err(SweepError::NoSeeds);
        }
        if design.points.is_empty() || design.parameters.is_empty() {
            return Err(DesignError::Empty {
                reason: "no parameter point to run".into(),
            }
            .into());
        }
        let runs = design.points.len() as u128 * u128::from(seeds);
        if runs > MAX_SWEEP_RUNS as u128 {
            return Err(SweepError::TooManyRuns {
                points: design.points.len(),
                seeds,
                runs,
                limit: MAX_SWEEP_RUNS,
            });
        }
        for point in 0..design.points.len() {
            base.with_overrides(&design.overrides(point)?)
                .map_err(|source| DesignError::Point { point, source })?;
        }
        let seeds = SeedRange {
            first: base.seed,
            count: seeds,
        };
        let identity = serde_json::json!([base.content_hash(), &design, seeds]).to_string();
        Ok(SweepPlan {
            base: base.clone(),
            design,
            seeds,
            hash: format!("{:016x}", fnv1a64(identity.as_bytes())),
            overrides: Vec::new(),
        })
    }

    /// Records the base scenario's overrides (`path = value` lines) in the sweep's outputs.
    /// They are already in the base scenario and its hash; this only writes them down.
    #[must_use]
    pub fn recording(mut self, overrides: Vec<String>) -> Self {
        self.overrides = overrides;
        self
    }

    /// The design.
    #[must_use]
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The run list, point-major: `(point, seed)`.
    #[must_use]
    pub fn runs(&self) -> Vec<(usize, u64)> {
        let seeds = self.seeds.seeds();
        (0..self.design.points.len())
            .flat_map(|p| seeds.iter().map(move |&s| (p, s)))
            .collect()
    }

    /// Runs `shard` of the run list on the current rayon pool, calling `progress` as runs
    /// finish (in completion order, from worker threads).
    ///
    /// # Errors
    /// [`SweepError::Run`] for the first failing run in run-list order.
    pub fn run<P>(&self, shard: Shard, progress: P) -> Result<SweepOutput, SweepError>
    where
        P: Fn(Progress) + Sync,
    {
        let all = self.runs();
        let slice = shard.slice(&all);
        let done = AtomicUsize::new(0);
        let results: Vec<Result<SweepRun, SweepError>> = slice
            .par_iter()
            .map(|&(point, seed)| {
                let result = self.run_one(point, seed);
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(Progress {
                    done,
                    total: slice.len(),
                });
                result
            })
            .collect();
        Ok(SweepOutput {
            carbonsim_version: CARBONSIM_VERSION.into(),
            scenario: self.base.name.clone(),
            scenario_hash: self.base.content_hash(),
            sweep_hash: self.hash.clone(),
            sweep: self.design.clone(),
            seeds: self.seeds,
            overrides: self.overrides.clone(),
            shard,
            runs: results.into_iter().collect::<Result<_, _>>()?,
        })
    }

    fn run_one(&self, point: usize, seed: u64) -> Result<SweepRun, SweepError> {
        let config = self
            .base
            .with_overrides(&self.design.overrides(point)?)
            .map_err(|source| DesignError::Point { point, source })?;
        let run = agent_based::run(&config, seed).map_err(|source| SweepError::Run {
            point,
            values: point_label(&self.design, point),
            seed,
            source: Box::new(source),
        })?;
        Ok(SweepRun {
            point,
            seed,
            summary: summarise(&run),
        })
    }
}

/// `path=value path=value` of a point.
#[must_use]
pub fn point_label(design: &Design, point: usize) -> String {
    let values = design.points.get(point).map_or(&[][..], Vec::as_slice);
    design
        .parameters
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{p}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Merges the shards of one sweep into the whole sweep (shard `0/1`), runs in run-list order.
///
/// # Errors
/// [`SweepError`] naming the shard of another sweep or version, a run outside the sweep or
/// given twice, or the missing runs.
pub fn merge(shards: Vec<SweepOutput>) -> Result<SweepOutput, SweepError> {
    let first = shards.first().ok_or(SweepError::NoShards)?;
    let (hash, version) = (first.sweep_hash.clone(), first.carbonsim_version.clone());
    let (points, seeds) = (first.sweep.points.len(), first.seeds);
    let mut template = first.clone();
    let mut by_index: BTreeMap<u128, SweepRun> = BTreeMap::new();
    for s in shards {
        for (what, expected, found) in [
            ("sweep hash", &hash, &s.sweep_hash),
            ("carbonsim version", &version, &s.carbonsim_version),
        ] {
            if expected != found {
                return Err(SweepError::OtherSweep {
                    shard: s.shard,
                    what,
                    expected: expected.clone(),
                    found: found.clone(),
                });
            }
        }
        for run in s.runs {
            let k = run.seed.wrapping_sub(seeds.first);
            let bad = |problem| SweepError::BadRun {
                shard: s.shard,
                point: run.point,
                seed: run.seed,
                problem,
            };
            if run.point >= points || k >= u64::from(seeds.count) {
                return Err(bad("not part of the sweep"));
            }
            let index = run.point as u128 * u128::from(seeds.count) + u128::from(k);
            if by_index.contains_key(&index) {
                return Err(bad("given twice"));
            }
            by_index.insert(index, run);
        }
    }
    no_missing_runs(&by_index, points, seeds)?;
    template.shard = Shard::WHOLE;
    template.runs = by_index.into_values().collect();
    Ok(template)
}

/// [`SweepError::MissingRuns`] when a run of the list of `points` × `seeds` is not held.
fn no_missing_runs(
    held: &BTreeMap<u128, SweepRun>,
    points: usize,
    seeds: SeedRange,
) -> Result<(), SweepError> {
    let total = points as u128 * u128::from(seeds.count);
    if held.len() as u128 == total {
        return Ok(());
    }
    let k = u128::from(seeds.count);
    let first: Vec<(usize, u64)> = (0..total)
        .filter(|i| !held.contains_key(i))
        .map(|i| ((i / k) as usize, seeds.first.wrapping_add((i % k) as u64)))
        .take(10)
        .collect();
    Err(SweepError::MissingRuns {
        count: (total - held.len() as u128) as usize,
        first,
    })
}

/// Whether a shard file's text is a sweep's (rather than a Monte Carlo study's).
#[must_use]
pub fn is_sweep_shard(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("sweep_hash").map(|_| ()))
        .is_some()
}

/// Reads a sweep shard file, checking its checksum.
///
/// # Errors
/// [`SweepError::File`] naming the file.
pub fn parse_shard(path: &str, text: &str) -> Result<SweepOutput, SweepError> {
    montecarlo::parse_checked(text).map_err(|message| SweepError::File {
        path: path.into(),
        message,
    })
}

/// The statistics of every run, and the union of their keys in first-seen order.
fn run_statistics(sweep: &SweepOutput) -> (Vec<String>, Vec<IndexMap<String, f64>>) {
    let mut keys: IndexMap<String, ()> = IndexMap::new();
    let rows: Vec<IndexMap<String, f64>> = sweep
        .runs
        .iter()
        .map(|r| {
            headline::statistics(&r.summary)
                .into_iter()
                .map(|Statistic { key, value }| {
                    keys.entry(key.clone()).or_insert(());
                    (key, value)
                })
                .collect()
        })
        .collect();
    (keys.into_keys().collect(), rows)
}

/// A number as CSV text: the shortest text that reads back as the same `f64`; empty for a
/// missing or non-finite value.
fn number(v: Option<f64>) -> String {
    // `+ 0.0` writes a negative zero as `0`.
    v.filter(|v| v.is_finite())
        .map(|v| format!("{}", v + 0.0))
        .unwrap_or_default()
}

fn csv_text(what: &str, rows: Vec<Vec<String>>) -> Result<String, ReportError> {
    let fail = |message: String| ReportError::Serialise {
        what: what.into(),
        message,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).map_err(|e| fail(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| fail(e.to_string()))
}

/// `runs.csv`: one row per run: `point`, each parameter, `seed`, each statistic.
///
/// # Errors
/// A CSV serialisation failure.
pub fn runs_csv(sweep: &SweepOutput) -> Result<String, ReportError> {
    let (keys, stats) = run_statistics(sweep);
    let mut header = vec!["point".to_owned()];
    header.extend(sweep.sweep.parameters.iter().cloned());
    header.push("seed".into());
    header.extend(keys.iter().cloned());
    let mut rows = vec![header];
    for (run, values) in sweep.runs.iter().zip(&stats) {
        let mut row = vec![run.point.to_string()];
        row.extend(
            sweep
                .sweep
                .points
                .get(run.point)
                .cloned()
                .unwrap_or_default(),
        );
        row.push(run.seed.to_string());
        row.extend(keys.iter().map(|k| number(values.get(k).copied())));
        rows.push(row);
    }
    csv_text("runs.csv", rows)
}

/// `points.csv`: one row per point and statistic: `point`, each parameter, `statistic`, `runs`
/// (runs with a value), `median`, `p5`, `p95` (nearest-rank percentiles over the seeds).
///
/// # Errors
/// A CSV serialisation failure.
pub fn points_csv(sweep: &SweepOutput) -> Result<String, ReportError> {
    let (keys, stats) = run_statistics(sweep);
    let mut header = vec!["point".to_owned()];
    header.extend(sweep.sweep.parameters.iter().cloned());
    header.extend(["statistic", "runs", "median", "p5", "p95"].map(String::from));
    let mut rows = vec![header];
    for (point, values) in sweep.sweep.points.iter().enumerate() {
        let of_point: Vec<&IndexMap<String, f64>> = sweep
            .runs
            .iter()
            .zip(&stats)
            .filter(|(r, _)| r.point == point)
            .map(|(_, s)| s)
            .collect();
        for k in &keys {
            let sample: Vec<f64> = of_point.iter().filter_map(|s| s.get(k).copied()).collect();
            let b = montecarlo::bands(&sample, PercentileMethod::NearestRank);
            let mut row = vec![point.to_string()];
            row.extend(values.iter().cloned());
            row.extend([k.clone(), sample.len().to_string()]);
            row.extend([b.map(|b| b.p50), b.map(|b| b.p5), b.map(|b| b.p95)].map(number));
            rows.push(row);
        }
    }
    csv_text("points.csv", rows)
}

/// The summary of a sweep, written as `sweep.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SweepSummary<'a> {
    /// carbonsim version.
    pub carbonsim_version: &'a str,
    /// Scenario name.
    pub scenario: &'a str,
    /// Base scenario content hash.
    pub scenario_hash: &'a str,
    /// Sweep hash.
    pub sweep_hash: &'a str,
    /// Parameter paths.
    pub parameters: &'a [String],
    /// Points.
    pub points: usize,
    /// Seeds per point.
    pub seeds: SeedRange,
    /// Runs held.
    pub runs: usize,
}

/// A sweep's outputs: `runs.csv`, `points.csv`, `sweep.json`, `overrides.txt` (with `--set`)
/// and the sweep itself as `shard-i-of-n.json` (what `carbonsim merge` reads). A shard writes
/// only its shard file.
///
/// # Errors
/// A serialisation failure.
pub fn outputs(sweep: &SweepOutput) -> Result<OutputSet, ReportError> {
    let mut set = OutputSet::new();
    if sweep.shard == Shard::WHOLE {
        set.add("runs.csv", runs_csv(sweep)?)?;
        set.add("points.csv", points_csv(sweep)?)?;
        let summary = SweepSummary {
            carbonsim_version: &sweep.carbonsim_version,
            scenario: &sweep.scenario,
            scenario_hash: &sweep.scenario_hash,
            sweep_hash: &sweep.sweep_hash,
            parameters: &sweep.sweep.parameters,
            points: sweep.sweep.points.len(),
            seeds: sweep.seeds,
            runs: sweep.runs.len(),
        };
        let json = serde_json::to_string_pretty(&summary).map_err(|e| ReportError::Serialise {
            what: "sweep.json".into(),
            message: e.to_string(),
        })?;
        set.add("sweep.json", json + "\n")?;
        if !sweep.overrides.is_empty() {
            set.add("overrides.txt", sweep.overrides.join("\n") + "\n")?;
        }
    }
    let name = format!(
        "shard-{}-of-{}.json",
        sweep.shard.index(),
        sweep.shard.count()
    );
    let json = montecarlo::checked_json(sweep).map_err(|message| ReportError::Serialise {
        what: name.clone(),
        message,
    })?;
    set.add(&name, json)?;
    Ok(set)
}

/// The mean of each statistic over a point's seeds, per point: what a sensitivity analysis
/// reads. A statistic some run lacks is left out of that point.
#[must_use]
pub fn point_means(sweep: &SweepOutput) -> Vec<IndexMap<String, f64>> {
    let (keys, stats) = run_statistics(sweep);
    let mut out = vec![IndexMap::new(); sweep.sweep.points.len()];
    for (point, means) in out.iter_mut().enumerate() {
        let of_point: Vec<&IndexMap<String, f64>> = sweep
            .runs
            .iter()
            .zip(&stats)
            .filter(|(r, _)| r.point == point)
            .map(|(_, s)| s)
            .collect();
        for k in &keys {
            let sample: Vec<f64> = of_point.iter().filter_map(|s| s.get(k).copied()).collect();
            if !sample.is_empty() && sample.len() == of_point.len() {
                means.insert(k.clone(), sample.iter().sum::<f64>() / sample.len() as f64);
            }
        }
    }
    out
}

/// A one-line description of a sweep for the terminal.
#[must_use]
pub fn describe(sweep: &SweepOutput) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} points × {} seeds ({} runs",
        sweep.sweep.points.len(),
        sweep.seeds.count,
        sweep.runs.len(),
    );
    if sweep.shard != Shard::WHOLE {
        let _ = write!(s, " in shard {}", sweep.shard);
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::study::design::{GridAxis, grid};

    fn base() -> ScenarioConfig {
        ScenarioConfig::from_toml_str(
            "name = \"s\"\nseed = 5\nstart = \"2021-07-16\"\nend = \"2021-08-31\"\n[fleet]\ncompliance_firms = 60\n",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn plan(grid_text: &str, seeds: u32) -> Result<SweepPlan, SweepError> {
        let axis: GridAxis = grid_text.parse()?;
        SweepPlan::new(&base(), grid(&[axis])?, seeds)
    }

    #[test]
    fn bad_points_and_sizes_are_refused_before_running() {
        let err = plan("fleet.no_such_field=1,2", 1).unwrap_err().to_string();
        assert!(
            err.contains("fleet.no_such_field") && err.contains('1'),
            "{err}"
        );
        let err = plan("fleet.compliance_firms=10,lots", 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("point 1") && err.contains("lots"), "{err}");
        assert!(matches!(
            plan("fleet.compliance_firms=10", 0),
            Err(SweepError::NoSeeds)
        ));
        let too_many = plan("fleet.compliance_firms=10,20", 50_001);
        assert!(matches!(
            too_many,
            Err(SweepError::TooManyRuns { runs: 100_002, .. })
        ));
    }

    #[test]
    fn runs_are_point_major_and_shards_merge_to_the_whole() {
        let p = plan("fleet.compliance_firms=40,60", 2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.runs(), [(0, 5), (0, 6), (1, 5), (1, 6)]);
        let whole = p
            .run(Shard::WHOLE, |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
        let mut parts: Vec<SweepOutput> = (0..3)
            .map(|i| {
                let shard = Shard::try_new(i, 3).unwrap_or(Shard::WHOLE);
                p.run(shard, |_| {}).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        parts.reverse();
        let merged = merge(parts.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(merged, whole);
        let mut dup = parts.clone();
        dup.push(parts[0].clone());
        assert!(matches!(
            merge(dup),
            Err(SweepError::BadRun {
                problem: "given twice",
                ..
            })
        ));
        assert!(matches!(
            merge(parts[1..].to_vec()),
            Err(SweepError::MissingRuns { .. })
        ));
        let mut other = parts;
        other[1].sweep_hash = "0".into();
        let err = merge(other).unwrap_err().to_string();
        assert!(err.contains("another sweep"), "{err}");
        let runs = runs_csv(&whole).unwrap_or_default();
        assert_eq!(runs.lines().count(), 5);
        assert!(
            runs.starts_with("point,fleet.compliance_firms,seed,"),
            "{runs}"
        );
        let points = points_csv(&whole).unwrap_or_default();
        let stats = runs.lines().next().map_or(0, |h| h.split(',').count() - 3);
        assert_eq!(points.lines().count(), 1 + 2 * stats);
    }
}
