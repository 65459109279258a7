//! A holder that sells an inventory of certificates: a CCER project owner selling issued credits,
//! or a renewable generator selling its green certificates.
//!
//! On an active day (probability `activity`) it offers `daily_share` of what it holds of the
//! view's subject, asking around a base price: `base × (1 − ask_discount + ε)`, with `ε` uniform
//! in `±price_noise`, where the base is the previous close pulled towards the seller's `anchor`
//! (its reservation value) by `anchor_weight`; the reservation value may change on given dates
//! (`anchor_steps`). A seller whose offer on a book found no buyer marks its next ask there down
//! by `markdown_step` (compounding each day it stays unsold, back to none once it sells), never
//! below `reservation_share` of its reservation value: without it, a book whose asks sat above
//! every buyer's limit never traded again, since the previous close does not move without a
//! trade. Large offers go to block trading when the rules allow, the rest is split into listed
//! orders. It never sells more than it holds. The defaults are assumptions (no CCER or GEC price
//! series for 2021–2023 was found; see `docs/model.md`).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    AccountView, Agent, DayOutcome, Fill, MarketView, OrderIntent, OrderKind, Routing, Side,
    price_from_yuan, push_orders, quantity_ceil,
};
use crate::schedule::{PriceStep, price_on};
use crate::units::{Price, Quantity};

/// Parameters of [`CertificateSeller`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateSellerParams {
    /// Subjects whose code starts with this prefix are sold (`"CCER"`, `"GEC"`). Default `"CCER"`.
    pub subject_prefix: String,
    /// Probability of offering on a given day, in `[0, 1]`. Default 0.5.
    pub activity: f64,
    /// Share of the holding offered on an active day, in `[0, 1]`. Default 0.05.
    pub daily_share: f64,
    /// Discount of the ask under the previous close, in `[0, 1]`. Default 0.01.
    pub ask_discount: f64,
    /// Half-width of the uniform noise on the ask, relative, in `[0, 1]`. Default 0.02.
    pub price_noise: f64,
    /// Probability that an offer of at least the block minimum goes to block trading, in
    /// `[0, 1]`. Default 0.5.
    pub block_probability: f64,
    /// Most listed orders a day. Default 10.
    pub max_listed_orders: u32,
    /// The seller's reservation value; zero for none. Default 0 (the runner sets the scenario's
    /// reference price).
    pub anchor: Price,
    /// Pull of the ask base towards the anchor, in `[0, 1]`. Default 0.1.
    pub anchor_weight: f64,
    /// Reservation values from given dates, in date order, replacing `anchor` from the first
    /// step's date. Default empty (the runner then uses `submarkets.gec_anchor_steps` for GEC
    /// sellers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anchor_steps: Vec<PriceStep>,
    /// The least offered on an active day (all that is held, if less), so that a holding sells
    /// out instead of dwindling. Default 0 (none; the runner sets the CCER 2.0 owners').
    #[serde(skip_serializing_if = "is_zero")]
    pub min_offer: Quantity,
    /// How much the ask on a book falls after each day the seller's offer there found no buyer,
    /// in `[0, 1)`. Default 0 (never).
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub markdown_step: f64,
    /// The least share of the reservation value (`anchor`, or the step in force) a markdown may
    /// take the ask to, in `[0, 1]`. Default 1.
    #[serde(skip_serializing_if = "is_one")]
    pub reservation_share: f64,
}

impl Default for CertificateSellerParams {
    fn default() -> Self {
        CertificateSellerParams {
            subject_prefix: "CCER".into(),
            activity: 0.5,
            daily_share: 0.05,
            ask_discount: 0.01,
            price_noise: 0.02,
            block_probability: 0.5,
            max_listed_orders: 10,
            anchor: Price::ZERO,
            anchor_weight: 0.1,
            anchor_steps: Vec::new(),
            min_offer: Quantity::ZERO,
            markdown_step: 0.0,
            reservation_share: 1.0,
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

// Serde passes a reference; only the exact default is left out.
#[allow(clippy::trivially_copy_pass_by_ref, clippy::float_cmp)]
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(q: &Quantity) -> bool {
    q.is_zero()
}

/// A seller of a certificate inventory; see the module documentation.
#[derive(Debug, Clone)]
pub struct CertificateSeller {
    params: CertificateSellerParams,
    /// Per book offered on: the markdown in force and today's offer's fate.
    markdowns: Vec<Markdown>,
}

/// A seller's markdown on one book.
#[derive(Debug, Clone)]
struct Markdown {
    subject: String,
    /// Multiplies the usual ask: `(1 − markdown_step)^days unsold`.
    factor: f64,
    /// Offered today and not yet told the day's outcome.
    offered: bool,
    /// Sold some of today's offer.
    sold: bool,
}

impl CertificateSeller {
    /// A seller with `params`.
    #[must_use]
    pub fn new(params: CertificateSellerParams) -> Self {
        CertificateSeller {
            params,
            markdowns: Vec::new(),
        }
    }

    fn markdown(&mut self, subject: &str) -> &mut Markdown {
        let i = if let Some(i) = self.markdowns.iter().position(|m| m.subject == subject) {
            i
        } else {
            self.markdowns.push(Markdown {
                subject: subject.to_owned(),
                factor: 1.0,
                offered: false,
                sold: false,
            });
            self.markdowns.len() - 1
        };
        &mut self.markdowns[i]
    }

    /// The usual ask marked down for the days unsold, never below the reservation floor (nor
    /// raised to it: an ask already under it stays).
    fn marked_down(&mut self, subject: &str, ask: f64, anchor: Price) -> f64 {
        let floor = anchor.to_f64() * self.params.reservation_share;
        let m = self.markdown(subject);
        m.offered = true;
        m.sold = false;
        (ask * m.factor).max(floor.min(ask))
    }
}

impl Agent for CertificateSeller {
    fn kind(&self) -> &'static str {
        "certificate_seller"
    }

    fn trades(&self, subject: &str) -> bool {
        subject.starts_with(self.params.subject_prefix.as_str())
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let p = &self.params;
        // Three draws every day, so the stream advances the same way whatever is decided.
        let (act, noise, route): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
        let (available, _) = account.holding(market.subject);
        if available.is_zero() || act >= p.activity {
            return;
        }
        let want = quantity_ceil(available.units() as f64 * p.daily_share)
            .max(p.min_offer)
            .min(available);
        let close = market.prev_close.to_f64();
        let anchor = price_on(&p.anchor_steps, market.date).unwrap_or(p.anchor);
        let base = if anchor.fen() > 0 {
            close + p.anchor_weight * (anchor.to_f64() - close)
        } else {
            close
        };
        let ask = base * (1.0 - p.ask_discount + p.price_noise * (2.0 * noise - 1.0));
        let ask = if p.markdown_step > 0.0 {
            self.marked_down(market.subject, ask, anchor)
        } else {
            ask
        };
        let p = &self.params;
        let routing = Routing {
            block: route < p.block_probability,
            max_listed_orders: p.max_listed_orders,
        };
        push_orders(
            market,
            Side::Sell,
            OrderKind::Limit,
            price_from_yuan(ask),
            want,
            routing,
            out,
        );
    }

    fn on_fill(&mut self, fill: &Fill<'_>) {
        if fill.side == Side::Sell
            && let Some(m) = self
                .markdowns
                .iter_mut()
                .find(|m| m.subject == fill.subject)
        {
            m.sold = true;
        }
    }

    fn on_day_end(&mut self, outcome: &DayOutcome<'_>) {
        let step = self.params.markdown_step;
        if let Some(m) = self
            .markdowns
            .iter_mut()
            .find(|m| m.subject == outcome.subject && m.offered)
        {
            m.factor = if m.sold { 1.0 } else { m.factor * (1.0 - step) };
            m.offered = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Holding, agent_rng};
    use super::*;
    use crate::units::Money;

    #[test]
    fn sells_a_share_of_what_it_holds_near_the_close_and_never_more() {
        let mut seller = CertificateSeller::new(CertificateSellerParams {
            subject_prefix: "CEA".into(),
            activity: 1.0,
            daily_share: 0.5,
            ..CertificateSellerParams::default()
        });
        let day = chrono::NaiveDate::from_ymd_opt(2021, 12, 1).unwrap_or_default();
        assert!(seller.trades("CEA") && !seller.trades("GEC-X") && seller.wants_view("CEA", day));
        let d = deadline(50);
        let bars = flat_bars(3, 5000);
        let m = market(&d, &bars, &[], &[]);
        let holdings = [Holding {
            subject: "CEA",
            available: Quantity::new(1_001),
            frozen: Quantity::ZERO,
        }];
        let acct = account(&holdings, Money::ZERO, None);
        let mut out = Vec::new();
        seller.on_day(&m, &acct, &mut agent_rng(1, 0), &mut out);
        let orders = placed(&out);
        let total: u64 = orders.iter().map(|o| o.quantity.units()).sum();
        assert_eq!(total, 501);
        for o in &orders {
            assert_eq!(o.side, Side::Sell);
            // Within 1 % + 2 % of the 50.00 close.
            assert!((4_850..=5_100).contains(&o.limit.fen()), "{:?}", o.limit);
        }
        let empty = account(&[], Money::ZERO, None);
        out.clear();
        seller.on_day(&m, &empty, &mut agent_rng(1, 0), &mut out);
        assert!(out.is_empty());
    }

    /// The highest limit of the orders `seller` places today on a CEA book closing at 50.00.
    fn todays_ask(seller: &mut CertificateSeller, rng: &mut ChaCha8Rng) -> i64 {
        let d = deadline(50);
        let bars = flat_bars(3, 5000);
        let mut m = market(&d, &bars, &[], &[]);
        // A band wide enough not to bind: the markdown alone moves the ask.
        m.listed_band = super::super::PriceBand {
            lower: Price::from_fen(1),
            upper: Price::from_fen(100_000),
        };
        let holdings = [Holding {
            subject: "CEA",
            available: Quantity::new(1_000),
            frozen: Quantity::ZERO,
        }];
        let mut out = Vec::new();
        seller.on_day(&m, &account(&holdings, Money::ZERO, None), rng, &mut out);
        placed(&out)
            .iter()
            .map(|o| o.limit.fen())
            .max()
            .unwrap_or(0)
    }

    fn day_end(seller: &mut CertificateSeller) {
        seller.on_day_end(&DayOutcome {
            subject: "CEA",
            bar: flat_bars(1, 5000)[0],
            rejected_intents: 0,
        });
    }

    #[test]
    fn an_unsold_offer_is_marked_down_to_the_floor_and_back_up_after_a_sale() {
        let mut seller = CertificateSeller::new(CertificateSellerParams {
            subject_prefix: "CEA".into(),
            activity: 1.0,
            price_noise: 0.0,
            anchor: Price::from_fen(5000),
            markdown_step: 0.1,
            reservation_share: 0.6,
            ..CertificateSellerParams::default()
        });
        let mut rng = agent_rng(1, 0);
        // 50.00 less the 1 % discount, then 10 % less each day unsold, never below 30.00.
        let mut asks = Vec::new();
        for _ in 0..8 {
            asks.push(todays_ask(&mut seller, &mut rng));
            day_end(&mut seller);
        }
        assert_eq!(asks[..4], [4950, 4455, 4010, 3609]);
        assert_eq!(asks[7], 3000);
        // A sale ends the markdown.
        todays_ask(&mut seller, &mut rng);
        seller.on_fill(&Fill {
            subject: "CEA",
            date: chrono::NaiveDate::from_ymd_opt(2021, 12, 1).unwrap_or_default(),
            side: Side::Sell,
            method: super::super::Method::Listed,
            price: Price::from_fen(3000),
            quantity: Quantity::new(10),
        });
        day_end(&mut seller);
        assert_eq!(todays_ask(&mut seller, &mut rng), 4950);
    }
}
