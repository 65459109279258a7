//! Columns handed to Python: a dict of name → list, with the names of the date columns under
//! `__dates__` (days since 1970-01-01, which numpy reads as `datetime64[D]` without parsing).

use carbonsim::units::{Money, Price, Quantity};
use chrono::NaiveDate;
use pyo3::IntoPyObject;
use pyo3::prelude::*;
use pyo3::types::PyDict;

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Days since 1970-01-01.
pub fn day(d: NaiveDate) -> i64 {
    (d - EPOCH).num_days()
}

/// Money as integer fen (saturating: no simulated balance comes near ±9.2e16 CNY).
pub fn fen(m: Money) -> i64 {
    i64::try_from(m.fen()).unwrap_or(if m.is_negative() { i64::MIN } else { i64::MAX })
}

/// A price as integer fen.
pub fn price(p: Price) -> i64 {
    p.fen()
}

/// Whole units.
pub fn units(q: Quantity) -> u64 {
    q.units()
}

/// A column set being built.
pub struct Columns<'py> {
    dict: Bound<'py, PyDict>,
    dates: Vec<&'static str>,
}

impl<'py> Columns<'py> {
    pub fn new(py: Python<'py>) -> Self {
        Columns {
            dict: PyDict::new(py),
            dates: Vec::new(),
        }
    }

    /// Adds a column of any values Python can hold.
    pub fn add<T>(&mut self, name: &'static str, values: Vec<T>) -> PyResult<&mut Self>
    where
        T: for<'a> IntoPyObject<'a>,
    {
        self.dict.set_item(name, values)?;
        Ok(self)
    }

    /// Adds a date column.
    pub fn dates(
        &mut self,
        name: &'static str,
        values: impl Iterator<Item = NaiveDate>,
    ) -> PyResult<&mut Self> {
        self.dates.push(name);
        self.add(name, values.map(day).collect::<Vec<_>>())
    }

    /// Adds a date column with gaps: a missing date is numpy's NaT (the least `i64`), which
    /// the frame's date conversion keeps as NaT.
    pub fn optional_dates(
        &mut self,
        name: &'static str,
        values: impl Iterator<Item = Option<NaiveDate>>,
    ) -> PyResult<&mut Self> {
        self.dates.push(name);
        self.add(
            name,
            values.map(|d| d.map_or(i64::MIN, day)).collect::<Vec<_>>(),
        )
    }

    /// The finished dict.
    pub fn finish(self) -> PyResult<Bound<'py, PyDict>> {
        self.dict.set_item("__dates__", self.dates)?;
        Ok(self.dict)
    }
}
