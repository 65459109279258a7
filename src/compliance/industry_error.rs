//! What the industrial sectors' fleets and allocation refuse, each error naming the values.

use rust_decimal::Decimal;
use thiserror::Error;

use super::sector::Sector;

/// A bad industrial coverage, benchmark or plant; nothing is drawn or allocated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndustryError {
    /// Power has its own fleet and benchmarks.
    #[error("sector {sector} is not an industrial sector")]
    NotIndustrial {
        /// The sector given.
        sector: Sector,
    },
    /// A coverage without entities.
    #[error("sector {sector}: a coverage needs at least one entity")]
    NoEntities {
        /// The sector.
        sector: Sector,
    },
    /// Emissions too small for every entity to pass the coverage threshold.
    #[error(
        "sector {sector}: {annual_emissions_t} t a year cannot cover {entities} entities of at least {threshold_t} t each"
    )]
    BelowThreshold {
        /// The sector.
        sector: Sector,
        /// Entities asked for.
        entities: u32,
        /// Emissions asked for, t.
        annual_emissions_t: u64,
        /// The coverage threshold, t.
        threshold_t: u64,
    },
    /// A mean intensity that is not positive, or a scatter of 100 % or more.
    #[error(
        "sector {sector}: intensity {mean} ± {spread_bp} bp must be > 0 and the spread < 10000 bp"
    )]
    BadIntensity {
        /// The sector.
        sector: Sector,
        /// The mean intensity given.
        mean: Decimal,
        /// The spread given, basis points.
        spread_bp: u32,
    },
    /// A benchmark applied to a plant of another sector.
    #[error(
        "plant {plant} of sector {plant_sector} cannot be allocated with the {benchmark_sector} benchmark"
    )]
    WrongSector {
        /// The plant's name.
        plant: String,
        /// Its sector.
        plant_sector: Sector,
        /// The benchmark's sector.
        benchmark_sector: Sector,
    },
    /// A fleet without output, whose balance benchmark is undefined.
    #[error("sector {sector}: a benchmark needs output")]
    NoOutput {
        /// The sector.
        sector: Sector,
    },
    /// An allocation beyond the range of whole tonnes.
    #[error("plant {plant}: allocation {value} t overflows")]
    Overflow {
        /// The plant's name.
        plant: String,
        /// The value.
        value: Decimal,
    },
}
