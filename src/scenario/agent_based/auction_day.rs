//! The run's side of the capped market's instruments: on an auction day, in the afternoon session
//! before the block negotiation, the reserve's triggers act and the auctioneer sells to the
//! agents' sealed bids; after a year's final deadlines the market's bank is measured for the
//! reserve's quantity trigger.

use super::super::replay::ComplianceSummary;
use super::broker::{Broker, DayContext};
use super::instruments::{AuctionRow, Instruments, Scheduled};
use super::{RunError, World};
use crate::agents::{AuctionNotice, PriceBand};
use crate::exchange::ExchangeEvent;
use crate::exchange::auction::{AuctionPricing, AuctionSpec, SealedBid};
use crate::instrument::TradingMethod;
use crate::registry::{AccountId, SubjectId};
use crate::timeline::Unsold;
use crate::units::{Money, Quantity};

impl World {
    /// Holds the auctions scheduled for `day`, if the timeline has any.
    pub(super) fn hold_auctions(
        &mut self,
        broker: &Broker,
        day: &DayContext<'_>,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), RunError> {
        let Some(mut instruments) = self.instruments.take() else {
            return Ok(());
        };
        let held = self.auction_day(&mut instruments, broker, day, events);
        self.instruments = Some(instruments);
        held
    }

    /// Each plan auctioning today: the reserve's triggers, then an even share of what the plan
    /// has left over its auctions left this year; then all the reserve has released.
    fn auction_day(
        &mut self,
        inst: &mut Instruments,
        broker: &Broker,
        day: &DayContext<'_>,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), RunError> {
        let mut held_today = false;
        for i in 0..inst.schedule.len() {
            let plan = inst.schedule[i].clone();
            let Some(pos) = plan.dates.iter().position(|d| *d == day.date) else {
                continue;
            };
            if !self.cycles.auction_issued(plan.cycle) || inst.remaining(i).is_zero() {
                continue;
            }
            let reg = self.ex.registry_mut();
            inst.quantity_trigger(reg, day.date)?;
            inst.take_intake(reg, day.date, i)?;
            let left = (plan.dates.len() - pos) as u64;
            let share = Quantity::new(inst.remaining(i).units().div_ceil(left));
            held_today = true;
            if share.is_zero() || !inst.price_trigger(reg, day.date, (i, share))? {
                continue;
            }
            inst.offered(i, share);
            let last = left == 1;
            self.auction_one(
                inst,
                (&plan, plan.subject, share),
                (broker, day, last),
                events,
            )?;
        }
        if held_today {
            self.auction_released(inst, broker, day, events)?;
        }
        Ok(())
    }

    /// All the allowances the reserve released to the auctioneer, vintage by vintage, under the
    /// first plan's terms.
    fn auction_released(
        &mut self,
        inst: &mut Instruments,
        broker: &Broker,
        day: &DayContext<'_>,
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), RunError> {
        let Some(mut terms) = inst.schedule.first().cloned() else {
            return Ok(());
        };
        "reserve release".clone_into(&mut terms.plan);
        let vintages: Vec<SubjectId> = self.cycles.vintages.iter().map(|(s, _)| *s).collect();
        for subject in vintages {
            let issued = |k: usize| self.cycles.auction_issued(k);
            let stock = inst.released_stock(self.ex.registry(), subject, &issued)?;
            if !stock.is_zero() {
                self.auction_one(inst, (&terms, subject, stock), (broker, day, true), events)?;
            }
        }
        Ok(())
    }

    /// One auction of `offered` units of `subject` under `plan`: the sealed bids of the agents
    /// trading it, cleared by the exchange; the unsold part carried to the plan's later
    /// auctions, or after the `last` disposed of as the plan says.
    fn auction_one(
        &mut self,
        inst: &mut Instruments,
        (plan, subject, offered): (&Scheduled, SubjectId, Quantity),
        (broker, day, last): (&Broker, &DayContext<'_>, bool),
        events: &mut Vec<ExchangeEvent>,
    ) -> Result<(), RunError> {
        let Some((listing, bids)) = self.sealed_bids(broker, day, (subject, offered), plan) else {
            return Ok(());
        };
        let cash = |w: &World| {
            w.ex.registry()
                .cash(inst.auctioneer)
                .map(|c| c.available + c.pending)
        };
        let before = cash(self)?;
        let spec = AuctionSpec {
            quantity: offered,
            reserve: plan.reserve_price,
            pricing: AuctionPricing::Uniform,
        };
        let result = self
            .ex
            .run_auction(inst.auctioneer, subject, spec, &bids, events)?;
        let revenue = cash(self)? - before;
        let (sold, price) = result.map_or((Quantity::ZERO, None), |r| (r.sold, r.clearing_price));
        let unsold = offered.saturating_sub(sold);
        // Unsold volume goes back to the plan's later auctions of the year; the last one's goes
        // where the plan says.
        let carried = !last && subject == plan.subject;
        let own = inst.schedule.iter().position(|p| p.cycle == plan.cycle);
        if let Some(i) = own.filter(|_| carried) {
            inst.carry(i, unsold);
        } else {
            let reg = self.ex.registry_mut();
            inst.unsold(reg, day.date, (subject, unsold), plan.unsold)?;
        }
        inst.record.auctions.push(AuctionRow {
            date: day.date,
            plan: plan.plan.clone(),
            subject: self.listings[listing].code.clone(),
            offered,
            bids: bids.len(),
            sold,
            price,
            revenue: revenue.max(Money::ZERO),
            unsold,
            unsold_to: if carried {
                Unsold::Carried
            } else {
                plan.unsold
            },
        });
        Ok(())
    }

    /// The announcement of an auction of `offered` units of `subject` and the agents' sealed
    /// bids (firms of a group not yet credited stay out), with the subject's listing; `None`
    /// while the subject is not listed.
    fn sealed_bids(
        &mut self,
        broker: &Broker,
        day: &DayContext<'_>,
        (subject, offered): (SubjectId, Quantity),
        plan: &Scheduled,
    ) -> Option<(usize, Vec<SealedBid<AccountId>>)> {
        let listing = self.listings.iter().position(|l| l.subject == subject)?;
        let band = self
            .ex
            .band(subject, TradingMethod::SingleDirectionBidding)?;
        let notice = AuctionNotice {
            quantity: offered,
            reserve_price: plan.reserve_price,
            band: PriceBand {
                lower: band.lower,
                upper: band.upper,
            },
        };
        let (dormant, firms) = (self.cycles.dormant_accounts(), self.firms);
        let asks = |a: usize| !(a < firms && dormant.iter().any(|r| r.contains(&a)));
        let listings = (self.listings.as_slice(), listing);
        let bids = broker.sealed_bids(
            &self.ex,
            &mut self.participants,
            listings,
            day,
            &notice,
            &asks,
        );
        Some((listing, bids))
    }

    /// After a day whose settlements (`settled`) include a final deadline: the market's bank,
    /// the allowances the covered entities hold less the shortfalls they still owe, for the
    /// reserve's quantity trigger.
    pub(super) fn measure_bank(&mut self, settled: &[ComplianceSummary]) {
        let Some(inst) = &mut self.instruments else {
            return;
        };
        let finals = settled
            .iter()
            .any(|s| s.share_pct == 100 && s.entity_target_pct.is_none());
        if finals {
            let held = super::panel::allowances_held(&self.cycles, self.ex.registry());
            let held = held
                .into_iter()
                .fold(Quantity::ZERO, Quantity::saturating_add);
            inst.bank_measured(held.saturating_sub(self.cycles.owed_total()));
        }
    }
}
