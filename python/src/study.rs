//! Monte Carlo studies and sweep tasks: many seeds of one scenario on a rayon pool, the GIL
//! released, results in seed order whatever the thread count.

use carbonsim::scenario::agent_based::RunError as LibRunError;
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::{MonteCarloError, SeedRange, SeedRun, Shard, ShardOutput};
use carbonsim::scenario::study::{self, SeedSummary};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::{Columns, price};
use crate::errors::{self, RunError};
use crate::scenario::NativeScenario;

/// A rayon pool of `threads` threads (one per core by default).
pub fn thread_pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(PyValueError::new_err(
            "threads: at least one thread is needed",
        ));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| RunError::new_err(e.to_string()))
}

fn run_seeds(
    py: Python<'_>,
    config: &ScenarioConfig,
    first: u64,
    count: u32,
    threads: Option<usize>,
) -> PyResult<ShardOutput<SeedSummary>> {
    if count == 0 {
        return Err(PyValueError::new_err(
            "seeds: a study needs at least one seed",
        ));
    }
    let pool = thread_pool(threads)?;
    let range = SeedRange { first, count };
    let result =
        py.detach(|| pool.install(|| study::run_study(config, range, Shard::WHOLE, |_| {})));
    result.map_err(|e| match e {
        MonteCarloError::Scenario {
            error: LibRunError::Config(c),
            ..
        } => errors::config(&c),
        other => RunError::new_err(other.to_string()),
    })
}

fn stat(
    run: &SeedRun<SeedSummary>,
    pick: fn(&carbonsim::scenario::stats::CalibrationReport) -> f64,
) -> Option<f64> {
    run.result.calibration.as_ref().map(pick)
}

/// One row per seed: the figures a sweep or study compares across seeds.
fn seed_rows<'py>(py: Python<'py>, runs: &[SeedRun<SeedSummary>]) -> PyResult<Bound<'py, PyDict>> {
    let mut c = Columns::new(py);
    c.add("seed", runs.iter().map(|r| r.seed).collect())?;
    c.add(
        "close_end_fen",
        runs.iter()
            .map(|r| r.result.close.last().map(|p| price(*p)))
            .collect(),
    )?;
    c.add(
        "volume_t",
        runs.iter()
            .map(|r| r.result.volume.iter().sum::<u64>())
            .collect(),
    )?;
    c.add(
        "volatility",
        runs.iter()
            .map(|r| stat(r, |c| c.volatility.simulated))
            .collect(),
    )?;
    c.add(
        "maximum_drawdown",
        runs.iter()
            .map(|r| stat(r, |c| c.max_drawdown.simulated))
            .collect(),
    )?;
    c.add(
        "listed_share",
        runs.iter()
            .map(|r| stat(r, |c| c.listed_share.simulated))
            .collect(),
    )?;
    c.add(
        "close_path_mape",
        runs.iter()
            .map(|r| stat(r, |c| c.close_path.mape))
            .collect(),
    )?;
    c.add(
        "compliance_rate_min_bp",
        runs.iter()
            .map(|r| r.result.compliance_bp.iter().min().copied())
            .collect(),
    )?;
    c.finish()
}

fn daily_rows<'py>(py: Python<'py>, runs: &[SeedRun<SeedSummary>]) -> PyResult<Bound<'py, PyDict>> {
    let mut c = Columns::new(py);
    let each = || {
        runs.iter()
            .flat_map(|r| r.result.dates.iter().map(move |d| (r, d)))
    };
    c.add("seed", each().map(|(r, _)| r.seed).collect())?;
    c.dates("date", each().map(|(_, d)| *d))?;
    let all = || {
        runs.iter()
            .flat_map(|r| r.result.close.iter().zip(&r.result.volume))
    };
    c.add("close_fen", all().map(|(p, _)| price(*p)).collect())?;
    c.add("volume_t", all().map(|(_, v)| *v).collect())?;
    c.finish()
}

fn band_rows<'py>(
    py: Python<'py>,
    study: &ShardOutput<SeedSummary>,
) -> PyResult<Bound<'py, PyDict>> {
    let rows = study::statistic_bands(study);
    let band = |f: fn(&carbonsim::scenario::montecarlo::Bands) -> f64| -> Vec<Option<f64>> {
        rows.iter().map(|r| r.bands.as_ref().map(f)).collect()
    };
    let mut c = Columns::new(py);
    c.add(
        "statistic",
        rows.iter().map(|r| r.statistic.clone()).collect(),
    )?;
    c.add("published", rows.iter().map(|r| r.published).collect())?;
    c.add("p5", band(|b| b.p5))?;
    c.add("p25", band(|b| b.p25))?;
    c.add("p50", band(|b| b.p50))?;
    c.add("p75", band(|b| b.p75))?;
    c.add("p95", band(|b| b.p95))?;
    c.finish()
}

/// Runs seeds `first .. first + count` of `scenario` on `threads` threads (one per core by
/// default) and returns `{runs, daily, statistics, scenario_hash}`.
#[pyfunction]
#[pyo3(signature = (scenario, first, count, threads=None))]
pub fn montecarlo_columns<'py>(
    py: Python<'py>,
    scenario: &NativeScenario,
    first: u64,
    count: u32,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let study = run_seeds(py, &scenario.config, first, count, threads)?;
    let out = PyDict::new(py);
    out.set_item("runs", seed_rows(py, &study.runs)?)?;
    out.set_item("daily", daily_rows(py, &study.runs)?)?;
    out.set_item("statistics", band_rows(py, &study)?)?;
    out.set_item("scenario_hash", study.scenario_hash.clone())?;
    Ok(out)
}

/// One task of a sweep: seeds `first .. first + count` of `scenario` (a grid point, its
/// overrides already applied); one row per seed. Tasks are independent, so any executor may
/// run them.
#[pyfunction]
#[pyo3(signature = (scenario, first, count, threads=None))]
pub fn sweep_task<'py>(
    py: Python<'py>,
    scenario: &NativeScenario,
    first: u64,
    count: u32,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let study = run_seeds(py, &scenario.config, first, count, threads)?;
    seed_rows(py, &study.runs)
}
