//! Monthly schedules: a quantity per month that changes on given dates (GEC issuance, GEC
//! demand), and prices that change on given dates (a seller's reservation value), used by the
//! scenario settings and by the agents that follow them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::units::{Price, Quantity};

/// From `from` on (until the next step), `price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceStep {
    /// First day the step applies.
    pub from: NaiveDate,
    /// The price.
    pub price: Price,
}

/// The price `steps` (in date order) give on `date`, `None` before the first step.
#[must_use]
pub fn price_on(steps: &[PriceStep], date: NaiveDate) -> Option<Price> {
    steps.iter().rev().find(|s| s.from <= date).map(|s| s.price)
}

/// From `from` on (until the next step), `per_month` units a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyStep {
    /// First day the step applies.
    pub from: NaiveDate,
    /// Units per month.
    pub per_month: Quantity,
}

/// The monthly quantity `schedule` (steps in date order) gives on `date`; zero before its first
/// step.
#[must_use]
pub fn per_month_on(schedule: &[MonthlyStep], date: NaiveDate) -> Quantity {
    schedule
        .iter()
        .rev()
        .find(|s| s.from <= date)
        .map_or(Quantity::ZERO, |s| s.per_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_step_on_or_before_the_date_applies() {
        let d = |m| NaiveDate::from_ymd_opt(2023, m, 1).unwrap_or_default();
        let schedule = [
            MonthlyStep {
                from: d(2),
                per_month: Quantity::new(10),
            },
            MonthlyStep {
                from: d(5),
                per_month: Quantity::new(30),
            },
        ];
        assert_eq!(per_month_on(&schedule, d(1)), Quantity::ZERO);
        assert_eq!(per_month_on(&schedule, d(2)), Quantity::new(10));
        assert_eq!(per_month_on(&schedule, d(4)), Quantity::new(10));
        assert_eq!(per_month_on(&schedule, d(9)), Quantity::new(30));
    }
}
