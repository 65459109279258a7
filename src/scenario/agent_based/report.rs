//! The agent-based run's outputs: the daily series of every subject beside the published one,
//! the calibration report against the published allowance market, the CCER and GEC figures each
//! set beside the published fact it answers (with the fact's source and the gap in the public
//! record), charts and a terminal summary. Every file carries the scenario hash, the seed and the
//! carbonsim version.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::certificates::CertificateMonth;
use crate::history::{self, ATTRIBUTION};
use crate::registry::YearMonth;
use crate::report::{
    Align, BarChart, LineChart, OutputSet, Panel, ReportError, TextTable, TimeSeries, axis,
    group_thousands,
};
use crate::scenario::agent_based::AgentRun;
use crate::scenario::config::OutputConfig;
use crate::scenario::replay::ComplianceSummary;
use crate::scenario::replay_report::{DUE_NOTE, due_label, published_compliance};
use crate::scenario::study::facts::YearCompared;
use crate::scenario::study::stats::{CalibrationReport, Compared};
use crate::units::Quantity;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A simulated figure set beside the published fact it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCheck {
    /// What is compared.
    pub fact: String,
    /// The published value, if the public record gives one.
    pub published: Option<f64>,
    /// The simulated value, if the run covers it.
    pub simulated: Option<f64>,
    /// Where the published value comes from.
    pub source: String,
    /// How the two differ in scope, or what the public record lacks.
    pub note: String,
}

fn month(y: u16, m: u8) -> Option<YearMonth> {
    YearMonth::new(y, m)
}

/// The CCER and GEC figures of `run` beside the published facts: only the markets the run
/// simulated (GEC rows with `submarkets.gec`, CCER rows with `submarkets.ccer`), and only the facts
/// whose period the run covers (empty when neither market was simulated).
#[must_use]
pub fn facts(run: &AgentRun) -> Vec<FactCheck> {
    all_facts(run)
        .into_iter()
        .filter(|f| {
            let ccer = f.fact.starts_with("CCER");
            f.simulated.is_some() && if ccer { run.ccer } else { run.gec }
        })
        .collect()
}

/// The published facts that `run` simulates the market of but whose period it does not cover.
#[must_use]
pub fn facts_outside_the_run(run: &AgentRun) -> Vec<FactCheck> {
    all_facts(run)
        .into_iter()
        .filter(|f| {
            let ccer = f.fact.starts_with("CCER");
            f.simulated.is_none() && if ccer { run.ccer } else { run.gec }
        })
        .collect()
}

/// Every published fact beside the run's figure, `None` where the run does not cover it.
fn all_facts(run: &AgentRun) -> Vec<FactCheck> {
    let months = &run.certificates;
    if months.is_empty() {
        return Vec::new();
    }
    let at = |m: Option<YearMonth>| m.and_then(|m| months.iter().find(|c| c.month == m));
    let q = |x: Quantity| x.units() as f64;
    let gec_traded = |c: &CertificateMonth| q(c.gec_traded) + q(c.gec_green_power);
    let jul23 = at(month(2023, 7));
    let oct23 = at(month(2023, 10));
    let dec22 = at(month(2022, 12));
    let dec23 = at(month(2023, 12));
    let fact =
        |fact: &str, published: Option<f64>, simulated: Option<f64>, source: &str, note: &str| {
            FactCheck {
                fact: fact.into(),
                published,
                simulated,
                source: source.into(),
                note: note.into(),
            }
        };
    let mut out = Vec::new();
    out.extend([
        fact(
            "GEC issued, cumulative, end of July 2023",
            Some(120_000_000.0),
            jul23.map(|c| q(c.gec_issued)),
            "CCTV 2023-09-12 citing NEA (\"more than 120 million\")",
            "published is a lower bound; simulated counts the opening stock (all GECs issued before the run) plus the run's issuance",
        ),
        fact(
            "GEC issued, cumulative, end of October 2023",
            Some(148_000_000.0),
            oct23.map(|c| q(c.gec_issued)),
            "China Electric Power News 2024-01-22",
            "",
        ),
        fact(
            "GEC issued, January-July 2023",
            Some(53_040_000.0),
            jul23
                .zip(dec22)
                .map(|(a, b)| q(a.gec_issued) - q(b.gec_issued)),
            "CCTV 2023-09-12 citing NEA",
            "",
        ),
        fact(
            "GEC traded (exchange and green-power deals), January-July 2023",
            Some(26_170_000.0),
            jul23.zip(dec22).map(|(a, b)| gec_traded(a) - gec_traded(b)),
            "CCTV 2023-09-12 citing NEA",
            "",
        ),
        fact(
            "GEC traded, cumulative, end of July 2023",
            Some(46_200_000.0),
            jul23.map(gec_traded),
            "seed figure, unverified (not found in public sources)",
            "published counts trading since 2017; simulated counts trading from the run's start",
        ),
        fact(
            "GEC traded, cumulative, end of 2023",
            Some(100_000_000.0),
            dec23.map(gec_traded),
            "China Electric Power News citing NEA (\"passed 100 million at end-2023\")",
            "published counts trading since 2017; simulated counts trading from the run's start",
        ),
    ]);
    out.extend(certificate_market_facts(months, &fact));
    // The 2024-2026 facts, for a run that reaches 2024 (a shorter run's summary stays as it was).
    if months
        .last()
        .is_some_and(|c| Some(c.month) >= month(2024, 1))
    {
        out.extend(super::certificate_facts::facts_after_2023(run));
    }
    out
}

/// Green-power and CCER facts beside the run's certificate months.
fn certificate_market_facts(months: &[CertificateMonth], fact: &Fact<'_>) -> Vec<FactCheck> {
    let at = |m: Option<YearMonth>| m.and_then(|m| months.iter().find(|c| c.month == m));
    let q = |x: Quantity| x.units() as f64;
    let (oct23, dec22, dec23) = (
        at(month(2023, 10)),
        at(month(2022, 12)),
        at(month(2023, 12)),
    );
    // CCERs traded before 2023: the end-2022 running total, or none for a run that starts in
    // January 2023.
    let before_2023 = dec22
        .map(|c| q(c.ccer_traded))
        .or_else(|| (months.first().map(|c| c.month) == month(2023, 1)).then_some(0.0));
    vec![
        fact(
            "Green power traded, cumulative, end of October 2023 (MWh)",
            Some(87_800_000.0),
            oct23.map(|c| c.green_power_mwh as f64),
            "China Electric Power News 2024-01-22 (87.8 TWh)",
            "the bundled certificate share of green-power deals is not published",
        ),
        fact(
            "CCER traded in 2023",
            Some(15_300_000.0),
            dec23.zip(before_2023).map(|(a, b)| q(a.ccer_traded) - b),
            "greenhousegog.com summary of 2023 (15.3 Mt, legacy CCERs on pilot exchanges)",
            "published counts every buyer on the pilot exchanges (regional pilots' compliance, voluntary buyers); simulated counts only national covered entities buying offsets",
        ),
        fact(
            "CCER cancelled as offsets, first compliance period",
            Some(history::FIRST_CYCLE_OFFSETS_T as f64),
            super::certificates::first_cycle_offsets(months).map(q),
            "MEE first-cycle report (Dec 2022), secondary (China Mining News 2023-01-10: about 32.73 Mt)",
            "simulated counts offsets surrendered from the run's start to the end of 2021",
        ),
    ]
}

/// How a fact row is built.
type Fact<'a> = dyn Fn(&str, Option<f64>, Option<f64>, &str, &str) -> FactCheck + 'a;

fn footnote(run: &AgentRun) -> String {
    format!(
        "{ATTRIBUTION} · simulated by carbonsim {VERSION}, scenario {} ({}), seed {}",
        run.scenario, run.scenario_hash, run.seed
    )
}

/// The embedded published daily series, as a report error if it failed to parse.
fn published() -> Result<&'static [history::DailyQuote], ReportError> {
    history::daily().map_err(|e| ReportError::Serialise {
        what: "published series".into(),
        message: e.to_string(),
    })
}

/// The published composite close over `from..=to`, as the charts' reference line.
pub(crate) fn published_close_line(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<TimeSeries, ReportError> {
    Ok(TimeSeries {
        name: "published close (composite)".into(),
        points: published()?
            .iter()
            .filter(|p| Some(p.date) >= from && Some(p.date) <= to)
            .map(|p| (p.date, p.close.to_f64()))
            .collect(),
        reference: true,
    })
}

/// The daily close, one panel per instrument the run simulates (allowances over the published
/// composite; CCER and GEC on their own axes, as they have no published series).
fn price_chart(run: &AgentRun) -> Result<LineChart, ReportError> {
    let first = run.days.first().map(|d| d.date);
    let last = run.days.last().map(|d| d.date);
    let mut panels = Vec::new();
    for (subject, name, y_label) in [
        (
            "COMCEA",
            "simulated close (allowances, listed VWAP)",
            axis::ALLOWANCE_PRICE,
        ),
        ("CCER", "simulated CCER close", axis::CCER_PRICE),
        ("GEC", "simulated GEC close", axis::GEC_PRICE),
    ] {
        let points: Vec<(NaiveDate, f64)> = run
            .series(subject)
            .map(|d| (d.date, d.close.to_f64()))
            .collect();
        if points.is_empty() {
            continue;
        }
        let mut series = Vec::new();
        if subject == "COMCEA" {
            series.push(published_close_line(first, last)?);
        }
        series.push(TimeSeries {
            name: name.into(),
            points,
            reference: false,
        });
        panels.push(Panel {
            y_label: y_label.into(),
            series,
            ..Panel::default()
        });
    }
    Ok(LineChart {
        title: format!("Agent-based run \"{}\": daily close", run.scenario),
        footnote: footnote(run),
        panels,
        markers: deadline_markers(&run.compliance, first, last),
    })
}

/// The deadlines settled between `first` and `last`, as chart markers.
pub(crate) fn deadline_markers(
    compliance: &[ComplianceSummary],
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> Vec<(NaiveDate, String)> {
    let mut markers: Vec<(NaiveDate, String)> = Vec::new();
    for c in compliance
        .iter()
        .filter(|c| Some(c.date) >= first && Some(c.date) <= last)
    {
        let label = deadline_label(c);
        // Deadlines of two groups on one day share one marker: "deadline 2024, 2024-industry".
        match markers.last_mut() {
            Some((date, joint)) if *date == c.date => {
                joint.push_str(", ");
                joint.push_str(label.strip_prefix("deadline ").unwrap_or(&label));
            }
            _ => markers.push((c.date, label)),
        }
    }
    markers
}

/// A deadline's chart label: `2019-2020 final`, `2021-2022 95 % due`.
fn deadline_label(c: &ComplianceSummary) -> String {
    match (c.entity_target_pct, c.share_pct) {
        (Some(t), _) => format!("{} {t} % of firms", c.cycle),
        (None, 100) => format!("deadline {}", c.cycle),
        (None, share) => format!("{share} % due"),
    }
}

fn volume_chart(run: &AgentRun) -> Result<BarChart, ReportError> {
    let published = published()?;
    let mut months: BTreeMap<(i32, u32), (f64, f64)> = BTreeMap::new();
    for d in run.series("COMCEA") {
        months.entry((d.date.year(), d.date.month())).or_default().1 +=
            (d.listed_volume + d.block_volume).units() as f64 / 1e6;
    }
    for p in published {
        if let Some(e) = months.get_mut(&(p.date.year(), p.date.month())) {
            e.0 += (p.listed_volume_t + p.block_volume_t).units() as f64 / 1e6;
        }
    }
    Ok(BarChart {
        title: format!(
            "Agent-based run \"{}\": monthly allowance volume (listed + block), published and simulated",
            run.scenario
        ),
        y_label: axis::MONTHLY_VOLUME.into(),
        footnote: footnote(run),
        categories: months.keys().map(|(y, m)| format!("{y}-{m:02}")).collect(),
        series: vec![
            ("published".into(), months.values().map(|v| v.0).collect()),
            ("simulated".into(), months.values().map(|v| v.1).collect()),
        ],
    })
}

fn daily_csv(run: &AgentRun) -> Result<String, ReportError> {
    let published = published()?;
    let mut out = String::from(
        "date,subject,close,listed_volume_t,listed_turnover_cny,block_volume_t,block_turnover_cny,\
         published_close,published_volume_t,scenario_hash,seed,carbonsim_version\n",
    );
    for d in &run.days {
        let p = (d.subject == "COMCEA")
            .then(|| published.iter().find(|p| p.date == d.date))
            .flatten();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{VERSION}",
            d.date,
            d.subject,
            d.close,
            d.listed_volume,
            d.listed_turnover,
            d.block_volume,
            d.block_turnover,
            p.map(|p| p.close.to_string()).unwrap_or_default(),
            p.map(|p| (p.listed_volume_t + p.block_volume_t).to_string())
                .unwrap_or_default(),
            run.scenario_hash,
            run.seed
        );
    }
    Ok(out)
}

/// `certificates.csv`: the running totals at each month end, counted from the run's start (GECs
/// issued include the opening stock), of the markets the run simulates.
fn certificates_csv(run: &AgentRun) -> String {
    type Column = (&'static str, fn(&CertificateMonth) -> u64);
    let gec: [Column; 5] = [
        ("gec_issued_cumulative", |c| c.gec_issued.units()),
        ("gec_traded_cumulative", |c| c.gec_traded.units()),
        ("gec_green_power_cumulative", |c| c.gec_green_power.units()),
        ("green_power_mwh_cumulative", |c| c.green_power_mwh),
        ("gec_claimed_cumulative", |c| c.gec_claimed.units()),
    ];
    let ccer: [Column; 2] = [
        ("ccer_traded_cumulative", |c| c.ccer_traded.units()),
        ("ccer_offset_cumulative", |c| c.ccer_offset.units()),
    ];
    let columns: Vec<&Column> = gec
        .iter()
        .filter(|_| run.gec)
        .chain(ccer.iter().filter(|_| run.ccer))
        .collect();
    let mut out = String::from("month,");
    for (name, _) in &columns {
        let _ = write!(out, "{name},");
    }
    out.push_str("seed,carbonsim_version\n");
    for c in &run.certificates {
        let _ = write!(out, "{},", c.month);
        for (_, value) in &columns {
            let _ = write!(out, "{},", value(c));
        }
        let _ = writeln!(out, "{},{VERSION}", run.seed);
    }
    out
}

/// The JSON report: calibration, compliance, certificate facts, order flow and activity.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// carbonsim version.
    pub carbonsim_version: &'static str,
    /// Scenario name.
    pub scenario: &'a str,
    /// Scenario content hash.
    pub scenario_hash: &'a str,
    /// Seed.
    pub seed: u64,
    /// Data attribution.
    pub source: &'static str,
    /// The allowance market against the published series.
    pub calibration: Option<&'a CalibrationReport>,
    /// Compliance at each deadline.
    pub compliance: &'a [crate::scenario::replay::ComplianceSummary],
    /// CCER and GEC against the published facts.
    pub certificates: Vec<FactCheck>,
    /// The allowance market's 2025 figures beside the published ones: an out-of-sample check
    /// (never used to set the model), the simulated value `None` when the run stops earlier.
    pub allowances_out_of_sample: Vec<FactCheck>,
    /// Order flow.
    pub flow: super::broker::Flow,
    /// Activity per agent kind.
    pub activity: &'a [crate::scenario::agent_based::KindActivity],
    /// What each banking cap voided (omitted when the timeline has none).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub banking: &'a [crate::scenario::agent_based::BankingVoid],
    /// Abatement per emission year and the market's outlook.
    pub economics: super::economy_report::EconomicsReport<'a>,
    /// Each subject's market per calendar year and each cycle's sectors.
    pub by_year: super::years_report::YearsReport,
    /// The capped market's caps, auctions and reserve moves (omitted without instruments).
    #[serde(skip_serializing_if = "super::InstrumentsRecord::is_empty")]
    pub instruments: &'a super::InstrumentsRecord,
    /// Cash the firms' operations paid into their accounts over the run, CNY.
    pub operating_cash_cny: crate::units::Money,
}

/// The run's report as one value (written as `report.json`).
#[must_use]
pub fn report(run: &AgentRun) -> Report<'_> {
    Report {
        carbonsim_version: VERSION,
        scenario: &run.scenario,
        scenario_hash: &run.scenario_hash,
        seed: run.seed,
        source: ATTRIBUTION,
        calibration: run.calibration.as_ref(),
        compliance: &run.compliance,
        certificates: facts(run),
        allowances_out_of_sample: super::allowance_facts::out_of_sample(run),
        flow: run.flow,
        activity: &run.activity,
        banking: &run.banking,
        economics: super::economy_report::economics_report(run),
        by_year: super::years_report::years_report(run),
        instruments: &run.instruments,
        operating_cash_cny: run.operating_cash,
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn compared_row(t: &mut TextTable, name: &str, c: &Compared, as_pct: bool) {
    let show = |x: f64| {
        if as_pct {
            pct(x)
        } else {
            group_thousands(&format!("{x:.0}"))
        }
    };
    t.row([
        name.to_owned(),
        show(c.simulated),
        show(c.published),
        c.relative_error.map(pct).unwrap_or_default(),
    ]);
}

/// A price beside its published value, to the fen.
fn price_row(t: &mut TextTable, name: &str, c: &Compared) {
    t.row([
        name.to_owned(),
        format!("{:.2}", c.simulated),
        format!("{:.2}", c.published),
        c.relative_error.map(pct).unwrap_or_default(),
    ]);
}

/// A year after the daily series against its published figures (prices to the fen).
fn later_year_rows(t: &mut TextTable, y: i32, c: &YearCompared) {
    compared_row(t, &format!("volume {y} (t)"), &c.volume, false);
    compared_row(t, &format!("turnover {y} (CNY)"), &c.turnover, false);
    for (name, v) in [
        ("year-end close", &c.year_end_close),
        ("peak close", &c.peak_close),
    ] {
        price_row(t, &format!("{name} {y} (CNY/t)"), v);
    }
    compared_row(t, &format!("Q4 share of volume {y}"), &c.q4_share, true);
}

/// The allowance market's 2025 figures beside the published ones, when the run covers 2025.
fn out_of_sample_table(run: &AgentRun) -> String {
    let rows: Vec<FactCheck> = super::allowance_facts::out_of_sample(run)
        .into_iter()
        .filter(|f| f.simulated.is_some())
        .collect();
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut t = TextTable::new(&[
        ("allowances, out of sample", Align::Left),
        ("simulated", Align::Right),
        ("published", Align::Right),
        ("rel. error", Align::Right),
    ]);
    for f in &rows {
        let c = Compared::new(f.simulated.unwrap_or(0.0), f.published.unwrap_or(0.0));
        if f.fact.contains("price") {
            price_row(&mut t, &f.fact, &c);
        } else {
            compared_row(&mut t, &f.fact, &c, false);
        }
    }
    format!("{t}{}; {}\n\n", first.note, first.source)
}

/// The compliance table of a run, with the published outcome and the note on `due`.
fn compliance_table(compliance: &[ComplianceSummary]) -> String {
    let mut out = String::new();
    let mut t = TextTable::new(&[
        ("cycle", Align::Left),
        ("deadline", Align::Left),
        ("due", Align::Right),
        ("rate by volume", Align::Right),
        ("rate by entities", Align::Right),
        ("published outcome", Align::Left),
    ]);
    for c in compliance {
        t.row([
            c.cycle.clone(),
            c.date.to_string(),
            due_label(c),
            format!("{:.2} %", c.rate_by_volume_bp as f64 / 100.0),
            format!("{:.2} %", c.rate_by_entities_bp as f64 / 100.0),
            published_compliance(&c.cycle, c.date).outcome.to_owned(),
        ]);
    }
    let _ = write!(
        out,
        "Compliance of the simulated fleet, beside the published outcome\n{t}{DUE_NOTE}\n"
    );
    out
}

/// The certificate facts beside the published ones with their sources, the GEC trading by
/// production year, and the facts outside the run's months.
fn facts_table(run: &AgentRun) -> String {
    let mut out = String::new();
    let checks = facts(run);
    if !checks.is_empty() {
        let mut t = TextTable::new(&[
            ("certificates vs published", Align::Left),
            ("simulated", Align::Right),
            ("published", Align::Right),
            ("source", Align::Left),
        ]);
        // Counts are whole; prices show their fen.
        let show = |x: Option<f64>| {
            x.map_or_else(
                || "n/a".into(),
                |x| {
                    if x.fract() == 0.0 {
                        group_thousands(&format!("{x:.0}"))
                    } else {
                        format!("{x:.2}")
                    }
                },
            )
        };
        for f in &checks {
            t.row([
                f.fact.clone(),
                show(f.simulated),
                show(f.published),
                f.source.clone(),
            ]);
        }
        out.push('\n');
        let _ = write!(out, "{t}");
    }
    out.push_str(&super::certificate_facts::production_year_table(run));
    let outside = facts_outside_the_run(run);
    if !outside.is_empty() {
        let _ = writeln!(
            out,
            "published facts outside the run's months (not compared):"
        );
        for f in &outside {
            let _ = writeln!(out, "  {}", f.fact);
        }
    }
    out
}

/// A plain-text summary for the terminal.
#[must_use]
pub fn table(run: &AgentRun) -> String {
    let mut out = format!(
        "Agent-based run \"{}\" (scenario {}, seed {}), carbonsim {VERSION}\n\n",
        run.scenario, run.scenario_hash, run.seed
    );
    if let Some(c) = &run.calibration {
        let mut t = TextTable::new(&[
            ("allowances vs published", Align::Left),
            ("simulated", Align::Right),
            ("published", Align::Right),
            ("rel. error", Align::Right),
        ]);
        for (year, v) in &c.annual_volume {
            compared_row(&mut t, &format!("volume {year} (t)"), v, false);
        }
        for (year, v) in &c.deadline_month_share {
            compared_row(&mut t, &format!("deadline-month share {year}"), v, true);
        }
        for (year, v) in &c.busiest_day_share {
            compared_row(&mut t, &format!("busiest-day share {year}"), v, true);
        }
        compared_row(&mut t, "volatility (annualised)", &c.volatility, true);
        compared_row(&mut t, "maximum drawdown", &c.max_drawdown, true);
        compared_row(&mut t, "listed share of volume", &c.listed_share, true);
        for (y, later) in &c.later_years {
            later_year_rows(&mut t, *y, later);
        }
        let _ = write!(out, "{t}");
        let _ = writeln!(
            out,
            "close path: RMSE {:.2} CNY, MAPE {} over {} days\n",
            c.close_path.rmse,
            pct(c.close_path.mape),
            c.days
        );
    }
    out.push_str(&out_of_sample_table(run));
    out.push_str(&compliance_table(&run.compliance));
    out.push_str(&super::years_report::years_tables(run));
    out.push_str(&super::economy_report::abatement_table(run));
    out.push_str(&super::economy_report::outlook_lines(run));
    out.push_str(&super::instruments_report::instruments_tables(run));
    out.push_str(&facts_table(run));
    let _ = writeln!(
        out,
        "\norders {}, trades {}, rejections {}\n{ATTRIBUTION}",
        group_thousands(&run.flow.orders.to_string()),
        group_thousands(&run.flow.trades.to_string()),
        group_thousands(&run.flow.rejections.to_string())
    );
    out
}

/// Every output of a run, as `output` selects: `daily.csv`, `certificates.csv` and
/// `certificates.md` (with CCER or GEC), `abatement.csv`, `firms.csv`, `compliance.csv`, `report.json`, `summary.txt`, `price.svg` and `volume.svg`.
///
/// # Errors
/// A chart or serialisation failure.
pub fn outputs(run: &AgentRun, output: &OutputConfig) -> Result<OutputSet, ReportError> {
    let mut set = OutputSet::new();
    if output.daily_csv {
        set.add("daily.csv", daily_csv(run)?)?;
        if !run.certificates.is_empty() {
            set.add("certificates.csv", certificates_csv(run))?;
        }
        let markdown = super::facts_markdown::certificates_markdown(run);
        if !markdown.is_empty() {
            set.add("certificates.md", markdown)?;
        }
        set.add("abatement.csv", super::economy_report::abatement_csv(run))?;
        set.add("firms.csv", super::panel_report::firms_csv(run))?;
        set.add("compliance.csv", super::panel_report::compliance_csv(run))?;
        if !run.instruments.is_empty() {
            set.add("auctions.csv", super::instruments_report::auctions_csv(run))?;
            set.add("reserve.csv", super::instruments_report::reserve_csv(run))?;
        }
    }
    if output.summary_json {
        let json =
            serde_json::to_string_pretty(&report(run)).map_err(|e| ReportError::Serialise {
                what: "report.json".into(),
                message: e.to_string(),
            })?;
        set.add("report.json", json + "\n")?;
    }
    if output.charts {
        set.add("price.svg", price_chart(run)?.to_svg()?)?;
        set.add("volume.svg", volume_chart(run)?.to_svg()?)?;
    }
    set.add("summary.txt", table(run))?;
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month_end(m: u8, ccer_traded: u64) -> CertificateMonth {
        CertificateMonth {
            ccer_traded: Quantity::new(ccer_traded),
            ..CertificateMonth::empty(YearMonth::new(2023, m).unwrap())
        }
    }

    /// A 2023 run with CCER on and GEC off.
    fn ccer_only() -> AgentRun {
        AgentRun {
            scenario: "ccer".into(),
            scenario_hash: "abc".into(),
            seed: 7,
            days: vec![],
            compliance: vec![],
            calibration: None,
            certificates: (1..=12)
                .map(|m| month_end(m, 1000 * u64::from(m)))
                .collect(),
            ccer: true,
            gec: false,
            gec_vintages: vec![],
            flow: super::super::broker::Flow::default(),
            activity: vec![],
            banking: vec![],
            instruments: crate::scenario::agent_based::InstrumentsRecord::default(),
            operating_cash: crate::units::Money::ZERO,
            economics: crate::scenario::agent_based::Economics::default(),
            panel: vec![],
        }
    }

    #[test]
    fn deadlines_of_two_groups_on_one_day_share_a_marker() {
        let at = |cycle: &str, date: &str, share_pct| ComplianceSummary {
            cycle: cycle.into(),
            date: date.parse().unwrap(),
            share_pct,
            entities: 0,
            entities_complying: 0,
            obligation: Quantity::ZERO,
            covered: Quantity::ZERO,
            shortfall: Quantity::ZERO,
            rate_by_volume_bp: 0,
            rate_by_entities_bp: 0,
            fines: crate::units::Money::ZERO,
            entity_target_pct: None,
        };
        let compliance = [
            at("2023", "2024-12-31", 100),
            at("2024", "2025-12-31", 100),
            at("2024-industry", "2025-12-31", 100),
        ];
        let markers = deadline_markers(
            &compliance,
            "2024-01-02".parse().ok(),
            "2025-12-31".parse().ok(),
        );
        let labels: Vec<&str> = markers.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(labels, ["deadline 2023", "deadline 2024, 2024-industry"]);
    }

    #[test]
    fn only_the_simulated_markets_and_covered_periods_are_compared() {
        let run = ccer_only();
        let shown: Vec<String> = facts(&run).into_iter().map(|f| f.fact).collect();
        assert_eq!(shown, ["CCER traded in 2023"]);
        assert_eq!(facts(&run)[0].simulated, Some(12_000.0));
        let outside: Vec<String> = facts_outside_the_run(&run)
            .into_iter()
            .map(|f| f.fact)
            .collect();
        assert_eq!(
            outside,
            ["CCER cancelled as offsets, first compliance period"]
        );
        let text = table(&run);
        assert!(!text.contains("GEC") && !text.contains("n/a"), "{text}");
        assert!(text.contains("outside the run's months"), "{text}");
    }

    #[test]
    fn certificates_csv_names_running_totals_of_the_simulated_markets() {
        let csv = certificates_csv(&ccer_only());
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "month,ccer_traded_cumulative,ccer_offset_cumulative,seed,carbonsim_version"
        );
        assert_eq!(lines.next().unwrap(), format!("2023-01,1000,0,7,{VERSION}"));
    }
}
