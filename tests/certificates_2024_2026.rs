//! CCER 2.0 and GEC at scale in the agent-based run, 2024–2026: issuance follows its schedules
//! year by year, CCER 2.0 trades on the listed method only and counts as an offset only where a
//! cycle accepts it and within 5 %, GECs expire two years after production (output before 2024
//! at the end of 2025), the purchase mandates are bought as scheduled, a plant's MWh earns a
//! CCER or a GEC but never both, and units and cash are conserved. A small fleet keeps the runs
//! fast.

use std::sync::OnceLock;

use carbonsim::exchange::Exchange;
use carbonsim::instrument::TradingMethod;
use carbonsim::registry::{
    CcerRules, GeneratorId, RegistryError, Subject, SubjectId, Technology, YearMonth,
};
use carbonsim::scenario::agent_based::certificates::CertificateMonth;
use carbonsim::scenario::agent_based::{AgentRun, World};
use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::units::{Money, Quantity};

mod common;

/// Both markets from mid-2024 to the end of 2026 with a small fleet and few GEC buyers.
const LATER: &str = r#"
name = "certificates_2024_2026"
seed = 7
start = "2024-06-03"
end = "2026-12-31"
calendar_end = "2026-12-31"

[fleet]
compliance_firms = 200

[submarkets]
ccer = true
gec = true
gec_buyers = 10
"#;

fn config(extra: &str) -> ScenarioConfig {
    ScenarioConfig::from_toml_str(&format!("{LATER}{extra}")).unwrap()
}

struct Ran {
    run: AgentRun,
    ex: Exchange,
    /// Cash deposited before the first day.
    deposited_before: Money,
}

fn run_of(c: &ScenarioConfig) -> Ran {
    let world = World::new(c, c.seed).unwrap();
    let deposited_before = world.exchange().registry().cash_totals().deposited;
    let (run, ex) = world.run_keeping_market().unwrap();
    Ran {
        run,
        ex,
        deposited_before,
    }
}

fn shared() -> &'static Ran {
    static RUN: OnceLock<Ran> = OnceLock::new();
    RUN.get_or_init(|| run_of(&config("")))
}

fn ym(y: u16, m: u8) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

fn at(run: &AgentRun, y: u16, m: u8) -> &CertificateMonth {
    run.certificates
        .iter()
        .find(|c| c.month == ym(y, m))
        .unwrap()
}

/// `f` over the year `y` (December's running total less the previous December's).
fn in_year(run: &AgentRun, y: u16, f: impl Fn(&CertificateMonth) -> Quantity) -> u64 {
    (f(at(run, y, 12)) - f(at(run, y - 1, 12))).units()
}

fn subjects(ex: &Exchange) -> impl Iterator<Item = (SubjectId, &Subject)> {
    let reg = ex.registry();
    (0..reg.subject_count()).map(move |i| {
        let id = SubjectId(i as u32);
        (id, reg.subject(id).unwrap())
    })
}

#[test]
fn issuance_follows_the_schedules_year_by_year() {
    let Ran { run, .. } = shared();
    let c = config("");
    let gec = |s: &CertificateMonth| s.gec_issued;
    let non_tradable = |s: &CertificateMonth| s.gec_non_tradable_issued;
    // 2025 is an input: the NEA's totals, tradable and not.
    assert_eq!(in_year(run, 2025, gec), 2_947_000_000);
    assert_eq!(
        in_year(run, 2025, gec) - in_year(run, 2025, non_tradable),
        1_893_000_000
    );
    // 2026 at the configured monthly step, twelve times.
    let step = c.submarkets.gec_scale_issuance.last().unwrap();
    assert_eq!(in_year(run, 2026, gec), 12 * step.total.units());
    // CCER 2.0: 9.48 Mt in March 2025, 9.67 Mt in March 2026, nothing else.
    let ccer2 = |s: &CertificateMonth| s.ccer2_issued;
    assert_eq!(in_year(run, 2025, ccer2), 9_480_000);
    assert_eq!(in_year(run, 2026, ccer2), 9_670_000);
    assert_eq!(at(run, 2025, 2).ccer2_issued, Quantity::ZERO);
    assert_eq!(at(run, 2025, 3).ccer2_issued, Quantity::new(9_480_000));
}

#[test]
fn ccer_of_the_2023_measures_trades_on_the_listed_method_only() {
    let Ran { ex, run, .. } = shared();
    let rules_2023 = |s: SubjectId| {
        matches!(
            ex.registry().subject(s),
            Ok(Subject::Ccer {
                rules: CcerRules::Rules2023,
                ..
            })
        )
    };
    let trades: Vec<_> = ex.tape().iter().filter(|t| rules_2023(t.subject)).collect();
    assert!(!trades.is_empty(), "CCER 2.0 traded");
    for t in trades {
        assert_eq!(t.method, TradingMethod::ListedAgreement, "{t:?}");
    }
    assert!(in_year(run, 2025, |c| c.ccer2_traded) > 0);
}

#[test]
fn offsets_stay_within_five_percent_of_the_obligation() {
    let Ran { run, .. } = shared();
    let mut used = 0;
    for f in &run.panel {
        // Rounded up, as the cycle rule does.
        let limit = f.obligation.units().div_ceil(20);
        assert!(f.offsets_used.units() <= limit, "{f:?}");
        used += f.offsets_used.units();
    }
    assert!(used > 0, "offsets were surrendered");
    // The 2024 cycle (deadline 2025-12-31) accepts the 2023 Measures' credits.
    assert!(in_year(run, 2025, |c| c.ccer2_offset) > 0);
}

#[test]
fn credits_of_the_2023_measures_count_only_where_a_cycle_accepts_them() {
    // The same years, with the 2024 cycle accepting no credits: none is surrendered at its
    // deadline (2025-12-31), while the 2025 cycle (2026-12-31) still takes them.
    let c = config(
        "\n[policy.cycles.2024.offsets]\neligible = []\n[policy.cycles.2024-industry.offsets]\neligible = []\n",
    );
    let Ran { run, .. } = run_of(&c);
    assert_eq!(in_year(&run, 2025, |m| m.ccer2_offset), 0);
    assert!(in_year(&run, 2026, |m| m.ccer2_offset) > 0);
    for f in run.panel.iter().filter(|f| f.cycle.starts_with("2024")) {
        assert_eq!(f.offsets_used, Quantity::ZERO, "{f:?}");
    }
}

#[test]
fn certificates_expire_two_years_after_production() {
    let Ran { run, ex, .. } = shared();
    let reg = ex.registry();
    // Valid 24 months counting the production month; output before 2024 to the end of 2025.
    let valid_through = |m: YearMonth| m.plus_months(23).max(ym(2025, 12));
    let lapse = |non_tradable_only: bool| {
        subjects(ex)
            .filter_map(|(_, s)| match s {
                Subject::Gec {
                    month, tradable, ..
                } if !(non_tradable_only && *tradable) => Some(valid_through(*month)),
                _ => None,
            })
            .min()
            .unwrap()
    };
    // Nothing lapses before the first end of validity; non-tradable output is never claimed,
    // so some of it lapses at the end of its validity.
    for c in run.certificates.iter().filter(|c| c.month < lapse(false)) {
        assert_eq!(c.gec_expired, Quantity::ZERO, "{}", c.month);
    }
    let first_lapse = lapse(true);
    let lapsed = run
        .certificates
        .iter()
        .find(|c| c.month == first_lapse)
        .unwrap();
    assert!(!lapsed.gec_expired.is_zero(), "{first_lapse}");
    let last_month = ym(2026, 12);
    for (id, s) in subjects(ex) {
        let Subject::Gec { month, .. } = s else {
            continue;
        };
        let valid_through = valid_through(*month);
        let b = reg.subject_balance(id).unwrap();
        let held = (b.available + b.frozen + b.pending).units();
        if valid_through <= last_month {
            assert_eq!(
                held, 0,
                "{month}: valid through {valid_through}, still held"
            );
        } else {
            assert_eq!(b.expired, Quantity::ZERO, "{month} expired early");
        }
    }
}

#[test]
fn the_mandated_buyers_buy_their_schedule() {
    let Ran { run, .. } = shared();
    let c = config("");
    let scheduled = |year: i32| -> u64 {
        c.submarkets
            .gec_mandates
            .iter()
            .flat_map(|m| m.schedule(year))
            .filter(|s| chrono::Datelike::year(&s.from) == year)
            .map(|s| s.per_month.units())
            .sum()
    };
    for year in [2025, 2026] {
        let bought = in_year(run, year as u16, |m| m.gec_mandate_bought);
        let due = scheduled(year);
        // Bought pro rata to the calendar days by each month's last trading day: never more,
        // and short at most by the days after a month's last trading day.
        assert!(bought <= due, "{year}: {bought} > {due}");
        assert!(bought * 100 >= due * 95, "{year}: {bought} of {due}");
    }
    assert_eq!(at(run, 2025, 6).gec_mandate_bought, Quantity::ZERO);
}

#[test]
fn a_plants_mwh_earns_a_ccer_or_a_gec_never_both() {
    let Ran { ex, .. } = shared();
    let mut reg = ex.registry().clone();
    let linked: Vec<GeneratorId> = (0..)
        .map(GeneratorId)
        .map_while(|g| reg.generator(g).ok().map(|r| (g, r.technology)))
        .filter(|(_, t)| matches!(t, Technology::OffshoreWind | Technology::SolarThermal))
        .map(|(g, _)| g)
        .collect();
    // 19 offshore wind and 4 solar thermal plants.
    assert_eq!(linked.len(), 23);
    // Their projects credit 2025; a GEC for a month of it is refused, naming the month.
    let refused = reg.meter(linked[0], ym(2025, 6), 5_000_000).unwrap_err();
    assert!(
        matches!(refused, RegistryError::DoubleCertification { month, .. } if month == ym(2025, 6)),
        "{refused:?}"
    );
}

#[test]
fn units_and_cash_are_conserved() {
    let Ran {
        run,
        ex,
        deposited_before,
    } = shared();
    let reg = ex.registry();
    reg.check_conservation().unwrap();
    common::assert_each_market_conserved(reg);
    // Cash changes hands; the only cash paid in during the run is the GEC buyers' yearly
    // budget, each January of 2025 and 2026, and the firms' operating cash (the fines paid out
    // are withdrawals).
    let c = config("");
    let totals = reg.cash_totals();
    assert!(totals.is_conserved());
    let budgets = Money::from_fen(
        c.submarkets.gec_buyer_cash_per_year.fen() * 2 * i128::from(c.submarkets.gec_buyers),
    );
    assert_eq!(
        totals.deposited - *deposited_before,
        budgets + run.operating_cash
    );
    let bought: u64 = run.activity.iter().map(|a| a.bought.units()).sum();
    let sold: u64 = run.activity.iter().map(|a| a.sold.units()).sum();
    assert_eq!(bought, sold);
}
