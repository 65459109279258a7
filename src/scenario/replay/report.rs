//! The replay's outputs: daily and per-vintage CSVs in the source's column names with difference
//! columns, annual and cumulative totals, a JSON summary, SVG charts of price and volume
//! (simulated over published) and a terminal summary table. Every output carries the seed and
//! the carbonsim version, and the data attribution.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::history::ATTRIBUTION;
use crate::report::{
    Align, BarChart, LineChart, OutputSet, Panel, ReportError, TextTable, TimeSeries, axis,
    group_thousands,
};
use crate::scenario::replay::{ComplianceSummary, DayFigures, ReplayDay, ReplayResult};
use crate::units::{Money, Price, Quantity};

/// The carbonsim version written into every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn opt(p: Option<Price>) -> String {
    p.map(|p| p.to_string()).unwrap_or_default()
}

fn diff_q(a: Quantity, b: Quantity) -> i128 {
    i128::from(a.units()) - i128::from(b.units())
}

/// Fields of a simulated day that differ from the published day (prices only where both exist).
fn mismatches(d: &ReplayDay) -> usize {
    let (s, p) = (&d.simulated, &d.published);
    let prices = [
        (s.open, p.open),
        (s.high, p.high),
        (s.low, p.low),
        (s.close, p.close),
    ];
    prices
        .iter()
        .filter(|(a, b)| a.is_some() && b.is_some() && a != b)
        .count()
        + usize::from(s.listed_volume != p.listed_volume)
        + usize::from(s.listed_turnover != p.listed_turnover)
        + usize::from(s.block_volume != p.block_volume)
        + usize::from(s.block_turnover != p.block_turnover)
}

fn csv_rows(days: &[ReplayDay], with_subject: bool, seed: u64) -> String {
    let mut out = String::new();
    let subject = if with_subject { "subject," } else { "" };
    let _ = writeln!(
        out,
        "date,{subject}open,high,low,close,listed_volume_t,listed_turnover_cny,block_volume_t,block_turnover_cny,\
         total_volume_t,total_turnover_cny,published_close,diff_close,diff_listed_volume_t,diff_listed_turnover_cny,\
         diff_block_volume_t,diff_block_turnover_cny,difference,seed,carbonsim_version"
    );
    for d in days {
        let (s, p) = (&d.simulated, &d.published);
        let diff_close = match (s.close, p.close) {
            (Some(a), Some(b)) => Money::from_fen(i128::from(a.fen() - b.fen())).to_string(),
            _ => String::new(),
        };
        let subject = if with_subject {
            format!("{},", d.subject)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{},{subject}{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{seed},{VERSION}",
            d.date,
            opt(s.open),
            opt(s.high),
            opt(s.low),
            opt(s.close),
            s.listed_volume,
            s.listed_turnover,
            s.block_volume,
            s.block_turnover,
            s.listed_volume + s.block_volume,
            s.listed_turnover + s.block_turnover,
            opt(p.close),
            diff_close,
            diff_q(s.listed_volume, p.listed_volume),
            s.listed_turnover - p.listed_turnover,
            diff_q(s.block_volume, p.block_volume),
            s.block_turnover - p.block_turnover,
            mismatches(d),
        );
    }
    out
}

/// Volume and turnover over a period, simulated and published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodTotals {
    /// `2021`, `2022`, `2023`, or `to 2023-06-30` style labels.
    pub period: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Simulated volume.
    #[serde(with = "crate::units::count")]
    pub volume_t: Quantity,
    /// Simulated turnover.
    pub turnover_cny: Money,
    /// Published volume.
    #[serde(with = "crate::units::count")]
    pub published_volume_t: Quantity,
    /// Published turnover.
    pub published_turnover_cny: Money,
}

fn totals_between(
    days: &[ReplayDay],
    label: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<PeriodTotals> {
    let inside: Vec<&ReplayDay> = days
        .iter()
        .filter(|d| d.date >= from && d.date <= to)
        .collect();
    let first = inside.first()?.date;
    let last = inside.last()?.date;
    let sum = |f: &dyn Fn(&DayFigures) -> (Quantity, Money), published: bool| {
        inside
            .iter()
            .fold((Quantity::ZERO, Money::ZERO), |(v, t), d| {
                let (dv, dt) = f(if published {
                    &d.published
                } else {
                    &d.simulated
                });
                (v + dv, t + dt)
            })
    };
    let all = |x: &DayFigures| {
        (
            x.listed_volume + x.block_volume,
            x.listed_turnover + x.block_turnover,
        )
    };
    let (v, t) = sum(&all, false);
    let (pv, pt) = sum(&all, true);
    Some(PeriodTotals {
        period: label.to_owned(),
        from: first,
        to: last,
        volume_t: v,
        turnover_cny: t,
        published_volume_t: pv,
        published_turnover_cny: pt,
    })
}

/// Annual totals and the cumulative totals to mid-2023 and to the end of the replay.
#[must_use]
pub fn period_totals(result: &ReplayResult) -> Vec<PeriodTotals> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let mut out: Vec<PeriodTotals> = [2021, 2022, 2023]
        .iter()
        .filter_map(|&y| {
            totals_between(&result.composite, &y.to_string(), d(y, 1, 1), d(y, 12, 31))
        })
        .collect();
    out.extend(totals_between(
        &result.composite,
        "cumulative to 2023-06-30",
        d(2021, 1, 1),
        d(2023, 6, 30),
    ));
    out.extend(totals_between(
        &result.composite,
        "cumulative",
        d(2021, 1, 1),
        d(2023, 12, 31),
    ));
    out
}

/// The JSON summary.
#[derive(Debug, Clone, Serialize)]
pub struct ReplaySummary<'a> {
    /// carbonsim version.
    pub carbonsim_version: &'static str,
    /// Seed.
    pub seed: u64,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Trading days replayed.
    pub trading_days: usize,
    /// Composite days whose every simulated figure equals the published one.
    pub exact_days: usize,
    /// Vintage subject-days replayed and how many are exact.
    pub vintage_days: usize,
    /// Vintage subject-days exact.
    pub exact_vintage_days: usize,
    /// Orders and quotes sent.
    pub orders: u64,
    /// Trades settled.
    pub trades: u64,
    /// Totals.
    pub totals: Vec<PeriodTotals>,
    /// Compliance deadlines: the synthetic fleet's outcome beside the published one.
    pub compliance: Vec<ComplianceRow<'a>>,
    /// What the replay does not compute.
    pub notes: Vec<&'static str>,
    /// Data attribution.
    pub source: &'static str,
}

/// Builds the summary.
#[must_use]
pub fn summary(result: &ReplayResult) -> ReplaySummary<'_> {
    ReplaySummary {
        carbonsim_version: VERSION,
        seed: result.config.seed,
        from: result.config.from,
        to: result.config.to,
        trading_days: result.composite.len(),
        exact_days: result
            .composite
            .iter()
            .filter(|d| mismatches(d) == 0)
            .count(),
        vintage_days: result.vintages.len(),
        exact_vintage_days: result
            .vintages
            .iter()
            .filter(|d| mismatches(d) == 0)
            .count(),
        orders: result.orders,
        trades: result.trades,
        totals: period_totals(result),
        compliance: result
            .compliance
            .iter()
            .map(|c| ComplianceRow {
                fleet: "synthetic fleet",
                simulated: c,
                published: published_compliance(&c.cycle, c.date),
            })
            .collect(),
        notes: vec![
            "From 2023-08-28 the composite quote is a weighted sum of the vintages' prices whose weights are not published; \
             the replay reports the composite's volumes and turnover and each vintage's prices, not a composite price.",
            "Compliance outcomes are those of the synthetic fleet, whose trades are the published volumes carried by seeded \
             entities, not need-driven trading; they are not the published compliance rates, which each row gives beside them.",
            DUE_NOTE,
        ],
        source: ATTRIBUTION,
    }
}

fn footnote(seed: u64) -> String {
    format!("{ATTRIBUTION} · simulated by carbonsim {VERSION}, seed {seed}")
}

/// One subject's daily close, published or simulated.
fn close_line(days: &[ReplayDay], subject: &str, published: bool) -> Vec<(NaiveDate, f64)> {
    days.iter()
        .filter(|d| d.subject == subject)
        .filter_map(|d| {
            let f = if published {
                &d.published
            } else {
                &d.simulated
            };
            f.close.map(|c| (d.date, c.to_f64()))
        })
        .collect()
}

/// One subject's simulated minus published close, on the days both exist.
fn close_difference(days: &[ReplayDay], subject: &str) -> Vec<(NaiveDate, f64)> {
    days.iter()
        .filter(|d| d.subject == subject)
        .filter_map(|d| {
            let (s, p) = (d.simulated.close?, d.published.close?);
            Some((d.date, (s.fen() - p.fen()) as f64 / 100.0))
        })
        .collect()
}

/// The daily close, published under simulated, and a panel of their difference: the two lines
/// coincide (the replay is exact), so the difference panel is what shows they do.
fn price_chart(result: &ReplayResult) -> LineChart {
    let mut close = vec![
        TimeSeries {
            name: "published close (composite)".into(),
            points: close_line(&result.composite, "COMCEA", true),
            reference: true,
        },
        TimeSeries {
            name: "simulated close (composite)".into(),
            points: close_line(&result.composite, "COMCEA", false),
            reference: false,
        },
    ];
    let mut difference = vec![TimeSeries {
        name: "composite, to 2023-08-25".into(),
        points: close_difference(&result.composite, "COMCEA"),
        reference: false,
    }];
    for v in ["CEA", "CEA21", "CEA22"] {
        let points = close_line(&result.vintages, v, false);
        if !points.is_empty() {
            close.push(TimeSeries {
                name: format!("simulated close {v}"),
                points,
                reference: false,
            });
            difference.push(TimeSeries {
                name: format!("{v}, from 2023-08-28"),
                points: close_difference(&result.vintages, v),
                reference: false,
            });
        }
    }
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    LineChart {
        title: "National carbon market: daily close, published and simulated".into(),
        footnote: footnote(result.config.seed),
        panels: vec![
            Panel {
                y_label: axis::ALLOWANCE_PRICE.into(),
                series: close,
                ..Panel::default()
            },
            Panel {
                y_label: axis::PRICE_DIFFERENCE.into(),
                series: difference,
                signed: true,
                ..Panel::default()
            },
        ],
        markers: vec![
            (d(2021, 12, 31), "2019–20 deadline".into()),
            (d(2023, 8, 28), "vintage split".into()),
            (d(2023, 11, 15), "95 % due".into()),
            (d(2023, 12, 31), "2021–22 deadline".into()),
        ],
    }
}

fn volume_chart(result: &ReplayResult) -> BarChart {
    let mut months: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for d in &result.composite {
        let e = months
            .entry(d.date.format("%Y-%m").to_string())
            .or_default();
        let mt = |f: &DayFigures| (f.listed_volume + f.block_volume).units() as f64 / 1e6;
        e.0 += mt(&d.published);
        e.1 += mt(&d.simulated);
    }
    BarChart {
        title: "National carbon market: monthly allowance volume (listed + block), published and simulated".into(),
        y_label: axis::MONTHLY_VOLUME.into(),
        footnote: footnote(result.config.seed),
        categories: months.keys().cloned().collect(),
        series: vec![
            ("published".into(), months.values().map(|v| v.0).collect()),
            ("simulated".into(), months.values().map(|v| v.1).collect()),
        ],
    }
}

/// What the public record says of a deadline's outcome, beside the synthetic fleet's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedCompliance {
    /// The published outcome, or that none is published.
    pub outcome: &'static str,
    /// Its source.
    pub source: &'static str,
}

/// The published outcome of the deadline that closes `cycle` on `date`: the first cycle's final
/// deadline has one (MEE press conference 2022-01-24); no other deadline's rate is published.
#[must_use]
pub fn published_compliance(cycle: &str, date: NaiveDate) -> PublishedCompliance {
    if cycle == "2019-2020" && date.format("%m-%d").to_string() == "12-31" {
        PublishedCompliance {
            outcome: "99.5 % by volume; 1,833 entities in full and on time, 178 in part",
            source: "MEE press conference 2022-01-24",
        }
    } else {
        PublishedCompliance {
            outcome: "not published",
            source: "no completion rate has been published for this deadline",
        }
    }
}

/// A deadline of the synthetic fleet beside the published outcome (an entry of `summary.json`).
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceRow<'a> {
    /// Whose outcome this is: always `synthetic fleet`.
    pub fleet: &'static str,
    /// The synthetic fleet's outcome.
    #[serde(flatten)]
    pub simulated: &'a ComplianceSummary,
    /// The published outcome.
    pub published: PublishedCompliance,
}

/// The `due` column: the share of each entity's obligation due by the deadline, or, for a
/// deadline that counts entities, the share of entities to have surrendered in full.
#[must_use]
pub fn due_label(c: &ComplianceSummary) -> String {
    c.entity_target_pct.map_or_else(
        || format!("{} % of volume", c.share_pct),
        |t| format!("{t} % of entities"),
    )
}

/// What the `due` column means, printed under every compliance table.
pub const DUE_NOTE: &str = "due: what the deadline asks.\n  \"N % of volume\": each entity owes N % of its \
obligation by that date.\n  \"N % of entities\": N % of the entities must have surrendered in full by that \
date (the first cycle's interim deadline, 2021-12-15); each of them owes all of its obligation.";

fn compliance_table(rows: &[ComplianceSummary]) -> String {
    let mut c = TextTable::new(&[
        ("cycle", Align::Left),
        ("deadline", Align::Left),
        ("due", Align::Right),
        ("entities", Align::Right),
        ("complying", Align::Right),
        ("rate_by_volume", Align::Right),
        ("shortfall_t", Align::Right),
        ("published outcome", Align::Left),
    ]);
    for s in rows {
        c.row([
            s.cycle.clone(),
            s.date.to_string(),
            due_label(s),
            group_thousands(&s.entities.to_string()),
            group_thousands(&s.entities_complying.to_string()),
            format!(
                "{}.{:02} %",
                s.rate_by_volume_bp / 100,
                s.rate_by_volume_bp % 100
            ),
            group_thousands(&s.shortfall.to_string()),
            published_compliance(&s.cycle, s.date).outcome.to_owned(),
        ]);
    }
    format!(
        "Compliance of the synthetic fleet (seeded entities carrying the published volumes, \
         not need-driven trading), beside the published outcome\n{c}{DUE_NOTE}\n"
    )
}

/// A plain-text summary for the terminal.
#[must_use]
pub fn table(result: &ReplayResult) -> String {
    let mut t = TextTable::new(&[
        ("period", Align::Left),
        ("volume_t", Align::Right),
        ("published_t", Align::Right),
        ("turnover_cny", Align::Right),
        ("published_cny", Align::Right),
    ]);
    for p in period_totals(result) {
        t.row([
            p.period.clone(),
            group_thousands(&p.volume_t.to_string()),
            group_thousands(&p.published_volume_t.to_string()),
            group_thousands(&p.turnover_cny.to_string()),
            group_thousands(&p.published_turnover_cny.to_string()),
        ]);
    }
    let c = compliance_table(&result.compliance);
    let sum = summary(result);
    format!(
        "Allowance market, simulated beside published (listed + block; t, CNY)\n{t}\n{c}\nexact days: {}/{} composite, {}/{} vintage · {} trades from {} orders · seed {} · carbonsim {VERSION}\n{ATTRIBUTION}\n",
        sum.exact_days,
        sum.trading_days,
        sum.exact_vintage_days,
        sum.vintage_days,
        sum.trades,
        sum.orders,
        sum.seed
    )
}

/// Every output file of a replay, ready to be written whole.
///
/// # Errors
/// [`ReportError`] if a chart or the JSON cannot be produced.
pub fn outputs(result: &ReplayResult) -> Result<OutputSet, ReportError> {
    let seed = result.config.seed;
    let mut set = OutputSet::new();
    set.add("daily.csv", csv_rows(&result.composite, false, seed))?;
    set.add("vintages.csv", csv_rows(&result.vintages, true, seed))?;
    let mut totals = String::from(
        "period,from,to,volume_t,turnover_cny,published_volume_t,published_turnover_cny,seed,carbonsim_version\n",
    );
    for p in period_totals(result) {
        let _ = writeln!(
            totals,
            "{},{},{},{},{},{},{},{seed},{VERSION}",
            p.period,
            p.from,
            p.to,
            p.volume_t,
            p.turnover_cny,
            p.published_volume_t,
            p.published_turnover_cny
        );
    }
    set.add("totals.csv", totals)?;
    let json =
        serde_json::to_string_pretty(&summary(result)).map_err(|e| ReportError::Serialise {
            what: "summary.json".into(),
            message: e.to_string(),
        })?;
    set.add("summary.json", json + "\n")?;
    set.add("price.svg", price_chart(result).to_svg()?)?;
    set.add("volume.svg", volume_chart(result).to_svg()?)?;
    set.add("summary.txt", table(result))?;
    Ok(set)
}
