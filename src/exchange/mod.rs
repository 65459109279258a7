//! The exchange: composes the order book, the registry and the market rules.

pub mod auction;
pub mod bars;
pub mod block;
pub mod fees;
