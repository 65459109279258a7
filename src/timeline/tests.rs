use chrono::NaiveDate;

use super::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A three-month market: one vintage credited in January and listed a week later, one cycle
/// with an entity-share interim on a Friday and a final deadline on a Sunday.
pub(crate) const SYNTHETIC: &str = r#"
name = "synthetic quarter"
[calendar]
embedded_through = 2023-12-31
source = "test"
[calendar.years.2024]
closures = [2024-02-12]
source = "test notice"
[vintages.Q]
years = [2023]
credited = 2024-01-02
listed = 2024-01-08
reference_price = "50.00"
source = "test"
[cycles.q]
years = [2023]
sectors = ["power"]
eligible_vintages = ["Q"]
gas_exemption = false
shortfall_cap_pct = 100
source = "test"
[cycles.q.coverage]
entities = 10
annual_emissions_t = 1000000
source = "test"
[cycles.q.allocation]
method = "benchmark"
source = "test"
[cycles.q.allocation.benchmarks.2023]
power = ["0.8", "0.85", "0.9", "0.38"]
heat_coal = "0.11"
heat_gas = "0.055"
[cycles.q.deadlines.interim]
date = 2024-02-16
share_pct = 80
share_of = "entities"
source = "test"
[cycles.q.deadlines.final]
date = 2024-03-31
share_pct = 100
source = "test"
[cycles.q.offsets]
limit_pct = 5
eligible = ["Rules2023"]
source = "test"
[cycles.q.penalty]
kind = "flat-fine"
fine = "1000.00"
deduct_shortfall = true
source = "test"
"#;

/// [`SYNTHETIC`] and a second year: vintage `R` credited on 2024-04-01, after the first
/// cycle's final deadline, and a grandfathered cycle `r` due on 2025-03-31.
pub(crate) fn synthetic_two_cycles() -> String {
    format!(
        "{SYNTHETIC}{}",
        r#"
[calendar.years.2025]
closures = []
source = "test"
[vintages.R]
years = [2024]
credited = 2024-04-01
listed = 2024-04-08
source = "test"
[cycles.r]
years = [2024]
sectors = ["power"]
eligible_vintages = ["R", "Q"]
gas_exemption = false
shortfall_cap_pct = 100
source = "test"
[cycles.r.coverage]
entities = 12
annual_emissions_t = 1200000
seed_salt = 7
source = "test"
[cycles.r.allocation]
method = "grandfathering"
share_pct = 90
source = "test"
[cycles.r.deadlines.final]
date = 2025-03-31
share_pct = 100
source = "test"
[cycles.r.offsets]
limit_pct = 0
eligible = []
source = "test"
[cycles.r.penalty]
kind = "flat-fine"
fine = "1000.00"
deduct_shortfall = false
source = "test"
"#
    )
}

#[test]
fn the_published_timeline_has_both_cycles_and_their_interim_rules() {
    let t = Timeline::published().unwrap();
    let cycles: Vec<&String> = t.spec().cycles.keys().collect();
    assert_eq!(
        cycles,
        [
            "2019-2020",
            "2021-2022",
            "2023",
            "2024",
            "2024-industry",
            "2025",
            "2025-industry"
        ]
    );
    let first = &t.spec().cycles["2019-2020"].deadlines;
    assert_eq!(
        (
            first["interim"].date,
            first["interim"].share_pct,
            first["interim"].share_of
        ),
        (day("2021-12-15"), 95, ShareOf::Entities)
    );
    let second = t.cycle_rules(1).unwrap();
    assert_eq!(second.deadline, day("2023-12-31"));
    assert_eq!(
        second.interim.map(|i| (i.date, i.share_pct)),
        Some((day("2023-11-15"), 95))
    );
    // The entity-share interim of the first cycle is not a volume interim.
    assert_eq!(t.cycle_rules(0).unwrap().interim, None);
    assert_eq!(t.market_open(), day("2021-07-16"));
    assert_eq!(t.vintage_of_year(2020), Some("CEA"));
    assert_eq!(t.cycle_of_year(2022), Some(1));
    // Each power plan's publication, draft or final, is a dated fact of the timeline.
    let published = |c: &str| t.spec().cycles[c].plan.as_ref().map(|p| p.published);
    assert_eq!(published("2021-2022"), Some(day("2022-11-03")));
    assert_eq!(published("2023"), Some(day("2024-07-02")));
    assert_eq!(published("2025"), None);
}

#[test]
fn the_published_rules_match_the_compliance_layers_defaults() {
    let t = Timeline::published().unwrap();
    let (first, second) = (t.cycle_rules(0).unwrap(), t.cycle_rules(1).unwrap());
    let old_first = crate::compliance::cycle::CycleRules::first_period();
    let old_second = crate::compliance::cycle::CycleRules::second_period();
    assert_eq!(first, old_first);
    assert_eq!(second, old_second);
    assert_eq!(
        t.benchmarks(1, 2022),
        Some(&crate::compliance::allocation::Benchmarks::year_2022())
    );
}

#[test]
fn the_agenda_hands_out_each_event_once_in_date_order() {
    let t = Timeline::from_toml_str("synthetic.toml", SYNTHETIC).unwrap();
    let mut a = Agenda::new(&t);
    assert!(a.credit_due(day("2024-01-01")).is_empty());
    let whole = crate::timeline::DueCredit {
        vintage: 0,
        cycle: 0,
        part: CreditPart::Whole,
    };
    assert_eq!(a.credit_due(day("2024-01-05")), [whole]);
    assert!(
        a.credit_due(day("2024-03-01")).is_empty(),
        "handed out once"
    );
    assert!(a.list_due(day("2024-01-05")).is_empty());
    assert_eq!(a.list_due(day("2024-01-08")), [0]);
    // After the close of Thursday 2024-02-15 the next trading day is Friday: nothing due.
    assert!(a.settle_due(Some(day("2024-02-16"))).is_empty());
    let due = a.settle_due(Some(day("2024-02-19")));
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].name.as_str(), due[0].is_final), ("interim", false));
    assert_eq!(a.upcoming().len(), 1);
    // The final deadline is a Sunday: due after Friday 2024-03-29's close.
    let due = a.settle_due(Some(day("2024-04-01")));
    assert_eq!((due[0].date, due[0].is_final), (day("2024-03-31"), true));
    assert!(a.settle_due(None).is_empty());
}

#[test]
fn the_calendar_extends_with_the_listed_closures() {
    let t = Timeline::from_toml_str("synthetic.toml", SYNTHETIC).unwrap();
    let cal = t.calendar(day("2024-03-31")).unwrap();
    assert!(
        !cal.is_trading_day(day("2024-02-12")).unwrap(),
        "listed holiday"
    );
    assert!(cal.is_trading_day(day("2024-02-13")).unwrap());
    assert!(!cal.is_trading_day(day("2024-02-17")).unwrap(), "Saturday");
    assert_eq!(t.calendar_end(), day("2024-12-31"));
    assert_eq!(t.cycle_in_force(day("2024-03-01")), 0);
}

fn overrides(text: &str) -> Result<Timeline, TimelineError> {
    Timeline::with_overrides(
        &text.parse::<toml::Table>().unwrap(),
        "scenario.toml [policy]",
    )
}

#[test]
fn a_deadline_is_known_from_its_own_notice_else_from_its_cycles_plan() {
    let t = Timeline::published().unwrap();
    let known = |cycle: &str, deadline: &str| {
        let c = &t.spec().cycles[cycle];
        c.announced(&c.deadlines[deadline])
    };
    assert_eq!(known("2019-2020", "interim"), Some(day("2021-10-26")));
    assert_eq!(
        known("2019-2020", "final"),
        Some(day("2020-12-30")),
        "the plan's"
    );
    assert_eq!(known("2021-2022", "interim"), Some(day("2023-03-15")));
    assert_eq!(
        known("2023", "final"),
        Some(day("2024-07-02")),
        "the draft plan's"
    );
    assert_eq!(known("2025", "final"), None, "no plan, no notice");
    let due = Agenda::new(&t).upcoming().first().map(|d| d.announced);
    assert_eq!(due, Some(Some(day("2021-10-26"))));
    assert!(
        t.describe()
            .contains("2021-12-15   95 % of entities in full, known from 2021-10-26"),
        "{}",
        t.describe()
    );
}

#[test]
fn overrides_change_one_field_and_keep_the_rest() {
    let t = overrides("[cycles.2019-2020.offsets]\nlimit_pct = 10").unwrap();
    assert_eq!(t.cycle_rules(0).unwrap().offset_limit_pct, 10);
    assert_eq!(
        t.spec().cycles["2019-2020"].offsets.eligible.len(),
        1,
        "rest kept"
    );
    assert_eq!(t.cycle_rules(1).unwrap().offset_limit_pct, 5);
    let changed = [(
        "cycles.2019-2020.offsets.limit_pct".to_string(),
        "10".to_string(),
    )];
    assert_eq!(t.overrides(), changed);
    assert!(t.describe().contains("changed by the scenario"));
    assert!(Timeline::published().unwrap().overrides().is_empty());
}

#[test]
fn bad_overrides_name_the_file_field_and_value() {
    let err = overrides("[cycles.2019-2020.offsets]\nlimit = 10").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("scenario.toml [policy]:") && text.contains("limit"),
        "{text}"
    );
    let err = overrides("[cycles.2019-2020.deadlines.final]\ndate = 2021-12-01").unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenario.toml [policy]: invalid cycles.2019-2020.deadlines.final.date = 2021-12-01: \
         deadlines must be in date order"
    );
    let err = overrides("[cycles.2021-2022.offsets]\nlimit_pct = 150").unwrap_err();
    assert!(
        err.to_string()
            .contains("cycles.2021-2022.offsets.limit_pct = 150"),
        "{err}"
    );
    let err = overrides("[cycles.2021-2022]\neligible_vintages = [\"CEA30\"]").unwrap_err();
    assert!(
        err.to_string().contains("CEA30 : is not a vintage")
            || err.to_string().contains("= CEA30: is not a vintage"),
        "{err}"
    );
    let err = overrides("[cycles.2021-2022.deadlines.final]\ndate = 2031-01-10").unwrap_err();
    assert!(err.to_string().contains("outside the calendar"), "{err}");
}

#[test]
fn a_penalty_of_another_kind_replaces_the_published_one() {
    let t = overrides(
        "[cycles.2021-2022.penalty]\nkind = \"price-multiple\"\nmultiple = \"5\"\ndeduct_shortfall = true\nsource = \"what-if\"",
    )
    .unwrap();
    let penalty = &t.spec().cycles["2021-2022"].penalty;
    assert_eq!(penalty.multiple(), Some(rust_decimal::Decimal::from(5)));
    assert_eq!(penalty.fine(), crate::units::Money::ZERO);
    // The same kind merges field by field.
    let t = overrides("[cycles.2021-2022.penalty]\nfine = \"30000.00\"").unwrap();
    assert!(
        t.spec().cycles["2021-2022"]
            .penalty
            .source()
            .0
            .contains("Art. 40")
    );
}

#[test]
fn every_validation_rule_refuses_its_case() {
    let cases = [
        (
            "[vintages.CEA21]\ncredited = 2023-09-01",
            "vintages.CEA21.credited",
        ),
        ("[vintages.CEA22]\nyears = [2021]", "vintages.CEA22.years"),
        (
            "[cycles.2019-2020]\nyears = [2019, 2021]",
            "cycles.2019-2020.years",
        ),
        (
            "[cycles.2019-2020.deadlines.interim]\nshare_pct = 0",
            "deadlines.interim.share_pct",
        ),
        (
            "[cycles.2019-2020.deadlines.interim]\nshare_pct = 100\nshare_of = \"volume\"",
            "interim.share_pct",
        ),
        (
            "[cycles.2021-2022.allocation.benchmarks.2021]\nheat_gas = \"0\"",
            "benchmarks.2021",
        ),
        (
            "[calendar.years.2024]\nclosures = [2024-02-10]\nsource = \"x\"",
            "calendar.years.2024.closures",
        ),
        (
            "[cycles.2019-2020.penalty]\nfine = \"-1.00\"",
            "penalty.fine",
        ),
        (
            "[cycles.2023.plan]\npublished = 2025-01-02",
            "cycles.2023.plan.published",
        ),
        (
            "[cycles.2019-2020.deadlines.interim]\nannounced = 2021-12-15",
            "cycles.2019-2020.deadlines.interim.announced",
        ),
    ];
    for (text, field) in cases {
        let err = overrides(text).unwrap_err().to_string();
        assert!(err.contains(field), "{text:?} gave {err}");
    }
}

#[test]
fn the_published_calendar_closes_every_listed_holiday_and_counts_the_published_days() {
    let t = Timeline::published().unwrap();
    let cal = t.calendar(day("2030-12-31")).unwrap();
    for (year, y) in &t.spec().calendar.years {
        for d in &y.closures {
            assert!(!cal.is_trading_day(*d).unwrap(), "{year}: {d} is a holiday");
        }
    }
    let count = |y: i32| {
        let (from, to) = (format!("{y}-01-01"), format!("{y}-12-31"));
        cal.trading_days(day(&from), day(&to)).unwrap().len()
    };
    // 2024: 242 trading days as the MEE reported; 2025 and 2026 as the notices give them.
    assert_eq!((count(2024), count(2025), count(2026)), (242, 243, 242));
    // 2027-2030 are projected from the statutory holidays and marked so; the Spring Festival
    // closes a week around its lunar New Year (2027-02-06, 2028-01-26, 2029-02-13, 2030-02-03).
    let projected: Vec<&str> = t
        .spec()
        .calendar
        .years
        .iter()
        .filter(|(_, y)| y.assumption)
        .map(|(year, _)| year.as_str())
        .collect();
    assert_eq!(projected, ["2027", "2028", "2029", "2030"]);
    assert_eq!(
        (count(2027), count(2028), count(2029), count(2030)),
        (243, 240, 242, 243)
    );
    for new_year in ["2027-02-08", "2028-01-26", "2029-02-13", "2030-02-04"] {
        assert!(!cal.is_trading_day(day(new_year)).unwrap(), "{new_year}");
    }
    // Make-up working days fall on weekends and never trade (2024-02-04, a Sunday).
    assert!(!cal.is_trading_day(day("2024-02-04")).unwrap());
    assert!(cal.is_trading_day(day("2024-02-08")).unwrap());
}

#[test]
fn without_a_day_seen_the_calendars_end_hands_out_every_deadline_left() {
    let t = Timeline::from_toml_str("synthetic.toml", &synthetic_two_cycles()).unwrap();
    let mut a = Agenda::new(&t);
    assert_eq!(a.settle_due(None).len(), 3, "nothing seen: all of them");
    let mut b = Agenda::new(&t);
    // Friday 2024-02-09, then Monday 2024-02-12 is a listed closure: the next open is Tuesday,
    // so the Friday 2024-02-16 interim is not yet due.
    b.list_due(day("2024-02-09"));
    assert!(b.settle_due(None).is_empty());
    b.credit_due(day("2024-03-29"));
    let due: Vec<NaiveDate> = b.settle_due(None).iter().map(|d| d.date).collect();
    assert_eq!(due, [day("2024-02-16"), day("2024-03-31")]);
}

const POWER_CAP: &str = "[instruments.caps.power]\nsectors = [\"power\"]\nfirst_year = 2025\nfirst_year_t = 5000000000\nlinear_reduction_bp = 250\nsource = \"x\"\n";
const POWER_AUCTION: &str = "[instruments.auctions.power]\ncap = \"power\"\nshare_pct = { \"2025\" = 10 }\nmonths = [4, 10]\nreserve_price = \"60.00\"\nunsold = \"reserve\"\nsource = \"x\"\n";

#[test]
fn a_cap_splits_its_year_into_free_and_auctioned_and_falls_by_its_linear_factor() {
    let t = overrides(&format!("{POWER_CAP}{POWER_AUCTION}")).unwrap();
    let k = t.spec().cycles.get_index_of("2025").unwrap();
    let cap = t.cycle_cap(k).unwrap();
    assert_eq!(
        (cap.cap_t, cap.free_t, cap.auctioned_t),
        (5_000_000_000, 4_500_000_000, 500_000_000)
    );
    assert_eq!(cap.auction.as_deref(), Some("power"));
    // Before its first year a cap caps nothing; the industrial cycle of 2025 is not power's.
    let before = t.spec().cycles.get_index_of("2024").unwrap();
    assert!(t.cycle_cap(before).is_none());
    let industry = t.spec().cycles.get_index_of("2025-industry").unwrap();
    assert!(t.cycle_cap(industry).is_none());
    // The linear reduction factor takes 2.5 % of the first year's cap off each later year.
    let spec = &t.spec().instruments.caps["power"];
    assert_eq!(spec.cap_t(2027), Some(4_750_000_000));
    assert_eq!(spec.cap_t(2024), None);
}

#[test]
fn every_instrument_rule_refuses_its_case_naming_the_field() {
    let cases = [
        (
            POWER_CAP.replace("[\"power\"]", "[\"steel\"]"),
            "instruments.caps.power.sectors",
        ),
        (
            POWER_CAP.replace("first_year = 2025", "first_year = 2019"),
            "instruments.caps.power.first_year",
        ),
        (
            POWER_CAP.replace("250", "10001"),
            "instruments.caps.power.linear_reduction_bp",
        ),
        (
            format!("{POWER_CAP}{}", POWER_AUCTION.replace("cap = \"power\"", "cap = \"x\"")),
            "instruments.auctions.power.cap",
        ),
        (
            format!("{POWER_CAP}{}", POWER_AUCTION.replace("[4, 10]", "[10, 4]")),
            "instruments.auctions.power.months",
        ),
        (
            format!("{POWER_CAP}{}", POWER_AUCTION.replace("= 10 }", "= 101 }")),
            "instruments.auctions.power.share_pct.2025",
        ),
        (
            format!("{POWER_CAP}{}", POWER_AUCTION.replace("\"reserve\"", "\"carried\"")),
            "instruments.auctions.power.unsold",
        ),
        (
            "[instruments.reserve]\nsource = \"x\"\n[instruments.reserve.trigger]\nkind = \"quantity\"\nintake_above_t = 10\nintake_pct = 24\nrelease_below_t = 10\nrelease_t = 5\n".to_owned(),
            "instruments.reserve.release_below_t",
        ),
        (
            "[instruments.reserve]\nsource = \"x\"\n[instruments.reserve.trigger]\nkind = \"price\"\nfloor = \"90.00\"\nceiling = \"80.00\"\nrelease_t = 5\nwindow_days = 20\n".to_owned(),
            "instruments.reserve.floor",
        ),
    ];
    for (text, field) in cases {
        let err = overrides(&text).unwrap_err().to_string();
        assert!(err.contains(field), "{text:?} gave {err}");
    }
}
