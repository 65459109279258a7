//! The firms' economics in a run's outputs: abatement per emission year and sector (in
//! `summary.txt` and `report.json`), per firm and year (`abatement.csv`), and the market's
//! outlook month by month.

use std::fmt::Write as _;

use serde::Serialize;

use super::economy::SectorAbatement;
use super::{AgentRun, OutlookDay};
use crate::report::{Align, TextTable, group_thousands};
use crate::units::Money;

/// One emission year's abatement, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbatementYear {
    /// The emission year.
    pub year: i32,
    /// Sector of the abating firms.
    pub sector: &'static str,
    /// Tonnes abated.
    pub abated_t: u64,
    /// What it cost, CNY.
    pub cost_cny: Money,
    /// Firms that abated.
    pub firms_abating: usize,
}

/// The economics section of `report.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EconomicsReport<'a> {
    /// Abatement per emission year and sector.
    pub abatement: Vec<AbatementYear>,
    /// The outlook at each month's first trading day and each day its horizon moved.
    pub outlook: &'a [OutlookDay],
}

/// The economics section of `report.json`.
#[must_use]
pub fn economics_report(run: &AgentRun) -> EconomicsReport<'_> {
    EconomicsReport {
        abatement: run
            .economics
            .by_year_and_sector()
            .into_iter()
            .map(|r| AbatementYear {
                year: r.year,
                sector: r.sector.name(),
                abated_t: r.abated_t,
                cost_cny: r.cost,
                firms_abating: r.firms_abating,
            })
            .collect(),
        outlook: &run.economics.outlook,
    }
}

/// `abatement.csv`: one row per firm and emission year with abatement.
#[must_use]
pub fn abatement_csv(run: &AgentRun) -> String {
    let mut out = String::from("year,firm,sector,abated_t,cost_cny\n");
    let e = &run.economics;
    for (year, firms) in &e.abatement {
        let rows = e.firms.iter().zip(firms).enumerate();
        for (i, (name, f)) in rows.filter(|(_, (_, f))| f.abated_t > 0) {
            let sector = e.sector_of(i);
            let _ = writeln!(out, "{year},{name},{sector},{},{}", f.abated_t, f.cost);
        }
    }
    out
}

/// The abatement tables of `summary.txt`, one per sector in [`crate::compliance::sector::Sector`]
/// order (empty without abatement).
#[must_use]
pub fn abatement_table(run: &AgentRun) -> String {
    let mut rows = run.economics.by_year_and_sector();
    rows.sort_by_key(|r| (r.sector, r.year));
    let mut out = String::new();
    for sector in rows.chunk_by(|a, b| a.sector == b.sector) {
        let _ = write!(out, "\n{}", sector_table(sector));
    }
    out
}

/// One sector's abatement per emission year.
fn sector_table(rows: &[SectorAbatement]) -> TextTable {
    let title = format!(
        "abatement ({})",
        rows.first().map_or("", |r| r.sector.name())
    );
    let mut t = TextTable::new(&[
        (title.as_str(), Align::Left),
        ("abated (t)", Align::Right),
        ("cost (CNY)", Align::Right),
        ("average (CNY/t)", Align::Right),
        ("firms abating", Align::Right),
    ]);
    for r in rows {
        let average = if r.abated_t > 0 {
            format!("{:.2}", r.cost.to_f64() / r.abated_t as f64)
        } else {
            "-".into()
        };
        t.row([
            format!("emission year {}", r.year),
            group_thousands(&r.abated_t.to_string()),
            group_thousands(&format!("{:.0}", r.cost.to_f64())),
            average,
            group_thousands(&r.firms_abating.to_string()),
        ]);
    }
    t
}

/// The outlook line of `summary.txt`: its first and last values.
#[must_use]
pub fn outlook_lines(run: &AgentRun) -> String {
    let path = &run.economics.outlook;
    let (Some(first), Some(last)) = (path.first(), path.last()) else {
        return String::new();
    };
    let line = |d: &OutlookDay| {
        format!(
            "{}: fundamental {} CNY/t, horizon price {} CNY/t at {}, net deficit {} t",
            d.date,
            d.outlook.fundamental,
            d.outlook.horizon,
            d.horizon,
            group_thousands(&d.deficit_t.to_string())
        )
    };
    format!(
        "outlook (first and last month):\n  {}\n  {}\n",
        line(first),
        line(last)
    )
}
