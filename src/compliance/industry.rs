//! Synthetic fleets of the industrial sectors (steel, cement, aluminium), sized to the published
//! coverage: about 1,500 entities and about 3 Gt CO2e a year together, every entity above the
//! 26,000 t threshold (MEE work plan of 2025-03-20; allocation plan of 2025-11). The split
//! between the sectors, the plant-size distribution and the intensities are documented
//! assumptions (`docs/model.md`, "After 2023").
//!
//! Emissions are exact integer tonnes that sum to the sector's target; each plant's output
//! follows from its emissions and a drawn intensity (t CO2 per unit of the sector's output),
//! rounded half-up to whole tonnes. Draws are `ChaCha8` streams, one per sector, from one seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::industry_error::IndustryError;
use super::sector::{COVERAGE_THRESHOLD_T, Sector};

/// What a sector's synthetic fleet is drawn to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorCoverage {
    /// The sector.
    pub sector: Sector,
    /// Covered entities.
    pub entities: u32,
    /// Verified direct emissions per year, t CO2e.
    pub annual_emissions_t: u64,
    /// The intensity plants scatter around, t CO2e per unit of output.
    pub mean_intensity: Decimal,
    /// The scatter, ± basis points of the mean (uniform).
    pub spread_bp: u32,
}

impl SectorCoverage {
    /// The model's coverage of an industrial sector (assumptions that sum to the published
    /// 1,500 entities and 3.0 Gt): steel 500 entities, 1.72 Gt, 1.85 t CO2 per t crude steel
    /// ± 15 %; cement 900, 1.20 Gt, 0.86 t per t clinker ± 8 %; aluminium 100, 0.08 Gt, 1.70 t
    /// CO2e per t aluminium ± 10 %.
    ///
    /// # Errors
    /// [`IndustryError::NotIndustrial`] for power, whose fleet is `compliance::fleet`.
    pub fn assumed(sector: Sector) -> Result<Self, IndustryError> {
        let (entities, gt_mt, intensity, spread_bp) = match sector {
            Sector::Power => return Err(IndustryError::NotIndustrial { sector }),
            Sector::Steel => (500, 1_720, Decimal::new(185, 2), 1_500),
            Sector::Cement => (900, 1_200, Decimal::new(86, 2), 800),
            Sector::Aluminium => (100, 80, Decimal::new(170, 2), 1_000),
        };
        Ok(SectorCoverage {
            sector,
            entities,
            annual_emissions_t: gt_mt * 1_000_000,
            mean_intensity: intensity,
            spread_bp,
        })
    }

    /// Checks that the coverage can be drawn: an industrial sector, entities, a positive mean
    /// intensity, a spread below 100 %, and emissions of at least the threshold per entity.
    ///
    /// # Errors
    /// The first [`IndustryError`] found, naming the values.
    pub fn check(&self) -> Result<(), IndustryError> {
        let sector = self.sector;
        if !sector.is_industrial() {
            return Err(IndustryError::NotIndustrial { sector });
        }
        if self.entities == 0 {
            return Err(IndustryError::NoEntities { sector });
        }
        if self.mean_intensity <= Decimal::ZERO || self.spread_bp >= 10_000 {
            return Err(IndustryError::BadIntensity {
                sector,
                mean: self.mean_intensity,
                spread_bp: self.spread_bp,
            });
        }
        let floor = u128::from(self.entities) * u128::from(COVERAGE_THRESHOLD_T);
        if u128::from(self.annual_emissions_t) < floor {
            return Err(IndustryError::BelowThreshold {
                sector,
                entities: self.entities,
                annual_emissions_t: self.annual_emissions_t,
                threshold_t: COVERAGE_THRESHOLD_T,
            });
        }
        Ok(())
    }
}

/// One covered plant (an entity's covered lines and processes) in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plant {
    /// Name (`ST0001`, `CE0001`, `AL0001`).
    pub name: String,
    /// Its sector.
    pub sector: Sector,
    /// Output in the sector's unit ([`Sector::output_unit`]), whole tonnes.
    pub output_t: u64,
    /// Verified direct emissions, t CO2e.
    pub emissions_t: u64,
}

impl Plant {
    /// Emissions per unit of output, exact (`None` without output).
    #[must_use]
    pub fn intensity(&self) -> Option<Decimal> {
        (self.output_t > 0).then(|| Decimal::from(self.emissions_t) / Decimal::from(self.output_t))
    }
}

/// A sector's synthetic fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndustrialFleet {
    /// The sector.
    pub sector: Sector,
    /// Plants in id order.
    pub plants: Vec<Plant>,
}

impl IndustrialFleet {
    /// Draws the fleet: plant sizes from a heavy-tailed weight (a uniform 1..=100 cubed) on top
    /// of the threshold, so every plant is covered and a few large ones dominate; emissions are
    /// then exact shares of the target (the tonnes left by rounding down go one each to the
    /// first plants); each intensity is the mean ± a uniform basis-point scatter.
    ///
    /// # Errors
    /// [`SectorCoverage::check`]'s.
    pub fn synthetic(coverage: &SectorCoverage, seed: u64) -> Result<Self, IndustryError> {
        coverage.check()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(coverage.sector as u64);
        let n = coverage.entities as usize;
        let weights: Vec<u64> = (0..n)
            .map(|_| rng.random_range(1_u64..=100).pow(3))
            .collect();
        let emissions = split_exactly(coverage, &weights);
        let spread = i64::from(coverage.spread_bp);
        let prefix = match coverage.sector {
            Sector::Steel => "ST",
            Sector::Cement => "CE",
            Sector::Aluminium | Sector::Power => "AL",
        };
        let mut plants = Vec::with_capacity(n);
        for (i, e) in emissions.into_iter().enumerate() {
            let bp = 10_000 + rng.random_range(-spread..=spread);
            let intensity = coverage.mean_intensity * Decimal::new(bp, 4);
            let output = (Decimal::from(e) / intensity)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            plants.push(Plant {
                name: format!("{prefix}{:04}", i + 1),
                sector: coverage.sector,
                output_t: output.to_u64().unwrap_or(0).max(1),
                emissions_t: e,
            });
        }
        Ok(IndustrialFleet {
            sector: coverage.sector,
            plants,
        })
    }

    /// Total verified emissions, t CO2e.
    #[must_use]
    pub fn emissions_t(&self) -> u64 {
        self.plants.iter().map(|p| p.emissions_t).sum()
    }

    /// Total output in the sector's unit, t.
    #[must_use]
    pub fn output_t(&self) -> u64 {
        self.plants.iter().map(|p| p.output_t).sum()
    }
}

/// The threshold for each plant plus its weight's share of the rest, in whole tonnes that sum
/// to the target exactly.
fn split_exactly(coverage: &SectorCoverage, weights: &[u64]) -> Vec<u64> {
    let n = weights.len() as u128;
    let excess = u128::from(coverage.annual_emissions_t) - n * u128::from(COVERAGE_THRESHOLD_T);
    let total: u128 = weights.iter().map(|w| u128::from(*w)).sum::<u128>().max(1);
    let mut shares: Vec<u128> = weights
        .iter()
        .map(|w| excess * u128::from(*w) / total)
        .collect();
    let left = excess - shares.iter().sum::<u128>();
    for s in shares.iter_mut().take(left as usize) {
        *s += 1;
    }
    shares
        .into_iter()
        .map(|s| COVERAGE_THRESHOLD_T + s as u64)
        .collect()
}

#[cfg(test)]
mod tests;
