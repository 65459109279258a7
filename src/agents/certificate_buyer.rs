//! A buyer of green certificates for consumption claims (a company covering its electricity use).
//!
//! Its demand is a schedule of monthly quantities. Through a month it aims to have bought the
//! month's demand pro rata to the calendar days elapsed; each day, on each certificate subject it
//! is shown that has offers, it bids for what is still missing, at the best ask when that is
//! within `max_premium` of the previous close, else at the previous close marked up by
//! `bid_markup`. Bids rest for the day. The runner claims what it has bought (cancellation for consumption), so a certificate is
//! bought once and never resold. The demand defaults are derived from the published trading
//! totals in `docs/model.md`.

use chrono::{Datelike, NaiveDate};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    AccountView, Agent, Fill, MarketView, OrderIntent, OrderKind, Routing, Side, affordable,
    price_from_yuan, push_orders,
};
use crate::schedule::{MonthlyStep, per_month_on};
use crate::units::Quantity;

/// Parameters of [`CertificateBuyer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateBuyerParams {
    /// Subjects whose code starts with this prefix are bought. Default `"GEC"`.
    pub subject_prefix: String,
    /// The demand schedule, steps in date order. Default empty (the runner fills it from the
    /// scenario's GEC settings).
    pub demand: Vec<MonthlyStep>,
    /// Highest premium over the previous close paid to take the best ask. Default 0.05.
    pub max_premium: f64,
    /// Markup over the previous close of a resting bid. Default 0.0.
    pub bid_markup: f64,
    /// Most listed orders a day per subject. Default 5.
    pub max_listed_orders: u32,
}

impl Default for CertificateBuyerParams {
    fn default() -> Self {
        CertificateBuyerParams {
            subject_prefix: "GEC".into(),
            demand: Vec::new(),
            max_premium: 0.05,
            bid_markup: 0.0,
            max_listed_orders: 5,
        }
    }
}

/// A buyer with a monthly demand; see the module documentation.
#[derive(Debug, Clone)]
pub struct CertificateBuyer {
    params: CertificateBuyerParams,
    /// (year, month) being filled.
    month: (i32, u32),
    bought_this_month: u64,
    /// Quantity bid today and not yet filled (bids expire at the close).
    committed: u64,
    today: Option<NaiveDate>,
    /// The last day's target, kept so that the many books of a day ask for it once.
    target_of: std::cell::Cell<(Option<NaiveDate>, u64)>,
}

impl CertificateBuyer {
    /// A buyer with `params`.
    #[must_use]
    pub fn new(params: CertificateBuyerParams) -> Self {
        CertificateBuyer {
            params,
            month: (0, 0),
            bought_this_month: 0,
            committed: 0,
            today: None,
            target_of: std::cell::Cell::new((None, 0)),
        }
    }

    /// The monthly demand in force on `date`.
    #[must_use]
    pub fn demand_on(&self, date: NaiveDate) -> Quantity {
        per_month_on(&self.params.demand, date)
    }

    /// What is still to bid for on `date`: the target less what was bought this month and bid
    /// today (bids of an earlier day have expired; a new month starts from nothing).
    fn need(&self, date: NaiveDate) -> u64 {
        let bought = if self.month == (date.year(), date.month()) {
            self.bought_this_month
        } else {
            0
        };
        let committed = if self.today == Some(date) {
            self.committed
        } else {
            0
        };
        self.target(date).saturating_sub(bought + committed)
    }

    /// What should have been bought this month by the end of `date` (computed once a day).
    fn target(&self, date: NaiveDate) -> u64 {
        if let (Some(d), t) = self.target_of.get()
            && d == date
        {
            return t;
        }
        let days_in_month = days_in_month(date);
        let demand = u128::from(self.demand_on(date).units());
        let t = (demand * u128::from(date.day()) / u128::from(days_in_month)) as u64;
        self.target_of.set((Some(date), t));
        t
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(30, |d| d.day())
}

impl Agent for CertificateBuyer {
    fn kind(&self) -> &'static str {
        "certificate_buyer"
    }

    fn trades(&self, subject: &str) -> bool {
        subject.starts_with(self.params.subject_prefix.as_str())
    }

    fn wants_view(&self, _subject: &str, date: NaiveDate) -> bool {
        // Met today's need already: nothing to do on further books.
        self.need(date) > 0
    }

    fn needs_offers(&self) -> bool {
        // It bids only where certificates are offered (see `on_day`).
        true
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        _rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        let date = market.date;
        let need = self.need(date);
        if self.today != Some(date) {
            // A new day drops yesterday's expired bids; a new month starts its count afresh.
            self.today = Some(date);
            self.committed = 0;
            let month = (date.year(), date.month());
            if month != self.month {
                self.month = month;
                self.bought_this_month = 0;
            }
        }
        if need == 0 {
            return;
        }
        let close = market.prev_close.to_f64();
        let p = &self.params;
        // Bid only where certificates are offered: a resting bid on a sold-out book would hold
        // the day's need where no seller is left.
        let Some(best) = market.asks.first() else {
            return;
        };
        let (limit, available) = if best.price.to_f64() <= close * (1.0 + p.max_premium) {
            (best.price, best.quantity.units())
        } else {
            (price_from_yuan(close * (1.0 + p.bid_markup)), need)
        };
        let limit = market.listed_band.clamp(limit);
        let want =
            Quantity::new(need.min(available)).min(affordable(account.cash_available, limit));
        if want.is_zero() {
            return;
        }
        let before = out.len();
        push_orders(
            market,
            Side::Buy,
            OrderKind::Limit,
            limit,
            want,
            Routing::listed(p.max_listed_orders),
            out,
        );
        for intent in &out[before..] {
            if let OrderIntent::Place(o) = intent {
                self.committed += o.quantity.units();
            }
        }
    }

    fn on_fill(&mut self, fill: &Fill<'_>) {
        if fill.side == Side::Buy {
            let q = fill.quantity.units();
            self.bought_this_month += q;
            self.committed = self.committed.saturating_sub(q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Level, Method, agent_rng};
    use super::*;
    use crate::units::{Money, Price};

    #[test]
    fn buys_its_monthly_demand_pro_rata_and_counts_fills() {
        let mut buyer = CertificateBuyer::new(CertificateBuyerParams {
            subject_prefix: "CEA".into(),
            demand: vec![MonthlyStep {
                from: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default(),
                per_month: Quantity::new(3_000),
            }],
            ..CertificateBuyerParams::default()
        });
        let d = deadline(50);
        let bars = flat_bars(3, 5000);
        let asks = [Level {
            price: Price::from_fen(5_100),
            quantity: Quantity::new(10_000),
        }];
        // The test market is dated 2021-12-01: 1/31 of 3,000 = 96.
        let m = market(&d, &bars, &[], &asks);
        let acct = account(&[], Money::from_cny(1_000_000), None);
        let mut out = Vec::new();
        buyer.on_day(&m, &acct, &mut agent_rng(1, 0), &mut out);
        let orders = placed(&out);
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].quantity, Quantity::new(96));
        assert_eq!(orders[0].limit, Price::from_fen(5_100));
        // Already committed today: nothing more.
        out.clear();
        buyer.on_day(&m, &acct, &mut agent_rng(1, 0), &mut out);
        assert!(out.is_empty());
        // A fill of 50 moves it from committed to bought; the need stays met.
        buyer.on_fill(&Fill {
            subject: "CEA",
            date: m.date,
            side: Side::Buy,
            method: Method::Listed,
            price: Price::from_fen(5_100),
            quantity: Quantity::new(50),
        });
        assert_eq!(buyer.bought_this_month, 50);
        out.clear();
        buyer.on_day(&m, &acct, &mut agent_rng(1, 0), &mut out);
        assert!(out.is_empty());
    }
}
