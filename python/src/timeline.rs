//! What a scenario says about its compliance calendar today: the two cycles' deadlines and the
//! dated steps of the 2021–2023 rules that the agent-based run applies, each marked as inside the
//! run or not. (The library's policy timeline type replaces this when it lands.)

use carbonsim::compliance::cycle::CycleRules;
use carbonsim::scenario::agent_based::{PERIOD2_CREDIT, VINTAGE_SPLIT};
use carbonsim::scenario::config::ScenarioConfig;
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::columns::Columns;

struct Event {
    date: NaiveDate,
    event: &'static str,
    cycle: String,
    share_due_pct: Option<u32>,
}

fn events() -> Vec<Event> {
    let mut out = Vec::new();
    for rules in [CycleRules::first_period(), CycleRules::second_period()] {
        if let Some(i) = &rules.interim {
            out.push(Event {
                date: i.date,
                event: "interim deadline",
                cycle: rules.name.clone(),
                share_due_pct: Some(i.share_pct),
            });
        }
        out.push(Event {
            date: rules.deadline,
            event: "final deadline",
            cycle: rules.name.clone(),
            share_due_pct: Some(100),
        });
    }
    out.push(Event {
        date: PERIOD2_CREDIT,
        event: "allocation credited",
        cycle: CycleRules::second_period().name,
        share_due_pct: None,
    });
    out.push(Event {
        date: VINTAGE_SPLIT,
        event: "vintages listed (CEA21, CEA22)",
        cycle: CycleRules::second_period().name,
        share_due_pct: None,
    });
    out.sort_by_key(|e| e.date);
    out
}

/// The compliance calendar of `config` as columns: date, event, cycle, share_due_pct, in_run.
pub fn columns<'py>(py: Python<'py>, config: &ScenarioConfig) -> PyResult<Bound<'py, PyDict>> {
    let rows = events();
    let (start, end) = (config.start, config.end);
    let mut c = Columns::new(py);
    c.dates("date", rows.iter().map(|e| e.date))?;
    c.add("event", rows.iter().map(|e| e.event).collect())?;
    c.add("cycle", rows.iter().map(|e| e.cycle.clone()).collect())?;
    c.add(
        "share_due_pct",
        rows.iter().map(|e| e.share_due_pct).collect(),
    )?;
    c.add(
        "in_run",
        rows.iter()
            .map(|e| start <= e.date && e.date <= end)
            .collect(),
    )?;
    c.finish()
}
