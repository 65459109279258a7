//! The CCER project vocabulary: methodologies and lifecycle steps. Both the project lifecycle
//! (`ccer`) and the journal that records it (`journal`) name them, so they live apart from
//! either: the journal depends on this file, not on the lifecycle that writes to it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::subject::CcerRules;
use crate::units::Quantity;

/// A CCER methodology: the four fields opened under the 2023 rules, or a legacy (2012–2017) type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Methodology {
    /// Afforestation carbon sink (2023 rules).
    Afforestation,
    /// Mangrove creation (2023 rules).
    Mangroves,
    /// Grid-connected offshore wind (2023 rules).
    OffshoreWind,
    /// Grid-connected solar thermal power (2023 rules).
    SolarThermal,
    /// Legacy renewable power (wind, solar, hydro) under the 2012 Interim Measures.
    LegacyRenewable,
    /// Legacy methane recovery (landfill, coal mine, biogas).
    LegacyMethane,
    /// Legacy forestry.
    LegacyForestry,
    /// Any other legacy type.
    LegacyOther,
}

impl Methodology {
    /// The rules credits of this methodology are issued under.
    #[must_use]
    pub const fn rules(self) -> CcerRules {
        match self {
            Methodology::Afforestation
            | Methodology::Mangroves
            | Methodology::OffshoreWind
            | Methodology::SolarThermal => CcerRules::Rules2023,
            _ => CcerRules::Legacy2012,
        }
    }
}

/// One lifecycle step of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectStep {
    /// An accredited body validated the design.
    Validate,
    /// The registry registered the project after public disclosure.
    Register,
    /// A monitoring report for `from..=to` was filed.
    Monitor {
        /// Period start.
        from: NaiveDate,
        /// Period end (inclusive).
        to: NaiveDate,
    },
    /// An accredited body verified `quantity` tCO2e for the monitored period `from..=to`.
    Verify {
        /// Period start.
        from: NaiveDate,
        /// Period end (inclusive).
        to: NaiveDate,
        /// Verified reductions.
        quantity: Quantity,
    },
}
