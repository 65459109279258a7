//! What the exchange reports: rejections with their reasons and values, the book's events, and
//! settled trades for the tape.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::auction::AuctionError;
use super::block::{BlockError, QuoteId};
use super::fees::FeeRate;
use crate::book::{Band, BookEvent, RejectReason};
use crate::calendar::TimeOfDay;
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, RegistryError, SubjectId};
use crate::units::{Money, Price, Quantity};

/// Why the exchange refused an order, quote, pick or bid. Nothing was frozen or settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeReject {
    /// No trading day is open.
    NoDayOpen,
    /// The subject is not listed, or not listed on this day.
    NotListed {
        /// The subject.
        subject: SubjectId,
    },
    /// The method's session is closed at this time.
    OutsideSession {
        /// The method.
        method: TradingMethod,
        /// The exchange clock.
        time: TimeOfDay,
    },
    /// The account may not trade this subject.
    NotAdmitted {
        /// The account.
        account: AccountId,
    },
    /// The quantity breaks the method's size rule.
    SizeRule {
        /// The method.
        method: TradingMethod,
        /// The quantity.
        quantity: Quantity,
    },
    /// The price lies outside the method's band.
    OutsideBand {
        /// The price.
        price: Price,
        /// The band.
        band: Band,
    },
    /// Not enough available cash for the order and its fees.
    InsufficientCash {
        /// Needed.
        needed: Money,
        /// Available.
        available: Money,
    },
    /// Not enough available units.
    InsufficientUnits {
        /// Needed.
        needed: Quantity,
        /// Available.
        available: Quantity,
    },
    /// The cash a buy must freeze (value, fee and margin) does not fit in `i128` fen: a fee
    /// schedule with an absurd rate or minimum.
    ReserveOverflow {
        /// The buy's limit.
        price: Price,
        /// Its quantity.
        quantity: Quantity,
        /// The buyer's fee rate.
        rate: FeeRate,
    },
    /// The account does not own the order or quote.
    NotOwner {
        /// The account.
        account: AccountId,
    },
    /// The subject trades only on the listed method (CCER of the 2023 Measures at CBEEX), not
    /// on this one.
    MethodNotOffered {
        /// The subject.
        subject: SubjectId,
        /// The method asked for.
        method: TradingMethod,
    },
    /// The book refused the order.
    Book(RejectReason),
    /// The block board refused the operation.
    Block(BlockError),
    /// The auction could not clear (a malformed announcement or bid).
    Auction(AuctionError),
    /// The registry refused the freeze for another reason (e.g. certificates that may change
    /// hands only once, or non-tradable certificates), with the values. Serialized for event
    /// logs; a log holding it cannot be read back into this type.
    #[serde(skip_deserializing)]
    Registry(RegistryError),
}

/// One settled trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Exchange-wide trade number, from 1.
    pub seq: u64,
    /// Trading day.
    pub date: NaiveDate,
    /// Exchange clock at the trade.
    pub time: TimeOfDay,
    /// Subject.
    pub subject: SubjectId,
    /// Method.
    pub method: TradingMethod,
    /// Price.
    pub price: Price,
    /// Quantity.
    pub quantity: Quantity,
    /// Buyer.
    pub buyer: AccountId,
    /// Seller.
    pub seller: AccountId,
    /// Fee paid by the buyer.
    pub buyer_fee: Money,
    /// Fee paid by the seller.
    pub seller_fee: Money,
}

/// An event in the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExchangeEvent {
    /// A request was refused.
    Rejected {
        /// Who asked.
        account: AccountId,
        /// For which subject.
        subject: SubjectId,
        /// Why, with the values.
        reason: ExchangeReject,
    },
    /// An order-book event of a listed subject.
    Book {
        /// The subject.
        subject: SubjectId,
        /// The book's event.
        event: BookEvent,
    },
    /// A trade settled delivery-versus-payment.
    Trade(Trade),
    /// A block quote was posted.
    QuotePosted {
        /// The subject.
        subject: SubjectId,
        /// The quote.
        quote: QuoteId,
    },
    /// A block quote expired or was withdrawn; what it froze was released.
    QuoteClosed {
        /// The subject.
        subject: SubjectId,
        /// The quote.
        quote: QuoteId,
        /// Quantity that was open.
        open: Quantity,
    },
}
