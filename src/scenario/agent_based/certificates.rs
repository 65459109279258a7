//! The CCER and GEC supply side of an agent-based run: legacy CCER projects taken through the
//! registry's lifecycle (file, validate, register, monitor, verify, issue), GEC generators metered
//! each month, new GEC months listed in their own books, buyers' claims, and monthly green-power
//! (bundled) deals. What is issued, traded, claimed and dealt is counted here for the report's
//! comparison with the published figures.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::registry::{
    AccountId, AccountKind, CancelReason, GeneratorId, KWH_PER_CERTIFICATE, Methodology,
    ProjectStep, Registry, RegistryError, Settlement, SubjectId, Technology, YearMonth,
};
use crate::scenario::config::SubMarkets;
use crate::schedule::per_month_on;
use crate::units::{Money, Price, Quantity};

/// Cumulative certificate counts at the end of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateMonth {
    /// The month.
    pub month: YearMonth,
    /// GECs issued since the run began, opening stock included.
    pub gec_issued: Quantity,
    /// GECs traded on the exchange since the run began.
    pub gec_traded: Quantity,
    /// GECs transferred in green-power deals since the run began.
    pub gec_green_power: Quantity,
    /// Green power dealt since the run began, MWh.
    pub green_power_mwh: u64,
    /// GECs claimed (cancelled for consumption) since the run began.
    pub gec_claimed: Quantity,
    /// CCERs traded on the exchange since the run began.
    pub ccer_traded: Quantity,
    /// CCERs cancelled as offsets since the run began.
    pub ccer_offset: Quantity,
}

/// One newly issued GEC subject to list.
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
    settings: SubMarkets,
    /// CCER project owners.
    pub ccer_owners: Vec<AccountId>,
    /// Legacy CCER subjects with their codes, one per project.
    pub ccer_subjects: Vec<(SubjectId, String)>,
    /// GEC generators: (account, generator, code prefix).
    pub generators: Vec<(AccountId, GeneratorId, String)>,
    /// GEC buyers.
    pub gec_buyers: Vec<AccountId>,
    /// GEC subjects issued so far, oldest first.
    pub gec_subjects: Vec<SubjectId>,
    last_metered: Option<YearMonth>,
    totals: CertificateMonth,
    /// Month-end counts.
    pub months: Vec<CertificateMonth>,
}

/// Part `k` of `total` split in `n` equal parts, the first `total % n` parts one unit larger, so
/// the parts add up to `total`.
fn equal_share(total: u64, n: u64, k: u64) -> u64 {
    total / n + u64::from(k < total % n)
}

/// The month of `date` (calendar dates the runner accepts have years that fit in `u16`).
fn ym(date: NaiveDate) -> YearMonth {
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
    /// Opens the accounts, files and issues the legacy CCER projects and meters the GEC opening
    /// stock (as production of the month before `start`).
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
            generators: Vec::new(),
            gec_buyers: Vec::new(),
            gec_subjects: Vec::new(),
            last_metered: None,
            totals: CertificateMonth {
                month: ym(start),
                gec_issued: Quantity::ZERO,
                gec_traded: Quantity::ZERO,
                gec_green_power: Quantity::ZERO,
                green_power_mwh: 0,
                gec_claimed: Quantity::ZERO,
                ccer_traded: Quantity::ZERO,
                ccer_offset: Quantity::ZERO,
            },
            months: Vec::new(),
        };
        if settings.ccer {
            c.set_up_ccer(registry)?;
        }
        if settings.gec {
            for k in 0..settings.gec_generators {
                let account =
                    registry.open_account(AccountKind::RenewableGenerator, format!("G{k:03}"));
                let technology = if k % 2 == 0 {
                    Technology::OnshoreWind
                } else {
                    Technology::SolarPv
                };
                let generator = registry.register_generator(account, technology, true, false)?;
                c.generators
                    .push((account, generator, format!("GEC-G{k:03}-")));
            }
            for k in 0..settings.gec_buyers {
                let account =
                    registry.open_account(AccountKind::CertificateBuyer, format!("B{k:03}"));
                if buyer_cash > Money::ZERO {
                    registry.deposit_cash(account, buyer_cash)?;
                }
                c.gec_buyers.push(account);
            }
        }
        Ok(c)
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
        for (k, (_, generator, prefix)) in self.generators.iter().enumerate() {
            let share = equal_share(total.units(), n, k as u64);
            let kwh = share.saturating_mul(KWH_PER_CERTIFICATE);
            let (subject, issued) = registry.meter(*generator, month, kwh)?;
            self.totals.gec_issued += issued;
            if let Some(subject) = subject {
                self.gec_subjects.push(subject);
                out.push(NewListing {
                    subject,
                    code: format!("{prefix}{month}"),
                });
            }
        }
        self.last_metered = Some(month);
        Ok(out)
    }

    /// At the first trading day of a month (the run's first day included): meters the previous
    /// month's production, issues new
    /// CCERs (none by default), and makes the month's green-power deals at `gec_price`. Returns the
    /// GEC subjects to list.
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
            let total = per_month_on(&self.settings.gec_issuance, date);
            listings = self.meter(registry, produced, total)?;
        }
        // Monthly deals from the launch month on (the pilot opened on 2021-09-07).
        let from = self.settings.green_power_from;
        if (date.year(), date.month()) >= (from.year(), from.month()) {
            self.green_power(registry, gec_price)?;
        }
        Ok(listings)
    }

    /// One month of green-power deals: each buyer in turn takes an equal share of the month's
    /// power from the generators in turn, with the bundled share of certificates (oldest first),
    /// as far as the generators hold certificates and the buyer has cash.
    fn green_power(&mut self, registry: &mut Registry, price: Price) -> Result<(), RegistryError> {
        let s = &self.settings;
        let (g, b) = (self.generators.len() as u64, self.gec_buyers.len() as u64);
        if g == 0 || b == 0 || s.green_power_mwh_per_month == 0 {
            return Ok(());
        }
        let mwh_each = s.green_power_mwh_per_month / (g * b);
        let certs_each = mwh_each * u64::from(s.green_power_bundled_bp) / 10_000;
        if mwh_each == 0 {
            return Ok(());
        }
        for &buyer in &self.gec_buyers {
            for (seller, _, _) in &self.generators {
                let mut left = certs_each;
                // Oldest certificates first.
                for &subject in &self.gec_subjects {
                    if left == 0 {
                        break;
                    }
                    let held = registry.holding(*seller, subject)?.available.units();
                    let q = held.min(left);
                    if q == 0 {
                        continue;
                    }
                    let deal = Settlement {
                        subject,
                        seller: *seller,
                        buyer,
                        quantity: Quantity::new(q),
                        price,
                        buyer_fee: Money::ZERO,
                        seller_fee: Money::ZERO,
                        fee_account: buyer,
                    };
                    let cash = registry.cash(buyer)?.available;
                    if cash < price * Quantity::new(q) {
                        break;
                    }
                    registry.green_power_deal(&deal, q)?;
                    self.totals.gec_green_power += Quantity::new(q);
                    left -= q;
                }
                self.totals.green_power_mwh += mwh_each;
            }
        }
        Ok(())
    }

    /// After the close: every buyer claims the certificates it holds available (bought on an
    /// earlier day or in a deal) for its own consumption in `date`'s month.
    ///
    /// # Errors
    /// A registry refusal (a bug).
    pub fn claim(&mut self, registry: &mut Registry, date: NaiveDate) -> Result<(), RegistryError> {
        let month = ym(date);
        for &buyer in &self.gec_buyers {
            for &subject in &self.gec_subjects {
                let available = registry.holding(buyer, subject)?.available;
                if available.is_zero() {
                    continue;
                }
                registry.cancel(
                    buyer,
                    subject,
                    available,
                    CancelReason::ConsumptionClaim {
                        consumer: buyer,
                        from: month,
                        to: month,
                    },
                )?;
                self.totals.gec_claimed += available;
            }
        }
        Ok(())
    }

    /// Counts a trade of `quantity` on a CCER (`ccer = true`) or GEC book.
    pub fn record_trade(&mut self, ccer: bool, quantity: Quantity) {
        if ccer {
            self.totals.ccer_traded += quantity;
        } else {
            self.totals.gec_traded += quantity;
        }
    }

    /// Counts CCERs cancelled as offsets at a deadline.
    pub fn record_offsets(&mut self, quantity: Quantity) {
        self.totals.ccer_offset += quantity;
    }

    /// Closes the month of `date` in the month-end counts (call on the last trading day of a
    /// month).
    pub fn close_month(&mut self, date: NaiveDate) {
        self.totals.month = ym(date);
        self.months.push(self.totals);
    }
}
