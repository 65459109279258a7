//! Helpers shared by the tests that drive the `carbonsim` binary. Each test crate uses only some
//! of them, so unused ones are allowed here.
#![allow(dead_code)]

use std::process::{Command, Output};

/// The binary under test.
pub fn carbonsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_carbonsim"))
}

/// Runs `cmd`, which must succeed (its error output is shown if not).
pub fn succeeds(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd`, which must fail; returns its error output.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Units only change hands: in each market (CEA, CCER, GEC) something was issued, and what was
/// issued equals what is held (available, frozen, pending) plus what left the market
/// (surrendered, cancelled, expired).
pub fn assert_each_market_conserved(reg: &carbonsim::registry::Registry) {
    use carbonsim::registry::{Market, SubjectId};
    for market in [Market::Cea, Market::Ccer, Market::Gec] {
        let (mut issued, mut held, mut gone) = (0_u64, 0_u64, 0_u64);
        for i in 0..reg.subject_count() {
            let id = SubjectId(i as u32);
            if reg.subject(id).unwrap().market() != market {
                continue;
            }
            let b = reg.subject_balance(id).unwrap();
            issued += b.issued.units();
            held += (b.available + b.frozen + b.pending).units();
            gone += (b.surrendered + b.cancelled + b.expired).units();
        }
        assert!(issued > 0, "{market:?} issued");
        assert_eq!(issued, held + gone, "{market:?} conserved");
    }
}

/// The text of `page` between `<!-- {name}:start -->` (and its line end) and
/// `<!-- {name}:end -->`: a block a page fills from a command's output.
pub fn marked_block<'a>(page: &'a str, name: &str) -> &'a str {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let from = page.find(&start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let to = page[from..]
        .find(&end)
        .unwrap_or_else(|| panic!("no {end:?}"))
        + from;
    &page[from..to]
}

/// The statistics table (`statistics.md`) of `config`'s study over `seeds` seeds from its own.
pub fn study_table(config: &carbonsim::scenario::config::ScenarioConfig, seeds: u32) -> String {
    use carbonsim::scenario::montecarlo::{SeedRange, Shard};
    use carbonsim::scenario::study;
    let range = SeedRange {
        first: config.seed,
        count: seeds,
    };
    let result = study::run_study(config, range, Shard::WHOLE, |_| {}).unwrap();
    study::statistics_table(&study::statistic_bands(&result))
}

/// The header of a statistics table and its rows whose statistic names `year`.
pub fn rows_of_year(table: &str, year: i32) -> String {
    let year = format!(" {year}");
    table
        .lines()
        .filter(|l| l.starts_with("| statistic") || l.starts_with("|---") || l.contains(&year))
        .flat_map(|l| [l, "\n"])
        .collect()
}

/// Column `column` (1 = the statistic's name) of `statistic`'s row in a statistics table.
pub fn table_cell(table: &str, statistic: &str, column: usize) -> String {
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("| {statistic} |")))
        .unwrap_or_else(|| panic!("no row {statistic:?}"));
    row.split('|').nth(column).unwrap().trim().to_owned()
}

/// The mean close of the composite quote in `period` (a month "2023-01" or a year "2025").
pub fn mean_close(r: &carbonsim::scenario::agent_based::AgentRun, period: &str) -> f64 {
    mean_close_where(r, |day| day.starts_with(period))
}

/// The mean simulated close over the days of `months` ("2022-01"..="2022-05").
pub fn mean_close_over(
    r: &carbonsim::scenario::agent_based::AgentRun,
    months: std::ops::RangeInclusive<&str>,
) -> f64 {
    mean_close_where(r, |day| months.contains(&&day[..7]))
}

/// The mean close of the composite quote over the days (`YYYY-MM-DD`) that `keep` keeps.
pub fn mean_close_where(
    r: &carbonsim::scenario::agent_based::AgentRun,
    keep: impl Fn(&str) -> bool,
) -> f64 {
    let closes: Vec<f64> = r
        .series("COMCEA")
        .filter(|d| keep(&d.date.to_string()))
        .map(|d| d.close.to_f64())
        .collect();
    mean(&closes)
}

/// The mean published close over the days of `months` ("2023-01"..="2023-06").
pub fn published_mean_close(months: std::ops::RangeInclusive<&str>) -> f64 {
    published_mean_close_where(|day| months.contains(&&day[..7]))
}

/// The mean published close over the days (`YYYY-MM-DD`) that `keep` keeps.
pub fn published_mean_close_where(keep: impl Fn(&str) -> bool) -> f64 {
    let closes: Vec<f64> = carbonsim::history::daily()
        .unwrap()
        .iter()
        .filter(|d| keep(&d.date.to_string()))
        .map(|d| d.close.to_f64())
        .collect();
    mean(&closes)
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// `page` says `wanted`, whatever the line breaks between its words.
pub fn assert_says(page: &str, wanted: &str) {
    let one_line = page.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(one_line.contains(wanted), "the page should say {wanted:?}");
}
