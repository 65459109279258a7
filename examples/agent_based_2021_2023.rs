//! The national carbon market of 2021–2023 as an agent-based run: 2,257 covered entities with
//! their benchmark allocations and obligations trade through the exchange, and the simulated
//! market is set beside the published one (annual volumes, deadline-month shares, close-path
//! error, volatility, maximum drawdown, listed/block split).
//!
//! Source of the published data: Shanghai Environment and Energy Exchange.
//!
//! Run with `cargo run --release --example agent_based_2021_2023 [scenario.toml] [seed]`; the
//! outputs go to the scenario's `output.dir`.

use std::path::Path;

use carbonsim::report::OutputDir;
use carbonsim::scenario::agent_based::{self, AgentRun};
use carbonsim::scenario::agent_report;
use carbonsim::scenario::config::ScenarioConfig;

/// The scenario file shipped with the examples.
pub const SCENARIO: &str = "examples/scenarios/agent_based_2021_2023.toml";

/// Runs the scenario at `path` under `seed` (the scenario's own seed when `None`).
pub fn run(path: &Path, seed: Option<u64>) -> Result<AgentRun, Box<dyn std::error::Error>> {
    let config = ScenarioConfig::from_path(path)?;
    Ok(agent_based::run(&config, seed.unwrap_or(config.seed))?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| SCENARIO.to_owned());
    let seed = args.next().map(|s| s.parse::<u64>()).transpose()?;
    let config = ScenarioConfig::from_path(Path::new(&path))?;
    let run = run(Path::new(&path), seed)?;
    print!("{}", agent_report::table(&run));
    let dir = OutputDir::prepare(config.output_dir())?;
    let files = dir.commit(&agent_report::outputs(&run, &config.output)?)?;
    println!("wrote {} files to {}", files.len(), dir.path().display());
    Ok(())
}
