//! The 2021–2023 replay through the exchange reproduces the published market exactly, and is
//! deterministic.

use carbonsim::scenario::replay::{self, ReplayConfig, ScenarioError};
use carbonsim::units::{Money, Quantity};

#[test]
fn replay_reproduces_every_published_day_and_total() {
    let result = replay::run(&ReplayConfig::default()).unwrap();
    assert_eq!(result.composite.len(), 598);
    let single = result
        .composite
        .iter()
        .filter(|d| d.date.to_string().as_str() <= "2023-08-25");
    let mut n = 0;
    for d in single {
        assert_eq!(d.simulated, d.published, "{}", d.date);
        n += 1;
    }
    assert_eq!(n, 514);
    for d in result
        .composite
        .iter()
        .filter(|d| d.date.to_string().as_str() >= "2023-08-28")
    {
        let (s, p) = (&d.simulated, &d.published);
        assert_eq!(
            (
                s.listed_volume,
                s.listed_turnover,
                s.block_volume,
                s.block_turnover
            ),
            (
                p.listed_volume,
                p.listed_turnover,
                p.block_volume,
                p.block_turnover
            ),
            "{}",
            d.date
        );
        assert_eq!(s.close, None, "no invented composite price");
    }
    assert_eq!(
        result.vintages.len(),
        84 * 3,
        "three vintage subjects on each of the 84 days from 2023-08-28"
    );
    for v in &result.vintages {
        assert_eq!(v.simulated, v.published, "{} {}", v.date, v.subject);
    }
    let total = |from: &str, to: &str| {
        result
            .composite
            .iter()
            .filter(|d| d.date.to_string().as_str() >= from && d.date.to_string().as_str() <= to)
            .fold((Quantity::ZERO, Money::ZERO), |(v, t), d| {
                (
                    v + d.simulated.listed_volume + d.simulated.block_volume,
                    t + d.simulated.listed_turnover + d.simulated.block_turnover,
                )
            })
    };
    assert_eq!(
        total("2021-01-01", "2021-12-31"),
        (Quantity::new(178_789_350), "7661230022.99".parse().unwrap())
    );
    assert_eq!(
        total("2021-01-01", "2023-06-30"),
        (
            Quantity::new(237_685_104),
            "10911600809.85".parse().unwrap()
        )
    );
    assert_eq!(result.compliance.len(), 3);
    assert!(result.compliance.iter().all(|c| c.entities >= 2_162));
    // Every planned trade was carried by exactly one order pair: nothing rejected or left over.
    assert!(result.trades > 3_000);
    assert_eq!(result.orders, 2 * result.trades);
    assert_eq!(
        result,
        replay::run(&ReplayConfig::default()).unwrap(),
        "deterministic"
    );
}

#[test]
fn range_outside_the_data_is_an_error() {
    let bad = ReplayConfig {
        from: "2021-07-01".parse().unwrap(),
        ..ReplayConfig::default()
    };
    let err = replay::run(&bad).unwrap_err();
    assert!(matches!(err, ScenarioError::Range { .. }));
    assert!(err.to_string().contains("2021-07-01"), "{err}");
}

/// FNV-1a 64 of the default replay's output files, taken before the policy timeline drove the
/// replay: the timeline changed how the replay is built, not one byte of what it writes. (The
/// files name the crate's version, so a version bump changes them.) Changed on purpose since:
/// `summary.txt` and `summary.json` (the compliance table labels the synthetic fleet, sets the
/// published outcome beside it and explains `due`; JSON counts are numbers), `vintages.csv`
/// (`subject_code` renamed `subject`, the name every other file uses), `price.svg` and
/// `volume.svg` (a difference panel, month ticks on month starts, legends beside the data, the
/// shared axis wording); `summary.*` again when the first cycle's allocation became a 70 %
/// pre-allocation trued up on 2021-11-15 (the synthetic fleet's compliance, not the published
/// days, changes).
#[test]
fn default_replay_outputs_are_byte_identical_to_before_the_timeline() {
    let result = replay::run(&ReplayConfig::default()).unwrap();
    let set = carbonsim::scenario::replay_report::outputs(&result).unwrap();
    let pinned = [
        ("daily.csv", "93564cf923d3a386"),
        ("price.svg", "d539d7b00528e300"),
        ("summary.json", "870eeb34b40732c0"),
        ("summary.txt", "031f45741b5c86c6"),
        ("totals.csv", "f6d69aaac163c80a"),
        ("vintages.csv", "f70aad0f5f81683d"),
        ("volume.svg", "db773e340df0593c"),
    ];
    let got: Vec<(&str, String)> = pinned
        .iter()
        .map(|(name, _)| {
            let bytes = set.get(name).unwrap_or_else(|| panic!("{name} is written"));
            (*name, format!("{:016x}", fnv1a64(bytes)))
        })
        .collect();
    let want: Vec<(&str, String)> = pinned.iter().map(|(n, h)| (*n, (*h).to_owned())).collect();
    assert_eq!(got, want, "every file's hash, left as written now");
}

/// A replay may start on any published trading day: each vintage lists at its published
/// previous close, and every day it covers is exact. Start dates: every 13th published day, and
/// the days around the first deadline and the vintage split.
#[test]
fn replay_from_any_published_day_is_exact() {
    let days: Vec<chrono::NaiveDate> = carbonsim::history::daily()
        .unwrap()
        .iter()
        .map(|d| d.date)
        .collect();
    let named = [
        "2021-07-19",
        "2022-01-04",
        "2023-08-25",
        "2023-08-28",
        "2023-08-29",
        "2023-11-16",
        "2023-12-29",
    ];
    let mut starts: Vec<chrono::NaiveDate> = days.iter().step_by(13).copied().collect();
    starts.extend(
        named
            .iter()
            .map(|d| d.parse::<chrono::NaiveDate>().unwrap()),
    );
    assert!(starts.len() >= 50);
    for from in starts {
        let i = days.iter().position(|d| *d == from).unwrap();
        let to = days[(i + 20).min(days.len() - 1)];
        let config = ReplayConfig { from, to, seed: 7 };
        let result = replay::run(&config).unwrap_or_else(|e| panic!("from {from}: {e}"));
        assert_eq!(result.composite.first().map(|d| d.date), Some(from));
        for d in &result.composite {
            let (s, p) = (&d.simulated, &d.published);
            assert_eq!(
                (
                    s.listed_volume,
                    s.block_volume,
                    s.listed_turnover,
                    s.block_turnover
                ),
                (
                    p.listed_volume,
                    p.block_volume,
                    p.listed_turnover,
                    p.block_turnover
                ),
                "from {from}: {}",
                d.date
            );
            if result.vintages.iter().all(|v| v.date != d.date) {
                assert_eq!(s, p, "from {from}: {}", d.date);
            }
        }
        for v in &result.vintages {
            assert_eq!(
                v.simulated, v.published,
                "from {from}: {} {}",
                v.date, v.subject
            );
        }
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    carbonsim::scenario::config::fnv1a64(bytes)
}

/// The compliance table names the fleet as synthetic, sets the published outcome beside each
/// deadline (the first cycle's, and "not published" for the second's), and explains `due`; the
/// JSON summary writes counts as numbers and money as decimal strings.
#[test]
fn compliance_is_labelled_synthetic_beside_the_published_outcome() {
    let result = replay::run(&ReplayConfig::default()).unwrap();
    let text = carbonsim::scenario::replay_report::table(&result);
    assert!(text.contains("Compliance of the synthetic fleet"), "{text}");
    let row = |date: &str| {
        text.lines()
            .find(|l| l.contains(date))
            .unwrap_or_else(|| panic!("no row for {date}:\n{text}"))
            .to_owned()
    };
    assert!(row("2021-12-31").contains("100 % of volume"));
    assert!(
        row("2021-12-31")
            .contains("99.5 % by volume; 1,833 entities in full and on time, 178 in part")
    );
    assert!(row("2023-11-15").contains("95 % of volume"));
    assert!(row("2023-12-31").ends_with("not published"));
    assert!(text.contains("due: what the deadline asks."), "{text}");
    let set = carbonsim::scenario::replay_report::outputs(&result).unwrap();
    let json: serde_json::Value = serde_json::from_slice(set.get("summary.json").unwrap()).unwrap();
    let first = &json["compliance"][0];
    assert_eq!(first["fleet"], "synthetic fleet");
    assert!(first["shortfall"].is_u64() && first["obligation"].is_u64());
    assert!(first["fines"].is_string(), "money stays a decimal string");
    assert!(
        first["published"]["outcome"]
            .as_str()
            .unwrap()
            .starts_with("99.5 %")
    );
    assert!(json["totals"][0]["volume_t"].is_u64());
    assert!(json["totals"][0]["turnover_cny"].is_string());
    let vintages = String::from_utf8(set.get("vintages.csv").unwrap().to_vec()).unwrap();
    assert!(
        vintages.starts_with("date,subject,open,"),
        "one name for the subject column"
    );
}
