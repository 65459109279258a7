//! Holdings and freezes: unit freezes and releases, issuance, transfers, delivery-versus-payment
//! settlement and the day roll that makes pending units and cash available.

use super::Availability;
use super::{Registry, q};
use crate::registry::serial::SerialRange;

use crate::registry::error::RegistryError;
use crate::registry::ids::{AccountId, SubjectId};
use crate::registry::journal::{Event, Settlement};
use crate::units::{Money, Quantity};

impl Registry {
    /// Move available units to frozen (a sell order rests). For once-only GECs, only
    /// certificates never transferred may be frozen.
    ///
    /// # Errors
    /// Unknown ids, zero quantity, a non-tradable subject, insufficient units, a second transfer
    /// of once-only certificates.
    pub fn freeze_units(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        if !self.check_subject(subject)?.is_tradable() {
            return Err(RegistryError::NotTradable { subject });
        }
        let n = Self::nonzero("freeze units", quantity)?;
        let idx = self.holding_idx(account, subject);
        let (available, frozen, fresh) = idx.map_or((0, 0, 0), |i| {
            let h = &self.holdings[i];
            (h.available, h.frozen, h.fresh)
        });
        if available < n {
            return Err(RegistryError::InsufficientUnits {
                account,
                subject,
                needed: quantity,
                available: q(available),
            });
        }
        if self.one_time(subject) && fresh < frozen + n {
            return Err(RegistryError::OneTimeTransferUsed {
                account,
                subject,
                needed: quantity,
                transferable: q(fresh.saturating_sub(frozen)),
            });
        }
        if let Some(i) = idx {
            let h = &mut self.holdings[i];
            h.available -= n;
            h.frozen += n;
        }
        self.record(Event::FreezeUnits {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Move frozen units back to available.
    ///
    /// # Errors
    /// [`RegistryError::FrozenByExchange`] while an exchange that owns this registry has a day
    /// open (its orders hold the freezes); unknown ids, zero quantity, insufficient frozen units.
    pub fn release_units(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_no_venue("release units")?;
        self.release_units_held(account, subject, quantity)
    }

    /// [`Registry::release_units`] for the exchange, which owns the freezes it releases.
    pub(crate) fn release_units_held(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        self.check_subject(subject)?;
        let n = Self::nonzero("release units", quantity)?;
        let idx = self.holding_idx(account, subject);
        let frozen = idx.map_or(0, |i| self.holdings[i].frozen);
        if frozen < n {
            return Err(RegistryError::InsufficientFrozenUnits {
                account,
                subject,
                needed: quantity,
                frozen: q(frozen),
            });
        }
        if let Some(i) = idx {
            let h = &mut self.holdings[i];
            h.frozen -= n;
            h.available += n;
        }
        self.record(Event::ReleaseUnits {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Create units in an account: allowance allocation, or the issuance step of the CCER and
    /// GEC lifecycles. Certificate subjects receive fresh consecutive serials; the range is
    /// returned.
    ///
    /// # Errors
    /// Unknown ids, zero quantity, a batch over `u32::MAX` certificates, overflow.
    pub fn issue(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<Option<SerialRange>, RegistryError> {
        self.check_account(account)?;
        let serial = self.check_subject(subject)?.has_serials();
        let n = Self::nonzero("issue", quantity)?;
        let issued = self.subjects[subject.index()]
            .issued
            .checked_add(n)
            .ok_or(RegistryError::Overflow { what: "issued" })?;
        if serial && (n > u64::from(u32::MAX) || self.next_serial.checked_add(n).is_none()) {
            return Err(RegistryError::Overflow {
                what: "serial batch",
            });
        }
        let i = self.holding_or_create(account, subject);
        let h = &mut self.holdings[i];
        if h.available.checked_add(n).is_none() {
            return Err(RegistryError::Overflow { what: "holding" });
        }
        h.available += n;
        let range = serial.then(|| {
            let r = SerialRange {
                start: self.next_serial,
                len: n as u32,
                transfers: 0,
            };
            h.fresh += n;
            h.serials.insert(r);
            self.next_serial += n;
            r
        });
        self.subjects[subject.index()].issued = issued;
        self.record(Event::Issue {
            account,
            subject,
            quantity,
        });
        Ok(range)
    }

    /// Validate moving `n` available (or, with `from_frozen`, frozen) units out of a holding
    /// to another account; returns the source holding index.
    fn check_delivery(
        &self,
        from: AccountId,
        subject: SubjectId,
        quantity: Quantity,
        from_frozen: bool,
    ) -> Result<usize, RegistryError> {
        let n = quantity.units();
        let idx = self.holding_idx(from, subject);
        let (have, fresh, frozen) = idx.map_or((0, 0, 0), |i| {
            let h = &self.holdings[i];
            (
                if from_frozen { h.frozen } else { h.available },
                h.fresh,
                h.frozen,
            )
        });
        if have < n {
            return Err(if from_frozen {
                RegistryError::InsufficientFrozenUnits {
                    account: from,
                    subject,
                    needed: quantity,
                    frozen: q(have),
                }
            } else {
                RegistryError::InsufficientUnits {
                    account: from,
                    subject,
                    needed: quantity,
                    available: q(have),
                }
            });
        }
        // Frozen once-only units were checked fresh at freeze time; a direct transfer must find
        // fresh units beyond those reserved for frozen orders.
        let need_fresh = if from_frozen { n } else { frozen + n };
        if self.one_time(subject) && fresh < need_fresh {
            return Err(RegistryError::OneTimeTransferUsed {
                account: from,
                subject,
                needed: quantity,
                transferable: q(fresh.saturating_sub(need_fresh - n)),
            });
        }
        idx.ok_or(RegistryError::InsufficientUnits {
            account: from,
            subject,
            needed: quantity,
            available: Quantity::ZERO,
        })
    }

    /// Move `n` units' serials from holding `src` to `to` (creating its holding), counting a
    /// transfer; returns the destination index. Once-only subjects move only fresh serials.
    fn move_serials(&mut self, src: usize, to: AccountId, subject: SubjectId, n: u64) -> usize {
        let dst = self.holding_or_create(to, subject);
        if !self.subjects[subject.index()].subject.has_serials() {
            return dst;
        }
        let once = self.one_time(subject);
        let mut moved = std::mem::take(&mut self.holdings[src].serials);
        let mut fresh_taken = 0u64;
        {
            let dst_q = &mut self.holdings[dst].serials;
            moved.take(
                n,
                |r| !once || r.transfers == 0,
                |mut r| {
                    if r.transfers == 0 {
                        fresh_taken += u64::from(r.len);
                    }
                    r.transfers = r.transfers.saturating_add(1);
                    dst_q.insert(r);
                },
            );
        }
        self.holdings[src].serials = moved;
        self.holdings[src].fresh -= fresh_taken;
        dst
    }

    /// Transfer available units between accounts outside the exchange (counts as the one
    /// transfer of once-only certificates). Received units are available at once.
    ///
    /// # Errors
    /// Unknown ids, zero quantity, a non-tradable subject, insufficient units, a second transfer.
    pub fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(from)?;
        self.check_account(to)?;
        if !self.check_subject(subject)?.is_tradable() {
            return Err(RegistryError::NotTradable { subject });
        }
        let n = Self::nonzero("transfer", quantity)?;
        let src = self.check_delivery(from, subject, quantity, false)?;
        if from == to {
            self.record(Event::Transfer {
                from,
                to,
                subject,
                quantity,
            });
            return Ok(());
        }
        self.holdings[src].available -= n;
        let dst = self.move_serials(src, to, subject, n);
        self.holdings[dst].available += n;
        self.record(Event::Transfer {
            from,
            to,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Validate a settlement's cash legs; returns (amount, buyer's total debit).
    fn check_settlement_cash(&self, s: &Settlement) -> Result<(Money, Money), RegistryError> {
        self.check_account(s.seller)?;
        self.check_account(s.buyer)?;
        self.check_account(s.fee_account)?;
        if s.buyer_fee.is_negative() {
            return Err(RegistryError::NegativeFee { fee: s.buyer_fee });
        }
        if s.seller_fee.is_negative() {
            return Err(RegistryError::NegativeFee { fee: s.seller_fee });
        }
        let amount = s.price * s.quantity;
        if s.seller_fee > amount {
            return Err(RegistryError::FeeExceedsProceeds {
                fee: s.seller_fee,
                amount,
            });
        }
        let debit = amount
            .checked_add(s.buyer_fee)
            .ok_or(RegistryError::Overflow { what: "debit" })?;
        let frozen = self.cash[s.buyer.index()].frozen;
        if frozen < debit {
            return Err(RegistryError::InsufficientFrozenCash {
                account: s.buyer,
                needed: debit,
                frozen,
            });
        }
        Ok((amount, debit))
    }

    /// Settle one trade, delivery versus payment: the seller's frozen units go to the buyer,
    /// `price × quantity + buyer_fee` leaves the buyer's frozen cash, the seller receives
    /// `price × quantity − seller_fee`, and the fee account both fees. Whatever the buyer froze
    /// beyond the debit stays frozen until the exchange releases it. Bought units and proceeds
    /// land in `pending` or `available` as the config says.
    ///
    /// # Errors
    /// Unknown ids, zero quantity, negative fees, a seller fee above the amount, insufficient
    /// frozen units or cash, a non-tradable subject, a second transfer of once-only certificates.
    pub fn settle(&mut self, s: &Settlement) -> Result<(), RegistryError> {
        self.check_delivery_trade(s)?;
        self.apply_settlement(s);
        self.record(Event::Settle(*s));
        Ok(())
    }

    fn check_delivery_trade(&self, s: &Settlement) -> Result<(), RegistryError> {
        if !self.check_subject(s.subject)?.is_tradable() {
            return Err(RegistryError::NotTradable { subject: s.subject });
        }
        Self::nonzero("settle", s.quantity)?;
        self.check_settlement_cash(s)?;
        self.check_delivery(s.seller, s.subject, s.quantity, true)?;
        Ok(())
    }

    /// The mutation half of [`Registry::settle`], after validation.
    pub(crate) fn apply_settlement(&mut self, s: &Settlement) {
        let n = s.quantity.units();
        let amount = s.price * s.quantity;
        let debit = amount + s.buyer_fee;
        let src = self.holding_idx(s.seller, s.subject).unwrap_or_default();
        self.holdings[src].frozen -= n;
        let dst = if s.seller == s.buyer {
            src
        } else {
            self.move_serials(src, s.buyer, s.subject, n)
        };
        match self.config.units_availability {
            Availability::SameDay => self.holdings[dst].available += n,
            Availability::NextDay => {
                if self.holdings[dst].pending == 0 {
                    self.pending_holdings.push(dst as u32);
                }
                self.holdings[dst].pending += n;
            }
        }
        self.cash[s.buyer.index()].frozen -= debit;
        self.credit(s.seller, amount - s.seller_fee);
        self.credit(s.fee_account, s.buyer_fee + s.seller_fee);
    }

    fn credit(&mut self, account: AccountId, amount: Money) {
        if amount.fen() == 0 {
            return;
        }
        let c = &mut self.cash[account.index()];
        match self.config.cash_availability {
            Availability::SameDay => c.available += amount,
            Availability::NextDay => {
                if c.pending.fen() == 0 {
                    self.pending_cash.push(account);
                }
                c.pending += amount;
            }
        }
    }

    /// Close the trading day: every pending unit and fen becomes available. O(accounts and
    /// holdings that received something today).
    pub fn roll_day(&mut self) {
        for i in self.pending_holdings.drain(..) {
            let h = &mut self.holdings[i as usize];
            h.available += h.pending;
            h.pending = 0;
        }
        for a in self.pending_cash.drain(..) {
            let c = &mut self.cash[a.index()];
            c.available += c.pending;
            c.pending = Money::ZERO;
        }
        self.record(Event::RollDay);
    }
}
