//! `calibrate_columns`: a calibration by simulated moments (the library's
//! `CalibrationPlan`, as `carbonsim calibrate` runs it), the GIL released while it runs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use carbonsim::scenario::study::calibrate::objective::Weight;
use carbonsim::scenario::study::calibrate::optimiser::Stop;
use carbonsim::scenario::study::calibrate::{
    CalibrateError, Calibration, CalibrationPlan, Settings,
};
use carbonsim::scenario::study::design::Range;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::Columns;
use crate::errors::{self, CalibrationError};
use crate::scenario::NativeScenario;
use crate::study::thread_pool;

/// A parameter to calibrate: its dotted path and its box `[lo, hi]`.
type Param = (String, f64, f64);

/// The parameter boxes, checked as `--param PATH=LO:HI` is.
fn to_ranges(params: &[Param]) -> PyResult<Vec<Range>> {
    params
        .iter()
        .map(|(path, lo, hi)| {
            Range::try_new(path, *lo, *hi).map_err(|source| {
                errors::calibration(&CalibrateError::Param {
                    param: format!("{path}={lo}:{hi}"),
                    source: Box::new(source),
                })
            })
        })
        .collect()
}

/// The target weights, checked as `--weight KEY=W` is.
fn to_weights(weights: &[(String, f64)]) -> PyResult<Vec<Weight>> {
    weights
        .iter()
        .map(|(key, w)| {
            format!("{key}={w}")
                .parse::<Weight>()
                .map_err(|e| errors::calibration(&e))
        })
        .collect()
}

/// A private folder under the system's temporary folder for a checkpoint nobody asked to keep;
/// removed with everything in it when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    /// The most names tried before giving up (folders left by killed processes are skipped).
    const ATTEMPTS: u32 = 1_000;

    /// A new, empty folder named by the process and a counter; a name in use is skipped, never
    /// reused.
    fn new() -> PyResult<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut last = None;
        for _ in 0..Self::ATTEMPTS {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = std::env::temp_dir()
                .join(format!("carbonsim-calibrate-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(ScratchDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(dir),
                Err(e) => return Err(scratch_error(&dir, &e)),
            }
        }
        let dir = last.unwrap_or_else(std::env::temp_dir);
        Err(scratch_error(&dir, &"every name is in use"))
    }
}

fn scratch_error(dir: &Path, e: &dyn std::fmt::Display) -> PyErr {
    CalibrationError::new_err(format!("checkpoint folder {}: {e}", dir.display()))
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A value as written into the scenario (`"0.02"`, `"300"`, `"52.30"`), as a number.
fn number(text: &str) -> PyResult<f64> {
    text.parse()
        .map_err(|_| PyValueError::new_err(format!("parameter value {text:?} is not a number")))
}

/// One row per evaluation: its number and `D`; the parameter values go in `values`.
fn history<'py>(py: Python<'py>, c: &Calibration) -> PyResult<Bound<'py, PyDict>> {
    let mut cols = Columns::new(py);
    cols.add("evaluation", (1..=c.history.len()).collect())?;
    cols.add("objective", c.history.iter().map(|e| e.objective).collect())?;
    cols.finish()
}

/// Per parameter, its value at every evaluation.
fn history_values(c: &Calibration) -> PyResult<Vec<Vec<f64>>> {
    (0..c.ranges.len())
        .map(|i| {
            c.history
                .iter()
                .map(|e| number(e.values.get(i).map_or("", String::as_str)))
                .collect()
        })
        .collect()
}

/// One row per target at the optimum, as `fit.md`.
fn fit<'py>(py: Python<'py>, c: &Calibration) -> PyResult<Bound<'py, PyDict>> {
    let best = &c.history[c.best].simulated;
    let t = &c.targets;
    let mut cols = Columns::new(py);
    cols.add("statistic", t.iter().map(|t| t.key.clone()).collect())?;
    cols.add("unit", t.iter().map(|t| t.unit().to_owned()).collect())?;
    cols.add("simulated", best.clone())?;
    cols.add("published", t.iter().map(|t| t.published).collect())?;
    cols.add(
        "relative_error",
        t.iter()
            .zip(best)
            .map(|(t, m)| (m - t.published) / t.published)
            .collect(),
    )?;
    cols.add("weight", t.iter().map(|t| t.weight).collect())?;
    cols.finish()
}

/// Runs the plan on `threads` threads with the GIL released, its checkpoint at `checkpoint`
/// (in a scratch folder, removed after, when none is given).
fn run_plan(
    py: Python<'_>,
    plan: &CalibrationPlan,
    threads: Option<usize>,
    checkpoint: Option<&Path>,
    resume: bool,
) -> PyResult<Calibration> {
    let pool = thread_pool(threads)?;
    // The scratch folder lives until the calibration has finished.
    let (path, _scratch) = match checkpoint {
        Some(path) => (path.to_owned(), None),
        None => {
            let dir = ScratchDir::new()?;
            (dir.0.join("checkpoint.jsonl"), Some(dir))
        }
    };
    let result = py.detach(|| pool.install(|| plan.run(&path, resume, |_, _| {})));
    result.map_err(|e| errors::calibration(&e))
}

/// Calibrates `params` (`(path, lo, hi)`, in order) of `scenario` by simulated moments, as
/// `carbonsim calibrate` does: `weights` (`(key, w)`) weight the targets, `seeds` seeds per
/// evaluation from the scenario's seed, at most `max_evals` evaluations, stopping when `D`
/// agrees over the simplex to `tolerance`. With `checkpoint`, every evaluation is appended to
/// that file and `resume` continues from it. Returns `{calibrated, calibration_hash, parameters,
/// best, best_evaluation, objective, converged, runs, history, history_values, fit}`.
#[pyfunction]
#[pyo3(signature = (
    scenario, params, weights=Vec::new(), seeds=4, max_evals=100, tolerance=1e-4, threads=None,
    checkpoint=None, resume=false
))]
#[allow(clippy::too_many_arguments)]
pub fn calibrate_columns<'py>(
    py: Python<'py>,
    scenario: &NativeScenario,
    params: Vec<Param>,
    weights: Vec<(String, f64)>,
    seeds: u32,
    max_evals: usize,
    tolerance: f64,
    threads: Option<usize>,
    checkpoint: Option<PathBuf>,
    resume: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings {
        seeds,
        max_evals,
        tolerance,
    };
    let plan = CalibrationPlan::new(
        &scenario.config,
        to_ranges(&params)?,
        to_weights(&weights)?,
        settings,
    )
    .map_err(|e| errors::calibration(&e))?;
    let c = run_plan(py, &plan, threads, checkpoint.as_deref(), resume)?;
    let best = &c.history[c.best];
    let out = PyDict::new(py);
    let calibrated = NativeScenario {
        config: c.calibrated.clone(),
    };
    out.set_item("calibrated", Bound::new(py, calibrated)?)?;
    out.set_item("calibration_hash", c.hash.clone())?;
    out.set_item(
        "parameters",
        c.ranges
            .iter()
            .map(|r| r.path().to_owned())
            .collect::<Vec<_>>(),
    )?;
    let values: PyResult<Vec<f64>> = best.values.iter().map(|v| number(v)).collect();
    out.set_item("best", values?)?;
    out.set_item("best_evaluation", c.best + 1)?;
    out.set_item("objective", best.objective)?;
    out.set_item("converged", c.stop == Stop::Converged)?;
    out.set_item("runs", c.runs)?;
    out.set_item("history", history(py, &c)?)?;
    out.set_item("history_values", history_values(&c)?)?;
    out.set_item("fit", fit(py, &c)?)?;
    Ok(out)
}
