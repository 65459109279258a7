//! The 2027–2030 instruments of the shipped scenario `cap_and_auction_2027_2030.toml`: absolute
//! caps with a linear reduction factor scale the free allocation, the auctions sell the rest
//! through the exchange (revenue reported, every tonne accounted for), the reserve takes in and
//! releases on its trigger, and a tighter cap raises the price. The runs start on 2028-01-03
//! (the earlier cycles inherited as settled) and end on 2029-12-31 to keep each to seconds.

use carbonsim::registry::{AccountId, AccountKind, SubjectId};
use carbonsim::scenario::agent_based::instruments_report::instruments_tables;
use carbonsim::scenario::agent_based::{AgentRun, ReserveAction, World};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::overrides::Override;
use carbonsim::timeline::Unsold;
use carbonsim::units::Quantity;

const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/scenarios/cap_and_auction_2027_2030.toml"
);

fn config_from(text: &str, sets: &[&str]) -> ScenarioConfig {
    let base = ScenarioConfig::from_toml_str(text).unwrap();
    let sets = ["start=2028-01-03", "end=2029-12-31"].iter().chain(sets);
    let overrides: Vec<Override> = sets.map(|s| Override::parse(s).unwrap()).collect();
    base.with_overrides(&overrides).unwrap()
}

fn shipped() -> String {
    std::fs::read_to_string(SCENARIO).unwrap()
}

/// Runs `config` and checks that the registry conserved units and cash; returns the run and
/// what the reserve account holds at the end.
fn run(config: &ScenarioConfig) -> (AgentRun, Quantity) {
    let (run, ex) = World::new(config, config.seed)
        .unwrap()
        .run_keeping_market()
        .unwrap();
    let reg = ex.registry();
    reg.check_conservation().unwrap();
    let reserve = (0..reg.account_count() as u32)
        .map(AccountId)
        .find(|&a| {
            let account = reg.account(a).unwrap();
            account.kind == AccountKind::Operator && account.name == "allowance reserve"
        })
        .unwrap();
    let held = (0..reg.subject_count() as u32)
        .filter_map(|s| reg.holding(reserve, SubjectId(s)).ok())
        .fold(Quantity::ZERO, |sum, h| sum + h.total());
    (run, held)
}

#[test]
fn caps_scale_allocation_and_every_auctioned_tonne_is_sold_carried_or_disposed_of() {
    let (run, reserve_held) = run(&config_from(&shipped(), &[]));
    let r = &run.instruments;
    let power: Vec<_> = r.caps.iter().filter(|c| c.cap == "power").collect();
    // 2027 at 5.2 Gt, then 1 % of it less each year; 5 % of 2028's cap auctioned.
    let caps: Vec<(u16, u64, u64)> = power
        .iter()
        .map(|c| (c.year, c.cap_t, c.auctioned_t))
        .collect();
    assert_eq!(
        caps,
        [
            (2027, 5_200_000_000, 0),
            (2028, 5_148_000_000, 257_400_000),
            (2029, 5_096_000_000, 509_600_000)
        ]
    );
    // The free allocation of each capped cycle is its cap's free part, each entity rounded down.
    for cap in &r.caps {
        let cycle = if cap.cap == "power" {
            cap.year.to_string()
        } else {
            format!("{}-industry", cap.year)
        };
        let rows: Vec<_> = run.panel.iter().filter(|f| f.cycle == cycle).collect();
        let allocated: u64 = rows.iter().map(|f| f.allocation.units()).sum();
        if rows.is_empty() || cap.year == 2029 {
            continue; // 2029's allocation is credited after the run's end
        }
        assert!(
            allocated <= cap.free_t && cap.free_t - allocated < rows.len() as u64,
            "{cycle}: allocated {allocated} t against a free part of {} t",
            cap.free_t
        );
    }
    // The 2028 auctions (held in 2029): sold, or carried and sold later, or disposed of after
    // the year's last auction, or taken into the reserve.
    let held: Vec<_> = r.auctions.iter().filter(|a| a.subject == "CEA28").collect();
    assert_eq!(held.len(), 8, "four auctions a year for each of two plans");
    let sold: u64 = held.iter().map(|a| a.sold.units()).sum();
    let disposed: u64 = held
        .iter()
        .filter(|a| a.unsold_to != Unsold::Carried)
        .map(|a| a.unsold.units())
        .sum();
    let intake: u64 = r
        .reserve
        .iter()
        .filter(|m| m.action == ReserveAction::Intake)
        .map(|m| m.quantity.units())
        .sum();
    let auctioned: u64 = r
        .caps
        .iter()
        .filter(|c| c.year == 2028)
        .map(|c| c.auctioned_t)
        .sum();
    assert!(sold > 0, "the auctions sold something");
    assert_eq!(sold + disposed + intake, auctioned);
    // Revenue is what the buyers paid at the clearing price, less the exchange's fee.
    for a in &held {
        let gross = a.price.map_or(0.0, carbonsim::units::Price::to_f64) * a.sold.units() as f64;
        let revenue = a.revenue.to_f64();
        assert!(revenue <= gross + 0.005 && revenue >= 0.99 * gross, "{a:?}");
    }
    // The reserve holds what its moves say.
    let last = r.reserve.last().map_or(Quantity::ZERO, |m| m.held_after);
    assert_eq!(last, reserve_held);
    docs_show_the_caps_and_auctions_of(&run);
}

#[test]
fn unsold_allowances_can_be_cancelled_instead_of_reserved() {
    let sets = [
        "policy.instruments.auctions.power.unsold=\"cancel\"",
        "policy.instruments.auctions.industry.unsold=\"cancel\"",
    ];
    let (run, _) = run(&config_from(&shipped(), &sets));
    let r = &run.instruments;
    assert!(r.auctions.iter().all(|a| a.unsold_to != Unsold::Reserve));
    assert!(r.reserve.iter().all(|m| m.action != ReserveAction::Unsold));
    let cancelled: u64 = r
        .auctions
        .iter()
        .filter(|a| a.unsold_to == Unsold::Cancel)
        .map(|a| a.unsold.units())
        .sum();
    assert!(
        cancelled > 0,
        "the year's last auctions left something unsold to cancel"
    );
}

#[test]
fn a_price_floor_above_the_market_withholds_every_auction_into_the_reserve() {
    let start = shipped().find("[policy.instruments.reserve]").unwrap();
    let text = format!(
        "{}[policy.instruments.reserve]\nsource = \"test\"\n\n[policy.instruments.reserve.trigger]\nkind = \"price\"\nfloor = \"5000.00\"\nceiling = \"9000.00\"\nrelease_t = 1\nwindow_days = 20\n",
        &shipped()[..start]
    );
    let (run, held) = run(&config_from(&text, &[]));
    let r = &run.instruments;
    assert!(
        r.auctions.is_empty(),
        "no auction below the floor: {:?}",
        r.auctions
    );
    let withheld: u64 = r.reserve.iter().map(|m| m.quantity.units()).sum();
    let auctioned: u64 = r
        .caps
        .iter()
        .filter(|c| c.year == 2028)
        .map(|c| c.auctioned_t)
        .sum();
    assert_eq!(withheld, auctioned);
    assert_eq!(held.units(), auctioned);
}

#[test]
fn a_faster_linear_reduction_raises_the_price_and_the_abatement() {
    let mean_2029 = |run: &AgentRun| {
        let closes: Vec<f64> = run
            .series("COMCEA")
            .filter(|d| d.date.to_string().starts_with("2029"))
            .map(|d| d.close.to_f64())
            .collect();
        closes.iter().sum::<f64>() / closes.len() as f64
    };
    let abated_2029 = |run: &AgentRun| -> u64 {
        run.economics.abatement[&2029]
            .iter()
            .map(|a| a.abated_t)
            .sum()
    };
    let faster = [
        "policy.instruments.caps.power.linear_reduction_bp=400",
        "policy.instruments.caps.industry.linear_reduction_bp=400",
    ];
    let (base, _) = run(&config_from(&shipped(), &[]));
    let (tight, _) = run(&config_from(&shipped(), &faster));
    let (p0, p1) = (mean_2029(&base), mean_2029(&tight));
    assert!(
        p1 > p0,
        "4 %/year gives a 2029 mean close {p1:.2} above 1 %/year's {p0:.2}"
    );
    assert!(abated_2029(&tight) > abated_2029(&base));
}

/// docs/model.md shows this run's caps and auctions.
fn docs_show_the_caps_and_auctions_of(run: &AgentRun) {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.md")).unwrap();
    let (from, to) = (
        "<!-- cap-and-auction:start -->\n```text\n",
        "```\n<!-- cap-and-auction:end -->",
    );
    let block = &doc[doc.find(from).unwrap() + from.len()..doc.find(to).unwrap()];
    assert_eq!(
        block.trim(),
        instruments_tables(run).trim(),
        "docs/model.md is stale"
    );
}
