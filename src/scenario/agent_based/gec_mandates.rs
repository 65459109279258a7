//! The industrial sectors' GEC purchase mandates (green-power consumption ratios, from the 2025
//! consumption-weight notice): each mandate's buyers, on accounts of their own, buy its monthly
//! schedule ([`GecMandate::schedule`]) in equal parts, claim what they buy, and trade only books
//! listed from the mandate's start (certificates of current output).

use chrono::NaiveDate;

use super::certificates::{Certificates, equal_share};
use crate::agents::certificate_buyer::CertificateBuyerParams;
use crate::registry::{AccountId, AccountKind, Registry, RegistryError};
use crate::schedule::MonthlyStep;
use crate::units::{Money, Quantity};

/// A mandated buyer: its account, its mandate and its part of the mandate's buyers.
#[derive(Debug, Clone, Copy)]
pub(super) struct MandatedBuyer {
    pub account: AccountId,
    mandate: usize,
    part: u64,
}

/// Part `k` of `n` of each month of `schedule`.
fn part_of(schedule: &[MonthlyStep], n: u64, k: u64) -> Vec<MonthlyStep> {
    schedule
        .iter()
        .map(|s| MonthlyStep {
            from: s.from,
            per_month: Quantity::new(equal_share(s.per_month.units(), n, k)),
        })
        .collect()
}

impl Certificates {
    /// Opens the buyer accounts (`M` and the sector's first two letters) of each mandate that
    /// starts by `end`, with their cash.
    pub(super) fn set_up_mandates(
        &mut self,
        registry: &mut Registry,
        end: NaiveDate,
    ) -> Result<(), RegistryError> {
        let cash = self.settings.gec_mandate_buyer_cash;
        for (m, mandate) in self.settings.gec_mandates.iter().enumerate() {
            if mandate.from > end {
                continue;
            }
            let stem: String = mandate
                .sector
                .chars()
                .take(2)
                .collect::<String>()
                .to_uppercase();
            for k in 0..mandate.buyers {
                let account =
                    registry.open_account(AccountKind::CertificateBuyer, format!("M{stem}{k:02}"));
                if cash > Money::ZERO {
                    registry.deposit_cash(account, cash)?;
                }
                self.claims.add_claimer(account, true);
                self.mandated.push(MandatedBuyer {
                    account,
                    mandate: m,
                    part: u64::from(k),
                });
            }
        }
        Ok(())
    }

    /// Each mandated buyer's account and behaviour: `base` with the buyer's part of its
    /// mandate's schedule through `last_year`.
    pub(super) fn mandated_buyers(
        &self,
        base: &CertificateBuyerParams,
        last_year: i32,
    ) -> Vec<(AccountId, CertificateBuyerParams)> {
        self.mandated
            .iter()
            .map(|b| {
                let m = &self.settings.gec_mandates[b.mandate];
                let mut p = base.clone();
                p.demand = part_of(&m.schedule(last_year), u64::from(m.buyers), b.part);
                (b.account, p)
            })
            .collect()
    }

    /// The day from which `account` trades, if it is a mandated buyer: it buys only from books
    /// listed on or after its mandate's start.
    pub(super) fn joins(&self, account: AccountId) -> Option<NaiveDate> {
        self.mandated
            .iter()
            .find(|b| b.account == account)
            .map(|b| self.settings.gec_mandates[b.mandate].from)
    }
}
