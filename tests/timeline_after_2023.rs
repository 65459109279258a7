//! The published timeline after 2023: the power sector's annual 2023 and 2024 compliance years,
//! the vintages CEA23 and CEA24, the banking cap, the penalty of the 2024 Interim Regulations and
//! the industrial sectors' first cycle; validation of cycles that share a sector; and runs that
//! end before a cycle's deadline never settle it.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use carbonsim::compliance::allocation::Benchmarks;
use carbonsim::compliance::sector::Sector;
use carbonsim::timeline::{Agenda, AllocationSpec, CreditPart, DueCredit, PenaltySpec, Timeline};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn power_2023_and_2024_are_annual_cycles_with_the_published_benchmarks() {
    let t = Timeline::published().unwrap();
    let (k23, k24) = (
        t.cycle_of_year(2023).unwrap(),
        t.cycle_of_year(2024).unwrap(),
    );
    let (c23, c24) = (&t.spec().cycles[k23], &t.spec().cycles[k24]);
    assert_eq!(
        (c23.years.as_slice(), c24.years.as_slice()),
        (&[2023][..], &[2024][..])
    );
    assert_eq!(c23.sectors, [Sector::Power]);
    let rules23 = t.cycle_rules(k23).unwrap();
    let rules24 = t.cycle_rules(k24).unwrap();
    assert_eq!(
        (rules23.deadline, rules24.deadline),
        (day("2024-12-31"), day("2025-12-31"))
    );
    assert_eq!((rules23.interim, rules24.interim), (None, None));
    assert_eq!(
        (rules23.borrowing, rules24.borrowing),
        (None, None),
        "no borrowing"
    );
    assert_eq!((rules23.offset_limit_pct, rules24.offset_limit_pct), (5, 5));
    let b23 = t.benchmarks(k23, 2023).unwrap();
    let b24 = t.benchmarks(k24, 2024).unwrap();
    let published = |b: &Benchmarks| (b.power[0], b.power[1], b.power[3], b.heat_coal);
    assert_eq!(
        published(b23),
        (dec("0.7950"), dec("0.8090"), dec("0.3305"), dec("0.1038"))
    );
    assert_eq!(
        published(b24),
        (dec("0.7910"), dec("0.8049"), dec("0.3288"), dec("0.1033"))
    );
    // 2024 is tighter than 2023 in every class, and both are tighter than 2022.
    let b22 = Benchmarks::year_2022();
    for i in 0..4 {
        assert!(
            b24.power[i] < b23.power[i] && b23.power[i] < b22.power[i],
            "class {i}"
        );
    }
    assert!(b24.heat_gas < b23.heat_gas && b23.heat_gas < b22.heat_gas);
    for c in [c23, c24] {
        let pre = c.pre_allocation.as_ref().unwrap();
        assert_eq!(pre.share_pct, 70);
        assert!(pre.true_up < c.deadlines["final"].date);
    }
}

#[test]
fn the_banking_cap_and_the_penalty_of_the_interim_regulations() {
    let t = Timeline::published().unwrap();
    let c24 = &t.spec().cycles["2024"];
    let cap = c24.banking.as_ref().unwrap();
    assert_eq!((cap.base_t, cap.net_sales_multiple), (10_000, dec("1.5")));
    assert_eq!(
        (cap.sales_from, cap.void_after),
        (day("2024-01-01"), day("2025-12-31"))
    );
    assert_eq!(cap.vintages, ["CEA", "CEA21", "CEA22", "CEA23", "CEA24"]);
    // Late compliance for either year forfeits the carry-over (the registry's Q&A).
    assert_eq!(cap.forfeit_if_short, ["2023", "2024"]);
    // The draft of 2024-07-02 already capped banking, at 1.5 × net sales without the base.
    let draft = cap.draft.as_ref().unwrap();
    assert_eq!((draft.published, draft.base_t), (day("2024-07-02"), 0));
    assert_eq!(cap.announced, Some(day("2024-10-15")));
    assert!(t.spec().cycles["2023"].banking.is_none());
    for name in ["2023", "2024", "2024-industry"] {
        let p = &t.spec().cycles[name].penalty;
        assert!(matches!(p, PenaltySpec::PriceMultiple { .. }), "{name}");
        assert_eq!(p.multiple(), Some(dec("5")));
        assert!(p.deducts_shortfall());
        assert!(p.source().0.contains("Order 775") && p.source().0.contains("Art. 24"));
        // The rule is in force from 2024-05-01: every deadline under it comes after.
        assert!(t.spec().cycles[name].deadlines["final"].date >= day("2024-05-01"));
    }
    // The cycles before 2024-05-01 keep the flat fine of the 2021 Measures.
    assert_eq!(t.spec().cycles["2021-2022"].penalty.multiple(), None);
}

#[test]
fn cea23_and_cea24_list_as_subjects_of_their_own() {
    let t = Timeline::published().unwrap();
    assert_eq!(t.vintage_of_year(2023), Some("CEA23"));
    assert_eq!(t.vintage_of_year(2024), Some("CEA24"));
    let v = &t.spec().vintages;
    assert!(v["CEA23"].listed > v["CEA22"].listed && v["CEA24"].listed > v["CEA23"].listed);
    for code in ["CEA23", "CEA24"] {
        assert!(
            v[code].reference_price.is_some() && v[code].assumption,
            "{code}"
        );
    }
    // The pre-allocation splits each new vintage's credit in two.
    let mut agenda = Agenda::new(&t);
    let credits = agenda.credit_due(day("2025-12-31"));
    let cea23 = v.get_index_of("CEA23").unwrap();
    let k23 = t.cycle_of_year(2023).unwrap();
    let due = |part| DueCredit {
        vintage: cea23,
        cycle: k23,
        part,
    };
    assert!(credits.contains(&due(CreditPart::Pre(70))));
    assert!(credits.contains(&due(CreditPart::TrueUp(70))));
}

#[test]
fn the_industrial_sectors_first_cycle_is_grandfathered_beside_power() {
    let t = Timeline::published().unwrap();
    let k = t.cycle_of_year_for(2024, Sector::Steel).unwrap();
    assert_eq!(t.cycle_of_year_for(2024, Sector::Cement), Some(k));
    assert_eq!(
        t.cycle_of_year_for(2024, Sector::Power),
        t.cycle_of_year(2024)
    );
    assert_ne!(t.cycle_of_year(2024), Some(k));
    assert_eq!(t.cycles_of_year(2024).len(), 2);
    let c = &t.spec().cycles[k];
    assert_eq!(c.sectors, Sector::INDUSTRIAL);
    assert!(matches!(
        c.allocation,
        AllocationSpec::Grandfathering { share_pct: 100, .. }
    ));
    assert!(c.pre_allocation.is_none(), "no pre-allocation for 2024");
    assert_eq!(c.banking.as_ref().unwrap().base_t, 100_000);
    assert_eq!(t.cycle_rules(k).unwrap().deadline, day("2025-12-31"));
    assert_eq!(
        (c.coverage.entities, c.coverage.annual_emissions_t),
        (1_500, 3_000_000_000)
    );
}

#[test]
fn every_cycle_and_vintage_names_its_source() {
    let t = Timeline::published().unwrap();
    for (name, c) in &t.spec().cycles {
        assert!(
            !c.source.trim().is_empty() && !c.coverage.source.trim().is_empty(),
            "{name}"
        );
        assert!(
            c.deadlines.values().all(|d| !d.source.trim().is_empty()),
            "{name}"
        );
        assert!(!c.offsets.source.trim().is_empty(), "{name}");
    }
    let text = t.describe();
    for expected in [
        "cycle 2023: emissions of [2023], power (2096 entities",
        "cycle 2024-industry: emissions of [2024], steel, cement, aluminium",
        "deadline final    2024-12-31  100 % of the volume",
        "deadline final    2025-12-31  100 % of the volume",
        "banking cap      after 2025-12-31: 10000 t + 1.5 × net sales since 2024-01-01",
        "banking cap      after 2025-12-31: 100000 t",
        "banking draft    2024-07-02: 0 t + the same multiple, until the final rule of 2024-10-15",
        "5 × the average price of the month before the deadline per tonne short",
        "grandfathering, 100 % of verified emissions",
        "borrowing        none",
        "CEA24      2024",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

fn overrides(text: &str) -> String {
    let table = text.parse::<toml::Table>().unwrap();
    Timeline::with_overrides(&table, "scenario [policy]")
        .unwrap_err()
        .to_string()
}

#[test]
fn cycles_of_one_sector_must_not_overlap_or_run_backwards() {
    let err = overrides("[cycles.2024-industry]\nsectors = [\"power\"]");
    assert!(
        err.contains("cycles.2024-industry.years = 2024")
            && err.contains("already covered for the same sector"),
        "{err}"
    );
    let err = overrides("[cycles.2023.deadlines.final]\ndate = 2026-01-05");
    assert!(
        err.contains("cycles.2024.deadlines = 2025-12-31")
            && err.contains("previous cycle's (2026-01-05) of the same sector"),
        "{err}"
    );
}

#[test]
fn a_forfeit_names_a_cycle_settled_by_the_cap_s_date() {
    for (name, why) in [("2021-2023", "unknown"), ("2025", "settled after the cap")] {
        let err = overrides(&format!(
            "[cycles.2024.banking]\nforfeit_if_short = [\"{name}\"]"
        ));
        assert!(
            err.contains(&format!("cycles.2024.banking.forfeit_if_short = {name}"))
                && err.contains("whose final deadline is on or before void_after"),
            "{why}: {err}"
        );
    }
}

#[test]
fn a_banking_draft_must_come_before_the_final_rule() {
    let err = overrides(
        "[cycles.2024.banking.draft]\npublished = 2024-11-01\nbase_t = 0\nsource = \"x\"",
    );
    assert!(
        err.contains("cycles.2024.banking.draft.published = 2024-11-01")
            && err.contains("must not come after it"),
        "{err}"
    );
    let err = overrides(
        "[cycles.2024-industry.banking.draft]\npublished = 2025-01-02\nbase_t = 0\nsource = \"x\"\n\
         [cycles.2024-industry.banking]\nannounced = 2024-12-31",
    );
    assert!(
        err.contains("cycles.2024-industry.banking.draft.published = 2025-01-02"),
        "{err}"
    );
}

#[test]
fn a_run_that_ends_before_a_deadline_never_settles_it() {
    let t = Timeline::published().unwrap();
    let mut agenda = Agenda::new(&t);
    agenda.credit_due(day("2023-12-29"));
    // At the end of a calendar that stops on 2023-12-29 the next day the timeline would open is
    // 2024-01-02: the 2023-12-31 deadline is due, the later cycles' are not.
    let due: Vec<String> = agenda
        .settle_due(None)
        .into_iter()
        .map(|d| format!("{} {}", d.cycle_name, d.name))
        .collect();
    assert_eq!(
        due,
        [
            "2019-2020 interim",
            "2019-2020 final",
            "2021-2022 interim",
            "2021-2022 final"
        ]
    );
    assert!(
        agenda.caps_due(None).is_empty(),
        "the 2025 cap is not applied in 2023"
    );
    assert_eq!(
        agenda.upcoming().len(),
        5,
        "2023, 2024 and 2025, the industry's two"
    );
    // A run through 2025 settles them, power's 2023 year first.
    let later: Vec<String> = agenda
        .settle_due(Some(day("2026-01-05")))
        .into_iter()
        .map(|d| d.cycle_name)
        .collect();
    assert_eq!(later, ["2023", "2024", "2024-industry"]);
    assert_eq!(agenda.caps_due(Some(day("2026-01-05"))).len(), 2);
}

#[test]
fn carbonsim_timeline_lists_the_new_cycles_with_their_sources() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carbonsim"))
        .arg("timeline")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "cycle 2023:",
        "cycle 2024:",
        "cycle 2024-industry:",
        "[S100, S101]",
        "Order 775",
        "CEA23",
        "2026: 19 weekday closures",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}
