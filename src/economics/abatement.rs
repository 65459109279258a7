//! Marginal abatement cost (MAC) curves: a few options, each taken up linearly between a lowest
//! and a highest cost per tonne, up to a potential stated in basis points of a firm's baseline
//! emissions a year. Quantities and costs are exact integers (tonnes, fen).
//!
//! A firm abates where its expected allowance price exceeds its marginal cost: at price `P`,
//! option `s` with costs `[c0, c1]` (scaled by the firm's cost factor `m`) and potential `q_s`
//! of baseline `E` abates `q_s·E·clamp((P − m·c0)/(m·c1 − m·c0), 0, 1)` tonnes a year, at the
//! cost of the area under the curve. Each covered sector has a curve of its own (power,
//! [`MacCurve::power_default`]; steel, cement and aluminium, [`SectorMacs`]); the runners pick
//! each firm's by its sector. `docs/model.md` gives the defaults and their sources.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::{Money, Price};

/// Costs are scaled by a factor in percent; 100 leaves them as they are.
pub const UNSCALED_PCT: u32 = 100;

/// One abatement option of a curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacSegment {
    /// What the option is (for reports), e.g. `"dispatch shift"`.
    pub option: String,
    /// The cost at which the option starts to be taken up, CNY/t.
    pub cost_from: Price,
    /// The cost at which all of its potential is taken, CNY/t (above `cost_from`).
    pub cost_to: Price,
    /// Its potential a year, basis points of baseline emissions.
    pub potential_bp: u32,
}

/// A bad curve; nothing is built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MacError {
    /// An option's cost range is empty or reversed.
    #[error("abatement option {option:?}: cost_to {to} must be above cost_from {from}")]
    EmptyRange {
        /// The option.
        option: String,
        /// Its lowest cost.
        from: Price,
        /// Its highest cost.
        to: Price,
    },
    /// The options together abate more than the baseline.
    #[error("abatement potentials add up to {total_bp} bp of baseline emissions (at most 10000)")]
    TooMuch {
        /// Their sum, basis points.
        total_bp: u64,
    },
}

/// A marginal abatement cost curve: options in any order (each is linear on its own range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacCurve {
    /// The options.
    pub segments: Vec<MacSegment>,
}

impl MacCurve {
    /// The power sector's default curve (assumptions anchored on published studies; see
    /// `docs/model.md`): operational efficiency 0–50 CNY/t for 0.4 % a year, dispatch shifts
    /// within a firm's units 100–400 CNY/t for 1.5 %, biomass co-firing 200–500 CNY/t for 0.75 %.
    #[must_use]
    pub fn power_default() -> Self {
        MacCurve {
            segments: vec![
                option("operational efficiency", 0, 50, 40),
                option("dispatch shift", 100, 400, 150),
                option("biomass co-firing", 200, 500, 75),
            ],
        }
    }

    /// The steel sector's default curve (long-process plants, direct emissions; see
    /// `docs/model.md`): energy efficiency and waste-heat recovery 0–60 CNY/t for 1 % a year
    /// (the measures' average cost of about 27 CNY/t, Gu et al. 2023), scrap in place of hot
    /// metal 150–350 CNY/t for 1 % (the published cost gap of scrap-based steel over the
    /// emissions it saves). The potentials are assumptions.
    #[must_use]
    pub fn steel_default() -> Self {
        MacCurve {
            segments: vec![
                option("energy efficiency and waste-heat recovery", 0, 60, 100),
                option("scrap in place of hot metal", 150, 350, 100),
            ],
        }
    }

    /// The cement sector's default curve (clinker, direct emissions; see `docs/model.md`):
    /// 70 % of the price-induced abatement below 50 CNY/t and 90 % below 100 (Liu 2016), about
    /// 1 % of emissions a year in all: energy management and kiln efficiency 0–50 CNY/t for
    /// 0.7 %, alternative fuels and raw materials 50–100 CNY/t for 0.2 %, the remaining
    /// technologies 100–250 CNY/t for 0.1 %.
    #[must_use]
    pub fn cement_default() -> Self {
        MacCurve {
            segments: vec![
                option("energy management and kiln efficiency", 0, 50, 70),
                option("alternative fuels and raw materials", 50, 100, 20),
                option("remaining technologies", 100, 250, 10),
            ],
        }
    }

    /// The aluminium sector's default curve (electrolysis, direct emissions: anode carbon and
    /// the PFCs of anode effects; see `docs/model.md`): anode-effect control 0–50 CNY/t for 1 %
    /// a year, lower anode carbon consumption 100–300 CNY/t for 0.5 %. Costs and potentials
    /// are assumptions anchored on the PFC share of emissions and the industry's record.
    #[must_use]
    pub fn aluminium_default() -> Self {
        MacCurve {
            segments: vec![
                option("anode-effect control", 0, 50, 100),
                option("anode carbon consumption", 100, 300, 50),
            ],
        }
    }

    /// Checks every option's range and the total potential.
    ///
    /// # Errors
    /// [`MacError`] naming the option or the total.
    pub fn validate(&self) -> Result<(), MacError> {
        for s in &self.segments {
            if s.cost_to <= s.cost_from {
                return Err(MacError::EmptyRange {
                    option: s.option.clone(),
                    from: s.cost_from,
                    to: s.cost_to,
                });
            }
        }
        let total_bp: u64 = self
            .segments
            .iter()
            .map(|s| u64::from(s.potential_bp))
            .sum();
        if total_bp > 10_000 {
            return Err(MacError::TooMuch { total_bp });
        }
        Ok(())
    }

    /// The highest cost on the curve (scaled), where every option is fully taken.
    #[must_use]
    pub fn top(&self, scale_pct: u32) -> Price {
        let top = self
            .segments
            .iter()
            .map(|s| s.cost_to.fen())
            .max()
            .unwrap_or(0);
        Price::from_fen(scaled(top, scale_pct) as i64)
    }

    /// Tonnes a year abated from `baseline_t` at `price`, costs scaled by `scale_pct`.
    #[must_use]
    pub fn abatement_t(&self, baseline_t: u64, price: Price, scale_pct: u32) -> u64 {
        self.segments
            .iter()
            .map(|s| taken(s, baseline_t, price, scale_pct).0)
            .sum::<i128>() as u64
    }

    /// What abating [`MacCurve::abatement_t`] costs a year: the area under each option's line up
    /// to what it takes, rounded half-up to the fen.
    #[must_use]
    pub fn cost(&self, baseline_t: u64, price: Price, scale_pct: u32) -> Money {
        let fen: i128 = self
            .segments
            .iter()
            .map(|s| {
                let (tonnes, from, marginal) = taken(s, baseline_t, price, scale_pct);
                // Trapezium: tonnes × (first + last marginal cost) / 2.
                (tonnes * (from + marginal) + 1) / 2
            })
            .sum();
        Money::from_fen(fen)
    }
}

/// The industrial sectors' curves (`economics.sector_mac`), one per sector; power's is
/// `economics.mac`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SectorMacs {
    /// Steel (see [`MacCurve::steel_default`]).
    pub steel: MacCurve,
    /// Cement (see [`MacCurve::cement_default`]).
    pub cement: MacCurve,
    /// Aluminium (see [`MacCurve::aluminium_default`]).
    pub aluminium: MacCurve,
}

impl Default for SectorMacs {
    fn default() -> Self {
        SectorMacs {
            steel: MacCurve::steel_default(),
            cement: MacCurve::cement_default(),
            aluminium: MacCurve::aluminium_default(),
        }
    }
}

impl SectorMacs {
    /// Whether every curve is its default.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == SectorMacs::default()
    }
}

/// A fleet's abatement a year as one piecewise-linear function of the price, for the outlook:
/// the sum of every firm's curve, evaluated in `O(log n)`. In tonnes as `f64`: it is an
/// expectation, never a balance (each firm's abatement is booked with [`MacCurve::abatement_t`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AggregateMac {
    /// Breakpoints, fen, ascending.
    prices: Vec<i64>,
    /// Tonnes abated at each breakpoint.
    tonnes: Vec<f64>,
    /// Tonnes per fen just above each breakpoint.
    slope: Vec<f64>,
}

impl AggregateMac {
    /// The sum over `firms`, each its own curve, a baseline (t a year) and a cost factor
    /// (percent).
    #[must_use]
    pub fn new<'a>(firms: impl Iterator<Item = (&'a MacCurve, u64, u32)>) -> Self {
        let mut events: Vec<(i64, f64)> = Vec::new();
        for (curve, baseline, scale) in firms {
            for s in &curve.segments {
                let (from, to) = (
                    scaled(s.cost_from.fen(), scale),
                    scaled(s.cost_to.fen(), scale),
                );
                let potential = baseline as f64 * f64::from(s.potential_bp) / 10_000.0;
                if to > from && potential > 0.0 {
                    let rate = potential / (to - from) as f64;
                    events.push((from as i64, rate));
                    events.push((to as i64, -rate));
                }
            }
        }
        events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut agg = AggregateMac::default();
        let (mut tonnes, mut slope, mut at) = (0.0, 0.0, 0_i64);
        for (price, delta) in events {
            tonnes += slope * (price - at) as f64;
            slope += delta;
            at = price;
            if agg.prices.last() == Some(&price) {
                if let Some(last) = agg.slope.last_mut() {
                    *last = slope;
                }
            } else {
                agg.prices.push(price);
                agg.tonnes.push(tonnes);
                agg.slope.push(slope);
            }
        }
        agg
    }

    /// Tonnes abated a year at `price`.
    #[must_use]
    pub fn tonnes(&self, price: Price) -> f64 {
        let p = price.fen();
        let i = self.prices.partition_point(|x| *x <= p);
        if i == 0 {
            return 0.0;
        }
        let j = i - 1;
        (self.tonnes[j] + self.slope[j] * (p - self.prices[j]) as f64).max(0.0)
    }
}

/// An option costing `from`..`to` CNY/t for `bp` basis points of baseline emissions a year.
fn option(name: &str, from: i64, to: i64, bp: u32) -> MacSegment {
    MacSegment {
        option: name.to_owned(),
        cost_from: Price::from_fen(from * 100),
        cost_to: Price::from_fen(to * 100),
        potential_bp: bp,
    }
}

fn scaled(fen: i64, scale_pct: u32) -> i128 {
    i128::from(fen) * i128::from(scale_pct) / i128::from(UNSCALED_PCT)
}

/// What option `s` takes at `price`: tonnes, and the marginal cost (fen) at its start and at
/// the last tonne taken.
fn taken(s: &MacSegment, baseline_t: u64, price: Price, scale_pct: u32) -> (i128, i128, i128) {
    let (from, to) = (
        scaled(s.cost_from.fen(), scale_pct),
        scaled(s.cost_to.fen(), scale_pct),
    );
    let potential = i128::from(baseline_t) * i128::from(s.potential_bp) / 10_000;
    let p = i128::from(price.fen());
    if p <= from || to <= from || potential == 0 {
        return (0, from, from);
    }
    if p >= to {
        return (potential, from, to);
    }
    let tonnes = potential * (p - from) / (to - from);
    (tonnes, from, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(v: i64) -> Price {
        Price::from_fen(v * 100)
    }

    #[test]
    fn nothing_is_abated_below_the_first_cost_and_everything_above_the_last() {
        let c = MacCurve::power_default();
        assert_eq!(c.abatement_t(1_000_000, cny(0), 100), 0);
        // 0.4 % + 1.5 % + 0.75 % of a million tonnes.
        assert_eq!(c.abatement_t(1_000_000, cny(500), 100), 26_500);
        assert_eq!(c.abatement_t(1_000_000, cny(9_999), 100), 26_500);
    }

    #[test]
    fn take_up_is_linear_inside_an_option() {
        let c = MacCurve::power_default();
        // At 25 CNY/t, half of efficiency (0.2 %); at 250, all of it, half of dispatch (0.75 %)
        // and a sixth of co-firing (0.125 %).
        assert_eq!(c.abatement_t(1_000_000, cny(25), 100), 2_000);
        assert_eq!(
            c.abatement_t(1_000_000, cny(250), 100),
            4_000 + 7_500 + 1_250
        );
    }

    #[test]
    fn a_firm_with_doubled_costs_abates_what_an_average_one_does_at_half_the_price() {
        let c = MacCurve::power_default();
        for p in [10, 60, 150, 333, 480] {
            assert_eq!(
                c.abatement_t(2_000_000, cny(2 * p), 200),
                c.abatement_t(2_000_000, cny(p), 100),
                "at {p}"
            );
        }
    }

    #[test]
    fn abatement_never_falls_when_the_price_rises() {
        let c = MacCurve::power_default();
        let mut last = (0, Money::ZERO);
        for fen in (0..60_000).step_by(137) {
            let now = (
                c.abatement_t(3_141_592, Price::from_fen(fen), 100),
                c.cost(3_141_592, Price::from_fen(fen), 100),
            );
            assert!(now.0 >= last.0 && now.1 >= last.1, "at {fen} fen");
            last = now;
        }
    }

    #[test]
    fn the_cost_is_the_area_under_the_curve() {
        let c = MacCurve {
            segments: vec![MacSegment {
                option: "one".into(),
                cost_from: cny(10),
                cost_to: cny(30),
                potential_bp: 100,
            }],
        };
        // 1 % of 1 Mt = 10,000 t; at 20 CNY/t half is taken, 5,000 t at an average of 15.
        assert_eq!(c.abatement_t(1_000_000, cny(20), 100), 5_000);
        assert_eq!(c.cost(1_000_000, cny(20), 100), Money::from_cny(75_000));
        // All of it at an average of 20.
        assert_eq!(c.cost(1_000_000, cny(40), 100), Money::from_cny(200_000));
    }

    #[test]
    fn the_aggregate_is_the_sum_of_the_firms_curves() {
        let c = MacCurve::power_default();
        let firms = [(1_000_000, 100), (2_500_000, 60), (400_000, 250), (0, 100)];
        let agg = AggregateMac::new(firms.iter().map(|(b, s)| (&c, *b, *s)));
        for fen in (0..200_000).step_by(997) {
            let p = Price::from_fen(fen);
            let exact: u64 = firms.iter().map(|(b, s)| c.abatement_t(*b, p, *s)).sum();
            // Each firm's booked tonnes are floored; the aggregate is not.
            let diff = agg.tonnes(p) - exact as f64;
            assert!((0.0..12.0).contains(&diff), "at {fen} fen: {diff}");
        }
    }

    fn sector_defaults() -> [(&'static str, MacCurve); 3] {
        [
            ("steel", MacCurve::steel_default()),
            ("cement", MacCurve::cement_default()),
            ("aluminium", MacCurve::aluminium_default()),
        ]
    }

    #[test]
    fn the_sector_defaults_are_valid_and_abate_more_as_the_price_rises() {
        for (name, c) in sector_defaults() {
            assert_eq!(c.validate(), Ok(()), "{name}");
            let mut last = (0, Money::ZERO);
            for fen in (0..150_000).step_by(211) {
                let p = Price::from_fen(fen);
                let now = (c.abatement_t(2_718_281, p, 100), c.cost(2_718_281, p, 100));
                assert!(now.0 >= last.0 && now.1 >= last.1, "{name} at {fen} fen");
                last = now;
            }
            assert_eq!(c.abatement_t(1_000_000, Price::ZERO, 100), 0, "{name}");
        }
        assert_eq!(SectorMacs::default().steel, MacCurve::steel_default());
        assert!(SectorMacs::default().is_default());
    }

    #[test]
    fn a_sector_default_costs_the_area_under_its_curve() {
        for (name, c) in sector_defaults() {
            // Every option taken: each option's tonnes at the mean of its two costs.
            let base = 10_000_000_u64;
            let area: i128 = c
                .segments
                .iter()
                .map(|s| {
                    let t = i128::from(base) * i128::from(s.potential_bp) / 10_000;
                    (t * i128::from(s.cost_from.fen() + s.cost_to.fen()) + 1) / 2
                })
                .sum();
            let top = c.top(100);
            assert_eq!(c.cost(base, top, 100), Money::from_fen(area), "{name}");
            let all: u64 = c.segments.iter().map(|s| u64::from(s.potential_bp)).sum();
            assert_eq!(c.abatement_t(base, top, 100), base * all / 10_000, "{name}");
        }
    }

    #[test]
    fn the_sector_defaults_follow_their_anchors() {
        let t = |c: &MacCurve, p: i64| c.abatement_t(1_000_000, cny(p), 100);
        // Cement: 70 % of the abatement below 50 CNY/t, 90 % below 100, 1 % in all (Liu 2016).
        let cement = MacCurve::cement_default();
        assert_eq!(
            (t(&cement, 50), t(&cement, 100), t(&cement, 250)),
            (7_000, 9_000, 10_000)
        );
        // Steel: efficiency averages 30 CNY/t (27 in Gu et al. 2023); scrap from 150 CNY/t.
        let steel = MacCurve::steel_default();
        assert_eq!(
            steel.cost(1_000_000, cny(60), 100),
            Money::from_cny(300_000)
        );
        assert_eq!((t(&steel, 150), t(&steel, 250)), (10_000, 15_000));
        // Aluminium: anode-effect control first, 1 % a year.
        assert_eq!(t(&MacCurve::aluminium_default(), 50), 10_000);
    }

    #[test]
    fn bad_curves_are_refused_with_the_value() {
        let mut c = MacCurve::power_default();
        c.segments[1].cost_to = c.segments[1].cost_from;
        assert!(
            matches!(c.validate(), Err(MacError::EmptyRange { option, .. }) if option == "dispatch shift")
        );
        let mut c = MacCurve::power_default();
        c.segments[0].potential_bp = 9_990;
        assert_eq!(c.validate(), Err(MacError::TooMuch { total_bp: 10_215 }));
        assert_eq!(MacCurve::power_default().validate(), Ok(()));
    }
}
