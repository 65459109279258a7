//! The Python exceptions, each carrying the library error's message.

use carbonsim::scenario::agent_based::RunError as LibRunError;
use carbonsim::scenario::config::ConfigError;
use carbonsim::scenario::overrides::OverrideError as LibOverrideError;
use carbonsim::scenario::study::calibrate::CalibrateError;
use carbonsim::scenario::study::design::DesignError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    carbonsim,
    CarbonsimError,
    PyException,
    "Base class of every carbonsim error."
);
create_exception!(
    carbonsim,
    ScenarioError,
    CarbonsimError,
    "A scenario that cannot be read or is invalid (names the field and the value)."
);
create_exception!(
    carbonsim,
    OverrideError,
    ScenarioError,
    "A dotted-path override with an unknown path, a wrong type or an out-of-range value."
);
create_exception!(
    carbonsim,
    RunError,
    CarbonsimError,
    "A run that failed inside the engine."
);
create_exception!(
    carbonsim,
    ReplayError,
    CarbonsimError,
    "A historical replay that cannot run (dates outside the published series)."
);
create_exception!(
    carbonsim,
    CalibrationError,
    CarbonsimError,
    "A calibration that cannot be set up or finished: no parameter, a bad box, seeds, budget, \
     tolerance or weight, a checkpoint of another calibration."
);
create_exception!(
    carbonsim,
    AgentError,
    CarbonsimError,
    "A Python agent that raised or returned something that is not an order intent."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CarbonsimError", py.get_type::<CarbonsimError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("OverrideError", py.get_type::<OverrideError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("ReplayError", py.get_type::<ReplayError>())?;
    m.add("CalibrationError", py.get_type::<CalibrationError>())?;
    m.add("AgentError", py.get_type::<AgentError>())?;
    Ok(())
}

/// A scenario file or value error.
pub fn config(e: &ConfigError) -> PyErr {
    ScenarioError::new_err(e.to_string())
}

/// An override error.
pub fn overrides(e: &LibOverrideError) -> PyErr {
    OverrideError::new_err(e.to_string())
}

/// A run error: an invalid scenario is a `ScenarioError`, a refused agent an `AgentError`.
pub fn run(e: &LibRunError) -> PyErr {
    match e {
        LibRunError::Config(c) => config(c),
        LibRunError::BadAgent { .. } => AgentError::new_err(e.to_string()),
        other => RunError::new_err(other.to_string()),
    }
}

/// A calibration error: a box whose values the scenario refuses (unknown path, wrong type, out
/// of range) is an `OverrideError`, a failing run a `RunError` (a `ScenarioError` when the
/// scenario is invalid), anything else a `CalibrationError`.
pub fn calibration(e: &CalibrateError) -> PyErr {
    match e {
        CalibrateError::Param { source, .. } if matches!(**source, DesignError::Point { .. }) => {
            OverrideError::new_err(e.to_string())
        }
        CalibrateError::Run { source, .. } if matches!(**source, LibRunError::Config(_)) => {
            ScenarioError::new_err(e.to_string())
        }
        CalibrateError::Run { .. } | CalibrateError::MissingStatistic { .. } => {
            RunError::new_err(e.to_string())
        }
        _ => CalibrationError::new_err(e.to_string()),
    }
}
