//! `run_columns`: one agent-based run (with any Python agents) as columns and its report.

use std::sync::{Arc, Mutex};

use carbonsim::exchange::Exchange;
use carbonsim::registry::{AccountId, AccountKind, Market, SubjectId};
use carbonsim::scenario::agent_based::{AgentRun, World};
use carbonsim::scenario::agent_report;
use carbonsim::scenario::study::headline;
use carbonsim::scenario::study::stats::Compared;
use carbonsim::units::Money;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::agent::{ErrorSlot, PyAgent};
use crate::columns::{Columns, fen, price, units};
use crate::errors::{self, AgentError, RunError};
use crate::scenario::NativeScenario;

/// One Python agent to add: the object, its account name, account kind and opening cash (CNY).
type AgentSpec = (Py<PyAny>, String, String, String);

fn account_kind(name: &str) -> PyResult<AccountKind> {
    Ok(match name {
        "covered_entity" => AccountKind::CoveredEntity,
        "institution" => AccountKind::Institution,
        "project_owner" => AccountKind::ProjectOwner,
        "renewable_generator" => AccountKind::RenewableGenerator,
        "certificate_buyer" => AccountKind::CertificateBuyer,
        _ => {
            return Err(PyValueError::new_err(format!(
                "account kind {name:?}: expected institution, covered_entity, project_owner, \
                 renewable_generator or certificate_buyer"
            )));
        }
    })
}

fn kind_name(k: AccountKind) -> &'static str {
    match k {
        AccountKind::CoveredEntity => "covered_entity",
        AccountKind::ProjectOwner => "project_owner",
        AccountKind::RenewableGenerator => "renewable_generator",
        AccountKind::CertificateBuyer => "certificate_buyer",
        AccountKind::Institution => "institution",
        AccountKind::Operator => "operator",
    }
}

/// Runs `scenario` under `seed` (the scenario's by default) with `agents` added beside the
/// built-in fleet, the GIL released while the engine works.
#[pyfunction]
#[pyo3(signature = (scenario, seed=None, agents=Vec::new()))]
pub fn run_columns<'py>(
    py: Python<'py>,
    scenario: &NativeScenario,
    seed: Option<u64>,
    agents: Vec<AgentSpec>,
) -> PyResult<Bound<'py, PyDict>> {
    let config = scenario.config.clone();
    let seed = seed.unwrap_or(config.seed);
    let slot: ErrorSlot = Arc::new(Mutex::new(None));
    let mut added = Vec::with_capacity(agents.len());
    for (object, name, kind, cash) in agents {
        let cash: Money = cash
            .parse()
            .map_err(|e| PyValueError::new_err(format!("agent {name:?} cash {cash}: {e}")))?;
        let agent = PyAgent::new(py, object, slot.clone())?;
        added.push((account_kind(&kind)?, name, cash, agent));
    }
    let result = py.detach(move || {
        let mut world = World::new(&config, seed)?;
        for (kind, name, cash, agent) in added {
            world.add_agent(kind, &name, cash, Box::new(agent))?;
        }
        world.run_keeping_market()
    });
    if let Some(e) = slot.lock().ok().and_then(|mut s| s.take()) {
        let err = AgentError::new_err(format!("a Python agent failed: {e}"));
        err.set_cause(py, Some(e));
        return Err(err);
    }
    let (run, exchange) = result.map_err(|e| errors::run(&e))?;
    let report = serde_json::to_string(&agent_report::report(&run))
        .map_err(|e| RunError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    out.set_item("daily", daily(py, &run)?)?;
    out.set_item("firms", firms(py, &exchange)?)?;
    out.set_item("compliance", compliance(py, &run.compliance)?)?;
    out.set_item("statistics", statistics(py, &run)?)?;
    out.set_item("auctions", auctions(py, &run)?)?;
    out.set_item("reserve", reserve(py, &run)?)?;
    out.set_item("report_json", report)?;
    Ok(out)
}

fn daily<'py>(py: Python<'py>, run: &AgentRun) -> PyResult<Bound<'py, PyDict>> {
    let d = &run.days;
    let mut c = Columns::new(py);
    c.dates("date", d.iter().map(|x| x.date))?;
    c.add("subject", d.iter().map(|x| x.subject.clone()).collect())?;
    c.add("close_fen", d.iter().map(|x| price(x.close)).collect())?;
    c.add(
        "listed_volume_t",
        d.iter().map(|x| units(x.listed_volume)).collect(),
    )?;
    c.add(
        "listed_turnover_fen",
        d.iter().map(|x| fen(x.listed_turnover)).collect(),
    )?;
    c.add(
        "block_volume_t",
        d.iter().map(|x| units(x.block_volume)).collect(),
    )?;
    c.add(
        "block_turnover_fen",
        d.iter().map(|x| fen(x.block_turnover)).collect(),
    )?;
    c.finish()
}

/// Per account: what it traded (from the exchange's tape) and what it holds at the end.
#[derive(Default, Clone)]
struct AccountRow {
    bought: u64,
    sold: u64,
    paid: i128,
    received: i128,
    fees: i128,
    held: [u64; 3],
}

fn account_rows(ex: &Exchange) -> PyResult<Vec<AccountRow>> {
    let reg = ex.registry();
    let mut rows = vec![AccountRow::default(); reg.account_count()];
    for t in ex.tape() {
        let value = i128::from(t.price.fen()) * i128::from(t.quantity.units());
        let b = &mut rows[t.buyer.0 as usize];
        b.bought += t.quantity.units();
        b.paid += value;
        b.fees += t.buyer_fee.fen();
        let s = &mut rows[t.seller.0 as usize];
        s.sold += t.quantity.units();
        s.received += value;
        s.fees += t.seller_fee.fen();
    }
    let failed = |e: carbonsim::registry::RegistryError| RunError::new_err(e.to_string());
    for s in 0..reg.subject_count() as u32 {
        let market = reg.subject(SubjectId(s)).map_err(failed)?.market();
        let m = match market {
            Market::Cea => 0,
            Market::Ccer => 1,
            Market::Gec => 2,
        };
        for (a, row) in rows.iter_mut().enumerate() {
            let h = reg
                .holding(AccountId(a as u32), SubjectId(s))
                .map_err(failed)?;
            row.held[m] += units(h.available) + units(h.frozen) + units(h.pending);
        }
    }
    Ok(rows)
}

fn firms<'py>(py: Python<'py>, ex: &Exchange) -> PyResult<Bound<'py, PyDict>> {
    let reg = ex.registry();
    let rows = account_rows(ex)?;
    let failed = |e: carbonsim::registry::RegistryError| RunError::new_err(e.to_string());
    let mut names = Vec::with_capacity(rows.len());
    let mut kinds = Vec::with_capacity(rows.len());
    let mut cash = Vec::with_capacity(rows.len());
    for a in 0..rows.len() as u32 {
        let account = reg.account(AccountId(a)).map_err(failed)?;
        names.push(account.name.clone());
        kinds.push(kind_name(account.kind));
        let c = reg.cash(AccountId(a)).map_err(failed)?;
        cash.push(fen(c.available + c.frozen + c.pending));
    }
    let money = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    let mut c = Columns::new(py);
    c.add("account", (0..rows.len() as u32).collect())?;
    c.add("name", names)?;
    c.add("kind", kinds)?;
    c.add("bought_t", rows.iter().map(|r| r.bought).collect())?;
    c.add("sold_t", rows.iter().map(|r| r.sold).collect())?;
    c.add("paid_fen", rows.iter().map(|r| money(r.paid)).collect())?;
    c.add(
        "received_fen",
        rows.iter().map(|r| money(r.received)).collect(),
    )?;
    c.add("fees_fen", rows.iter().map(|r| money(r.fees)).collect())?;
    c.add("cash_end_fen", cash)?;
    c.add("cea_held_t", rows.iter().map(|r| r.held[0]).collect())?;
    c.add("ccer_held", rows.iter().map(|r| r.held[1]).collect())?;
    c.add("gec_held", rows.iter().map(|r| r.held[2]).collect())?;
    c.finish()
}

/// One row per compliance deadline settled in a run (also used by the replay's summary).
pub fn compliance<'py>(
    py: Python<'py>,
    rows: &[carbonsim::scenario::replay::ComplianceSummary],
) -> PyResult<Bound<'py, PyDict>> {
    let mut c = Columns::new(py);
    c.add("cycle", rows.iter().map(|r| r.cycle.clone()).collect())?;
    c.dates("deadline", rows.iter().map(|r| r.date))?;
    c.add("share_due_pct", rows.iter().map(|r| r.share_pct).collect())?;
    c.add("entities", rows.iter().map(|r| r.entities as u64).collect())?;
    c.add(
        "entities_complying",
        rows.iter().map(|r| r.entities_complying as u64).collect(),
    )?;
    c.add(
        "obligation_t",
        rows.iter().map(|r| units(r.obligation)).collect(),
    )?;
    c.add("covered_t", rows.iter().map(|r| units(r.covered)).collect())?;
    c.add(
        "shortfall_t",
        rows.iter().map(|r| units(r.shortfall)).collect(),
    )?;
    c.add(
        "rate_by_volume_bp",
        rows.iter().map(|r| r.rate_by_volume_bp).collect(),
    )?;
    c.add(
        "rate_by_entities_bp",
        rows.iter().map(|r| r.rate_by_entities_bp).collect(),
    )?;
    c.add("fines_fen", rows.iter().map(|r| fen(r.fines)).collect())?;
    c.finish()
}

/// One row per auction of a capped market's allowances (none without instruments).
fn auctions<'py>(py: Python<'py>, run: &AgentRun) -> PyResult<Bound<'py, PyDict>> {
    let a = &run.instruments.auctions;
    let mut c = Columns::new(py);
    c.dates("date", a.iter().map(|x| x.date))?;
    c.add("plan", a.iter().map(|x| x.plan.clone()).collect())?;
    c.add("subject", a.iter().map(|x| x.subject.clone()).collect())?;
    c.add("offered_t", a.iter().map(|x| units(x.offered)).collect())?;
    c.add("bids", a.iter().map(|x| x.bids as u64).collect())?;
    c.add("sold_t", a.iter().map(|x| units(x.sold)).collect())?;
    c.add(
        "clearing_price_fen",
        a.iter().map(|x| x.price.map(price)).collect(),
    )?;
    c.add("revenue_fen", a.iter().map(|x| fen(x.revenue)).collect())?;
    c.add("unsold_t", a.iter().map(|x| units(x.unsold)).collect())?;
    c.add("unsold_to", a.iter().map(|x| label(&x.unsold_to)).collect())?;
    c.finish()
}

/// One row per move of the allowance reserve (none without instruments).
fn reserve<'py>(py: Python<'py>, run: &AgentRun) -> PyResult<Bound<'py, PyDict>> {
    let r = &run.instruments.reserve;
    let mut c = Columns::new(py);
    c.dates("date", r.iter().map(|x| x.date))?;
    c.add("action", r.iter().map(|x| label(&x.action)).collect())?;
    c.add("quantity_t", r.iter().map(|x| units(x.quantity)).collect())?;
    c.add("because", r.iter().map(|x| x.because.clone()).collect())?;
    c.add(
        "held_after_t",
        r.iter().map(|x| units(x.held_after)).collect(),
    )?;
    c.finish()
}

/// A unit enum's name in lower case (`reserve`, `intake`, …), as in the CSV outputs.
fn label<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}").to_lowercase()
}

/// The run's calibration statistics, as the study and the CLI name them
/// ([`headline::calibration_values`]), with the close path's RMSE after them.
fn statistics<'py>(py: Python<'py>, run: &AgentRun) -> PyResult<Bound<'py, PyDict>> {
    let mut rows: Vec<(String, f64, Option<f64>, Option<f64>)> = Vec::new();
    if let Some(cal) = &run.calibration {
        for (name, simulated, published) in headline::calibration_values(cal) {
            let published = published.is_finite().then_some(published);
            let compared = published.map(|p| Compared::new(simulated, p));
            let error = compared.and_then(|c| c.relative_error);
            rows.push((name, simulated, published, error));
        }
        rows.push((
            "close path RMSE (CNY)".into(),
            cal.close_path.rmse,
            None,
            None,
        ));
    }
    let mut c = Columns::new(py);
    c.add("statistic", rows.iter().map(|r| r.0.clone()).collect())?;
    c.add("simulated", rows.iter().map(|r| r.1).collect())?;
    c.add("published", rows.iter().map(|r| r.2).collect())?;
    c.add("relative_error", rows.iter().map(|r| r.3).collect())?;
    c.finish()
}
