//! Conservation: the identities every operation keeps, and the check that names a violation.

use serde::{Deserialize, Serialize};

use super::{Registry, q};
use crate::registry::error::RegistryError;
use crate::registry::ids::SubjectId;
use crate::units::{Money, Quantity};

/// A broken conservation identity: a bug, as no operation may create or destroy units or cash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConservationError {
    /// A subject's units do not add up.
    #[error("{subject} is not conserved: {balance:?}")]
    Units {
        /// The subject.
        subject: SubjectId,
        /// Its terms.
        balance: SubjectBalance,
    },
    /// The registry's cash does not add up.
    #[error("cash is not conserved: {totals:?}")]
    Cash {
        /// The totals.
        totals: CashTotals,
    },
    /// The check could not read a subject (a bug in the registry's own indices).
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// One subject's conservation identity, terms computed independently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectBalance {
    /// Units ever issued.
    pub issued: Quantity,
    /// Sum of available units over holders.
    pub available: Quantity,
    /// Sum of frozen units.
    pub frozen: Quantity,
    /// Sum of pending units.
    pub pending: Quantity,
    /// Units surrendered for compliance.
    pub surrendered: Quantity,
    /// Units cancelled (offsets, claims, claw-backs).
    pub cancelled: Quantity,
    /// Units expired.
    pub expired: Quantity,
}

impl SubjectBalance {
    /// Whether `issued = available + frozen + pending + surrendered + cancelled + expired`.
    #[must_use]
    pub fn is_conserved(&self) -> bool {
        let rhs = [
            self.available,
            self.frozen,
            self.pending,
            self.surrendered,
            self.cancelled,
            self.expired,
        ]
        .iter()
        .map(|q| u128::from(q.units()))
        .sum::<u128>();
        u128::from(self.issued.units()) == rhs
    }
}

/// Registry-wide cash identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashTotals {
    /// All available cash.
    pub available: Money,
    /// All frozen cash.
    pub frozen: Money,
    /// All pending cash.
    pub pending: Money,
    /// Cash ever deposited.
    pub deposited: Money,
    /// Cash ever withdrawn (fines included).
    pub withdrawn: Money,
}

impl CashTotals {
    /// Whether `deposited − withdrawn = available + frozen + pending`.
    #[must_use]
    pub fn is_conserved(&self) -> bool {
        self.deposited - self.withdrawn == self.available + self.frozen + self.pending
    }
}

impl Registry {
    /// A subject's conservation terms (O(holdings)).
    ///
    /// # Errors
    /// Unknown subject.
    pub fn subject_balance(&self, subject: SubjectId) -> Result<SubjectBalance, RegistryError> {
        let e = self
            .subjects
            .get(subject.index())
            .ok_or(RegistryError::UnknownSubject { subject })?;
        let (mut a, mut f, mut p) = (0u64, 0u64, 0u64);
        for h in self.holdings.iter().filter(|h| h.subject == subject) {
            a += h.available;
            f += h.frozen;
            p += h.pending;
        }
        Ok(balance(e, [a, f, p]))
    }

    /// Every subject's available, frozen and pending units, in one pass over the holdings.
    fn held_by_subject(&self) -> Vec<[u64; 3]> {
        let mut held = vec![[0u64; 3]; self.subjects.len()];
        for h in &self.holdings {
            if let Some(t) = held.get_mut(h.subject.index()) {
                t[0] += h.available;
                t[1] += h.frozen;
                t[2] += h.pending;
            }
        }
        held
    }

    /// Cash in every bucket of every account: constant under trading and settlement (deposits
    /// and withdrawals change it).
    #[must_use]
    pub fn total_cash(&self) -> Money {
        let t = self.cash_totals();
        t.available + t.frozen + t.pending
    }

    /// [`Registry::conservation`] as a message, for callers that report it as text (kept for
    /// them; new code should match on the typed error).
    ///
    /// # Errors
    /// The first violation, described.
    pub fn check_conservation(&self) -> Result<(), String> {
        self.conservation().map_err(|e| e.to_string())
    }

    /// Checks every subject's conservation identity and the cash identity.
    ///
    /// # Errors
    /// [`ConservationError`] naming the first violation and its terms.
    pub fn conservation(&self) -> Result<(), ConservationError> {
        // One pass over the holdings for all subjects: checking subject by subject would scan
        // them once per subject.
        for (i, (e, held)) in self.subjects.iter().zip(self.held_by_subject()).enumerate() {
            let balance = balance(e, held);
            if !balance.is_conserved() {
                let subject = SubjectId(i as u32);
                return Err(ConservationError::Units { subject, balance });
            }
        }
        let totals = self.cash_totals();
        if !totals.is_conserved() {
            return Err(ConservationError::Cash { totals });
        }
        Ok(())
    }

    /// Registry-wide cash totals (O(accounts)).
    #[must_use]
    pub fn cash_totals(&self) -> CashTotals {
        let mut t = CashTotals {
            available: Money::ZERO,
            frozen: Money::ZERO,
            pending: Money::ZERO,
            deposited: self.deposited,
            withdrawn: self.withdrawn,
        };
        for c in &self.cash {
            t.available += c.available;
            t.frozen += c.frozen;
            t.pending += c.pending;
        }
        t
    }
}

/// A subject's balance from its counters and its `[available, frozen, pending]` units.
fn balance(e: &super::SubjectEntry, held: [u64; 3]) -> SubjectBalance {
    SubjectBalance {
        issued: q(e.issued),
        available: q(held[0]),
        frozen: q(held[1]),
        pending: q(held[2]),
        surrendered: q(e.surrendered),
        cancelled: q(e.cancelled),
        expired: q(e.expired),
    }
}
