//! Firm economics shared by the runners: what abating a tonne costs (marginal abatement cost
//! curves) and what an allowance is expected to be worth (the price outlook: a surveyed price
//! path, a cost of carry, and the price at which the market clears a deficit it carries).
//!
//! This layer knows units and prices only; the runners feed it the fleet's positions.

pub mod abatement;
pub mod outlook;

use serde::{Deserialize, Serialize};

use self::abatement::{MacCurve, SectorMacs};
use self::outlook::OutlookParams;

/// A scenario's `[economics]`: the covered firms' abatement and the price outlook they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EconomicsParams {
    /// Whether covered firms abate (emissions respond to the expected price). Default on.
    pub abatement: bool,
    /// The power sector's abatement cost curve (see [`MacCurve::power_default`]).
    pub mac: MacCurve,
    /// The industrial sectors' curves. Left out of the scenario's canonical form while every
    /// curve is its default, so that a scenario that does not set them keeps its content hash.
    #[serde(skip_serializing_if = "SectorMacs::is_default")]
    pub sector_mac: SectorMacs,
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
            sector_mac: SectorMacs::default(),
            cost_spread: 0.5,
            outlook: OutlookParams::default(),
        }
    }
}

impl EconomicsParams {
    /// Checks the curves, the spread and the outlook; the error names the field and value.
    ///
    /// # Errors
    /// `(field, value, reason)` of the first bad value.
    pub fn validate(&self) -> Result<(), (String, String, String)> {
        let curves = [
            ("economics.mac", &self.mac),
            ("economics.sector_mac.steel", &self.sector_mac.steel),
            ("economics.sector_mac.cement", &self.sector_mac.cement),
            ("economics.sector_mac.aluminium", &self.sector_mac.aluminium),
        ];
        for (field, curve) in curves {
            curve.validate().map_err(|e| {
                (
                    field.to_owned(),
                    format!("{:?}", curve.segments.len()),
                    e.to_string(),
                )
            })?;
        }
        if !(self.cost_spread.is_finite() && (0.0..=2.0).contains(&self.cost_spread)) {
            return Err((
                "economics.cost_spread".into(),
                self.cost_spread.to_string(),
                "must be between 0 and 2".into(),
            ));
        }
        self.outlook.validate().map_err(|e| {
            let (field, value, reason) = e.parts();
            (field.to_owned(), value, reason)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_sector_curve_is_refused_naming_its_path() {
        let mut p = EconomicsParams::default();
        p.sector_mac.cement.segments[0].potential_bp = 20_000;
        let (field, _, reason) = p.validate().unwrap_err();
        assert_eq!(field, "economics.sector_mac.cement");
        assert!(reason.contains("20030 bp"), "{reason}");
        let mut p = EconomicsParams::default();
        let s = &mut p.sector_mac.aluminium.segments[1];
        s.cost_to = s.cost_from;
        let (field, _, reason) = p.validate().unwrap_err();
        assert_eq!(field, "economics.sector_mac.aluminium");
        assert!(reason.contains("anode carbon consumption"), "{reason}");
        assert_eq!(EconomicsParams::default().validate(), Ok(()));
    }

    #[test]
    fn default_sector_curves_are_left_out_of_the_serialised_form() {
        let json = serde_json::to_string(&EconomicsParams::default()).unwrap();
        assert!(!json.contains("sector_mac"), "{json}");
        let back: EconomicsParams = serde_json::from_str(&json).unwrap();
        assert_eq!(back, EconomicsParams::default());
        let mut p = EconomicsParams::default();
        p.sector_mac.steel.segments.pop();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"sector_mac\""), "{json}");
        assert_eq!(serde_json::from_str::<EconomicsParams>(&json).unwrap(), p);
    }
}
