//! The numbers `README.md` and `docs/model.md` quote from the 100-seed study of the shipped
//! scenario come from a fresh run of that study (release mode: about a minute on two cores).

use std::path::Path;

use carbonsim::scenario::config::ScenarioConfig;
use carbonsim::scenario::montecarlo::{SeedRange, Shard};
use carbonsim::scenario::study;

mod common;
use common::{marked_block, mean_close_where, published_mean_close_where};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_calibration_table_and_the_readme_figures_reproduce() {
    let config =
        ScenarioConfig::from_path(Path::new("examples/scenarios/agent_based_2021_2023.toml"))
            .unwrap();
    let range = SeedRange {
        first: config.seed,
        count: 100,
    };
    let result = study::run_study(&config, range, Shard::WHOLE, |_| {}).unwrap();
    let bands = study::statistic_bands(&result);
    let table = study::statistics_table(&bands);
    let model = read("docs/model.md");
    assert_eq!(
        marked_block(&model, "calibration-table"),
        table,
        "docs/model.md's table: rerun the study and paste its statistics.md"
    );
    let band = |name: &str| {
        let row = bands.iter().find(|b| b.statistic == name).unwrap();
        *row.bands.as_ref().unwrap()
    };
    let median = |name: &str| format!("{:.1} %", band(name).p50 * 100.0);
    met_and_missed_quote_the_study(&model, &band);
    let readme = read("README.md").replace('\n', " ");
    for (name, phrase) in [
        (
            "close path MAPE",
            "close path is within {} of the published one",
        ),
        ("volatility", "median volatility is {} against"),
        ("maximum drawdown", "median maximum drawdown {} against"),
    ] {
        let expected = phrase.replace("{}", &median(name));
        assert!(
            readme.contains(&expected),
            "README.md should say {expected:?}"
        );
    }
}

/// The "Met" and "Missed" paragraphs under the table quote the study's medians and bands.
fn met_and_missed_quote_the_study(
    model: &str,
    band: &dyn Fn(&str) -> carbonsim::scenario::montecarlo::Bands,
) {
    let one_line = model.split_whitespace().collect::<Vec<_>>().join(" ");
    let pct = |x: f64| format!("{:.1} %", x * 100.0);
    let mt = |x: f64| format!("{:.1} Mt", x / 1e6);
    let (offsets, entities) = (
        band("CCER offsets, first cycle (t)"),
        band("entities in full at 2021-12-15"),
    );
    let drawdown = band("maximum drawdown");
    let (last, volatility) = (band("last close (CNY/t)"), band("volatility"));
    let busiest = band("busiest-day share 2023");
    let quotes = [
        format!(
            "close-path MAPE at most 12 % ({})",
            pct(band("close path MAPE").p50)
        ),
        format!(
            "(median {}, p5–p95 {})",
            mt(offsets.p50),
            p5_to_p95(&offsets, &mt)
        ),
        format!(
            "(median {:.2} against 58.07, {:+.0} %)",
            band("mean close 2022 (CNY/t)").p50,
            (band("mean close 2022 (CNY/t)").p50 / 58.07 - 1.0) * 100.0
        ),
        format!(
            "({} against 211.9 Mt, {:+.0} %)",
            mt(band("volume 2023 (t)").p50),
            (band("volume 2023 (t)").p50 / 211_943_768.0 - 1.0) * 100.0
        ),
        format!("done by 2021-12-15** (median {})", pct(entities.p50)),
        format!(
            "**the last close within ±15 %** (median {:.2} against 79.42, {:+.0} %",
            last.p50,
            (last.p50 / 79.42 - 1.0) * 100.0
        ),
        format!(
            "September–December 2023* ({} against 7.7 %, {:+.0} %)",
            pct(busiest.p50),
            (busiest.p50 / 0.0765 - 1.0) * 100.0
        ),
        format!(
            "with the published 29.3 % inside its band** (median {}, p5–p95 {})",
            pct(volatility.p50),
            p5_to_p95(&volatility, &pct)
        ),
        format!(
            "within ±5 % of the published (2021's at {:+.0} %)",
            (band("mean close 2021 (CNY/t)").p50 / 46.61 - 1.0) * 100.0
        ),
        published_drawdown(),
        format!("(median {}, p95 {})", pct(drawdown.p50), pct(drawdown.p95)),
    ];
    for quoted in quotes {
        assert!(
            one_line.contains(&quoted),
            "docs/model.md should say {quoted:?}"
        );
    }
}

/// The published maximum drawdown of the close as `docs/model.md` describes it: its size, the
/// peak it falls from and the trough, each with its day.
fn published_drawdown() -> String {
    let days: Vec<study::stats::DayRecord> = carbonsim::history::daily()
        .unwrap()
        .iter()
        .map(|d| study::stats::DayRecord {
            date: d.date,
            close: d.close,
            listed_volume: d.listed_volume_t,
            block_volume: d.block_volume_t,
            turnover: d.listed_turnover_cny,
        })
        .collect();
    let deepest = study::stats::deepest_drawdown(&days).unwrap();
    let (top, bottom) = (&days[deepest.peak], &days[deepest.trough]);
    format!(
        "the published {:.1} % is the slide from the close of {} on {} to {} on {}",
        deepest.fraction * 100.0,
        top.close,
        top.date,
        bottom.close,
        bottom.date
    )
}

/// `b`'s p5–p95 range written with `fmt`, the unit once: "25.9–31.4 Mt".
fn p5_to_p95(b: &carbonsim::scenario::montecarlo::Bands, fmt: &dyn Fn(f64) -> String) -> String {
    let low = fmt(b.p5);
    let number = low.split(' ').next().unwrap_or_default();
    format!("{number}–{}", fmt(b.p95))
}

/// Tonnes traded on each day of a month, in date order.
type Days = Vec<(chrono::NaiveDate, u64)>;

/// Tonnes a day of the shipped run's composite and of the published series in `month`
/// (`(year, month)`).
fn days_of(
    run: &carbonsim::scenario::agent_based::AgentRun,
    (year, month): (i32, u32),
) -> (Days, Days) {
    use chrono::Datelike;
    days_where(run, &|d| d.year() == year && d.month() == month)
}

/// Tonnes a day of the shipped run's composite and of the published series on the days
/// `within` keeps.
fn days_where(
    run: &carbonsim::scenario::agent_based::AgentRun,
    within: &dyn Fn(&chrono::NaiveDate) -> bool,
) -> (Days, Days) {
    let simulated = run
        .series("COMCEA")
        .filter(|d| within(&d.date))
        .map(|d| (d.date, (d.listed_volume + d.block_volume).units()))
        .collect();
    let published = carbonsim::history::daily()
        .unwrap()
        .iter()
        .filter(|d| within(&d.date))
        .map(|d| {
            let t = d.listed_volume_t + d.block_volume_t + d.auction_volume_t;
            (d.date, t.units())
        })
        .collect();
    (simulated, published)
}

/// The busiest day of `days`, its tonnes and its share of the month's.
fn busiest(days: &[(chrono::NaiveDate, u64)]) -> (chrono::NaiveDate, f64, f64) {
    let total: u64 = days.iter().map(|d| d.1).sum();
    let (date, t) = days.iter().copied().max_by_key(|d| d.1).unwrap();
    (date, t as f64 / 1e6, t as f64 * 100.0 / total.max(1) as f64)
}

/// "Met" quotes how the shipped run's deadline months trade day by day (its default seed)
/// beside the published days, and the same seed with every firm working to the deadline.
#[test]
fn the_deadline_days_quoted_are_the_shipped_runs() {
    let config =
        ScenarioConfig::from_path(Path::new("examples/scenarios/agent_based_2021_2023.toml"))
            .unwrap();
    let run = carbonsim::scenario::agent_based::run(&config, config.seed).unwrap();
    let mut no_lead = config.clone();
    no_lead.behaviour.compliance_firm.internal_lead_share = 0.0;
    let without = carbonsim::scenario::agent_based::run(&no_lead, config.seed).unwrap();
    let mt = |days: &[(chrono::NaiveDate, u64)]| days.iter().map(|d| d.1).sum::<u64>() as f64 / 1e6;
    let (sim21, pub21) = days_of(&run, (2021, 12));
    let (s21, p21) = (busiest(&sim21), busiest(&pub21));
    let months: Vec<(Days, Days)> = (9..=12).map(|m| days_of(&run, (2023, m))).collect();
    let sim23: Vec<String> = months.iter().map(|m| format!("{:.1}", mt(&m.0))).collect();
    let pub23: Vec<String> = months.iter().map(|m| format!("{:.1}", mt(&m.1))).collect();
    let n21 = busiest(&days_of(&without, (2021, 12)).0);
    let n23 = busiest(&days_of(&without, (2023, 11)).0);
    let quoted = format!(
        "on its default seed the shipped run's busiest day of December 2021 is {:.1} Mt on {}, {:.0} % of its December, where the published market's was {:.1} Mt ({:.0} % of December, on {}); in September–December 2023 it trades {} Mt a month, where the published market traded {} Mt. With every firm working to the deadline itself (`--set behaviour.compliance_firm.internal_lead_share=0`) the same seed trades {:.1} Mt on {} ({:.0} % of its December) and {:.1} Mt on {}",
        s21.1,
        s21.0,
        s21.2,
        p21.1,
        p21.2,
        p21.0,
        sim23.join(", "),
        pub23.join(", "),
        n21.1,
        n21.0,
        n21.2,
        n23.1,
        n23.0,
    );
    let one_line = read("docs/model.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        one_line.contains(&quoted),
        "docs/model.md should say {quoted:?}"
    );
    for quote in [after_the_interim_deadline(&run), december_2021_halves(&run)] {
        assert!(
            one_line.contains(&quote),
            "docs/model.md should say {quote:?}"
        );
    }
}

/// What "The outlook" quotes of the default seed's December 2021: the mean close before and
/// after the interim deadline of 2021-12-15, beside the published.
fn december_2021_halves(run: &carbonsim::scenario::agent_based::AgentRun) -> String {
    let first = |day: &str| ("2021-12-01"..="2021-12-15").contains(&day);
    let second = |day: &str| ("2021-12-16"..="2021-12-31").contains(&day);
    format!(
        "on the default seed the close averages {:.2} from 2021-12-16 to the year's end against {:.2} over 2021-12-01 to 2021-12-15, where the published averaged {:.2} against {:.2}",
        mean_close_where(run, second),
        mean_close_where(run, first),
        published_mean_close_where(second),
        published_mean_close_where(first)
    )
}

/// What "Met" quotes of the shipped run's default seed between the interim deadline of
/// 2023-11-15 and the year's end, beside the published market.
fn after_the_interim_deadline(run: &carbonsim::scenario::agent_based::AgentRun) -> String {
    let from = chrono::NaiveDate::from_ymd_opt(2023, 11, 16).unwrap();
    let (sim, published) = days_where(run, &|d| *d >= from);
    let mt = |days: &[(chrono::NaiveDate, u64)]| days.iter().map(|d| d.1).sum::<u64>() as f64 / 1e6;
    let last = run.series("COMCEA").last().unwrap();
    format!(
        "from 2023-11-16 to the year's end the default seed trades {:.1} Mt, where the published market traded {:.1} Mt, and its last close is {}",
        mt(&sim),
        mt(&published),
        last.close
    )
}
