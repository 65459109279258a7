//! The firms' operating cash: what a covered entity's business (power sold; steel, clinker or
//! aluminium made) pays into the account it trades from. Without it a firm's cash is a fixed
//! endowment that purchases and fines only drain, and a firm fined once could never buy again.
//!
//! On each month's first trading day every entity of a group already credited receives
//!
//!   `c_i = κ · E_i / 12`,
//!
//! `E_i` its annual emissions as drawn, `κ` = `fleet.operating_cash_per_tonne` (CNY per tonne a
//! year), rounded down to the fen. The cash comes from outside the market, as the opening
//! endowment does; trading still neither creates nor destroys any.

use crate::registry::{Registry, RegistryError};
use crate::scenario::cycles::Cycles;
use crate::units::Money;

/// Pays the month's operating cash to every entity of a credited group; returns the total.
///
/// # Errors
/// A registry refusal (an unknown account: a bug in the set-up).
pub(super) fn pay_month(
    cycles: &Cycles,
    registry: &mut Registry,
    per_tonne_year: Money,
) -> Result<Money, RegistryError> {
    if per_tonne_year <= Money::ZERO {
        return Ok(Money::ZERO);
    }
    let begun = cycles.groups_begun();
    let mut total = Money::ZERO;
    for (g, _) in cycles.groups.iter().zip(&begun).filter(|(_, b)| **b) {
        for i in g.first..g.first + g.len {
            let tonnes = i128::from(cycles.annual_emissions[i]);
            let fen = per_tonne_year.fen().saturating_mul(tonnes) / 12;
            let cash = Money::from_fen(fen);
            if cash > Money::ZERO {
                registry.deposit_cash(cycles.accounts[i], cash)?;
                total = total.checked_add(cash).unwrap_or(total);
            }
        }
    }
    Ok(total)
}
