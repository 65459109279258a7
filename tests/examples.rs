//! Every example runs, and returns what it claims.

#[allow(dead_code)]
#[path = "../examples/custom_agent.rs"]
mod custom_agent;

#[allow(dead_code)]
#[path = "../examples/agent_based_2021_2023.rs"]
mod agent_based_2021_2023;

#[allow(dead_code)]
#[path = "../examples/ccer_offsets.rs"]
mod ccer_offsets;

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
fn custom_agent_trades_in_the_agent_based_market() {
    let run = custom_agent::run().unwrap();
    let mine = run
        .activity
        .iter()
        .find(|a| a.kind == "buy_the_dip")
        .expect("the added agent is reported");
    assert_eq!(mine.agents, 1);
    assert!(
        !mine.bought.is_zero(),
        "the investor bought on a dip: {mine:?}"
    );
    // Every unit an agent bought, another sold.
    let bought: u64 = run.activity.iter().map(|a| a.bought.units()).sum();
    let sold: u64 = run.activity.iter().map(|a| a.sold.units()).sum();
    assert_eq!(bought, sold);
}

#[test]
fn agent_based_example_compares_with_the_published_market() {
    let path = std::path::Path::new(agent_based_2021_2023::SCENARIO);
    let run = agent_based_2021_2023::run(path, None).unwrap();
    let c = run.calibration.as_ref().expect("a calibration report");
    assert_eq!(c.days, 598);
    assert_eq!(
        c.annual_volume.keys().copied().collect::<Vec<_>>(),
        [2021, 2022, 2023]
    );
    // Four deadlines settled: 2021-12-15 (95 % of entities), 2021-12-31, 2023-11-15 (95 % of
    // the volume), 2023-12-31.
    assert_eq!(run.compliance.len(), 4);
    assert_eq!(run.compliance[0].entity_target_pct, Some(95));
    assert_eq!(run.compliance[2].share_pct, 95);
    // The committed defaults track the published volatility and price path; the maximum
    // drawdown is a documented miss (docs/model.md, "Calibration").
    let vol = c.volatility.relative_error.unwrap();
    assert!(vol.abs() < 0.2, "volatility error {vol}");
    assert!(
        c.close_path.mape < 0.25,
        "close-path MAPE {}",
        c.close_path.mape
    );
    // Both methods trade, and every volume is accounted for in the daily rows.
    let block: u64 = run.series("COMCEA").map(|d| d.block_volume.units()).sum();
    let listed: u64 = run.series("COMCEA").map(|d| d.listed_volume.units()).sum();
    assert!(block > 0 && listed > 0);
    // Volumes are whole tonnes, exact in f64 at this scale.
    let total: f64 = c.annual_volume.values().map(|v| v.simulated).sum();
    assert_eq!(total as u64, block + listed);
}

#[test]
fn ccer_offsets_stay_within_five_percent() {
    let o = ccer_offsets::run().unwrap();
    assert!(!o.traded.is_zero(), "CCERs traded");
    assert!(!o.cancelled.is_zero(), "CCERs were surrendered as offsets");
    assert!(
        o.cancelled.units() * 20 <= o.obligation.units(),
        "{} offsets for an obligation of {}",
        o.cancelled,
        o.obligation
    );
}

#[allow(dead_code)]
#[path = "../examples/after_2023.rs"]
mod after_2023;

#[test]
fn after_2023_answers_for_every_cycle_sector_and_the_2024_year() {
    let a = after_2023::run(std::path::Path::new(after_2023::SCENARIO), None).unwrap();
    let has = |cycle: &str, sector: &str| {
        a.cycles
            .iter()
            .any(|c| c.cycle == cycle && c.sector == sector && c.entities > 0)
    };
    for cycle in ["2023", "2024", "2025"] {
        assert!(has(cycle, "power"), "power in {cycle}");
    }
    for cycle in ["2024-industry", "2025-industry"] {
        for sector in ["steel", "cement", "aluminium"] {
            assert!(has(cycle, sector), "{sector} in {cycle}");
        }
    }
    assert!(
        a.cycles
            .iter()
            .all(|c| c.cycle != "2019-2020" && c.cycle != "2021-2022")
    );
    // The power sector's 2024 cap voids what the long entities could not bank.
    let power_cap = a.voided.iter().find(|v| v.cycle == "2024").unwrap();
    assert!(power_cap.voided.units() > 0 && power_cap.entities > 0);
    let y = a.year_2024.expect("the run covers 2024");
    assert!(
        (y.volume.published - 189_000_000.0).abs() < 0.5,
        "the published 2024 volume"
    );
    assert!(y.volume.simulated > 0.0 && (0.0..=1.0).contains(&y.q4_share.simulated));
    let out_of_sample: Vec<_> = a
        .certificates
        .iter()
        .filter(|f| f.fact.contains("out of sample"))
        .collect();
    assert!(out_of_sample.len() >= 5);
    assert!(out_of_sample.iter().all(|f| f.fact.contains("2025")));
}
