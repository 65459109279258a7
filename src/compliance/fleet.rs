//! A seeded synthetic fleet of covered entities and their generating units, scaled so that the
//! fleet's verified emissions total a target (about 4.5 Gt CO2 a year for the 2,162 entities of
//! 2019–2020 and 5.1 Gt for the 2,257 of 2021–2022, per MEE's reports). The class mix, unit
//! sizes, running hours and emission intensities are assumptions, documented in `docs/model.md`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::allocation::{Benchmarks, GeneratingUnit, UnitClass};

/// A drawn unit before scaling: class, capacity, air-cooled, power, heat share, intensity.
type DraftUnit = (UnitClass, u32, bool, f64, f64, f64);

/// How to draw a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// Number of covered entities.
    pub entities: usize,
    /// Target total verified emissions per year, t CO2.
    pub annual_emissions_t: u64,
    /// Share of units per class in [`UnitClass::ALL`] order, percent (assumption).
    pub class_mix_pct: [u32; 4],
    /// Master seed.
    pub seed: u64,
}

impl FleetConfig {
    /// The first compliance period: 2,162 entities, about 4.5 Gt CO2 a year.
    #[must_use]
    pub fn first_period(seed: u64) -> Self {
        FleetConfig {
            entities: 2_162,
            annual_emissions_t: 4_500_000_000,
            class_mix_pct: [45, 35, 8, 12],
            seed,
        }
    }

    /// The second compliance period: 2,257 entities, about 5.1 Gt CO2 a year.
    #[must_use]
    pub fn second_period(seed: u64) -> Self {
        FleetConfig {
            entities: 2_257,
            annual_emissions_t: 5_100_000_000,
            ..Self::first_period(seed)
        }
    }
}

/// One covered entity's units in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Name (`E0001`, …).
    pub name: String,
    /// Its units.
    pub units: Vec<GeneratingUnit>,
}

impl Entity {
    /// Verified emissions of all units, t CO2.
    #[must_use]
    pub fn emissions_t(&self) -> u64 {
        self.units.iter().map(|u| u.emissions_t).sum()
    }
}

/// A fleet of covered entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fleet {
    /// Entities in id order.
    pub entities: Vec<Entity>,
}

impl Fleet {
    /// Draws a fleet: each entity has 1–4 units of a class drawn from the mix; intensities scatter
    /// around the class benchmark (−10 % … +8 %: benchmarks are set near the balance value, and
    /// the national market was slightly long overall); outputs are then scaled to hit the target.
    #[must_use]
    pub fn synthetic(config: &FleetConfig, benchmarks: &Benchmarks) -> Fleet {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let total_mix: u32 = config.class_mix_pct.iter().sum::<u32>().max(1);
        let mut entities = Vec::with_capacity(config.entities);
        let mut drafts: Vec<Vec<DraftUnit>> = Vec::with_capacity(config.entities);
        let mut raw_total = 0.0;
        for _ in 0..config.entities {
            let n_units = rng.random_range(1..=4);
            let mut units = Vec::with_capacity(n_units);
            for _ in 0..n_units {
                let roll = rng.random_range(0..total_mix);
                let mut acc = 0;
                let class = UnitClass::ALL
                    .into_iter()
                    .zip(config.class_mix_pct)
                    .find(|(_, pct)| {
                        acc += pct;
                        roll < acc
                    })
                    .map_or(UnitClass::CoalAbove300, |(c, _)| c);
                let capacity = match class {
                    UnitClass::CoalAbove300 => rng.random_range(330..=1_000),
                    UnitClass::CoalUpTo300 => rng.random_range(50..=300),
                    UnitClass::UnconventionalCoal => rng.random_range(50..=350),
                    UnitClass::Gas => rng.random_range(100..=500),
                };
                let hours: f64 = rng.random_range(3_500.0..6_000.0);
                let heat_share: f64 = if rng.random_bool(0.4) {
                    rng.random_range(0.05..0.4)
                } else {
                    0.0
                };
                let intensity = benchmarks
                    .power_for(class)
                    .to_string()
                    .parse::<f64>()
                    .unwrap_or(0.9)
                    * rng.random_range(0.90..1.08);
                let power = f64::from(capacity) * hours;
                raw_total += power * intensity * (1.0 + heat_share);
                units.push((
                    class,
                    capacity,
                    rng.random_bool(0.3),
                    power,
                    heat_share,
                    intensity,
                ));
            }
            drafts.push(units);
        }
        let scale = if raw_total > 0.0 {
            config.annual_emissions_t as f64 / raw_total
        } else {
            0.0
        };
        for (i, units) in drafts.into_iter().enumerate() {
            let units = units
                .into_iter()
                .map(
                    |(class, capacity_mw, air_cooled, power, heat_share, intensity)| {
                        let net_power = power * scale;
                        // Heat in GJ whose emissions are heat_share of the power term's.
                        let heat_gj = net_power * heat_share * 3.6;
                        let emissions = net_power * intensity * (1.0 + heat_share);
                        GeneratingUnit {
                            class,
                            capacity_mw,
                            air_cooled,
                            net_power_mwh: net_power.round() as u64,
                            heat_gj: heat_gj.round() as u64,
                            emissions_t: emissions.round() as u64,
                        }
                    },
                )
                .collect();
            entities.push(Entity {
                name: format!("E{:04}", i + 1),
                units,
            });
        }
        Fleet { entities }
    }

    /// Total verified emissions, t CO2.
    #[must_use]
    pub fn emissions_t(&self) -> u64 {
        self.entities.iter().map(Entity::emissions_t).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_hits_its_target_and_is_deterministic() {
        let cfg = FleetConfig::first_period(7);
        let b = Benchmarks::year_2019_2020();
        let a = Fleet::synthetic(&cfg, &b);
        assert_eq!(a, Fleet::synthetic(&cfg, &b));
        assert_eq!(a.entities.len(), 2_162);
        let total = a.emissions_t() as f64;
        assert!((total / 4.5e9 - 1.0).abs() < 0.001, "{total}");
        assert!(
            a.entities
                .iter()
                .any(|e| e.units.iter().any(|u| u.class.is_gas()))
        );
    }
}
