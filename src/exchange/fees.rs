//! Trading fees. No fee for national CEA trading in 2021–2023 was found in any public source, so
//! the default schedule charges nothing; a schedule is a rate in basis points of trade value per
//! side with an optional minimum, rounded half-up to the fen (pilot exchanges charged, e.g., a
//! share of trade value split between buyer and seller).

use serde::{Deserialize, Serialize};

use crate::units::Money;

/// One side's fee for one trading method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FeeRate {
    /// Basis points (1/10 000) of the trade value.
    pub bp: u32,
    /// The least fee charged on a trade (zero for none).
    pub minimum: Money,
}

impl FeeRate {
    /// No fee.
    pub const ZERO: FeeRate = FeeRate {
        bp: 0,
        minimum: Money::ZERO,
    };

    /// The fee on a trade of `value`: `max(minimum, value × bp / 10 000)`, rounded half-up to
    /// the fen. Zero when both the rate and the minimum are zero.
    ///
    /// A fee too large for `i128` fen saturates; the exchange never charges one, as it refuses
    /// a buy whose reserve ([`FeeRate::checked_fee`]) does not fit, and caps a seller's fee at
    /// the sale's value.
    #[must_use]
    pub fn fee(&self, value: Money) -> Money {
        self.checked_fee(value)
            .unwrap_or(Money::from_fen(i128::MAX).max(self.minimum))
    }

    /// [`FeeRate::fee`], or `None` if it does not fit in `i128` fen.
    #[must_use]
    pub fn checked_fee(&self, value: Money) -> Option<Money> {
        if self.bp == 0 && self.minimum == Money::ZERO {
            return Some(Money::ZERO);
        }
        let scaled = value.fen().checked_mul(i128::from(self.bp))?;
        let proportional = Money::from_fen(scaled.checked_add(5_000)?.div_euclid(10_000));
        Some(proportional.max(self.minimum))
    }
}

/// Buyer's and seller's fee for one trading method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SideFees {
    /// Charged to the buyer on top of the trade value.
    pub buyer: FeeRate,
    /// Deducted from the seller's proceeds.
    pub seller: FeeRate,
}

/// Fees per trading method; all zero by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// Listed agreement trading.
    pub listed: SideFees,
    /// Block agreement trading.
    pub block: SideFees,
    /// Single-direction bidding.
    pub auction: SideFees,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_fee_rounds_half_up_with_a_minimum() {
        let rate = FeeRate {
            bp: 50,
            minimum: Money::from_fen(100),
        };
        // 0.5 % of 1,000.10 CNY = 5.0005 CNY → 5.00; of 1,001.00 = 5.005 → 5.01.
        assert_eq!(rate.fee(Money::from_fen(100_010)), Money::from_fen(500));
        assert_eq!(rate.fee(Money::from_fen(100_100)), Money::from_fen(501));
        assert_eq!(
            rate.fee(Money::from_fen(1_000)),
            Money::from_fen(100),
            "the minimum applies"
        );
        assert_eq!(FeeRate::ZERO.fee(Money::from_fen(123_456)), Money::ZERO);
        assert_eq!(FeeSchedule::default().block.seller, FeeRate::ZERO);
    }

    #[test]
    fn a_fee_too_large_for_i128_is_none_when_checked() {
        let rate = FeeRate {
            bp: u32::MAX,
            minimum: Money::ZERO,
        };
        let value = Money::from_fen(i128::MAX / 2);
        assert_eq!(rate.checked_fee(value), None);
        assert_eq!(rate.fee(value), Money::from_fen(i128::MAX));
    }
}
