//! A scenario's policy timeline as columns: every dated event of the timeline it runs (the
//! published one with its `[policy]` merged over it), each with its source and marked as inside
//! the run or not.

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::timeline::{ShareOf, Timeline};
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::Columns;
use crate::errors;

struct Event {
    date: NaiveDate,
    event: &'static str,
    cycle: String,
    detail: String,
    share_due_pct: Option<u32>,
    share_of: Option<&'static str>,
    announced: Option<NaiveDate>,
    source: String,
}

fn events(timeline: &Timeline) -> Vec<Event> {
    let spec = timeline.spec();
    let mut out = Vec::new();
    for (cycle, c) in &spec.cycles {
        let count = c.deadlines.len();
        for (i, (name, d)) in c.deadlines.iter().enumerate() {
            out.push(Event {
                date: d.date,
                event: if i + 1 == count {
                    "final deadline"
                } else {
                    "interim deadline"
                },
                cycle: cycle.clone(),
                detail: name.clone(),
                share_due_pct: Some(d.share_pct),
                share_of: Some(match d.share_of {
                    ShareOf::Volume => "volume",
                    ShareOf::Entities => "entities",
                }),
                announced: c.announced(d),
                source: d.source.clone(),
            });
        }
    }
    for (code, v) in &spec.vintages {
        let cycle = v
            .years
            .first()
            .and_then(|y| timeline.cycle_of_year(*y))
            .and_then(|k| spec.cycles.get_index(k))
            .map_or_else(String::new, |(name, _)| name.clone());
        for (date, event) in [
            (v.credited, "allocation credited"),
            (v.listed, "vintage listed"),
        ] {
            out.push(Event {
                date,
                event,
                cycle: cycle.clone(),
                detail: code.clone(),
                share_due_pct: None,
                share_of: None,
                announced: None,
                source: v.source.clone(),
            });
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

/// The timeline of `config` as columns: date, event, cycle, detail, share_due_pct, share_of,
/// announced, in_run, source.
pub fn columns<'py>(py: Python<'py>, config: &ScenarioConfig) -> PyResult<Bound<'py, PyDict>> {
    let timeline = config.timeline().map_err(|e| errors::config(&e))?;
    let rows = events(&timeline);
    let (start, end) = (config.start, config.end);
    let mut c = Columns::new(py);
    c.dates("date", rows.iter().map(|e| e.date))?;
    c.add("event", rows.iter().map(|e| e.event).collect())?;
    c.add("cycle", rows.iter().map(|e| e.cycle.clone()).collect())?;
    c.add("detail", rows.iter().map(|e| e.detail.clone()).collect())?;
    c.add(
        "share_due_pct",
        rows.iter().map(|e| e.share_due_pct).collect(),
    )?;
    c.add("share_of", rows.iter().map(|e| e.share_of).collect())?;
    c.optional_dates("announced", rows.iter().map(|e| e.announced))?;
    c.add(
        "in_run",
        rows.iter()
            .map(|e| start <= e.date && e.date <= end)
            .collect(),
    )?;
    c.add("source", rows.iter().map(|e| e.source.clone()).collect())?;
    c.finish()
}
