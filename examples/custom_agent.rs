//! Writing your own agent: a "buy the dip" investor, added to the agent-based market of 2021.
//!
//! The agent implements [`Agent`]: each day it receives a read-only [`MarketView`] (previous
//! close, bands, recent bars, the five visible levels) and its own [`AccountView`] (never another
//! agent's), and pushes [`OrderIntent`]s into a `Vec`. Its randomness comes from its own ChaCha
//! stream, handed in by the runner. [`World::add_agent`] gives it an account of the kind you
//! choose; the registry's admission rules decide what it may trade: under the 2021–2023 rules
//! only covered entities traded allowances, so the scenario admits investors
//! (`participants.investors = true`), which opens allowance trading to institutions.
//!
//! Run with `cargo run --release --example custom_agent`.

use carbonsim::agents::{
    AccountView, Agent, DayOutcome, Fill, MarketView, Method, OrderIntent, OrderKind, OrderRequest,
    Side,
};
use carbonsim::registry::AccountKind;
use carbonsim::scenario::agent_based::{AgentRun, World};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::units::{Money, Quantity};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Buys after the close falls `dip` below its average over the bars it is shown, sells after it
/// rises as much above; acts on a day with probability `activity`.
pub struct BuyTheDip {
    /// Relative distance from the average that triggers a trade.
    pub dip: f64,
    /// Probability of acting on a given day.
    pub activity: f64,
    /// Order size.
    pub size: Quantity,
    /// Units bought and sold so far (from fill reports).
    pub traded: (Quantity, Quantity),
}

impl Agent for BuyTheDip {
    fn kind(&self) -> &'static str {
        "buy_the_dip"
    }

    // Allowances only (the default would be every subject).
    fn trades(&self, subject: &str) -> bool {
        subject.starts_with("CEA")
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
        let (side, limit) = if close < mean * (1.0 - self.dip) {
            // Take the best offer if there is one, else bid at the close.
            (
                Side::Buy,
                market.asks.first().map_or(market.prev_close, |l| l.price),
            )
        } else if close > mean * (1.0 + self.dip) && !account.holding(market.subject).0.is_zero() {
            (
                Side::Sell,
                market.bids.first().map_or(market.prev_close, |l| l.price),
            )
        } else {
            return;
        };
        let quantity = match side {
            Side::Buy => self.size,
            Side::Sell => self.size.min(account.holding(market.subject).0),
        };
        // within_rules clamps the price into today's band and the size to the listed maximum.
        let order = OrderRequest::within_rules(
            market,
            side,
            Method::Listed,
            OrderKind::Limit,
            limit,
            quantity,
        );
        out.push(OrderIntent::CancelMyOpenOrders);
        out.extend(order.map(OrderIntent::Place));
    }

    fn on_fill(&mut self, fill: &Fill<'_>) {
        match fill.side {
            Side::Buy => self.traded.0 += fill.quantity,
            Side::Sell => self.traded.1 += fill.quantity,
        }
    }

    fn on_day_end(&mut self, _outcome: &DayOutcome<'_>) {}
}

/// The scenario: the second half of 2021 with 400 covered entities and investors admitted.
pub const SCENARIO: &str = r#"
name = "custom_agent_2021"
seed = 2021
start = "2021-07-16"
end = "2021-12-31"

[fleet]
compliance_firms = 400

[participants]
investors = true
"#;

/// Runs the scenario with one `BuyTheDip` investor holding CNY 20 million.
pub fn run() -> Result<AgentRun, Box<dyn std::error::Error>> {
    let config = ScenarioConfig::from_toml_str(SCENARIO)?;
    let mut world = World::new(&config, config.seed)?;
    world.add_agent(
        AccountKind::Institution,
        "buy the dip",
        Money::from_cny(20_000_000),
        Box::new(BuyTheDip {
            dip: 0.02,
            activity: 0.5,
            size: Quantity::new(5_000),
            traded: (Quantity::ZERO, Quantity::ZERO),
        }),
    )?;
    Ok(world.run()?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = run()?;
    for a in &run.activity {
        println!(
            "{:<18} {:>5} agents  bought {:>12} t  sold {:>12} t",
            a.kind, a.agents, a.bought, a.sold
        );
    }
    Ok(())
}
