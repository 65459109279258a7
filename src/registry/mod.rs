//! The registry: accounts, subjects, holdings and cash, with an append-only journal.
//!
//! Every unit is in exactly one place: available, frozen (reserved for an open sell order or
//! quote), pending (bought today, usable tomorrow), surrendered, cancelled or expired. Cash is
//! available, frozen (reserved for open buy orders) or pending (proceeds usable tomorrow).
//! Operations are atomic: each checks everything first and then applies one journal event, so
//! a refused operation changes nothing and replaying the journal rebuilds an identical state.
//! The registry knows nothing of trading; the exchange drives it.

mod journal;
mod ledger;
mod types;

pub use journal::RegistryEvent;
pub use ledger::{Registry, RegistryError};
pub use types::{
    AccountId, AccountKind, AdmissionRules, Availability, CashBalance, Holding, SubjectId,
    SubjectKind, SubjectTotals,
};
