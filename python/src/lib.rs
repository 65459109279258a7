//! Python bindings of carbonsim, built by maturin as `carbonsim._carbonsim`.
//!
//! The bindings are thin: each function calls the library and hands its results to Python as
//! plain columns (lists of integers, strings and day numbers) that the `carbonsim` package turns
//! into pandas DataFrames. Money and prices cross as integer fen, quantities as whole units, so
//! nothing is rounded on the way. Every long computation runs with the GIL released.

mod agent;
mod calibrate;
mod columns;
mod errors;
mod intents;
mod replay;
mod run;
mod scenario;
mod study;
mod timeline;
mod views;

use pyo3::prelude::*;

/// The native module; the `carbonsim` package re-exports what users need.
#[pymodule]
fn _carbonsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(replay::replay_columns, m)?)?;
    m.add_function(wrap_pyfunction!(run::run_columns, m)?)?;
    m.add_function(wrap_pyfunction!(study::montecarlo_columns, m)?)?;
    m.add_function(wrap_pyfunction!(study::sweep_task, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate::calibrate_columns, m)?)?;
    m.add_class::<scenario::NativeScenario>()?;
    m.add_class::<intents::Order>()?;
    m.add_class::<intents::CancelAll>()?;
    m.add_class::<views::MarketView>()?;
    m.add_class::<views::AccountView>()?;
    m.add_class::<views::Fill>()?;
    m.add_class::<views::DayOutcome>()?;
    m.add_class::<views::RandomStream>()?;
    Ok(())
}
