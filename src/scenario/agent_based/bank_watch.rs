//! What each banking cap lets each entity keep, from the cap's announcement (or its draft's)
//! until it applies: the base (the draft's until the final rule is out) plus the multiple of
//! the entity's net sales of the capped vintages so far. The net sales are running sums over
//! the trade tape, so a firm knows each day what it may keep and what it must sell before the
//! cap's date (see `BankLimit::must_sell`).

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
    /// The cycle whose cap it is.
    cycle: usize,
    group: usize,
    capped: Vec<SubjectId>,
    /// Each covered account's net sales of the capped vintages since `sales_from`, t.
    net: Vec<i128>,
    sales_from: NaiveDate,
    known_from: NaiveDate,
    void_after: NaiveDate,
    base_t: u64,
    /// The draft's base and the day the final rule replaces it, when a draft came first.
    draft: Option<(u64, NaiveDate)>,
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
                cycle: k,
                group: cycles.group_of[k],
                capped: cycles
                    .vintages
                    .iter()
                    .filter(|(_, code)| b.vintages.contains(code))
                    .map(|(s, _)| *s)
                    .collect(),
                net: vec![0; cycles.accounts.len()],
                sales_from: b.sales_from,
                known_from: b
                    .draft
                    .as_ref()
                    .map(|d| d.published)
                    .or(b.announced)
                    .unwrap_or(b.sales_from),
                void_after: b.void_after,
                base_t: b.base_t,
                draft: b
                    .draft
                    .as_ref()
                    .map(|d| (d.base_t, b.announced.unwrap_or(d.published))),
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
    /// has not yet seen applied, as it stands: nothing to keep once the account has forfeited
    /// the carry-over by a shortfall ([`Cycles::bank_forfeited`]).
    pub(super) fn limit(
        &self,
        cycles: &Cycles,
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
        let base = match w.draft {
            Some((draft_base, final_from)) if date < final_from => draft_base,
            _ => w.base_t,
        };
        let forfeited = cycles.bank_forfeited(w.cycle, a);
        let keep = if forfeited {
            0
        } else {
            u64::try_from(extra)
                .unwrap_or(u64::MAX)
                .saturating_add(base)
        };
        // Once forfeited, a tonne sold adds nothing to what the entity may keep.
        let multiple = if forfeited {
            rust_decimal::Decimal::ZERO
        } else {
            w.multiple
        };
        let capped_held = w
            .capped
            .iter()
            .filter_map(|s| reg.holding(account, *s).ok())
            .fold(Quantity::ZERO, |sum, h| sum.saturating_add(h.total()));
        Some(BankLimit {
            keep_at_most: Quantity::new(keep),
            multiple_bp: u32::try_from((multiple * rust_decimal::Decimal::from(10_000)).floor())
                .unwrap_or(0),
            capped_held,
            void_after: w.void_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::cycles::tests::credited_with_cap;

    #[test]
    fn a_draft_sets_the_base_until_the_final_rule_is_out() {
        let (c, reg, _) = credited_with_cap(
            "announced = 2024-02-01\n[cycles.q.banking.draft]\npublished = 2024-01-10\nbase_t = 0\nsource = \"test\"",
        );
        let k = c
            .timeline
            .spec()
            .cycles
            .keys()
            .position(|n| n == "q")
            .unwrap();
        let watch = BankWatch::new(&c);
        let keep = |date: &str| {
            watch
                .limit(
                    &c,
                    &reg,
                    (c.group_of[k], 0, c.accounts[0]),
                    date.parse().unwrap(),
                )
                .map(|l| l.keep_at_most.units())
        };
        assert_eq!(
            keep("2024-01-09"),
            None,
            "nothing is known before the draft"
        );
        assert_eq!(
            keep("2024-01-10"),
            Some(0),
            "the draft's base, no sales yet"
        );
        assert_eq!(keep("2024-01-31"), Some(0));
        assert_eq!(keep("2024-02-01"), Some(100), "the final rule's base");
        assert_eq!(keep("2024-04-01"), None, "the cap has applied");
    }

    #[test]
    fn an_entity_short_at_a_named_deadline_may_keep_nothing() {
        let (mut c, mut reg, _) = credited_with_cap("forfeit_if_short = [\"q\"]");
        let day: NaiveDate = "2024-03-31".parse().unwrap();
        let mut last = None;
        for d in c.agenda.settle_due(Some(day.succ_opt().unwrap())) {
            last = Some(c.settle(&mut reg, &d, &[], None).unwrap());
        }
        let last = last.unwrap();
        let watch = BankWatch::new(&c);
        for (i, e) in last.entities.iter().enumerate() {
            let limit = watch
                .limit(&c, &reg, (c.group_of[0], i, c.accounts[i]), day)
                .unwrap();
            let expected = if e.shortfall.is_zero() {
                (100, 15_000)
            } else {
                (0, 0)
            };
            assert_eq!(
                (limit.keep_at_most.units(), limit.multiple_bp),
                expected,
                "entity {i}"
            );
        }
        assert!(last.entities.iter().any(|e| !e.shortfall.is_zero()));
    }
}
