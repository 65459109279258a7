//! Single-direction bidding (单向竞价, method code 21): the exchange announces one seller's
//! quantity and reserve price, buyers submit sealed bids, and the exchange allocates the quantity
//! by price priority, then time priority (earlier bid first at the same price).
//!
//! The SEEE announcement of 2021-06-22 defines the method but no national auction was held in
//! 2021–2023 (zero volume on every day of the published series), so the pricing rule is a
//! configurable choice: [`AuctionPricing::Uniform`] (every winner pays the lowest accepted bid
//! price) or [`AuctionPricing::PayAsBid`] (every winner pays its own bid).
//!
//! This module is pure: it clears a list of bids and returns awards. The exchange freezes and
//! settles the cash and units around it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::{Price, Quantity};

/// How winners pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuctionPricing {
    /// Every winner pays the clearing price: the lowest bid price that receives any quantity.
    #[default]
    Uniform,
    /// Every winner pays its own bid price.
    PayAsBid,
}

/// What the exchange announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionSpec {
    /// The quantity the seller offers.
    pub quantity: Quantity,
    /// The lowest acceptable price; bids below it receive nothing.
    pub reserve: Price,
    /// How winners pay.
    pub pricing: AuctionPricing,
}

/// One sealed bid; its position in the slice passed to [`clear`] is its time priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBid<B> {
    /// Who bids (an account id in the exchange).
    pub bidder: B,
    /// The most the bidder will pay per unit.
    pub price: Price,
    /// How much the bidder wants.
    pub quantity: Quantity,
}

/// Quantity awarded to one bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award<B> {
    /// Index of the bid in the slice passed to [`clear`].
    pub bid_index: usize,
    /// The bidder.
    pub bidder: B,
    /// The price the bidder pays per unit.
    pub price: Price,
    /// The quantity awarded (never zero).
    pub quantity: Quantity,
}

/// The outcome of one auction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionResult<B> {
    /// Awards in allocation order (price, then time priority).
    pub awards: Vec<Award<B>>,
    /// The lowest price that received quantity, if anything sold.
    pub clearing_price: Option<Price>,
    /// Units sold.
    pub sold: Quantity,
    /// Units left with the seller.
    pub unsold: Quantity,
}

/// A malformed auction or bid.
#[derive(Debug, Clone, PartialEq, Eq, Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuctionError {
    /// The announced quantity is zero.
    #[error("auction quantity must be positive, got {quantity}")]
    ZeroQuantity {
        /// The announced quantity.
        quantity: Quantity,
    },
    /// A bid for zero units.
    #[error("bid {bid_index} is for zero units")]
    ZeroBid {
        /// The bid's index.
        bid_index: usize,
    },
}

/// Clears an auction: awards `spec.quantity` to the bids at or above the reserve, highest price
/// first and, at equal prices, earliest first; the last winning bid may be filled in part.
///
/// Runs in O(b log b) for b bids and allocates only the result.
///
/// # Errors
/// [`AuctionError`] for a zero announced quantity or a zero-quantity bid; nothing is awarded.
pub fn clear<B: Copy>(
    spec: &AuctionSpec,
    bids: &[SealedBid<B>],
) -> Result<AuctionResult<B>, AuctionError> {
    if spec.quantity.is_zero() {
        return Err(AuctionError::ZeroQuantity {
            quantity: spec.quantity,
        });
    }
    if let Some(bid_index) = bids.iter().position(|b| b.quantity.is_zero()) {
        return Err(AuctionError::ZeroBid { bid_index });
    }
    let mut order: Vec<usize> = (0..bids.len())
        .filter(|&i| bids[i].price >= spec.reserve)
        .collect();
    // Stable sort keeps arrival order among equal prices: that is the time priority.
    order.sort_by(|&a, &b| bids[b].price.cmp(&bids[a].price));

    let mut remaining = spec.quantity;
    let mut awards = Vec::new();
    for i in order {
        if remaining.is_zero() {
            break;
        }
        let quantity = bids[i].quantity.min(remaining);
        remaining = remaining.saturating_sub(quantity);
        awards.push(Award {
            bid_index: i,
            bidder: bids[i].bidder,
            price: bids[i].price,
            quantity,
        });
    }
    let clearing_price = awards.last().map(|a| a.price);
    if let (AuctionPricing::Uniform, Some(p)) = (spec.pricing, clearing_price) {
        for a in &mut awards {
            a.price = p;
        }
    }
    Ok(AuctionResult {
        sold: spec.quantity.saturating_sub(remaining),
        unsold: remaining,
        awards,
        clearing_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bid(bidder: u32, price: i64, quantity: u64) -> SealedBid<u32> {
        SealedBid {
            bidder,
            price: Price::from_fen(price),
            quantity: Quantity::new(quantity),
        }
    }

    fn spec(quantity: u64, reserve: i64, pricing: AuctionPricing) -> AuctionSpec {
        AuctionSpec {
            quantity: Quantity::new(quantity),
            reserve: Price::from_fen(reserve),
            pricing,
        }
    }

    #[test]
    fn price_then_time_priority_with_partial_marginal_bid() {
        let bids = [
            bid(1, 5_000, 60),
            bid(2, 5_200, 50),
            bid(3, 5_000, 40),
            bid(4, 4_900, 10),
        ];
        let r = clear(&spec(100, 4_950, AuctionPricing::PayAsBid), &bids).unwrap();
        let got: Vec<(u32, i64, u64)> = r
            .awards
            .iter()
            .map(|a| (a.bidder, a.price.fen(), a.quantity.units()))
            .collect();
        // Bidder 2 (highest) first, then bidder 1 (earlier at 50.00) partly; bidder 3 gets nothing;
        // bidder 4 is below the reserve.
        assert_eq!(got, vec![(2, 5_200, 50), (1, 5_000, 50)]);
        assert_eq!(r.clearing_price, Some(Price::from_fen(5_000)));
        assert_eq!((r.sold.units(), r.unsold.units()), (100, 0));
    }

    #[test]
    fn uniform_pricing_charges_the_clearing_price() {
        let bids = [bid(1, 5_300, 30), bid(2, 5_100, 30)];
        let r = clear(&spec(50, 5_000, AuctionPricing::Uniform), &bids).unwrap();
        assert!(r.awards.iter().all(|a| a.price == Price::from_fen(5_100)));
        assert_eq!(
            r.awards.iter().map(|a| a.quantity).sum::<Quantity>(),
            Quantity::new(50)
        );
    }

    #[test]
    fn undersubscribed_auction_leaves_units_unsold() {
        let r = clear(
            &spec(100, 5_000, AuctionPricing::Uniform),
            &[bid(1, 5_000, 30), bid(2, 4_999, 90)],
        )
        .unwrap();
        assert_eq!((r.sold.units(), r.unsold.units()), (30, 70));
        let none = clear(&spec(100, 5_000, AuctionPricing::Uniform), &[bid(1, 1, 30)]).unwrap();
        assert_eq!((none.sold.units(), none.clearing_price), (0, None));
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert_eq!(
            clear::<u32>(&spec(0, 1, AuctionPricing::Uniform), &[]),
            Err(AuctionError::ZeroQuantity {
                quantity: Quantity::ZERO
            })
        );
        assert_eq!(
            clear(
                &spec(10, 1, AuctionPricing::Uniform),
                &[bid(1, 5, 3), bid(2, 5, 0)]
            ),
            Err(AuctionError::ZeroBid { bid_index: 1 })
        );
    }

    mod property_tests {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn awards_conserve_quantity_and_respect_priority(
                quantity in 1u64..500,
                reserve in 1i64..100,
                raw in proptest::collection::vec((1i64..120, 1u64..80), 0..30),
                uniform in any::<bool>(),
            ) {
                let pricing = if uniform { AuctionPricing::Uniform } else { AuctionPricing::PayAsBid };
                let bids: Vec<SealedBid<u32>> = raw.iter().enumerate().map(|(i, &(p, q))| bid(i as u32, p, q)).collect();
                let r = clear(&spec(quantity, reserve, pricing), &bids).unwrap();
                prop_assert_eq!(r.sold + r.unsold, Quantity::new(quantity));
                prop_assert_eq!(r.awards.iter().map(|a| a.quantity).sum::<Quantity>(), r.sold);
                for a in &r.awards {
                    let b = bids[a.bid_index];
                    prop_assert!(a.quantity <= b.quantity && !a.quantity.is_zero());
                    prop_assert!(b.price >= Price::from_fen(reserve));
                    prop_assert!(a.price <= b.price, "nobody pays more than their bid");
                }
                // No losing eligible bid beats a winner on price, or ties it and arrived earlier
                // while the winner was filled: priority is price, then time.
                let winners: Vec<usize> = r.awards.iter().map(|a| a.bid_index).collect();
                for (i, b) in bids.iter().enumerate() {
                    if winners.contains(&i) || b.price < Price::from_fen(reserve) { continue; }
                    for &w in &winners {
                        let wb = bids[w];
                        prop_assert!(b.price < wb.price || (b.price == wb.price && i > w));
                    }
                }
            }
        }
    }
}
