//! The registry: who holds which units and how much cash, and every way units come into being,
//! move and leave — one conserved, journaled ledger for CEA allowances, CCER credits and green
//! electricity certificates.
//!
//! | file | concept |
//! |---|---|
//! | `ids` | dense [`AccountId`], [`SubjectId`], [`ProjectId`], [`GeneratorId`] |
//! | `subject` | [`Subject`]: CEA by vintage, CCER by project and vintage, GEC by generator and month |
//! | `account` | [`AccountKind`], [`AdmissionRules`] |
//! | `serial` | [`SerialRange`], [`SerialQueue`]: certificates as ranges, FIFO by serial |
//! | `journal` | [`Event`], [`Journal`], [`Settlement`], [`CancelReason`] |
//! | `ledger` | [`Registry`]: state and look-ups; `cash`, `holdings` (freezes, issuance, settlement), `retirement` and `conservation` ([`ConservationError`]) beneath it |
//! | `project` | [`Methodology`], [`ProjectStep`]: the CCER vocabulary the journal records |
//! | `ccer` | the CCER project lifecycle |
//! | `gec` | GEC issuance, claims, expiry and green-power deals |
//! | `exclusivity` | the GEC–CCER exclusivity: one plant's MWh earns one or the other |
//! | `error` | [`RegistryError`] |
//!
//! This layer sits below the exchange: it knows nothing of order books or scenarios.
//!
//! ```
//! use carbonsim::registry::{AccountKind, CeaVintage, Registry, Settlement, Subject};
//! use carbonsim::units::{Money, Price, Quantity};
//!
//! let mut reg = Registry::default();
//! let seller = reg.open_account(AccountKind::CoveredEntity, "seller");
//! let buyer = reg.open_account(AccountKind::CoveredEntity, "buyer");
//! let fees = reg.open_account(AccountKind::Operator, "exchange");
//! let cea = reg.register_subject(Subject::Cea { vintage: CeaVintage::Year(2021) });
//! reg.issue(seller, cea, Quantity::new(1_000))?;
//! reg.deposit_cash(buyer, Money::from_cny(60_000))?;
//! reg.freeze_units(seller, cea, Quantity::new(1_000))?;
//! reg.freeze_cash(buyer, Money::from_cny(60_000))?;
//! reg.settle(&Settlement {
//!     subject: cea, seller, buyer, quantity: Quantity::new(1_000),
//!     price: "54.22".parse()?, buyer_fee: Money::ZERO, seller_fee: Money::ZERO, fee_account: fees,
//! })?;
//! // Bought allowances are sellable from the next trading day.
//! assert_eq!(reg.holding(buyer, cea)?.pending, Quantity::new(1_000));
//! reg.roll_day();
//! assert_eq!(reg.holding(buyer, cea)?.available, Quantity::new(1_000));
//! assert!(reg.subject_balance(cea)?.is_conserved());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod account;
mod ccer;
mod error;
mod exclusivity;
mod gec;
mod ids;
mod journal;
mod ledger;
mod project;
mod serial;
mod subject;

pub use account::{Account, AccountKind, AdmissionRules};
pub use ccer::{CcerBook, PeriodState, Project, ProjectState};
pub use error::RegistryError;
pub use gec::{GecBook, Generator, KWH_PER_CERTIFICATE};
pub use ids::{AccountId, GeneratorId, ProjectId, SubjectId};
pub use journal::{CancelReason, Event, Journal, Settlement};
pub use ledger::{
    Availability, CashTotals, CashView, ConservationError, Footprint, HoldingView, Registry,
    RegistryConfig, SubjectBalance,
};
pub use project::{Methodology, ProjectStep};
pub use serial::{SerialQueue, SerialRange};
pub use subject::{CcerRules, CeaVintage, Market, Subject, Technology, YearMonth};
