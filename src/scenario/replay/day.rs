//! One replayed day: the timeline's credits before the open, each listed subject's published
//! trades carried through the exchange, the close, the published and simulated figures side by
//! side, and the deadlines settled after the close.

use chrono::NaiveDate;

use super::carry::{Replay, block_chunks};
use super::plan::{self, DayPlan, DayTarget};
use super::published::{self, Published};
use super::{ComplianceSummary, DayFigures, ReplayDay, ReplayResult, ScenarioError};
use crate::calendar::TimeOfDay;
use crate::history::DailyQuote;
use crate::instrument::TradingMethod;
use crate::registry::SubjectId;
use crate::scenario::cycles::{Cycles, penalty_window};
use crate::timeline::ShareOf;
use crate::units::{Money, Quantity};

/// The composite's subject code in the outputs.
const COMPOSITE: &str = "COMCEA";

/// A replay under way: the market, the entities' compliance and whose pools carry trades.
pub(super) struct ReplayRun {
    pub replay: Replay,
    pub cycles: Cycles,
    /// The cycle whose long and short entities are the carriers' pools.
    pub pool_cycle: Option<usize>,
    pub listed_max: Quantity,
    pub block_min: Quantity,
}

/// A subject traded today: its code, registry subject and published figures.
struct Traded {
    code: String,
    subject: SubjectId,
    published: DayFigures,
}

impl ReplayRun {
    /// Replays one published day into `out`.
    pub fn day(
        &mut self,
        day: &DailyQuote,
        published: &Published,
        out: &mut ReplayResult,
    ) -> Result<(), ScenarioError> {
        let date = day.date;
        self.cycles
            .credit_due(self.replay.ex.registry_mut(), date)?;
        self.follow_pools(date);
        self.replay.ex.open_day(date)?;
        self.replay.clock = TimeOfDay::MIDNIGHT;
        self.replay.advance_to(TradingMethod::ListedAgreement, 0)?;
        let (today, per_vintage) = self.traded_today(day, published);
        let mut blocks = Vec::new();
        for t in &today {
            let plan = self.plan(date, t)?;
            for trade in &plan.listed {
                let subject = (t.subject, t.code.as_str());
                let (method, one) = (TradingMethod::ListedAgreement, Quantity::new(1));
                self.replay
                    .carry(date, method, subject, trade.price, trade.quantity, one)?;
            }
            blocks.push(plan.block);
        }
        self.replay.advance_to(TradingMethod::BlockAgreement, 0)?;
        for (t, trades) in today.iter().zip(blocks) {
            for trade in trades {
                // A block trade larger than one entity would carry is split among several
                // counterparties at the same price: the day's totals are unchanged.
                for q in block_chunks(trade.quantity, self.block_min) {
                    let (method, subject) =
                        (TradingMethod::BlockAgreement, (t.subject, t.code.as_str()));
                    self.replay
                        .carry(date, method, subject, trade.price, q, self.block_min)?;
                }
            }
        }
        self.close(day, (&today, per_vintage), out)?;
        self.settle_after_close(date, published, out)
    }

    /// The carriers' pools follow the cycle of the newest vintage listed by `date`: the entities
    /// long and short in it are the likeliest sellers and buyers of what trades.
    fn follow_pools(&mut self, date: NaiveDate) {
        let t = &self.cycles.timeline;
        let newest = t.spec().vintages.values().rfind(|v| v.listed <= date);
        let cycle = newest
            .and_then(|v| v.years.first())
            .and_then(|y| t.cycle_of_year(*y));
        if let Some(k) = cycle
            && self.pool_cycle != Some(k)
        {
            let p = &self.cycles.periods[k];
            self.replay.entities.long.clone_from(&p.long);
            self.replay.entities.short.clone_from(&p.short);
            self.pool_cycle = Some(k);
        }
    }

    /// The subjects published today: once a second vintage has listed, each listed vintage's
    /// own row (`true`); before that the composite, as the one allowance subject (the first
    /// vintage).
    fn traded_today(&self, day: &DailyQuote, published: &Published) -> (Vec<Traded>, bool) {
        let spec = self.cycles.timeline.spec();
        let listed: Vec<&(SubjectId, String)> = self
            .cycles
            .vintages
            .iter()
            .filter(|(_, code)| spec.vintages[code.as_str()].listed <= day.date)
            .collect();
        if listed.len() > 1 {
            let rows = listed.iter().filter_map(|(subject, code)| {
                published.vintage_day(code, day.date).map(|r| Traded {
                    code: code.clone(),
                    subject: *subject,
                    published: published::vintage(r),
                })
            });
            return (rows.collect(), true);
        }
        let first = listed.first().map(|(subject, code)| Traded {
            code: code.clone(),
            subject: *subject,
            published: published::composite(day),
        });
        (first.into_iter().collect(), false)
    }

    /// The day's trades for one subject, inside its bands.
    fn plan(&self, date: NaiveDate, traded: &Traded) -> Result<DayPlan, ScenarioError> {
        // The replay lists every subject itself, so a missing band is a bug, named here.
        let band = |method| {
            self.replay
                .ex
                .band(traded.subject, method)
                .ok_or_else(|| ScenarioError::Rejected {
                    date,
                    reason: format!("{} is not listed", traded.code),
                })
        };
        let p = &traded.published;
        let target = DayTarget {
            date,
            open_high_low: match (p.open, p.high, p.low) {
                (Some(o), Some(h), Some(l)) => Some((o, h, l)),
                _ => None,
            },
            listed_volume: p.listed_volume,
            listed_turnover: p.listed_turnover,
            block_volume: p.block_volume,
            block_turnover: p.block_turnover,
            listed_band: band(TradingMethod::ListedAgreement)?,
            block_band: band(TradingMethod::BlockAgreement)?,
        };
        Ok(plan::plan_day(&target, self.listed_max, self.block_min)?)
    }

    /// Closes the day, checks conservation and records published beside simulated figures.
    fn close(
        &mut self,
        day: &DailyQuote,
        (today, per_vintage): (&[Traded], bool),
        out: &mut ReplayResult,
    ) -> Result<(), ScenarioError> {
        let date = day.date;
        let bars = self.replay.ex.close_day(&mut self.replay.events)?;
        self.replay.check_events(date)?;
        self.replay
            .ex
            .registry()
            .check_conservation()
            .map_err(|reason| ScenarioError::Rejected { date, reason })?;
        let mut total = DayFigures::EMPTY;
        for t in today {
            let Some(bar) = bars.iter().find(|b| b.subject == t.code) else {
                continue;
            };
            let sim = DayFigures::from_bar(bar);
            total.add_volumes(&sim);
            if per_vintage {
                out.vintages.push(ReplayDay {
                    date,
                    subject: t.code.clone(),
                    published: t.published,
                    simulated: sim,
                });
            } else {
                total = sim;
            }
        }
        out.composite.push(ReplayDay {
            date,
            subject: COMPOSITE.into(),
            published: published::composite(day),
            simulated: total,
        });
        Ok(())
    }

    /// Settles the volume deadlines falling before the next trading day; a price-multiple
    /// penalty refers to the published average price of the month before the deadline.
    fn settle_after_close(
        &mut self,
        date: NaiveDate,
        published: &Published,
        out: &mut ReplayResult,
    ) -> Result<(), ScenarioError> {
        let next = self
            .replay
            .ex
            .config()
            .calendar
            .next_trading_day(date)
            .ok()
            .flatten();
        for d in self.cycles.agenda.settle_due(next) {
            if d.share_of == ShareOf::Volume {
                let reg = self.replay.ex.registry_mut();
                self.cycles.credit_due(reg, d.date)?;
                let reference = published.average_price(penalty_window(d.date));
                let report = self.cycles.settle(reg, &d, &[], reference)?;
                out.compliance.push(ComplianceSummary::of(&report));
            }
        }
        Ok(())
    }
}

impl DayFigures {
    /// No trade and no prices.
    pub(crate) const EMPTY: DayFigures = DayFigures {
        open: None,
        high: None,
        low: None,
        close: None,
        listed_volume: Quantity::ZERO,
        listed_turnover: Money::ZERO,
        block_volume: Quantity::ZERO,
        block_turnover: Money::ZERO,
    };

    /// Adds `other`'s volumes and turnovers.
    fn add_volumes(&mut self, other: &DayFigures) {
        self.listed_volume += other.listed_volume;
        self.listed_turnover += other.listed_turnover;
        self.block_volume += other.block_volume;
        self.block_turnover += other.block_turnover;
    }
}
