//! The price outlook: what an allowance is expected to be worth.
//!
//! - **Anchor.** Market participants' surveyed expectation of the average price by year, `L(y)`,
//!   interpolated log-linearly between the surveyed years and flat outside them; a later
//!   published expectation (a revision) replaces it from its publication day.
//! - **Clearing price of the horizon.** The horizon `T` is the final deadline of the cycle in
//!   force. The market carries its net deficit `D` (positive: short) past it. A deficit raises,
//!   and a surplus lowers, the whole expected price path by a common factor `φ` until the extra
//!   abatement it brings makes `D` up: over the years `y` after the horizon up to the last
//!   surveyed year (at least one), and over the open cycles' remaining `ℓ` years at the horizon
//!   price, `Σ_y A(φ·L(y)) + ℓ·A(φ·L(T)) ≥ Σ_y A(L(y)) + D` (plus `ℓ·A(L(T))` on the right
//!   under accrued foresight, whose months to come are expected in balance at the surveyed
//!   price), with `A(P)` the fleet's abatement in a year at price `P`. The horizon price is `P_H = φ·L(T)`, at most the top of the curve
//!   (every option taken). A deficit must be made up soon (no borrowing; a shortfall is
//!   deducted from the next allocation), so it is absorbed up to the last surveyed year; a
//!   surplus (under accrued foresight also a deficit that the offsets bought at the surveyed
//!   price more than make up) can be banked, so it is absorbed over the years up to
//!   `bank_horizon_year` (the 2060 neutrality goal), at the last surveyed price after the
//!   survey ends. Under accrued foresight both windows give `φ = 1` where they meet, so the
//!   price is continuous in `D`.
//! - **What the market knows of an open cycle.** With [`Foresight::Full`] (the default) the
//!   outlook counts a cycle's whole balance from its first covered year on. With
//!   [`Foresight::Accrued`] it counts the part its emissions have accrued: the share `a` of its
//!   covered years' months that have passed, the rest expected in balance (each entity's
//!   obligation counted as `allocation + a·(obligation − allocation)`).
//! - **Cost of carry.** Holding an allowance to the horizon forgoes interest at rate `r`, so today
//!   it is worth `F = P_H·e^{−r·τ}` with `τ` the years to the horizon (Hotelling's rule with a
//!   market interest rate instead of a tuning growth rate).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::units::Price;

/// One surveyed expectation: the average allowance price expected for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyPoint {
    /// The year.
    pub year: i32,
    /// The expected average price, CNY/t.
    pub price: Price,
}

/// A later survey (or any dated published expectation) that replaces the anchor from the day it
/// was published: firms can only know what was public on the day they price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyRevision {
    /// The day it was published; the anchor follows it from that day on.
    pub published: NaiveDate,
    /// Expected prices, years ascending.
    pub survey: Vec<SurveyPoint>,
    /// Where it comes from.
    #[serde(default)]
    pub source: String,
}

/// How much of an open cycle's balance the outlook knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Foresight {
    /// The whole balance from the cycle's first covered year on (perfect foresight).
    #[default]
    Full,
    /// The part the cycle's emissions have accrued: the share of its covered years' months
    /// that have passed; the months to come are expected in balance.
    Accrued,
}

impl Foresight {
    /// Whether this is the default, [`Foresight::Full`] (left out of a scenario's record, so
    /// that a scenario that does not set it keeps its content hash).
    #[must_use]
    pub fn is_full(&self) -> bool {
        *self == Foresight::Full
    }

    /// The share of the months of `years` the outlook counts on `date`, as `(months, of)`:
    /// those passed (from each year's January to the month before `date`'s) under
    /// [`Foresight::Accrued`], all of them under [`Foresight::Full`].
    #[must_use]
    pub fn known_months(self, years: &[u16], date: NaiveDate) -> (i128, i128) {
        let of = 12 * years.len() as i128;
        if self == Foresight::Full {
            return (of, of);
        }
        let passed = years
            .iter()
            .map(|&y| {
                let m = (i128::from(date.year()) - i128::from(y)) * 12 + i128::from(date.month0());
                m.clamp(0, 12)
            })
            .sum();
        (passed, of)
    }
}

/// The outlook's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutlookParams {
    /// Surveyed expected prices, years ascending. Default the 2021 China Carbon Pricing Survey:
    /// CNY 49 for 2022, 87 for 2025, 139 for 2030.
    pub survey: Vec<SurveyPoint>,
    /// Later published expectations, each in force from its publication day, days ascending.
    /// Default none: no later survey with published figures was found (`docs/model.md`, "The
    /// outlook").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<SurveyRevision>,
    /// The cost of carry, basis points a year. Default 365: the one-year Loan Prime Rate, which
    /// stood between 3.45 % and 3.85 % over 2021–2023.
    pub carry_rate_bp: u32,
    /// The last year over which a banked surplus is absorbed, at least the last surveyed year.
    /// Default 2060: the carbon-neutrality goal announced on 2020-09-22, the market's longest
    /// stated horizon. Banking was unlimited under the 2021 Measures; a banking cap is not
    /// reflected here.
    pub bank_horizon_year: i32,
    /// How much of an open cycle's balance the outlook knows. Default [`Foresight::Full`]: all
    /// of it from its first covered year on; [`Foresight::Accrued`] what its emissions have
    /// accrued, month by month (`docs/model.md`, "The outlook").
    #[serde(skip_serializing_if = "Foresight::is_full")]
    pub foresight: Foresight,
}

impl Default for OutlookParams {
    fn default() -> Self {
        let point = |year, cny: i64| SurveyPoint {
            year,
            price: Price::from_fen(cny * 100),
        };
        OutlookParams {
            survey: vec![point(2022, 49), point(2025, 87), point(2030, 139)],
            revisions: Vec::new(),
            carry_rate_bp: 365,
            bank_horizon_year: 2060,
            foresight: Foresight::Full,
        }
    }
}

/// Bad outlook parameters; nothing is built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutlookError {
    /// No surveyed price, or one that is zero.
    #[error("economics.outlook.survey: {0}")]
    Survey(String),
    /// A revision with a bad survey, or published out of order.
    #[error("economics.outlook.revisions: {0}")]
    Revision(String),
    /// The cost of carry is above 100 % a year.
    #[error("economics.outlook.carry_rate_bp = {0}: must be at most 10000")]
    Carry(u32),
    /// The bank horizon ends before the last surveyed year.
    #[error(
        "economics.outlook.bank_horizon_year = {year}: must be at least the last surveyed year, {last}, and at most a century after it"
    )]
    BankHorizon {
        /// The year given.
        year: i32,
        /// The last surveyed year.
        last: i32,
    },
}

impl OutlookError {
    /// The setting at fault, its value and what it must be, for a message naming all three.
    #[must_use]
    pub fn parts(&self) -> (&'static str, String, String) {
        match self {
            OutlookError::Survey(why) => ("economics.outlook.survey", "…".into(), why.clone()),
            OutlookError::Revision(why) => ("economics.outlook.revisions", "…".into(), why.clone()),
            OutlookError::Carry(v) => (
                "economics.outlook.carry_rate_bp",
                v.to_string(),
                "must be at most 10000".into(),
            ),
            OutlookError::BankHorizon { year, last } => (
                "economics.outlook.bank_horizon_year",
                year.to_string(),
                format!(
                    "must be at least the last surveyed year, {last}, and at most a century after it"
                ),
            ),
        }
    }
}

impl OutlookParams {
    /// Checks the survey (years strictly ascending, prices above zero) and the rates.
    ///
    /// # Errors
    /// [`OutlookError`] naming the value.
    pub fn validate(&self) -> Result<(), OutlookError> {
        check_survey(&self.survey).map_err(OutlookError::Survey)?;
        for (k, r) in self.revisions.iter().enumerate() {
            check_survey(&r.survey)
                .map_err(|why| OutlookError::Revision(format!("[{k}] ({}): {why}", r.published)))?;
        }
        if let Some(w) = self
            .revisions
            .windows(2)
            .find(|w| w[1].published <= w[0].published)
        {
            return Err(OutlookError::Revision(format!(
                "published {} follows {}: days must ascend",
                w[1].published, w[0].published
            )));
        }
        if self.carry_rate_bp > 10_000 {
            return Err(OutlookError::Carry(self.carry_rate_bp));
        }
        let last = std::iter::once(&self.survey)
            .chain(self.revisions.iter().map(|r| &r.survey))
            .filter_map(|s| s.last().map(|p| p.year))
            .max()
            .unwrap_or(i32::MIN);
        // At most a century past the survey: the window is summed year by year.
        if self.bank_horizon_year < last || self.bank_horizon_year > last.saturating_add(100) {
            return Err(OutlookError::BankHorizon {
                year: self.bank_horizon_year,
                last,
            });
        }
        Ok(())
    }

    /// The outlook as it stood on `date`: the survey replaced by the latest revision published
    /// on or before it.
    #[must_use]
    pub fn as_of(&self, date: NaiveDate) -> OutlookParams {
        let survey = self
            .revisions
            .iter()
            .rev()
            .find(|r| r.published <= date)
            .map_or(&self.survey, |r| &r.survey);
        OutlookParams {
            survey: survey.clone(),
            revisions: Vec::new(),
            carry_rate_bp: self.carry_rate_bp,
            bank_horizon_year: self.bank_horizon_year,
            foresight: self.foresight,
        }
    }

    /// The surveyed expectation `L(year)`: log-linear between surveyed years, flat outside.
    #[must_use]
    pub fn anchor(&self, year: i32) -> Price {
        let Some(first) = self.survey.first() else {
            return Price::ZERO;
        };
        if year <= first.year {
            return first.price;
        }
        for w in self.survey.windows(2) {
            let (a, b) = (w[0], w[1]);
            if year <= b.year {
                let t = f64::from(year - a.year) / f64::from(b.year - a.year);
                let (pa, pb) = (a.price.to_f64(), b.price.to_f64());
                return yuan(pa * (pb / pa).powf(t));
            }
        }
        self.survey.last().map_or(first.price, |p| p.price)
    }

    /// The years after the horizon's year over which the market's net position is made up, at
    /// least the next one: up to the last surveyed year for a deficit, up to
    /// `bank_horizon_year` for a `surplus`, which can be banked.
    #[must_use]
    pub fn absorption_years(
        &self,
        horizon_year: i32,
        surplus: bool,
    ) -> std::ops::RangeInclusive<i32> {
        let last = self.survey.last().map_or(horizon_year, |p| p.year);
        let last = if surplus {
            last.max(self.bank_horizon_year)
        } else {
            last
        };
        horizon_year + 1..=last.max(horizon_year + 1)
    }

    /// `price` discounted over `years` at the cost of carry: `price·e^{−r·years}`.
    #[must_use]
    pub fn discount(&self, price: Price, years: f64) -> Price {
        let r = f64::from(self.carry_rate_bp) / 10_000.0;
        yuan(price.to_f64() * (-r * years.max(0.0)).exp())
    }
}

/// Years strictly ascending, at least one, prices above zero; else what is wrong.
fn check_survey(points: &[SurveyPoint]) -> Result<(), String> {
    if points.is_empty() {
        return Err("needs at least one year".into());
    }
    if let Some(w) = points.windows(2).find(|w| w[1].year <= w[0].year) {
        return Err(format!(
            "year {} follows {}: years must ascend",
            w[1].year, w[0].year
        ));
    }
    if let Some(p) = points.iter().find(|p| p.price.fen() <= 0) {
        return Err(format!(
            "the price of {} is {}: must be above zero",
            p.year, p.price
        ));
    }
    Ok(())
}

/// The lowest step in `[0, top]` at which `supply(step) ≥ target`, or `top` when even `top`
/// falls short. `supply` must not fall as the step rises.
#[must_use]
pub fn lowest_meeting(top: i64, target: i128, supply: impl Fn(i64) -> i128) -> i64 {
    if supply(0) >= target {
        return 0;
    }
    if supply(top) < target {
        return top;
    }
    let (mut lo, mut hi) = (0_i64, top);
    // Invariant: supply(lo) < target <= supply(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if supply(mid) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// What firms are told of the outlook each day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outlook {
    /// What an allowance is worth today: the horizon price discounted at the cost of carry.
    pub fundamental: Price,
    /// The horizon price: what a tonne deducted from a later allocation will cost to replace.
    pub horizon: Price,
}

fn yuan(v: f64) -> Price {
    if !v.is_finite() || v <= 0.0 {
        return Price::ZERO;
    }
    Price::try_from_fen((v * 100.0).round() as i64).unwrap_or(Price::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anchor_follows_the_survey_and_interpolates_geometrically() {
        let o = OutlookParams::default();
        assert_eq!(o.anchor(2021), Price::from_fen(4_900));
        assert_eq!(o.anchor(2022), Price::from_fen(4_900));
        assert_eq!(o.anchor(2025), Price::from_fen(8_700));
        assert_eq!(o.anchor(2040), Price::from_fen(13_900));
        // 49 × (87/49)^(1/3) = 59.33; 49 × (87/49)^(2/3) = 71.85.
        assert_eq!(o.anchor(2023), Price::from_fen(5_933));
        assert_eq!(o.anchor(2024), Price::from_fen(7_185));
    }

    #[test]
    fn carrying_for_a_year_costs_the_rate() {
        let o = OutlookParams::default();
        // 100 × e^{−0.0365} = 96.42.
        assert_eq!(
            o.discount(Price::from_fen(10_000), 1.0),
            Price::from_fen(9_642)
        );
        assert_eq!(
            o.discount(Price::from_fen(10_000), 0.0),
            Price::from_fen(10_000)
        );
    }

    #[test]
    fn the_clearing_step_is_the_lowest_that_meets_the_target() {
        let supply = |p: i64| i128::from(p) * 10;
        assert_eq!(lowest_meeting(50_000, 12_345, supply), 1_235);
        assert_eq!(lowest_meeting(50_000, -5, supply), 0);
        assert_eq!(lowest_meeting(50_000, i128::MAX, supply), 50_000);
    }

    #[test]
    fn bad_parameters_are_named() {
        let mut o = OutlookParams::default();
        o.survey.swap(0, 1);
        assert!(matches!(o.validate(), Err(OutlookError::Survey(m)) if m.contains("2022")));
        let o = OutlookParams {
            carry_rate_bp: 10_001,
            ..OutlookParams::default()
        };
        assert_eq!(o.validate(), Err(OutlookError::Carry(10_001)));
        let o = OutlookParams {
            bank_horizon_year: 2029,
            ..OutlookParams::default()
        };
        let e = o.validate().unwrap_err();
        assert!(
            e.to_string().contains("2029") && e.to_string().contains("2030"),
            "{e}"
        );
        assert_eq!(OutlookParams::default().validate(), Ok(()));
    }

    fn revision(published: &str, points: &[(i32, i64)]) -> SurveyRevision {
        SurveyRevision {
            published: published.parse().unwrap(),
            survey: points
                .iter()
                .map(|&(year, cny)| SurveyPoint {
                    year,
                    price: Price::from_fen(cny * 100),
                })
                .collect(),
            source: String::new(),
        }
    }

    #[test]
    fn a_revision_replaces_the_anchor_from_its_publication_day() {
        let o = OutlookParams {
            revisions: vec![revision("2023-07-14", &[(2025, 100), (2030, 160)])],
            ..OutlookParams::default()
        };
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        assert_eq!(
            o.as_of(day("2023-07-13")).anchor(2025),
            Price::from_fen(8_700)
        );
        let after = o.as_of(day("2023-07-14"));
        assert_eq!(after.anchor(2025), Price::from_fen(10_000));
        assert_eq!(after.anchor(2030), Price::from_fen(16_000));
        assert!(after.revisions.is_empty());
        assert_eq!(after.carry_rate_bp, o.carry_rate_bp);
    }

    #[test]
    fn bad_revisions_are_named() {
        let o = OutlookParams {
            revisions: vec![
                revision("2024-01-02", &[(2025, 100)]),
                revision("2023-07-14", &[(2025, 90)]),
            ],
            ..OutlookParams::default()
        };
        let e = o.validate().unwrap_err();
        assert!(
            matches!(&e, OutlookError::Revision(m) if m.contains("2023-07-14 follows 2024-01-02")),
            "{e}"
        );
        let o = OutlookParams {
            revisions: vec![revision("2024-01-02", &[(2025, 0)])],
            ..OutlookParams::default()
        };
        let (field, _, why) = o.validate().unwrap_err().parts();
        assert_eq!(field, "economics.outlook.revisions");
        assert!(
            why.contains("2024-01-02") && why.contains("above zero"),
            "{why}"
        );
    }

    #[test]
    fn the_outlook_knows_the_months_a_cycle_has_accrued_or_all_of_them() {
        let day = |d: &str| d.parse::<NaiveDate>().unwrap();
        let accrued = Foresight::Accrued;
        // The market opens in July 2021: half of 2021 has passed, none of 2022.
        assert_eq!(
            accrued.known_months(&[2021, 2022], day("2021-07-16")),
            (6, 24)
        );
        // A year's first day: nothing of it is known yet; a past cycle is known whole.
        assert_eq!(accrued.known_months(&[2023], day("2023-01-03")), (0, 12));
        assert_eq!(
            accrued.known_months(&[2019, 2020], day("2021-07-16")),
            (24, 24)
        );
        assert_eq!(accrued.known_months(&[2024], day("2023-12-29")), (0, 12));
        assert_eq!(
            Foresight::Full.known_months(&[2023], day("2023-01-03")),
            (12, 12)
        );
        assert!(OutlookParams::default().foresight.is_full());
    }

    #[test]
    fn a_surplus_is_absorbed_until_the_bank_horizon_and_a_deficit_until_the_survey_ends() {
        let o = OutlookParams::default();
        assert_eq!(o.absorption_years(2023, false), 2024..=2030);
        assert_eq!(o.absorption_years(2023, true), 2024..=2060);
        assert_eq!(o.absorption_years(2030, false), 2031..=2031);
    }
}
