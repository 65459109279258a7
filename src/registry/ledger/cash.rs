//! Cash: deposits, withdrawals, and the freezes that back buy orders.

use super::Registry;
use crate::registry::journal::Event;

use crate::registry::error::RegistryError;
use crate::registry::ids::AccountId;
use crate::units::Money;

impl Registry {
    /// Check that `account` exists, `amount` is positive and available; returns the index.
    fn check_cash_available(
        &self,
        op: &'static str,
        account: AccountId,
        amount: Money,
    ) -> Result<usize, RegistryError> {
        self.check_account(account)?;
        Self::positive(op, amount)?;
        let available = self.cash[account.index()].available;
        if available < amount {
            return Err(RegistryError::InsufficientCash {
                account,
                needed: amount,
                available,
            });
        }
        Ok(account.index())
    }

    /// Pay cash into an account.
    ///
    /// # Errors
    /// Unknown account, non-positive amount.
    pub fn deposit_cash(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_account(account)?;
        Self::positive("deposit", amount)?;
        let c = &self.cash[account.index()];
        let new = c
            .available
            .checked_add(amount)
            .ok_or(RegistryError::Overflow { what: "cash" })?;
        let dep = self
            .deposited
            .checked_add(amount)
            .ok_or(RegistryError::Overflow { what: "deposits" })?;
        self.cash[account.index()].available = new;
        self.deposited = dep;
        self.record(Event::Deposit { account, amount });
        Ok(())
    }

    /// Pay available cash out of an account (a withdrawal or a fine).
    ///
    /// # Errors
    /// Unknown account, non-positive amount, insufficient available cash.
    pub fn withdraw_cash(
        &mut self,
        account: AccountId,
        amount: Money,
    ) -> Result<(), RegistryError> {
        let i = self.check_cash_available("withdraw", account, amount)?;
        self.cash[i].available -= amount;
        self.withdrawn += amount;
        self.record(Event::Withdraw { account, amount });
        Ok(())
    }

    /// Move available cash to frozen (a buy order rests).
    ///
    /// # Errors
    /// Unknown account, non-positive amount, insufficient available cash.
    pub fn freeze_cash(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        let i = self.check_cash_available("freeze cash", account, amount)?;
        let c = &mut self.cash[i];
        c.available -= amount;
        c.frozen += amount;
        self.record(Event::FreezeCash { account, amount });
        Ok(())
    }

    /// Move frozen cash back to available (an order is cancelled or filled below its limit).
    ///
    /// # Errors
    /// [`RegistryError::FrozenByExchange`] while an exchange that owns this registry has a day
    /// open (its orders hold the freezes); unknown account, non-positive amount, insufficient
    /// frozen cash.
    pub fn release_cash(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_no_venue("release cash")?;
        self.release_cash_held(account, amount)
    }

    /// [`Registry::release_cash`] for the exchange, which owns the freezes it releases.
    pub(crate) fn release_cash_held(
        &mut self,
        account: AccountId,
        amount: Money,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        Self::positive("release cash", amount)?;
        let c = &mut self.cash[account.index()];
        if c.frozen < amount {
            return Err(RegistryError::InsufficientFrozenCash {
                account,
                needed: amount,
                frozen: c.frozen,
            });
        }
        c.frozen -= amount;
        c.available += amount;
        self.record(Event::ReleaseCash { account, amount });
        Ok(())
    }
}
