//! A later published expectation (`economics.outlook.revisions`) moves the outlook from its
//! publication day on and changes nothing before it: firms price on what was public that day.

use carbonsim::scenario::agent_based;
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/scenarios/agent_based_2021_2023.toml"
);

#[test]
fn a_revision_moves_the_outlook_from_its_publication_day_only() {
    let base = ScenarioConfig::from_path(std::path::Path::new(SCENARIO)).unwrap();
    let revision = Override::parse(
        r#"economics.outlook.revisions=[{ published = "2023-03-01", survey = [{ year = 2022, price = "60.00" }, { year = 2025, price = "110.00" }, { year = 2030, price = "180.00" }], source = "a what-if" }]"#,
    )
    .unwrap();
    // Added after the shipped scenario's own revisions (the last of which is of 2024-02-29,
    // so the what-if is the one in force from its day until then).
    let what_if = base
        .with_overrides(&[revision])
        .unwrap()
        .economics
        .outlook
        .revisions;
    let mut revised = base.clone();
    revised.economics.outlook.revisions.extend(what_if);
    revised
        .economics
        .outlook
        .revisions
        .sort_by_key(|r| r.published);
    let a = agent_based::run(&base, base.seed).unwrap();
    let b = agent_based::run(&revised, revised.seed).unwrap();
    let published = chrono::NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
    // Every day before the publication is the same, to the fen and the tonne.
    let before = |r: &agent_based::AgentRun| -> Vec<_> {
        r.days
            .iter()
            .filter(|d| d.date < published)
            .cloned()
            .collect()
    };
    assert_eq!(before(&a), before(&b));
    // From it on the anchor is higher, and so is the fundamental value.
    let outlook_on = |r: &agent_based::AgentRun| {
        r.economics
            .outlook
            .iter()
            .find(|o| o.date >= published)
            .map(|o| o.outlook.fundamental)
            .unwrap()
    };
    assert!(
        outlook_on(&b) > outlook_on(&a),
        "{:?} against {:?}",
        outlook_on(&b),
        outlook_on(&a)
    );
}
