//! The registry's append-only journal: one typed event per successful operation. Replaying the
//! journal into an empty registry rebuilds an identical state, because every operation mutates
//! state only by applying its own event.

use serde::{Deserialize, Serialize};

use super::types::{AccountId, AccountKind, SubjectId, SubjectKind};
use crate::units::{Money, Price, Quantity};

/// One recorded registry operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistryEvent {
    /// An account was opened.
    AccountOpened {
        /// Its id.
        account: AccountId,
        /// Its holder's name.
        name: String,
        /// Its kind.
        kind: AccountKind,
    },
    /// A subject was registered.
    SubjectRegistered {
        /// Its id.
        subject: SubjectId,
        /// Its code (e.g. `CEA`, `CEA21`).
        code: String,
        /// What its units are.
        kind: SubjectKind,
    },
    /// Units were issued to an account.
    Issued {
        /// Receiving account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Cash was paid in.
    Deposited {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Cash was paid out.
    Withdrawn {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Available units were frozen.
    UnitsFrozen {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Frozen units were made available again.
    UnitsReleased {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Available cash was frozen.
    CashFrozen {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// Frozen cash was made available again.
    CashReleased {
        /// Account.
        account: AccountId,
        /// Amount.
        amount: Money,
    },
    /// A trade was settled delivery-versus-payment out of frozen units and frozen cash.
    Settled {
        /// Buyer.
        buyer: AccountId,
        /// Seller.
        seller: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
        /// Price per unit.
        price: Price,
        /// Fee paid by the buyer on top of the value.
        buyer_fee: Money,
        /// Fee deducted from the seller's proceeds.
        seller_fee: Money,
        /// Account receiving the fees.
        fee_account: AccountId,
        /// Whether the units went to the buyer's pending bucket.
        units_pending: bool,
        /// Whether the proceeds went to the seller's pending bucket.
        cash_pending: bool,
    },
    /// Available units moved between accounts outside trading (e.g. a green-power deal).
    Transferred {
        /// From.
        from: AccountId,
        /// To.
        to: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Pending units and cash became available (start of a trading day).
    DayRolled,
    /// Units were surrendered for compliance.
    Surrendered {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Units were cancelled (offset use, voluntary claim, deduction).
    Cancelled {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
    /// Units expired.
    Expired {
        /// Account.
        account: AccountId,
        /// Subject.
        subject: SubjectId,
        /// Quantity.
        quantity: Quantity,
    },
}
