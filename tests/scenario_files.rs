//! Every sample scenario under `examples/scenarios/` parses, validates and hashes stably.

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;

#[test]
fn sample_scenarios_parse_and_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    assert!(
        paths.len() >= 3,
        "sample scenarios missing in {}",
        dir.display()
    );
    let mut hashes = Vec::new();
    for path in &paths {
        let config =
            ScenarioConfig::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again =
            ScenarioConfig::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(config.content_hash(), again.content_hash());
        let file_stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(config.name, file_stem, "{}", path.display());
        hashes.push(config.content_hash());
    }
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), paths.len(), "two samples hash alike");
}

/// A what-if written only as `[policy]`: pre-allocation with a true-up, a banking cap and a
/// price-multiple penalty on the second cycle all take effect in an agent-based run.
#[test]
fn policy_levers_in_a_scenario_file_change_the_run() {
    let base = "name = \"levers\"\nseed = 3\nstart = \"2021-07-16\"\nend = \"2023-12-29\"\n[fleet]\ncompliance_firms = 300\n";
    let levers = r#"
[policy.cycles.2021-2022.pre_allocation]
share_pct = 70
true_up = 2023-10-31
source = "what-if"
[policy.cycles.2021-2022.banking]
base_t = 10000
net_sales_multiple = "1.5"
sales_from = 2021-07-16
void_after = 2023-12-31
vintages = ["CEA", "CEA21", "CEA22"]
source = "what-if"
[policy.cycles.2021-2022.penalty]
kind = "price-multiple"
multiple = "5"
deduct_shortfall = true
source = "what-if"
"#;
    let run = |text: &str| {
        let config = ScenarioConfig::from_toml_str(text).unwrap();
        carbonsim::scenario::agent_based::run(&config, config.seed).unwrap()
    };
    let (plain, what_if) = (run(base), run(&format!("{base}{levers}")));
    assert!(plain.banking.is_empty());
    let void = &what_if.banking[0];
    assert_eq!(
        (void.cycle.as_str(), void.date.to_string().as_str()),
        ("2021-2022", "2023-12-31")
    );
    // Long firms see the cap coming and sell what it would void, so it banks less; what is
    // left above an entity's cap is voided.
    let banked = |r: &carbonsim::scenario::agent_based::AgentRun| -> u64 {
        let rows = r.panel.iter().filter(|f| f.cycle == "2021-2022");
        rows.map(|f| f.banked.units()).sum()
    };
    assert!(
        banked(&what_if) + void.voided.units() < banked(&plain),
        "the cap lowers the bank: {} + {} voided against {}",
        banked(&what_if),
        void.voided.units(),
        banked(&plain)
    );
    let final_fines =
        |r: &carbonsim::scenario::agent_based::AgentRun| r.compliance.last().unwrap().fines;
    let last = what_if.compliance.last().unwrap();
    let short = (last.entities - last.entities_complying) as i128;
    assert!(short > 0, "some entity is short under the what-if");
    let flat = carbonsim::units::Money::from_fen(2_000_000 * short);
    assert!(
        final_fines(&what_if) > flat,
        "a fine per tonne exceeds flat fines of CNY 20,000"
    );
    assert_ne!(plain.days, what_if.days, "the levers move the market");
}
