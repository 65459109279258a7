//! A study's statistics as a Markdown table, published value beside the seeds' percentiles:
//! what `carbonsim montecarlo` prints and writes as `statistics.md`, and what `docs/model.md`
//! quotes (a test regenerates it).

use std::fmt::Write;

use super::StatisticBands;

/// The table: one row per statistic with the published value, p5, p25, median, p75, p95 and the
/// median's relative error. Volumes in Mt, shares and rates in percent, one decimal.
#[must_use]
pub fn statistics_table(rows: &[StatisticBands]) -> String {
    let mut out = String::from(
        "| statistic | published | p5 | p25 | median | p75 | p95 | median's relative error |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let shown = |v: f64| value(&r.statistic, v);
        let published = r
            .published
            .filter(|p| p.is_finite())
            .map_or("—".into(), shown);
        let Some(b) = &r.bands else {
            let _ = writeln!(
                out,
                "| {} | {published} | — | — | — | — | — | — |",
                r.statistic
            );
            continue;
        };
        let error = match r.published {
            Some(p) if p.is_finite() && p != 0.0 => format!("{:+.0} %", (b.p50 / p - 1.0) * 100.0),
            _ => "—".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {published} | {} | {} | {} | {} | {} | {error} |",
            r.statistic,
            shown(b.p5),
            shown(b.p25),
            shown(b.p50),
            shown(b.p75),
            shown(b.p95)
        );
    }
    out
}

/// A volume in Mt, a turnover in CNY bn, a price in CNY/t, a count of days, anything else (a
/// share or rate) in percent.
fn value(statistic: &str, v: f64) -> String {
    if statistic.ends_with("(t)") {
        format!("{:.1} Mt", v / 1e6)
    } else if statistic.ends_with("(CNY)") {
        format!("CNY {:.2} bn", v / 1e9)
    } else if statistic.ends_with("(CNY/t)") {
        format!("{v:.2}")
    } else if statistic.ends_with("(days)") {
        format!("{v:.0}")
    } else {
        format!("{:.1} %", v * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::montecarlo::Bands;

    #[test]
    fn rows_carry_units_and_the_medians_error() {
        let bands = Bands {
            p5: 1.0e8,
            p25: 1.2e8,
            p50: 1.5e8,
            p75: 1.6e8,
            p95: 1.8e8,
        };
        let rows = [
            StatisticBands {
                statistic: "volume 2021 (t)".into(),
                published: Some(2.0e8),
                bands: Some(bands),
            },
            StatisticBands {
                statistic: "close path MAPE".into(),
                published: Some(f64::NAN),
                bands: None,
            },
        ];
        let turnover = StatisticBands {
            statistic: "turnover 2024 (CNY)".into(),
            published: Some(18.114e9),
            bands: Some(Bands {
                p5: 1.2e10,
                p25: 1.3e10,
                p50: 1.4e10,
                p75: 1.5e10,
                p95: 1.6e10,
            }),
        };
        assert!(
            statistics_table(std::slice::from_ref(&turnover)).contains(
                "| turnover 2024 (CNY) | CNY 18.11 bn | CNY 12.00 bn | CNY 13.00 bn | CNY 14.00 bn |"
            ),
            "a turnover in CNY bn, not a share"
        );
        let t = statistics_table(&rows);
        assert!(t.contains("| volume 2021 (t) | 200.0 Mt | 100.0 Mt | 120.0 Mt | 150.0 Mt | 160.0 Mt | 180.0 Mt | -25 % |"), "{t}");
        assert!(t.contains("| close path MAPE | — | — |"), "{t}");
    }
}
