//! The industrial sectors' allocation: the 2024 year grandfathered (allowances equal to the
//! verified emissions), the 2025 year by output times an intensity benchmark, with a
//! pre-allocation of 70 % of the previous year's verified emissions trued up on the final
//! figure (2024–2025 steel, cement and aluminium allocation plan, 2025-11; the 70 % is the
//! September 2025 draft's, secondary).
//!
//! The plan's 2025 method balances each sector ("surplus balance": a plant below the sector's
//! intensity ends long, one above it short). Its benchmark values were not found in a source,
//! so [`IntensityBenchmark::balanced`] computes the balance value from the fleet, optionally
//! tightened; a published value goes in through [`IntensityBenchmark::new`].

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::industry::{IndustrialFleet, Plant};
use super::industry_error::IndustryError;
use super::sector::Sector;
use crate::units::Quantity;

/// The 2024 allocation: the plant's verified emissions (grandfathering at 100 %).
#[must_use]
pub fn grandfather(plant: &Plant) -> Quantity {
    Quantity::new(plant.emissions_t)
}

/// The pre-allocation: `share_pct` % of the previous year's verified emissions, rounded half-up
/// to whole tonnes.
#[must_use]
pub fn pre_allocate(previous_emissions_t: u64, share_pct: u32) -> Quantity {
    let exact = u128::from(previous_emissions_t) * u128::from(share_pct);
    // Half-up: add half the divisor before dividing.
    Quantity::new(u64::try_from((exact + 50) / 100).unwrap_or(u64::MAX))
}

/// A sector's intensity benchmark, t CO2e per unit of its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntensityBenchmark {
    sector: Sector,
    t_per_unit: Decimal,
}

impl IntensityBenchmark {
    /// A benchmark of `t_per_unit` for an industrial `sector`.
    ///
    /// # Errors
    /// [`IndustryError::NotIndustrial`]; [`IndustryError::BadIntensity`] if not positive.
    pub fn new(sector: Sector, t_per_unit: Decimal) -> Result<Self, IndustryError> {
        if !sector.is_industrial() {
            return Err(IndustryError::NotIndustrial { sector });
        }
        if t_per_unit <= Decimal::ZERO {
            return Err(IndustryError::BadIntensity {
                sector,
                mean: t_per_unit,
                spread_bp: 0,
            });
        }
        Ok(IntensityBenchmark { sector, t_per_unit })
    }

    /// The fleet's balance value (total emissions over total output) times
    /// `tightening_bp` / 10,000, rounded half-up to four decimals as the plans print benchmarks.
    /// At 10,000 bp the sector is balanced up to rounding.
    ///
    /// # Errors
    /// [`IndustryError::NoOutput`] for a fleet without output; [`IntensityBenchmark::new`]'s.
    pub fn balanced(fleet: &IndustrialFleet, tightening_bp: u32) -> Result<Self, IndustryError> {
        let output = fleet.output_t();
        if output == 0 {
            return Err(IndustryError::NoOutput {
                sector: fleet.sector,
            });
        }
        let value = Decimal::from(fleet.emissions_t()) / Decimal::from(output)
            * Decimal::new(i64::from(tightening_bp), 4);
        Self::new(
            fleet.sector,
            value.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero),
        )
    }

    /// The sector.
    #[must_use]
    pub fn sector(&self) -> Sector {
        self.sector
    }

    /// The value, t CO2e per unit of output.
    #[must_use]
    pub fn t_per_unit(&self) -> Decimal {
        self.t_per_unit
    }

    /// A plant's allocation: output × benchmark, rounded half-up to whole tonnes.
    ///
    /// # Errors
    /// [`IndustryError::WrongSector`] for a plant of another sector; [`IndustryError::Overflow`].
    pub fn allocate(&self, plant: &Plant) -> Result<Quantity, IndustryError> {
        if plant.sector != self.sector {
            return Err(IndustryError::WrongSector {
                plant: plant.name.clone(),
                plant_sector: plant.sector,
                benchmark_sector: self.sector,
            });
        }
        let exact = Decimal::from(plant.output_t)
            .checked_mul(self.t_per_unit)
            .ok_or_else(|| IndustryError::Overflow {
                plant: plant.name.clone(),
                value: Decimal::MAX,
            })?;
        let whole = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        whole
            .to_u64()
            .map(Quantity::new)
            .ok_or(IndustryError::Overflow {
                plant: plant.name.clone(),
                value: whole,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::industry::SectorCoverage;

    fn fleet(sector: Sector) -> IndustrialFleet {
        IndustrialFleet::synthetic(&SectorCoverage::assumed(sector).unwrap(), 2024).unwrap()
    }

    #[test]
    fn the_2024_year_allocates_the_verified_emissions() {
        let f = fleet(Sector::Cement);
        let total: u64 = f.plants.iter().map(|p| grandfather(p).units()).sum();
        assert_eq!(total, f.emissions_t());
        assert_eq!(total, 1_200_000_000);
    }

    #[test]
    fn a_balanced_benchmark_balances_the_sector_and_rewards_the_cleaner_plants() {
        for sector in Sector::INDUSTRIAL {
            let f = fleet(sector);
            let b = IntensityBenchmark::balanced(&f, 10_000).unwrap();
            let mut total = 0_i128;
            for p in &f.plants {
                let a = i128::from(b.allocate(p).unwrap().units());
                let gap = a - i128::from(p.emissions_t);
                let i = p.intensity().unwrap();
                // A plant clearly below the benchmark is long, one clearly above it short.
                if i < b.t_per_unit() * Decimal::new(99, 2) {
                    assert!(gap > 0, "{} {i} vs {}", p.name, b.t_per_unit());
                }
                if i > b.t_per_unit() * Decimal::new(101, 2) {
                    assert!(gap < 0, "{} {i} vs {}", p.name, b.t_per_unit());
                }
                total += a;
            }
            // Balanced up to the benchmark's four-decimal rounding (≤ 0.00005 × output).
            let slack = i128::from(f.output_t() / 20_000 + 1);
            let diff = (total - i128::from(f.emissions_t())).abs();
            assert!(diff <= slack, "{sector}: {diff} > {slack}");
        }
    }

    #[test]
    fn tightening_cuts_the_allocation_and_pre_allocation_is_trued_up() {
        let f = fleet(Sector::Steel);
        let full = IntensityBenchmark::balanced(&f, 10_000).unwrap();
        let tight = IntensityBenchmark::balanced(&f, 9_800).unwrap();
        assert!(tight.t_per_unit() < full.t_per_unit());
        let p = &f.plants[0];
        let pre = pre_allocate(p.emissions_t, 70);
        assert_eq!(pre.units(), (p.emissions_t * 70 + 50) / 100);
        let fin = tight.allocate(p).unwrap();
        let up = crate::compliance::allocation::true_up(pre, fin);
        assert_eq!(i128::from(pre.units()) + up, i128::from(fin.units()));
        assert_eq!(pre_allocate(26_001, 70), Quantity::new(18_201), "half-up");
    }

    #[test]
    fn benchmarks_refuse_power_nonsense_and_other_sectors_plants() {
        assert_eq!(
            IntensityBenchmark::new(Sector::Power, Decimal::ONE),
            Err(IndustryError::NotIndustrial {
                sector: Sector::Power
            })
        );
        assert!(matches!(
            IntensityBenchmark::new(Sector::Steel, Decimal::ZERO),
            Err(IndustryError::BadIntensity { .. })
        ));
        let b = IntensityBenchmark::new(Sector::Steel, Decimal::ONE).unwrap();
        let cement = &fleet(Sector::Cement).plants[0];
        let err = b.allocate(cement).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plant CE0001 of sector cement cannot be allocated with the steel benchmark"
        );
    }
}
