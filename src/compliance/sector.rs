//! The covered sectors and what each produces: power from the 2019–2020 cycle, steel, cement and
//! aluminium from the 2024 compliance year (MEE work plan of 2025-03-20). Each sector has its own
//! production unit, so intensities are tCO2 per unit of that sector's output.

use serde::{Deserialize, Serialize};

/// Direct emissions, t CO2e a year, from which an entity of any of the four sectors is covered
/// (MEE notice of 2025-04-15 on the industrial sectors' coverage; the same threshold as power).
pub const COVERAGE_THRESHOLD_T: u64 = 26_000;

/// A covered sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sector {
    /// Power generation (from the 2019–2020 cycle).
    Power,
    /// Steel (from the 2024 compliance year).
    Steel,
    /// Cement (from the 2024 compliance year).
    Cement,
    /// Aluminium (from the 2024 compliance year).
    Aluminium,
}

impl Sector {
    /// All sectors, power first.
    pub const ALL: [Sector; 4] = [
        Sector::Power,
        Sector::Steel,
        Sector::Cement,
        Sector::Aluminium,
    ];

    /// The three industrial sectors added for the 2024 compliance year.
    pub const INDUSTRIAL: [Sector; 3] = [Sector::Steel, Sector::Cement, Sector::Aluminium];

    /// The sector's name as written in timeline files.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Sector::Power => "power",
            Sector::Steel => "steel",
            Sector::Cement => "cement",
            Sector::Aluminium => "aluminium",
        }
    }

    /// The unit its output and intensities are counted in: net power for power (heat aside),
    /// crude steel of the long (blast furnace and converter) process, clinker, primary aluminium
    /// from electrolysis.
    #[must_use]
    pub const fn output_unit(self) -> &'static str {
        match self {
            Sector::Power => "MWh",
            Sector::Steel => "t crude steel",
            Sector::Cement => "t clinker",
            Sector::Aluminium => "t aluminium",
        }
    }

    /// The first compliance year that covers the sector.
    #[must_use]
    pub const fn first_year(self) -> u16 {
        match self {
            Sector::Power => 2019,
            Sector::Steel | Sector::Cement | Sector::Aluminium => 2024,
        }
    }

    /// Whether the sector is one of the industrial sectors.
    #[must_use]
    pub const fn is_industrial(self) -> bool {
        !matches!(self, Sector::Power)
    }
}

impl std::fmt::Display for Sector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_name_their_output_and_first_year() {
        assert_eq!(Sector::ALL.len(), 4);
        assert!(Sector::INDUSTRIAL.iter().all(|s| s.is_industrial()));
        assert!(!Sector::Power.is_industrial());
        assert_eq!(Sector::Cement.output_unit(), "t clinker");
        assert_eq!(Sector::Aluminium.first_year(), 2024);
        assert_eq!(Sector::Steel.to_string(), "steel");
        let parsed: Vec<Sector> = serde_json::from_str(r#"["power","aluminium"]"#).unwrap();
        assert_eq!(parsed, [Sector::Power, Sector::Aluminium]);
    }
}
