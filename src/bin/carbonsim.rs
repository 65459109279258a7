//! The `carbonsim` command-line front end: parses arguments, calls the library, prints a short
//! summary. All logic lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use carbonsim::report::OutputDir;
use carbonsim::scenario::replay::{self, ReplayConfig};
use carbonsim::scenario::replay_report;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

/// Exact, deterministic simulation of China's carbon markets (CEA allowances, CCER, GEC).
#[derive(Debug, Parser)]
#[command(name = "carbonsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay the national carbon market day by day through the exchange and compare the
    /// simulated market with the published one (writes CSV, JSON and SVG files).
    Replay {
        /// First trading day to replay (YYYY-MM-DD, from 2021-07-16).
        #[arg(long, default_value = "2021-07-16")]
        from: NaiveDate,
        /// Last trading day to replay (YYYY-MM-DD, up to 2023-12-29).
        #[arg(long, default_value = "2023-12-29")]
        to: NaiveDate,
        /// Seed for the synthetic entities that carry the trades.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Folder for the outputs (created if missing).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay {
            from,
            to,
            seed,
            out,
            quiet,
        } => run_replay(ReplayConfig { from, to, seed }, &out, quiet),
    }
}

fn run_replay(config: ReplayConfig, out: &std::path::Path, quiet: bool) -> ExitCode {
    let started = Instant::now();
    // The folder is proven writable before any work, so a bad --out fails fast.
    let dir = match OutputDir::prepare(out) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    let result = match replay::run(&config) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let files = match replay_report::outputs(&result).and_then(|set| dir.commit(&set)) {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    if !quiet {
        print!("{}", replay_report::table(&result));
        println!("wrote {} files to {}", files.len(), dir.path().display());
        println!(
            "replayed {} trading days in {:.2?}",
            result.composite.len(),
            started.elapsed()
        );
    }
    ExitCode::SUCCESS
}

fn fail(e: &dyn std::error::Error) -> ExitCode {
    eprintln!("carbonsim: error: {e}");
    ExitCode::FAILURE
}
