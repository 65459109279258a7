//! Every example runs, and returns what it claims.

#[allow(dead_code)]
#[path = "../examples/custom_agent.rs"]
mod custom_agent;

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[allow(dead_code)]
#[path = "../examples/replay_2021_2023.rs"]
mod replay_2021_2023;

#[allow(dead_code)]
#[path = "../examples/first_compliance_period.rs"]
mod first_compliance_period;

use carbonsim::units::{Price, Quantity};

#[test]
fn quickstart_trades_one_day() {
    let bar = quickstart::run().unwrap();
    // 10,000 t at 52.78 and 15,000 t at 52.80: VWAP 52.792 → 52.79.
    assert_eq!(bar.listed_volume, Quantity::new(25_000));
    assert_eq!(bar.close, Price::from_fen(5_279));
}

#[test]
fn replay_example_reproduces_the_market() {
    let r = replay_2021_2023::run().unwrap();
    assert_eq!(r.composite.len(), 598);
    assert!(
        r.composite
            .iter()
            .all(|d| d.simulated.listed_volume == d.published.listed_volume)
    );
}

#[test]
fn first_compliance_period_settles_2162_entities() {
    let report = first_compliance_period::run().unwrap();
    assert_eq!(report.entities.len(), 2_162);
    let offsets: u64 = report.entities.iter().map(|e| e.offsets.units()).sum();
    assert!(offsets > 0, "some entities used CCER offsets");
    assert!(
        report
            .entities
            .iter()
            .all(|e| e.offsets <= e.obligation.offset_limit)
    );
    let with_relief = report
        .entities
        .iter()
        .filter(|e| !e.obligation.gas_relief.is_zero())
        .count();
    assert!(
        with_relief > 0,
        "gas units were exempted from part of their shortfall"
    );
}

#[test]
fn custom_agent_runs_over_the_published_series() {
    custom_agent::main();
}
