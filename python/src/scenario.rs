//! `NativeScenario`: a validated scenario, its overrides and its serialisations.

use std::path::PathBuf;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use toml::Value;

use crate::errors::{self, ScenarioError};

/// A validated scenario (the `carbonsim.Scenario` wrapper holds one).
#[pyclass(module = "carbonsim._carbonsim", frozen)]
#[derive(Clone)]
pub struct NativeScenario {
    pub config: ScenarioConfig,
}

#[pymethods]
impl NativeScenario {
    /// Reads a `.toml` or `.json` scenario file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let config = ScenarioConfig::from_path(&path).map_err(|e| errors::config(&e))?;
        Ok(NativeScenario { config })
    }

    /// Parses TOML text.
    #[staticmethod]
    fn from_toml(text: &str) -> PyResult<Self> {
        let config = ScenarioConfig::from_toml_str(text).map_err(|e| errors::config(&e))?;
        Ok(NativeScenario { config })
    }

    /// Parses JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let config = ScenarioConfig::from_json_str(text).map_err(|e| errors::config(&e))?;
        Ok(NativeScenario { config })
    }

    /// A copy with each `(path, value)` (Python values) applied, then validated once.
    fn with_values(&self, items: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Self> {
        let mut list = Vec::with_capacity(items.len());
        for (path, value) in &items {
            list.push(Override::new(path, to_toml(value)?).map_err(|e| errors::overrides(&e))?);
        }
        self.with(&list)
    }

    /// A copy with `PATH=VALUE` texts applied in order and validated.
    fn with_texts(&self, texts: Vec<String>) -> PyResult<Self> {
        let list: Result<Vec<_>, _> = texts.iter().map(|t| Override::parse(t)).collect();
        self.with(&list.map_err(|e| errors::overrides(&e))?)
    }

    /// The scenario as TOML.
    fn to_toml(&self) -> PyResult<String> {
        toml::to_string_pretty(&self.config).map_err(|e| ScenarioError::new_err(e.to_string()))
    }

    /// The scenario's canonical JSON.
    fn to_json(&self) -> String {
        self.config.canonical_json()
    }

    /// The stable content hash (16 hex digits).
    fn content_hash(&self) -> String {
        self.config.content_hash()
    }

    #[getter]
    fn name(&self) -> String {
        self.config.name.clone()
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The compliance calendar as columns (see `carbonsim.Scenario.timeline`).
    fn timeline_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::timeline::columns(py, &self.config)
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl NativeScenario {
    fn with(&self, overrides: &[Override]) -> PyResult<Self> {
        let config = self
            .config
            .with_overrides(overrides)
            .map_err(|e| errors::overrides(&e))?;
        Ok(NativeScenario { config })
    }
}

/// A Python value as a TOML value: `Decimal`, dates and strings become strings (scenario files
/// write prices, money and dates as strings), lists arrays, dicts tables.
pub fn to_toml(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_instance_of::<PyBool>() {
        return Ok(Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(Value::Integer(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyDate>() || is_decimal(v)? {
        return Ok(Value::String(v.str()?.to_string()));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<Value>> = v.try_iter()?.map(|x| to_toml(&x?)).collect();
        return Ok(Value::Array(items?));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            t.insert(k.str()?.to_string(), to_toml(&x)?);
        }
        return Ok(Value::Table(t));
    }
    Err(PyTypeError::new_err(format!(
        "cannot use a {} as a scenario value",
        v.get_type().name()?
    )))
}

fn is_decimal(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    let decimal = v.py().import("decimal")?.getattr("Decimal")?;
    v.is_instance(&decimal)
}
