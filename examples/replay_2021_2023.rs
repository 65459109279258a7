//! Replays the national market from 2021-07-16 to 2023-12-29 through the exchange and prints
//! the comparison with the published series (the library behind `carbonsim replay`).
//!
//! Run: `cargo run --release --example replay_2021_2023`

use carbonsim::scenario::replay::{self, ReplayConfig, ReplayResult};
use carbonsim::scenario::replay_report;

/// Runs the replay with the default seed and prints its summary table.
pub fn run() -> Result<ReplayResult, Box<dyn std::error::Error>> {
    let result = replay::run(&ReplayConfig::default())?;
    print!("{}", replay_report::table(&result));
    Ok(result)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().map(|_| ())
}
