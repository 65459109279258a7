//! The allowance market of 2025 beside its published record, as an out-of-sample check only:
//! the model is calibrated on 2021–2024 and no 2025 outcome sets any of its values, so these
//! rows measure the forecast, they do not fit it. Source ids are those of `docs/sources.md`.

use chrono::Datelike;

use super::AgentRun;
use super::record::COMPOSITE;
use super::report::FactCheck;
use crate::scenario::study::facts::covers_year;
use crate::units::{Money, Quantity};

/// What every row of this check says.
const OUT_OF_SAMPLE: &str = "out-of-sample check: 2025 outcomes are never used to set the model (a forecast from the rules and 2021-2024)";

/// Where the 2025 figures come from.
const SOURCE_2025: &str = "2025 market review, secondary [S137]";

/// A year's volume and turnover of the composite quote, when the run covers the whole year (as
/// for the 2024 comparison, [`covers_year`]).
fn whole_year(run: &AgentRun, year: i32) -> Option<(Quantity, Money)> {
    let days: Vec<_> = run
        .series(COMPOSITE)
        .filter(|d| d.date.year() == year)
        .collect();
    covers_year(days.first()?.date, days.last()?.date, year).then(|| {
        days.iter()
            .fold((Quantity::ZERO, Money::ZERO), |(v, t), d| {
                (
                    v + d.listed_volume + d.block_volume,
                    t + d.listed_turnover + d.block_turnover,
                )
            })
    })
}

/// The 2025 allowance figures of `run` beside the published ones; the simulated value is
/// `None` when the run does not cover all of 2025.
#[must_use]
pub fn out_of_sample(run: &AgentRun) -> Vec<FactCheck> {
    let year = whole_year(run, 2025);
    let row = |fact: &str, published: f64, simulated: Option<f64>| FactCheck {
        fact: fact.into(),
        published: Some(published),
        simulated,
        source: SOURCE_2025.into(),
        note: OUT_OF_SAMPLE.into(),
    };
    vec![
        row(
            "CEA volume, 2025 (t, out of sample)",
            235_000_000.0,
            year.map(|(v, _)| v.units() as f64),
        ),
        row(
            "CEA turnover, 2025 (CNY, out of sample)",
            14_630_000_000.0,
            year.map(|(_, t)| t.to_f64()),
        ),
        row(
            "CEA average price, 2025 (CNY/t, out of sample)",
            62.36,
            year.and_then(|(v, t)| t.div_round_half_up(v))
                .map(crate::units::Price::to_f64),
        ),
    ]
}
