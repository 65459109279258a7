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
//!
//! ## Files
//! | file | seam |
//! |---|---|
//! | `mod` | the registry's state, set-up, event replay and look-ups |
//! | `cash` | deposits, withdrawals, cash freezes |
//! | `holdings` | unit freezes, issuance, transfers, settlement, the day roll |
//! | `retirement` | surrender, cancellation, expiry |
//! | `conservation` | the identities and [`ConservationError`] |
//! | `footprint` | the state's size in memory, [`Footprint`] |

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::account::{Account, AccountKind, AdmissionRules};
use super::ccer::CcerBook;
use super::error::RegistryError;
use super::gec::GecBook;
use super::ids::{AccountId, SubjectId};
use super::journal::{Event, Journal};
use super::serial::{SerialQueue, SerialRange};
use super::subject::{Market, Subject, YearMonth};
use crate::units::{Money, Quantity};

mod cash;
mod conservation;
mod footprint;
mod holdings;
#[cfg(test)]
mod property_tests;
mod retirement;
#[cfg(test)]
mod tests;

pub use conservation::{CashTotals, ConservationError, SubjectBalance};
pub use footprint::Footprint;
pub(crate) use footprint::vec_bytes;

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
    /// No GEC expires before the end of this month, whatever its production month: the NEA
    /// rules of 2024 (国能发新能规〔2024〕67号) keep certificates of output before 2024-01-01
    /// valid to the end of 2025. `None` (the default): the validity alone decides.
    #[serde(default)]
    pub gec_valid_at_least_through: Option<YearMonth>,
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
            gec_valid_at_least_through: None,
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
    /// Each account's holdings, in the order they were opened: an account's whole position
    /// without a look-up per subject.
    pub(crate) by_account: Vec<Vec<u32>>,
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
            by_account: Vec::new(),
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
            certificate => self.apply_certificate(certificate)?,
        }
        Ok(())
    }

    /// [`Registry::apply`] for the CCER and GEC lifecycle events.
    fn apply_certificate(&mut self, e: &Event) -> Result<(), RegistryError> {
        match e {
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
            Event::LinkCcerGenerator {
                project,
                generator,
                from,
            } => self.link_ccer_generator(*project, *generator, *from)?,
            // The ledger's own events are applied by `apply`.
            _ => {}
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
        let a = account.index();
        if self.by_account.len() <= a {
            self.by_account.resize_with(a + 1, Vec::new);
        }
        self.by_account[a].push(i as u32);
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

    /// Every holding `account` has had, in the order it was opened (a subject it never held
    /// is not there: its holding is zero).
    ///
    /// # Errors
    /// Unknown account.
    pub fn account_holdings(
        &self,
        account: AccountId,
    ) -> Result<impl Iterator<Item = (SubjectId, HoldingView)> + '_, RegistryError> {
        self.check_account(account)?;
        let list = self
            .by_account
            .get(account.index())
            .map_or(&[][..], Vec::as_slice);
        Ok(list.iter().map(|&i| {
            let h = &self.holdings[i as usize];
            let view = HoldingView {
                available: q(h.available),
                frozen: q(h.frozen),
                pending: q(h.pending),
            };
            (h.subject, view)
        }))
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
}
