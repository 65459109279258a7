//! Block agreement trading (大宗协议交易, method code 20): negotiated trades of at least
//! 100,000 t, afternoon session only, within ±30 % of the previous close.
//!
//! A participant posts a quote (buy or sell, price, quantity) either to a named counterparty or to
//! all; another participant accepts it, in full or in part, and the trade prints at the quote's
//! price. Quotes left unaccepted expire at the end of the day. The SEEE announcement of 2021-06-22
//! names the method; the quote/accept mechanics modelled here are an assumption (the reference
//! describes posting, dialogue and direct confirmation without detail).
//!
//! This board is pure bookkeeping: the exchange checks the session, band and account, freezes and
//! settles around it. It is generic over the account type so it can be tested on its own.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::{Price, Quantity};

/// Which way a quote trades, from the poster's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteSide {
    /// The poster buys.
    Buy,
    /// The poster sells.
    Sell,
}

/// Identifies a quote within one trading day (dense, in posting order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QuoteId(pub u32);

/// A posted block quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockQuote<A> {
    /// Who posted it.
    pub poster: A,
    /// Buy or sell, for the poster.
    pub side: QuoteSide,
    /// Price per unit.
    pub price: Price,
    /// Quantity still open.
    pub open: Quantity,
    /// Only this account may accept; `None` means anyone may.
    pub counterparty: Option<A>,
}

/// The state of a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Open for acceptance.
    Open,
    /// Fully accepted.
    Done,
    /// Withdrawn by the poster.
    Withdrawn,
    /// Left unaccepted at the end of the day.
    Expired,
}

/// One accepted block trade, for the exchange to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockMatch<A> {
    /// The quote accepted.
    pub quote: QuoteId,
    /// The buying account.
    pub buyer: A,
    /// The selling account.
    pub seller: A,
    /// The quote's price.
    pub price: Price,
    /// Quantity traded.
    pub quantity: Quantity,
    /// Quantity the quote still has open after this trade.
    pub quote_remaining: Quantity,
}

/// Why a block operation was refused; the board is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockError {
    /// No quote with this id today.
    #[error("unknown block quote {quote:?}")]
    UnknownQuote {
        /// The id given.
        quote: QuoteId,
    },
    /// The quote is no longer open.
    #[error("block quote {quote:?} is {status:?}, not open")]
    NotOpen {
        /// The quote.
        quote: QuoteId,
        /// Its status.
        status: QuoteStatus,
    },
    /// A participant tried to accept its own quote.
    #[error("block quote {quote:?} cannot be accepted by its own poster")]
    OwnQuote {
        /// The quote.
        quote: QuoteId,
    },
    /// The quote is addressed to someone else.
    #[error("block quote {quote:?} is addressed to another counterparty")]
    NotAddressee {
        /// The quote.
        quote: QuoteId,
    },
    /// Only the poster may withdraw a quote.
    #[error("block quote {quote:?} can only be withdrawn by its poster")]
    NotPoster {
        /// The quote.
        quote: QuoteId,
    },
    /// The accepted quantity breaks the size rule: at least the minimum, at most what is open, and
    /// leaving either nothing or at least the minimum open.
    #[error(
        "cannot accept {quantity} of block quote {quote:?} with {open} open (minimum trade {minimum})"
    )]
    BadQuantity {
        /// The quote.
        quote: QuoteId,
        /// The quantity asked.
        quantity: Quantity,
        /// The quantity open.
        open: Quantity,
        /// The minimum block trade.
        minimum: Quantity,
    },
}

/// One trading day's block quotes for one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockBoard<A> {
    quotes: Vec<(BlockQuote<A>, QuoteStatus)>,
    minimum: Quantity,
}

impl<A: Copy + Eq> BlockBoard<A> {
    /// An empty board whose trades must each be at least `minimum` (100,000 t for CEA).
    #[must_use]
    pub fn new(minimum: Quantity) -> Self {
        BlockBoard {
            quotes: Vec::new(),
            minimum,
        }
    }

    /// The minimum block trade.
    #[must_use]
    pub fn minimum(&self) -> Quantity {
        self.minimum
    }

    /// Posts a quote. The caller has already checked the session, band, quantity (at least the
    /// minimum) and the poster's account, and frozen what the quote could consume.
    pub fn post(&mut self, quote: BlockQuote<A>) -> QuoteId {
        let id = QuoteId(self.quotes.len() as u32);
        self.quotes.push((quote, QuoteStatus::Open));
        id
    }

    /// The quote and its status.
    #[must_use]
    pub fn get(&self, id: QuoteId) -> Option<(&BlockQuote<A>, QuoteStatus)> {
        self.quotes.get(id.0 as usize).map(|(q, s)| (q, *s))
    }

    /// Open quotes visible to `viewer` (addressed to all or to `viewer`), in posting order.
    pub fn visible_to(&self, viewer: A) -> impl Iterator<Item = (QuoteId, &BlockQuote<A>)> {
        self.quotes
            .iter()
            .enumerate()
            .filter(move |(_, (q, s))| {
                *s == QuoteStatus::Open && q.counterparty.is_none_or(|c| c == viewer)
            })
            .map(|(i, (q, _))| (QuoteId(i as u32), q))
    }

    fn open_quote(&self, id: QuoteId) -> Result<&BlockQuote<A>, BlockError> {
        let (quote, status) = self.get(id).ok_or(BlockError::UnknownQuote { quote: id })?;
        if status != QuoteStatus::Open {
            return Err(BlockError::NotOpen { quote: id, status });
        }
        Ok(quote)
    }

    /// Checks that `acceptor` may take `quantity` of quote `id`, without changing anything.
    ///
    /// # Errors
    /// [`BlockError`] naming the quote and the broken rule.
    pub fn check_accept(
        &self,
        id: QuoteId,
        acceptor: A,
        quantity: Quantity,
    ) -> Result<&BlockQuote<A>, BlockError> {
        let quote = self.open_quote(id)?;
        if quote.poster == acceptor {
            return Err(BlockError::OwnQuote { quote: id });
        }
        if quote.counterparty.is_some_and(|c| c != acceptor) {
            return Err(BlockError::NotAddressee { quote: id });
        }
        let left = quote.open.checked_sub(quantity);
        let size_ok =
            quantity >= self.minimum && left.is_some_and(|l| l.is_zero() || l >= self.minimum);
        if !size_ok {
            return Err(BlockError::BadQuantity {
                quote: id,
                quantity,
                open: quote.open,
                minimum: self.minimum,
            });
        }
        Ok(quote)
    }

    /// Accepts `quantity` of quote `id` on behalf of `acceptor`.
    ///
    /// # Errors
    /// As [`BlockBoard::check_accept`]; the board is unchanged on error.
    pub fn accept(
        &mut self,
        id: QuoteId,
        acceptor: A,
        quantity: Quantity,
    ) -> Result<BlockMatch<A>, BlockError> {
        let quote = *self.check_accept(id, acceptor, quantity)?;
        let (buyer, seller) = match quote.side {
            QuoteSide::Buy => (quote.poster, acceptor),
            QuoteSide::Sell => (acceptor, quote.poster),
        };
        let remaining = quote.open.saturating_sub(quantity);
        let entry = &mut self.quotes[id.0 as usize];
        entry.0.open = remaining;
        if remaining.is_zero() {
            entry.1 = QuoteStatus::Done;
        }
        Ok(BlockMatch {
            quote: id,
            buyer,
            seller,
            price: quote.price,
            quantity,
            quote_remaining: remaining,
        })
    }

    /// Withdraws the poster's open quote; returns the quantity that was open.
    ///
    /// # Errors
    /// [`BlockError`] when the quote is unknown, not open, or `by` is not its poster.
    pub fn withdraw(&mut self, id: QuoteId, by: A) -> Result<Quantity, BlockError> {
        let quote = *self.open_quote(id)?;
        if quote.poster != by {
            return Err(BlockError::NotPoster { quote: id });
        }
        self.quotes[id.0 as usize].1 = QuoteStatus::Withdrawn;
        Ok(quote.open)
    }

    /// Expires every open quote at the end of the day and empties the board; returns the expired
    /// quotes so the exchange can release what they froze.
    pub fn end_of_day(&mut self) -> Vec<(QuoteId, BlockQuote<A>)> {
        let expired = self
            .quotes
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| *s == QuoteStatus::Open)
            .map(|(i, (q, _))| (QuoteId(i as u32), *q))
            .collect();
        self.quotes.clear();
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Quantity = Quantity::new(100_000);

    fn sell(poster: u32, to: Option<u32>, qty: u64) -> BlockQuote<u32> {
        BlockQuote {
            poster,
            side: QuoteSide::Sell,
            price: Price::from_fen(4_316),
            open: Quantity::new(qty),
            counterparty: to,
        }
    }

    #[test]
    fn addressed_quote_trades_only_with_its_counterparty() {
        let mut board = BlockBoard::new(MIN);
        let id = board.post(sell(1, Some(2), 300_000));
        assert_eq!(board.visible_to(3).count(), 0);
        assert_eq!(board.visible_to(2).count(), 1);
        let before = board.clone();
        assert_eq!(
            board.accept(id, 3, MIN),
            Err(BlockError::NotAddressee { quote: id })
        );
        assert_eq!(
            board.accept(id, 1, MIN),
            Err(BlockError::OwnQuote { quote: id })
        );
        assert_eq!(board, before, "refusals change nothing");
        let m = board.accept(id, 2, Quantity::new(200_000)).unwrap();
        assert_eq!(
            (m.buyer, m.seller, m.quantity, m.quote_remaining),
            (2, 1, Quantity::new(200_000), MIN)
        );
        let m = board.accept(id, 2, MIN).unwrap();
        assert!(m.quote_remaining.is_zero());
        assert_eq!(board.get(id).unwrap().1, QuoteStatus::Done);
    }

    #[test]
    fn partial_accepts_must_leave_nothing_or_a_full_block() {
        let mut board = BlockBoard::new(MIN);
        let id = board.post(sell(1, None, 150_000));
        for bad in [99_999, 100_001, 150_001] {
            assert!(matches!(
                board.accept(id, 2, Quantity::new(bad)),
                Err(BlockError::BadQuantity { .. })
            ));
        }
        assert!(board.accept(id, 2, Quantity::new(150_000)).is_ok());
        assert!(matches!(
            board.accept(id, 2, MIN),
            Err(BlockError::NotOpen { .. })
        ));
    }

    #[test]
    fn withdraw_and_expiry_return_what_was_open() {
        let mut board = BlockBoard::new(MIN);
        let a = board.post(sell(1, None, 100_000));
        let b = board.post(BlockQuote {
            side: QuoteSide::Buy,
            ..sell(2, None, 250_000)
        });
        assert_eq!(
            board.withdraw(a, 2),
            Err(BlockError::NotPoster { quote: a })
        );
        assert_eq!(board.withdraw(a, 1), Ok(MIN));
        let expired = board.end_of_day();
        assert_eq!(expired.len(), 1);
        assert_eq!(
            (expired[0].0, expired[0].1.open),
            (b, Quantity::new(250_000))
        );
        assert!(matches!(
            board.accept(b, 3, MIN),
            Err(BlockError::UnknownQuote { .. })
        ));
    }
}
