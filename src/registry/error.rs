//! The registry's typed errors. Every variant names the offending values; a call that returns
//! one has changed nothing.

use thiserror::Error;

use super::ids::{AccountId, GeneratorId, ProjectId, SubjectId};
use super::subject::YearMonth;
use crate::units::{Money, Quantity};

/// Misuse of or bad input to the registry.
///
/// Serializable, so that an exchange rejection can carry it into an event log; not
/// deserializable, as its operation names are static text.
#[derive(Debug, Clone, PartialEq, Eq, Error, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryError {
    /// No such account.
    #[error("unknown account {account}")]
    UnknownAccount {
        /// The id given.
        account: AccountId,
    },
    /// No such subject.
    #[error("unknown subject {subject}")]
    UnknownSubject {
        /// The id given.
        subject: SubjectId,
    },
    /// No such CCER project.
    #[error("unknown ccer project {project}")]
    UnknownProject {
        /// The id given.
        project: ProjectId,
    },
    /// No such GEC generator.
    #[error("unknown gec generator {generator}")]
    UnknownGenerator {
        /// The id given.
        generator: GeneratorId,
    },
    /// A quantity of zero where units must move.
    #[error("zero quantity for {op}")]
    ZeroQuantity {
        /// The operation.
        op: &'static str,
    },
    /// A zero or negative amount of money where cash must move.
    #[error("amount {amount} for {op} must be positive")]
    NonPositiveAmount {
        /// The operation.
        op: &'static str,
        /// The amount given.
        amount: Money,
    },
    /// A negative fee.
    #[error("fee {fee} must not be negative")]
    NegativeFee {
        /// The fee given.
        fee: Money,
    },
    /// Not enough available units.
    #[error("{account} needs {needed} available units of {subject}, has {available}")]
    InsufficientUnits {
        /// The account.
        account: AccountId,
        /// The subject.
        subject: SubjectId,
        /// Units required.
        needed: Quantity,
        /// Units available.
        available: Quantity,
    },
    /// Not enough frozen units.
    #[error("{account} needs {needed} frozen units of {subject}, has {frozen}")]
    InsufficientFrozenUnits {
        /// The account.
        account: AccountId,
        /// The subject.
        subject: SubjectId,
        /// Units required.
        needed: Quantity,
        /// Units frozen.
        frozen: Quantity,
    },
    /// Not enough available cash.
    #[error("{account} needs {needed} available cash, has {available}")]
    InsufficientCash {
        /// The account.
        account: AccountId,
        /// Cash required.
        needed: Money,
        /// Cash available.
        available: Money,
    },
    /// Not enough frozen cash.
    #[error("{account} needs {needed} frozen cash, has {frozen}")]
    InsufficientFrozenCash {
        /// The account.
        account: AccountId,
        /// Cash required.
        needed: Money,
        /// Cash frozen.
        frozen: Money,
    },
    /// The seller's fee is larger than the sale amount.
    #[error("seller fee {fee} exceeds the sale amount {amount}")]
    FeeExceedsProceeds {
        /// The fee.
        fee: Money,
        /// The amount.
        amount: Money,
    },
    /// The subject may not be traded or transferred (a non-tradable GEC).
    #[error("{subject} is not tradable")]
    NotTradable {
        /// The subject.
        subject: SubjectId,
    },
    /// A second transfer of certificates that may change hands only once.
    #[error(
        "{account} may transfer at most {transferable} units of {subject} once-only certificates, asked {needed}"
    )]
    OneTimeTransferUsed {
        /// The account.
        account: AccountId,
        /// The subject.
        subject: SubjectId,
        /// Units asked for.
        needed: Quantity,
        /// Units never transferred before, net of frozen ones.
        transferable: Quantity,
    },
    /// The operation does not apply to this instrument (e.g. surrendering a GEC, serials of a
    /// CEA).
    #[error("{subject} is the wrong instrument for {op}")]
    WrongInstrument {
        /// The subject.
        subject: SubjectId,
        /// The operation.
        op: &'static str,
    },
    /// Serials not (wholly) held by the account.
    #[error("{account} does not hold serials {start}..{end} of {subject}")]
    SerialNotHeld {
        /// The account.
        account: AccountId,
        /// The subject.
        subject: SubjectId,
        /// First serial.
        start: u64,
        /// One past the last serial.
        end: u64,
    },
    /// Serials already cancelled, surrendered or expired.
    #[error("serials {start}..{end} of {subject} were already retired")]
    SerialRetired {
        /// The subject.
        subject: SubjectId,
        /// First serial.
        start: u64,
        /// One past the last serial.
        end: u64,
    },
    /// A CCER project is in the wrong state for the step.
    #[error("{project} is {state} and cannot {op}")]
    ProjectState {
        /// The project.
        project: ProjectId,
        /// Its state.
        state: &'static str,
        /// The step attempted.
        op: &'static str,
    },
    /// A monitoring period overlapping one already issued.
    #[error("{project} period {from}..{to} overlaps an issued period")]
    PeriodAlreadyIssued {
        /// The project.
        project: ProjectId,
        /// Period start.
        from: chrono::NaiveDate,
        /// Period end.
        to: chrono::NaiveDate,
    },
    /// One plant's output certified twice: a GEC month inside a monitoring period of the linked
    /// CCER project (deep offshore wind and solar thermal earn one or the other).
    #[error(
        "{generator} month {month} lies in {project} period {from}..{to}: one MWh earns a gec or a ccer, not both"
    )]
    DoubleCertification {
        /// The CCER project.
        project: ProjectId,
        /// The GEC generator.
        generator: GeneratorId,
        /// The production month certified (or to be certified) for GECs.
        month: YearMonth,
        /// The monitoring period's start.
        from: chrono::NaiveDate,
        /// The monitoring period's end.
        to: chrono::NaiveDate,
    },
    /// A project and a generator that cannot be linked as one plant.
    #[error("{project} and {generator} cannot be linked: {reason}")]
    BadExclusivityLink {
        /// The project.
        project: ProjectId,
        /// The generator.
        generator: GeneratorId,
        /// Why.
        reason: &'static str,
    },
    /// A monitoring period outside the crediting period or before the eligibility date.
    #[error("{project} period {from}..{to} is not eligible: {reason}")]
    IneligiblePeriod {
        /// The project.
        project: ProjectId,
        /// Period start.
        from: chrono::NaiveDate,
        /// Period end.
        to: chrono::NaiveDate,
        /// Why.
        reason: &'static str,
    },
    /// A production month metered twice.
    #[error("{generator} month {month} was already metered")]
    MonthAlreadyMetered {
        /// The generator.
        generator: GeneratorId,
        /// The month.
        month: YearMonth,
    },
    /// A production month earlier than one already metered.
    #[error("{generator} month {month} is before the last metered month {last}")]
    MonthOutOfOrder {
        /// The generator.
        generator: GeneratorId,
        /// The month given.
        month: YearMonth,
        /// The last month metered.
        last: YearMonth,
    },
    /// An account of the wrong kind for the role.
    #[error("{account} is not admitted to {op}")]
    NotAdmitted {
        /// The account.
        account: AccountId,
        /// The operation.
        op: &'static str,
    },
    /// A counter or balance would overflow.
    #[error("overflow in {what}")]
    Overflow {
        /// What overflowed.
        what: &'static str,
    },
    /// Frozen balances belong to an exchange's open orders and quotes while it has a day open.
    #[error("cannot {op}: an exchange holds the frozen balances while its day is open")]
    FrozenByExchange {
        /// The refused operation.
        op: &'static str,
    },
    /// Units are frozen for open orders or quotes, so the subject cannot expire yet.
    #[error("{account} has {frozen} frozen units of {subject}; end its orders first")]
    FrozenUnits {
        /// An account with frozen units.
        account: AccountId,
        /// The subject.
        subject: SubjectId,
        /// Its frozen units.
        frozen: Quantity,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_name_the_values() {
        let e = RegistryError::InsufficientUnits {
            account: AccountId(3),
            subject: SubjectId(1),
            needed: Quantity::new(10),
            available: Quantity::new(4),
        };
        assert_eq!(
            e.to_string(),
            "account#3 needs 10 available units of subject#1, has 4"
        );
    }
}
