//! What the registry holds: CEA allowances by vintage, CCER credits by project and vintage, and
//! green electricity certificates by generator, technology, production month and kind.
//!
//! Each distinct [`Subject`] is one fungible instrument with its own conservation identity.
//! CCER and GEC subjects are *certificate* subjects: their units carry serial numbers, held as
//! ranges. CEA is a book-entry instrument without serials.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ids::{GeneratorId, ProjectId};

/// A CEA vintage: the first compliance period's two years were allocated as one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CeaVintage {
    /// Allowances for 2019 and 2020 emissions, allocated together (SEEE code `CEA19-20`).
    Y2019_2020,
    /// Allowances for one year's emissions from 2021 on (`CEA21`, `CEA22`, ...).
    Year(u16),
}

impl CeaVintage {
    /// The last emission year the vintage covers.
    #[must_use]
    pub const fn last_year(self) -> u16 {
        match self {
            CeaVintage::Y2019_2020 => 2020,
            CeaVintage::Year(y) => y,
        }
    }
}

/// Which CCER rules a credit was issued under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CcerRules {
    /// Issued under the NDRC Interim Measures of 2012, before the March 2017 suspension.
    Legacy2012,
    /// Issued under the MEE/SAMR Measures (Trial) of 19 October 2023.
    Rules2023,
}

/// Renewable generation technology of a GEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Technology {
    /// Onshore wind.
    OnshoreWind,
    /// Offshore wind.
    OffshoreWind,
    /// Centralised solar PV.
    SolarPv,
    /// Distributed solar PV.
    DistributedPv,
    /// Hydropower.
    Hydro,
    /// Biomass.
    Biomass,
    /// Solar thermal.
    SolarThermal,
    /// Any other renewable source.
    Other,
}

/// A production month (`year`, `month` 1–12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    year: u16,
    month: u8,
}

impl YearMonth {
    /// The month, or `None` when `month` is not 1–12.
    #[must_use]
    pub const fn new(year: u16, month: u8) -> Option<Self> {
        if month >= 1 && month <= 12 {
            Some(YearMonth { year, month })
        } else {
            None
        }
    }

    /// The year.
    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    /// Months since year 0: differences are month counts.
    #[must_use]
    pub const fn ordinal(self) -> u32 {
        self.year as u32 * 12 + (self.month as u32 - 1)
    }

    /// The last month there is: December 65535.
    pub const MAX: YearMonth = YearMonth {
        year: u16::MAX,
        month: 12,
    };

    /// The month `n` months later, or [`YearMonth::MAX`] if that lies past it (no year wraps
    /// to 0).
    #[must_use]
    pub const fn plus_months(self, n: u32) -> YearMonth {
        match self.checked_plus_months(n) {
            Some(m) => m,
            None => YearMonth::MAX,
        }
    }

    /// The month `n` months later, or `None` past [`YearMonth::MAX`].
    #[must_use]
    pub const fn checked_plus_months(self, n: u32) -> Option<YearMonth> {
        let Some(o) = self.ordinal().checked_add(n) else {
            return None;
        };
        if o > YearMonth::MAX.ordinal() {
            return None;
        }
        Some(YearMonth {
            year: (o / 12) as u16,
            month: (o % 12) as u8 + 1,
        })
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The market a subject belongs to, for admission rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Market {
    /// National ETS allowances.
    Cea,
    /// Voluntary CCER credits.
    Ccer,
    /// Green electricity certificates.
    Gec,
}

/// One fungible instrument held in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Subject {
    /// Allowances of one vintage.
    Cea {
        /// The vintage.
        vintage: CeaVintage,
    },
    /// Credits of one project and vintage year.
    Ccer {
        /// The project.
        project: ProjectId,
        /// The year the reductions occurred.
        vintage: u16,
        /// The rules the credits were issued under.
        rules: CcerRules,
    },
    /// Certificates of one generator's production month.
    Gec {
        /// The generator.
        generator: GeneratorId,
        /// Its technology.
        technology: Technology,
        /// The month of production.
        month: YearMonth,
        /// Whether the certificates may be traded (market-based new projects) or not (e.g.
        /// legacy hydro, self-consumption).
        tradable: bool,
        /// Whether the output received a feed-in subsidy (subsidised) or not (grid parity).
        subsidised: bool,
    },
}

impl Subject {
    /// The market of the subject.
    #[must_use]
    pub const fn market(&self) -> Market {
        match self {
            Subject::Cea { .. } => Market::Cea,
            Subject::Ccer { .. } => Market::Ccer,
            Subject::Gec { .. } => Market::Gec,
        }
    }

    /// Whether units carry serial numbers (CCER and GEC) rather than being book entries (CEA).
    #[must_use]
    pub const fn has_serials(&self) -> bool {
        !matches!(self, Subject::Cea { .. })
    }

    /// Whether the subject may be traded at all (non-tradable GECs may not).
    #[must_use]
    pub const fn is_tradable(&self) -> bool {
        match self {
            Subject::Gec { tradable, .. } => *tradable,
            _ => true,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Cea {
                vintage: CeaVintage::Y2019_2020,
            } => write!(f, "CEA19-20"),
            Subject::Cea {
                vintage: CeaVintage::Year(y),
            } => write!(f, "CEA{:02}", y % 100),
            Subject::Ccer {
                project,
                vintage,
                rules,
            } => write!(f, "CCER {project} {vintage} {rules:?}"),
            Subject::Gec {
                generator, month, ..
            } => write!(f, "GEC {generator} {month}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cea_subjects_display_as_the_exchange_codes() {
        let a = Subject::Cea {
            vintage: CeaVintage::Y2019_2020,
        };
        let b = Subject::Cea {
            vintage: CeaVintage::Year(2021),
        };
        assert_eq!(a.to_string(), "CEA19-20");
        assert_eq!(b.to_string(), "CEA21");
        assert!(!a.has_serials());
        assert_eq!(a.market(), Market::Cea);
    }

    #[test]
    fn year_month_rejects_bad_months_and_adds_across_years() {
        assert!(YearMonth::new(2023, 13).is_none());
        assert!(YearMonth::new(2023, 0).is_none());
        let m = YearMonth::new(2022, 11).unwrap();
        assert_eq!(m.plus_months(24), YearMonth::new(2024, 11).unwrap());
        assert_eq!(m.plus_months(3).to_string(), "2023-02");
    }
}
