//! Writing your own agent: a "buy the dip" trader, shown the published 2021–2023 market day by day.
//!
//! The agent implements [`Agent`]: each day it receives a read-only [`MarketView`] (previous close,
//! bands, recent bars, visible book) and its own [`AccountView`], and pushes [`OrderIntent`]s into a
//! `Vec`. Its randomness comes from its own ChaCha stream ([`agent_rng`]). Here the views are built
//! from the published daily series, so the example shows what the agent would have asked for on
//! each day; the agent-based scenario sends the same intents through the exchange.
//!
//! Source of the data: Shanghai Environment and Energy Exchange.
//!
//! Run with `cargo run --release --example custom_agent`.

use carbonsim::agents::{
    AccountView, Agent, DailyBar, DayOutcome, Holding, MarketView, Method, OrderIntent, OrderKind,
    OrderRequest, PriceBand, Side, SizeRules, agent_rng,
};
use carbonsim::scenario::stats::{self, DayRecord};
use carbonsim::units::{Money, Price, Quantity};
use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Buys after the close falls `dip` below its average of the shown bars, sells after it rises as
/// much above; acts on a day with probability `activity`.
struct BuyTheDip {
    dip: f64,
    activity: f64,
    size: Quantity,
    days_seen: u32,
}

impl Agent for BuyTheDip {
    fn kind(&self) -> &'static str {
        "buy_the_dip"
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        if market.bars.is_empty() || rng.random::<f64>() >= self.activity {
            return;
        }
        let mean =
            market.bars.iter().map(|b| b.close.to_f64()).sum::<f64>() / market.bars.len() as f64;
        let close = market.prev_close.to_f64();
        let side = if close < mean * (1.0 - self.dip) {
            Side::Buy
        } else if close > mean * (1.0 + self.dip) && !account.holding(market.subject).0.is_zero() {
            Side::Sell
        } else {
            return;
        };
        // within_rules clamps the price into today's band and the size to the listed maximum.
        let order = OrderRequest::within_rules(
            market,
            side,
            Method::Listed,
            OrderKind::Limit,
            market.prev_close,
            self.size,
        );
        out.extend(order.map(OrderIntent::Place));
    }

    fn on_day_end(&mut self, _outcome: &DayOutcome<'_>) {
        self.days_seen += 1;
    }
}

fn parse_day(line: &str) -> Option<(DailyBar, DayRecord)> {
    let f: Vec<&str> = line.split(',').collect();
    let price = |i: usize| f.get(i).and_then(|t| t.parse::<Price>().ok());
    let qty = |i: usize| f.get(i).and_then(|t| t.parse::<Quantity>().ok());
    let date: NaiveDate = f.first()?.parse().ok()?;
    let turnover: Money = f.get(14)?.parse().ok()?;
    let bar = DailyBar {
        date,
        open: price(1),
        high: price(2),
        low: price(3),
        close: price(4)?,
        listed_volume: qty(7)?,
        block_volume: qty(9)?,
        turnover,
    };
    let record = DayRecord {
        date,
        close: bar.close,
        listed_volume: bar.listed_volume,
        block_volume: bar.block_volume,
        turnover,
    };
    Some((bar, record))
}

/// Runs the agent over the published series; returns the number of days and of buy and sell
/// intents.
fn run() -> (usize, usize, usize) {
    let csv = include_str!("../data/cea_daily_2021-07-16_2023-12-29.csv");
    let (bars, records): (Vec<DailyBar>, Vec<DayRecord>) =
        csv.lines().skip(1).filter_map(parse_day).unzip();
    let mut agent = BuyTheDip {
        dip: 0.05,
        activity: 0.5,
        size: Quantity::new(1_000),
        days_seen: 0,
    };
    let mut rng = agent_rng(2021, 0);
    let holdings = [Holding {
        subject: "CEA",
        available: Quantity::new(100_000),
        frozen: Quantity::ZERO,
    }];
    let account = AccountView {
        holdings: &holdings,
        cash_available: Money::from_cny(10_000_000),
        cash_frozen: Money::ZERO,
        compliance: None,
    };
    let (mut buys, mut sells) = (0, 0);
    let mut out = Vec::new();
    for day in 1..bars.len() {
        let prev_close = bars[day - 1].close;
        let band = |down, up| PriceBand {
            lower: prev_close
                .scale_bp_round_half_up(down)
                .unwrap_or(prev_close),
            upper: prev_close.scale_bp_round_half_up(up).unwrap_or(prev_close),
        };
        let market = MarketView {
            subject: "CEA",
            date: bars[day].date,
            day_index: day as u32,
            deadlines: &[],
            prev_close,
            listed_band: band(9_000, 11_000),
            block_band: band(7_000, 13_000),
            sizes: SizeRules::default(),
            bars: &bars[day.saturating_sub(20)..day],
            bids: &[],
            asks: &[],
        };
        out.clear();
        agent.on_day(&market, &account, &mut rng, &mut out);
        for intent in &out {
            if let OrderIntent::Place(order) = intent {
                assert!(market.listed_band.contains(order.limit));
                match order.side {
                    Side::Buy => buys += 1,
                    Side::Sell => sells += 1,
                }
            }
        }
        agent.on_day_end(&DayOutcome {
            subject: "CEA",
            bar: bars[day],
            rejected_intents: 0,
        });
    }
    let vol = stats::annualised_volatility(&records).unwrap_or(f64::NAN);
    println!(
        "{} published days: {buys} buy and {sells} sell intents from {}",
        records.len(),
        agent.kind()
    );
    println!(
        "published series: annualised volatility {:.1} %, maximum drawdown {:.1} %",
        vol * 100.0,
        stats::max_drawdown(&records) * 100.0
    );
    (records.len(), buys, sells)
}

/// Runs the example and checks what it printed.
pub fn main() {
    let (days, buys, sells) = run();
    assert_eq!(days, 598, "the published series has 598 trading days");
    assert!(buys > 0 && sells > 0, "the agent traded both ways");
}
