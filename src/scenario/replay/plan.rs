//! The replay's trade plan: for one published day of one subject, a list of listed and block
//! trades that reproduces it exactly.
//!
//! Listed trades: one tonne at the published open (first), one at the high and one at the low
//! (each distinct price once), and the rest at two adjacent prices `p` and `p + 1 fen` chosen so that volume and turnover
//! match to the tonne and the fen; so the VWAP close equals the published close. Every trade is
//! split below the 100,000 t order limit. Block trades: each at least 100,000 t, inside the
//! ±30 % band, at one price when the average is a whole number of fen, otherwise at two prices
//! found by a small integer search; their totals match exactly. A day the rules cannot
//! reproduce is a [`PlanError`] naming it (the tests show none in 2021–2023).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::book::Band;
use crate::units::{Money, Price, Quantity};

/// One planned trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedTrade {
    /// Price.
    pub price: Price,
    /// Quantity.
    pub quantity: Quantity,
}

/// The published figures a plan must reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTarget {
    /// The day.
    pub date: NaiveDate,
    /// Listed open, high, low (none without listed trades).
    pub open_high_low: Option<(Price, Price, Price)>,
    /// Listed volume.
    pub listed_volume: Quantity,
    /// Listed turnover.
    pub listed_turnover: Money,
    /// Block volume.
    pub block_volume: Quantity,
    /// Block turnover.
    pub block_turnover: Money,
    /// Listed band (from the previous close).
    pub listed_band: Band,
    /// Block band (from the previous close).
    pub block_band: Band,
}

/// A day the rules cannot reproduce.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// The listed figures cannot be met with band-respecting trades.
    #[error(
        "{date}: listed volume {volume} and turnover {turnover} cannot be reproduced within open/high/low and the band"
    )]
    Listed {
        /// The day.
        date: NaiveDate,
        /// Volume.
        volume: Quantity,
        /// Turnover.
        turnover: Money,
    },
    /// The block figures cannot be met with trades of at least the minimum inside the band.
    #[error(
        "{date}: block volume {volume} and turnover {turnover} cannot be split into trades of at least {minimum} inside the band"
    )]
    Block {
        /// The day.
        date: NaiveDate,
        /// Volume.
        volume: Quantity,
        /// Turnover.
        turnover: Money,
        /// Minimum block trade.
        minimum: Quantity,
    },
}

/// A day's plan.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DayPlan {
    /// Listed trades in time order.
    pub listed: Vec<PlannedTrade>,
    /// Block trades.
    pub block: Vec<PlannedTrade>,
}

/// Pushes `qty` at `price` as trades strictly below `max_exclusive` each.
fn split(out: &mut Vec<PlannedTrade>, price: Price, qty: u64, max_exclusive: u64) {
    let chunk = max_exclusive - 1;
    let mut left = qty;
    while left > 0 {
        let q = left.min(chunk);
        out.push(PlannedTrade {
            price,
            quantity: Quantity::new(q),
        });
        left -= q;
    }
}

/// Plans the listed trades of a day.
///
/// # Errors
/// [`PlanError::Listed`] when the figures cannot be met.
pub fn plan_listed(t: &DayTarget, max_exclusive: Quantity) -> Result<Vec<PlannedTrade>, PlanError> {
    let fail = || PlanError::Listed {
        date: t.date,
        volume: t.listed_volume,
        turnover: t.listed_turnover,
    };
    let v = t.listed_volume.units();
    if v == 0 {
        return Ok(Vec::new());
    }
    let (open, high, low) = t.open_high_low.ok_or_else(fail)?;
    if !(t.listed_band.contains(open)
        && t.listed_band.contains(high)
        && t.listed_band.contains(low))
    {
        return Err(fail());
    }
    // One tonne at each distinct anchor price, the open first: a day that opened at its high
    // must not get a second tonne at the high.
    let mut anchors = vec![open];
    for p in [high, low] {
        if !anchors.contains(&p) {
            anchors.push(p);
        }
    }
    let rest = i128::from(v) - anchors.len() as i128;
    let rest_turnover =
        t.listed_turnover.fen() - anchors.iter().map(|p| i128::from(p.fen())).sum::<i128>();
    let mut out: Vec<PlannedTrade> = anchors
        .iter()
        .map(|&price| PlannedTrade {
            price,
            quantity: Quantity::new(1),
        })
        .collect();
    if rest < 0 {
        return Err(fail());
    }
    if rest == 0 {
        return if rest_turnover == 0 {
            Ok(out)
        } else {
            Err(fail())
        };
    }
    if rest_turnover < 0 {
        return Err(fail());
    }
    let p = rest_turnover / rest;
    let upper = rest_turnover - rest * p;
    let p_fen = i64::try_from(p).map_err(|_| fail())?;
    let (lo, hi) = (Price::from_fen(p_fen), Price::from_fen(p_fen + 1));
    if lo < low || (upper > 0 && hi > high) {
        return Err(fail());
    }
    let max = max_exclusive.units();
    split(&mut out, lo, (rest - upper) as u64, max);
    split(&mut out, hi, upper as u64, max);
    Ok(out)
}

/// Plans the block trades of a day.
///
/// # Errors
/// [`PlanError::Block`] when the figures cannot be met.
#[allow(clippy::many_single_char_names)] // the names follow the equation x·(i + j) = v·j − frac
pub fn plan_block(t: &DayTarget, minimum: Quantity) -> Result<Vec<PlannedTrade>, PlanError> {
    let fail = || PlanError::Block {
        date: t.date,
        volume: t.block_volume,
        turnover: t.block_turnover,
        minimum,
    };
    let v = i128::from(t.block_volume.units());
    if v == 0 {
        return Ok(Vec::new());
    }
    let min = i128::from(minimum.units());
    let total = t.block_turnover.fen();
    let p = total / v;
    let frac = total - v * p;
    let in_band = |fen: i128| {
        i64::try_from(fen)
            .ok()
            .filter(|&f| f >= 0)
            .map(Price::from_fen)
            .filter(|&x| t.block_band.contains(x))
    };
    if v < min {
        return Err(fail());
    }
    if frac == 0 {
        let price = in_band(p).ok_or_else(fail)?;
        return Ok(vec![PlannedTrade {
            price,
            quantity: t.block_volume,
        }]);
    }
    // Two trades: x at p − i and v − x at p + j, with x·(i + j) = v·j − frac.
    for span in 1..=400i128 {
        for j in 1..=span {
            let i = span - j;
            let num = v * j - frac;
            if num % span != 0 {
                continue;
            }
            let x = num / span;
            if x < min || v - x < min {
                continue;
            }
            if let (Some(a), Some(b)) = (in_band(p - i), in_band(p + j)) {
                return Ok(vec![
                    PlannedTrade {
                        price: a,
                        quantity: Quantity::new(x as u64),
                    },
                    PlannedTrade {
                        price: b,
                        quantity: Quantity::new((v - x) as u64),
                    },
                ]);
            }
        }
    }
    Err(fail())
}

/// Plans a whole day.
///
/// # Errors
/// [`PlanError`] naming the day.
pub fn plan_day(
    t: &DayTarget,
    listed_max_exclusive: Quantity,
    block_minimum: Quantity,
) -> Result<DayPlan, PlanError> {
    Ok(DayPlan {
        listed: plan_listed(t, listed_max_exclusive)?,
        block: plan_block(t, block_minimum)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(v: u64, turnover: i128, bv: u64, bt: i128) -> DayTarget {
        DayTarget {
            date: "2021-07-16".parse().unwrap(),
            open_high_low: Some((
                Price::from_fen(4_800),
                Price::from_fen(5_280),
                Price::from_fen(4_800),
            )),
            listed_volume: Quantity::new(v),
            listed_turnover: Money::from_fen(turnover),
            block_volume: Quantity::new(bv),
            block_turnover: Money::from_fen(bt),
            listed_band: Band {
                lower: Price::from_fen(4_320),
                upper: Price::from_fen(5_280),
            },
            block_band: Band {
                lower: Price::from_fen(3_360),
                upper: Price::from_fen(6_240),
            },
        }
    }

    fn sums(trades: &[PlannedTrade]) -> (u64, i128) {
        trades.iter().fold((0, 0), |(v, t), x| {
            (v + x.quantity.units(), t + (x.price * x.quantity).fen())
        })
    }

    #[test]
    fn first_day_is_reproduced_exactly() {
        // 2021-07-16: 4,103,953 t for 210,230,053.25 CNY.
        let t = target(4_103_953, 21_023_005_325, 0, 0);
        let plan = plan_listed(&t, Quantity::new(100_000)).unwrap();
        assert_eq!(sums(&plan), (4_103_953, 21_023_005_325));
        assert_eq!(
            plan[0].price,
            Price::from_fen(4_800),
            "first trade at the open"
        );
        assert!(plan.iter().all(|x| x.quantity.units() < 100_000));
        assert_eq!(
            Money::from_fen(21_023_005_325).div_round_half_up(Quantity::new(4_103_953)),
            Some(Price::from_fen(5_123))
        );
    }

    #[test]
    fn block_days_split_into_legal_trades() {
        let t = target(10, 48_000, 150_001, 150_001 * 4_500 + 7);
        let plan = plan_block(&t, Quantity::new(100_000));
        assert!(
            plan.is_err(),
            "150,001 t cannot be two trades of at least 100,000 t"
        );
        let t = target(10, 48_000, 350_000, 350_000 * 4_500 + 12_345);
        let plan = plan_block(&t, Quantity::new(100_000)).unwrap();
        assert_eq!(sums(&plan), (350_000, 350_000 * 4_500 + 12_345));
        assert!(plan.iter().all(|x| x.quantity.units() >= 100_000));
    }
}
