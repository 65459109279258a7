//! The timeline's rules: dates in order, deadlines inside the calendar, vintages unique, every
//! covered year allocated, shares in range, every entry sourced. The first broken rule is
//! reported with its field path and value.

use chrono::{Datelike, NaiveDate, Weekday};

use super::load::TimelineError;
use super::spec::{AllocationSpec, CycleSpec, ShareOf, TimelineSpec};

/// Checks a whole timeline read from `file`.
pub(crate) fn check(file: &str, t: &TimelineSpec) -> Result<(), TimelineError> {
    let bad = |field: &str, value: &dyn std::fmt::Display, reason: &str| TimelineError::Invalid {
        file: file.to_owned(),
        field: field.to_owned(),
        value: value.to_string(),
        reason: reason.to_owned(),
    };
    if t.name.trim().is_empty() {
        return Err(bad("name", &"\"\"", "must not be empty"));
    }
    check_calendar(t, &bad)?;
    check_vintages(t, &bad)?;
    let last_day = coverage_end(t);
    let mut earlier: Vec<(&CycleSpec, NaiveDate)> = Vec::new();
    for (name, cycle) in &t.cycles {
        let field = |f: &str| format!("cycles.{name}.{f}");
        check_cycle(t, cycle, &field, &bad)?;
        let fin = check_deadlines(cycle, &field, last_day, &bad)?;
        check_sector_order(cycle, fin, &earlier, &field, &bad)?;
        earlier.push((cycle, fin));
    }
    check_forfeits(t, &bad)?;
    super::instruments::check(t, &bad)
}

/// A banking cap's forfeit names cycles settled by the cap's date (checked once every cycle's
/// deadlines are), since the shortfalls that forfeit the carry-over must be known when it applies.
fn check_forfeits(t: &TimelineSpec, bad: &Bad<'_>) -> Result<(), TimelineError> {
    for (name, c) in &t.cycles {
        let Some(b) = &c.banking else { continue };
        for cycle in &b.forfeit_if_short {
            let settled = t.cycles.get(cycle.as_str()).map(super::final_deadline);
            if settled.is_none_or(|d| d > b.void_after) {
                return Err(bad(
                    &format!("cycles.{name}.banking.forfeit_if_short"),
                    cycle,
                    "must name a cycle of the timeline whose final deadline is on or before void_after",
                ));
            }
        }
    }
    Ok(())
}

/// Cycles of one sector follow each other: a later cycle covers none of an earlier one's years
/// and its final deadline comes after the earlier one's. Cycles of other sectors (the industrial
/// sectors beside power) may share years and dates.
fn check_sector_order(
    c: &CycleSpec,
    fin: NaiveDate,
    earlier: &[(&CycleSpec, NaiveDate)],
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    let shares_a_sector = |e: &CycleSpec| e.sectors.iter().any(|s| c.sectors.contains(s));
    for (e, p) in earlier.iter().filter(|(e, _)| shares_a_sector(e)) {
        if let Some(y) = c.years.iter().find(|y| e.years.contains(y)) {
            return Err(bad(
                &field("years"),
                y,
                "is already covered for the same sector by an earlier cycle",
            ));
        }
        if fin <= *p {
            return Err(bad(
                &field("deadlines"),
                &fin,
                &format!(
                    "the final deadline must come after the previous cycle's ({p}) of the same sector"
                ),
            ));
        }
    }
    Ok(())
}

type Bad<'a> = dyn Fn(&str, &dyn std::fmt::Display, &str) -> TimelineError + 'a;

/// The last day the timeline's calendar covers.
pub(crate) fn coverage_end(t: &TimelineSpec) -> NaiveDate {
    t.calendar
        .years
        .keys()
        .filter_map(|y| y.parse::<i32>().ok())
        .filter_map(|y| NaiveDate::from_ymd_opt(y, 12, 31))
        .fold(t.calendar.embedded_through, NaiveDate::max)
}

fn check_calendar(t: &TimelineSpec, bad: &Bad<'_>) -> Result<(), TimelineError> {
    let mut last = t.calendar.embedded_through;
    for (year, y) in &t.calendar.years {
        let field = format!("calendar.years.{year}");
        let Ok(n) = year.parse::<i32>() else {
            return Err(bad(&field, year, "must be a year"));
        };
        if NaiveDate::from_ymd_opt(n, 1, 1).is_none_or(|first| first <= last) {
            return Err(bad(
                &field,
                year,
                &format!("must be a later year than the coverage ending {last}"),
            ));
        }
        for d in &y.closures {
            if d.year() != n {
                return Err(bad(&format!("{field}.closures"), d, "is not in that year"));
            }
            if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(bad(
                    &format!("{field}.closures"),
                    d,
                    "is a weekend: weekends never trade, list weekday closures only",
                ));
            }
        }
        if y.source.trim().is_empty() {
            return Err(bad(
                &format!("{field}.source"),
                &"\"\"",
                "must name the notice",
            ));
        }
        last = NaiveDate::from_ymd_opt(n, 12, 31).unwrap_or(last);
    }
    Ok(())
}

fn check_vintages(t: &TimelineSpec, bad: &Bad<'_>) -> Result<(), TimelineError> {
    let mut seen_years: Vec<u16> = Vec::new();
    let mut previous_listing: Option<NaiveDate> = None;
    for (i, (code, v)) in t.vintages.iter().enumerate() {
        let field = |f: &str| format!("vintages.{code}.{f}");
        if v.years.is_empty() {
            return Err(bad(&field("years"), &"[]", "must name at least one year"));
        }
        for y in &v.years {
            if seen_years.contains(y) {
                return Err(bad(
                    &field("years"),
                    y,
                    "is already held by another vintage",
                ));
            }
            seen_years.push(*y);
        }
        if v.credited > v.listed {
            return Err(bad(
                &field("credited"),
                &v.credited,
                &format!("must not be after the listing date {}", v.listed),
            ));
        }
        if previous_listing.is_some_and(|p| v.listed < p) {
            return Err(bad(
                &field("listed"),
                &v.listed,
                "vintages must be in listing order",
            ));
        }
        previous_listing = Some(v.listed);
        match v.reference_price {
            Some(p) if p.fen() <= 0 => {
                return Err(bad(&field("reference_price"), &p, "must be > 0"));
            }
            None if i == 0 => {
                return Err(bad(
                    &field("reference_price"),
                    &"none",
                    "the first vintage opens the market and needs a reference price",
                ));
            }
            _ => {}
        }
        if v.source.trim().is_empty() {
            return Err(bad(&field("source"), &"\"\"", "must name a source"));
        }
    }
    if t.vintages.is_empty() {
        return Err(bad("vintages", &"{}", "must list at least one vintage"));
    }
    Ok(())
}

fn check_cycle(
    t: &TimelineSpec,
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    if c.years.is_empty() || c.years.windows(2).any(|w| w[1] != w[0] + 1) {
        return Err(bad(
            &field("years"),
            &format!("{:?}", c.years),
            "must be consecutive years",
        ));
    }
    if c.sectors.is_empty() {
        return Err(bad(&field("sectors"), &"[]", "must name a sector"));
    }
    if c.coverage.entities == 0 || c.coverage.annual_emissions_t == 0 {
        return Err(bad(
            &field("coverage"),
            &c.coverage.entities,
            "needs entities and emissions",
        ));
    }
    check_allocation(c, field, bad)?;
    if c.eligible_vintages.is_empty() {
        return Err(bad(
            &field("eligible_vintages"),
            &"[]",
            "must name a vintage",
        ));
    }
    for code in &c.eligible_vintages {
        if !t.vintages.contains_key(code) {
            return Err(bad(
                &field("eligible_vintages"),
                code,
                "is not a vintage of the timeline",
            ));
        }
    }
    for y in &c.years {
        if !t.vintages.values().any(|v| v.years.contains(y)) {
            return Err(bad(
                &field("years"),
                y,
                "no vintage holds this year's allowances",
            ));
        }
    }
    check_rules(t, c, field, bad)
}

/// A cycle's percentages, borrowing, pre-allocation, banking cap, penalty and sources.
fn check_rules(
    t: &TimelineSpec,
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    for (name, pct) in [
        ("shortfall_cap_pct", c.shortfall_cap_pct),
        ("offsets.limit_pct", c.offsets.limit_pct),
    ] {
        if pct > 100 {
            return Err(bad(&field(name), &pct, "must be a percentage, 0..=100"));
        }
    }
    if let Some(b) = &c.borrowing
        && (b.gap_threshold_pct > 100 || b.max_share_pct > 100)
    {
        return Err(bad(
            &field("borrowing"),
            &b.max_share_pct,
            "shares must be 0..=100",
        ));
    }
    check_pre_allocation(t, c, field, bad)?;
    check_dates_before_final(c, field, bad)?;
    check_banking(t, c, field, bad)?;
    if c.penalty.fine().is_negative() {
        return Err(bad(
            &field("penalty.fine"),
            &c.penalty.fine(),
            "must be >= 0",
        ));
    }
    if c.source.trim().is_empty() || c.coverage.source.trim().is_empty() {
        return Err(bad(&field("source"), &"\"\"", "must name a source"));
    }
    Ok(())
}

/// The plan's publication and the cycle's own credit date come no later than its final
/// deadline.
fn check_dates_before_final(
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    if let (Some(p), Some(last)) = (&c.plan, c.deadlines.values().last())
        && p.published > last.date
    {
        return Err(bad(
            &field("plan.published"),
            &p.published,
            &format!("must not come after the final deadline {}", last.date),
        ));
    }
    if let (Some(d), Some(last)) = (c.credited, c.deadlines.values().last())
        && d > last.date
    {
        return Err(bad(
            &field("credited"),
            &d,
            "must not come after the final deadline",
        ));
    }
    Ok(())
}

/// A banking cap names vintages of the timeline and dates in order, with a multiple >= 0.
fn check_banking(
    t: &TimelineSpec,
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    let Some(b) = &c.banking else {
        return Ok(());
    };
    if let Some(code) = b
        .vintages
        .iter()
        .find(|v| !t.vintages.contains_key(v.as_str()))
    {
        return Err(bad(
            &field("banking.vintages"),
            code,
            "is not a vintage of the timeline",
        ));
    }
    if b.announced.is_some_and(|a| a > b.void_after) {
        return Err(bad(
            &field("banking.announced"),
            &b.announced.unwrap_or_default(),
            "must not come after void_after",
        ));
    }
    if let Some(d) = &b.draft {
        // A draft precedes the final rule it is replaced by.
        if b.announced.is_none_or(|a| d.published > a) {
            return Err(bad(
                &field("banking.draft.published"),
                &d.published,
                "needs banking.announced, and must not come after it",
            ));
        }
    }
    if b.sales_from > b.void_after || b.net_sales_multiple.is_sign_negative() {
        return Err(bad(
            &field("banking"),
            &b.void_after,
            "needs sales_from <= void_after and a multiple >= 0",
        ));
    }
    Ok(())
}

/// A pre-allocation's share is a percentage and its true-up falls between the cycle's credits
/// and its final deadline.
fn check_pre_allocation(
    t: &TimelineSpec,
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    let Some(p) = &c.pre_allocation else {
        return Ok(());
    };
    let f = field("pre_allocation");
    if p.share_pct == 0 || p.share_pct > 100 {
        return Err(bad(
            &format!("{f}.share_pct"),
            &p.share_pct,
            "must be 1..=100",
        ));
    }
    let credited = t
        .vintages
        .values()
        .filter(|v| v.years.iter().any(|y| c.years.contains(y)));
    if let Some(v) = credited
        .map(|v| c.credited.unwrap_or(v.credited))
        .find(|d| *d > p.true_up)
    {
        return Err(bad(
            &format!("{f}.true_up"),
            &p.true_up,
            &format!("must not come before the credit of {v}"),
        ));
    }
    if c.deadlines
        .values()
        .last()
        .is_some_and(|d| p.true_up > d.date)
    {
        return Err(bad(
            &format!("{f}.true_up"),
            &p.true_up,
            "must not come after the final deadline",
        ));
    }
    Ok(())
}

fn check_allocation(
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    bad: &Bad<'_>,
) -> Result<(), TimelineError> {
    match &c.allocation {
        AllocationSpec::Benchmark { benchmarks, .. } => {
            for y in &c.years {
                if !benchmarks.contains_key(&y.to_string()) {
                    return Err(bad(&field("allocation.benchmarks"), y, "has no benchmarks"));
                }
            }
            for (year, b) in benchmarks {
                let values = b.power.iter().chain([&b.heat_coal, &b.heat_gas]);
                if !c.years.iter().any(|y| y.to_string() == *year) {
                    return Err(bad(
                        &field("allocation.benchmarks"),
                        year,
                        "is not a covered year",
                    ));
                }
                if let Some(v) = values
                    .into_iter()
                    .find(|v| v.is_sign_negative() || v.is_zero())
                {
                    return Err(bad(
                        &field(&format!("allocation.benchmarks.{year}")),
                        v,
                        "must be > 0",
                    ));
                }
            }
        }
        AllocationSpec::Grandfathering { share_pct, .. } => {
            if *share_pct > 200 {
                return Err(bad(
                    &field("allocation.share_pct"),
                    share_pct,
                    "must be 0..=200",
                ));
            }
        }
        AllocationSpec::Intensity { tightening_bp, .. } => {
            if *tightening_bp >= 10_000 {
                return Err(bad(
                    &field("allocation.tightening_bp"),
                    tightening_bp,
                    "must be below 10000",
                ));
            }
            if c.sectors.iter().any(|s| !s.is_industrial()) {
                return Err(bad(
                    &field("allocation.method"),
                    &"intensity",
                    "is for the industrial sectors only",
                ));
            }
        }
    }
    Ok(())
}

/// Checks a cycle's deadlines and returns the final one.
fn check_deadlines(
    c: &CycleSpec,
    field: &dyn Fn(&str) -> String,
    last_day: NaiveDate,
    bad: &Bad<'_>,
) -> Result<NaiveDate, TimelineError> {
    let end_of_cycle = c
        .years
        .last()
        .and_then(|y| NaiveDate::from_ymd_opt(i32::from(*y), 12, 31))
        .unwrap_or(NaiveDate::MIN);
    let mut previous: Option<NaiveDate> = None;
    let count = c.deadlines.len();
    for (i, (name, d)) in c.deadlines.iter().enumerate() {
        let f = field(&format!("deadlines.{name}"));
        if d.share_pct == 0 || d.share_pct > 100 {
            return Err(bad(
                &format!("{f}.share_pct"),
                &d.share_pct,
                "must be 1..=100",
            ));
        }
        if d.date <= end_of_cycle {
            return Err(bad(
                &format!("{f}.date"),
                &d.date,
                "must come after the cycle's last year",
            ));
        }
        if d.date > last_day {
            return Err(bad(
                &format!("{f}.date"),
                &d.date,
                &format!("is outside the calendar, which ends {last_day}"),
            ));
        }
        if previous.is_some_and(|p| d.date <= p) {
            return Err(bad(
                &format!("{f}.date"),
                &d.date,
                "deadlines must be in date order",
            ));
        }
        if let Some(a) = d.announced.filter(|a| *a >= d.date) {
            return Err(bad(
                &format!("{f}.announced"),
                &a,
                &format!("must come before the deadline it announces, {}", d.date),
            ));
        }
        previous = Some(d.date);
        let is_final = d.share_pct == 100 && d.share_of == ShareOf::Volume;
        if is_final != (i + 1 == count) {
            return Err(bad(
                &format!("{f}.share_pct"),
                &d.share_pct,
                "the last deadline, and only it, requires 100 % of the volume",
            ));
        }
        if d.source.trim().is_empty() {
            return Err(bad(&format!("{f}.source"), &"\"\"", "must name the notice"));
        }
    }
    previous.ok_or_else(|| bad(&field("deadlines"), &"{}", "must have a final deadline"))
}
