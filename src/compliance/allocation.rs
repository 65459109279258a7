//! Free allocation by output-based benchmarks:
//! `allowance = power benchmark × net power supplied × correction factor + heat benchmark × heat
//! supplied` (MEE allocation plans for 2019–2020 and 2021–2022), computed in exact decimals and
//! rounded half-up to whole tonnes once per unit.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::units::Quantity;

/// The four unit classes of the national plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitClass {
    /// Conventional coal above 300 MW.
    CoalAbove300,
    /// Conventional coal of 300 MW and below.
    CoalUpTo300,
    /// Unconventional coal (gangue, slime, coal-water slurry, including CFB units).
    UnconventionalCoal,
    /// Natural gas.
    Gas,
}

impl UnitClass {
    /// All classes, in table order.
    pub const ALL: [UnitClass; 4] = [
        UnitClass::CoalAbove300,
        UnitClass::CoalUpTo300,
        UnitClass::UnconventionalCoal,
        UnitClass::Gas,
    ];

    fn index(self) -> usize {
        match self {
            UnitClass::CoalAbove300 => 0,
            UnitClass::CoalUpTo300 => 1,
            UnitClass::UnconventionalCoal => 2,
            UnitClass::Gas => 3,
        }
    }

    /// Whether the class burns gas (gas units are exempt from shortfalls).
    #[must_use]
    pub fn is_gas(self) -> bool {
        self == UnitClass::Gas
    }
}

/// Benchmarks for one compliance year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmarks {
    /// Power benchmark per class, tCO2/MWh, in [`UnitClass::ALL`] order.
    pub power: [Decimal; 4],
    /// Heat benchmark shared by the three coal classes, tCO2/GJ.
    pub heat_coal: Decimal,
    /// Heat benchmark for gas, tCO2/GJ.
    pub heat_gas: Decimal,
}

impl Benchmarks {
    /// 2019–2020: 0.877 / 0.979 / 1.146 / 0.392 tCO2/MWh, heat 0.126 / 0.059 tCO2/GJ (MEE final
    /// plan of 2020-12-30, as tabulated in ICAP's summary and in a 2023 analyst table citing the
    /// plan PDF).
    #[must_use]
    pub fn year_2019_2020() -> Self {
        Benchmarks {
            power: [d(877, 3), d(979, 3), d(1146, 3), d(392, 3)],
            heat_coal: d(126, 3),
            heat_gas: d(59, 3),
        }
    }

    /// 2021: 0.8218 / 0.8773 / 0.9350 / 0.3920 tCO2/MWh, heat 0.1111 / 0.0560 tCO2/GJ (MEE
    /// 2021–2022 plan of 2023-03-15, via a secondary table; flagged secondary in the docs).
    #[must_use]
    pub fn year_2021() -> Self {
        Benchmarks {
            power: [d(8218, 4), d(8773, 4), d(9350, 4), d(3920, 4)],
            heat_coal: d(1111, 4),
            heat_gas: d(560, 4),
        }
    }

    /// 2022: 0.8177 / 0.8729 / 0.9303 / 0.3901 tCO2/MWh, heat 0.1105 / 0.0557 tCO2/GJ (same
    /// source; each is the 2021 value × 0.995).
    #[must_use]
    pub fn year_2022() -> Self {
        Benchmarks {
            power: [d(8177, 4), d(8729, 4), d(9303, 4), d(3901, 4)],
            heat_coal: d(1105, 4),
            heat_gas: d(557, 4),
        }
    }

    /// The power benchmark of a class.
    #[must_use]
    pub fn power_for(&self, class: UnitClass) -> Decimal {
        self.power[class.index()]
    }

    /// The heat benchmark of a class.
    #[must_use]
    pub fn heat_for(&self, class: UnitClass) -> Decimal {
        if class.is_gas() {
            self.heat_gas
        } else {
            self.heat_coal
        }
    }
}

fn d(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

/// Correction factors applied to the power term. Their existence is documented; their values
/// were not found in a public source, so these defaults are unverified and configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionFactors {
    /// Factor for air-cooled coal units (default 1.05, unverified).
    pub air_cooling: Decimal,
    /// Heat-supply correction for coal: `1 − coefficient × heat ratio` (default 0.22, unverified).
    pub heat_coal_coefficient: Decimal,
    /// Heat-supply correction for gas: `1 − coefficient × heat ratio` (default 0.6, unverified).
    pub heat_gas_coefficient: Decimal,
    /// Load-factor steps for coal units: `(minimum load factor, factor)`, highest first; the first
    /// step whose minimum the unit reaches applies (defaults unverified: ≥ 0.85 → 1.000,
    /// ≥ 0.80 → 1.007, ≥ 0.75 → 1.015, otherwise 1.030).
    pub load_steps: Vec<(Decimal, Decimal)>,
    /// Factor below the last step.
    pub load_floor_factor: Decimal,
}

impl Default for CorrectionFactors {
    fn default() -> Self {
        CorrectionFactors {
            air_cooling: d(105, 2),
            heat_coal_coefficient: d(22, 2),
            heat_gas_coefficient: d(6, 1),
            load_steps: vec![
                (d(85, 2), d(1000, 3)),
                (d(80, 2), d(1007, 3)),
                (d(75, 2), d(1015, 3)),
            ],
            load_floor_factor: d(1030, 3),
        }
    }
}

/// One generating unit's year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratingUnit {
    /// Class.
    pub class: UnitClass,
    /// Capacity, MW.
    pub capacity_mw: u32,
    /// Whether the unit is air-cooled.
    pub air_cooled: bool,
    /// Net power supplied, MWh.
    pub net_power_mwh: u64,
    /// Heat supplied, GJ.
    pub heat_gj: u64,
    /// Verified emissions, t CO2.
    pub emissions_t: u64,
}

impl GeneratingUnit {
    /// Load factor: net power over capacity × 8,760 h.
    #[must_use]
    pub fn load_factor(&self) -> Decimal {
        if self.capacity_mw == 0 {
            return Decimal::ONE;
        }
        Decimal::from(self.net_power_mwh) / Decimal::from(u64::from(self.capacity_mw) * 8_760)
    }

    /// Heat ratio: heat supplied over total energy supplied (1 MWh = 3.6 GJ).
    #[must_use]
    pub fn heat_ratio(&self) -> Decimal {
        let total = Decimal::from(self.heat_gj) + Decimal::from(self.net_power_mwh) * d(36, 1);
        if total.is_zero() {
            Decimal::ZERO
        } else {
            Decimal::from(self.heat_gj) / total
        }
    }
}

impl CorrectionFactors {
    /// The combined factor on the unit's power term.
    #[must_use]
    pub fn factor(&self, unit: &GeneratingUnit) -> Decimal {
        let gas = unit.class.is_gas();
        let cooling = if unit.air_cooled && !gas {
            self.air_cooling
        } else {
            Decimal::ONE
        };
        let coefficient = if gas {
            self.heat_gas_coefficient
        } else {
            self.heat_coal_coefficient
        };
        let heat = Decimal::ONE - coefficient * unit.heat_ratio();
        let load = if gas {
            Decimal::ONE
        } else {
            let lf = unit.load_factor();
            self.load_steps
                .iter()
                .find(|(min, _)| lf >= *min)
                .map_or(self.load_floor_factor, |(_, f)| *f)
        };
        cooling * heat * load
    }
}

/// Rounds a non-negative decimal tonnage half-up to whole tonnes.
fn whole_tonnes(t: Decimal) -> Quantity {
    let rounded = t.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    Quantity::new(rounded.to_u64().unwrap_or(0))
}

/// The unit's allocation for its year, rounded half-up to whole tonnes.
#[must_use]
pub fn allocate(
    unit: &GeneratingUnit,
    benchmarks: &Benchmarks,
    corrections: &CorrectionFactors,
) -> Quantity {
    let power = benchmarks.power_for(unit.class)
        * Decimal::from(unit.net_power_mwh)
        * corrections.factor(unit);
    let heat = benchmarks.heat_for(unit.class) * Decimal::from(unit.heat_gj);
    whole_tonnes(power + heat)
}

/// Pre-allocation: a share (70 % in the 2019–2020 plan) of what the base-year output would earn
/// at this year's benchmarks, rounded half-up; the final allocation is trued up later.
#[must_use]
pub fn pre_allocate(
    base_year: &GeneratingUnit,
    benchmarks: &Benchmarks,
    corrections: &CorrectionFactors,
    share_pct: u32,
) -> Quantity {
    let full = allocate(base_year, benchmarks, corrections);
    whole_tonnes(Decimal::from(full.units()) * Decimal::from(share_pct) / Decimal::from(100))
}

/// The true-up after verification: positive to issue more, negative to claw back.
#[must_use]
pub fn true_up(pre_allocated: Quantity, final_allocation: Quantity) -> i128 {
    i128::from(final_allocation.units()) - i128::from(pre_allocated.units())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(class: UnitClass, power: u64, heat: u64) -> GeneratingUnit {
        GeneratingUnit {
            class,
            capacity_mw: 600,
            air_cooled: false,
            net_power_mwh: power,
            heat_gj: heat,
            emissions_t: 0,
        }
    }

    #[test]
    fn hand_computed_allocations() {
        let b = Benchmarks::year_2019_2020();
        let none = CorrectionFactors {
            air_cooling: Decimal::ONE,
            heat_coal_coefficient: Decimal::ZERO,
            heat_gas_coefficient: Decimal::ZERO,
            load_steps: vec![],
            load_floor_factor: Decimal::ONE,
        };
        // 0.877 × 3,000,000 MWh = 2,631,000 t.
        assert_eq!(
            allocate(&unit(UnitClass::CoalAbove300, 3_000_000, 0), &b, &none).units(),
            2_631_000
        );
        // 0.392 × 1,000,001 + 0.059 × 10 = 392,000.392 + 0.59 = 392,000.982 → 392,001.
        assert_eq!(
            allocate(&unit(UnitClass::Gas, 1_000_001, 10), &b, &none).units(),
            392_001
        );
        // 2022 = 2021 × 0.995 within rounding.
        let (b21, b22) = (Benchmarks::year_2021(), Benchmarks::year_2022());
        for c in UnitClass::ALL {
            let ratio = b22.power_for(c) / b21.power_for(c);
            assert!((ratio - d(995, 3)).abs() < d(1, 3), "{c:?}");
        }
    }

    #[test]
    fn corrections_and_true_up() {
        let c = CorrectionFactors::default();
        // Air-cooled coal at full load, no heat: factor 1.05.
        let mut u = unit(UnitClass::CoalAbove300, 600 * 8_760, 0);
        u.air_cooled = true;
        assert_eq!(c.factor(&u), d(105, 2));
        // Load factor 0.78 → 1.015 step.
        u.air_cooled = false;
        u.net_power_mwh = 600 * 8_760 * 78 / 100;
        assert_eq!(c.factor(&u), d(1015, 3));
        // Heat ratio 0.5 for gas → 1 − 0.6 × 0.5 = 0.7.
        let g = unit(UnitClass::Gas, 1_000, 3_600);
        assert_eq!(c.factor(&g), d(7, 1));
        // 0.877 × 1,000,000 MWh at full load (100 MW) = 877,000 t; 70 % = 613,900 t.
        let mut base = unit(UnitClass::CoalAbove300, 1_000_000, 0);
        base.capacity_mw = 100;
        let pre = pre_allocate(&base, &Benchmarks::year_2019_2020(), &c, 70);
        assert_eq!(pre.units(), 613_900);
        assert_eq!(true_up(pre, Quantity::new(600_000)), -13_900);
    }
}
