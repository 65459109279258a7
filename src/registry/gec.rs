//! The green electricity certificate lifecycle: monthly issuance from metered generation (one
//! certificate per MWh, the remaining kWh carried to the next month), tradable and non-tradable
//! certificates, the one-time transfer rule, cancellation for a named consumer's consumption
//! claim, automatic expiry, and green-power deals (power and certificates sold together).
//!
//! Sources: 1 GEC = 1,000 kWh, monthly issuance with carry-forward, tradable vs non-tradable and
//! a two-year validity (bornforlove.cn summary of current issuance rules,
//! <https://www.bornforlove.cn/news/8189.html>; NEA draft GEC rules of 2024-04-26,
//! <https://www.laitimes.com/en/article/6nhne_73txy.html>); trade once (Notice 发改能源〔2023〕1044号,
//! <https://climatecooperation.cn/climate/china-issued-notice-on-using-green-electricity-certificates-to-promote-renewable-electricity-consumption/>).
//! The validity and the one-time rule are configurable in
//! [`RegistryConfig`](super::RegistryConfig).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Registry;
use super::account::AccountKind;
use super::error::RegistryError;
use super::ids::{AccountId, GeneratorId, SubjectId};
use super::journal::{CancelReason, Event, Settlement};
use super::subject::{Market, Subject, Technology, YearMonth};
use crate::units::Quantity;

/// kWh per certificate.
pub const KWH_PER_CERTIFICATE: u64 = 1_000;

/// A generator registered for GECs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generator {
    /// The generator's account, which receives its certificates.
    pub account: AccountId,
    /// Its technology.
    pub technology: Technology,
    /// Whether its certificates are tradable.
    pub tradable: bool,
    /// Whether it receives a subsidy.
    pub subsidised: bool,
    /// kWh metered but not yet certified (below one MWh), carried to the next month.
    pub carry_kwh: u64,
    /// The last month metered.
    pub last_month: Option<YearMonth>,
}

/// All generators and the GEC subjects by production month (for expiry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GecBook {
    generators: Vec<Generator>,
    by_month: BTreeMap<YearMonth, Vec<SubjectId>>,
    /// Each registered generator's batches, in registration order.
    batches: Vec<Vec<SubjectId>>,
    /// CCER projects and generators that are one plant (the GEC–CCER exclusivity).
    pub(crate) links: Vec<super::exclusivity::Link>,
}

impl GecBook {
    /// Index a new GEC batch of a registered generator; `false` if it is not one.
    pub(crate) fn index_batch(&mut self, subject: &Subject, id: SubjectId) -> bool {
        match subject {
            Subject::Gec { generator, .. } => match self.batches.get_mut(generator.0 as usize) {
                Some(list) => {
                    list.push(id);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Heap bytes: generators, batch lists, the month index (at twice its entries) and links.
    pub(crate) fn heap_bytes(&self) -> usize {
        use super::ledger::vec_bytes;
        let month_lists: usize = self.by_month.values().map(vec_bytes).sum();
        let index = self.by_month.len() * 2 * std::mem::size_of::<(YearMonth, Vec<SubjectId>)>();
        let batches: usize = self.batches.iter().map(vec_bytes).sum();
        vec_bytes(&self.generators)
            + month_lists
            + index
            + vec_bytes(&self.batches)
            + batches
            + vec_bytes(&self.links)
    }

    /// A registered generator's batches (none for an unknown one).
    pub(crate) fn batches_of(&self, generator: GeneratorId) -> &[SubjectId] {
        self.batches
            .get(generator.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The id of a registered generator's batch, comparing full subjects via `subject_of`.
    pub(crate) fn find_batch<'a>(
        &self,
        subject: &Subject,
        subject_of: impl Fn(SubjectId) -> &'a Subject,
    ) -> Option<SubjectId> {
        let Subject::Gec { generator, .. } = subject else {
            return None;
        };
        self.batches
            .get(generator.0 as usize)?
            .iter()
            .rev()
            .copied()
            .find(|id| subject_of(*id) == subject)
    }
}

impl Registry {
    /// A generator's record.
    ///
    /// # Errors
    /// [`RegistryError::UnknownGenerator`].
    pub fn generator(&self, generator: GeneratorId) -> Result<&Generator, RegistryError> {
        self.gec
            .generators
            .get(generator.0 as usize)
            .ok_or(RegistryError::UnknownGenerator { generator })
    }

    /// Register a renewable generator for GEC issuance.
    ///
    /// # Errors
    /// Unknown account, or an account that is not a renewable generator.
    pub fn register_generator(
        &mut self,
        account: AccountId,
        technology: Technology,
        tradable: bool,
        subsidised: bool,
    ) -> Result<GeneratorId, RegistryError> {
        if self.account(account)?.kind != AccountKind::RenewableGenerator {
            return Err(RegistryError::NotAdmitted {
                account,
                op: "receive green certificates",
            });
        }
        let id = GeneratorId(self.gec.generators.len() as u32);
        self.gec.generators.push(Generator {
            account,
            technology,
            tradable,
            subsidised,
            carry_kwh: 0,
            last_month: None,
        });
        self.gec.batches.push(Vec::new());
        self.record(Event::RegisterGenerator {
            account,
            technology,
            tradable,
            subsidised,
        });
        Ok(id)
    }

    /// Record a month of metered generation and issue one certificate per whole MWh, carrying the
    /// remaining kWh to the next month. Returns the subject (if any certificate was issued) and
    /// the certificates issued.
    ///
    /// # Errors
    /// Unknown generator; a month metered before ([`RegistryError::MonthAlreadyMetered`]) or
    /// earlier than the last ([`RegistryError::MonthOutOfOrder`]); a month whose output the
    /// generator's linked CCER project monitors ([`RegistryError::DoubleCertification`]);
    /// overflow.
    pub fn meter(
        &mut self,
        generator: GeneratorId,
        month: YearMonth,
        kwh: u64,
    ) -> Result<(Option<SubjectId>, Quantity), RegistryError> {
        let g = *self.generator(generator)?;
        match g.last_month {
            Some(last) if last == month => {
                return Err(RegistryError::MonthAlreadyMetered { generator, month });
            }
            Some(last) if month < last => {
                return Err(RegistryError::MonthOutOfOrder {
                    generator,
                    month,
                    last,
                });
            }
            _ => {}
        }
        if kwh > 0 {
            self.check_gec_month(generator, month)?;
        }
        let total = g
            .carry_kwh
            .checked_add(kwh)
            .ok_or(RegistryError::Overflow { what: "kwh" })?;
        let certificates = total / KWH_PER_CERTIFICATE;
        if certificates > u64::from(u32::MAX) {
            return Err(RegistryError::Overflow {
                what: "serial batch",
            });
        }
        let journal_len = self.journal.len();
        let sid = if certificates > 0 {
            let sid = self.register_subject(Subject::Gec {
                generator,
                technology: g.technology,
                month,
                tradable: g.tradable,
                subsidised: g.subsidised,
            });
            self.issue(g.account, sid, Quantity::new(certificates))?;
            self.gec.by_month.entry(month).or_default().push(sid);
            Some(sid)
        } else {
            None
        };
        self.journal.truncate(journal_len);
        let rec = &mut self.gec.generators[generator.0 as usize];
        rec.carry_kwh = total % KWH_PER_CERTIFICATE;
        rec.last_month = Some(month);
        self.record(Event::Meter {
            generator,
            month,
            kwh,
        });
        Ok((sid, Quantity::new(certificates)))
    }

    /// Cancel certificates for a named consumer's consumption claim over `from..=to`.
    ///
    /// # Errors
    /// As [`Registry::cancel`]; a subject that is not a GEC.
    pub fn claim_gec(
        &mut self,
        account: AccountId,
        subject: SubjectId,
        quantity: Quantity,
        consumer: AccountId,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<(), RegistryError> {
        self.cancel(
            account,
            subject,
            quantity,
            CancelReason::ConsumptionClaim { consumer, from, to },
        )
    }

    /// A green-power deal: `power_mwh` of power and `settlement.quantity` certificates (at most
    /// one per MWh) sold together, bilaterally, from the seller's available certificates against
    /// the buyer's available cash. Fees are paid as in [`Registry::settle`].
    ///
    /// # Errors
    /// Unknown ids; a non-GEC or non-tradable subject; more certificates than MWh; insufficient
    /// certificates or cash; a second transfer of once-only certificates.
    pub fn green_power_deal(
        &mut self,
        s: &Settlement,
        power_mwh: u64,
    ) -> Result<(), RegistryError> {
        let subject = self.check_subject(s.subject)?;
        if subject.market() != Market::Gec {
            return Err(RegistryError::WrongInstrument {
                subject: s.subject,
                op: "green-power deal",
            });
        }
        if s.quantity.units() > power_mwh {
            return Err(RegistryError::InsufficientUnits {
                account: s.seller,
                subject: s.subject,
                needed: s.quantity,
                available: Quantity::new(power_mwh),
            });
        }
        // A deal is a freeze of both legs followed by a settlement, journaled as one event.
        let snapshot_len = self.journal.len();
        let amount = s.price * s.quantity + s.buyer_fee;
        let before = (self.cash(s.buyer)?, self.holding(s.seller, s.subject)?);
        self.freeze_units(s.seller, s.subject, s.quantity)?;
        if amount.fen() > 0 {
            if let Err(e) = self.freeze_cash(s.buyer, amount) {
                self.undo_freeze_units(s, before.1.frozen);
                self.journal.truncate(snapshot_len);
                return Err(e);
            }
        }
        if let Err(e) = self.settle(s) {
            if amount.fen() > 0 {
                let c = &mut self.cash[s.buyer.index()];
                c.frozen -= amount;
                c.available += amount;
            }
            self.undo_freeze_units(s, before.1.frozen);
            self.journal.truncate(snapshot_len);
            return Err(e);
        }
        self.journal.truncate(snapshot_len);
        self.record(Event::GreenPowerDeal {
            settlement: *s,
            power_mwh,
        });
        Ok(())
    }

    fn undo_freeze_units(&mut self, s: &Settlement, frozen_before: Quantity) {
        if let Some(i) = self.holding_idx(s.seller, s.subject) {
            let h = &mut self.holdings[i];
            let n = h.frozen - frozen_before.units();
            h.frozen -= n;
            h.available += n;
        }
    }

    /// Expire, at the end of month `through`, every GEC whose validity has run out: a
    /// certificate produced in month `m` is valid through `m + validity − 1`, and never before
    /// the end of [`RegistryConfig::gec_valid_at_least_through`](super::RegistryConfig) when
    /// set. Returns the certificates expired. One pass over all holdings.
    pub fn expire_gec(&mut self, through: YearMonth) -> Quantity {
        let validity = self.config.gec_validity_months.max(1);
        if self
            .config
            .gec_valid_at_least_through
            .is_some_and(|floor| through < floor)
        {
            self.record(Event::ExpireGec { through });
            return Quantity::ZERO;
        }
        let mut due = vec![false; self.subjects.len()];
        let mut any = false;
        let months: Vec<YearMonth> = self
            .gec
            .by_month
            .range(..)
            .map(|(m, _)| *m)
            // A validity that runs past the last month never ends (no month wraps to year 0).
            .take_while(|m| {
                m.checked_plus_months(validity - 1)
                    .is_some_and(|last| last <= through)
            })
            .collect();
        for m in months {
            if let Some(ids) = self.gec.by_month.remove(&m) {
                for id in ids {
                    due[id.index()] = true;
                    any = true;
                }
            }
        }
        let n = if any {
            self.expire_subjects(|s| due[s.index()])
        } else {
            0
        };
        self.record(Event::ExpireGec { through });
        Quantity::new(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::many_single_char_names, clippy::too_many_lines)]

    use super::*;
    use crate::registry::RegistryConfig;
    use crate::units::{Money, Price};

    fn ym(y: u16, m: u8) -> YearMonth {
        YearMonth::new(y, m).unwrap()
    }

    fn setup() -> (Registry, AccountId, GeneratorId, AccountId, AccountId) {
        let mut r = Registry::default();
        let acc = r.open_account(AccountKind::RenewableGenerator, "wind farm");
        let g = r
            .register_generator(acc, Technology::OnshoreWind, true, false)
            .unwrap();
        let buyer = r.open_account(AccountKind::CertificateBuyer, "buyer");
        let other = r.open_account(AccountKind::CertificateBuyer, "other");
        (r, acc, g, buyer, other)
    }

    #[test]
    fn remaining_kwh_carry_to_the_next_month() {
        let (mut r, acc, g, _, _) = setup();
        let (s1, n1) = r.meter(g, ym(2023, 1), 2_500).unwrap();
        assert_eq!(n1, Quantity::new(2));
        assert_eq!(r.generator(g).unwrap().carry_kwh, 500);
        let (s2, n2) = r.meter(g, ym(2023, 2), 700).unwrap();
        assert_eq!(n2, Quantity::new(1));
        assert_eq!(r.generator(g).unwrap().carry_kwh, 200);
        let (s3, n3) = r.meter(g, ym(2023, 3), 100).unwrap();
        assert_eq!((s3, n3), (None, Quantity::ZERO));
        assert_eq!(
            r.available_units(acc, s1.unwrap()).unwrap(),
            Quantity::new(2)
        );
        assert_eq!(
            r.available_units(acc, s2.unwrap()).unwrap(),
            Quantity::new(1)
        );

        let snap = r.clone();
        assert_eq!(
            r.meter(g, ym(2023, 3), 5_000).unwrap_err(),
            RegistryError::MonthAlreadyMetered {
                generator: g,
                month: ym(2023, 3)
            }
        );
        assert!(matches!(
            r.meter(g, ym(2022, 12), 5_000),
            Err(RegistryError::MonthOutOfOrder { .. })
        ));
        assert_eq!(r, snap);
    }

    #[test]
    fn a_certificate_changes_hands_only_once() {
        let (mut r, acc, g, buyer, other) = setup();
        let (sid, _) = r.meter(g, ym(2023, 9), 10_000).unwrap();
        let sid = sid.unwrap();
        r.transfer(acc, buyer, sid, Quantity::new(4)).unwrap();
        let snap = r.clone();
        assert_eq!(
            r.transfer(buyer, other, sid, Quantity::new(1)).unwrap_err(),
            RegistryError::OneTimeTransferUsed {
                account: buyer,
                subject: sid,
                needed: Quantity::new(1),
                transferable: Quantity::ZERO,
            }
        );
        assert!(matches!(
            r.freeze_units(buyer, sid, Quantity::new(1)),
            Err(RegistryError::OneTimeTransferUsed { .. })
        ));
        assert_eq!(r, snap);
        // The buyer may still claim what it bought.
        r.claim_gec(
            buyer,
            sid,
            Quantity::new(4),
            buyer,
            ym(2023, 9),
            ym(2023, 9),
        )
        .unwrap();
        assert_eq!(r.subject_balance(sid).unwrap().cancelled, Quantity::new(4));
    }

    #[test]
    fn resale_is_allowed_when_the_rule_is_switched_off() {
        let cfg = RegistryConfig {
            gec_one_time_transfer: false,
            ..RegistryConfig::default()
        };
        let mut r = Registry::new(cfg);
        let acc = r.open_account(AccountKind::RenewableGenerator, "pv");
        let g = r
            .register_generator(acc, Technology::SolarPv, true, true)
            .unwrap();
        let b = r.open_account(AccountKind::CertificateBuyer, "b");
        let c = r.open_account(AccountKind::CertificateBuyer, "c");
        let sid = r.meter(g, ym(2023, 1), 3_000).unwrap().0.unwrap();
        r.transfer(acc, b, sid, Quantity::new(3)).unwrap();
        r.transfer(b, c, sid, Quantity::new(3)).unwrap();
        assert_eq!(r.serials(c, sid).unwrap()[0].transfers, 2);
    }

    #[test]
    fn certificates_expire_after_the_validity_and_non_tradable_ones_cannot_move() {
        let (mut r, acc, g, buyer, _) = setup();
        let old = r.meter(g, ym(2021, 1), 5_000).unwrap().0.unwrap();
        let new = r.meter(g, ym(2021, 2), 5_000).unwrap().0.unwrap();
        // January 2021 output is valid through December 2022 and gone at its end.
        assert_eq!(r.expire_gec(ym(2022, 11)), Quantity::ZERO);
        assert_eq!(r.expire_gec(ym(2022, 12)), Quantity::new(5));
        assert_eq!(r.available_units(acc, old).unwrap(), Quantity::ZERO);
        assert_eq!(r.available_units(acc, new).unwrap(), Quantity::new(5));
        assert_eq!(r.subject_balance(old).unwrap().expired, Quantity::new(5));

        let hydro = r.open_account(AccountKind::RenewableGenerator, "legacy hydro");
        let hg = r
            .register_generator(hydro, Technology::Hydro, false, false)
            .unwrap();
        let hs = r.meter(hg, ym(2023, 1), 9_000).unwrap().0.unwrap();
        assert_eq!(r.may_trade(hydro, hs), Ok(false));
        assert_eq!(
            r.transfer(hydro, buyer, hs, Quantity::new(1)),
            Err(RegistryError::NotTradable { subject: hs })
        );
    }

    #[test]
    fn output_before_the_floor_stays_valid_to_its_end() {
        // NEA 2024 rules: 24 months from production, output before 2024 valid to end-2025.
        let cfg = RegistryConfig {
            gec_valid_at_least_through: Some(ym(2025, 12)),
            ..RegistryConfig::default()
        };
        let mut r = Registry::new(cfg);
        let acc = r.open_account(AccountKind::RenewableGenerator, "wind");
        let g = r
            .register_generator(acc, Technology::OnshoreWind, true, false)
            .unwrap();
        let old = r.meter(g, ym(2022, 6), 7_000).unwrap().0.unwrap();
        let jan24 = r.meter(g, ym(2024, 1), 3_000).unwrap().0.unwrap();
        let feb24 = r.meter(g, ym(2024, 2), 2_000).unwrap().0.unwrap();
        // June 2022 output would lapse at the end of May 2024 without the floor.
        assert_eq!(r.expire_gec(ym(2024, 5)), Quantity::ZERO);
        assert_eq!(r.expire_gec(ym(2025, 11)), Quantity::ZERO);
        assert_eq!(r.available_units(acc, old).unwrap(), Quantity::new(7));
        // At the end of 2025 the old output and January 2024's (its 24th month) lapse.
        assert_eq!(r.expire_gec(ym(2025, 12)), Quantity::new(10));
        assert_eq!(r.subject_balance(old).unwrap().expired, Quantity::new(7));
        assert_eq!(r.subject_balance(jan24).unwrap().expired, Quantity::new(3));
        assert_eq!(r.available_units(acc, feb24).unwrap(), Quantity::new(2));
        assert_eq!(r.expire_gec(ym(2026, 1)), Quantity::new(2));
        assert_eq!(
            Registry::rebuild(*r.config(), r.journal().events()).unwrap(),
            r
        );
    }

    #[test]
    fn green_power_deal_moves_power_certificates_and_cash_together() {
        let (mut r, acc, g, buyer, _) = setup();
        let sid = r.meter(g, ym(2023, 5), 100_000).unwrap().0.unwrap();
        r.deposit_cash(buyer, Money::from_cny(10_000)).unwrap();
        let s = Settlement {
            subject: sid,
            seller: acc,
            buyer,
            quantity: Quantity::new(100),
            price: Price::from_fen(2_700),
            buyer_fee: Money::ZERO,
            seller_fee: Money::ZERO,
            fee_account: acc,
        };
        let snap = r.clone();
        assert!(r.green_power_deal(&s, 99).is_err());
        let rich = Settlement {
            quantity: Quantity::new(100),
            price: Price::from_fen(1_000_000),
            ..s
        };
        assert!(matches!(
            r.green_power_deal(&rich, 100),
            Err(RegistryError::InsufficientCash { .. })
        ));
        assert_eq!(r, snap);
        r.green_power_deal(&s, 100).unwrap();
        assert_eq!(r.cash(acc).unwrap().available, Money::from_cny(2_700));
        assert_eq!(r.holding(buyer, sid).unwrap().total(), Quantity::new(100));
        assert!(matches!(
            r.journal().events().last(),
            Some(Event::GreenPowerDeal { .. })
        ));
    }
}
