//! Retirement: units leave circulation by surrender, cancellation (offsets, claims, claw-backs)
//! and expiry, lowest serials first.

use super::{Registry, q};
use crate::registry::error::RegistryError;
use crate::registry::ids::{AccountId, SubjectId};
use crate::registry::journal::{CancelReason, Event};
use crate::registry::subject::Market;
use crate::units::Quantity;

impl Registry {
    /// Take `n` units out of holding `i`'s available bucket, serials first from certificates
    /// already transferred (so fresh ones stay for frozen once-only orders), recording them as
    /// retired.
    fn retire(&mut self, i: usize, n: u64) {
        let h = &mut self.holdings[i];
        h.available -= n;
        if h.serials.is_empty() {
            return;
        }
        let mut fresh_taken = 0u64;
        let retired = self.retired.entry(h.subject).or_default();
        let stale = (h.available + h.frozen + h.pending + n).saturating_sub(h.fresh);
        let first = n.min(stale);
        h.serials
            .take(first, |r| r.transfers > 0, |r| retired.push(r));
        h.serials.take(
            n - first,
            |_| true,
            |r| {
                if r.transfers == 0 {
                    fresh_taken += u64::from(r.len);
                }
                retired.push(r);
            },
        );
        h.fresh -= fresh_taken;
    }

    fn check_available(
        &self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<usize, RegistryError> {
        let idx = self.holding_idx(account, subject);
        let available = idx.map_or(0, |i| self.holdings[i].available);
        match idx {
            Some(i) if available >= quantity.units() => Ok(i),
            _ => Err(RegistryError::InsufficientUnits {
                account,
                subject,
                needed: quantity,
                available: q(available),
            }),
        }
    }

    /// Surrender available allowances for compliance. Only CEA may be surrendered; CCERs are
    /// used through [`Registry::cancel`] with [`CancelReason::Offset`].
    ///
    /// # Errors
    /// Unknown ids, zero quantity, a non-CEA subject, insufficient units.
    pub fn surrender(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        if self.check_subject(subject)?.market() != Market::Cea {
            return Err(RegistryError::WrongInstrument {
                subject,
                op: "surrender",
            });
        }
        let n = Self::nonzero("surrender", quantity)?;
        let i = self.check_available(account, subject, quantity)?;
        self.retire(i, n);
        self.subjects[subject.index()].surrendered += n;
        self.record(Event::Surrender {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Cancel available units, lowest serials first: CCER offsets, GEC consumption claims,
    /// voluntary claims, allowance claw-backs. Offsets must be CCER, claims GEC.
    ///
    /// # Errors
    /// Unknown ids, zero quantity, the wrong instrument for the reason, insufficient units.
    pub fn cancel(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
        reason: CancelReason,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        self.check_reason(subject, reason)?;
        let n = Self::nonzero("cancel", quantity)?;
        let i = self.check_available(account, subject, quantity)?;
        self.retire(i, n);
        self.subjects[subject.index()].cancelled += n;
        self.record(Event::Cancel {
            account,
            subject,
            quantity,
            reason,
        });
        Ok(())
    }

    fn check_reason(&self, subject: SubjectId, reason: CancelReason) -> Result<(), RegistryError> {
        let market = self.check_subject(subject)?.market();
        let ok = match reason {
            CancelReason::Offset { entity } => {
                self.check_account(entity)?;
                market == Market::Ccer
            }
            CancelReason::ConsumptionClaim { consumer, .. } => {
                self.check_account(consumer)?;
                market == Market::Gec
            }
            CancelReason::Voluntary => true,
            CancelReason::ClawBack | CancelReason::BankingCap | CancelReason::Withdrawn => {
                market == Market::Cea
            }
        };
        if ok {
            Ok(())
        } else {
            Err(RegistryError::WrongInstrument {
                subject,
                op: "this cancellation",
            })
        }
    }

    /// Cancel the named serials `start..end`, which the account must hold available.
    ///
    /// # Errors
    /// Unknown ids, the wrong instrument, an empty span, serials already retired
    /// ([`RegistryError::SerialRetired`]) or not held ([`RegistryError::SerialNotHeld`]).
    pub fn cancel_serials(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        start: u64,
        end: u64,
        reason: CancelReason,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        if !self.check_subject(subject)?.has_serials() {
            return Err(RegistryError::WrongInstrument {
                subject,
                op: "cancel serials",
            });
        }
        self.check_reason(subject, reason)?;
        if end <= start {
            return Err(RegistryError::ZeroQuantity {
                op: "cancel serials",
            });
        }
        let n = end - start;
        if self
            .retired
            .get(&subject)
            .is_some_and(|v| v.iter().any(|r| r.overlaps(start, end)))
        {
            return Err(RegistryError::SerialRetired {
                subject,
                start,
                end,
            });
        }
        let idx = self.holding_idx(account, subject);
        let held = idx.is_some_and(|i| self.holdings[i].serials.contains(start, end));
        let Some(i) = idx.filter(|_| held) else {
            return Err(RegistryError::SerialNotHeld {
                account,
                subject,
                start,
                end,
            });
        };
        let h = &self.holdings[i];
        // Named serials may not eat into units reserved by frozen orders or still pending.
        if h.available < n {
            return Err(RegistryError::InsufficientUnits {
                account,
                subject,
                needed: q(n),
                available: q(h.available),
            });
        }
        let mut fresh_taken = 0;
        let retired = self.retired.entry(subject).or_default();
        let h = &mut self.holdings[i];
        h.serials.remove_span(start, end, |r| {
            if r.transfers == 0 {
                fresh_taken += u64::from(r.len);
            }
            retired.push(r);
        });
        h.fresh -= fresh_taken;
        h.available -= n;
        self.subjects[subject.index()].cancelled += n;
        self.record(Event::CancelSerials {
            account,
            subject,
            start,
            end,
            reason,
        });
        Ok(())
    }

    /// Expire every unit of a subject, in every bucket. Frozen units belong to open orders or
    /// quotes, which must end first: while any are frozen the call is refused. Returns the
    /// units expired.
    ///
    /// # Errors
    /// Unknown subject, or [`RegistryError::FrozenUnits`] naming an account with frozen units.
    pub fn expire(&mut self, subject: SubjectId) -> Result<Quantity, RegistryError> {
        self.check_subject(subject)?;
        if let Some(h) = self
            .holdings
            .iter()
            .find(|h| h.subject == subject && h.frozen > 0)
        {
            return Err(RegistryError::FrozenUnits {
                account: h.account,
                subject,
                frozen: q(h.frozen),
            });
        }
        let n = self.expire_subjects(|s| s == subject);
        self.record(Event::Expire { subject });
        Ok(q(n))
    }

    /// Expire every holding whose subject `pred` selects; one pass over all holdings.
    pub(crate) fn expire_subjects(&mut self, pred: impl Fn(SubjectId) -> bool) -> u64 {
        let mut total = 0;
        for h in &mut self.holdings {
            if !pred(h.subject) {
                continue;
            }
            let n = h.available + h.frozen + h.pending;
            if n == 0 {
                continue;
            }
            if !h.serials.is_empty() {
                let retired = self.retired.entry(h.subject).or_default();
                h.serials.take(n, |_| true, |r| retired.push(r));
            }
            self.subjects[h.subject.index()].expired += n;
            total += n;
            h.available = 0;
            h.frozen = 0;
            h.pending = 0;
            h.fresh = 0;
        }
        total
    }
}
