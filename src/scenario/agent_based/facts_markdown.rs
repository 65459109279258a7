//! The certificate facts of a run as Markdown (`certificates.md`): the same rows as the
//! summary's "certificates vs published" and GEC production-year tables, in the form
//! `docs/model.md` quotes, so a page can carry a run's figures as the run wrote them.

use std::fmt::Write as _;

use super::AgentRun;
use super::certificate_facts::production_years;
use super::gec_vintages::total;
use super::report::{FactCheck, facts};
use crate::report::group_thousands;

/// The run's certificate facts and its GEC trading by production year as two Markdown tables,
/// or an empty string when the run simulated neither market.
#[must_use]
pub fn certificates_markdown(run: &AgentRun) -> String {
    let checks = facts(run);
    if checks.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "| figure | published | simulated | source | scope |\n|---|---|---|---|---|\n",
    );
    for f in &checks {
        let note = if f.note.is_empty() { "—" } else { &f.note };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.fact,
            shown(f, f.published),
            shown(f, f.simulated),
            f.source,
            note
        );
    }
    out.push_str(&production_year_rows(run));
    out
}

/// A price as `CNY x.xx`; any other figure (certificates, tonnes, MWh) in millions to the
/// hundredth; `—` where there is none.
fn shown(f: &FactCheck, value: Option<f64>) -> String {
    let Some(x) = value else {
        return "—".into();
    };
    if f.fact.contains("price") {
        format!("CNY {x:.2}")
    } else {
        format!("{} M", group_thousands(&format!("{:.2}", x / 1e6)))
    }
}

/// GEC exchange trading by calendar year and production year (empty without GEC trades).
fn production_year_rows(run: &AgentRun) -> String {
    let v = &run.gec_vintages;
    let keys = production_years(v);
    if keys.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n| traded in | output of | volume (M certificates) | average price (CNY) |\n|---|---|---|---|\n",
    );
    for (year, py) in keys {
        let s = total(v, |x| x.month.year() == year && x.production_year == py);
        let _ = writeln!(
            out,
            "| {year} | {py} | {} | {} |",
            group_thousands(&format!("{:.2}", s.volume.units() as f64 / 1e6)),
            s.average_price.map(|p| p.to_string()).unwrap_or_default()
        );
    }
    out
}
