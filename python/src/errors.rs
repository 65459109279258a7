//! The Python exceptions, each carrying the library error's message.

use carbonsim::scenario::agent_based::RunError as LibRunError;
use carbonsim::scenario::config::ConfigError;
use carbonsim::scenario::overrides::OverrideError as LibOverrideError;
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
