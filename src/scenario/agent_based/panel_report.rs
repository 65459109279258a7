//! The firm panel and the deadlines in a run's outputs: `firms.csv`, one row per covered entity
//! and compliance cycle, and `compliance.csv`, one row per deadline settled.

use std::fmt::Write as _;

use super::{AgentRun, FirmCycle};
use crate::scenario::replay::ComplianceSummary;

/// The columns of `firms.csv`, units in the names.
pub const FIRMS_HEADER: &str = "cycle,entity,sector,unit_class,emissions_t,abated_t,\
abatement_cost_cny,allocation_t,bought_t,sold_t,offsets_bought_t,purchases_cny,sales_cny,\
offset_purchases_cny,fees_cny,obligation_t,offsets_used_t,borrowed_t,surrendered_t,shortfall_t,\
banked_t,voided_t,fined_cny,net_cash_flow_cny,settled";

/// The columns of `compliance.csv`.
pub const COMPLIANCE_HEADER: &str = "cycle,deadline,kind,share_pct,share_of,entities_due,\
entities_in_full,obligation_t,surrendered_t,surrendered_share_pct,shortfall_t,fines_cny";

/// `firms.csv`: the panel, in cycle then entity order.
#[must_use]
pub fn firms_csv(run: &AgentRun) -> String {
    let mut out = format!("{FIRMS_HEADER}\n");
    for r in &run.panel {
        firm_line(&mut out, r);
    }
    out
}

fn firm_line(out: &mut String, r: &FirmCycle) {
    let _ = write!(
        out,
        "{},{},{},{},{},{},{},{},{},{},{},",
        r.cycle,
        r.entity,
        r.sector,
        r.unit_class.as_deref().unwrap_or(""),
        r.emissions,
        r.abated,
        r.abatement_cost,
        r.allocation,
        r.bought,
        r.sold,
        r.offsets_bought
    );
    let _ = writeln!(
        out,
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        r.purchases,
        r.sales,
        r.offset_purchases,
        r.fees,
        r.obligation,
        r.offsets_used,
        r.borrowed,
        r.surrendered,
        r.shortfall,
        r.banked,
        r.voided,
        r.fined,
        r.net_cash_flow(),
        r.settled.map(|d| d.to_string()).unwrap_or_default()
    );
}

/// A deadline's kind, target and what the target counts: the first cycle's interim asked 95 %
/// of the entities to surrender in full; the others a share of each entity's obligation.
fn due(c: &ComplianceSummary) -> (&'static str, u32, &'static str) {
    match c.entity_target_pct {
        Some(t) => ("interim", t, "entities"),
        None if c.share_pct < 100 => ("interim", c.share_pct, "volume"),
        None => ("final", c.share_pct, "volume"),
    }
}

/// `compliance.csv`: one row per deadline settled, in settlement order.
#[must_use]
pub fn compliance_csv(run: &AgentRun) -> String {
    let mut out = format!("{COMPLIANCE_HEADER}\n");
    for c in &run.compliance {
        let (kind, share, of) = due(c);
        let bp = c.rate_by_volume_bp;
        let _ = writeln!(
            out,
            "{},{},{kind},{share},{of},{},{},{},{},{}.{:02},{},{}",
            c.cycle,
            c.date,
            c.entities,
            c.entities_complying,
            c.obligation,
            c.covered,
            bp / 100,
            bp % 100,
            c.shortfall,
            c.fines
        );
    }
    out
}
