//! The certificate markets after 2023 in `[submarkets]`: GEC issuance and demand at full
//! coverage, green-power deals by date, the validity rule, the industrial sectors' GEC purchase
//! mandates, and CCER 2.0 (projects under the 2023 Measures). The defaults and their sources are
//! in `docs/model.md` ("CCER and GEC in the agent-based run"); each field's comment names its
//! source or says it is an assumption.
//!
//! These fields came after scenario hashes were first published: at their defaults they are
//! left out of the content hash ([`for_the_hash`]), so a scenario written before them keeps its
//! hash (and its outputs their `scenario_hash` column). Every other serialisation shows them.

use std::cell::Cell;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::config::{ConfigError, SubMarkets};
use crate::registry::{CcerRules, Methodology};
use crate::schedule::{MonthlyStep, PriceStep};
use crate::units::{Money, Price, Quantity};

thread_local! {
    static HASHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (the serialisation of the content hash) with the new fields at their defaults left
/// out.
pub(super) fn for_the_hash<T>(f: impl FnOnce() -> T) -> T {
    let before = HASHING.with(|h| h.replace(true));
    let out = f();
    HASHING.with(|h| h.set(before));
    out
}

fn left_out<T: PartialEq>(v: &T, pick: impl FnOnce(SubMarkets) -> T) -> bool {
    HASHING.with(Cell::get) && *v == pick(SubMarkets::default())
}

macro_rules! hash_skips {
    ($($name:ident: $ty:ty => $field:ident;)*) => {
        $(
            #[allow(clippy::ptr_arg)]
            pub(super) fn $name(v: &$ty) -> bool {
                left_out(v, |d| d.$field)
            }
        )*
    };
}

hash_skips! {
    hash_skips_scale_issuance: Vec<GecIssuanceStep> => gec_scale_issuance;
    hash_skips_scale_demand: Vec<MonthlyStep> => gec_scale_demand;
    hash_skips_anchor: Vec<PriceStep> => gec_anchor_steps;
    hash_skips_green_power: Vec<GreenPowerStep> => green_power_steps;
    hash_skips_buyer_budget: Money => gec_buyer_cash_per_year;
    hash_skips_validity: u32 => gec_validity_months;
    hash_skips_validity_from: NaiveDate => gec_validity_from;
    hash_skips_valid_through: NaiveDate => gec_valid_at_least_through;
    hash_skips_mandates: Vec<GecMandate> => gec_mandates;
    hash_skips_mandate_cash: Money => gec_mandate_buyer_cash;
    hash_skips_ccer2: Ccer2Settings => ccer2;
}

/// From `from` on (until the next step), GECs issued per month, `total` of which `tradable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GecIssuanceStep {
    /// First day the step applies.
    pub from: NaiveDate,
    /// GECs issued per month.
    pub total: Quantity,
    /// Of which tradable.
    pub tradable: Quantity,
}

/// From `from` on (until the next step), the green power dealt each month and the share of it
/// sold with its certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreenPowerStep {
    /// First day the step applies.
    pub from: NaiveDate,
    /// Green power dealt per month, MWh.
    pub mwh_per_month: u64,
    /// Share of it dealt with its certificates, basis points.
    pub bundled_bp: u32,
}

/// A sector's green-power consumption ratio as a GEC purchase schedule: each calendar year from
/// `from`'s, `electricity_mwh × ratio_bp × bought_bp` certificates bought over the months of the
/// year from `from` on, in equal monthly parts, by `buyers` accounts of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GecMandate {
    /// The sector (`aluminium`, `steel`, `cement`): names its buyers.
    pub sector: String,
    /// The day purchases start (the notice's date).
    pub from: NaiveDate,
    /// The sector's electricity consumption a year, MWh.
    pub electricity_mwh: u64,
    /// Its green-power consumption ratio, basis points.
    pub ratio_bp: u32,
    /// Share of the certificates the ratio requires that the sector buys as standalone GECs
    /// (the rest comes with green power or its own renewables), basis points.
    pub bought_bp: u32,
    /// Buyers sharing the purchases.
    pub buyers: u32,
}

impl GecMandate {
    /// Certificates the mandate requires a year.
    #[must_use]
    pub fn per_year(&self) -> Quantity {
        let q = u128::from(self.electricity_mwh)
            * u128::from(self.ratio_bp)
            * u128::from(self.bought_bp)
            / 100_000_000;
        Quantity::new(u64::try_from(q).unwrap_or(u64::MAX))
    }

    /// The monthly purchases of all its buyers together through `last_year`: for each year, the
    /// year's certificates in equal parts over its months from `from` (the first `rest` months
    /// one certificate more, so that each year adds up exactly).
    #[must_use]
    pub fn schedule(&self, last_year: i32) -> Vec<MonthlyStep> {
        use chrono::Datelike;
        let mut out = Vec::new();
        let total = self.per_year().units();
        for year in self.from.year()..=last_year {
            let first = if year == self.from.year() {
                self.from.month()
            } else {
                1
            };
            let months = u64::from(13 - first);
            for m in first..=12 {
                let k = u64::from(m - first);
                let part = total / months + u64::from(k < total % months);
                let day = if year == self.from.year() && m == first {
                    self.from.day()
                } else {
                    1
                };
                if let Some(from) = NaiveDate::from_ymd_opt(year, m, day) {
                    out.push(MonthlyStep {
                        from,
                        per_month: Quantity::new(part),
                    });
                }
            }
        }
        out
    }
}

/// Projects of one methodology under the 2023 Measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ccer2Group {
    /// The methodology (`OffshoreWind`, `SolarThermal`, `Afforestation`, `Mangroves`).
    pub methodology: Methodology,
    /// Projects (one owner account each).
    pub projects: u32,
    /// The group's share of each issuance, basis points.
    pub share_bp: u32,
}

/// One issuance of CCER 2.0 credits: the reductions of `from..=to` (vintage `to`'s year),
/// verified and issued on the first trading day of `month`'s month, shared among the groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ccer2Issuance {
    /// A day of the issuance month (the first trading day of that month issues).
    pub month: NaiveDate,
    /// Monitoring period start.
    pub from: NaiveDate,
    /// Monitoring period end (inclusive).
    pub to: NaiveDate,
    /// Credits issued over all projects.
    pub quantity: Quantity,
}

/// CCER 2.0: projects under the 2023 Measures, registered, issued, listed one book per project
/// and vintage with listed trading only, and eligible as offsets where a cycle accepts
/// `Rules2023`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ccer2Settings {
    /// The projects by methodology. Default the first 33 (19 offshore wind, 4 solar thermal,
    /// 8 afforestation, 2 mangrove) with their shares of the 9.67 Mt a year (92.72 %, 4.67 %,
    /// 2.58 %, 0.03 %) \[S123\].
    pub groups: Vec<Ccer2Group>,
    /// The day the projects are registered. Default 2024-12-03 (the first registration)
    /// \[S124\].
    pub registered: NaiveDate,
    /// First day of the crediting period (and of the offshore wind and solar thermal plants'
    /// link to their GEC generators). Default 2024-01-01 (an assumption).
    pub crediting_start: NaiveDate,
    /// Length of the crediting period, years. Default 10 (offshore wind's \[S123\]; applied to
    /// every project, an assumption).
    pub crediting_years: u32,
    /// The issuances. Default 9.48 Mt in March 2025 for 2024 \[S124\], then 9.67 Mt in March 2026
    /// for 2025 (the shortlist's annual supply \[S123\]; the month and periods are assumptions).
    pub issuance: Vec<Ccer2Issuance>,
    /// The books' reference price and the owners' reservation value. Default CNY 61.32 (the
    /// relaunch day's CCER price \[S46\]; an assumption for 2025).
    pub reference_price: Price,
    /// The least an owner offers on an active day (all it holds, if less), so that each
    /// issuance sells out. Default 10,000 t (an assumption; the owners otherwise sell as the
    /// legacy owners do, `behaviour.ccer_seller`, on the listed method only).
    pub owner_min_offer: Quantity,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl Default for Ccer2Settings {
    fn default() -> Self {
        let group = |methodology, projects, share_bp| Ccer2Group {
            methodology,
            projects,
            share_bp,
        };
        let issuance = |year, quantity| Ccer2Issuance {
            month: date(year + 1, 3, 1),
            from: date(year, 1, 1),
            to: date(year, 12, 31),
            quantity: Quantity::new(quantity),
        };
        Ccer2Settings {
            groups: vec![
                group(Methodology::OffshoreWind, 19, 9_272),
                group(Methodology::SolarThermal, 4, 467),
                group(Methodology::Afforestation, 8, 258),
                group(Methodology::Mangroves, 2, 3),
            ],
            registered: date(2024, 12, 3),
            crediting_start: date(2024, 1, 1),
            crediting_years: 10,
            issuance: vec![issuance(2024, 9_480_000), issuance(2025, 9_670_000)],
            reference_price: Price::from_fen(6_132),
            owner_min_offer: Quantity::new(10_000),
        }
    }
}

/// The GEC sellers' reservation value from 2024 (and the price a new batch's book opens at):
/// CNY 5.20, calibrated so that the 2024 average standalone price lands near the published
/// CNY 5.59 (secondary \[S134\], `docs/model.md`).
pub(super) fn gec_anchor() -> Vec<PriceStep> {
    vec![PriceStep {
        from: date(2024, 1, 1),
        price: Price::from_fen(520),
    }]
}

/// The GEC buyers' yearly budget at full coverage (an assumption: ample for their share of the
/// standalone demand at the at-scale prices).
pub(super) fn buyer_budget() -> Money {
    Money::from_cny(120_000_000)
}

/// Each mandated buyer's opening cash (an assumption: ample).
pub(super) fn mandate_buyer_cash() -> Money {
    Money::from_cny(300_000_000)
}

/// GEC validity, months from the production month's start \[S91\].
pub(super) const VALIDITY_MONTHS: u32 = 24;

/// The NEA GEC rules' date, from which certificates expire \[S91\].
pub(super) fn validity_from() -> NaiveDate {
    date(2024, 9, 5)
}

/// Output before 2024 stays valid to the end of 2025 \[S91\].
pub(super) fn valid_at_least_through() -> NaiveDate {
    date(2025, 12, 31)
}

/// Default green-power steps: the 2024 volume each month (148.1 TWh in January–May 2024 \[S93\]),
/// bundled so that the certificates sold with it are 12.6 M a month to October and 21.5 M in
/// November and December (169 M in 2024 \[S125\], split by the end-October total \[S126\]); 2025
/// and 2026 repeat 2024 (an assumption).
pub(super) fn default_green_power() -> Vec<GreenPowerStep> {
    let mut out = Vec::new();
    for year in 2024..=2026 {
        for (month, bundled_bp) in [(1, 4_254), (11, 7_259)] {
            out.push(GreenPowerStep {
                from: date(year, month, 1),
                mwh_per_month: 29_620_000,
                bundled_bp,
            });
        }
    }
    out
}

/// Default mandates from the 2025 consumption-weight notice (669号, 2025-07-01) \[S127\]: the
/// ratios and the bought shares are assumptions documented in `docs/model.md`.
pub(super) fn default_mandates() -> Vec<GecMandate> {
    let mandate = |sector: &str, electricity_mwh, ratio_bp, bought_bp| GecMandate {
        sector: sector.into(),
        from: date(2025, 7, 1),
        electricity_mwh,
        ratio_bp,
        bought_bp,
        buyers: 5,
    };
    vec![
        mandate("aluminium", 585_000_000, 2_500, 2_000),
        mandate("steel", 600_000_000, 3_300, 500),
        mandate("cement", 150_000_000, 3_300, 500),
    ]
}

/// Issuance at full coverage: 2024 by the NEA's monthly and yearly totals
/// [S68]\[S69\]\[S125\]\[S126\] at 2024's tradable share, 2025 as the NEA released it
/// \[S80\]\[S128\]\[S129\], 2026 at 2025's monthly average (an assumption).
pub(super) fn scale_issuance() -> Vec<GecIssuanceStep> {
    ISSUANCE_AFTER_2023
        .iter()
        .map(|&(y, m, total, tradable)| GecIssuanceStep {
            from: date(y, m, 1),
            total: Quantity::new(total),
            tradable: Quantity::new(tradable),
        })
        .collect()
}

/// (year, month, total, tradable) issued per month from that month on.
const ISSUANCE_AFTER_2023: [(i32, u32, u64, u64); 13] = [
    (2024, 1, 81_000_000, 54_034_000),
    (2024, 7, 182_000_000, 121_410_000),
    (2024, 8, 715_000_000, 476_969_000),
    (2024, 10, 1_232_000_000, 821_854_000),
    (2024, 11, 702_000_000, 468_297_000),
    (2025, 1, 244_000_000, 156_000_000),
    (2025, 3, 174_000_000, 144_000_000),
    (2025, 4, 236_250_000, 167_250_000),
    (2025, 8, 271_000_000, 152_000_000),
    (2025, 9, 230_000_000, 157_000_000),
    (2025, 10, 370_000_000, 158_000_000),
    (2025, 11, 234_500_000, 150_500_000),
    (2026, 1, 245_583_333, 157_750_000),
];

/// Standalone GEC demand steps after 2023: 15.1 M a month to October and 63 M in November and
/// December, 2024's standalone trading (277 M, 151 M of it by end-October \[S125\]\[S126\]), repeated
/// in 2025 and 2026 (an assumption).
pub(super) fn scale_demand() -> Vec<MonthlyStep> {
    let mut out = Vec::new();
    for year in 2024..=2026 {
        for (month, q) in [(1, 15_100_000), (11, 63_000_000)] {
            out.push(MonthlyStep {
                from: date(year, month, 1),
                per_month: Quantity::new(q),
            });
        }
    }
    out
}

fn invalid(field: &str, value: &dyn std::fmt::Display, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Checks the full-coverage issuance: dates increasing, tradable within the total.
pub(super) fn check_scale_issuance(
    field: &str,
    steps: &[GecIssuanceStep],
) -> Result<(), ConfigError> {
    for (i, s) in steps.iter().enumerate() {
        if s.tradable > s.total {
            return Err(invalid(
                &format!("{field}.{i}.tradable"),
                &s.tradable,
                &format!("must be at most the step's total ({})", s.total),
            ));
        }
        if i > 0 {
            check_after(field, i, s.from, steps[i - 1].from)?;
        }
    }
    Ok(())
}

/// Step `i` of `field` must start after the one before it.
fn check_after(
    field: &str,
    i: usize,
    from: chrono::NaiveDate,
    before: chrono::NaiveDate,
) -> Result<(), ConfigError> {
    if from <= before {
        return Err(invalid(
            &format!("{field}.{i}.from"),
            &from,
            "steps must be in increasing date order",
        ));
    }
    Ok(())
}

/// Checks reservation-value steps: prices > 0, dates increasing.
pub(crate) fn check_anchor_steps(field: &str, steps: &[PriceStep]) -> Result<(), ConfigError> {
    for (i, s) in steps.iter().enumerate() {
        if s.price.fen() <= 0 {
            return Err(invalid(
                &format!("{field}.{i}.price"),
                &s.price,
                "must be > 0",
            ));
        }
        if i > 0 {
            check_after(field, i, s.from, steps[i - 1].from)?;
        }
    }
    Ok(())
}

/// Checks the green-power steps (dates increasing, shares ≤ 100 %).
pub(super) fn check_green_power(field: &str, steps: &[GreenPowerStep]) -> Result<(), ConfigError> {
    for (i, s) in steps.iter().enumerate() {
        if s.bundled_bp > 10_000 {
            return Err(invalid(
                &format!("{field}.{i}.bundled_bp"),
                &s.bundled_bp,
                "must be at most 10000 (100 %)",
            ));
        }
        if i > 0 {
            check_after(field, i, s.from, steps[i - 1].from)?;
        }
    }
    Ok(())
}

/// Checks the mandates: named, shares ≤ 100 %, at least one buyer each.
pub(super) fn check_mandates(field: &str, mandates: &[GecMandate]) -> Result<(), ConfigError> {
    for (i, m) in mandates.iter().enumerate() {
        let f = |name: &str| format!("{field}.{i}.{name}");
        if m.sector.trim().is_empty() {
            return Err(invalid(&f("sector"), &"\"\"", "must name the sector"));
        }
        for (name, bp) in [("ratio_bp", m.ratio_bp), ("bought_bp", m.bought_bp)] {
            if bp > 10_000 {
                return Err(invalid(&f(name), &bp, "must be at most 10000 (100 %)"));
            }
        }
        if m.buyers == 0 || m.buyers > 1_000 {
            return Err(invalid(&f("buyers"), &m.buyers, "must be 1 to 1000"));
        }
    }
    Ok(())
}

/// Checks the CCER 2.0 settings: 2023-Measures methodologies, shares adding up to 100 %,
/// periods inside the crediting period and after 2020-09-22, issuances in date order.
pub(super) fn check_ccer2(field: &str, c: &Ccer2Settings) -> Result<(), ConfigError> {
    let f = |name: &str| format!("{field}.{name}");
    let mut share = 0_u32;
    for (i, g) in c.groups.iter().enumerate() {
        if g.methodology.rules() != CcerRules::Rules2023 {
            return Err(invalid(
                &f(&format!("groups.{i}.methodology")),
                &format!("{:?}", g.methodology),
                "must be a methodology of the 2023 Measures",
            ));
        }
        if g.projects == 0 || g.projects > 1_000 {
            return Err(invalid(
                &f(&format!("groups.{i}.projects")),
                &g.projects,
                "must be 1 to 1000",
            ));
        }
        share = share.saturating_add(g.share_bp);
    }
    if !c.groups.is_empty() && share != 10_000 {
        return Err(invalid(
            &f("groups.share_bp"),
            &share,
            "the groups' shares must add up to 10000 (100 %)",
        ));
    }
    if c.reference_price.fen() <= 0 {
        return Err(invalid(
            &f("reference_price"),
            &c.reference_price,
            "must be > 0",
        ));
    }
    if c.crediting_years == 0 || c.crediting_years > 60 {
        return Err(invalid(
            &f("crediting_years"),
            &c.crediting_years,
            "must be 1 to 60",
        ));
    }
    check_issuance(field, c)
}

fn check_issuance(field: &str, c: &Ccer2Settings) -> Result<(), ConfigError> {
    let start = c.crediting_start.max(date(2020, 9, 22));
    let end = crediting_end(c);
    for (i, s) in c.issuance.iter().enumerate() {
        let f = |name: &str| format!("{field}.issuance.{i}.{name}");
        if s.to < s.from || s.from < start || s.to > end {
            return Err(invalid(
                &f("from"),
                &format!("{}..{}", s.from, s.to),
                &format!("must be a period inside the crediting period {start}..{end}"),
            ));
        }
        if s.month <= s.to {
            return Err(invalid(
                &f("month"),
                &s.month,
                "credits are issued after the period they verify",
            ));
        }
        if i > 0 && s.from <= c.issuance[i - 1].to {
            return Err(invalid(
                &f("from"),
                &s.from,
                "periods must follow each other without overlap",
            ));
        }
        if s.quantity.is_zero() {
            return Err(invalid(&f("quantity"), &0, "must be at least 1"));
        }
    }
    Ok(())
}

/// The last day of the CCER 2.0 crediting period.
#[must_use]
pub fn crediting_end(c: &Ccer2Settings) -> NaiveDate {
    use chrono::Datelike;
    let years = i32::try_from(c.crediting_years).unwrap_or(60);
    c.crediting_start
        .with_year(c.crediting_start.year() + years)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mandate_buys_its_year_in_the_months_left_and_adds_up_exactly() {
        let m = GecMandate {
            sector: "aluminium".into(),
            from: date(2025, 7, 1),
            electricity_mwh: 585_000_000,
            ratio_bp: 2_500,
            bought_bp: 2_000,
            buyers: 5,
        };
        assert_eq!(m.per_year(), Quantity::new(29_250_000));
        let s = m.schedule(2026);
        assert_eq!(s.len(), 6 + 12);
        let year = |y: i32| -> u64 {
            use chrono::Datelike;
            s.iter()
                .filter(|x| x.from.year() == y)
                .map(|x| x.per_month.units())
                .sum()
        };
        assert_eq!(year(2025), 29_250_000);
        assert_eq!(year(2026), 29_250_000);
        assert_eq!(s[0].per_month, Quantity::new(4_875_000));
    }

    #[test]
    fn the_issuance_table_gives_the_published_yearly_totals() {
        let steps = scale_issuance();
        let year = |y: i32, pick: fn(&GecIssuanceStep) -> Quantity| -> u64 {
            (1..=12)
                .map(|m| {
                    let d = date(y, m, 1);
                    steps
                        .iter()
                        .rev()
                        .find(|s| s.from <= d)
                        .map_or(0, |s| pick(s).units())
                })
                .sum()
        };
        assert_eq!(year(2024, |s| s.total), 4_734_000_000);
        assert_eq!(year(2024, |s| s.tradable), 3_158_000_000);
        assert_eq!(year(2025, |s| s.total), 2_947_000_000);
        assert_eq!(year(2025, |s| s.tradable), 1_893_000_000);
    }

    #[test]
    fn bad_ccer2_settings_are_refused_naming_the_field() {
        let mut c = Ccer2Settings::default();
        c.groups[0].share_bp = 9_000;
        let e = check_ccer2("submarkets.ccer2", &c).unwrap_err();
        assert!(e.to_string().contains("groups.share_bp"), "{e}");
        let mut c = Ccer2Settings::default();
        c.groups[0].methodology = Methodology::LegacyRenewable;
        let e = check_ccer2("submarkets.ccer2", &c).unwrap_err();
        assert!(e.to_string().contains("LegacyRenewable"), "{e}");
        let mut c = Ccer2Settings::default();
        c.issuance[1].from = date(2024, 6, 1);
        let e = check_ccer2("submarkets.ccer2", &c).unwrap_err();
        assert!(e.to_string().contains("2024-06-01"), "{e}");
    }
}
