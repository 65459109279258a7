//! `replay_columns`: the 2021–2023 replay as columns (daily, vintages, totals) and its summary.

use carbonsim::scenario::replay::{self, DayFigures, ReplayConfig, ReplayDay};
use carbonsim::scenario::replay_report;
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::{Columns, fen, price, units};
use crate::errors::ReplayError;

/// Replays the published market from `start` to `end` (the whole series by default) under
/// `seed`, with the GIL released, and returns `{daily, vintages, totals, summary_json}`.
#[pyfunction]
#[pyo3(signature = (start=None, end=None, seed=42))]
pub fn replay_columns<'py>(
    py: Python<'py>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let default = ReplayConfig::default();
    let config = ReplayConfig {
        from: start.unwrap_or(default.from),
        to: end.unwrap_or(default.to),
        seed,
    };
    let result = py
        .detach(|| replay::run(&config))
        .map_err(|e| ReplayError::new_err(e.to_string()))?;
    let summary = serde_json::to_string(&replay_report::summary(&result))
        .map_err(|e| ReplayError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    out.set_item("daily", days(py, &result.composite)?)?;
    out.set_item("vintages", days(py, &result.vintages)?)?;
    out.set_item(
        "totals",
        totals(py, &replay_report::period_totals(&result))?,
    )?;
    out.set_item("summary_json", summary)?;
    Ok(out)
}

fn figures(
    c: &mut Columns<'_>,
    days: &[ReplayDay],
    names: [&'static str; 8],
    pick: fn(&ReplayDay) -> &DayFigures,
) -> PyResult<()> {
    let prices: [fn(&DayFigures) -> Option<carbonsim::units::Price>; 4] =
        [|f| f.open, |f| f.high, |f| f.low, |f| f.close];
    for (name, get) in names[..4].iter().zip(prices) {
        let col: Vec<Option<i64>> = days.iter().map(|d| get(pick(d)).map(price)).collect();
        c.add(name, col)?;
    }
    c.add(
        names[4],
        days.iter().map(|d| units(pick(d).listed_volume)).collect(),
    )?;
    c.add(
        names[5],
        days.iter().map(|d| fen(pick(d).listed_turnover)).collect(),
    )?;
    c.add(
        names[6],
        days.iter().map(|d| units(pick(d).block_volume)).collect(),
    )?;
    c.add(
        names[7],
        days.iter().map(|d| fen(pick(d).block_turnover)).collect(),
    )?;
    Ok(())
}

fn days<'py>(py: Python<'py>, days: &[ReplayDay]) -> PyResult<Bound<'py, PyDict>> {
    let mut c = Columns::new(py);
    c.dates("date", days.iter().map(|d| d.date))?;
    c.add("subject", days.iter().map(|d| d.subject.clone()).collect())?;
    let simulated = [
        "open_fen",
        "high_fen",
        "low_fen",
        "close_fen",
        "listed_volume_t",
        "listed_turnover_fen",
        "block_volume_t",
        "block_turnover_fen",
    ];
    figures(&mut c, days, simulated, |d| &d.simulated)?;
    let published = [
        "published_open_fen",
        "published_high_fen",
        "published_low_fen",
        "published_close_fen",
        "published_listed_volume_t",
        "published_listed_turnover_fen",
        "published_block_volume_t",
        "published_block_turnover_fen",
    ];
    figures(&mut c, days, published, |d| &d.published)?;
    c.finish()
}

fn totals<'py>(
    py: Python<'py>,
    rows: &[replay_report::PeriodTotals],
) -> PyResult<Bound<'py, PyDict>> {
    let mut c = Columns::new(py);
    c.add("period", rows.iter().map(|r| r.period.clone()).collect())?;
    c.dates("from", rows.iter().map(|r| r.from))?;
    c.dates("to", rows.iter().map(|r| r.to))?;
    c.add("volume_t", rows.iter().map(|r| units(r.volume_t)).collect())?;
    c.add(
        "turnover_fen",
        rows.iter().map(|r| fen(r.turnover_cny)).collect(),
    )?;
    c.add(
        "published_volume_t",
        rows.iter().map(|r| units(r.published_volume_t)).collect(),
    )?;
    c.add(
        "published_turnover_fen",
        rows.iter().map(|r| fen(r.published_turnover_cny)).collect(),
    )?;
    c.finish()
}
