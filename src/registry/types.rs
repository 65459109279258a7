//! Registry vocabulary: account and subject ids, kinds, balances and admission rules.

use serde::{Deserialize, Serialize};

use crate::units::{Money, Quantity};

/// A registry account (dense index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountId(pub u32);

/// A registered subject: one fungible kind of unit (dense index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SubjectId(pub u32);

/// Who holds the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A covered entity (重点排放单位) of the national ETS.
    CoveredEntity,
    /// The owner of CCER projects.
    ProjectOwner,
    /// A renewable generator that receives GECs.
    Generator,
    /// A buyer of certificates (a consumer claiming green power).
    CertificateBuyer,
    /// An institutional investor (not admitted to CEA trading in 2021–2023).
    Investor,
    /// The exchange's own account, which collects fees.
    Exchange,
}

/// What a subject's units are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// National ETS allowances of a vintage (the 2019–2020 allowances are one subject, named by
    /// its first year, 2019).
    Cea {
        /// First year of the vintage.
        vintage: u16,
    },
    /// China Certified Emission Reductions of one project and vintage.
    Ccer {
        /// Project code.
        project: String,
        /// Year the reductions happened.
        vintage: u16,
    },
    /// Green electricity certificates of one generator and production month.
    Gec {
        /// Generator code.
        generator: String,
        /// Production month, `YYYY-MM`.
        month: String,
        /// Whether the certificates may be traded.
        tradable: bool,
    },
}

impl SubjectKind {
    /// Whether units of this subject are CEA allowances.
    #[must_use]
    pub fn is_cea(&self) -> bool {
        matches!(self, SubjectKind::Cea { .. })
    }
}

/// One account's units of one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Holding {
    /// Usable now.
    pub available: Quantity,
    /// Reserved for open sell orders or quotes.
    pub frozen: Quantity,
    /// Bought today, usable from the next trading day.
    pub pending: Quantity,
}

/// One account's cash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CashBalance {
    /// Usable now.
    pub available: Money,
    /// Reserved for open buy orders and their fees.
    pub frozen: Money,
    /// Sale proceeds usable from the next trading day.
    pub pending: Money,
}

/// Where every unit of a subject is: the conservation identity is
/// `issued = available + frozen + pending + surrendered + cancelled + expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubjectTotals {
    /// Ever issued.
    pub issued: Quantity,
    /// Held and usable.
    pub available: Quantity,
    /// Held and frozen.
    pub frozen: Quantity,
    /// Held and pending.
    pub pending: Quantity,
    /// Surrendered for compliance.
    pub surrendered: Quantity,
    /// Cancelled (offsets, voluntary claims, deductions).
    pub cancelled: Quantity,
    /// Expired.
    pub expired: Quantity,
}

/// When bought units and sale proceeds become usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// At once.
    SameDay,
    /// From the next trading day (at [`Registry::roll_day`](super::Registry::roll_day)).
    NextTradingDay,
}

/// Who may trade which subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdmissionRules {
    /// Whether investors may trade CEA (no, in 2021–2023: only covered entities traded).
    pub investors_trade_cea: bool,
    /// Whether covered entities may trade CCER and GEC.
    pub entities_trade_certificates: bool,
}

impl Default for AdmissionRules {
    /// The 2021–2023 rules: CEA trading for covered entities only (MEE Trading Rules (Trial),
    /// 2021); certificates open to every non-exchange account.
    fn default() -> Self {
        AdmissionRules {
            investors_trade_cea: false,
            entities_trade_certificates: true,
        }
    }
}
