//! A calibration's files: the calibrated scenario (`calibrated.toml`, which `carbonsim run`
//! reads), `history.csv` (every evaluation), `fit.md` (each target at the optimum),
//! `report.json`, and the checkpoint.

use std::fmt::Write as _;

use serde::Serialize;

use super::checkpoint::CHECKPOINT;
use super::optimiser::Stop;
use super::{Calibration, Fitted};
use crate::report::{OutputSet, ReportError};
use crate::scenario::study::montecarlo::{CARBONSIM_VERSION, SeedRange};

fn serialise(what: &str, message: impl std::fmt::Display) -> ReportError {
    ReportError::Serialise {
        what: what.into(),
        message: message.to_string(),
    }
}

/// The calibration's outputs.
///
/// # Errors
/// A serialisation failure.
pub fn outputs(c: &Calibration) -> Result<OutputSet, ReportError> {
    let mut set = OutputSet::new();
    set.add("calibrated.toml", calibrated_toml(c)?)?;
    set.add("history.csv", history_csv(c)?)?;
    set.add("fit.md", fit_md(c))?;
    let json = serde_json::to_string_pretty(&report(c)).map_err(|e| serialise("report.json", e))?;
    set.add("report.json", json + "\n")?;
    set.add(CHECKPOINT, c.checkpoint.clone())?;
    Ok(set)
}

fn calibrated_toml(c: &Calibration) -> Result<String, ReportError> {
    let body = toml::to_string(&c.calibrated).map_err(|e| serialise("calibrated.toml", e))?;
    let best = &c.history[c.best];
    let mut out = format!(
        "# {} calibrated by carbonsim {CARBONSIM_VERSION} (calibration {}): D = {:.6} at evaluation {}\n",
        c.base.name,
        c.hash,
        best.objective,
        c.best + 1
    );
    for f in fitted(c) {
        let _ = writeln!(out, "# {} = {} (box {}:{})", f.path, f.best, f.lo, f.hi);
    }
    Ok(out + &body)
}

fn history_csv(c: &Calibration) -> Result<String, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["evaluation".to_owned()];
    header.extend(c.ranges.iter().map(|r| r.path().to_owned()));
    header.push("objective".into());
    let fail = |e: csv::Error| serialise("history.csv", e);
    w.write_record(&header).map_err(fail)?;
    for (i, e) in c.history.iter().enumerate() {
        let mut row = vec![(i + 1).to_string()];
        row.extend(e.values.iter().cloned());
        row.push(format!("{}", e.objective));
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| serialise("history.csv", e))?;
    String::from_utf8(bytes).map_err(|e| serialise("history.csv", e))
}

fn fitted(c: &Calibration) -> Vec<Fitted> {
    let (first, best) = (&c.history[0], &c.history[c.best]);
    c.ranges
        .iter()
        .enumerate()
        .map(|(i, r)| Fitted {
            path: r.path().to_owned(),
            lo: r.lo(),
            hi: r.hi(),
            start: first.values.get(i).cloned().unwrap_or_default(),
            best: best.values.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

/// A number for a table: thousands as integers, smaller values with four significant digits.
fn shown(x: f64) -> String {
    if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

fn fit_md(c: &Calibration) -> String {
    let (first, best) = (&c.history[0], &c.history[c.best]);
    let mut out = format!(
        "# Calibration of {}\n\nD = {:.6} at evaluation {} of {} (start: D = {:.6}); stopped: {}. \
         {} seeds per evaluation from {}. Calibration {}.\n\n",
        c.base.name,
        best.objective,
        c.best + 1,
        c.history.len(),
        first.objective,
        stop_text(c.stop),
        c.seeds.count,
        c.seeds.first,
        c.hash
    );
    out.push_str("| parameter | box | start | calibrated |\n|---|---|---|---|\n");
    for f in fitted(c) {
        let _ = writeln!(
            out,
            "| `{}` | {} – {} | {} | {} |",
            f.path, f.lo, f.hi, f.start, f.best
        );
    }
    out.push_str(
        "\n| statistic | unit | target (published) | simulated at the optimum | error | weight |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    for (t, m) in c.targets.iter().zip(&best.simulated) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:+.1} % | {} |",
            t.key,
            t.unit(),
            shown(t.published),
            shown(*m),
            (m - t.published) / t.published * 100.0,
            t.weight
        );
    }
    out.push_str(
        "\nD is the weighted mean of the squared relative errors of the seeds' mean statistics \
         (docs/model.md, \"Calibration by simulated moments\").\n",
    );
    out
}

fn stop_text(stop: Stop) -> &'static str {
    match stop {
        Stop::Converged => "converged (the simplex's values agree to the tolerance)",
        Stop::Budget => "evaluation budget spent",
    }
}

/// `report.json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    carbonsim_version: &'a str,
    scenario: &'a str,
    scenario_hash: String,
    calibration: &'a str,
    seeds: SeedRange,
    max_evals: usize,
    tolerance: f64,
    evaluations: usize,
    stop: Stop,
    objective_start: f64,
    objective_best: f64,
    best_evaluation: usize,
    parameters: Vec<Fitted>,
    fit: Vec<FitRow<'a>>,
}

#[derive(Debug, Serialize)]
struct FitRow<'a> {
    statistic: &'a str,
    name: &'a str,
    unit: &'a str,
    target: f64,
    simulated: f64,
    relative_error: f64,
    weight: f64,
}

fn report(c: &Calibration) -> Report<'_> {
    let best = &c.history[c.best];
    Report {
        carbonsim_version: CARBONSIM_VERSION,
        scenario: &c.base.name,
        scenario_hash: c.base.content_hash(),
        calibration: &c.hash,
        seeds: c.seeds,
        max_evals: c.settings.max_evals,
        tolerance: c.settings.tolerance,
        evaluations: c.history.len(),
        stop: c.stop,
        objective_start: c.history[0].objective,
        objective_best: best.objective,
        best_evaluation: c.best + 1,
        parameters: fitted(c),
        fit: c
            .targets
            .iter()
            .zip(&best.simulated)
            .map(|(t, m)| FitRow {
                statistic: &t.key,
                name: &t.name,
                unit: t.unit(),
                target: t.published,
                simulated: *m,
                relative_error: (m - t.published) / t.published,
                weight: t.weight,
            })
            .collect(),
    }
}
