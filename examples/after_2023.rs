//! The national market after 2023, read through the library: the power sector's annual cycles
//! with the banking cap, steel, cement and aluminium from their 2024 year, and the certificate
//! markets at full scale, from the shipped 2021–2026 scenario.
//!
//! It answers four questions an economist asks of the post-2023 rules:
//! 1. how each cycle from 2023 on ended, per sector (allocation, emissions, abatement, trading,
//!    shortfall, bank);
//! 2. what the banking cap (10,000 t plus 1.5 × net sales) voided, and from how many entities;
//! 3. how the simulated 2024 compares with the published one (2024 is a calibration target);
//! 4. how the 2025 certificate figures compare with the published ones (out of sample: nothing
//!    after 2024 is used to set a parameter).
//!
//! Run with `cargo run --release --example after_2023 [scenario.toml] [seed]` (about 4 s).

use std::path::Path;

use carbonsim::scenario::agent_based::certificate_facts::facts_after_2023;
use carbonsim::scenario::agent_based::report::FactCheck;
use carbonsim::scenario::agent_based::years_report::{SectorCycle, sector_cycles};
use carbonsim::scenario::agent_based::{self, BankingVoid};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::study::facts::YearCompared;

/// The scenario file shipped with the examples.
pub const SCENARIO: &str = "examples/scenarios/agent_based_2021_2026.toml";

/// The cycles of the 2019–2020 and 2021–2022 rules, left out of the answers.
const BEFORE_2023: [&str; 2] = ["2019-2020", "2021-2022"];

/// What the run says of the years after 2023.
pub struct AfterTwentyThree {
    /// Each cycle from 2023 on, per sector.
    pub cycles: Vec<SectorCycle>,
    /// What each banking cap voided.
    pub voided: Vec<BankingVoid>,
    /// 2024 beside the published figures (none if the run stops before the year's end).
    pub year_2024: Option<YearCompared>,
    /// The certificate facts after 2023, the 2025 ones labelled out of sample.
    pub certificates: Vec<FactCheck>,
}

/// Runs the scenario at `path` under `seed` (the scenario's own seed when `None`).
pub fn run(path: &Path, seed: Option<u64>) -> Result<AfterTwentyThree, Box<dyn std::error::Error>> {
    let config = ScenarioConfig::from_path(path)?;
    let run = agent_based::run(&config, seed.unwrap_or(config.seed))?;
    let cycles = sector_cycles(&run)
        .into_iter()
        .filter(|c| !BEFORE_2023.contains(&c.cycle.as_str()))
        .collect();
    let year_2024 = run
        .calibration
        .as_ref()
        .and_then(|c| c.later_years.get(&2024).copied());
    Ok(AfterTwentyThree {
        cycles,
        voided: run.banking.clone(),
        year_2024,
        certificates: facts_after_2023(&run),
    })
}

fn mt(units: u64) -> f64 {
    units as f64 / 1e6
}

fn print_cycles(cycles: &[SectorCycle]) {
    println!("1. Cycles from 2023 on (Mt)");
    println!(
        "{:<14} {:<10} {:>8} {:>10} {:>10} {:>7} {:>7} {:>9} {:>7}",
        "cycle",
        "sector",
        "entities",
        "allocation",
        "emissions",
        "abated",
        "bought",
        "shortfall",
        "banked"
    );
    for c in cycles {
        println!(
            "{:<14} {:<10} {:>8} {:>10.1} {:>10.1} {:>7.1} {:>7.1} {:>9.1} {:>7.1}",
            c.cycle,
            c.sector,
            c.entities,
            mt(c.allocation.units()),
            mt(c.emissions.units()),
            mt(c.abated.units()),
            mt(c.bought.units()),
            mt(c.shortfall.units()),
            mt(c.banked.units()),
        );
    }
}

fn print_voided(voided: &[BankingVoid]) {
    println!("\n2. The banking cap");
    for v in voided {
        println!(
            "cycle {}: {:.2} Mt voided after {} from {} entities",
            v.cycle,
            mt(v.voided.units()),
            v.date,
            v.entities
        );
    }
}

fn print_2024(year: Option<&YearCompared>) {
    println!("\n3. 2024, simulated beside published (a calibration target)");
    let Some(y) = year else {
        println!("the run does not cover 2024");
        return;
    };
    let rows = [
        (
            "volume (Mt)",
            y.volume.simulated / 1e6,
            y.volume.published / 1e6,
        ),
        (
            "year-end close (CNY/t)",
            y.year_end_close.simulated,
            y.year_end_close.published,
        ),
        (
            "peak close (CNY/t)",
            y.peak_close.simulated,
            y.peak_close.published,
        ),
        (
            "Q4 share of volume (%)",
            y.q4_share.simulated * 100.0,
            y.q4_share.published * 100.0,
        ),
    ];
    for (what, simulated, published) in rows {
        println!("{what:<24} {simulated:>8.2} {published:>8.2}");
    }
}

fn print_certificates(facts: &[FactCheck]) {
    println!("\n4. Certificates in 2025, out of sample (simulated, published)");
    for f in facts.iter().filter(|f| f.fact.contains("out of sample")) {
        let shown = |v: Option<f64>| match v {
            None => "-".to_owned(),
            Some(v) if v.abs() < 1000.0 => format!("{v:.2}"),
            Some(v) => format!("{v:.0}"),
        };
        println!("{}: {}, {}", f.fact, shown(f.simulated), shown(f.published));
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| SCENARIO.to_owned());
    let seed = args.next().map(|s| s.parse::<u64>()).transpose()?;
    let answers = run(Path::new(&path), seed)?;
    print_cycles(&answers.cycles);
    print_voided(&answers.voided);
    print_2024(answers.year_2024.as_ref());
    print_certificates(&answers.certificates);
    Ok(())
}
