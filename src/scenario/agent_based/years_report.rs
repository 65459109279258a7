//! A run year by year: each subject's market per calendar year (volume, turnover, volume-weighted
//! price, year-end close) and each cycle's sectors (allocation, emissions, abatement, trading,
//! offsets, surrender, banking and what a cap voided, compliance), in `summary.txt` and
//! `report.json`. Both are sums of the run's daily rows and firm panel, exact.

use std::fmt::Write as _;

use chrono::Datelike;
use indexmap::IndexMap;
use serde::Serialize;

use super::AgentRun;
use crate::report::{Align, TextTable, group_thousands};
use crate::units::{Money, Price, Quantity};

/// One subject's market in one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectYear {
    /// The calendar year.
    pub year: i32,
    /// The subject (`COMCEA` for all allowance vintages together, `CEA21`, `CCER`, …).
    pub subject: String,
    /// Traded, listed and block, t (certificates for GEC).
    pub volume: Quantity,
    /// Turnover, CNY.
    pub turnover: Money,
    /// Turnover over volume, rounded to the fen (none without trades).
    pub vwap: Option<Price>,
    /// The close of the year's last trading day in the run.
    pub close: Price,
}

/// One sector's entities in one compliance cycle, summed over the firm panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SectorCycle {
    /// The cycle.
    pub cycle: String,
    /// The sector.
    pub sector: String,
    /// Entities with a row in the panel.
    pub entities: usize,
    /// Allocation, t.
    pub allocation: Quantity,
    /// Verified emissions after abatement, t.
    pub emissions: Quantity,
    /// Abated, t.
    pub abated: Quantity,
    /// What the abatement cost, CNY.
    pub abatement_cost: Money,
    /// Allowances bought and sold while the cycle was in force, t.
    pub bought: Quantity,
    /// See `bought`.
    pub sold: Quantity,
    /// CCER cancelled as offsets, t.
    pub offsets_used: Quantity,
    /// Counted towards the obligation, t.
    pub surrendered: Quantity,
    /// Missing at the latest deadline settled, t.
    pub shortfall: Quantity,
    /// Held after the final deadline, t.
    pub banked: Quantity,
    /// Cancelled by a banking cap, t.
    pub voided: Quantity,
    /// Fines, CNY.
    pub fined: Money,
    /// Entities settled with nothing missing.
    pub in_full: usize,
}

/// Each subject's market per calendar year, years in order, subjects in order of appearance.
#[must_use]
pub fn subject_years(run: &AgentRun) -> Vec<SubjectYear> {
    let mut by: IndexMap<(i32, String), SubjectYear> = IndexMap::new();
    for d in &run.days {
        let key = (d.date.year(), d.subject.clone());
        let row = by.entry(key).or_insert_with(|| SubjectYear {
            year: d.date.year(),
            subject: d.subject.clone(),
            volume: Quantity::ZERO,
            turnover: Money::ZERO,
            vwap: None,
            close: d.close,
        });
        row.volume += d.listed_volume + d.block_volume;
        row.turnover += d.listed_turnover + d.block_turnover;
        row.close = d.close;
    }
    let mut rows: Vec<SubjectYear> = by.into_values().collect();
    for r in &mut rows {
        r.vwap = vwap(r.turnover, r.volume);
    }
    rows.sort_by_key(|r| r.year);
    rows
}

fn vwap(turnover: Money, volume: Quantity) -> Option<Price> {
    let v = i128::from(volume.units());
    (v > 0).then(|| {
        let fen = (turnover.fen() + v / 2) / v;
        Price::from_fen(i64::try_from(fen).unwrap_or(i64::MAX))
    })
}

/// Each cycle's sectors, cycles and sectors in order of appearance in the panel.
#[must_use]
pub fn sector_cycles(run: &AgentRun) -> Vec<SectorCycle> {
    let mut by: IndexMap<(String, String), SectorCycle> = IndexMap::new();
    for f in &run.panel {
        let s = by
            .entry((f.cycle.clone(), f.sector.clone()))
            .or_insert_with(|| SectorCycle {
                cycle: f.cycle.clone(),
                sector: f.sector.clone(),
                ..SectorCycle::default()
            });
        s.entities += 1;
        s.allocation += f.allocation;
        s.emissions += f.emissions;
        s.abated += f.abated;
        s.abatement_cost += f.abatement_cost;
        s.bought += f.bought;
        s.sold += f.sold;
        s.offsets_used += f.offsets_used;
        s.surrendered += f.surrendered;
        s.shortfall += f.shortfall;
        s.banked += f.banked;
        s.voided += f.voided;
        s.fined += f.fined;
        s.in_full += usize::from(f.settled.is_some() && f.shortfall.is_zero());
    }
    by.into_values().collect()
}

fn t(q: Quantity) -> String {
    group_thousands(&q.units().to_string())
}

fn cny(m: Money) -> String {
    group_thousands(&format!("{:.0}", m.to_f64()))
}

/// The two tables of `summary.txt`.
#[must_use]
pub fn years_tables(run: &AgentRun) -> String {
    let mut market = TextTable::new(&[
        ("year", Align::Left),
        ("subject", Align::Left),
        ("volume (t)", Align::Right),
        ("turnover (CNY)", Align::Right),
        ("VWAP (CNY/t)", Align::Right),
        ("year-end close (CNY/t)", Align::Right),
    ]);
    for r in subject_years(run) {
        let vwap = r.vwap.map_or_else(|| "-".to_owned(), |p| p.to_string());
        let row = [
            r.year.to_string(),
            r.subject,
            t(r.volume),
            cny(r.turnover),
            vwap,
        ];
        market.row(row.into_iter().chain([r.close.to_string()]));
    }
    let mut sectors = TextTable::new(&[
        ("cycle", Align::Left),
        ("sector", Align::Left),
        ("entities", Align::Right),
        ("allocation (t)", Align::Right),
        ("emissions (t)", Align::Right),
        ("abated (t)", Align::Right),
        ("bought (t)", Align::Right),
        ("offsets (t)", Align::Right),
        ("shortfall (t)", Align::Right),
        ("banked (t)", Align::Right),
        ("voided (t)", Align::Right),
        ("in full", Align::Right),
    ]);
    for s in sector_cycles(run) {
        sectors.row([
            s.cycle,
            s.sector,
            s.entities.to_string(),
            t(s.allocation),
            t(s.emissions),
            t(s.abated),
            t(s.bought),
            t(s.offsets_used),
            t(s.shortfall),
            t(s.banked),
            t(s.voided),
            s.in_full.to_string(),
        ]);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "\nmarket by year\n{market}\nsectors by cycle\n{sectors}"
    );
    out
}

/// The by-year section of `report.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearsReport {
    /// Each subject's market per calendar year.
    pub market: Vec<SubjectYear>,
    /// Each cycle's sectors.
    pub sectors: Vec<SectorCycle>,
}

/// The by-year section of `report.json`.
#[must_use]
pub fn years_report(run: &AgentRun) -> YearsReport {
    YearsReport {
        market: subject_years(run),
        sectors: sector_cycles(run),
    }
}
