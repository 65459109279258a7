//! The GEC buyer side of a run: monthly green-power (bundled) deals, and the buyers' claims of
//! what they bought (cancellation for their own consumption), kept as a list of what is still
//! to claim so that a day's claims cost what was bought, not what was ever issued.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::certificates::{Certificates, ym};
use crate::exchange::Trade;
use crate::registry::{AccountId, CancelReason, Registry, RegistryError, Settlement, SubjectId};
use crate::units::{Money, Price, Quantity};

/// Who claims what it buys, and the (buyer, subject) holdings still to claim.
#[derive(Debug, Clone, Default)]
pub(super) struct Claims {
    /// By account index: whether it claims, and whether it buys under a mandate.
    role: Vec<Option<bool>>,
    /// Holdings bought and not yet wholly claimed.
    pending: Vec<(AccountId, SubjectId)>,
    known: HashSet<(AccountId, SubjectId)>,
    /// Trades of the tape already looked at.
    tape_seen: usize,
}

impl Claims {
    /// Registers `account` as a buyer that claims what it buys (`mandated`: under a mandate).
    pub(super) fn add_claimer(&mut self, account: AccountId, mandated: bool) {
        let i = account.0 as usize;
        if self.role.len() <= i {
            self.role.resize(i + 1, None);
        }
        self.role[i] = Some(mandated);
    }

    fn role(&self, account: AccountId) -> Option<bool> {
        self.role.get(account.0 as usize).copied().flatten()
    }

    fn note(&mut self, buyer: AccountId, subject: SubjectId) {
        if self.known.insert((buyer, subject)) {
            self.pending.push((buyer, subject));
        }
    }
}

impl Certificates {
    /// Notes the trades of the tape since the last call: what the claiming buyers bought, and
    /// how much of it under a mandate.
    pub fn note_trades(&mut self, tape: &[Trade]) {
        let from = self.claims.tape_seen.min(tape.len());
        for t in &tape[from..] {
            if let Some(mandated) = self.claims.role(t.buyer) {
                self.claims.note(t.buyer, t.subject);
                if mandated {
                    self.totals.gec_mandate_bought += t.quantity;
                }
            }
        }
        self.claims.tape_seen = tape.len();
    }

    /// After the close: every buyer claims the certificates it holds available (bought on an
    /// earlier day or in a deal) for its own consumption in `date`'s month, buyers in account
    /// order and each buyer's subjects in issue order.
    ///
    /// # Errors
    /// A registry refusal (a bug).
    pub fn claim(&mut self, registry: &mut Registry, date: NaiveDate) -> Result<(), RegistryError> {
        let month = ym(date);
        let mut pending = std::mem::take(&mut self.claims.pending);
        pending.sort_unstable();
        let mut kept = Vec::with_capacity(pending.len());
        for (buyer, subject) in pending {
            let h = registry.holding(buyer, subject)?;
            if !h.available.is_zero() {
                registry.cancel(
                    buyer,
                    subject,
                    h.available,
                    CancelReason::ConsumptionClaim {
                        consumer: buyer,
                        from: month,
                        to: month,
                    },
                )?;
                self.totals.gec_claimed += h.available;
            }
            if h.total() > h.available {
                kept.push((buyer, subject));
            } else {
                self.claims.known.remove(&(buyer, subject));
            }
        }
        self.claims.pending = kept;
        Ok(())
    }

    /// The green power dealt a month on `date` and its bundled share, basis points.
    fn green_power_on(&self, date: NaiveDate) -> (u64, u32) {
        let s = &self.settings;
        s.green_power_steps
            .iter()
            .rev()
            .find(|g| g.from <= date)
            .map_or(
                (s.green_power_mwh_per_month, s.green_power_bundled_bp),
                |g| (g.mwh_per_month, g.bundled_bp),
            )
    }

    /// One month of green-power deals: each buyer in turn takes an equal share of the month's
    /// power from the generators in turn, with the bundled share of certificates (each
    /// generator's oldest first), as far as the generators hold certificates and the buyer has
    /// cash.
    pub(super) fn green_power(
        &mut self,
        registry: &mut Registry,
        date: NaiveDate,
        price: Price,
    ) -> Result<(), RegistryError> {
        let (mwh, bundled_bp) = self.green_power_on(date);
        let (g, b) = (self.generators.len() as u64, self.gec_buyers.len() as u64);
        if g == 0 || b == 0 || mwh == 0 {
            return Ok(());
        }
        let mwh_each = mwh / (g * b);
        let certs_each = mwh_each * u64::from(bundled_bp) / 10_000;
        if mwh_each == 0 {
            return Ok(());
        }
        // Each generator's certificates are sold oldest first; a batch it no longer holds never
        // comes back (nothing is frozen before the open), so the search starts past those.
        let firsts: Vec<usize> = (0..self.generators.len())
            .map(|k| {
                let (seller, own) = (self.generators[k].0, &self.own[k]);
                own.iter()
                    .position(|s| {
                        registry
                            .holding(seller, *s)
                            .is_ok_and(|h| !h.total().is_zero())
                    })
                    .unwrap_or(own.len())
            })
            .collect();
        for bi in 0..self.gec_buyers.len() {
            let buyer = self.gec_buyers[bi];
            for (k, &first) in firsts.iter().enumerate() {
                let seller = self.generators[k].0;
                let own = &self.own[k][first..];
                let sold = deal(registry, (seller, buyer), own, certs_each, price)?;
                for &(subject, q) in &sold {
                    self.totals.gec_green_power += q;
                    self.claims.note(buyer, subject);
                }
                self.totals.green_power_mwh += mwh_each;
            }
        }
        Ok(())
    }
}

/// One buyer's deal with one generator: up to `certificates` of the seller's `subjects`, oldest
/// first, while the buyer's cash pays for each batch. Returns what changed hands.
fn deal(
    registry: &mut Registry,
    (seller, buyer): (AccountId, AccountId),
    subjects: &[SubjectId],
    certificates: u64,
    price: Price,
) -> Result<Vec<(SubjectId, Quantity)>, RegistryError> {
    let mut left = certificates;
    let mut sold = Vec::new();
    for &subject in subjects {
        if left == 0 {
            break;
        }
        let held = registry.holding(seller, subject)?.available.units();
        let q = held.min(left);
        if q == 0 {
            continue;
        }
        let deal = Settlement {
            subject,
            seller,
            buyer,
            quantity: Quantity::new(q),
            price,
            buyer_fee: Money::ZERO,
            seller_fee: Money::ZERO,
            fee_account: buyer,
        };
        let cash = registry.cash(buyer)?.available;
        if cash < price * Quantity::new(q) {
            break;
        }
        registry.green_power_deal(&deal, q)?;
        sold.push((subject, Quantity::new(q)));
        left -= q;
    }
    Ok(sold)
}
