//! A day's rows of a run: the composite of the allowance vintages, each vintage, then CCER and
//! GEC summed over their books; and the run's allowance market set beside the published series.

use chrono::NaiveDate;

use super::{RunError, SubjectDay};
use crate::agents;
use crate::exchange::bars::DailyBar;
use crate::history;
use crate::registry::Market;
use crate::scenario::study::facts;
use crate::scenario::study::stats::{self, CalibrationReport, DayRecord};
use crate::units::{Money, Price, Quantity};

/// The market of an exchange code, as the day's listings know it.
pub(super) type MarketOf<'a> = &'a dyn Fn(&str) -> Option<Market>;

/// The composite's subject code in the outputs.
pub(super) const COMPOSITE: &str = "COMCEA";

/// Appends the day's rows: the composite of the allowance vintages (`vintages`, in timeline
/// order) first, then each vintage, then CCER and GEC summed over their books. Returns the
/// composite close.
pub(super) fn record_day(
    date: NaiveDate,
    bars: &[DailyBar],
    (vintages, market_of): (&[String], MarketOf<'_>),
    prev_composite: Price,
    out: &mut Vec<SubjectDay>,
) -> Price {
    let is = |code: &str, market| market_of(code) == Some(market);
    let mut rows: Vec<SubjectDay> = Vec::new();
    let mut sum = |code: &str, close: Option<Price>, pick: &dyn Fn(&str) -> bool| {
        let mut row = SubjectDay {
            date,
            subject: code.to_owned(),
            close: Price::ZERO,
            listed_volume: Quantity::ZERO,
            listed_turnover: Money::ZERO,
            block_volume: Quantity::ZERO,
            block_turnover: Money::ZERO,
        };
        let mut any = false;
        let mut last_close = None;
        for b in bars.iter().filter(|b| pick(&b.subject)) {
            any = true;
            row.listed_volume += b.listed_volume;
            row.listed_turnover += b.listed_turnover;
            row.block_volume += b.block_volume;
            row.block_turnover += b.block_turnover;
            last_close = Some(b.close);
        }
        if !any {
            return None;
        }
        row.close = close
            .or_else(|| row.listed_turnover.div_round_half_up(row.listed_volume))
            .or(last_close)
            .unwrap_or(Price::ZERO);
        rows.push(row);
        Some(())
    };
    let composite_close = {
        let listed: (Money, Quantity) = bars
            .iter()
            .filter(|b| is(&b.subject, Market::Cea))
            .fold((Money::ZERO, Quantity::ZERO), |(m, q), b| {
                (m + b.listed_turnover, q + b.listed_volume)
            });
        listed
            .0
            .div_round_half_up(listed.1)
            .unwrap_or(prev_composite)
    };
    sum(COMPOSITE, Some(composite_close), &|s| is(s, Market::Cea));
    for code in vintages {
        let close = bars.iter().find(|b| b.subject == *code).map(|b| b.close);
        if close.is_some() {
            sum(code, close, &|s| s == code.as_str());
        }
    }
    sum("CCER", None, &|s| is(s, Market::Ccer));
    sum("GEC", None, &|s| is(s, Market::Gec));
    out.extend(rows);
    composite_close
}

pub(super) fn agent_bar(b: &DailyBar) -> agents::DailyBar {
    agents::DailyBar {
        date: b.date,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        listed_volume: b.listed_volume,
        block_volume: b.block_volume,
        turnover: b.listed_turnover + b.block_turnover,
    }
}

/// The allowance market against the published series, over the days both cover, and the
/// first cycle's offsets (`first_cycle_offsets`: surrendered by its final deadline, for a run
/// with the CCER market that covers it) against the published 32.73 Mt.
pub(super) fn calibrate(
    days: &[SubjectDay],
    first_cycle_offsets: Option<Quantity>,
) -> Result<Option<CalibrationReport>, RunError> {
    let published = history::daily()?;
    let sim: Vec<DayRecord> = days
        .iter()
        .filter(|d| d.subject == COMPOSITE)
        .filter(|d| published.iter().any(|p| p.date == d.date))
        .map(SubjectDay::record)
        .collect();
    let Some(first) = sim.first().map(|d| d.date) else {
        return Ok(None);
    };
    let last = sim.last().map_or(first, |d| d.date);
    let pubd: Vec<DayRecord> = published
        .iter()
        .filter(|p| p.date >= first && p.date <= last)
        .map(|p| DayRecord {
            date: p.date,
            close: p.close,
            listed_volume: p.listed_volume_t,
            block_volume: p.block_volume_t,
            turnover: p.listed_turnover_cny + p.block_turnover_cny,
        })
        .collect();
    let mut report = stats::compare(&sim, &pubd)?;
    let composite: Vec<DayRecord> = days
        .iter()
        .filter(|d| d.subject == COMPOSITE)
        .map(SubjectDay::record)
        .collect();
    for facts in history::annual_facts()? {
        if let Some(c) = facts::compare_year(&composite, facts) {
            report.later_years.insert(facts.year, c);
        }
    }
    report.first_cycle_offsets = first_cycle_offsets
        .map(|q| stats::Compared::new(q.units() as f64, history::FIRST_CYCLE_OFFSETS_T as f64));
    Ok(Some(report))
}
