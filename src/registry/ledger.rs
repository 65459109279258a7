//! The registry ledger: accounts, subjects, holdings and cash, with the exchange's hot-path
//! operations.
//!
//! ## Buckets and the conservation identity
//! Each holding (account × subject) has three unit buckets: `available` (may be sold, surrendered
//! or cancelled), `frozen` (locked by a resting sell order) and `pending` (bought today, usable
//! after the next [`Registry::roll_day`] when units settle next-day). Per subject:
//!
//! `issued = available + frozen + pending + surrendered + cancelled + expired`
//!
//! Cash has the same three buckets per account, and over the whole registry
//! `deposited − withdrawn = available + frozen + pending`.
//!
//! ## Atomicity
//! Every operation validates everything first and mutates only when it cannot fail, so an `Err`
//! leaves the state (journal included) exactly as it was. Each success appends one [`Event`].
//!
//! ## Complexity
//! Freeze, release, deposit, withdraw and settlement of a CEA trade are O(1): two hash look-ups
//! with a fixed, deterministic hasher and arithmetic; they allocate nothing except the journal
//! push (amortised) and, the first time an account holds a subject, its holding slot. Settlement
//! of a certificate subject also moves serial ranges (O(ranges touched)).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::account::{Account, AccountKind, AdmissionRules};
use super::ccer::CcerBook;
use super::error::RegistryError;
use super::gec::GecBook;
use super::ids::{AccountId, SubjectId};
use super::journal::{CancelReason, Event, Journal, Settlement};
use super::serial::{SerialQueue, SerialRange};
use super::subject::{Market, Subject};
use crate::units::{Money, Quantity};

/// When bought units or sale proceeds become available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Availability {
    /// At once.
    SameDay,
    /// After the next [`Registry::roll_day`] (T+1).
    NextDay,
}

/// Registry rules. Defaults: the admission rules of 2021–2023, bought allowances usable from
/// T+1 (MEE Trading Rules (trial): "已买入的交易产品当日内不得再次卖出", as summarised by
/// 大云网, <http://e4938.cn/informatization/dw/112191.html>), sale proceeds usable the same day
/// (**unverified**: the Settlement Rules text was not found), the GEC one-time transfer rule on
/// (Notice 发改能源〔2023〕1044号,
/// <https://climatecooperation.cn/climate/china-issued-notice-on-using-green-electricity-certificates-to-promote-renewable-electricity-consumption/>)
/// and a GEC validity of 24 months from the production month (NEA GEC rules 2024, a rule later
/// than 2021–2023: <https://www.laitimes.com/en/article/6nhne_73txy.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryConfig {
    /// Who may trade what.
    pub admission: AdmissionRules,
    /// When bought units become available.
    pub units_availability: Availability,
    /// When sale proceeds (and fees) become available.
    pub cash_availability: Availability,
    /// Whether a tradable GEC may change hands only once.
    pub gec_one_time_transfer: bool,
    /// GEC validity in months, counting the production month.
    pub gec_validity_months: u32,
    /// Whether to keep the [`Journal`] of every operation, which [`Registry::rebuild`] and
    /// audits read. It costs one 80-byte event per freeze, release and settlement; a long
    /// simulation that never reads it runs faster and smaller with `false` (the journal then
    /// stays empty). On by default.
    #[serde(default = "keep_journal")]
    pub journal: bool,
}

fn keep_journal() -> bool {
    true
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            admission: AdmissionRules::default(),
            units_availability: Availability::NextDay,
            cash_availability: Availability::SameDay,
            gec_one_time_transfer: true,
            gec_validity_months: 24,
            journal: true,
        }
    }
}

/// A fixed multiply-rotate hasher for the (account, subject) index: deterministic, fast on two
/// `u32`s, and only ever used for point look-ups (never iterated).
#[derive(Default, Clone, Copy)]
pub(crate) struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) type PairMap<K, V> = HashMap<K, V, BuildHasherDefault<PairHasher>>;

/// One account's position in one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Holding {
    pub(crate) account: AccountId,
    pub(crate) subject: SubjectId,
    pub(crate) available: u64,
    pub(crate) frozen: u64,
    pub(crate) pending: u64,
    /// Certificates never transferred (for the one-time rule); 0 for CEA.
    pub(crate) fresh: u64,
    pub(crate) serials: SerialQueue,
}

/// Per-subject counters of units created and retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubjectEntry {
    pub(crate) subject: Subject,
    pub(crate) issued: u64,
    pub(crate) surrendered: u64,
    pub(crate) cancelled: u64,
    pub(crate) expired: u64,
}

/// An account's cash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CashView {
    /// Usable now.
    pub available: Money,
    /// Locked by resting buy orders.
    pub frozen: Money,
    /// Received today, usable after the day roll.
    pub pending: Money,
}

/// An account's units of one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HoldingView {
    /// Usable now.
    pub available: Quantity,
    /// Locked by resting sell orders.
    pub frozen: Quantity,
    /// Bought today, usable after the day roll.
    pub pending: Quantity,
}

impl HoldingView {
    /// `available + frozen + pending`.
    #[must_use]
    pub fn total(&self) -> Quantity {
        Quantity::new(self.available.units() + self.frozen.units() + self.pending.units())
    }
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

/// The registry: every account, subject, holding and cash balance, and the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub(crate) config: RegistryConfig,
    pub(crate) accounts: Vec<Account>,
    pub(crate) cash: Vec<CashView>,
    pub(crate) subjects: Vec<SubjectEntry>,
    pub(crate) subject_index: HashMap<Subject, SubjectId>,
    pub(crate) holdings: Vec<Holding>,
    pub(crate) holding_index: PairMap<(AccountId, SubjectId), u32>,
    pub(crate) pending_holdings: Vec<u32>,
    pub(crate) pending_cash: Vec<AccountId>,
    pub(crate) next_serial: u64,
    /// Serials cancelled, surrendered or expired, by subject, to reject reuse. A side table so
    /// that subjects never retired (most GEC batches until they expire) cost nothing.
    pub(crate) retired: PairMap<SubjectId, Vec<SerialRange>>,
    pub(crate) deposited: Money,
    pub(crate) withdrawn: Money,
    pub(crate) ccer: CcerBook,
    pub(crate) gec: GecBook,
    pub(crate) journal: Journal,
    /// Set while an exchange that owns this registry has a trading day open: the freezes are
    /// then its orders' and quotes', and only the exchange may release them.
    pub(crate) venue_holds_freezes: bool,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new(RegistryConfig::default())
    }
}

fn q(units: u64) -> Quantity {
    Quantity::new(units)
}

impl Registry {
    /// An empty registry with these rules.
    #[must_use]
    pub fn new(config: RegistryConfig) -> Self {
        Registry {
            config,
            accounts: Vec::new(),
            cash: Vec::new(),
            subjects: Vec::new(),
            subject_index: HashMap::new(),
            holdings: Vec::new(),
            holding_index: PairMap::default(),
            pending_holdings: Vec::new(),
            pending_cash: Vec::new(),
            next_serial: 1,
            retired: PairMap::default(),
            deposited: Money::ZERO,
            withdrawn: Money::ZERO,
            ccer: CcerBook::default(),
            gec: GecBook::default(),
            journal: Journal::default(),
            venue_holds_freezes: false,
        }
    }

    /// Refuses `op` while an exchange holds this registry's freezes (see
    /// [`Registry::release_units`]).
    fn check_no_venue(&self, op: &'static str) -> Result<(), RegistryError> {
        if self.venue_holds_freezes {
            return Err(RegistryError::FrozenByExchange { op });
        }
        Ok(())
    }

    /// Reserve room for `accounts`, `subjects`, `holdings` and `events` more, so that bulk
    /// loads (a fleet, a year of GEC metering) grow no vector or index step by step.
    pub fn reserve(&mut self, accounts: usize, subjects: usize, holdings: usize, events: usize) {
        self.accounts.reserve(accounts);
        self.cash.reserve(accounts);
        self.subjects.reserve(subjects);
        self.holdings.reserve(holdings);
        self.holding_index.reserve(holdings);
        if self.config.journal {
            self.journal.reserve(events);
        }
    }

    /// Appends `e` to the journal, unless this registry keeps none.
    #[inline]
    pub(crate) fn record(&mut self, e: Event) {
        if self.config.journal {
            self.journal.push(e);
        }
    }

    /// Rebuild a registry by replaying `events` from an empty one with `config`.
    ///
    /// # Errors
    /// The first event that fails to apply (a journal that was not produced by this registry).
    pub fn rebuild(config: RegistryConfig, events: &[Event]) -> Result<Self, RegistryError> {
        let mut r = Registry::new(config);
        for e in events {
            r.apply(e)?;
        }
        Ok(r)
    }

    /// Apply one journaled event by calling the operation that produced it.
    ///
    /// # Errors
    /// Whatever the operation returns.
    pub fn apply(&mut self, e: &Event) -> Result<(), RegistryError> {
        match e {
            Event::OpenAccount { kind, name } => {
                self.open_account(*kind, name.clone());
            }
            Event::RegisterSubject { subject } => {
                self.register_subject(*subject);
            }
            Event::Deposit { account, amount } => self.deposit_cash(*account, *amount)?,
            Event::Withdraw { account, amount } => self.withdraw_cash(*account, *amount)?,
            Event::FreezeCash { account, amount } => self.freeze_cash(*account, *amount)?,
            Event::ReleaseCash { account, amount } => self.release_cash_held(*account, *amount)?,
            Event::FreezeUnits {
                account,
                subject,
                quantity,
            } => self.freeze_units(*account, *subject, *quantity)?,
            Event::ReleaseUnits {
                account,
                subject,
                quantity,
            } => self.release_units_held(*account, *subject, *quantity)?,
            Event::Issue {
                account,
                subject,
                quantity,
            } => {
                self.issue(*account, *subject, *quantity)?;
            }
            Event::Transfer {
                from,
                to,
                subject,
                quantity,
            } => self.transfer(*from, *to, *subject, *quantity)?,
            Event::Settle(s) => self.settle(s)?,
            Event::RollDay => self.roll_day(),
            Event::Surrender {
                account,
                subject,
                quantity,
            } => self.surrender(*account, *subject, *quantity)?,
            Event::Cancel {
                account,
                subject,
                quantity,
                reason,
            } => self.cancel(*account, *subject, *quantity, *reason)?,
            Event::CancelSerials {
                account,
                subject,
                start,
                end,
                reason,
            } => self.cancel_serials(*account, *subject, *start, *end, *reason)?,
            Event::Expire { subject } => {
                self.expire(*subject)?;
            }
            Event::FileProject {
                owner,
                methodology,
                crediting_start,
                crediting_end,
            } => {
                self.file_project(*owner, *methodology, *crediting_start, *crediting_end)?;
            }
            Event::ProjectStep { project, step } => self.advance_project(*project, *step)?,
            Event::IssueCcer {
                project,
                from,
                to,
                quantity,
            } => {
                self.issue_ccer(*project, *from, *to, *quantity)?;
            }
            Event::RegisterGenerator {
                account,
                technology,
                tradable,
                subsidised,
            } => {
                self.register_generator(*account, *technology, *tradable, *subsidised)?;
            }
            Event::Meter {
                generator,
                month,
                kwh,
            } => {
                self.meter(*generator, *month, *kwh)?;
            }
            Event::GreenPowerDeal {
                settlement,
                power_mwh,
            } => self.green_power_deal(settlement, *power_mwh)?,
            Event::ExpireGec { through } => {
                self.expire_gec(*through);
            }
        }
        Ok(())
    }

    /// The rules in force.
    #[must_use]
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// The journal.
    #[must_use]
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Open an account.
    pub fn open_account(&mut self, kind: AccountKind, name: impl Into<String>) -> AccountId {
        let id = AccountId(self.accounts.len() as u32);
        let name = name.into();
        self.accounts.push(Account {
            kind,
            name: name.clone(),
        });
        self.cash.push(CashView::default());
        self.record(Event::OpenAccount { kind, name });
        id
    }

    /// Register a subject, or return its id if it is already registered (nothing journaled).
    pub fn register_subject(&mut self, subject: Subject) -> SubjectId {
        if let Some(id) = self.subject_id(&subject) {
            return id;
        }
        let id = SubjectId(self.subjects.len() as u32);
        self.subjects.push(SubjectEntry {
            subject,
            issued: 0,
            surrendered: 0,
            cancelled: 0,
            expired: 0,
        });
        // Batches of registered generators are indexed by their generator (a short list per
        // generator), which costs far less than hashing every batch.
        if !self.gec.index_batch(&subject, id) {
            self.subject_index.insert(subject, id);
        }
        self.record(Event::RegisterSubject { subject });
        id
    }

    /// The id of a registered subject.
    #[must_use]
    pub fn subject_id(&self, subject: &Subject) -> Option<SubjectId> {
        self.gec
            .find_batch(subject, |id| &self.subjects[id.index()].subject)
            .or_else(|| self.subject_index.get(subject).copied())
    }

    /// A subject's description.
    ///
    /// # Errors
    /// [`RegistryError::UnknownSubject`].
    pub fn subject(&self, subject: SubjectId) -> Result<&Subject, RegistryError> {
        self.subjects
            .get(subject.index())
            .map(|s| &s.subject)
            .ok_or(RegistryError::UnknownSubject { subject })
    }

    /// An account's description.
    ///
    /// # Errors
    /// [`RegistryError::UnknownAccount`].
    pub fn account(&self, account: AccountId) -> Result<&Account, RegistryError> {
        self.accounts
            .get(account.index())
            .ok_or(RegistryError::UnknownAccount { account })
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

    /// Number of serial ranges held over all holdings (the memory cost of certificates).
    #[must_use]
    pub fn serial_range_count(&self) -> usize {
        self.holdings.iter().map(|h| h.serials.len()).sum()
    }

    pub(crate) fn check_account(&self, account: AccountId) -> Result<(), RegistryError> {
        if account.index() < self.accounts.len() {
            Ok(())
        } else {
            Err(RegistryError::UnknownAccount { account })
        }
    }

    pub(crate) fn check_subject(&self, subject: SubjectId) -> Result<&Subject, RegistryError> {
        self.subject(subject)
    }

    pub(crate) fn holding_idx(&self, account: AccountId, subject: SubjectId) -> Option<usize> {
        self.holding_index
            .get(&(account, subject))
            .map(|i| *i as usize)
    }

    pub(crate) fn holding_or_create(&mut self, account: AccountId, subject: SubjectId) -> usize {
        if let Some(i) = self.holding_idx(account, subject) {
            return i;
        }
        let i = self.holdings.len();
        let serials = SerialQueue::default();
        self.holdings.push(Holding {
            account,
            subject,
            available: 0,
            frozen: 0,
            pending: 0,
            fresh: 0,
            serials,
        });
        self.holding_index.insert((account, subject), i as u32);
        i
    }

    /// Whether the one-time transfer rule binds this subject.
    pub(crate) fn one_time(&self, subject: SubjectId) -> bool {
        self.config.gec_one_time_transfer
            && matches!(self.subjects[subject.index()].subject.market(), Market::Gec)
    }

    fn positive(op: &'static str, amount: Money) -> Result<(), RegistryError> {
        if amount.fen() > 0 {
            Ok(())
        } else {
            Err(RegistryError::NonPositiveAmount { op, amount })
        }
    }

    fn nonzero(op: &'static str, quantity: Quantity) -> Result<u64, RegistryError> {
        if quantity.is_zero() {
            Err(RegistryError::ZeroQuantity { op })
        } else {
            Ok(quantity.units())
        }
    }

    // ----- queries -----

    /// Whether `account` may trade `subject` under the admission rules.
    ///
    /// # Errors
    /// Unknown account or subject.
    pub fn may_trade(&self, account: AccountId, subject: SubjectId) -> Result<bool, RegistryError> {
        let acc = self.account(account)?;
        let s = self.subject(subject)?;
        Ok(self.config.admission.admits(acc.kind, s))
    }

    /// An account's units of a subject (zero if it never held any).
    ///
    /// # Errors
    /// Unknown account or subject.
    pub fn holding(
        &self,
        account: AccountId,
        subject: SubjectId,
    ) -> Result<HoldingView, RegistryError> {
        self.check_account(account)?;
        self.check_subject(subject)?;
        Ok(self
            .holding_idx(account, subject)
            .map(|i| {
                let h = &self.holdings[i];
                HoldingView {
                    available: q(h.available),
                    frozen: q(h.frozen),
                    pending: q(h.pending),
                }
            })
            .unwrap_or_default())
    }

    /// Available units (see [`Registry::holding`]).
    ///
    /// # Errors
    /// Unknown account or subject.
    pub fn available_units(
        &self,
        account: AccountId,
        subject: SubjectId,
    ) -> Result<Quantity, RegistryError> {
        Ok(self.holding(account, subject)?.available)
    }

    /// The serial ranges an account holds in a subject, in serial order.
    ///
    /// # Errors
    /// Unknown account or subject.
    pub fn serials(
        &self,
        account: AccountId,
        subject: SubjectId,
    ) -> Result<Vec<SerialRange>, RegistryError> {
        self.check_account(account)?;
        self.check_subject(subject)?;
        Ok(self
            .holding_idx(account, subject)
            .map(|i| self.holdings[i].serials.iter().copied().collect())
            .unwrap_or_default())
    }

    /// An account's cash.
    ///
    /// # Errors
    /// Unknown account.
    pub fn cash(&self, account: AccountId) -> Result<CashView, RegistryError> {
        self.cash
            .get(account.index())
            .copied()
            .ok_or(RegistryError::UnknownAccount { account })
    }

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
        Ok(SubjectBalance {
            issued: q(e.issued),
            available: q(a),
            frozen: q(f),
            pending: q(p),
            surrendered: q(e.surrendered),
            cancelled: q(e.cancelled),
            expired: q(e.expired),
        })
    }

    /// Cash in every bucket of every account: constant under trading and settlement (deposits
    /// and withdrawals change it).
    #[must_use]
    pub fn total_cash(&self) -> Money {
        let t = self.cash_totals();
        t.available + t.frozen + t.pending
    }

    /// Checks every subject's conservation identity and the cash identity.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_conservation(&self) -> Result<(), String> {
        for i in 0..self.subject_count() {
            let subject = SubjectId(i as u32);
            let b = self.subject_balance(subject).map_err(|e| e.to_string())?;
            if !b.is_conserved() {
                return Err(format!("subject {subject:?} is not conserved: {b:?}"));
            }
        }
        let c = self.cash_totals();
        if !c.is_conserved() {
            return Err(format!("cash is not conserved: {c:?}"));
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

    // ----- cash -----

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

    // ----- units -----

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

    // ----- retirement -----

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
            CancelReason::ClawBack => market == Market::Cea,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::many_single_char_names, clippy::too_many_lines)]

    use super::*;
    use crate::registry::subject::CeaVintage;
    use crate::units::Price;

    pub(super) fn cea(r: &mut Registry, year: u16) -> SubjectId {
        r.register_subject(Subject::Cea {
            vintage: CeaVintage::Year(year),
        })
    }

    fn trade(r: &mut Registry) -> (AccountId, AccountId, AccountId, SubjectId) {
        let s = r.open_account(AccountKind::CoveredEntity, "seller");
        let b = r.open_account(AccountKind::CoveredEntity, "buyer");
        let f = r.open_account(AccountKind::Operator, "fees");
        let sub = cea(r, 2021);
        r.issue(s, sub, Quantity::new(100)).unwrap();
        r.deposit_cash(b, Money::from_cny(10_000)).unwrap();
        (s, b, f, sub)
    }

    #[test]
    fn a_registry_without_a_journal_keeps_the_same_balances() {
        let run = |journal: bool| {
            let mut r = Registry::new(RegistryConfig {
                journal,
                ..RegistryConfig::default()
            });
            let (s, b, f, sub) = trade(&mut r);
            r.freeze_units(s, sub, Quantity::new(30)).unwrap();
            r.freeze_cash(b, Money::from_cny(2_000)).unwrap();
            r.settle(&Settlement {
                subject: sub,
                seller: s,
                buyer: b,
                quantity: Quantity::new(20),
                price: Price::from_fen(5_000),
                buyer_fee: Money::from_cny(1),
                seller_fee: Money::from_cny(1),
                fee_account: f,
            })
            .unwrap();
            r.release_units(s, sub, Quantity::new(10)).unwrap();
            (r, sub)
        };
        let ((kept, sub), (dropped, _)) = (run(true), run(false));
        assert!(kept.journal().len() > 5);
        assert!(dropped.journal().is_empty());
        for id in 0..3 {
            let a = AccountId(id);
            assert_eq!(kept.cash(a).unwrap(), dropped.cash(a).unwrap());
        }
        assert_eq!(
            kept.subject_balance(sub).unwrap(),
            dropped.subject_balance(sub).unwrap()
        );
        // The kept journal still rebuilds the registry it came from.
        let rebuilt = Registry::rebuild(*kept.config(), kept.journal().events()).unwrap();
        assert_eq!(rebuilt, kept);
    }

    #[test]
    fn settlement_is_delivery_versus_payment_with_fees_and_leftover_frozen_cash() {
        let mut r = Registry::default();
        let (s, b, f, sub) = trade(&mut r);
        r.freeze_units(s, sub, Quantity::new(60)).unwrap();
        r.freeze_cash(b, Money::from_cny(4_000)).unwrap();
        let t = Settlement {
            subject: sub,
            seller: s,
            buyer: b,
            quantity: Quantity::new(50),
            price: Price::from_fen(5_000),
            buyer_fee: Money::from_cny(3),
            seller_fee: Money::from_cny(2),
            fee_account: f,
        };
        r.settle(&t).unwrap();
        // 50 × 50.00 = 2,500; the buyer's remaining 1,497 stays frozen.
        assert_eq!(r.cash(b).unwrap().frozen, Money::from_cny(1_497));
        assert_eq!(r.cash(s).unwrap().available, Money::from_cny(2_498));
        assert_eq!(r.cash(f).unwrap().available, Money::from_cny(5));
        assert_eq!(
            r.holding(s, sub).unwrap(),
            HoldingView {
                available: Quantity::new(40),
                frozen: Quantity::new(10),
                pending: Quantity::ZERO
            }
        );
        assert_eq!(r.holding(b, sub).unwrap().pending, Quantity::new(50));
        // Bought units are not sellable the same day.
        assert!(matches!(
            r.freeze_units(b, sub, Quantity::new(1)),
            Err(RegistryError::InsufficientUnits { .. })
        ));
        r.roll_day();
        r.freeze_units(b, sub, Quantity::new(50)).unwrap();
        assert!(r.subject_balance(sub).unwrap().is_conserved());
        assert!(r.cash_totals().is_conserved());
    }

    #[test]
    fn next_day_cash_puts_proceeds_in_pending() {
        let mut r = Registry::new(RegistryConfig {
            cash_availability: Availability::NextDay,
            units_availability: Availability::SameDay,
            ..RegistryConfig::default()
        });
        let (s, b, f, sub) = trade(&mut r);
        r.freeze_units(s, sub, Quantity::new(10)).unwrap();
        r.freeze_cash(b, Money::from_cny(100)).unwrap();
        let t = Settlement {
            subject: sub,
            seller: s,
            buyer: b,
            quantity: Quantity::new(10),
            price: Price::from_fen(1_000),
            buyer_fee: Money::ZERO,
            seller_fee: Money::ZERO,
            fee_account: f,
        };
        r.settle(&t).unwrap();
        assert_eq!(r.cash(s).unwrap().pending, Money::from_cny(100));
        assert_eq!(r.holding(b, sub).unwrap().available, Quantity::new(10));
        r.roll_day();
        assert_eq!(r.cash(s).unwrap().available, Money::from_cny(100));
        assert!(r.cash_totals().is_conserved());
    }

    #[test]
    fn every_bad_input_names_its_values_and_changes_nothing() {
        let mut r = Registry::default();
        let (s, b, f, sub) = trade(&mut r);
        let gec_acc = r.open_account(AccountKind::RenewableGenerator, "g");
        let ghost = AccountId(99);
        let nowhere = SubjectId(77);
        let snap = r.clone();
        let t = Settlement {
            subject: sub,
            seller: s,
            buyer: b,
            quantity: Quantity::new(10),
            price: Price::from_fen(100),
            buyer_fee: Money::ZERO,
            seller_fee: Money::ZERO,
            fee_account: f,
        };
        let cases: Vec<(Result<(), RegistryError>, RegistryError)> = vec![
            (
                r.freeze_units(ghost, sub, Quantity::new(1)),
                RegistryError::UnknownAccount { account: ghost },
            ),
            (
                r.freeze_units(s, nowhere, Quantity::new(1)),
                RegistryError::UnknownSubject { subject: nowhere },
            ),
            (
                r.freeze_units(s, sub, Quantity::new(101)),
                RegistryError::InsufficientUnits {
                    account: s,
                    subject: sub,
                    needed: Quantity::new(101),
                    available: Quantity::new(100),
                },
            ),
            (
                r.release_units(s, sub, Quantity::new(1)),
                RegistryError::InsufficientFrozenUnits {
                    account: s,
                    subject: sub,
                    needed: Quantity::new(1),
                    frozen: Quantity::ZERO,
                },
            ),
            (
                r.withdraw_cash(b, Money::from_cny(10_001)),
                RegistryError::InsufficientCash {
                    account: b,
                    needed: Money::from_cny(10_001),
                    available: Money::from_cny(10_000),
                },
            ),
            (
                r.release_cash(b, Money::from_cny(1)),
                RegistryError::InsufficientFrozenCash {
                    account: b,
                    needed: Money::from_cny(1),
                    frozen: Money::ZERO,
                },
            ),
            (
                r.deposit_cash(b, Money::ZERO),
                RegistryError::NonPositiveAmount {
                    op: "deposit",
                    amount: Money::ZERO,
                },
            ),
            (
                r.settle(&t),
                RegistryError::InsufficientFrozenCash {
                    account: b,
                    needed: Money::from_cny(10),
                    frozen: Money::ZERO,
                },
            ),
            (
                r.cancel(s, sub, Quantity::new(1), CancelReason::Offset { entity: s }),
                RegistryError::WrongInstrument {
                    subject: sub,
                    op: "this cancellation",
                },
            ),
            (
                r.surrender(s, sub, Quantity::new(1_000)),
                RegistryError::InsufficientUnits {
                    account: s,
                    subject: sub,
                    needed: Quantity::new(1_000),
                    available: Quantity::new(100),
                },
            ),
            (
                r.cancel_serials(s, sub, 1, 2, CancelReason::Voluntary),
                RegistryError::WrongInstrument {
                    subject: sub,
                    op: "cancel serials",
                },
            ),
            (
                r.issue(s, sub, Quantity::ZERO).map(|_| ()),
                RegistryError::ZeroQuantity { op: "issue" },
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want));
        }
        assert_eq!(r.may_trade(gec_acc, sub), Ok(false));
        assert_eq!(r.may_trade(s, sub), Ok(true));
        assert!(r.may_trade(ghost, sub).is_err());
        // Fees beyond the amount, negative fees.
        r.freeze_cash(b, Money::from_cny(100)).unwrap();
        r.freeze_units(s, sub, Quantity::new(10)).unwrap();
        let snap2 = r.clone();
        let big_fee = Settlement {
            seller_fee: Money::from_cny(11),
            ..t
        };
        assert_eq!(
            r.settle(&big_fee),
            Err(RegistryError::FeeExceedsProceeds {
                fee: Money::from_cny(11),
                amount: Money::from_cny(10)
            })
        );
        assert_eq!(r, snap2);
        assert_ne!(r, snap);
    }

    #[test]
    fn gas_of_serials_and_surrender_of_certificates_is_the_wrong_instrument() {
        let mut r = Registry::default();
        let a = r.open_account(AccountKind::ProjectOwner, "o");
        let s = r.register_subject(Subject::Ccer {
            project: crate::registry::ProjectId(0),
            vintage: 2016,
            rules: crate::registry::CcerRules::Legacy2012,
        });
        r.issue(a, s, Quantity::new(10)).unwrap();
        assert_eq!(
            r.surrender(a, s, Quantity::new(1)),
            Err(RegistryError::WrongInstrument {
                subject: s,
                op: "surrender"
            })
        );
    }

    #[test]
    fn journal_round_trips_through_serde_and_rebuilds_an_equal_registry() {
        let mut r = Registry::default();
        let (s, b, f, sub) = trade(&mut r);
        r.freeze_units(s, sub, Quantity::new(10)).unwrap();
        r.freeze_cash(b, Money::from_cny(600)).unwrap();
        r.settle(&Settlement {
            subject: sub,
            seller: s,
            buyer: b,
            quantity: Quantity::new(10),
            price: Price::from_fen(5_422),
            buyer_fee: Money::from_fen(7),
            seller_fee: Money::from_fen(3),
            fee_account: f,
        })
        .unwrap();
        r.roll_day();
        r.surrender(b, sub, Quantity::new(10)).unwrap();
        let text = serde_json::to_string(r.journal()).unwrap();
        let back: Journal = serde_json::from_str(&text).unwrap();
        let rebuilt = Registry::rebuild(*r.config(), back.events()).unwrap();
        assert_eq!(rebuilt, r);
    }
}

#[cfg(test)]
mod property_tests {
    #![allow(clippy::many_single_char_names)]

    use proptest::prelude::*;

    use super::*;
    use crate::registry::ids::ProjectId;
    use crate::registry::subject::{CcerRules, CeaVintage, Technology, YearMonth};
    use crate::units::Price;

    #[derive(Debug, Clone)]
    enum Op {
        Deposit(u32, i64),
        Withdraw(u32, i64),
        FreezeCash(u32, i64),
        ReleaseCash(u32, i64),
        FreezeUnits(u32, u32, u64),
        ReleaseUnits(u32, u32, u64),
        Issue(u32, u32, u64),
        Transfer(u32, u32, u32, u64),
        Settle(u32, u32, u32, u64, i64, i64, i64),
        Roll,
        Surrender(u32, u32, u64),
        Cancel(u32, u32, u64),
        CancelSerials(u32, u32, u64, u64),
        Expire(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        let a = 0u32..5; // one id past the accounts
        let s = 0u32..4; // one id past the subjects
        let qty = 0u64..40;
        let cash = -5i64..5_000;
        prop_oneof![
            (a.clone(), cash.clone()).prop_map(|(a, m)| Op::Deposit(a, m)),
            (a.clone(), cash.clone()).prop_map(|(a, m)| Op::Withdraw(a, m)),
            (a.clone(), cash.clone()).prop_map(|(a, m)| Op::FreezeCash(a, m)),
            (a.clone(), cash.clone()).prop_map(|(a, m)| Op::ReleaseCash(a, m)),
            (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::FreezeUnits(a, s, q)),
            (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::ReleaseUnits(a, s, q)),
            (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Issue(a, s, q)),
            (a.clone(), a.clone(), s.clone(), qty.clone())
                .prop_map(|(x, y, s, q)| Op::Transfer(x, y, s, q)),
            (
                a.clone(),
                a.clone(),
                s.clone(),
                qty.clone(),
                0i64..200,
                -1i64..20,
                -1i64..20
            )
                .prop_map(|(x, y, s, q, p, bf, sf)| Op::Settle(x, y, s, q, p, bf, sf)),
            Just(Op::Roll),
            (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Surrender(a, s, q)),
            (a.clone(), s.clone(), qty.clone()).prop_map(|(a, s, q)| Op::Cancel(a, s, q)),
            (a, s.clone(), 0u64..200, 0u64..20)
                .prop_map(|(a, s, st, l)| Op::CancelSerials(a, s, st, l)),
            s.prop_map(Op::Expire),
        ]
    }

    fn setup(units: Availability, cash: Availability) -> Registry {
        let mut r = Registry::new(RegistryConfig {
            units_availability: units,
            cash_availability: cash,
            ..RegistryConfig::default()
        });
        r.open_account(AccountKind::CoveredEntity, "a");
        r.open_account(AccountKind::CoveredEntity, "b");
        r.open_account(AccountKind::RenewableGenerator, "c");
        r.open_account(AccountKind::Operator, "fees");
        r.register_subject(Subject::Cea {
            vintage: CeaVintage::Year(2021),
        });
        r.register_subject(Subject::Ccer {
            project: ProjectId(0),
            vintage: 2022,
            rules: CcerRules::Rules2023,
        });
        r.register_subject(Subject::Gec {
            generator: crate::registry::GeneratorId(0),
            technology: Technology::OnshoreWind,
            month: YearMonth::new(2023, 1).unwrap_or(YearMonth::new(2023, 2).unwrap()),
            tradable: true,
            subsidised: false,
        });
        r
    }

    fn apply(r: &mut Registry, op: &Op) -> Result<(), RegistryError> {
        let m = |f: i64| Money::from_fen(i128::from(f));
        let q = Quantity::new;
        match *op {
            Op::Deposit(a, x) => r.deposit_cash(AccountId(a), m(x)),
            Op::Withdraw(a, x) => r.withdraw_cash(AccountId(a), m(x)),
            Op::FreezeCash(a, x) => r.freeze_cash(AccountId(a), m(x)),
            Op::ReleaseCash(a, x) => r.release_cash(AccountId(a), m(x)),
            Op::FreezeUnits(a, s, n) => r.freeze_units(AccountId(a), SubjectId(s), q(n)),
            Op::ReleaseUnits(a, s, n) => r.release_units(AccountId(a), SubjectId(s), q(n)),
            Op::Issue(a, s, n) => r.issue(AccountId(a), SubjectId(s), q(n)).map(|_| ()),
            Op::Transfer(x, y, s, n) => r.transfer(AccountId(x), AccountId(y), SubjectId(s), q(n)),
            Op::Settle(x, y, s, n, p, bf, sf) => r.settle(&Settlement {
                subject: SubjectId(s),
                seller: AccountId(x),
                buyer: AccountId(y),
                quantity: q(n),
                price: Price::from_fen(p),
                buyer_fee: m(bf),
                seller_fee: m(sf),
                fee_account: AccountId(3),
            }),
            Op::Roll => {
                r.roll_day();
                Ok(())
            }
            Op::Surrender(a, s, n) => r.surrender(AccountId(a), SubjectId(s), q(n)),
            Op::Cancel(a, s, n) => {
                r.cancel(AccountId(a), SubjectId(s), q(n), CancelReason::Voluntary)
            }
            Op::CancelSerials(a, s, st, l) => r.cancel_serials(
                AccountId(a),
                SubjectId(s),
                st,
                st + l,
                CancelReason::Voluntary,
            ),
            Op::Expire(s) => r.expire(SubjectId(s)).map(|_| ()),
        }
    }

    fn check_invariants(r: &Registry) -> Result<(), TestCaseError> {
        for s in 0..r.subject_count() {
            let sid = SubjectId(s as u32);
            let b = r.subject_balance(sid).unwrap();
            prop_assert!(b.is_conserved(), "{:?}", b);
        }
        for h in &r.holdings {
            if r.subjects[h.subject.index()].subject.has_serials() {
                let (all, fresh) = h.serials.counts();
                prop_assert_eq!(all, h.available + h.frozen + h.pending);
                prop_assert_eq!(fresh, h.fresh);
                if r.one_time(h.subject) {
                    prop_assert!(h.fresh >= h.frozen);
                }
            }
        }
        for c in &r.cash {
            prop_assert!(!c.available.is_negative() && !c.frozen.is_negative());
            prop_assert!(!c.pending.is_negative());
        }
        prop_assert!(r.cash_totals().is_conserved());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_operations_conserve_units_and_cash_and_failures_change_nothing(
            ops in proptest::collection::vec(op(), 1..120),
            next_day_units in any::<bool>(),
            next_day_cash in any::<bool>(),
        ) {
            let pick = |b| if b { Availability::NextDay } else { Availability::SameDay };
            let mut r = setup(pick(next_day_units), pick(next_day_cash));
            for op in &ops {
                let before = r.clone();
                let issued_before: Vec<u64> = r.subjects.iter().map(|s| s.issued).collect();
                let ok = apply(&mut r, op).is_ok();
                if !ok {
                    prop_assert_eq!(&r, &before);
                }
                if ok {
                    prop_assert_eq!(r.journal.len(), before.journal.len() + 1);
                }
                if ok && matches!(op, Op::Transfer(..) | Op::Settle(..)) {
                    let issued: Vec<u64> = r.subjects.iter().map(|s| s.issued).collect();
                    prop_assert_eq!(issued, issued_before);
                    let (t0, t1) = (before.cash_totals(), r.cash_totals());
                    prop_assert_eq!(
                        t0.available + t0.frozen + t0.pending,
                        t1.available + t1.frozen + t1.pending
                    );
                }
                check_invariants(&r)?;
            }
            let rebuilt = Registry::rebuild(*r.config(), r.journal().events()).unwrap();
            prop_assert_eq!(rebuilt, r);
        }
    }
}
