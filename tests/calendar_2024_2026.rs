//! The trading calendar of 2024–2026 against the State Council General Office's holiday notices,
//! written out here independently of `data/policy/national_ets.toml`: every day of every holiday
//! block is closed, every weekend make-up working day is closed too (exchanges do not trade on
//! them), the listed weekday closures are exactly the blocks' weekdays (plus the exchanges' own
//! closure on New Year's Eve 2024), and each year has the published number of trading days.

use chrono::{Datelike, NaiveDate, Weekday};

use carbonsim::timeline::Timeline;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// One holiday of a notice: its name, first and last day off, and its make-up working days.
struct Holiday {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    make_up: &'static [&'static str],
}

const fn h(
    name: &'static str,
    from: &'static str,
    to: &'static str,
    make_up: &'static [&'static str],
) -> Holiday {
    Holiday {
        name,
        from,
        to,
        make_up,
    }
}

/// Guobanfa Mingdian [2023] No. 7 (2024). New Year's Day 2024 joins the weekend before it;
/// only its 2024 day is listed.
const Y2024: [Holiday; 7] = [
    h("New Year", "2024-01-01", "2024-01-01", &[]),
    h(
        "Spring Festival",
        "2024-02-10",
        "2024-02-17",
        &["2024-02-04", "2024-02-18"],
    ),
    h("Qingming", "2024-04-04", "2024-04-06", &["2024-04-07"]),
    h(
        "Labour Day",
        "2024-05-01",
        "2024-05-05",
        &["2024-04-28", "2024-05-11"],
    ),
    h("Dragon Boat", "2024-06-08", "2024-06-10", &[]),
    h("Mid-Autumn", "2024-09-15", "2024-09-17", &["2024-09-14"]),
    h(
        "National Day",
        "2024-10-01",
        "2024-10-07",
        &["2024-09-29", "2024-10-12"],
    ),
];

/// Guobanfa Mingdian [2024] No. 12 (2025).
const Y2025: [Holiday; 6] = [
    h("New Year", "2025-01-01", "2025-01-01", &[]),
    h(
        "Spring Festival",
        "2025-01-28",
        "2025-02-04",
        &["2025-01-26", "2025-02-08"],
    ),
    h("Qingming", "2025-04-04", "2025-04-06", &[]),
    h("Labour Day", "2025-05-01", "2025-05-05", &["2025-04-27"]),
    h("Dragon Boat", "2025-05-31", "2025-06-02", &[]),
    h(
        "National Day and Mid-Autumn",
        "2025-10-01",
        "2025-10-08",
        &["2025-09-28", "2025-10-11"],
    ),
];

/// Guobanfa Mingdian [2025] No. 7 (2026).
const Y2026: [Holiday; 7] = [
    h("New Year", "2026-01-01", "2026-01-03", &["2026-01-04"]),
    h(
        "Spring Festival",
        "2026-02-15",
        "2026-02-23",
        &["2026-02-14", "2026-02-28"],
    ),
    h("Qingming", "2026-04-04", "2026-04-06", &[]),
    h("Labour Day", "2026-05-01", "2026-05-05", &["2026-05-09"]),
    h("Dragon Boat", "2026-06-19", "2026-06-21", &[]),
    h("Mid-Autumn", "2026-09-25", "2026-09-27", &[]),
    h(
        "National Day",
        "2026-10-01",
        "2026-10-07",
        &["2026-09-20", "2026-10-10"],
    ),
];

/// The exchanges' own closure beyond the notices: New Year's Eve 2024, a Friday (SSE notice of
/// 2023-12-26; the SEEE series has no trade between 2024-02-08 and 2024-02-19).
const EXCHANGE_ONLY: [&str; 1] = ["2024-02-09"];

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn days(holiday: &Holiday) -> Vec<NaiveDate> {
    let (from, to) = (day(holiday.from), day(holiday.to));
    from.iter_days().take_while(|d| *d <= to).collect()
}

#[test]
fn every_day_of_every_listed_holiday_is_closed_and_so_is_every_make_up_day() {
    let t = Timeline::published().unwrap();
    let cal = t.calendar(day("2026-12-31")).unwrap();
    for (year, holidays) in [(2024, &Y2024[..]), (2025, &Y2025[..]), (2026, &Y2026[..])] {
        for holiday in holidays {
            for d in days(holiday) {
                assert!(
                    !cal.is_trading_day(d).unwrap(),
                    "{year} {}: {d} trades",
                    holiday.name
                );
            }
            for m in holiday.make_up.iter().map(|m| day(m)) {
                assert!(!is_weekday(m), "{year} {}: make-up day {m}", holiday.name);
                assert!(!cal.is_trading_day(m).unwrap(), "make-up day {m} trades");
            }
            // The weekday after a block trades: the exchange reopens.
            let after = day(holiday.to)
                .iter_days()
                .skip(1)
                .find(|d| is_weekday(*d))
                .unwrap();
            assert!(
                cal.is_trading_day(after).unwrap(),
                "{after} after {}",
                holiday.name
            );
        }
    }
}

#[test]
fn the_listed_closures_are_exactly_the_holidays_weekdays() {
    let t = Timeline::published().unwrap();
    for (year, holidays) in [
        ("2024", &Y2024[..]),
        ("2025", &Y2025[..]),
        ("2026", &Y2026[..]),
    ] {
        let mut expected: Vec<NaiveDate> = holidays
            .iter()
            .flat_map(days)
            .filter(|d| is_weekday(*d))
            .chain(EXCHANGE_ONLY.iter().map(|d| day(d)))
            .filter(|d| d.year().to_string() == year)
            .collect();
        expected.sort_unstable();
        let mut listed = t.spec().calendar.years[year].closures.clone();
        listed.sort_unstable();
        assert_eq!(listed, expected, "{year}");
        assert!(
            t.spec().calendar.years[year]
                .source
                .contains("State Council General Office"),
            "{year} names its notice"
        );
    }
}

#[test]
fn each_year_has_its_published_number_of_trading_days() {
    let t = Timeline::published().unwrap();
    let cal = t.calendar(day("2026-12-31")).unwrap();
    let count = |y: i32| {
        let from = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(y, 12, 31).unwrap();
        cal.trading_days(from, to).unwrap().len()
    };
    // 2024: 242, as the MEE's 2025 market report gives it; 2025 and 2026: the weekdays (261 each)
    // less the notices' weekday holidays (18 and 19).
    assert_eq!(count(2024), 242);
    assert_eq!(count(2025), 243);
    assert_eq!(count(2026), 242);
}
