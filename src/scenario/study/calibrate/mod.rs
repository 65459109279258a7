//! Calibration by the method of simulated moments: the parameter point, in a box, whose
//! simulated statistics come closest to the published ones.
//!
//! - [`objective`]: the distance `D(θ)` minimised (the equation is there) and its targets;
//! - [`optimiser`]: Nelder–Mead in the box (`argmin`'s solver, through a sine transform);
//! - [`checkpoint`]: the file appended after every evaluation, from which `--resume` continues;
//! - [`outputs`]: the calibrated scenario, `history.csv`, `fit.md` and `report.json`.
//!
//! # Evaluations
//! An evaluation writes the point's values into the scenario as a `--set` would (an integer field
//! gets a rounded integer, a price two decimals), runs the `K` seeds `seed, seed + 1, …` on the
//! current rayon pool, collects them in seed order and computes `D`. The same seeds serve every
//! evaluation (common random numbers). A point whose written values were evaluated before (in
//! this run or in the checkpoint) is answered from that record, without running; it still counts
//! as an evaluation of the budget, so a resumed calibration makes the same calls as an unbroken
//! one. The outputs are therefore byte-identical whatever the thread count and however often the
//! calibration was stopped and resumed.
//!
//! # Limits
//! At most [`MAX_EVALS`] evaluations and [`MAX_SEEDS`] seeds per evaluation; at least
//! `parameters + 1` evaluations (the first simplex). Every parameter is checked against the
//! scenario at both ends and the middle of its box before anything runs.

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use super::design::{Design, DesignError, Range};
use super::montecarlo::SeedRange;
use super::{SeedSummary, summarise};
use crate::scenario::agent_based::{self, RunError};
use crate::scenario::config::{MAX_SEEDS, ScenarioConfig, fnv1a64};
use crate::scenario::overrides::OverrideError;

pub mod checkpoint;
pub mod objective;
pub mod optimiser;
pub mod outputs;

use checkpoint::{Checkpoint, Contents, Evaluation, Header};
use objective::{Target, Weight};
use optimiser::{Failure, Stop};

/// The most evaluations one calibration may ask for.
pub const MAX_EVALS: usize = 10_000;

/// Significant digits of a parameter value written into the scenario.
pub const SIGNIFICANT_DIGITS: usize = 8;

/// The default tolerance: the search stops when the standard deviation of `D` over the simplex's
/// vertices is below it.
pub const DEFAULT_TOLERANCE: f64 = 1e-4;

/// A calibration that cannot be set up or run. Set-up errors come before anything runs or is
/// written.
#[derive(Debug, Error)]
pub enum CalibrateError {
    /// No `--param`.
    #[error("no parameter to calibrate: give at least one --param PATH=lo:hi")]
    NoParams,
    /// Zero seeds.
    #[error("--seeds 0: an evaluation runs at least one seed")]
    NoSeeds,
    /// More seeds than [`MAX_SEEDS`].
    #[error("--seeds {seeds}: an evaluation runs at most {limit}")]
    TooManySeeds {
        /// Seeds asked for.
        seeds: u32,
        /// [`MAX_SEEDS`].
        limit: u32,
    },
    /// A budget above [`MAX_EVALS`] or below the first simplex.
    #[error(
        "--max-evals {given}: give {min} to {max} ({params} parameters need {min} for the first simplex)"
    )]
    BadBudget {
        /// The budget given.
        given: usize,
        /// Parameters + 1.
        min: usize,
        /// [`MAX_EVALS`].
        max: usize,
        /// Parameters.
        params: usize,
    },
    /// A tolerance that is negative or not a number.
    #[error("--tolerance {0}: give a finite number, 0 or more")]
    BadTolerance(f64),
    /// A parameter box that does not fit the scenario (unknown path, wrong type, out of range),
    /// or one path given twice (boxed: it is large).
    #[error("--param {param}: {source}")]
    Param {
        /// The `PATH=lo:hi` given.
        param: String,
        /// What the scenario says.
        #[source]
        source: Box<DesignError>,
    },
    /// `--weight` text that does not parse.
    #[error("bad --weight {text:?}: {reason}")]
    BadWeight {
        /// The text given.
        text: String,
        /// Why.
        reason: String,
    },
    /// A weight for a statistic that is not a target.
    #[error("--weight {key}: no such target; the targets are {}", known.join(", "))]
    UnknownTarget {
        /// The key given.
        key: String,
        /// The targets' keys.
        known: Vec<String>,
    },
    /// Every weight is zero.
    #[error("no target left: every weight is zero")]
    NoTargets,
    /// A run did not report a target statistic (a scenario outside the published days).
    #[error("seed {seed} does not report {key}: the scenario must overlap the published market")]
    MissingStatistic {
        /// The statistic.
        key: String,
        /// The seed.
        seed: u64,
    },
    /// A run failed.
    #[error("evaluation {evaluation} ({values}), seed {seed}: {source}")]
    Run {
        /// The evaluation's number.
        evaluation: usize,
        /// Its parameter values.
        values: String,
        /// The seed.
        seed: u64,
        /// Why (boxed: it is large, and rare).
        #[source]
        source: Box<RunError>,
    },
    /// A checkpoint of another calibration.
    #[error(
        "checkpoint {path} belongs to another calibration ({found}, not {expected}): use another --out, or run without --resume to start afresh"
    )]
    OtherCheckpoint {
        /// The file.
        path: String,
        /// This calibration's hash.
        expected: String,
        /// The file's.
        found: String,
    },
    /// A checkpoint that cannot be read or written.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The minimiser failed.
    #[error("the minimiser failed: {0}")]
    Optimiser(String),
}

/// The search's budget and seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Seeds per evaluation.
    pub seeds: u32,
    /// The most evaluations.
    pub max_evals: usize,
    /// Stop when the simplex's values agree to this standard deviation.
    pub tolerance: f64,
}

/// A checked calibration: a base scenario, parameter boxes that fit it, seeds, budget, weights.
#[derive(Debug, Clone)]
pub struct CalibrationPlan {
    base: ScenarioConfig,
    ranges: Vec<Range>,
    weights: Vec<Weight>,
    seeds: SeedRange,
    settings: Settings,
    start: Vec<f64>,
    hash: String,
}

/// A finished calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The calibration's hash (what its checkpoint names).
    pub hash: String,
    /// The base scenario.
    pub base: ScenarioConfig,
    /// The parameter boxes.
    pub ranges: Vec<Range>,
    /// The seeds of every evaluation.
    pub seeds: SeedRange,
    /// The budget and tolerance.
    pub settings: Settings,
    /// The targets.
    pub targets: Vec<Target>,
    /// Every evaluation, in order (a point evaluated before appears again, from its record).
    pub history: Vec<Evaluation>,
    /// The index in `history` of the first evaluation with the least objective.
    pub best: usize,
    /// Why the search stopped.
    pub stop: Stop,
    /// The base scenario with the best point's values.
    pub calibrated: ScenarioConfig,
    /// The checkpoint's text at the end.
    pub checkpoint: String,
    /// Runs this process made (fewer after a resume; not part of the outputs).
    pub runs: usize,
}

impl CalibrationPlan {
    /// Checks the boxes against `base` (each at both ends and its middle), the seeds, the budget,
    /// the tolerance. The search starts from `base`'s own values, or a box's middle where the
    /// base value is outside it.
    ///
    /// # Errors
    /// The [`CalibrateError`] naming the parameter, path and value at fault.
    pub fn new(
        base: &ScenarioConfig,
        ranges: Vec<Range>,
        weights: Vec<Weight>,
        settings: Settings,
    ) -> Result<Self, CalibrateError> {
        check_settings(ranges.len(), settings)?;
        check_ranges(base, &ranges)?;
        let start = ranges
            .iter()
            .map(|r| {
                super::design::value_at(base, r.path())
                    .filter(|x| (r.lo()..=r.hi()).contains(x))
                    .map_or(0.5, |x| r.unit_of(x))
            })
            .collect();
        let seeds = SeedRange {
            first: base.seed,
            count: settings.seeds,
        };
        let texts = |v: Vec<String>| v;
        let identity = serde_json::json!([
            base.content_hash(),
            texts(ranges.iter().map(ToString::to_string).collect()),
            seeds,
            texts(weights.iter().map(ToString::to_string).collect()),
        ])
        .to_string();
        Ok(CalibrationPlan {
            base: base.clone(),
            ranges,
            weights,
            seeds,
            settings,
            start,
            hash: format!("{:016x}", fnv1a64(identity.as_bytes())),
        })
    }

    /// The calibration's hash: of the base scenario, the boxes, the seeds and the weights (not
    /// of the budget or tolerance, which only decide where the search stops, so a resumed
    /// calibration may be given more evaluations).
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The checkpoint's first line.
    #[must_use]
    pub fn header(&self) -> Header {
        Header {
            calibration: self.hash.clone(),
            scenario: self.base.name.clone(),
            parameters: self.ranges.iter().map(ToString::to_string).collect(),
        }
    }

    /// Runs the search on the current rayon pool, appending every new evaluation to the
    /// checkpoint at `checkpoint` (with `resume`, first reading what is there), and calling
    /// `progress` after each evaluation.
    ///
    /// # Errors
    /// A checkpoint of another calibration or that cannot be written, a failing run, a target a
    /// run does not report.
    pub fn run<P>(
        &self,
        checkpoint: &Path,
        resume: bool,
        progress: P,
    ) -> Result<Calibration, CalibrateError>
    where
        P: Fn(usize, &Evaluation),
    {
        let header = self.header();
        let (file, contents) = Checkpoint::open(checkpoint, &header, resume)?;
        let mut search = Search {
            plan: self,
            file,
            contents,
            history: Vec::new(),
            runs: 0,
            progress,
        };
        let minimum = optimiser::minimise(
            &self.start,
            self.settings.max_evals,
            self.settings.tolerance,
            &mut |z| search.evaluate(z),
        )
        .map_err(|e| match e {
            Failure::Objective(e) => e,
            Failure::Solver(m) => CalibrateError::Optimiser(m),
        })?;
        search.finish(checkpoint, &header, minimum.stop)
    }
}

/// At least one parameter, seeds and a budget within their limits, a tolerance of 0 or more.
fn check_settings(n: usize, settings: Settings) -> Result<(), CalibrateError> {
    if n == 0 {
        return Err(CalibrateError::NoParams);
    }
    match settings.seeds {
        0 => return Err(CalibrateError::NoSeeds),
        s if s > MAX_SEEDS => {
            return Err(CalibrateError::TooManySeeds {
                seeds: s,
                limit: MAX_SEEDS,
            });
        }
        _ => {}
    }
    if settings.max_evals < n + 1 || settings.max_evals > MAX_EVALS {
        return Err(CalibrateError::BadBudget {
            given: settings.max_evals,
            min: n + 1,
            max: MAX_EVALS,
            params: n,
        });
    }
    if !settings.tolerance.is_finite() || settings.tolerance < 0.0 {
        return Err(CalibrateError::BadTolerance(settings.tolerance));
    }
    Ok(())
}

/// Every box, alone, at both ends and its middle; and no path twice.
fn check_ranges(base: &ScenarioConfig, ranges: &[Range]) -> Result<(), CalibrateError> {
    let param = |r: &Range, e: DesignError| CalibrateError::Param {
        param: r.to_string(),
        source: Box::new(e),
    };
    Design::from_unit(base, ranges, &[vec![0.5; ranges.len()]])
        .map_err(|e| param(&ranges[0], e))?;
    for r in ranges {
        for u in [0.0, 0.5, 1.0] {
            let one = std::slice::from_ref(r);
            let design = Design::from_unit(base, one, &[vec![u]]).map_err(|e| param(r, e))?;
            base.with_overrides(&design.overrides(0).map_err(|e| param(r, e))?)
                .map_err(|source| param(r, DesignError::Point { point: 0, source }))?;
        }
    }
    Ok(())
}

/// `x` to [`SIGNIFICANT_DIGITS`] significant digits: a point is written as `0.02`, not as the
/// `0.019999999999999997` the sine transform's round trip gives, and points closer than that
/// are one point (answered from the record).
fn significant(x: f64) -> f64 {
    format!("{x:.*e}", SIGNIFICANT_DIGITS - 1)
        .parse()
        .unwrap_or(x)
}

/// The search's state: the checkpoint, what it holds, and the evaluations so far.
struct Search<'p, P> {
    plan: &'p CalibrationPlan,
    file: Checkpoint,
    contents: Contents,
    history: Vec<Evaluation>,
    runs: usize,
    progress: P,
}

impl<P: Fn(usize, &Evaluation)> Search<'_, P> {
    /// `D` at the unit-cube point `z`: from the record when its values were evaluated before.
    fn evaluate(&mut self, z: &[f64]) -> Result<f64, CalibrateError> {
        let plan = self.plan;
        let x: Vec<f64> = plan
            .ranges
            .iter()
            .zip(z)
            .map(|(r, &u)| significant(r.at(u)))
            .collect();
        let design =
            Design::from_values(&plan.base, &plan.ranges, &[x]).map_err(|e| self.point_error(e))?;
        let values = design.points.first().cloned().unwrap_or_default();
        let known = self
            .contents
            .evaluations
            .iter()
            .find(|e| e.values == values);
        let e = match known {
            Some(e) => e.clone(),
            None => self.compute(&design, values)?,
        };
        self.history.push(e);
        let (n, e) = (self.history.len(), &self.history[self.history.len() - 1]);
        (self.progress)(n, e);
        Ok(e.objective)
    }

    fn point_error(&self, e: DesignError) -> CalibrateError {
        CalibrateError::Param {
            param: self.plan.header().parameters.join(" "),
            source: Box::new(e),
        }
    }

    /// Runs the seeds at `design`'s point and records the evaluation.
    fn compute(
        &mut self,
        design: &Design,
        values: Vec<String>,
    ) -> Result<Evaluation, CalibrateError> {
        let plan = self.plan;
        let overrides = design.overrides(0).map_err(|e| self.point_error(e))?;
        let config = plan
            .base
            .with_overrides(&overrides)
            .map_err(|source: OverrideError| {
                self.point_error(DesignError::Point { point: 0, source })
            })?;
        let seeds = plan.seeds.seeds();
        let evaluation = self.history.len() + 1;
        let runs: Vec<Result<SeedSummary, RunError>> = seeds
            .par_iter()
            .map(|&s| agent_based::run(&config, s).map(|r| summarise(&r)))
            .collect();
        self.runs += runs.len();
        let mut summaries = Vec::with_capacity(runs.len());
        for (r, &seed) in runs.into_iter().zip(&seeds) {
            summaries.push(r.map_err(|source| CalibrateError::Run {
                evaluation,
                values: values.join(" "),
                seed,
                source: Box::new(source),
            })?);
        }
        let targets = self.targets(&summaries)?;
        let per_seed = summaries
            .iter()
            .zip(&seeds)
            .map(|(s, &seed)| objective::run_values(s.calibration.as_ref(), &targets, seed))
            .collect::<Result<Vec<_>, _>>()?;
        let simulated = objective::means(&per_seed, targets.len());
        let e = Evaluation {
            values,
            objective: objective::distance(&targets, &simulated),
            simulated,
        };
        self.file.append(&e)?;
        self.contents.evaluations.push(e.clone());
        Ok(e)
    }

    /// The targets: from the checkpoint, or from the first evaluation's first seed.
    fn targets(&mut self, summaries: &[SeedSummary]) -> Result<Vec<Target>, CalibrateError> {
        if let Some(t) = &self.contents.targets {
            return Ok(t.clone());
        }
        let first = summaries.first();
        let report = first.and_then(|s| s.calibration.as_ref()).ok_or_else(|| {
            CalibrateError::MissingStatistic {
                key: "calibration statistics".into(),
                seed: self.plan.seeds.first,
            }
        })?;
        let t = objective::targets(report, &self.plan.weights)?;
        self.file.targets(&t)?;
        self.contents.targets = Some(t.clone());
        Ok(t)
    }

    fn finish(
        self,
        path: &Path,
        header: &Header,
        stop: Stop,
    ) -> Result<Calibration, CalibrateError> {
        let plan = self.plan;
        let best = (0..self.history.len())
            .min_by(|&a, &b| {
                self.history[a]
                    .objective
                    .total_cmp(&self.history[b].objective)
            })
            .ok_or_else(|| CalibrateError::Optimiser("no evaluation".into()))?;
        let targets = self.contents.targets.clone().unwrap_or_default();
        let design = Design {
            parameters: plan.ranges.iter().map(|r| r.path().to_owned()).collect(),
            points: vec![self.history[best].values.clone()],
        };
        let overrides = design.overrides(0).map_err(|e| self.point_error(e))?;
        let mut calibrated = plan
            .base
            .with_overrides(&overrides)
            .map_err(|source| self.point_error(DesignError::Point { point: 0, source }))?;
        calibrated.name = format!("{}_calibrated", plan.base.name);
        Ok(Calibration {
            hash: plan.hash.clone(),
            base: plan.base.clone(),
            ranges: plan.ranges.clone(),
            seeds: plan.seeds,
            settings: plan.settings,
            targets,
            checkpoint: checkpoint::text(path, header, &self.contents)?,
            history: self.history,
            best,
            stop,
            calibrated,
            runs: self.runs,
        })
    }
}

/// A parameter's best value, as written into the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fitted {
    /// The path.
    pub path: String,
    /// The box.
    pub lo: f64,
    /// The box.
    pub hi: f64,
    /// The value at the first evaluation.
    pub start: String,
    /// The value at the optimum.
    pub best: String,
}
