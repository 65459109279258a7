//! The smallest useful carbonsim program: one trading day on the national market.
//!
//! Two covered entities trade allowances through the exchange: an order is checked, frozen,
//! matched and settled, and the day's bar is published with the VWAP close.
//!
//! Run: `cargo run --release --example quickstart`

use carbonsim::book::{OrderKind, SelfTradePrevention, Side};
use carbonsim::calendar::TimeOfDay;
use carbonsim::exchange::bars::DailyBar;
use carbonsim::exchange::{Exchange, ExchangeConfig, OrderRequest};
use carbonsim::registry::{AccountKind, CeaVintage, Registry, Subject};
use carbonsim::units::{Money, Price, Quantity};

/// Runs the day and returns its bar.
pub fn run() -> Result<DailyBar, Box<dyn std::error::Error>> {
    // The registry: one allowance subject, two covered entities, allowances and cash.
    let mut registry = Registry::default();
    let cea = registry.register_subject(Subject::Cea {
        vintage: CeaVintage::Y2019_2020,
    });
    let long = registry.open_account(AccountKind::CoveredEntity, "Long Power Co.");
    let short = registry.open_account(AccountKind::CoveredEntity, "Short Power Co.");
    registry.issue(long, cea, Quantity::new(500_000))?;
    registry.deposit_cash(short, Money::from_cny(10_000_000))?;

    // The exchange lists CEA with a reference price of 48.00 on launch day.
    let mut exchange = Exchange::new(ExchangeConfig::national_2021_2023()?, registry);
    let launch = "2021-07-16".parse()?;
    exchange.list(cea, "CEA", "48.00".parse()?, launch, None)?;
    exchange.open_day(launch)?;
    exchange.set_time("09:30".parse::<TimeOfDay>()?)?;

    let order =
        |account, side, price: &str, tonnes| -> Result<OrderRequest, Box<dyn std::error::Error>> {
            Ok(OrderRequest {
                account,
                subject: cea,
                side,
                kind: OrderKind::Limit,
                price: price.parse::<Price>()?,
                quantity: Quantity::new(tonnes),
                stp: SelfTradePrevention::CancelTaker,
            })
        };
    let mut events = Vec::new();
    exchange.submit(&order(long, Side::Sell, "52.78", 10_000)?, &mut events)?;
    exchange.submit(&order(long, Side::Sell, "52.80", 20_000)?, &mut events)?;
    exchange.submit(&order(short, Side::Buy, "52.80", 25_000)?, &mut events)?;

    let bars = exchange.close_day(&mut events)?;
    let bar = bars.into_iter().next().ok_or("no bar")?;
    let cash = exchange.registry().cash(short)?;
    let bought = exchange.registry().holding(short, cea)?;
    println!(
        "{}: {} t traded, close {} (VWAP), buyer paid {}, holds {} t from tomorrow",
        bar.date,
        bar.listed_volume,
        bar.close,
        Money::from_cny(10_000_000) - cash.available,
        bought.pending
    );
    Ok(bar)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().map(|_| ())
}
