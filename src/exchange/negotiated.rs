//! Block agreement and single-direction bidding through the exchange: the same pre-trade
//! checks as listed orders, freezes for quotes and auctions, settlement at the quote's or the
//! auction's price, and release of what expires.

use super::auction::{self, AuctionResult, AuctionSpec, SealedBid};
use super::block::{BlockQuote, QuoteId, QuoteSide};
use super::events::{ExchangeEvent, ExchangeReject};
use super::venue::{Exchange, ExchangeError};
use crate::book::Side;
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, SubjectId};
use crate::units::{Money, Price, Quantity};

impl Exchange {
    /// Posts a block quote (to `counterparty`, or to all). A sell quote freezes its units, a buy
    /// quote its value plus fees. Returns the quote id if posted.
    ///
    /// # Errors
    /// Only on an internal inconsistency (a bug); refusals are events.
    #[allow(clippy::too_many_arguments)]
    pub fn post_block_quote(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        side: Side,
        price: Price,
        quantity: Quantity,
        counterparty: Option<AccountId>,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<Option<QuoteId>, ExchangeError> {
        let Some(i) = self.admit(
            account,
            subject,
            TradingMethod::BlockAgreement,
            quantity,
            events,
        ) else {
            return Ok(None);
        };
        let band = self.listings[i].block_band;
        if !band.contains(price) {
            Self::reject(
                events,
                account,
                subject,
                ExchangeReject::OutsideBand { price, band },
            );
            return Ok(None);
        }
        let reserve = match side {
            Side::Sell => Ok((quantity, Money::ZERO)),
            Side::Buy => Self::buy_reserve(self.config.fees.block.buyer, price, quantity)
                .map(|cash| (Quantity::ZERO, cash)),
        };
        let frozen = reserve.and_then(|(units, cash)| {
            self.freeze_for(account, subject, side, units, cash)
                .map(|()| (units, cash))
        });
        let (units, cash) = match frozen {
            Ok(frozen) => frozen,
            Err(reason) => {
                Self::reject(events, account, subject, reason);
                return Ok(None);
            }
        };
        let l = &mut self.listings[i];
        let quote = l.block.post(BlockQuote {
            poster: account,
            side: match side {
                Side::Buy => QuoteSide::Buy,
                Side::Sell => QuoteSide::Sell,
            },
            price,
            open: quantity,
            counterparty,
        });
        l.quote_frozen.push((units, cash));
        events.push(ExchangeEvent::QuotePosted { subject, quote });
        Ok(Some(quote))
    }

    /// Accepts `quantity` of a block quote; the acceptor's side is the opposite of the quote's.
    /// The trade settles at once at the quote's price.
    ///
    /// # Errors
    /// What an acceptor of `side` must have frozen to take `quantity` at `price`: the units for
    /// a seller; the value and the buyer's block fee for a buyer, refused if it overflows.
    fn acceptor_reserve(
        &self,
        side: Side,
        price: Price,
        quantity: Quantity,
    ) -> Result<(Quantity, Money), ExchangeReject> {
        let rate = self.config.fees.block.buyer;
        match side {
            Side::Sell => Ok((quantity, Money::ZERO)),
            Side::Buy => {
                let value = price * quantity;
                rate.checked_fee(value)
                    .and_then(|fee| value.checked_add(fee))
                    .map(|cash| (Quantity::ZERO, cash))
                    .ok_or(ExchangeReject::ReserveOverflow {
                        price,
                        quantity,
                        rate,
                    })
            }
        }
    }

    /// Only on an internal inconsistency (a bug); refusals are events.
    pub fn accept_block_quote(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quote: QuoteId,
        quantity: Quantity,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), ExchangeError> {
        let Some(i) = self.admit(
            account,
            subject,
            TradingMethod::BlockAgreement,
            quantity,
            events,
        ) else {
            return Ok(());
        };
        let q = match self.listings[i]
            .block
            .check_accept(quote, account, quantity)
        {
            Ok(q) => *q,
            Err(e) => {
                Self::reject(events, account, subject, ExchangeReject::Block(e));
                return Ok(());
            }
        };
        let acceptor_side = match q.side {
            QuoteSide::Buy => Side::Sell,
            QuoteSide::Sell => Side::Buy,
        };
        let reserve = self.acceptor_reserve(acceptor_side, q.price, quantity);
        let frozen = reserve.and_then(|(units, cash)| {
            self.freeze_for(account, subject, acceptor_side, units, cash)
                .map(|()| (units, cash))
        });
        let (units, cash) = match frozen {
            Ok(frozen) => frozen,
            Err(reason) => {
                Self::reject(events, account, subject, reason);
                return Ok(());
            }
        };
        let m = match self.listings[i].block.accept(quote, account, quantity) {
            Ok(m) => m,
            Err(e) => {
                self.release(account, subject, units, cash)?;
                Self::reject(events, account, subject, ExchangeReject::Block(e));
                return Ok(());
            }
        };
        let cost = self.settle_trade(
            i,
            TradingMethod::BlockAgreement,
            m.buyer,
            m.seller,
            m.price,
            m.quantity,
            events,
        )?;
        let frozen = &mut self.listings[i].quote_frozen[quote.0 as usize];
        match q.side {
            QuoteSide::Sell => frozen.0 -= m.quantity,
            QuoteSide::Buy => frozen.1 -= cost,
        }
        if m.quote_remaining.is_zero() {
            self.release_quote(i, quote.0 as usize, q.poster)?;
        }
        Ok(())
    }

    /// Withdraws the account's open block quote and releases what it froze.
    ///
    /// # Errors
    /// Only on an internal inconsistency (a bug); refusals are events.
    pub fn withdraw_block_quote(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quote: QuoteId,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), ExchangeError> {
        let Some(i) = self.by_subject.get(subject) else {
            events.push(ExchangeEvent::Rejected {
                account,
                subject,
                reason: ExchangeReject::NotListed { subject },
            });
            return Ok(());
        };
        match self.listings[i].block.withdraw(quote, account) {
            Ok(open) => {
                self.release_quote(i, quote.0 as usize, account)?;
                events.push(ExchangeEvent::QuoteClosed {
                    subject,
                    quote,
                    open,
                });
            }
            Err(e) => events.push(ExchangeEvent::Rejected {
                account,
                subject,
                reason: ExchangeReject::Block(e),
            }),
        }
        Ok(())
    }

    /// Releases everything a quote still holds frozen.
    pub(super) fn release_quote(
        &mut self,
        listing: usize,
        index: usize,
        poster: AccountId,
    ) -> Result<(), ExchangeError> {
        let subject = self.listings[listing].subject;
        let Some(frozen) = self.listings[listing].quote_frozen.get_mut(index) else {
            return Ok(());
        };
        let (units, cash) = std::mem::take(frozen);
        self.release(poster, subject, units, cash)
    }

    /// Runs a single-direction auction for `seller`'s quantity: bids from accounts that are not
    /// admitted, are outside the band or cannot pay are rejected (events), the rest are cleared
    /// by price then time, and the awards settle at once.
    ///
    /// # Errors
    /// [`ExchangeError`] on an internal inconsistency; a malformed auction is a rejection event.
    pub fn run_auction(
        &mut self,
        seller: AccountId,
        subject: SubjectId,
        spec: AuctionSpec,
        bids: &[SealedBid<AccountId>],
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<Option<AuctionResult<AccountId>>, ExchangeError> {
        let method = TradingMethod::SingleDirectionBidding;
        let Some(i) = self.admit(seller, subject, method, spec.quantity, events) else {
            return Ok(None);
        };
        if let Err(reason) =
            self.freeze_for(seller, subject, Side::Sell, spec.quantity, Money::ZERO)
        {
            events.push(ExchangeEvent::Rejected {
                account: seller,
                subject,
                reason,
            });
            return Ok(None);
        }
        let band = self.config.rules.auction.band(self.listings[i].prev_close);
        let mut valid = Vec::with_capacity(bids.len());
        let mut frozen = Vec::with_capacity(bids.len());
        for b in bids {
            let reason = if !self.registry.may_trade(b.bidder, subject).unwrap_or(false)
                || b.bidder == seller
            {
                Some(ExchangeReject::NotAdmitted { account: b.bidder })
            } else if !band.contains(b.price) {
                Some(ExchangeReject::OutsideBand {
                    price: b.price,
                    band,
                })
            } else {
                Self::buy_reserve(self.config.fees.auction.buyer, b.price, b.quantity)
                    .and_then(|cash| {
                        self.freeze_for(b.bidder, subject, Side::Buy, Quantity::ZERO, cash)?;
                        valid.push(*b);
                        frozen.push(cash);
                        Ok(())
                    })
                    .err()
            };
            if let Some(reason) = reason {
                events.push(ExchangeEvent::Rejected {
                    account: b.bidder,
                    subject,
                    reason,
                });
            }
        }
        let spec = AuctionSpec {
            pricing: self.config.auction_pricing,
            ..spec
        };
        let result = match auction::clear(&spec, &valid) {
            Ok(r) => r,
            Err(e) => {
                for (b, cash) in valid.iter().zip(&frozen) {
                    self.release(b.bidder, subject, Quantity::ZERO, *cash)?;
                }
                self.release(seller, subject, spec.quantity, Money::ZERO)?;
                events.push(ExchangeEvent::Rejected {
                    account: seller,
                    subject,
                    reason: ExchangeReject::Auction(e),
                });
                return Ok(None);
            }
        };
        for a in &result.awards {
            let cost =
                self.settle_trade(i, method, a.bidder, seller, a.price, a.quantity, events)?;
            frozen[a.bid_index] -= cost;
        }
        for (b, cash) in valid.iter().zip(frozen) {
            self.release(b.bidder, subject, Quantity::ZERO, cash)?;
        }
        self.release(seller, subject, result.unsold, Money::ZERO)?;
        Ok(Some(result))
    }
}
