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
