//! The CCER and GEC supply side of an agent-based run: legacy CCER projects taken through the
//! registry's lifecycle (file, validate, register, monitor, verify, issue), GEC generators metered
//! each month (at full coverage, tradable certificates to the selling generators and the rest to
//! a non-tradable generator of its own), new GEC months listed in their own books, validity run
//! out at month ends, and the month's green-power deals. What is issued, traded, claimed, dealt
//! and expired is counted here for the report's comparison with the published figures; the buyer
//! side (claims, green-power deals) is in `gec_deals`, CCER 2.0 in `ccer2`, the purchase
//! mandates in `gec_mandates`.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::ccer2::Ccer2;
use super::gec_deals::Claims;
use super::gec_mandates::MandatedBuyer;
use super::gec_vintages::GecVintages;
use crate::registry::{
    AccountId, AccountKind, GeneratorId, KWH_PER_CERTIFICATE, Methodology, ProjectStep, Registry,
    RegistryError, SubjectId, Technology, YearMonth,
};
use crate::scenario::config::SubMarkets;
use crate::schedule::per_month_on;
use crate::units::{Money, Price, Quantity};

/// Cumulative certificate counts at the end of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateMonth {
    /// The month.
    pub month: YearMonth,
    /// GECs issued since the run began, opening stock included (tradable and not).
    pub gec_issued: Quantity,
    /// GECs traded on the exchange since the run began.
    pub gec_traded: Quantity,
    /// GECs transferred in green-power deals since the run began.
    pub gec_green_power: Quantity,
    /// Green power dealt since the run began, MWh.
    pub green_power_mwh: u64,
    /// GECs claimed (cancelled for consumption) since the run began.
    pub gec_claimed: Quantity,
    /// CCERs traded on the exchange since the run began (legacy and 2023 Measures).
    pub ccer_traded: Quantity,
    /// CCERs cancelled as offsets since the run began.
    pub ccer_offset: Quantity,
    /// Of `gec_issued`, the non-tradable certificates (full coverage).
    #[serde(default)]
    pub gec_non_tradable_issued: Quantity,
    /// GECs whose validity ran out since the run began.
    #[serde(default)]
    pub gec_expired: Quantity,
    /// Of `gec_traded`, what the mandated buyers bought.
    #[serde(default)]
    pub gec_mandate_bought: Quantity,
    /// CCERs issued under the 2023 Measures since the run began.
    #[serde(default)]
    pub ccer2_issued: Quantity,
    /// Of `ccer_traded`, credits of the 2023 Measures.
    #[serde(default)]
    pub ccer2_traded: Quantity,
    /// Of `ccer_offset`, credits of the 2023 Measures.
    #[serde(default)]
    pub ccer2_offset: Quantity,
}

/// One newly issued subject to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewListing {
    /// Registry subject.
    pub subject: SubjectId,
    /// Exchange code.
    pub code: String,
}

/// The supply side; see the module documentation.
#[derive(Debug, Clone)]
pub struct Certificates {
    pub(super) settings: SubMarkets,
    /// Legacy CCER project owners.
    pub ccer_owners: Vec<AccountId>,
    /// CCER subjects with their codes: one per legacy project first, then the 2023-Measures
    /// credits as they are issued (one per project and vintage).
    pub ccer_subjects: Vec<(SubjectId, String)>,
    /// How many of `ccer_subjects` are legacy.
    pub(super) legacy_ccer: usize,
    /// Whether the legacy credits' books are still open.
    legacy_open: bool,
    /// Selling GEC generators: (account, generator, code prefix).
    pub generators: Vec<(AccountId, GeneratorId, String)>,
    /// Each selling generator's subjects, oldest first.
    pub(super) own: Vec<Vec<SubjectId>>,
    /// The generator account selling each tradable subject.
    sellers: HashMap<SubjectId, AccountId>,
    /// The generator of the non-tradable certificates, registered at full coverage.
    non_tradable: Option<GeneratorId>,
    /// GEC buyers.
    pub gec_buyers: Vec<AccountId>,
    /// Tradable GEC subjects issued so far, oldest first.
    pub gec_subjects: Vec<SubjectId>,
    /// Each listed GEC code's production month.
    pub(super) gec_months: HashMap<String, YearMonth>,
    last_metered: Option<YearMonth>,
    pub(super) totals: CertificateMonth,
    /// Month-end counts.
    pub months: Vec<CertificateMonth>,
    /// Who claims what it bought, and what is still to claim.
    pub(super) claims: Claims,
    /// GEC trading by production year.
    pub(super) vintages: GecVintages,
    /// CCER 2.0 projects and their owners.
    pub(super) ccer2: Ccer2,
    /// The buyers under the industrial sectors' purchase mandates.
    pub(super) mandated: Vec<MandatedBuyer>,
}

/// Part `k` of `total` split in `n` equal parts, the first `total % n` parts one unit larger, so
/// the parts add up to `total`.
/// The CCERs surrendered as offsets by the end of the first cycle's deadline month, from the
/// run's month-end totals; `None` when the run does not cover that month.
pub(super) fn first_cycle_offsets(months: &[CertificateMonth]) -> Option<Quantity> {
    let (y, m) = crate::history::FIRST_CYCLE_DEADLINE_MONTH;
    let month = YearMonth::new(y, m)?;
    months
        .iter()
        .find(|c| c.month == month)
        .map(|c| c.ccer_offset)
}

pub(super) fn equal_share(total: u64, n: u64, k: u64) -> u64 {
    total / n + u64::from(k < total % n)
}

/// The month of `date` (calendar dates the runner accepts have years that fit in `u16`).
pub(super) fn ym(date: NaiveDate) -> YearMonth {
    YearMonth::new(date.year() as u16, date.month() as u8).unwrap_or(FALLBACK_MONTH)
}

/// Only reached for impossible months; any value keeps the run total.
const FALLBACK_MONTH: YearMonth = match YearMonth::new(2021, 1) {
    Some(m) => m,
    None => panic!("January is a month"),
};

fn prev_month(m: YearMonth) -> YearMonth {
    let prev = if m.month() == 1 {
        YearMonth::new(m.year() - 1, 12)
    } else {
        YearMonth::new(m.year(), m.month() - 1)
    };
    prev.unwrap_or(m)
}

impl Certificates {
    /// Opens the accounts, files and issues the legacy CCER projects and registers the GEC
    /// generators and buyers. CCER 2.0 and the mandated buyers come later
    /// ([`Certificates::set_up_later`]), so that their accounts follow every other.
    ///
    /// # Errors
    /// A registry refusal (a bug in the set-up).
    pub fn set_up(
        registry: &mut Registry,
        settings: &SubMarkets,
        start: NaiveDate,
        buyer_cash: Money,
    ) -> Result<Self, RegistryError> {
        let mut c = Certificates {
            settings: settings.clone(),
            ccer_owners: Vec::new(),
            ccer_subjects: Vec::new(),
            legacy_ccer: 0,
            legacy_open: true,
            generators: Vec::new(),
            own: Vec::new(),
            sellers: HashMap::new(),
            non_tradable: None,
            gec_buyers: Vec::new(),
            gec_subjects: Vec::new(),
            gec_months: HashMap::new(),
            last_metered: None,
            totals: CertificateMonth::empty(ym(start)),
            months: Vec::new(),
            claims: Claims::default(),
            vintages: GecVintages::default(),
            ccer2: Ccer2::default(),
            mandated: Vec::new(),
        };
        if settings.ccer {
            c.set_up_ccer(registry)?;
        }
        if settings.gec {
            c.set_up_gec(registry, buyer_cash)?;
        }
        Ok(c)
    }

    /// The GEC generators (onshore wind and solar PV alternately, each selling its own
    /// batches) and buyers (each with `buyer_cash`, claiming what it buys).
    fn set_up_gec(
        &mut self,
        registry: &mut Registry,
        buyer_cash: Money,
    ) -> Result<(), RegistryError> {
        for k in 0..self.settings.gec_generators {
            let account =
                registry.open_account(AccountKind::RenewableGenerator, format!("G{k:03}"));
            let technology = if k % 2 == 0 {
                Technology::OnshoreWind
            } else {
                Technology::SolarPv
            };
            let generator = registry.register_generator(account, technology, true, false)?;
            self.generators
                .push((account, generator, format!("GEC-G{k:03}-")));
            self.own.push(Vec::new());
        }
        for k in 0..self.settings.gec_buyers {
            let account = registry.open_account(AccountKind::CertificateBuyer, format!("B{k:03}"));
            if buyer_cash > Money::ZERO {
                registry.deposit_cash(account, buyer_cash)?;
            }
            self.gec_buyers.push(account);
            self.claims.add_claimer(account, false);
        }
        Ok(())
    }

    /// CCER 2.0 (projects filed, owners' accounts, the plants' GEC generators linked) and the
    /// mandated GEC buyers, on accounts opened after every other.
    ///
    /// # Errors
    /// A registry refusal (a bug in the set-up).
    /// Only what the run reaches is set up: CCER 2.0 if it runs to the registration day, each
    /// mandate if it runs to the mandate's start.
    pub fn set_up_later(
        &mut self,
        registry: &mut Registry,
        end: NaiveDate,
    ) -> Result<(), RegistryError> {
        if self.settings.ccer && self.settings.ccer2.registered <= end {
            self.ccer2 = Ccer2::set_up(registry, &self.settings.ccer2, self.settings.gec)?;
        }
        if self.settings.gec {
            self.set_up_mandates(registry, end)?;
        }
        Ok(())
    }

    fn set_up_ccer(&mut self, registry: &mut Registry) -> Result<(), RegistryError> {
        let s = &self.settings;
        let n = u64::from(s.ccer_projects);
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let (from, to) = (date(2015, 1, 1), date(2016, 12, 31));
        for k in 0..n {
            let owner = registry.open_account(AccountKind::ProjectOwner, format!("P{k:03}"));
            let project = registry.file_project(
                owner,
                Methodology::LegacyRenewable,
                date(2013, 1, 1),
                date(2022, 12, 31),
            )?;
            let share = equal_share(s.ccer_legacy_stock.units(), n, k);
            self.ccer_owners.push(owner);
            if share == 0 {
                continue;
            }
            let quantity = Quantity::new(share);
            for step in [
                ProjectStep::Validate,
                ProjectStep::Register,
                ProjectStep::Monitor { from, to },
                ProjectStep::Verify { from, to, quantity },
            ] {
                registry.advance_project(project, step)?;
            }
            let (subject, _) = registry.issue_ccer(project, from, to, quantity)?;
            self.ccer_subjects.push((subject, format!("CCER-P{k:03}")));
        }
        self.legacy_ccer = self.ccer_subjects.len();
        Ok(())
    }

    /// Meters the opening GEC stock (everything issued before the start month); returns the new
    /// subjects to list.
    ///
    /// # Errors
    /// A registry refusal (a bug).
    pub fn open(
        &mut self,
        registry: &mut Registry,
        start: NaiveDate,
    ) -> Result<Vec<NewListing>, RegistryError> {
        if !self.settings.gec {
            return Ok(Vec::new());
        }
        // Labelled two months back: the start month's own issuance (of the previous month's
        // production) is made on the first day.
        let month = prev_month(prev_month(ym(start)));
        self.meter(registry, month, self.settings.gec_opening_stock)
    }

    fn meter(
        &mut self,
        registry: &mut Registry,
        month: YearMonth,
        total: Quantity,
    ) -> Result<Vec<NewListing>, RegistryError> {
        let mut out = Vec::new();
        let n = self.generators.len() as u64;
        if n == 0 {
            return Ok(out);
        }
        for (k, (account, generator, prefix)) in self.generators.iter().enumerate() {
            let share = equal_share(total.units(), n, k as u64);
            let kwh = share.saturating_mul(KWH_PER_CERTIFICATE);
            let (subject, issued) = registry.meter(*generator, month, kwh)?;
            self.totals.gec_issued += issued;
            if let Some(subject) = subject {
                self.gec_subjects.push(subject);
                self.own[k].push(subject);
                self.sellers.insert(subject, *account);
                let code = format!("{prefix}{month}");
                self.gec_months.insert(code.clone(), month);
                out.push(NewListing { subject, code });
            }
        }
        self.last_metered = Some(month);
        Ok(out)
    }

    /// The first day of full coverage (the first full-coverage issuance step), if any.
    pub(super) fn full_coverage_from(&self) -> Option<NaiveDate> {
        self.settings.gec_scale_issuance.first().map(|s| s.from)
    }

    /// Tradable and non-tradable GECs issued in `date`'s month: the full-coverage steps from
    /// their first date, the 2021–2023 schedule (all tradable) before it.
    fn issuance_on(&self, date: NaiveDate) -> (Quantity, Quantity) {
        let scale = &self.settings.gec_scale_issuance;
        match scale.iter().rev().find(|s| s.from <= date) {
            Some(s) => (s.tradable, s.total.saturating_sub(s.tradable)),
            None => (
                per_month_on(&self.settings.gec_issuance, date),
                Quantity::ZERO,
            ),
        }
    }

    /// Non-tradable certificates go to a generator of their own, registered the first time.
    fn meter_non_tradable(
        &mut self,
        registry: &mut Registry,
        month: YearMonth,
        total: Quantity,
    ) -> Result<(), RegistryError> {
        if total.is_zero() {
            return Ok(());
        }
        let generator = if let Some(g) = self.non_tradable {
            g
        } else {
            let account = registry.open_account(AccountKind::RenewableGenerator, "H000");
            let g = registry.register_generator(account, Technology::Hydro, false, false)?;
            self.non_tradable = Some(g);
            g
        };
        let kwh = total.units().saturating_mul(KWH_PER_CERTIFICATE);
        let (_, issued) = registry.meter(generator, month, kwh)?;
        self.totals.gec_issued += issued;
        self.totals.gec_non_tradable_issued += issued;
        Ok(())
    }

    /// At the first trading day of a month (the run's first day included): meters the previous
    /// month's production, makes the month's green-power deals at `gec_price`, and at full
    /// coverage pays the buyers' yearly budget in January. Returns the GEC subjects to list.
    ///
    /// # Errors
    /// A registry refusal (a bug).
    pub fn month_start(
        &mut self,
        registry: &mut Registry,
        date: NaiveDate,
        gec_price: Price,
    ) -> Result<Vec<NewListing>, RegistryError> {
        let mut listings = Vec::new();
        if !self.settings.gec {
            return Ok(listings);
        }
        let produced = prev_month(ym(date));
        if self.last_metered.is_none_or(|m| m < produced) {
            // The schedule gives what is issued in a month (the published counts are of
            // issuance), of the previous month's production.
            let (tradable, other) = self.issuance_on(date);
            listings = self.meter(registry, produced, tradable)?;
            self.meter_non_tradable(registry, produced, other)?;
        }
        if date.month() == 1 && self.full_coverage_from().is_some_and(|f| f <= date) {
            let budget = self.settings.gec_buyer_cash_per_year;
            for &buyer in &self.gec_buyers {
                if budget > Money::ZERO {
                    registry.deposit_cash(buyer, budget)?;
                }
            }
        }
        // Monthly deals from the launch month on (the pilot opened on 2021-09-07).
        let from = self.settings.green_power_from;
        if (date.year(), date.month()) >= (from.year(), from.month()) {
            self.green_power(registry, date, gec_price)?;
        }
        Ok(listings)
    }

    /// Counts a trade of `quantity` on a CCER (`ccer = true`) or GEC book.
    pub fn record_trade(&mut self, ccer: bool, quantity: Quantity) {
        if ccer {
            self.totals.ccer_traded += quantity;
        } else {
            self.totals.gec_traded += quantity;
        }
    }

    /// Counts CCERs cancelled as offsets at a deadline, `rules_2023` of them credits of the
    /// 2023 Measures.
    pub fn record_offsets(&mut self, quantity: Quantity, rules_2023: Quantity) {
        self.totals.ccer_offset += quantity;
        self.totals.ccer2_offset += rules_2023;
    }

    /// Closes the month of `date` in the month-end counts (call on the last trading day of a
    /// month, after the close), first running out the validity of certificates from
    /// `gec_validity_from` on.
    pub fn close_month(&mut self, registry: &mut Registry, date: NaiveDate) {
        let month = ym(date);
        if self.settings.gec && date >= self.settings.gec_validity_from {
            self.totals.gec_expired += registry.expire_gec(month);
        }
        self.totals.month = month;
        self.months.push(self.totals);
    }
}

impl Certificates {
    /// The only seller of a certificate subject: the generator of a tradable GEC batch, the
    /// owner of CCER 2.0 credits (covered entities buy offsets to surrender them, never to
    /// sell).
    pub(super) fn seller_of(&self, subject: SubjectId) -> Option<AccountId> {
        self.sellers
            .get(&subject)
            .copied()
            .or_else(|| self.ccer2.owner_of(subject))
    }

    /// Whether the legacy credits' books are open.
    pub(super) fn legacy_ccer_open(&self) -> bool {
        self.legacy_open
    }

    /// The legacy credits' books have closed.
    pub(super) fn close_legacy_ccer(&mut self) {
        self.legacy_open = false;
    }

    /// The CCER 2.0 subjects issued so far.
    #[must_use]
    pub fn ccer2_subjects(&self) -> &[(SubjectId, String)] {
        &self.ccer_subjects[self.legacy_ccer..]
    }
}

impl CertificateMonth {
    /// A month with nothing counted yet.
    pub(crate) fn empty(month: YearMonth) -> Self {
        CertificateMonth {
            month,
            gec_issued: Quantity::ZERO,
            gec_traded: Quantity::ZERO,
            gec_green_power: Quantity::ZERO,
            green_power_mwh: 0,
            gec_claimed: Quantity::ZERO,
            ccer_traded: Quantity::ZERO,
            ccer_offset: Quantity::ZERO,
            gec_non_tradable_issued: Quantity::ZERO,
            gec_expired: Quantity::ZERO,
            gec_mandate_bought: Quantity::ZERO,
            ccer2_issued: Quantity::ZERO,
            ccer2_traded: Quantity::ZERO,
            ccer2_offset: Quantity::ZERO,
        }
    }
}
