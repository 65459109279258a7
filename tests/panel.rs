//! The firm panel (`firms.csv`) and the deadline table (`compliance.csv`) reconcile exactly with
//! the run's own aggregates, and a seed writes them byte for byte.

use std::collections::BTreeMap;

use carbonsim::registry::{Market, Subject, SubjectId};
use carbonsim::scenario::agent_based::panel_report::{
    COMPLIANCE_HEADER, FIRMS_HEADER, compliance_csv, firms_csv,
};
use carbonsim::scenario::agent_based::{AgentRun, FirmCycle, World};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::units::{Money, Quantity};

/// The first cycle to its final deadline, with offsets: both deadlines settle, firms trade
/// allowances and buy CCER, and the 2021 emissions are abated (counted in 2021-2022).
const FIRST_CYCLE: &str = r#"
name = "panel"
seed = 5
start = "2021-07-16"
end = "2021-12-31"

[fleet]
compliance_firms = 200

[submarkets]
ccer = true
"#;

fn config() -> ScenarioConfig {
    ScenarioConfig::from_toml_str(FIRST_CYCLE).unwrap()
}

fn sum(rows: &[&FirmCycle], f: impl Fn(&FirmCycle) -> Quantity) -> u64 {
    rows.iter().map(|r| f(r).units()).sum()
}

fn money(rows: &[&FirmCycle], f: impl Fn(&FirmCycle) -> Money) -> Money {
    rows.iter().map(|r| f(r)).sum()
}

fn of_cycle<'a>(run: &'a AgentRun, cycle: &str) -> Vec<&'a FirmCycle> {
    run.panel.iter().filter(|r| r.cycle == cycle).collect()
}

#[test]
fn the_panel_reconciles_with_the_runs_aggregates() {
    let c = config();
    let (run, ex) = World::new(&c, c.seed)
        .unwrap()
        .run_keeping_market()
        .unwrap();
    let all: Vec<&FirmCycle> = run.panel.iter().collect();
    // Only covered entities trade allowances in 2021: each unit bought by one was sold by one,
    // and together they are the market's volume.
    let volume: u64 = run
        .series("COMCEA")
        .map(|d| (d.listed_volume + d.block_volume).units())
        .sum();
    assert!(volume > 0);
    assert_eq!(sum(&all, |r| r.bought), volume);
    assert_eq!(sum(&all, |r| r.sold), volume);
    assert_eq!(money(&all, |r| r.purchases), money(&all, |r| r.sales));
    // The firms' whole activity: allowances and CCER bought, allowances sold.
    let firms = run
        .activity
        .iter()
        .find(|a| a.kind == "compliance_firm")
        .unwrap();
    assert!(sum(&all, |r| r.offsets_bought) > 0, "firms bought offsets");
    assert_eq!(
        sum(&all, |r| r.bought) + sum(&all, |r| r.offsets_bought),
        firms.bought.units()
    );
    assert_eq!(sum(&all, |r| r.sold), firms.sold.units());
    // Abatement: every tonne and fen of the economics ledger, once.
    let (tonnes, cost) = run
        .economics
        .by_year()
        .iter()
        .fold((0, Money::ZERO), |(t, m), y| (t + y.1, m + y.2));
    assert!(tonnes > 0);
    assert_eq!(sum(&all, |r| r.abated), tonnes);
    assert_eq!(money(&all, |r| r.abatement_cost), cost);
    for r in &all {
        let expected =
            r.sales - r.purchases - r.offset_purchases - r.fees - r.fined - r.abatement_cost;
        assert_eq!(r.net_cash_flow(), expected);
    }
    first_cycle_matches_the_registry_and_the_compliance_summary(&run, &ex);
}

/// The 2019-2020 rows against the registry (allocation credited, allowances left) and the
/// run's compliance summary of its two deadlines.
fn first_cycle_matches_the_registry_and_the_compliance_summary(
    run: &AgentRun,
    ex: &carbonsim::exchange::Exchange,
) {
    let rows = of_cycle(run, "2019-2020");
    let reg = ex.registry();
    let cea = (0..reg.subject_count() as u32)
        .map(SubjectId)
        .find(|s| matches!(reg.subject(*s), Ok(Subject::Cea { .. })))
        .unwrap();
    assert_eq!(reg.subject(cea).unwrap().market(), Market::Cea);
    let balance = reg.subject_balance(cea).unwrap();
    // The 2019-2020 vintage is this cycle's allocation, credited in full (70 % and the true-up).
    assert_eq!(sum(&rows, |r| r.allocation), balance.issued.units());
    // Nothing trades after the final deadline: what is left is what the entities bank.
    let held = balance.available + balance.frozen + balance.pending;
    assert_eq!(sum(&rows, |r| r.banked), held.units());
    assert_eq!(sum(&rows, |r| r.voided), 0, "no banking cap in 2019-2020");
    let summaries: Vec<_> = run
        .compliance
        .iter()
        .filter(|s| s.cycle == "2019-2020")
        .collect();
    assert_eq!(summaries.len(), 2, "interim and final");
    let last = summaries[1];
    assert_eq!(rows.len(), last.entities);
    for r in &rows {
        assert_eq!(r.settled, Some(last.date));
        assert_eq!(r.surrendered + r.shortfall, r.obligation, "{}", r.entity);
        assert!(r.offsets_used <= r.surrendered);
    }
    assert_eq!(sum(&rows, |r| r.obligation), last.obligation.units());
    assert_eq!(sum(&rows, |r| r.surrendered), last.covered.units());
    assert_eq!(sum(&rows, |r| r.shortfall), last.shortfall.units());
    let fines: Money = summaries.iter().map(|s| s.fines).sum();
    assert_eq!(money(&rows, |r| r.fined), fines);
    let in_full = rows.iter().filter(|r| r.shortfall.is_zero()).count();
    assert_eq!(in_full, last.entities_complying);
}

#[test]
fn compliance_csv_is_the_runs_compliance_summary() {
    let c = config().with_overrides(&[]).unwrap();
    let run = carbonsim::scenario::agent_based::run(&c, c.seed).unwrap();
    let csv = compliance_csv(&run);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(COMPLIANCE_HEADER));
    let rows: Vec<BTreeMap<&str, &str>> = lines
        .map(|l| COMPLIANCE_HEADER.split(',').zip(l.split(',')).collect())
        .collect();
    assert_eq!(rows.len(), run.compliance.len());
    for (row, s) in rows.iter().zip(&run.compliance) {
        assert_eq!(row["cycle"], s.cycle);
        assert_eq!(row["deadline"], s.date.to_string());
        assert_eq!(row["entities_due"], s.entities.to_string());
        assert_eq!(row["entities_in_full"], s.entities_complying.to_string());
        assert_eq!(row["shortfall_t"], s.shortfall.to_string());
        assert_eq!(row["fines_cny"], s.fines.to_string());
        let share = format!(
            "{}.{:02}",
            s.rate_by_volume_bp / 100,
            s.rate_by_volume_bp % 100
        );
        assert_eq!(row["surrendered_share_pct"], share);
    }
    let kinds: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r["kind"], r["share_pct"], r["share_of"]))
        .collect();
    assert_eq!(
        kinds,
        [("interim", "95", "entities"), ("final", "100", "volume")]
    );
    let firms = firms_csv(&run);
    assert_eq!(firms.lines().next(), Some(FIRMS_HEADER));
    assert_eq!(firms.lines().count(), run.panel.len() + 1);
    let width = FIRMS_HEADER.split(',').count();
    assert!(firms.lines().all(|l| l.split(',').count() == width));
}

#[test]
fn a_seed_writes_the_same_panel_byte_for_byte() {
    let c = config()
        .with_overrides(&[
            carbonsim::scenario::overrides::Override::parse("end=2021-09-30").unwrap(),
        ])
        .unwrap();
    let one = carbonsim::scenario::agent_based::run(&c, 9).unwrap();
    let two = carbonsim::scenario::agent_based::run(&c, 9).unwrap();
    assert!(!one.panel.is_empty());
    assert_eq!(firms_csv(&one), firms_csv(&two));
    assert_eq!(compliance_csv(&one), compliance_csv(&two));
    let other = carbonsim::scenario::agent_based::run(&c, 10).unwrap();
    assert_ne!(firms_csv(&one), firms_csv(&other), "the seed matters");
}

/// The last weeks of the 2024 cycle, whose banking cap voids what exceeds 10,000 t plus 1.5 ×
/// net sales after the 2025-12-31 surrender (the earlier cycles are inherited, settled).
const BANKING_CAP: &str = r#"
name = "panel_cap"
seed = 3
start = "2025-11-03"
end = "2025-12-31"
calendar_end = "2025-12-31"

[fleet]
compliance_firms = 200
"#;

#[test]
fn what_a_banking_cap_voids_is_in_the_panel_entity_by_entity() {
    let c = ScenarioConfig::from_toml_str(BANKING_CAP).unwrap();
    let run = carbonsim::scenario::agent_based::run(&c, c.seed).unwrap();
    assert!(
        run.banking.iter().any(|v| !v.voided.is_zero()),
        "a cap bites"
    );
    for void in &run.banking {
        let rows = of_cycle(&run, &void.cycle);
        assert_eq!(
            sum(&rows, |r| r.voided),
            void.voided.units(),
            "{}",
            void.cycle
        );
        let capped = rows.iter().filter(|r| !r.voided.is_zero()).count();
        assert_eq!(capped, void.entities, "{}", void.cycle);
    }
    let other: Vec<&FirmCycle> = run
        .panel
        .iter()
        .filter(|r| !run.banking.iter().any(|v| v.cycle == r.cycle))
        .collect();
    assert_eq!(sum(&other, |r| r.voided), 0, "only capped cycles void");
}
