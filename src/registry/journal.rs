//! The append-only journal: one typed, serde-serialisable event per successful registry
//! operation, in order. Replaying it through [`Registry::rebuild`](super::Registry::rebuild)
//! gives a state equal to the original, field for field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::account::AccountKind;
use super::ids::{AccountId, GeneratorId, ProjectId, SubjectId};
use super::project::{Methodology, ProjectStep};
use super::subject::{Subject, Technology, YearMonth};
use crate::units::{Money, Price, Quantity};

/// Why units are cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    /// CCERs used to offset a covered entity's surrender obligation.
    Offset {
        /// The covered entity.
        entity: AccountId,
    },
    /// Certificates cancelled for a named consumer's green-power consumption claim.
    ConsumptionClaim {
        /// The consumer.
        consumer: AccountId,
        /// First month of consumption covered.
        from: YearMonth,
        /// Last month of consumption covered.
        to: YearMonth,
    },
    /// A voluntary cancellation (a neutrality claim).
    Voluntary,
    /// Allowances taken back when a true-up or a deduction lowers an allocation.
    ClawBack,
    /// Allowances above a banking cap, void after the cap's date.
    BankingCap,
    /// Allowances the authority withdraws: an auction's unsold volume, or a reserve's holdings
    /// above its ceiling.
    Withdrawn,
}

/// One trade to settle, delivery versus payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// What is delivered.
    pub subject: SubjectId,
    /// The seller, whose frozen units are delivered.
    pub seller: AccountId,
    /// The buyer, whose frozen cash pays.
    pub buyer: AccountId,
    /// Units delivered.
    pub quantity: Quantity,
    /// Price per unit.
    pub price: Price,
    /// Fee the buyer pays on top of `price × quantity`, from frozen cash.
    pub buyer_fee: Money,
    /// Fee deducted from the seller's proceeds.
    pub seller_fee: Money,
    /// Who receives both fees.
    pub fee_account: AccountId,
}

/// A journaled registry event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// An account was opened.
    OpenAccount {
        /// Its kind.
        kind: AccountKind,
        /// Its name.
        name: String,
    },
    /// A subject was registered.
    RegisterSubject {
        /// The subject.
        subject: Subject,
    },
    /// Cash paid in.
    Deposit {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Cash paid out (including fines).
    Withdraw {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Cash frozen for a buy order.
    FreezeCash {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Frozen cash released.
    ReleaseCash {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Units frozen for a sell order.
    FreezeUnits {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Frozen units released.
    ReleaseUnits {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Units created in an account (allocation, CCER or GEC issuance).
    Issue {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Available units moved between accounts outside the exchange.
    Transfer {
        /// From.
        from: AccountId,
        /// To.
        to: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// A trade settled.
    Settle(Settlement),
    /// The trading day closed: pending units and cash became available.
    RollDay,
    /// Allowances surrendered for compliance.
    Surrender {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Units cancelled, lowest serials first.
    Cancel {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
        /// Why.
        reason: CancelReason,
    },
    /// Named serials cancelled.
    CancelSerials {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// First serial.
        start: u64,
        /// One past the last serial.
        end: u64,
        /// Why.
        reason: CancelReason,
    },
    /// Every unit of a subject expired.
    Expire {
        /// Subject.
        subject: SubjectId,
    },
    /// A CCER project was filed.
    FileProject {
        /// The owner.
        owner: AccountId,
        /// Its methodology.
        methodology: Methodology,
        /// Start of the crediting period.
        crediting_start: NaiveDate,
        /// End of the crediting period (inclusive).
        crediting_end: NaiveDate,
    },
    /// A CCER project advanced one lifecycle step.
    ProjectStep {
        /// The project.
        project: ProjectId,
        /// The step.
        step: ProjectStep,
    },
    /// Verified CCER reductions for a monitoring period were issued.
    IssueCcer {
        /// The project.
        project: ProjectId,
        /// Period start.
        from: NaiveDate,
        /// Period end (inclusive).
        to: NaiveDate,
        /// Verified reductions, tCO2e.
        quantity: Quantity,
    },
    /// A renewable generator was registered for GECs.
    RegisterGenerator {
        /// Its account.
        account: AccountId,
        /// Technology.
        technology: Technology,
        /// Whether its certificates are tradable.
        tradable: bool,
        /// Whether it is subsidised.
        subsidised: bool,
    },
    /// A month of metered generation was recorded and GECs issued.
    Meter {
        /// The generator.
        generator: GeneratorId,
        /// Production month.
        month: YearMonth,
        /// Metered generation, kWh.
        kwh: u64,
    },
    /// Power and certificates sold together.
    GreenPowerDeal {
        /// Certificates delivered (seller is the generator's account).
        settlement: Settlement,
        /// Power delivered with them, MWh.
        power_mwh: u64,
    },
    /// A CCER project and a GEC generator were linked as one plant (the exclusivity).
    LinkCcerGenerator {
        /// The project.
        project: ProjectId,
        /// The generator.
        generator: GeneratorId,
        /// The first production month the rule binds.
        from: YearMonth,
    },
    /// Every GEC subject produced in or before `through` minus the validity expired.
    ExpireGec {
        /// The month at whose end expiry is assessed.
        through: YearMonth,
    },
}

/// The journal: events in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    events: Vec<Event>,
}

impl Journal {
    /// Heap bytes of the events (account names aside).
    pub(crate) fn heap_bytes(&self) -> usize {
        super::ledger::vec_bytes(&self.events)
    }

    /// The events, oldest first.
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The number of events.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing has happened yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    #[inline]
    pub(crate) fn push(&mut self, e: Event) {
        self.events.push(e);
    }

    pub(crate) fn reserve(&mut self, n: usize) {
        self.events.reserve_exact(n);
    }

    /// Drop events after the first `n`: a composite operation replaces the generic events of its
    /// steps with its own single event.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.events.truncate(n);
    }
}
