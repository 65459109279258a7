//! Accounts, their kinds, and the admission rules that say which kinds may trade which market.
//!
//! Default rules follow 2021–2023 practice: only covered (compliance) entities were admitted to
//! national CEA trading; financial institutions and individuals were not (ICAP, "China publishes
//! rules for national ETS registry and trading",
//! <https://icapcarbonaction.com/en/news/china-publishes-rules-national-ets-registry-and-trading>).
//! CCER and GEC rules are configurable defaults.

use serde::{Deserialize, Serialize};

use super::subject::{Market, Subject};

/// What kind of participant an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AccountKind {
    /// A covered (compliance) entity of the national ETS.
    CoveredEntity,
    /// The owner of CCER projects.
    ProjectOwner,
    /// A renewable generator receiving GECs.
    RenewableGenerator,
    /// A buyer of certificates (a consumer claiming green power).
    CertificateBuyer,
    /// An institutional investor.
    Institution,
    /// The exchange's or registry's own account (fees, the issuing authority).
    Operator,
}

impl AccountKind {
    /// All kinds, in declaration order.
    pub const ALL: [AccountKind; 6] = [
        AccountKind::CoveredEntity,
        AccountKind::ProjectOwner,
        AccountKind::RenewableGenerator,
        AccountKind::CertificateBuyer,
        AccountKind::Institution,
        AccountKind::Operator,
    ];

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// One registry account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The participant kind.
    pub kind: AccountKind,
    /// A display name.
    pub name: String,
}

/// Which account kinds may trade each market: a bit set per market (O(1) checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmissionRules {
    cea: u8,
    ccer: u8,
    gec: u8,
}

impl Default for AdmissionRules {
    /// 2021–2023: CEA for covered entities only (verified); CCER for every kind except the
    /// operator (the 2023 Measures admit legal persons, organisations and natural persons);
    /// GEC for generators (sellers), buyers, covered entities and institutions (assumed).
    fn default() -> Self {
        let all_but_operator = AccountKind::ALL
            .iter()
            .filter(|k| **k != AccountKind::Operator)
            .fold(0, |acc, k| acc | k.bit());
        AdmissionRules {
            cea: AccountKind::CoveredEntity.bit(),
            ccer: all_but_operator,
            gec: AccountKind::RenewableGenerator.bit()
                | AccountKind::CertificateBuyer.bit()
                | AccountKind::CoveredEntity.bit()
                | AccountKind::Institution.bit(),
        }
    }
}

impl AdmissionRules {
    /// Rules admitting nobody anywhere.
    #[must_use]
    pub const fn none() -> Self {
        AdmissionRules {
            cea: 0,
            ccer: 0,
            gec: 0,
        }
    }

    /// These rules with `kind` admitted to (`allowed = true`) or barred from `market`.
    #[must_use]
    pub fn with(mut self, market: Market, kind: AccountKind, allowed: bool) -> Self {
        let set = match market {
            Market::Cea => &mut self.cea,
            Market::Ccer => &mut self.ccer,
            Market::Gec => &mut self.gec,
        };
        if allowed {
            *set |= kind.bit();
        } else {
            *set &= !kind.bit();
        }
        self
    }

    /// Whether `kind` may trade `subject` (non-tradable subjects are closed to everyone).
    #[must_use]
    pub const fn admits(&self, kind: AccountKind, subject: &Subject) -> bool {
        if !subject.is_tradable() {
            return false;
        }
        let set = match subject.market() {
            Market::Cea => self.cea,
            Market::Ccer => self.ccer,
            Market::Gec => self.gec,
        };
        set & kind.bit() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::subject::CeaVintage;

    #[test]
    fn default_rules_admit_only_covered_entities_to_cea() {
        let r = AdmissionRules::default();
        let cea = Subject::Cea {
            vintage: CeaVintage::Year(2021),
        };
        assert!(r.admits(AccountKind::CoveredEntity, &cea));
        assert!(!r.admits(AccountKind::Institution, &cea));
        let opened = r.with(Market::Cea, AccountKind::Institution, true);
        assert!(opened.admits(AccountKind::Institution, &cea));
        assert!(!AdmissionRules::none().admits(AccountKind::CoveredEntity, &cea));
    }
}
