//! The certificate books of a run over time: who trades a new book, which CCER credits the
//! covered entities see, and when a book closes.
//!
//! - A CCER 2.0 book is traded by its project's owner and the covered entities (the legacy
//!   project owners sell only legacy credits); it takes listed orders only.
//! - On a CCER 2.0 book, and on a GEC book from full coverage on, the seller is consulted first
//!   each day (it lists its offers, then the buyers pick them: listed trading at CBEEX and on
//!   the GEC platforms); the other traders rotate as on every book.
//! - From full coverage on, a new GEC batch's book opens at the sellers' reservation value
//!   (before, at the latest GEC book's close).
//! - A mandated GEC buyer trades only books listed from its mandate's start.
//! - From full coverage on (the first full-coverage issuance step), a GEC book closes once its
//!   generator holds none of it (sold, dealt or expired). Earlier books stay listed, so a
//!   2021–2023 run is unchanged.
//! - The exchange has 256 books at a time: when a new subject finds them all taken, the oldest
//!   GEC book closes (its certificates stay valid for green-power deals and claims).
//! - A CCER 2.0 book closes once its owner has sold it all (covered entities buy offsets to
//!   surrender them, never to sell).
//! - Legacy CCER books close after the last deadline of a cycle that accepts them as offsets,
//!   and then leave the covered entities' view.

use chrono::NaiveDate;

use super::World;
use super::broker::RunListing;
use super::certificates::NewListing;
use crate::registry::{CcerRules, Market, SubjectId};
use crate::units::Price;

impl World {
    /// A run listing of `code` from `from`, traded by the participants the rules above admit.
    pub(super) fn run_listing(
        &self,
        code: String,
        subject: SubjectId,
        from: NaiveDate,
    ) -> RunListing {
        let mut l = RunListing::new(code, subject, from, &self.participants);
        let ccer2 = matches!(
            self.ex.registry().subject(subject),
            Ok(crate::registry::Subject::Ccer {
                rules: CcerRules::Rules2023,
                ..
            })
        );
        let certificates = &self.certificates;
        l.traders.retain(|&t| {
            let account = self.participants[t as usize].account;
            let legacy_owner = ccer2 && certificates.ccer_owners.contains(&account);
            let too_early = certificates.joins(account).is_some_and(|j| from < j);
            !legacy_owner && !too_early
        });
        // Listed trading from full coverage on: the seller lists, then the buyers pick.
        let full_coverage = certificates.full_coverage_from().is_some_and(|f| f <= from);
        if let (true, Some(seller)) = (full_coverage || ccer2, certificates.seller_of(subject)) {
            let participants = &self.participants;
            if let Some(i) = l
                .traders
                .iter()
                .position(|&t| participants[t as usize].account == seller)
            {
                let t = l.traders.remove(i);
                l.traders.insert(0, t);
                l.lead = 1;
            }
        }
        l
    }

    /// The price a new GEC batch's book opens at from full coverage on: the sellers'
    /// reservation value on `date` (`None` before full coverage or without one: the latest
    /// book's close).
    pub(super) fn gec_opening_price(&self, date: NaiveDate) -> Option<Price> {
        if self
            .certificates
            .full_coverage_from()
            .is_none_or(|f| date < f)
        {
            return None;
        }
        let own = &self.config.behaviour.gec_seller.anchor_steps;
        let steps = if own.is_empty() {
            &self.config.submarkets.gec_anchor_steps
        } else {
            own
        };
        crate::schedule::price_on(steps, date)
    }

    /// Lists newly issued certificates at `reference` from `date` (CCER 2.0: listed trading
    /// only).
    pub(super) fn list_new(
        &mut self,
        new: Vec<NewListing>,
        reference: Price,
        date: NaiveDate,
        listed_only: bool,
    ) -> Result<(), super::RunError> {
        for NewListing { subject, code } in new {
            self.make_room()?;
            self.ex.list(subject, &code, reference, date, None)?;
            if listed_only {
                self.ex.restrict_to_listed(subject)?;
            }
            let listing = self.run_listing(code, subject, date);
            self.listings.push(listing);
        }
        Ok(())
    }

    /// Before the open of `date`, ahead of its new listings: closes the GEC books whose generator
    /// holds none of them (from full coverage on) and the legacy CCER books after the last
    /// deadline that accepts them, each after the last day traded.
    pub(super) fn close_books(&mut self, date: NaiveDate) -> Result<(), super::RunError> {
        let Some(last_day) = self.ex.last_day() else {
            return Ok(());
        };
        let gec_closing = self
            .certificates
            .full_coverage_from()
            .is_some_and(|f| f <= date);
        let legacy_closing = self.legacy_ccer_until().is_some_and(|last| last < date);
        if !gec_closing && !legacy_closing && self.certificates.ccer2_subjects().is_empty() {
            return Ok(());
        }
        let mut closed = Vec::new();
        for (i, l) in self.listings.iter().enumerate() {
            let close = match self.market_of(l.subject) {
                Some(Market::Gec) => gec_closing && self.sold_out(l.subject),
                Some(Market::Ccer) if self.is_legacy_ccer(l.subject) => legacy_closing,
                Some(Market::Ccer) => self.sold_out(l.subject),
                _ => false,
            };
            if close {
                closed.push(i);
            }
        }
        for &i in closed.iter().rev() {
            let l = self.listings.remove(i);
            self.ex.delist(l.subject, last_day)?;
        }
        if legacy_closing {
            self.certificates.close_legacy_ccer();
        }
        Ok(())
    }

    /// Before a listing, with every book of the exchange taken: closes the oldest GEC book
    /// (its certificates stay valid for green-power deals and claims until they expire), after
    /// the last day traded. Without a GEC book to close, the listing fails as it would have.
    pub(super) fn make_room(&mut self) -> Result<(), super::RunError> {
        if self.listings.len() < crate::book::BOOK_TAGS as usize {
            return Ok(());
        }
        let Some(last_day) = self.ex.last_day() else {
            return Ok(());
        };
        let oldest = self
            .listings
            .iter()
            .position(|l| self.market_of(l.subject) == Some(Market::Gec));
        if let Some(i) = oldest {
            let l = self.listings.remove(i);
            self.ex.delist(l.subject, last_day)?;
        }
        Ok(())
    }

    /// Whether the only seller of a GEC or CCER 2.0 book holds none of it.
    fn sold_out(&self, subject: SubjectId) -> bool {
        let reg = self.ex.registry();
        self.certificates.seller_of(subject).is_some_and(|seller| {
            reg.holding(seller, subject)
                .is_ok_and(|h| h.total().is_zero())
        })
    }

    fn is_legacy_ccer(&self, subject: SubjectId) -> bool {
        self.certificates.ccer_subjects[..self.certificates.legacy_ccer]
            .iter()
            .any(|(s, _)| *s == subject)
    }

    /// The last final deadline of a cycle that accepts legacy credits, if a later cycle does
    /// not (then legacy books close after it).
    fn legacy_ccer_until(&self) -> Option<NaiveDate> {
        if self.certificates.legacy_ccer == 0 || !self.certificates.legacy_ccer_open() {
            return None;
        }
        let cycles = &self.cycles.timeline.spec().cycles;
        let accepts =
            |c: &crate::timeline::CycleSpec| c.offsets.eligible.contains(&CcerRules::Legacy2012);
        let last = |c: &crate::timeline::CycleSpec| c.deadlines.values().map(|d| d.date).max();
        let until = cycles
            .values()
            .filter(|c| accepts(c))
            .filter_map(last)
            .max()?;
        let later = cycles.values().filter_map(last).any(|d| d > until);
        later.then_some(until)
    }

    /// The CCER subjects in the covered entities' view: the legacy credits while their books
    /// are open, and the credits of the 2023 Measures.
    pub(super) fn offset_view(&self) -> impl Iterator<Item = &(SubjectId, String)> {
        let c = &self.certificates;
        let legacy = if c.legacy_ccer_open() {
            c.legacy_ccer
        } else {
            0
        };
        c.ccer_subjects[..legacy]
            .iter()
            .chain(&c.ccer_subjects[c.legacy_ccer..])
    }
}
