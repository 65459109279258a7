//! CCER offsets in the second compliance cycle: legacy CCER projects (filed, validated,
//! registered, monitored, verified and issued through the registry) sell their credits in their
//! own books; covered entities buy them when they are at least 10 % cheaper than allowances and
//! surrender them for up to 5 % of their obligation at the 2023 deadlines.
//!
//! Run with `cargo run --release --example ccer_offsets`.

use std::path::Path;

use carbonsim::scenario::agent_based::{self, AgentRun};
use carbonsim::scenario::agent_report;
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::units::Quantity;

/// The scenario file shipped with the examples.
pub const SCENARIO: &str = "examples/scenarios/ccer_offsets.toml";

/// What the example reports.
#[derive(Debug)]
pub struct Offsets {
    /// The run.
    pub run: AgentRun,
    /// CCERs traded on the exchange over the run.
    pub traded: Quantity,
    /// CCERs cancelled as offsets at the run's deadlines.
    pub cancelled: Quantity,
    /// The allowance obligation settled at the final deadline.
    pub obligation: Quantity,
}

/// Runs the scenario.
pub fn run() -> Result<Offsets, Box<dyn std::error::Error>> {
    let config = ScenarioConfig::from_path(Path::new(SCENARIO))?;
    let run = agent_based::run(&config, config.seed)?;
    let last = run
        .certificates
        .last()
        .ok_or("the CCER market did not run")?;
    let (traded, cancelled) = (last.ccer_traded, last.ccer_offset);
    let obligation = run
        .compliance
        .last()
        .map_or(Quantity::ZERO, |c| c.obligation);
    Ok(Offsets {
        run,
        traded,
        cancelled,
        obligation,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = run()?;
    print!("{}", agent_report::table(&o.run));
    println!(
        "CCER traded {} t; cancelled as offsets {} t = {:.2} % of the 2021-2022 obligation (cap 5 %)",
        o.traded,
        o.cancelled,
        100.0 * o.cancelled.units() as f64 / o.obligation.units().max(1) as f64
    );
    Ok(())
}
