//! The exchange: composes the order book, the registry and the market rules into the national
//! market as it traded from 2021-07-16.
//!
//! An order is checked against the calendar, the method's session, the trader's admission, the
//! size rule and the band; its cash or units are frozen in the registry; the book matches it;
//! every fill settles delivery-versus-payment into the registry (bought units become usable the
//! next trading day by default); and the trade is folded into the day's bar. Cancellation and
//! expiry release exactly what is still frozen. Block trades are negotiated on a quote board and
//! single-direction auctions clear sealed bids; neither moves the close. The exchange never
//! creates or destroys units or cash: the tests check the registry's conservation after every
//! settlement.

pub mod auction;
pub mod bars;
pub mod block;
mod events;
pub mod fees;
mod listed;
mod negotiated;
mod venue;

pub use events::{ExchangeEvent, ExchangeReject, Trade};
pub use listed::OrderRequest;
pub use venue::{Exchange, ExchangeConfig, ExchangeError};
