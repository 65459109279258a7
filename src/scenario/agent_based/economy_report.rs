//! The firms' economics in a run's outputs: abatement per emission year (in `summary.txt` and
//! `report.json`), per firm and year (`abatement.csv`), and the market's outlook month by month.

use std::fmt::Write as _;

use serde::Serialize;

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
    /// Abatement per emission year.
    pub abatement: Vec<AbatementYear>,
    /// The outlook at each month's first trading day.
    pub outlook: &'a [OutlookDay],
}

/// The economics section of `report.json`.
#[must_use]
pub fn economics_report(run: &AgentRun) -> EconomicsReport<'_> {
    EconomicsReport {
        abatement: run
            .economics
            .by_year()
            .into_iter()
            .map(|(year, abated_t, cost_cny, firms_abating)| AbatementYear {
                year,
                sector: "power",
                abated_t,
                cost_cny,
                firms_abating,
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
        for (name, f) in e.firms.iter().zip(firms).filter(|(_, f)| f.abated_t > 0) {
            let _ = writeln!(out, "{year},{name},power,{},{}", f.abated_t, f.cost);
        }
    }
    out
}

/// The abatement table of `summary.txt` (empty without abatement).
#[must_use]
pub fn abatement_table(run: &AgentRun) -> String {
    let rows = run.economics.by_year();
    if rows.is_empty() {
        return String::new();
    }
    let mut t = TextTable::new(&[
        ("abatement (power)", Align::Left),
        ("abated (t)", Align::Right),
        ("cost (CNY)", Align::Right),
        ("average (CNY/t)", Align::Right),
        ("firms abating", Align::Right),
    ]);
    for (year, tonnes, cost, firms) in rows {
        let average = if tonnes > 0 {
            format!("{:.2}", cost.to_f64() / tonnes as f64)
        } else {
            "-".into()
        };
        t.row([
            format!("emission year {year}"),
            group_thousands(&tonnes.to_string()),
            group_thousands(&format!("{:.0}", cost.to_f64())),
            average,
            group_thousands(&firms.to_string()),
        ]);
    }
    format!("\n{t}")
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
