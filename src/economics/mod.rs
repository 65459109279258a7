//! Firm economics shared by the runners: what abating a tonne costs (marginal abatement cost
//! curves) and what an allowance is expected to be worth (the price outlook: a surveyed price
//! path, a cost of carry, and the price at which the market clears a deficit it carries).
//!
//! This layer knows units and prices only; the runners feed it the fleet's positions.

pub mod abatement;
pub mod outlook;

use serde::{Deserialize, Serialize};

use self::abatement::MacCurve;
use self::outlook::OutlookParams;

/// A scenario's `[economics]`: the covered firms' abatement and the price outlook they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EconomicsParams {
    /// Whether covered firms abate (emissions respond to the expected price). Default on.
    pub abatement: bool,
    /// The power sector's abatement cost curve (see [`MacCurve::power_default`]).
    pub mac: MacCurve,
    /// Spread of firms' abatement costs: each firm's costs are the curve's times `e^{σ·z}`, `z`
    /// standard normal drawn once per firm, `σ` in `[0, 2]`. Default 0.5 (an assumption: the
    /// plant-level studies find costs differing several-fold between firms).
    pub cost_spread: f64,
    /// The price outlook.
    pub outlook: OutlookParams,
}

impl Default for EconomicsParams {
    fn default() -> Self {
        EconomicsParams {
            abatement: true,
            mac: MacCurve::power_default(),
            cost_spread: 0.5,
            outlook: OutlookParams::default(),
        }
    }
}

impl EconomicsParams {
    /// Checks the curve, the spread and the outlook; the error names the field and value.
    ///
    /// # Errors
    /// `(field, value, reason)` of the first bad value.
    pub fn validate(&self) -> Result<(), (String, String, String)> {
        self.mac.validate().map_err(|e| {
            (
                "economics.mac".to_owned(),
                format!("{:?}", self.mac.segments.len()),
                e.to_string(),
            )
        })?;
        if !(self.cost_spread.is_finite() && (0.0..=2.0).contains(&self.cost_spread)) {
            return Err((
                "economics.cost_spread".into(),
                self.cost_spread.to_string(),
                "must be between 0 and 2".into(),
            ));
        }
        self.outlook.validate().map_err(|e| {
            (
                "economics.outlook".to_owned(),
                format!("{:?}", self.outlook),
                e.to_string(),
            )
        })
    }
}
