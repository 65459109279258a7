//! The registry: who holds what. Every operation checks first and then applies its journal
//! event, so a failed operation changes nothing and the journal alone rebuilds the state.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::journal::RegistryEvent;
use super::types::{
    AccountId, AccountKind, AdmissionRules, Availability, CashBalance, Holding, SubjectId,
    SubjectKind, SubjectTotals,
};
use crate::units::{Money, Price, Quantity};

/// A refused registry operation; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistryError {
    /// No such account.
    #[error("unknown account {account:?}")]
    UnknownAccount {
        /// The id given.
        account: AccountId,
    },
    /// No such subject.
    #[error("unknown subject {subject:?}")]
    UnknownSubject {
        /// The id given.
        subject: SubjectId,
    },
    /// A subject code already registered.
    #[error("subject code {code:?} is already registered")]
    DuplicateSubject {
        /// The code.
        code: String,
    },
    /// Not enough units in the named bucket.
    #[error(
        "account {account:?} has {available} {bucket} units of subject {subject:?}, needs {needed}"
    )]
    InsufficientUnits {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Which bucket (`available` or `frozen`).
        bucket: &'static str,
        /// Quantity asked for.
        needed: Quantity,
        /// Quantity there.
        available: Quantity,
    },
    /// Not enough cash in the named bucket.
    #[error("account {account:?} has {available} {bucket} cash, needs {needed}")]
    InsufficientCash {
        /// Account.
        account: AccountId,
        /// Which bucket (`available` or `frozen`).
        bucket: &'static str,
        /// Amount asked for.
        needed: Money,
        /// Amount there.
        available: Money,
    },
    /// A zero or negative amount where a positive one is required.
    #[error("amount {amount} must be positive")]
    NonPositiveAmount {
        /// The amount.
        amount: Money,
    },
    /// A zero quantity where a positive one is required.
    #[error("quantity must be positive")]
    ZeroQuantity,
    /// The buyer and the seller of a trade are the same account.
    #[error("account {account:?} cannot trade with itself")]
    SelfTrade {
        /// The account.
        account: AccountId,
    },
    /// The operation needs CEA allowances and the subject is something else.
    #[error("subject {subject:?} is not a CEA allowance subject")]
    NotAllowances {
        /// The subject.
        subject: SubjectId,
    },
}

/// A fast hasher for small integer keys (account and subject ids): multiply-rotate in the
/// style of rustc's `FxHash`. Keys are trusted ids, not adversarial input, so `SipHash`'s
/// flood resistance buys nothing here, and no output depends on hash order.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Account {
    name: String,
    kind: AccountKind,
    cash: CashBalance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Subject {
    code: String,
    kind: SubjectKind,
    totals: SubjectTotals,
}

/// The registry of accounts, subjects, holdings and cash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    accounts: Vec<Account>,
    subjects: Vec<Subject>,
    holdings: IdMap<(AccountId, SubjectId), Holding>,
    journal: Vec<RegistryEvent>,
    admission: AdmissionRules,
    units_availability: Availability,
    cash_availability: Availability,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new(
            AdmissionRules::default(),
            Availability::NextTradingDay,
            Availability::SameDay,
        )
    }
}

impl Registry {
    /// An empty registry. `units` and `cash` say when bought units and sale proceeds become
    /// usable: allowances bought on day T cannot be resold the same day (MEE Trading Rules
    /// (Trial), 2021, as summarised by public sources), so units default to the next trading day;
    /// the proceeds rule was not found and defaults to the same day.
    #[must_use]
    pub fn new(admission: AdmissionRules, units: Availability, cash: Availability) -> Self {
        Registry {
            accounts: Vec::new(),
            subjects: Vec::new(),
            holdings: IdMap::default(),
            journal: Vec::new(),
            admission,
            units_availability: units,
            cash_availability: cash,
        }
    }

    /// Rebuilds a registry by applying a journal to an empty one with the same settings.
    #[must_use]
    pub fn rebuild(
        admission: AdmissionRules,
        units: Availability,
        cash: Availability,
        journal: &[RegistryEvent],
    ) -> Self {
        let mut r = Registry::new(admission, units, cash);
        for e in journal {
            r.record(e.clone());
        }
        r
    }

    /// The journal so far.
    #[must_use]
    pub fn journal(&self) -> &[RegistryEvent] {
        &self.journal
    }

    /// The admission rules.
    #[must_use]
    pub fn admission(&self) -> &AdmissionRules {
        &self.admission
    }

    /// Applies an event (already validated) and appends it to the journal.
    fn record(&mut self, event: RegistryEvent) {
        self.apply(&event);
        self.journal.push(event);
    }

    #[allow(clippy::too_many_lines)]
    fn apply(&mut self, event: &RegistryEvent) {
        use RegistryEvent as E;
        match event {
            E::AccountOpened { name, kind, .. } => self.accounts.push(Account {
                name: name.clone(),
                kind: *kind,
                cash: CashBalance::default(),
            }),
            E::SubjectRegistered { code, kind, .. } => self.subjects.push(Subject {
                code: code.clone(),
                kind: kind.clone(),
                totals: SubjectTotals::default(),
            }),
            E::Issued {
                account,
                subject,
                quantity,
            } => {
                self.holding_mut(*account, *subject).available += *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.issued += *quantity;
                t.available += *quantity;
            }
            E::Deposited { account, amount } => {
                self.accounts[account.0 as usize].cash.available += *amount;
            }
            E::Withdrawn { account, amount } => {
                self.accounts[account.0 as usize].cash.available -= *amount;
            }
            E::UnitsFrozen {
                account,
                subject,
                quantity,
            } => {
                let h = self.holding_mut(*account, *subject);
                h.available -= *quantity;
                h.frozen += *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.available -= *quantity;
                t.frozen += *quantity;
            }
            E::UnitsReleased {
                account,
                subject,
                quantity,
            } => {
                let h = self.holding_mut(*account, *subject);
                h.frozen -= *quantity;
                h.available += *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.frozen -= *quantity;
                t.available += *quantity;
            }
            E::CashFrozen { account, amount } => {
                let c = &mut self.accounts[account.0 as usize].cash;
                c.available -= *amount;
                c.frozen += *amount;
            }
            E::CashReleased { account, amount } => {
                let c = &mut self.accounts[account.0 as usize].cash;
                c.frozen -= *amount;
                c.available += *amount;
            }
            E::Settled {
                buyer,
                seller,
                subject,
                quantity,
                price,
                buyer_fee,
                seller_fee,
                fee_account,
                units_pending,
                cash_pending,
            } => {
                let value = *price * *quantity;
                self.holding_mut(*seller, *subject).frozen -= *quantity;
                let h = self.holding_mut(*buyer, *subject);
                if *units_pending {
                    h.pending += *quantity;
                } else {
                    h.available += *quantity;
                }
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.frozen -= *quantity;
                if *units_pending {
                    t.pending += *quantity;
                } else {
                    t.available += *quantity;
                }
                self.accounts[buyer.0 as usize].cash.frozen -= value + *buyer_fee;
                let proceeds = value - *seller_fee;
                let s = &mut self.accounts[seller.0 as usize].cash;
                if *cash_pending {
                    s.pending += proceeds;
                } else {
                    s.available += proceeds;
                }
                self.accounts[fee_account.0 as usize].cash.available += *buyer_fee + *seller_fee;
            }
            E::Transferred {
                from,
                to,
                subject,
                quantity,
            } => {
                self.holding_mut(*from, *subject).available -= *quantity;
                self.holding_mut(*to, *subject).available += *quantity;
            }
            E::DayRolled => {
                for h in self.holdings.values_mut() {
                    h.available += h.pending;
                    h.pending = Quantity::ZERO;
                }
                for s in &mut self.subjects {
                    s.totals.available += s.totals.pending;
                    s.totals.pending = Quantity::ZERO;
                }
                for a in &mut self.accounts {
                    a.cash.available += a.cash.pending;
                    a.cash.pending = Money::ZERO;
                }
            }
            E::Surrendered {
                account,
                subject,
                quantity,
            } => {
                self.holding_mut(*account, *subject).available -= *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.available -= *quantity;
                t.surrendered += *quantity;
            }
            E::Cancelled {
                account,
                subject,
                quantity,
            } => {
                self.holding_mut(*account, *subject).available -= *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.available -= *quantity;
                t.cancelled += *quantity;
            }
            E::Expired {
                account,
                subject,
                quantity,
            } => {
                self.holding_mut(*account, *subject).available -= *quantity;
                let t = &mut self.subjects[subject.0 as usize].totals;
                t.available -= *quantity;
                t.expired += *quantity;
            }
        }
    }

    fn holding_mut(&mut self, account: AccountId, subject: SubjectId) -> &mut Holding {
        self.holdings.entry((account, subject)).or_default()
    }

    fn check_account(&self, account: AccountId) -> Result<&Account, RegistryError> {
        self.accounts
            .get(account.0 as usize)
            .ok_or(RegistryError::UnknownAccount { account })
    }

    fn check_subject(&self, subject: SubjectId) -> Result<&Subject, RegistryError> {
        self.subjects
            .get(subject.0 as usize)
            .ok_or(RegistryError::UnknownSubject { subject })
    }

    fn check_units(
        &self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
        frozen: bool,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        self.check_subject(subject)?;
        if quantity.is_zero() {
            return Err(RegistryError::ZeroQuantity);
        }
        let h = self.holding(account, subject);
        let (bucket, have) = if frozen {
            ("frozen", h.frozen)
        } else {
            ("available", h.available)
        };
        if have < quantity {
            return Err(RegistryError::InsufficientUnits {
                account,
                subject,
                bucket,
                needed: quantity,
                available: have,
            });
        }
        Ok(())
    }

    fn check_cash(
        &self,
        account: AccountId,
        amount: Money,
        frozen: bool,
    ) -> Result<(), RegistryError> {
        let a = self.check_account(account)?;
        if amount <= Money::ZERO {
            return Err(RegistryError::NonPositiveAmount { amount });
        }
        let (bucket, have) = if frozen {
            ("frozen", a.cash.frozen)
        } else {
            ("available", a.cash.available)
        };
        if have < amount {
            return Err(RegistryError::InsufficientCash {
                account,
                bucket,
                needed: amount,
                available: have,
            });
        }
        Ok(())
    }

    /// Opens an account.
    pub fn open_account(&mut self, name: impl Into<String>, kind: AccountKind) -> AccountId {
        let account = AccountId(self.accounts.len() as u32);
        self.record(RegistryEvent::AccountOpened {
            account,
            name: name.into(),
            kind,
        });
        account
    }

    /// Registers a subject under a unique code.
    ///
    /// # Errors
    /// [`RegistryError::DuplicateSubject`] when the code is taken.
    pub fn register_subject(
        &mut self,
        code: impl Into<String>,
        kind: SubjectKind,
    ) -> Result<SubjectId, RegistryError> {
        let code = code.into();
        if self.subjects.iter().any(|s| s.code == code) {
            return Err(RegistryError::DuplicateSubject { code });
        }
        let subject = SubjectId(self.subjects.len() as u32);
        self.record(RegistryEvent::SubjectRegistered {
            subject,
            code,
            kind,
        });
        Ok(subject)
    }

    /// Issues `quantity` new units of `subject` to `account`.
    ///
    /// # Errors
    /// Unknown account or subject, or zero quantity.
    pub fn issue(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(account)?;
        self.check_subject(subject)?;
        if quantity.is_zero() {
            return Err(RegistryError::ZeroQuantity);
        }
        self.record(RegistryEvent::Issued {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Pays cash into an account.
    ///
    /// # Errors
    /// Unknown account or a non-positive amount.
    pub fn deposit(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_account(account)?;
        if amount <= Money::ZERO {
            return Err(RegistryError::NonPositiveAmount { amount });
        }
        self.record(RegistryEvent::Deposited { account, amount });
        Ok(())
    }

    /// Pays available cash out of an account.
    ///
    /// # Errors
    /// Unknown account, a non-positive amount, or not enough available cash.
    pub fn withdraw(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_cash(account, amount, false)?;
        self.record(RegistryEvent::Withdrawn { account, amount });
        Ok(())
    }

    /// Freezes available units (for a sell order or quote).
    ///
    /// # Errors
    /// Unknown account or subject, zero quantity, or not enough available units.
    pub fn freeze_units(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_units(account, subject, quantity, false)?;
        self.record(RegistryEvent::UnitsFrozen {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Releases frozen units back to available.
    ///
    /// # Errors
    /// Unknown account or subject, zero quantity, or not enough frozen units.
    pub fn release_units(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_units(account, subject, quantity, true)?;
        self.record(RegistryEvent::UnitsReleased {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Freezes available cash (for a buy order and its fees).
    ///
    /// # Errors
    /// Unknown account, non-positive amount, or not enough available cash.
    pub fn freeze_cash(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_cash(account, amount, false)?;
        self.record(RegistryEvent::CashFrozen { account, amount });
        Ok(())
    }

    /// Releases frozen cash back to available.
    ///
    /// # Errors
    /// Unknown account, non-positive amount, or not enough frozen cash.
    pub fn release_cash(&mut self, account: AccountId, amount: Money) -> Result<(), RegistryError> {
        self.check_cash(account, amount, true)?;
        self.record(RegistryEvent::CashReleased { account, amount });
        Ok(())
    }

    /// Settles one trade delivery-versus-payment: `quantity` of the seller's frozen units go to
    /// the buyer, and `price × quantity + buyer_fee` of the buyer's frozen cash pays the seller
    /// (less `seller_fee`) and the fee account. Whatever the buyer froze beyond that stays frozen
    /// until released.
    ///
    /// # Errors
    /// Unknown accounts or subject, a self-trade, zero quantity, or not enough frozen units or
    /// cash; nothing moves.
    #[allow(clippy::too_many_arguments)]
    pub fn settle(
        &mut self,
        buyer: AccountId,
        seller: AccountId,
        subject: SubjectId,
        quantity: Quantity,
        price: Price,
        buyer_fee: Money,
        seller_fee: Money,
        fee_account: AccountId,
    ) -> Result<(), RegistryError> {
        if buyer == seller {
            return Err(RegistryError::SelfTrade { account: buyer });
        }
        self.check_account(buyer)?;
        self.check_account(fee_account)?;
        self.check_units(seller, subject, quantity, true)?;
        for fee in [buyer_fee, seller_fee] {
            if fee.is_negative() {
                return Err(RegistryError::NonPositiveAmount { amount: fee });
            }
        }
        let cost = price * quantity + buyer_fee;
        if cost > Money::ZERO {
            self.check_cash(buyer, cost, true)?;
        }
        self.record(RegistryEvent::Settled {
            buyer,
            seller,
            subject,
            quantity,
            price,
            buyer_fee,
            seller_fee,
            fee_account,
            units_pending: self.units_availability == Availability::NextTradingDay,
            cash_pending: self.cash_availability == Availability::NextTradingDay,
        });
        Ok(())
    }

    /// Moves available units between accounts outside trading (e.g. with a green-power deal).
    ///
    /// # Errors
    /// Unknown accounts or subject, zero quantity, or not enough available units.
    pub fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_account(to)?;
        self.check_units(from, subject, quantity, false)?;
        self.record(RegistryEvent::Transferred {
            from,
            to,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Starts a trading day: pending units and cash become available.
    pub fn roll_day(&mut self) {
        self.record(RegistryEvent::DayRolled);
    }

    /// Surrenders available CEA allowances for compliance.
    ///
    /// # Errors
    /// Unknown account or subject, a subject that is not CEA, zero quantity, or not enough
    /// available units.
    pub fn surrender(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        if !self.check_subject(subject)?.kind.is_cea() {
            return Err(RegistryError::NotAllowances { subject });
        }
        self.check_units(account, subject, quantity, false)?;
        self.record(RegistryEvent::Surrendered {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Cancels available units (an offset, a voluntary claim or a deduction).
    ///
    /// # Errors
    /// Unknown account or subject, zero quantity, or not enough available units.
    pub fn cancel(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_units(account, subject, quantity, false)?;
        self.record(RegistryEvent::Cancelled {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// Expires available units.
    ///
    /// # Errors
    /// Unknown account or subject, zero quantity, or not enough available units.
    pub fn expire(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
    ) -> Result<(), RegistryError> {
        self.check_units(account, subject, quantity, false)?;
        self.record(RegistryEvent::Expired {
            account,
            subject,
            quantity,
        });
        Ok(())
    }

    /// An account's holding of a subject (zero if it never held any).
    #[must_use]
    pub fn holding(&self, account: AccountId, subject: SubjectId) -> Holding {
        self.holdings
            .get(&(account, subject))
            .copied()
            .unwrap_or_default()
    }

    /// An account's cash.
    ///
    /// # Errors
    /// [`RegistryError::UnknownAccount`].
    pub fn cash(&self, account: AccountId) -> Result<CashBalance, RegistryError> {
        Ok(self.check_account(account)?.cash)
    }

    /// An account's kind.
    ///
    /// # Errors
    /// [`RegistryError::UnknownAccount`].
    pub fn account_kind(&self, account: AccountId) -> Result<AccountKind, RegistryError> {
        Ok(self.check_account(account)?.kind)
    }

    /// An account's name.
    ///
    /// # Errors
    /// [`RegistryError::UnknownAccount`].
    pub fn account_name(&self, account: AccountId) -> Result<&str, RegistryError> {
        Ok(&self.check_account(account)?.name)
    }

    /// A subject's kind.
    ///
    /// # Errors
    /// [`RegistryError::UnknownSubject`].
    pub fn subject_kind(&self, subject: SubjectId) -> Result<&SubjectKind, RegistryError> {
        Ok(&self.check_subject(subject)?.kind)
    }

    /// A subject's code.
    ///
    /// # Errors
    /// [`RegistryError::UnknownSubject`].
    pub fn subject_code(&self, subject: SubjectId) -> Result<&str, RegistryError> {
        Ok(&self.check_subject(subject)?.code)
    }

    /// A subject by code.
    #[must_use]
    pub fn subject_by_code(&self, code: &str) -> Option<SubjectId> {
        self.subjects
            .iter()
            .position(|s| s.code == code)
            .map(|i| SubjectId(i as u32))
    }

    /// A subject's running totals.
    ///
    /// # Errors
    /// [`RegistryError::UnknownSubject`].
    pub fn totals(&self, subject: SubjectId) -> Result<SubjectTotals, RegistryError> {
        Ok(self.check_subject(subject)?.totals)
    }

    /// Number of accounts.
    #[must_use]
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Number of subjects.
    #[must_use]
    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    /// Whether `account` may trade `subject` under the admission rules.
    ///
    /// # Errors
    /// Unknown account or subject.
    pub fn may_trade(&self, account: AccountId, subject: SubjectId) -> Result<bool, RegistryError> {
        let kind = self.check_account(account)?.kind;
        let cea = self.check_subject(subject)?.kind.is_cea();
        Ok(match (kind, cea) {
            (AccountKind::CoveredEntity, true) => true,
            (AccountKind::Investor, true) => self.admission.investors_trade_cea,
            (AccountKind::Exchange, _) | (_, true) => false,
            (AccountKind::CoveredEntity, false) => self.admission.entities_trade_certificates,
            (_, false) => true,
        })
    }

    /// Total cash held in every bucket of every account: constant under trading and
    /// settlement (deposits and withdrawals change it).
    #[must_use]
    pub fn total_cash(&self) -> Money {
        self.accounts
            .iter()
            .map(|a| a.cash.available + a.cash.frozen + a.cash.pending)
            .sum()
    }

    /// Checks the conservation identities against a full recount: per subject, issued =
    /// available + frozen + pending + surrendered + cancelled + expired, the running totals equal
    /// the sum of holdings, and no cash bucket is negative.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_conservation(&self) -> Result<(), String> {
        for (i, s) in self.subjects.iter().enumerate() {
            let id = SubjectId(i as u32);
            let (mut available, mut frozen, mut pending) =
                (Quantity::ZERO, Quantity::ZERO, Quantity::ZERO);
            for (&(_, subj), h) in &self.holdings {
                if subj == id {
                    available += h.available;
                    frozen += h.frozen;
                    pending += h.pending;
                }
            }
            let t = s.totals;
            if (available, frozen, pending) != (t.available, t.frozen, t.pending) {
                return Err(format!(
                    "subject {}: holdings do not add up to its totals",
                    s.code
                ));
            }
            let accounted =
                t.available + t.frozen + t.pending + t.surrendered + t.cancelled + t.expired;
            if accounted != t.issued {
                return Err(format!(
                    "subject {}: issued {} but {} accounted for",
                    s.code, t.issued, accounted
                ));
            }
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if a.cash.available.is_negative()
                || a.cash.frozen.is_negative()
                || a.cash.pending.is_negative()
            {
                return Err(format!(
                    "account {i} has a negative cash bucket: {:?}",
                    a.cash
                ));
            }
        }
        Ok(())
    }
}
