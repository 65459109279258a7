//! Scenario files: what a run simulates, read from TOML or JSON (chosen by extension), validated,
//! and identified by a stable content hash.
//!
//! Unknown fields are rejected at every level. Every validation error names the field and the
//! offending value. The [`ScenarioConfig::content_hash`] is FNV-1a (64-bit) over the scenario's
//! canonical JSON (fields in declaration order, numbers as `serde_json` prints them), so two files
//! that parse to the same scenario have the same hash whatever their format or layout; Monte Carlo
//! shards carry it so that shards of different scenarios are never merged.

use crate::timeline::{Timeline, TimelineError};
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::submarkets::{
    self, check_anchor_steps, check_ccer2, check_green_power, check_mandates, check_scale_issuance,
    hash_skips_anchor, hash_skips_buyer_budget, hash_skips_ccer2, hash_skips_green_power,
    hash_skips_mandate_cash, hash_skips_mandates, hash_skips_scale_demand,
    hash_skips_scale_issuance, hash_skips_valid_through, hash_skips_validity,
    hash_skips_validity_from,
};
pub use super::submarkets::{
    Ccer2Group, Ccer2Issuance, Ccer2Settings, GecIssuanceStep, GecMandate, GreenPowerStep,
    crediting_end,
};
use crate::agents::certificate_buyer::CertificateBuyerParams;
use crate::agents::certificate_seller::CertificateSellerParams;
use crate::agents::compliance_firm::ComplianceFirmParams;
use crate::agents::investor::InvestorParams;
use crate::agents::market_maker::MarketMakerParams;
use crate::economics::EconomicsParams;
use crate::schedule::{MonthlyStep, PriceStep};
use crate::units::{Money, Price, Quantity};

/// First trading day of the national market.
pub const CALENDAR_START: NaiveDate = match NaiveDate::from_ymd_opt(2021, 7, 16) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Last trading day of the embedded calendar.
pub const CALENDAR_END: NaiveDate = match NaiveDate::from_ymd_opt(2023, 12, 29) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A bad scenario file or value. Nothing is half-loaded: a failed load returns only the error.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The extension is neither `.toml` nor `.json`.
    #[error("scenario file {path} must end in .toml or .json")]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// The text does not parse into a scenario (malformed, unknown field, wrong type, negative
    /// quantity); the message gives the location and the value.
    #[error("cannot parse {format} scenario: {message}")]
    Parse {
        /// `toml` or `json`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The `[policy]` section breaks a rule of the timeline (boxed: it carries four strings).
    #[error(transparent)]
    Policy(Box<TimelineError>),
    /// A field has an impossible value.
    #[error("invalid scenario field {field} = {value}: {reason}")]
    Invalid {
        /// Dotted path of the field (e.g. `behaviour.compliance_firm.base_activity`).
        field: String,
        /// The offending value.
        value: String,
        /// What is required.
        reason: String,
    },
}

/// How many agents of each type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FleetConfig {
    /// Covered entities. Default 2,257 (the second period's count; 2,162 in the first).
    pub compliance_firms: u32,
    /// Market makers, used only when `participants.market_makers` is on. Default 0.
    pub market_makers: u32,
    /// Investors, used only when `participants.investors` is on. Default 0.
    pub investors: u32,
    /// Opening cash of each firm. Default CNY 50,000,000 (an assumption).
    pub firm_cash: Money,
    /// Extra opening cash of each firm per tonne of its annual emissions. Default CNY 10.00 (an
    /// assumption: enough working capital for a large emitter's shortfall).
    pub cash_per_tonne: Money,
    /// Cash each firm's operations pay into its account a year per tonne of its annual
    /// emissions, a twelfth on each month's first trading day. Default CNY 45.00: a tenth
    /// (an assumption) of the CNY ~455 of power sold per tonne emitted (the coal base price of
    /// CNY 0.3736/kWh over about 0.82 tCO2/MWh).
    pub operating_cash_per_tonne: Money,
    /// How long the fleet ends the 2019–2020 period, in basis points of its allocation
    /// (negative: short), when the timeline publishes no short count and gap for it (it does:
    /// 847 entities short by 188 Mt, which fix the first cycle's fleet). Default 300.
    pub period1_balance_bp: i32,
    /// The same for 2021–2022, for which nothing is published. Default -280: calibrated to the
    /// price level (`docs/model.md`, "Calibration").
    pub period2_balance_bp: i32,
    /// The same for every later power cycle (2023 on), for which nothing is published either.
    /// Default none: each later cycle's fleet as drawn around its own benchmarks, which leaves
    /// it close to balanced (assumption). The industrial cycles are never rebalanced: their
    /// allocation follows from their emissions (grandfathering) or balances each sector
    /// (intensity benchmarks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub later_balance_bp: Option<i32>,
    /// Daily bars shown to agents. Default 20.
    pub history_bars: u32,
    /// Intraday rounds after the opening one in which agents may act again
    /// ([`Agent::on_step`](crate::agents::Agent::on_step)). Default 0.
    pub intraday_steps: u32,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            compliance_firms: 2257,
            market_makers: 0,
            investors: 0,
            firm_cash: Money::from_cny(50_000_000),
            cash_per_tonne: Money::from_cny(10),
            operating_cash_per_tonne: Money::from_cny(45),
            period1_balance_bp: 300,
            period2_balance_bp: -280,
            later_balance_bp: None,
            history_bars: 20,
            intraday_steps: 0,
        }
    }
}

/// Which non-compliance traders are admitted (both off for 2021–2023, when only covered entities
/// could trade).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Participants {
    /// Admit market makers.
    pub market_makers: bool,
    /// Admit investors.
    pub investors: bool,
}

fn step(y: i32, m: u32, d: u32, per_month: u64) -> MonthlyStep {
    MonthlyStep {
        from: NaiveDate::from_ymd_opt(y, m, d).unwrap_or(CALENDAR_START),
        per_month: Quantity::new(per_month),
    }
}

/// The CCER and GEC sub-markets. Every default is derived in `docs/model.md` from the published
/// figures it names; values the public record lacks are marked there as assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubMarkets {
    /// Simulate CCER issuance, trading and offset use. Default off.
    pub ccer: bool,
    /// Simulate GEC issuance, trading and claims. Default off.
    pub gec: bool,
    /// Legacy CCER project owners, each owning one project whose credits trade in their own
    /// book. Default 5 (an assumption: the legacy stock's holders are not published).
    pub ccer_projects: u32,
    /// Legacy CCERs held by the project owners when the run starts. Default 50,000,000: the
    /// stock is not published, but it held at least the 32.73 Mt the first cycle surrendered
    /// and the 15.3 Mt of legacy credits still traded on the pilot exchanges in 2023 (48.03 Mt,
    /// rounded up; see `docs/model.md`).
    pub ccer_legacy_stock: Quantity,
    /// New CCER issuance per month, spread over the projects. Default 0 (issuance was suspended
    /// from March 2017 to the January 2024 relaunch).
    pub ccer_issuance_per_month: Quantity,
    /// The CCER book's reference price on its first day. Default CNY 40.00 (an assumption: no
    /// 2021–2022 CCER price series was found).
    pub ccer_reference_price: Price,
    /// Renewable generators issuing GECs (each sells its own certificates). Default 8.
    pub gec_generators: u32,
    /// GECs held by the generators when the run starts (all issued before the start month).
    /// Default 36,360,000 (derived: 120 M issued by end-July 2023, less 53.04 M in Jan–Jul 2023,
    /// 20.4 M in 2022 and 6 × 1.7 M in 2021 H2).
    pub gec_opening_stock: Quantity,
    /// GECs issued per month (each month, of the previous month's production). Default: 1.7 M
    /// from July 2021 (the 2022 rate, assumed for 2021
    /// H2), 7.577 M from January 2023 (53.04 M in Jan–Jul), 9.333 M from August 2023 (148 M by
    /// end-October), 11.91 M from November 2023 (the first full-coverage batch).
    pub gec_issuance: Vec<MonthlyStep>,
    /// GEC buyers (companies claiming green consumption). Default 50.
    pub gec_buyers: u32,
    /// Opening cash of each GEC buyer. Default CNY 200,000,000 (an assumption: ample for its
    /// share of the demand at the reference price).
    pub gec_buyer_cash: Money,
    /// GEC bought per month by all buyers together. Default: 1.2 M from July 2021 (2022 trading
    /// was below 26.17 M; an assumption), 3.738 M from January 2023 (26.17 M in Jan–Jul 2023),
    /// 10.76 M from August 2023 (an assumption reaching the ~100 M cumulative at end-2023).
    pub gec_demand: Vec<MonthlyStep>,
    /// The GEC books' reference price. Default CNY 19.00 (the one 2023 data point: 5.68 M GECs
    /// for over CNY 110 M on the Beijing platform's busiest day).
    pub gec_reference_price: Price,
    /// Green-power (bundled) trading from this day. Default 2021-09-07 (the pilot's launch).
    pub green_power_from: NaiveDate,
    /// Green power traded per month, MWh. Default 3,377,000 (87.8 TWh by end-October 2023 over
    /// the 26 months from September 2021).
    pub green_power_mwh_per_month: u64,
    /// Share of green power traded with its certificates bundled, in basis points. Default 1,000
    /// (an assumption: the bundled share is not published).
    pub green_power_bundled_bp: u32,
    /// GECs issued per month at full coverage, total and tradable (the rest, legacy hydro and
    /// self-consumption, goes to a non-tradable generator of its own), replacing
    /// `gec_issuance` from the first step's date. From that date, too, a GEC book closes once
    /// its generator holds none of it, and the GEC buyers receive `gec_buyer_cash_per_year`
    /// each January. Default from 2024: the NEA's 2024 monthly and yearly totals at 2024's
    /// tradable share, 2025 as released (an input), 2026 at 2025's average (an assumption);
    /// derived in `docs/model.md`.
    #[serde(skip_serializing_if = "hash_skips_scale_issuance")]
    pub gec_scale_issuance: Vec<GecIssuanceStep>,
    /// GECs bought per month by all the GEC buyers together at full coverage, replacing
    /// `gec_demand` from the first step's date. Default 2024's standalone trading: 15.1 M a
    /// month to October and 63 M in November and December, repeated in 2025 and 2026 (an
    /// assumption).
    #[serde(skip_serializing_if = "hash_skips_scale_demand")]
    pub gec_scale_demand: Vec<MonthlyStep>,
    /// The GEC sellers' reservation value from given dates (unless `behaviour.gec_seller`
    /// sets its own `anchor_steps`); from full coverage, a new batch's book opens at it.
    /// Default CNY 5.20 from 2024, calibrated so that the 2024 average standalone price lands
    /// near the published CNY 5.59 (secondary).
    #[serde(skip_serializing_if = "hash_skips_anchor")]
    pub gec_anchor_steps: Vec<PriceStep>,
    /// Green power and its bundled share from given dates, replacing
    /// `green_power_mwh_per_month` and `green_power_bundled_bp` from the first step's date.
    /// Default from 2024: 29.62 M MWh a month, 42.54 % bundled to October and 72.59 % in
    /// November and December, repeated in 2025 and 2026 (derived in `docs/model.md`).
    #[serde(skip_serializing_if = "hash_skips_green_power")]
    pub green_power_steps: Vec<GreenPowerStep>,
    /// Each GEC buyer's yearly budget at full coverage. Default CNY 120,000,000 (an
    /// assumption: about twice its share of 2024's trading at 2024's average price).
    #[serde(skip_serializing_if = "hash_skips_buyer_budget")]
    pub gec_buyer_cash_per_year: Money,
    /// GEC validity in months, counting the production month. Default 24 \[S91\].
    #[serde(skip_serializing_if = "hash_skips_validity")]
    pub gec_validity_months: u32,
    /// Certificates expire at the month ends from this day on. Default 2024-09-05 (the NEA
    /// rules \[S91\]).
    #[serde(skip_serializing_if = "hash_skips_validity_from")]
    pub gec_validity_from: NaiveDate,
    /// No certificate expires before this day's month end (output before 2024 stays valid to
    /// the end of 2025). Default 2025-12-31 \[S91\].
    #[serde(skip_serializing_if = "hash_skips_valid_through")]
    pub gec_valid_at_least_through: NaiveDate,
    /// The industrial sectors' GEC purchase mandates. Default aluminium, steel and cement from
    /// 2025-07-01 \[S127\] (ratios and bought shares: assumptions).
    #[serde(skip_serializing_if = "hash_skips_mandates")]
    pub gec_mandates: Vec<GecMandate>,
    /// Opening cash of each mandated buyer. Default CNY 300,000,000 (an assumption: ample).
    #[serde(skip_serializing_if = "hash_skips_mandate_cash")]
    pub gec_mandate_buyer_cash: Money,
    /// CCER 2.0 (projects under the 2023 Measures).
    #[serde(skip_serializing_if = "hash_skips_ccer2")]
    pub ccer2: Ccer2Settings,
}

impl Default for SubMarkets {
    fn default() -> Self {
        SubMarkets {
            ccer: false,
            gec: false,
            ccer_projects: 5,
            ccer_legacy_stock: Quantity::new(50_000_000),
            ccer_issuance_per_month: Quantity::ZERO,
            ccer_reference_price: Price::from_fen(4_000),
            gec_generators: 8,
            gec_opening_stock: Quantity::new(36_360_000),
            gec_issuance: vec![
                step(2021, 7, 1, 1_700_000),
                step(2023, 1, 1, 7_577_000),
                step(2023, 8, 1, 9_333_000),
                step(2023, 11, 1, 11_910_000),
            ],
            gec_buyers: 50,
            gec_buyer_cash: Money::from_cny(200_000_000),
            gec_demand: vec![
                step(2021, 7, 1, 1_200_000),
                step(2023, 1, 1, 3_738_000),
                step(2023, 8, 1, 10_760_000),
            ],
            gec_reference_price: Price::from_fen(1_900),
            green_power_from: NaiveDate::from_ymd_opt(2021, 9, 7).unwrap_or(CALENDAR_START),
            green_power_mwh_per_month: 3_377_000,
            green_power_bundled_bp: 1_000,
            gec_scale_issuance: submarkets::scale_issuance(),
            gec_scale_demand: submarkets::scale_demand(),
            gec_anchor_steps: submarkets::gec_anchor(),
            green_power_steps: submarkets::default_green_power(),
            gec_buyer_cash_per_year: submarkets::buyer_budget(),
            gec_validity_months: submarkets::VALIDITY_MONTHS,
            gec_validity_from: submarkets::validity_from(),
            gec_valid_at_least_through: submarkets::valid_at_least_through(),
            gec_mandates: submarkets::default_mandates(),
            gec_mandate_buyer_cash: submarkets::mandate_buyer_cash(),
            ccer2: Ccer2Settings::default(),
        }
    }
}

/// Behaviour parameters per agent type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// Covered entities.
    pub compliance_firm: ComplianceFirmParams,
    /// Market makers.
    pub market_maker: MarketMakerParams,
    /// Investors.
    pub investor: InvestorParams,
    /// CCER project owners (the subject prefix is set by the runner).
    pub ccer_seller: CertificateSellerParams,
    /// GEC generators (each sells its own certificates; the prefix is set by the runner).
    pub gec_seller: CertificateSellerParams,
    /// GEC buyers (the demand schedule is set by the runner from `submarkets.gec_demand`).
    pub gec_buyer: CertificateBuyerParams,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            compliance_firm: ComplianceFirmParams::default(),
            market_maker: MarketMakerParams::default(),
            investor: InvestorParams::default(),
            ccer_seller: CertificateSellerParams {
                markdown_step: 0.02,
                reservation_share: 0.5,
                ..CertificateSellerParams::default()
            },
            gec_seller: CertificateSellerParams {
                subject_prefix: "GEC".into(),
                ..CertificateSellerParams::default()
            },
            gec_buyer: CertificateBuyerParams::default(),
        }
    }
}

/// Monte Carlo settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonteCarloConfig {
    /// Number of seeds: `seed, seed + 1, …`. Default 100.
    pub seeds: u32,
}

impl Default for MonteCarloConfig {
    fn default() -> Self {
        MonteCarloConfig { seeds: 100 }
    }
}

/// What is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Output folder. Default `out/<scenario name>` (see [`ScenarioConfig::output_dir`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// Write the daily CSV. Default on.
    pub daily_csv: bool,
    /// Write the JSON summary. Default on.
    pub summary_json: bool,
    /// Write SVG charts. Default on.
    pub charts: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: None,
            daily_csv: true,
            summary_json: true,
            charts: true,
        }
    }
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioConfig {
    /// A short name for reports.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// First simulated day.
    pub start: NaiveDate,
    /// Last simulated day.
    pub end: NaiveDate,
    /// Extends the calendar beyond 2023-12-29 (weekdays only past the embedded closures).
    #[serde(default)]
    pub calendar_end: Option<NaiveDate>,
    /// Agents.
    #[serde(default)]
    pub fleet: FleetConfig,
    /// Admission of non-compliance traders.
    #[serde(default)]
    pub participants: Participants,
    /// CCER and GEC.
    #[serde(default)]
    pub submarkets: SubMarkets,
    /// Behaviour parameters.
    #[serde(default)]
    pub behaviour: Behaviour,
    /// Covered firms' abatement and the price outlook.
    #[serde(default)]
    pub economics: EconomicsParams,
    /// Monte Carlo settings.
    #[serde(default)]
    pub montecarlo: MonteCarloConfig,
    /// Outputs.
    #[serde(default)]
    pub output: OutputConfig,
    /// Overrides of the published policy timeline (`data/policy/national_ets.toml`), merged
    /// over it table by table: `[policy.cycles.2019-2020.offsets] limit_pct = 10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<toml::Table>,
}

fn invalid(field: &str, value: &dyn std::fmt::Display, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn check_share(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(field, &v, "must be between 0 and 1"))
    }
}

fn check_non_negative(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(field, &v, "must be a finite number >= 0"))
    }
}

fn check_positive(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(field, &v, "must be a finite number > 0"))
    }
}

/// The subjects firms trade must be allowance vintages of the timeline (`CEA`, `CEA21`, …).
fn check_subjects(timeline: &Timeline, subjects: &[String]) -> Result<(), ConfigError> {
    let vintages = &timeline.spec().vintages;
    match subjects.iter().find(|s| !vintages.contains_key(s.as_str())) {
        Some(bad) => {
            let known: Vec<&str> = vintages.keys().map(String::as_str).collect();
            Err(invalid(
                "behaviour.compliance_firm.allowance_subjects",
                &format!("{bad:?}"),
                &format!(
                    "is not an allowance vintage of the timeline ({})",
                    known.join(", ")
                ),
            ))
        }
        None => Ok(()),
    }
}

fn check_firm(p: &ComplianceFirmParams) -> Result<(), ConfigError> {
    const F: &str = "behaviour.compliance_firm.";
    let f = |name: &str| format!("{F}{name}");
    if p.allowance_subjects.is_empty() {
        return Err(invalid(
            &f("allowance_subjects"),
            &"[]",
            "must name at least one subject",
        ));
    }
    for (name, v) in [
        ("expectation_adjustment", p.expectation_adjustment),
        ("base_activity", p.base_activity),
        ("min_trade_fraction", p.min_trade_fraction),
        ("banking_share", p.banking_share),
        ("cash_buffer_share", p.cash_buffer_share),
        ("block_probability", p.block_probability),
        ("taker_urgency", p.taker_urgency),
        ("price_noise", p.price_noise),
        ("max_bank_discount", p.max_bank_discount),
        ("fundamental_weight", p.fundamental_weight),
        ("internal_lead_share", p.internal_lead_share),
        (
            "pending_allocation_uncertainty",
            p.pending_allocation_uncertainty,
        ),
        (
            "unpublished_allocation_uncertainty",
            p.unpublished_allocation_uncertainty,
        ),
    ] {
        check_share(&f(name), v)?;
    }
    for (name, v) in [
        ("trend_weight", p.trend_weight),
        ("bid_markup", p.bid_markup),
        ("urgency_markup", p.urgency_markup),
        ("hold_if_expected_rise", p.hold_if_expected_rise),
        ("noncompliance_cost_per_t", p.noncompliance_cost_per_t),
    ] {
        check_non_negative(&f(name), v)?;
    }
    check_positive(&f("urgency_horizon_days"), p.urgency_horizon_days)?;
    for (name, v) in [
        ("ask_discount", p.ask_discount),
        ("urgency_discount", p.urgency_discount),
    ] {
        check_share(&f(name), v)?;
    }
    if !(p.ccer_min_discount.is_finite() && (0.0..1.0).contains(&p.ccer_min_discount)) {
        return Err(invalid(
            &f("ccer_min_discount"),
            &p.ccer_min_discount,
            "must be in [0, 1)",
        ));
    }
    if p.trend_window_days == 0 {
        return Err(invalid(&f("trend_window_days"), &0, "must be at least 1"));
    }
    if p.liquidity_cash_target.is_negative() {
        return Err(invalid(
            &f("liquidity_cash_target"),
            &p.liquidity_cash_target,
            "must be >= 0",
        ));
    }
    Ok(())
}

fn check_maker(p: &MarketMakerParams) -> Result<(), ConfigError> {
    check_positive("behaviour.market_maker.half_spread", p.half_spread)?;
    if p.half_spread >= 1.0 {
        return Err(invalid(
            "behaviour.market_maker.half_spread",
            &p.half_spread,
            "must be < 1",
        ));
    }
    if p.quote_size.is_zero() {
        return Err(invalid(
            "behaviour.market_maker.quote_size",
            &0,
            "must be at least 1",
        ));
    }
    Ok(())
}

fn check_investor(p: &InvestorParams) -> Result<(), ConfigError> {
    const F: &str = "behaviour.investor.";
    check_non_negative(&format!("{F}entry_threshold"), p.entry_threshold)?;
    check_non_negative(&format!("{F}aggression"), p.aggression)?;
    check_share(&format!("{F}activity"), p.activity)?;
    check_positive(&format!("{F}position_share"), p.position_share)?;
    check_share(&format!("{F}position_share"), p.position_share)?;
    if p.window_days == 0 {
        return Err(invalid(
            &format!("{F}window_days"),
            &0,
            "must be at least 1",
        ));
    }
    Ok(())
}

fn check_schedule(field: &str, schedule: &[MonthlyStep]) -> Result<(), ConfigError> {
    for pair in schedule.windows(2) {
        if pair[1].from <= pair[0].from {
            return Err(invalid(
                &format!("{field}.from"),
                &pair[1].from,
                &format!(
                    "steps must be in increasing date order (after {})",
                    pair[0].from
                ),
            ));
        }
    }
    Ok(())
}

fn check_seller(prefix: &str, p: &CertificateSellerParams) -> Result<(), ConfigError> {
    check_anchor_steps(&format!("{prefix}anchor_steps"), &p.anchor_steps)?;
    for (name, v) in [
        ("activity", p.activity),
        ("daily_share", p.daily_share),
        ("ask_discount", p.ask_discount),
        ("price_noise", p.price_noise),
        ("block_probability", p.block_probability),
        ("anchor_weight", p.anchor_weight),
        ("markdown_step", p.markdown_step),
        ("reservation_share", p.reservation_share),
    ] {
        check_share(&format!("{prefix}{name}"), v)?;
    }
    if p.markdown_step >= 1.0 {
        return Err(invalid(
            &format!("{prefix}markdown_step"),
            &p.markdown_step,
            "must be below 1",
        ));
    }
    Ok(())
}

fn check_submarkets(m: &SubMarkets) -> Result<(), ConfigError> {
    const F: &str = "submarkets.";
    if m.ccer && m.ccer_projects == 0 {
        return Err(invalid(
            &format!("{F}ccer_projects"),
            &0,
            "must be at least 1 when ccer is on",
        ));
    }
    if m.gec && m.gec_generators == 0 {
        return Err(invalid(
            &format!("{F}gec_generators"),
            &0,
            "must be at least 1 when gec is on",
        ));
    }
    if m.gec && m.gec_buyers == 0 {
        return Err(invalid(
            &format!("{F}gec_buyers"),
            &0,
            "must be at least 1 when gec is on",
        ));
    }
    check_limits(&[
        (
            "submarkets.ccer_projects",
            m.ccer_projects,
            MAX_CERTIFICATE_ACCOUNTS,
            "one account and subject each",
        ),
        (
            "submarkets.gec_generators",
            m.gec_generators,
            MAX_CERTIFICATE_ACCOUNTS,
            "one account and a subject a month each",
        ),
        (
            "submarkets.gec_buyers",
            m.gec_buyers,
            MAX_CERTIFICATE_ACCOUNTS,
            "one account each",
        ),
    ])?;
    for (name, price) in [
        ("ccer_reference_price", m.ccer_reference_price),
        ("gec_reference_price", m.gec_reference_price),
    ] {
        if price.fen() <= 0 {
            return Err(invalid(&format!("{F}{name}"), &price, "must be > 0"));
        }
    }
    if m.gec_buyer_cash.is_negative() {
        return Err(invalid(
            &format!("{F}gec_buyer_cash"),
            &m.gec_buyer_cash,
            "must be >= 0",
        ));
    }
    if m.green_power_bundled_bp > 10_000 {
        return Err(invalid(
            &format!("{F}green_power_bundled_bp"),
            &m.green_power_bundled_bp,
            "must be at most 10000 (100 %)",
        ));
    }
    check_schedule(&format!("{F}gec_issuance"), &m.gec_issuance)?;
    check_schedule(&format!("{F}gec_demand"), &m.gec_demand)?;
    check_later_submarkets(m)
}

fn check_later_submarkets(m: &SubMarkets) -> Result<(), ConfigError> {
    const F: &str = "submarkets.";
    check_scale_issuance(&format!("{F}gec_scale_issuance"), &m.gec_scale_issuance)?;
    check_schedule(&format!("{F}gec_scale_demand"), &m.gec_scale_demand)?;
    check_anchor_steps(&format!("{F}gec_anchor_steps"), &m.gec_anchor_steps)?;
    check_green_power(&format!("{F}green_power_steps"), &m.green_power_steps)?;
    check_mandates(&format!("{F}gec_mandates"), &m.gec_mandates)?;
    if !(1..=120).contains(&m.gec_validity_months) {
        return Err(invalid(
            &format!("{F}gec_validity_months"),
            &m.gec_validity_months,
            "must be 1 to 120",
        ));
    }
    for (name, cash) in [
        ("gec_buyer_cash_per_year", m.gec_buyer_cash_per_year),
        ("gec_mandate_buyer_cash", m.gec_mandate_buyer_cash),
    ] {
        if cash.is_negative() {
            return Err(invalid(&format!("{F}{name}"), &cash, "must be >= 0"));
        }
    }
    check_ccer2(&format!("{F}ccer2"), &m.ccer2)
}

impl ScenarioConfig {
    /// Parses TOML text and validates it.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] or [`ConfigError::Invalid`].
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: ScenarioConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            format: "toml",
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Parses JSON text and validates it.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] or [`ConfigError::Invalid`].
    pub fn from_json_str(text: &str) -> Result<Self, ConfigError> {
        let config: ScenarioConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Parse {
                format: "json",
                message: e.to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Reads a `.toml` or `.json` scenario file and validates it.
    ///
    /// # Errors
    /// [`ConfigError::UnknownFormat`], [`ConfigError::Io`], [`ConfigError::Parse`] or
    /// [`ConfigError::Invalid`].
    pub fn from_path(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let parse: fn(&str) -> Result<Self, ConfigError> = match ext.as_deref() {
            Some("toml") => Self::from_toml_str,
            Some("json") => Self::from_json_str,
            _ => return Err(ConfigError::UnknownFormat { path: shown }),
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: shown,
            source,
        })?;
        parse(&text)
    }

    /// The policy timeline the scenario runs: the published one with `[policy]` merged over it.
    ///
    /// # Errors
    /// [`ConfigError::Policy`] naming the field and value.
    pub fn timeline(&self) -> Result<Timeline, ConfigError> {
        let timeline = match &self.policy {
            Some(overrides) => Timeline::with_overrides(overrides, "scenario [policy]"),
            None => Timeline::published(),
        };
        timeline.map_err(|e| ConfigError::Policy(Box::new(e)))
    }

    /// Where a run writes: `output.dir`, or `out/<name>` so that runs of different scenarios
    /// never share a folder.
    #[must_use]
    pub fn output_dir(&self) -> std::path::PathBuf {
        self.output.dir.as_ref().map_or_else(
            || std::path::Path::new("out").join(&self.name),
            std::path::PathBuf::from,
        )
    }

    /// The last day the calendar covers: `calendar_end` or 2023-12-29.
    #[must_use]
    pub fn calendar_end(&self) -> NaiveDate {
        self.calendar_end.unwrap_or(CALENDAR_END)
    }

    /// Checks every value, naming the first bad field and its value.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(invalid(
                "name",
                &format!("{:?}", self.name),
                "must not be empty",
            ));
        }
        if let Some(extended) = self.calendar_end {
            if extended < CALENDAR_END {
                return Err(invalid(
                    "calendar_end",
                    &extended,
                    "must not end before 2023-12-29",
                ));
            }
        }
        let last = self.calendar_end();
        for (field, date) in [("start", self.start), ("end", self.end)] {
            if date < CALENDAR_START || date > last {
                return Err(invalid(
                    field,
                    &date,
                    &format!(
                        "must lie in the calendar {CALENDAR_START}..{last} (extend it with calendar_end)"
                    ),
                ));
            }
        }
        if self.end < self.start {
            return Err(invalid(
                "end",
                &self.end,
                &format!("must not be before start {}", self.start),
            ));
        }
        check_fleet(&self.fleet, self.participants)?;
        self.economics
            .validate()
            .map_err(|(field, value, reason)| invalid(&field, &value, &reason))?;
        if self.montecarlo.seeds == 0 {
            return Err(invalid("montecarlo.seeds", &0, "must be at least 1"));
        }
        check_limits(&[(
            "montecarlo.seeds",
            self.montecarlo.seeds,
            MAX_SEEDS,
            "about 10 KiB a seed",
        )])?;
        if let Some(dir) = &self.output.dir
            && dir.trim().is_empty()
        {
            return Err(invalid(
                "output.dir",
                &format!("{dir:?}"),
                "must not be empty",
            ));
        }
        let timeline = self.timeline()?;
        check_subjects(
            &timeline,
            &self.behaviour.compliance_firm.allowance_subjects,
        )?;
        check_submarkets(&self.submarkets)?;
        check_seller("behaviour.ccer_seller.", &self.behaviour.ccer_seller)?;
        check_seller("behaviour.gec_seller.", &self.behaviour.gec_seller)?;
        check_non_negative(
            "behaviour.gec_buyer.max_premium",
            self.behaviour.gec_buyer.max_premium,
        )?;
        check_non_negative(
            "behaviour.gec_buyer.bid_markup",
            self.behaviour.gec_buyer.bid_markup,
        )?;
        check_firm(&self.behaviour.compliance_firm)?;
        check_maker(&self.behaviour.market_maker)?;
        check_investor(&self.behaviour.investor)
    }

    /// The scenario's canonical JSON: fields in declaration order, compact.
    #[must_use]
    pub fn canonical_json(&self) -> String {
        // Serialising plain structs of strings, numbers, booleans and dates cannot fail.
        submarkets::for_the_hash(|| serde_json::to_string(self).unwrap_or_default())
    }

    /// Stable content hash: FNV-1a 64 of [`canonical_json`](Self::canonical_json), as 16 lowercase
    /// hex digits.
    #[must_use]
    pub fn content_hash(&self) -> String {
        format!("{:016x}", fnv1a64(self.canonical_json().as_bytes()))
    }
}

/// The fleet's counts, admissions, balances and cash.
fn check_fleet(fleet: &FleetConfig, participants: Participants) -> Result<(), ConfigError> {
    if fleet.market_makers > 0 && !participants.market_makers {
        return Err(invalid(
            "fleet.market_makers",
            &fleet.market_makers,
            "market makers are not admitted: set participants.market_makers = true",
        ));
    }
    if fleet.investors > 0 && !participants.investors {
        return Err(invalid(
            "fleet.investors",
            &fleet.investors,
            "investors are not admitted: set participants.investors = true",
        ));
    }
    if fleet.compliance_firms == 0 && fleet.market_makers == 0 && fleet.investors == 0 {
        return Err(invalid(
            "fleet.compliance_firms",
            &0,
            "the fleet has no agent",
        ));
    }
    check_balances_and_cash(fleet)?;
    check_limits(&[
        (
            "fleet.compliance_firms",
            fleet.compliance_firms,
            MAX_FIRMS,
            "about 60 KiB each",
        ),
        (
            "fleet.market_makers",
            fleet.market_makers,
            MAX_TRADERS,
            "about 10 KiB each",
        ),
        (
            "fleet.investors",
            fleet.investors,
            MAX_TRADERS,
            "about 10 KiB each",
        ),
        (
            "fleet.intraday_steps",
            fleet.intraday_steps,
            MAX_INTRADAY_STEPS,
            "each a full round of every agent",
        ),
        (
            "fleet.history_bars",
            fleet.history_bars,
            MAX_HISTORY_BARS,
            "bars shown to every agent every day",
        ),
    ])
}

/// The fleet's balances (within ±50 %) and cash amounts (not negative).
fn check_balances_and_cash(fleet: &FleetConfig) -> Result<(), ConfigError> {
    for (field, bp) in [
        ("fleet.period1_balance_bp", fleet.period1_balance_bp),
        ("fleet.period2_balance_bp", fleet.period2_balance_bp),
        (
            "fleet.later_balance_bp",
            fleet.later_balance_bp.unwrap_or_default(),
        ),
    ] {
        if !(-5_000..=5_000).contains(&bp) {
            return Err(invalid(
                field,
                &bp,
                "must be between -5000 and 5000 (±50 %)",
            ));
        }
    }
    for (field, cash) in [
        ("fleet.firm_cash", fleet.firm_cash),
        ("fleet.cash_per_tonne", fleet.cash_per_tonne),
        (
            "fleet.operating_cash_per_tonne",
            fleet.operating_cash_per_tonne,
        ),
    ] {
        if cash.is_negative() {
            return Err(invalid(field, &cash, "must be >= 0"));
        }
    }
    Ok(())
}

/// The most covered entities a scenario may draw: above China's whole covered fleet (about 3,600
/// entities with steel, cement and aluminium), small enough that a run fits in memory.
pub const MAX_FIRMS: u32 = 100_000;
/// The most market makers or investors.
pub const MAX_TRADERS: u32 = 10_000;
/// The most intraday rounds after the opening one.
pub const MAX_INTRADAY_STEPS: u32 = 100;
/// The most daily bars shown to agents.
pub const MAX_HISTORY_BARS: u32 = 2_500;
/// The most seeds of one study (each keeps its daily series: about 10 KiB a seed).
pub const MAX_SEEDS: u32 = 100_000;
/// The most CCER projects, GEC generators or GEC buyers.
pub const MAX_CERTIFICATE_ACCOUNTS: u32 = 100_000;

/// Refuses a count above its documented limit, naming the field, the value and its cost.
fn check_limits(limits: &[(&str, u32, u32, &str)]) -> Result<(), ConfigError> {
    for &(field, value, max, cost) in limits {
        if value > max {
            return Err(invalid(
                field,
                &value,
                &format!("must be at most {max} ({cost})"),
            ));
        }
    }
    Ok(())
}

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
#[must_use]
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "t"
seed = 7
start = "2021-07-16"
end = "2021-12-31"
"#;

    fn invalid_field(text: &str) -> Option<(String, String)> {
        match ScenarioConfig::from_toml_str(text) {
            Err(ConfigError::Invalid { field, value, .. }) => Some((field, value)),
            _ => None,
        }
    }

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn minimal_file_gets_documented_defaults() {
        let c = ScenarioConfig::from_toml_str(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.fleet.compliance_firms, 2257);
        assert!(!c.participants.market_makers && !c.participants.investors);
        assert!(!c.submarkets.ccer && !c.submarkets.gec);
        assert_eq!(c.behaviour.compliance_firm, ComplianceFirmParams::default());
        assert_eq!(c.montecarlo.seeds, 100);
    }

    #[test]
    fn hash_is_format_independent_and_sensitive_to_content() {
        let a = ScenarioConfig::from_toml_str(MINIMAL).unwrap_or_else(|e| panic!("{e}"));
        let b =
            ScenarioConfig::from_json_str(&a.canonical_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.content_hash(), b.content_hash());
        assert_eq!(a.content_hash().len(), 16);
        let mut c = a.clone();
        c.behaviour.compliance_firm.base_activity = 0.06;
        assert_ne!(a.content_hash(), c.content_hash());
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_name() {
        let text = format!("{MINIMAL}\n[fleet]\ncompliance_firm = 3\n");
        let err = ScenarioConfig::from_toml_str(&text)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("compliance_firm")),
            "{err:?}"
        );
        let err = ScenarioConfig::from_json_str(
            r#"{"name":"t","seed":1,"start":"2021-07-16","end":"2021-07-16","colour":1}"#,
        )
        .err()
        .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("colour")),
            "{err:?}"
        );
    }

    #[test]
    fn negative_volume_names_the_value() {
        let text = format!("{MINIMAL}\n[submarkets]\nccer_issuance_per_month = \"-5\"\n");
        let err = ScenarioConfig::from_toml_str(&text)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(
                |e| e.contains("\"-5\" is negative") && e.contains("ccer_issuance_per_month")
            ),
            "{err:?}"
        );
    }

    #[test]
    fn dates_outside_the_calendar_name_field_and_value() {
        let early = MINIMAL.replace("2021-07-16", "2021-07-15");
        assert_eq!(
            invalid_field(&early),
            Some(("start".into(), "2021-07-15".into()))
        );
        let late = MINIMAL.replace("2021-12-31", "2024-01-02");
        assert_eq!(
            invalid_field(&late),
            Some(("end".into(), "2024-01-02".into()))
        );
        let extended = format!("calendar_end = \"2024-12-31\"\n{late}");
        assert!(ScenarioConfig::from_toml_str(&extended).is_ok());
        let backwards = MINIMAL
            .replace("2021-12-31", "2021-07-16")
            .replace("start = \"2021-07-16\"", "start = \"2021-08-02\"");
        assert_eq!(
            invalid_field(&backwards),
            Some(("end".into(), "2021-07-16".into()))
        );
    }

    #[test]
    fn impossible_values_name_field_and_value() {
        let cases = [
            (
                "[behaviour.compliance_firm]\nbase_activity = 1.5",
                "behaviour.compliance_firm.base_activity",
                "1.5",
            ),
            (
                "[behaviour.compliance_firm]\nurgency_horizon_days = 0.0",
                "behaviour.compliance_firm.urgency_horizon_days",
                "0",
            ),
            (
                "[behaviour.compliance_firm]\ninternal_lead_share = 1.5",
                "behaviour.compliance_firm.internal_lead_share",
                "1.5",
            ),
            (
                "[behaviour.market_maker]\nhalf_spread = -0.1",
                "behaviour.market_maker.half_spread",
                "-0.1",
            ),
            ("[fleet]\nmarket_makers = 3", "fleet.market_makers", "3"),
            ("[montecarlo]\nseeds = 0", "montecarlo.seeds", "0"),
            ("[fleet]\nfirm_cash = \"-1.00\"", "fleet.firm_cash", "-1.00"),
        ];
        for (extra, field, value) in cases {
            let got = invalid_field(&format!("{MINIMAL}\n{extra}\n"));
            assert_eq!(got, Some((field.to_string(), value.to_string())), "{extra}");
        }
    }

    #[test]
    fn file_extension_chooses_the_format() {
        let err = ScenarioConfig::from_path(Path::new("scenario.yaml")).err();
        assert!(matches!(err, Some(ConfigError::UnknownFormat { .. })));
        let err = ScenarioConfig::from_path(Path::new("no/such/file.toml")).err();
        assert!(err.is_some_and(|e| e.to_string().contains("no/such/file.toml")));
    }
}
