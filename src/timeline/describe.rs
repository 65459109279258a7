//! The timeline as text a person can check: cycles with their deadlines and rules, vintages,
//! the calendar, each with its source; assumptions are marked.

use std::fmt::Write;

use super::Timeline;
use super::spec::{AllocationSpec, CycleSpec, ShareOf};

impl Timeline {
    /// A plain-text description: one block per cycle, then the vintages and the calendar.
    #[must_use]
    pub fn describe(&self) -> String {
        let s = &self.spec;
        let mut out = format!("{}\n\n", s.name);
        if !self.overrides.is_empty() {
            out.push_str("changed by the scenario (sources below are the published ones):\n");
            for (path, value) in &self.overrides {
                let _ = writeln!(out, "  {path} = {value}");
            }
            out.push('\n');
        }
        for (name, c) in &s.cycles {
            describe_cycle(&mut out, name, c);
        }
        if !s.instruments.is_empty() {
            out.push_str(&s.instruments.describe());
            out.push('\n');
        }
        out.push_str("vintages   years        credited    listed      reference  source\n");
        for (code, v) in &s.vintages {
            let years: Vec<String> = v.years.iter().map(u16::to_string).collect();
            let reference = v.reference_price.map_or("-".into(), |p| p.to_string());
            let mark = if v.assumption { " (assumption)" } else { "" };
            let _ = writeln!(
                out,
                "{code:<10} {:<12} {}  {}  {reference:>9}  {}{mark}",
                years.join(","),
                v.credited,
                v.listed,
                v.source
            );
        }
        let _ = writeln!(
            out,
            "\ncalendar: exchange days through {} ({})",
            s.calendar.embedded_through, s.calendar.source
        );
        for (year, y) in &s.calendar.years {
            let _ = writeln!(
                out,
                "  {year}: {} weekday closures ({}){}",
                y.closures.len(),
                y.source,
                if y.assumption { " [assumption]" } else { "" }
            );
        }
        out
    }
}

fn describe_cycle(out: &mut String, name: &str, c: &CycleSpec) {
    let sectors: Vec<String> = c
        .sectors
        .iter()
        .map(|s| format!("{s:?}").to_lowercase())
        .collect();
    let _ = writeln!(
        out,
        "cycle {name}: emissions of {:?}, {} ({} entities, {} t a year) [{}]",
        c.years,
        sectors.join(", "),
        c.coverage.entities,
        c.coverage.annual_emissions_t,
        c.coverage.source
    );
    for (d_name, d) in &c.deadlines {
        let of = match d.share_of {
            ShareOf::Volume => "of the volume",
            ShareOf::Entities => "of entities in full",
        };
        let known = c
            .announced(d)
            .map_or(String::new(), |a| format!(", known from {a}"));
        let _ = writeln!(
            out,
            "  deadline {d_name:<8} {}  {:>3} % {of}{known}  [{}]",
            d.date, d.share_pct, d.source
        );
    }
    let allocation = match &c.allocation {
        AllocationSpec::Benchmark { benchmarks, source } => {
            let years: Vec<&str> = benchmarks.keys().map(String::as_str).collect();
            format!("benchmarks for {} [{source}]", years.join(", "))
        }
        AllocationSpec::Grandfathering { share_pct, source } => {
            format!("grandfathering, {share_pct} % of verified emissions [{source}]")
        }
        AllocationSpec::Intensity {
            tightening_bp,
            source,
        } => format!(
            "intensity benchmarks at each sector's balance, {tightening_bp} bp tighter [{source}]"
        ),
    };
    if let Some(d) = c.credited {
        let _ = writeln!(out, "  credited         {d} (the cycle's own credit date)");
    }
    let _ = writeln!(out, "  allocation       {allocation}");
    if let Some(p) = &c.plan {
        let _ = writeln!(out, "  plan published   {} [{}]", p.published, p.source);
    }
    if let Some(p) = &c.pre_allocation {
        let _ = writeln!(
            out,
            "  pre-allocation   {} % on each credit date, the rest on {} [{}]",
            p.share_pct, p.true_up, p.source
        );
    }
    let _ = writeln!(out, "  eligible         {}", c.eligible_vintages.join(", "));
    describe_rules(out, c);
}

/// A cycle's relief, offsets, borrowing, banking cap, penalty and source.
fn describe_rules(out: &mut String, c: &CycleSpec) {
    let _ = writeln!(
        out,
        "  relief           gas exemption {}, shortfall cap {} % of emissions",
        if c.gas_exemption { "on" } else { "off" },
        c.shortfall_cap_pct
    );
    let _ = writeln!(
        out,
        "  offsets          up to {} % of the obligation, {:?} [{}]",
        c.offsets.limit_pct, c.offsets.eligible, c.offsets.source
    );
    match &c.borrowing {
        Some(b) => {
            let _ = writeln!(
                out,
                "  borrowing        up to {} % of a gap above {} % of allocation [{}]",
                b.max_share_pct, b.gap_threshold_pct, b.source
            );
        }
        None => out.push_str("  borrowing        none\n"),
    }
    if let Some(b) = &c.banking {
        let _ = writeln!(
            out,
            "  banking cap      after {}: {} t + {} × net sales since {} of {} [{}]",
            b.void_after,
            b.base_t,
            b.net_sales_multiple,
            b.sales_from,
            b.vintages.join(", "),
            b.source
        );
        if !b.forfeit_if_short.is_empty() {
            let _ = writeln!(
                out,
                "  banking forfeit  nothing carried by an entity short at the final deadline of {}",
                b.forfeit_if_short.join(", ")
            );
        }
        if let Some(d) = &b.draft {
            let _ = writeln!(
                out,
                "  banking draft    {}: {} t + the same multiple, until the final rule{} [{}]",
                d.published,
                d.base_t,
                b.announced.map(|a| format!(" of {a}")).unwrap_or_default(),
                d.source
            );
        }
    }
    let p = &c.penalty;
    let (source, assumption) = p.source();
    let deduct = if p.deducts_shortfall() {
        ", shortfall deducted from the next allocation"
    } else {
        ""
    };
    let mark = if assumption {
        " (partly an assumption)"
    } else {
        ""
    };
    let fine = match p.multiple() {
        Some(m) => {
            format!("{m} × the average price of the month before the deadline per tonne short")
        }
        None => format!("CNY {} fine", p.fine()),
    };
    let _ = writeln!(out, "  penalty          {fine}{deduct} [{source}]{mark}");
    let _ = writeln!(out, "  source           {}\n", c.source);
}
