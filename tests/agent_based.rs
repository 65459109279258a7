//! The agent-based run: every market trades, nothing is created or destroyed, a seed gives the
//! same result whatever the thread count or sharding, and bad input changes nothing.

use carbonsim::agents::{AccountView, Agent, MarketView, OrderIntent};
use carbonsim::registry::AccountKind;
use carbonsim::scenario::agent_based::{RunError, World, run};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::{self, SeedRange, Shard};
use carbonsim::scenario::study;
use carbonsim::units::{Money, Quantity};
use rand_chacha::ChaCha8Rng;

mod common;

/// 2021 up to the eve of the first interim deadline (firms shop for offsets on the days they
/// act, most of them in the weeks before it) with every market on and a small fleet.
const FULL_MARKET: &str = r#"
name = "full_market_2021"
seed = 11
start = "2021-07-16"
end = "2021-12-14"

[fleet]
compliance_firms = 300

[submarkets]
ccer = true
gec = true
gec_buyers = 10
"#;

fn config() -> ScenarioConfig {
    ScenarioConfig::from_toml_str(FULL_MARKET).unwrap()
}

#[test]
fn every_market_trades_and_nothing_is_created_or_destroyed() {
    let c = config();
    let world = World::new(&c, c.seed).unwrap();
    let cash_before = world.exchange().registry().total_cash();
    let (run, ex) = world.run_keeping_market().unwrap();
    let reg = ex.registry();
    reg.check_conservation().unwrap();
    // No fine falls in this window, so trading moved cash without creating or destroying any:
    // only the firms' operations paid in.
    assert!(run.operating_cash > Money::ZERO);
    assert_eq!(reg.total_cash(), cash_before + run.operating_cash);
    for subject in ["COMCEA", "CCER", "GEC"] {
        let volume: u64 = run
            .series(subject)
            .map(|d| (d.listed_volume + d.block_volume).units())
            .sum();
        assert!(volume > 0, "{subject} traded");
    }
    let bought: u64 = run.activity.iter().map(|a| a.bought.units()).sum();
    let sold: u64 = run.activity.iter().map(|a| a.sold.units()).sum();
    assert_eq!(bought, sold, "every unit bought was sold");
    // Units only change hands: each market's holdings plus what left the market (claims,
    // offsets) equal what was issued.
    common::assert_each_market_conserved(reg);
    // After the last close every freeze was released or consumed.
    for a in 0..reg.account_count() {
        let account = carbonsim::registry::AccountId(a as u32);
        assert_eq!(
            reg.cash(account).unwrap().frozen,
            Money::ZERO,
            "{account:?}"
        );
        for i in 0..reg.subject_count() {
            let h = reg
                .holding(account, carbonsim::registry::SubjectId(i as u32))
                .unwrap();
            assert_eq!(h.frozen, Quantity::ZERO, "{account:?} subject {i}");
        }
    }
    // The GEC buyers claimed what they bought and nothing else.
    let months = &run.certificates;
    let last = months.last().unwrap();
    assert!(last.gec_claimed <= last.gec_traded + last.gec_green_power);
    assert!(!last.gec_claimed.is_zero());
    // A run that stops before 2025 has no 2025 figures to set beside the published ones.
    let outside = carbonsim::scenario::agent_based::allowance_facts::out_of_sample(&run);
    assert!(outside.iter().all(|f| f.simulated.is_none()));
    assert!(!carbonsim::scenario::agent_based::report::table(&run).contains("out of sample"));
}

#[test]
fn a_seed_gives_the_same_study_whatever_the_threads_and_shards() {
    let c = config();
    let seeds = SeedRange { first: 5, count: 3 };
    let on = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| study::run_study(&c, seeds, Shard::WHOLE, |_| {}))
            .unwrap()
    };
    let (one, two) = (on(1), on(2));
    let json = |s: &montecarlo::ShardOutput<study::SeedSummary>| serde_json::to_string(s).unwrap();
    assert_eq!(json(&one), json(&two));
    let shards: Vec<_> = (0..2)
        .map(|i| study::run_study(&c, seeds, Shard::try_new(i, 2).unwrap(), |_| {}).unwrap())
        .collect();
    let merged = montecarlo::merge(shards).unwrap();
    assert_eq!(json(&merged), json(&one));
    // Different seeds give different markets.
    let closes: Vec<_> = one.runs.iter().map(|r| r.result.close.clone()).collect();
    assert_ne!(closes[0], closes[1]);
    // And the outputs are byte-identical too.
    let files = |s| study::outputs(s, "t", true).unwrap();
    let (a, b) = (files(&one), files(&merged));
    for name in a.names() {
        assert_eq!(a.get(name), b.get(name), "{name}");
    }
}

#[test]
fn an_invalid_scenario_is_refused_naming_the_field() {
    let mut c = config();
    c.end = "2021-07-01".parse().unwrap();
    let e = run(&c, 1).unwrap_err().to_string();
    assert!(e.contains("end") && e.contains("2021-07-01"), "{e}");
    let e =
        ScenarioConfig::from_toml_str(&FULL_MARKET.replace("gec_buyers = 10", "gec_buyers = -3"))
            .unwrap_err()
            .to_string();
    assert!(e.contains("gec_buyers"), "{e}");
}

struct Idle;

impl Agent for Idle {
    fn kind(&self) -> &'static str {
        "idle"
    }
    fn on_day(
        &mut self,
        _: &MarketView<'_>,
        _: &AccountView<'_>,
        _: &mut ChaCha8Rng,
        _: &mut Vec<OrderIntent>,
    ) {
    }
}

#[test]
fn an_added_agent_with_bad_terms_is_refused_and_changes_nothing() {
    let c = config();
    let mut world = World::new(&c, c.seed).unwrap();
    let accounts = world.exchange().registry().account_count();
    let e = world
        .add_agent(
            AccountKind::Institution,
            "broke",
            Money::from_cny(-1),
            Box::new(Idle),
        )
        .unwrap_err();
    assert!(matches!(e, RunError::BadAgent { .. }), "{e}");
    assert!(e.to_string().contains("-1.00"), "{e}");
    assert_eq!(world.exchange().registry().account_count(), accounts);
    let account = world
        .add_agent(
            AccountKind::Institution,
            "idle",
            Money::from_cny(1_000),
            Box::new(Idle),
        )
        .unwrap();
    let (run, ex) = world.run_keeping_market().unwrap();
    assert_eq!(
        ex.registry().cash(account).unwrap().available,
        Money::from_cny(1_000)
    );
    let idle = run.activity.iter().find(|a| a.kind == "idle").unwrap();
    assert_eq!((idle.bought, idle.sold), (Quantity::ZERO, Quantity::ZERO));
}
