//! What each banking cap lets each entity keep, from the cap's announcement until it applies:
//! the base plus the multiple of the entity's net sales of the capped vintages so far. The net
//! sales are running sums over the trade tape, so a firm knows each day what it may keep and
//! what it must sell before the cap's date (see `BankLimit::must_sell`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::agents::BankLimit;
use crate::exchange::Trade;
use crate::registry::{AccountId, Registry, SubjectId};
use crate::scenario::cycles::Cycles;
use crate::units::Quantity;

/// One banking cap being watched.
#[derive(Debug)]
struct Watched {
    group: usize,
    capped: Vec<SubjectId>,
    /// Each covered account's net sales of the capped vintages since `sales_from`, t.
    net: Vec<i128>,
    sales_from: NaiveDate,
    known_from: NaiveDate,
    void_after: NaiveDate,
    base_t: u64,
    multiple: rust_decimal::Decimal,
}

/// The banking caps of a run and each entity's net sales under them.
#[derive(Debug)]
pub(super) struct BankWatch {
    caps: Vec<Watched>,
    index: HashMap<AccountId, usize>,
    /// Trades of the tape already counted.
    seen: usize,
}

impl BankWatch {
    /// Watches every banking cap of the timeline.
    pub(super) fn new(cycles: &Cycles) -> Self {
        let spec = cycles.timeline.spec();
        let caps = spec
            .cycles
            .values()
            .enumerate()
            .filter_map(|(k, c)| Some((k, c.banking.as_ref()?)))
            .map(|(k, b)| Watched {
                group: cycles.group_of[k],
                capped: cycles
                    .vintages
                    .iter()
                    .filter(|(_, code)| b.vintages.contains(code))
                    .map(|(s, _)| *s)
                    .collect(),
                net: vec![0; cycles.accounts.len()],
                sales_from: b.sales_from,
                known_from: b.announced.unwrap_or(b.sales_from),
                void_after: b.void_after,
                base_t: b.base_t,
                multiple: b.net_sales_multiple,
            })
            .collect();
        let index = cycles
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (*a, i))
            .collect();
        BankWatch {
            caps,
            index,
            seen: 0,
        }
    }

    /// Counts the trades of `tape` not yet counted.
    pub(super) fn count_trades(&mut self, tape: &[Trade]) {
        for t in tape.get(self.seen..).unwrap_or_default() {
            let q = i128::from(t.quantity.units());
            for w in &mut self.caps {
                if t.date < w.sales_from || t.date > w.void_after || !w.capped.contains(&t.subject)
                {
                    continue;
                }
                if let Some(&i) = self.index.get(&t.seller) {
                    w.net[i] += q;
                }
                if let Some(&i) = self.index.get(&t.buyer) {
                    w.net[i] -= q;
                }
            }
        }
        self.seen = tape.len();
    }

    /// The cap account `a` (an index into the covered accounts) of `group` knows on `date` and
    /// has not yet seen applied, as it stands.
    pub(super) fn limit(
        &self,
        reg: &Registry,
        (group, a, account): (usize, usize, AccountId),
        date: NaiveDate,
    ) -> Option<BankLimit> {
        let w = self
            .caps
            .iter()
            .find(|w| w.group == group && w.known_from <= date && date <= w.void_after)?;
        // Exact, as the cap itself is applied: base + ⌊multiple × net sales⌋.
        let sold = rust_decimal::Decimal::from(u64::try_from(w.net[a].max(0)).unwrap_or(u64::MAX));
        let extra = (w.multiple * sold).floor();
        let keep = u64::try_from(extra)
            .unwrap_or(u64::MAX)
            .saturating_add(w.base_t);
        let capped_held = w
            .capped
            .iter()
            .filter_map(|s| reg.holding(account, *s).ok())
            .fold(Quantity::ZERO, |sum, h| sum.saturating_add(h.total()));
        Some(BankLimit {
            keep_at_most: Quantity::new(keep),
            multiple_bp: u32::try_from((w.multiple * rust_decimal::Decimal::from(10_000)).floor())
                .unwrap_or(0),
            capped_held,
            void_after: w.void_after,
        })
    }
}
