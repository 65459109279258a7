//! Monte Carlo studies of an agent-based scenario: one [`SeedSummary`] per seed, run in parallel
//! by [`super::montecarlo`], optionally one deterministic shard of the seeds at a time, and
//! summarised in percentile bands (daily close and volume, and every calibration statistic).
//!
//! Beside Monte Carlo over seeds: [`design`] (grids and Latin hypercubes of parameter points),
//! [`sweep`] (every point over common seeds, sharded and merged like Monte Carlo), [`headline`]
//! (the statistics a sweep reports per run), [`sensitivity`] (Morris and Sobol estimators),
//! [`analysis`] (a sensitivity analysis of a scenario) and [`compare`] (output folders side by
//! side).
//!
//! A study's outputs depend only on the scenario and the seed list: seeds run on any number of
//! threads and are collected in seed order, so the files are byte-identical whatever the thread
//! count, and the merge of a study's shards equals the unsharded study.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub mod analysis;
pub mod calibrate;
pub mod compare;
pub mod design;
pub mod facts;
pub mod headline;
pub mod montecarlo;
pub mod sensitivity;
pub mod stats;
pub mod sweep;
mod table;

pub use table::statistics_table;

use self::stats::CalibrationReport;
use super::agent_based::report::published_close_line;
use super::agent_based::{self, AgentRun, RunError};
use super::config::ScenarioConfig;
use crate::history::ATTRIBUTION;
use crate::report::{LineChart, OutputSet, Panel, ReportError, SeriesBand, TimeSeries, axis};
use crate::units::Price;
use montecarlo::{
    Bands, MonteCarloError, PercentileMethod, Progress, SeedRange, Shard, ShardOutput,
};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a study keeps of one seed's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSummary {
    /// Trading days of the run.
    pub dates: Vec<NaiveDate>,
    /// The allowance market's daily close (`COMCEA`).
    pub close: Vec<Price>,
    /// The allowance market's daily volume (listed and block), tonnes.
    pub volume: Vec<u64>,
    /// The calibration report of the run.
    pub calibration: Option<CalibrationReport>,
    /// Compliance rate by volume at each deadline, basis points.
    pub compliance_bp: Vec<u64>,
    /// The deadlines of `compliance_bp`, in the same order (absent from shard files written
    /// before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance_dates: Vec<NaiveDate>,
    /// The cycles of `compliance_bp`, in the same order (absent from shard files written before
    /// they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance_cycles: Vec<String>,
    /// Compliance rate by entities (in full) at each deadline, basis points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance_entities_bp: Vec<u64>,
}

impl SeedSummary {
    /// The cycle of the `k`-th deadline when another deadline falls on its day (power's and
    /// the industrial sectors' 2025-12-31), to tell them apart; `None` when its day is its own.
    #[must_use]
    pub fn shared_deadline_cycle(&self, k: usize) -> Option<&str> {
        let date = self.compliance_dates.get(k)?;
        let shared = self.compliance_dates.iter().filter(|d| *d == date).count() > 1;
        self.compliance_cycles
            .get(k)
            .filter(|_| shared)
            .map(String::as_str)
    }
}

/// Keeps what a study needs of `run`.
#[must_use]
pub fn summarise(run: &AgentRun) -> SeedSummary {
    let days: Vec<_> = run.series("COMCEA").collect();
    SeedSummary {
        dates: days.iter().map(|d| d.date).collect(),
        close: days.iter().map(|d| d.close).collect(),
        volume: days
            .iter()
            .map(|d| (d.listed_volume + d.block_volume).units())
            .collect(),
        calibration: run.calibration.clone(),
        compliance_bp: run.compliance.iter().map(|c| c.rate_by_volume_bp).collect(),
        compliance_dates: run.compliance.iter().map(|c| c.date).collect(),
        compliance_cycles: run.compliance.iter().map(|c| c.cycle.clone()).collect(),
        compliance_entities_bp: run
            .compliance
            .iter()
            .map(|c| c.rate_by_entities_bp)
            .collect(),
    }
}

/// Runs `shard` of the study's `seeds` of `config` on the current rayon pool, calling
/// `progress` as seeds finish.
///
/// # Errors
/// The first failing seed's [`RunError`], in seed order.
pub fn run_study<P>(
    config: &ScenarioConfig,
    seeds: SeedRange,
    shard: Shard,
    progress: P,
) -> Result<ShardOutput<SeedSummary>, MonteCarloError<RunError>>
where
    P: Fn(Progress) + Sync,
{
    let mut out = montecarlo::run_shard(
        &config.content_hash(),
        seeds,
        shard,
        |seed| agent_based::run(config, seed).map(|r| summarise(&r)),
        progress,
    )?;
    out.scenario.clone_from(&config.name);
    Ok(out)
}

/// Percentile bands of one statistic over a study's seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatisticBands {
    /// The statistic.
    pub statistic: String,
    /// The published value, when there is one.
    pub published: Option<f64>,
    /// Its bands over the seeds (nearest-rank percentiles).
    pub bands: Option<Bands>,
}

/// The bands of every calibration statistic over the study's seeds.
#[must_use]
pub fn statistic_bands(study: &ShardOutput<SeedSummary>) -> Vec<StatisticBands> {
    let reports: Vec<&CalibrationReport> = study
        .runs
        .iter()
        .filter_map(|r| r.result.calibration.as_ref())
        .collect();
    let Some(first) = reports.first() else {
        return Vec::new();
    };
    let values: Vec<Vec<(String, f64, f64)>> = reports
        .iter()
        .map(|c| headline::calibration_values(c))
        .collect();
    let mut out: Vec<StatisticBands> = headline::calibration_values(first)
        .into_iter()
        .enumerate()
        .map(|(k, (name, _, published))| {
            let sample: Vec<f64> = values
                .iter()
                .map(|v| v.get(k).map_or(f64::NAN, |x| x.1))
                .collect();
            StatisticBands {
                statistic: name,
                published: (!published.is_nan()).then_some(published),
                bands: montecarlo::bands(&sample, PercentileMethod::NearestRank),
            }
        })
        .collect();
    out.extend(compliance_bands(study));
    out
}

/// Published compliance outcomes by deadline: 99.5 % by volume for the first cycle (MEE,
/// 2022-01-24); for the interim rule of 2021-12-15 the rule's own 95 % of entities.
const PUBLISHED_COMPLIANCE: [(&str, bool, f64); 2] =
    [("2021-12-31", false, 0.995), ("2021-12-15", true, 0.95)];

/// Compliance at each deadline over the seeds: by volume, and by entities in full.
fn compliance_bands(study: &ShardOutput<SeedSummary>) -> Vec<StatisticBands> {
    let Some(first) = study.runs.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, date) in first.result.compliance_dates.iter().enumerate() {
        let at = match first.result.shared_deadline_cycle(k) {
            Some(c) => format!("{date} ({c} cycle)"),
            None => date.to_string(),
        };
        for by_entities in [false, true] {
            let pick = |s: &SeedSummary| {
                let v = if by_entities {
                    &s.compliance_entities_bp
                } else {
                    &s.compliance_bp
                };
                v.get(k).map(|bp| *bp as f64 / 10_000.0)
            };
            let sample: Vec<f64> = study.runs.iter().filter_map(|r| pick(&r.result)).collect();
            let published = PUBLISHED_COMPLIANCE
                .iter()
                .find(|(d, e, _)| *d == date.to_string() && *e == by_entities)
                .map(|p| p.2);
            let what = if by_entities {
                "entities in full"
            } else {
                "compliance by volume"
            };
            out.push(StatisticBands {
                statistic: format!("{what} at {at}"),
                published,
                bands: montecarlo::bands(&sample, PercentileMethod::NearestRank),
            });
        }
    }
    out
}

fn bands_csv(study: &ShardOutput<SeedSummary>) -> Result<String, ReportError> {
    let runs = &study.runs;
    let Some(first) = runs.first() else {
        return Ok(String::new());
    };
    let series = |f: &dyn Fn(&SeedSummary) -> Vec<f64>| {
        montecarlo::daily_bands(
            &runs.iter().map(|r| f(&r.result)).collect::<Vec<_>>(),
            PercentileMethod::NearestRank,
        )
        .map_err(|e| ReportError::Serialise {
            what: "bands.csv".into(),
            message: e.to_string(),
        })
    };
    let close = series(&|s| s.close.iter().map(|p| p.to_f64()).collect())?;
    let volume = series(&|s| s.volume.iter().map(|v| *v as f64).collect())?;
    let mut out = String::from(
        "date,close_p5,close_p25,close_p50,close_p75,close_p95,volume_p5,volume_p25,volume_p50,volume_p75,volume_p95,seeds,scenario_hash,carbonsim_version\n",
    );
    for ((date, c), v) in first.result.dates.iter().zip(&close).zip(&volume) {
        let _ = writeln!(
            out,
            "{date},{:.2},{:.2},{:.2},{:.2},{:.2},{:.0},{:.0},{:.0},{:.0},{:.0},{},{},{VERSION}",
            c.p5,
            c.p25,
            c.p50,
            c.p75,
            c.p95,
            v.p5,
            v.p25,
            v.p50,
            v.p75,
            v.p95,
            runs.len(),
            study.scenario_hash
        );
    }
    Ok(out)
}

/// `seeds.csv`'s compliance columns, one per deadline: `compliance_bp_2021-12-31` (with the
/// cycle, `compliance_bp_2025-12-31_2025-industry`, when two deadlines share the day), or by
/// position (`compliance_bp_1`) for shard files that did not record the deadlines.
fn compliance_columns(study: &ShardOutput<SeedSummary>) -> Vec<String> {
    let widest = study
        .runs
        .iter()
        .map(|r| r.result.compliance_bp.len())
        .max()
        .unwrap_or(0);
    let dated = study
        .runs
        .iter()
        .map(|r| &r.result)
        .find(|s| s.compliance_dates.len() == widest);
    (0..widest)
        .map(|k| match dated {
            Some(s) => match s.shared_deadline_cycle(k) {
                Some(c) => format!("compliance_bp_{}_{c}", s.compliance_dates[k]),
                None => format!("compliance_bp_{}", s.compliance_dates[k]),
            },
            None => format!("compliance_bp_{}", k + 1),
        })
        .collect()
}

fn seeds_csv(study: &ShardOutput<SeedSummary>) -> String {
    let columns = compliance_columns(study);
    let mut out = String::from("seed,volume_t,final_close,max_drawdown,volatility,close_mape,");
    for c in &columns {
        out.push_str(c);
        out.push(',');
    }
    out.push_str("scenario_hash,carbonsim_version\n");
    for r in &study.runs {
        let s = &r.result;
        let c = s.calibration.as_ref();
        let _ = write!(
            out,
            "{},{},{},{},{},{},",
            r.seed,
            s.volume.iter().sum::<u64>(),
            s.close.last().map(ToString::to_string).unwrap_or_default(),
            c.map(|c| format!("{:.6}", c.max_drawdown.simulated))
                .unwrap_or_default(),
            c.map(|c| format!("{:.6}", c.volatility.simulated))
                .unwrap_or_default(),
            c.map(|c| format!("{:.6}", c.close_path.mape))
                .unwrap_or_default(),
        );
        for k in 0..columns.len() {
            if let Some(bp) = s.compliance_bp.get(k) {
                let _ = write!(out, "{bp}");
            }
            out.push(',');
        }
        let _ = writeln!(out, "{},{VERSION}", study.scenario_hash);
    }
    out
}

fn band_chart(study: &ShardOutput<SeedSummary>, name: &str) -> Result<LineChart, ReportError> {
    let Some(first) = study.runs.first() else {
        return Err(ReportError::Serialise {
            what: "price_bands.svg".into(),
            message: "the study has no run".into(),
        });
    };
    let closes: Vec<Vec<f64>> = study
        .runs
        .iter()
        .map(|r| r.result.close.iter().map(|p| p.to_f64()).collect())
        .collect();
    let bands = montecarlo::daily_bands(&closes, PercentileMethod::NearestRank).map_err(|e| {
        ReportError::Serialise {
            what: "price_bands.svg".into(),
            message: e.to_string(),
        }
    })?;
    let dates = &first.result.dates;
    let (from, to) = (dates.first().copied(), dates.last().copied());
    let published = published_close_line(from, to)?;
    // The axis ends at twice the highest median or published close: the upper percentiles of a
    // few runaway seeds would otherwise flatten the rest; what lies above is marked as clipped.
    let cap = published
        .points
        .iter()
        .map(|p| p.1)
        .chain(bands.iter().map(|b| b.p50))
        .fold(0.0, f64::max)
        * 2.0;
    let band = |name: &str, pick: fn(&Bands) -> (f64, f64)| SeriesBand {
        name: name.into(),
        points: dates
            .iter()
            .zip(&bands)
            .map(|(d, b)| {
                let (lo, hi) = pick(b);
                (*d, lo, hi)
            })
            .collect(),
    };
    Ok(LineChart {
        title: format!(
            "Monte Carlo \"{name}\": allowance close over {} seeds",
            study.runs.len()
        ),
        footnote: format!(
            "{ATTRIBUTION} · carbonsim {VERSION}, scenario {}, seeds {}..{}",
            study.scenario_hash,
            study.study_seeds.first,
            study
                .study_seeds
                .first
                .wrapping_add(u64::from(study.study_seeds.count).saturating_sub(1))
        ),
        panels: vec![Panel {
            y_label: axis::ALLOWANCE_PRICE.into(),
            series: vec![
                published,
                TimeSeries {
                    name: "simulated median".into(),
                    points: dates.iter().zip(&bands).map(|(d, b)| (*d, b.p50)).collect(),
                    reference: false,
                },
            ],
            bands: vec![
                band("simulated 5th–95th percentile", |b| (b.p5, b.p95)),
                band("simulated 25th–75th percentile", |b| (b.p25, b.p75)),
            ],
            y_cap: Some(cap),
            signed: false,
        }],
        markers: first
            .result
            .compliance_dates
            .iter()
            .map(|d| (*d, format!("deadline {d}")))
            .collect(),
    })
}

/// The summary of a study (written as `study.json`).
#[derive(Debug, Clone, Serialize)]
pub struct StudySummary<'a> {
    /// carbonsim version.
    pub carbonsim_version: &'a str,
    /// Scenario name.
    pub scenario: &'a str,
    /// Scenario content hash.
    pub scenario_hash: &'a str,
    /// The study's seeds.
    pub study_seeds: SeedRange,
    /// The shard these results cover (`0/1` for a whole study).
    pub shard: Shard,
    /// Seeds run.
    pub runs: usize,
    /// Bands of each calibration statistic.
    pub statistics: Vec<StatisticBands>,
}

/// The study's outputs: `bands.csv`, `seeds.csv`, `study.json`, and `price_bands.svg` when
/// `charts` is on.
///
/// # Errors
/// A chart or serialisation failure.
pub fn outputs(
    study: &ShardOutput<SeedSummary>,
    name: &str,
    charts: bool,
) -> Result<OutputSet, ReportError> {
    let mut set = OutputSet::new();
    set.add("bands.csv", bands_csv(study)?)?;
    set.add("seeds.csv", seeds_csv(study))?;
    let summary = StudySummary {
        carbonsim_version: &study.carbonsim_version,
        scenario: name,
        scenario_hash: &study.scenario_hash,
        study_seeds: study.study_seeds,
        shard: study.shard,
        runs: study.runs.len(),
        statistics: statistic_bands(study),
    };
    let json = serde_json::to_string_pretty(&summary).map_err(|e| ReportError::Serialise {
        what: "study.json".into(),
        message: e.to_string(),
    })?;
    set.add("study.json", json + "\n")?;
    set.add("statistics.md", statistics_table(&summary.statistics))?;
    if charts && !study.runs.is_empty() {
        set.add("price_bands.svg", band_chart(study, name)?.to_svg()?)?;
    }
    Ok(set)
}

/// Adds `study` itself to `set` as `shard-i-of-n.json` (a whole study is `shard-0-of-1.json`),
/// the file `carbonsim merge` reads back with [`montecarlo::read_shard`].
///
/// # Errors
/// A serialisation failure, or a file of that name already in the set.
pub fn add_shard_file(
    set: &mut OutputSet,
    study: &ShardOutput<SeedSummary>,
) -> Result<(), ReportError> {
    let name = format!(
        "shard-{}-of-{}.json",
        study.shard.index(),
        study.shard.count()
    );
    let json = montecarlo::shard_json(study).map_err(|message| ReportError::Serialise {
        what: name.clone(),
        message,
    })?;
    set.add(&name, json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use montecarlo::SeedRun;

    fn summary(bp: &[u64], dates: &[&str]) -> SeedSummary {
        SeedSummary {
            dates: vec![],
            close: vec![],
            volume: vec![5, 7],
            calibration: None,
            compliance_bp: bp.to_vec(),
            compliance_dates: dates.iter().map(|d| d.parse().unwrap()).collect(),
            compliance_cycles: (1..=dates.len()).map(|k| format!("c{k}")).collect(),
            compliance_entities_bp: vec![],
        }
    }

    #[test]
    fn two_deadlines_on_one_day_are_told_apart_by_their_cycles() {
        let dates = ["2024-12-31", "2025-12-31", "2025-12-31"];
        let s = study(vec![summary(&[9900, 9800, 10000], &dates)]);
        assert_eq!(
            compliance_columns(&s),
            [
                "compliance_bp_2024-12-31",
                "compliance_bp_2025-12-31_c2",
                "compliance_bp_2025-12-31_c3"
            ]
        );
        let labels: Vec<String> = compliance_bands(&s)
            .into_iter()
            .map(|b| b.statistic)
            .filter(|l| l.starts_with("compliance by volume"))
            .collect();
        assert_eq!(
            labels,
            [
                "compliance by volume at 2024-12-31",
                "compliance by volume at 2025-12-31 (c2 cycle)",
                "compliance by volume at 2025-12-31 (c3 cycle)"
            ]
        );
    }

    fn study(runs: Vec<SeedSummary>) -> ShardOutput<SeedSummary> {
        ShardOutput {
            carbonsim_version: VERSION.into(),
            scenario_hash: "abc".into(),
            scenario: "demo".into(),
            study_seeds: SeedRange {
                first: 1,
                count: runs.len() as u32,
            },
            shard: Shard::WHOLE,
            runs: runs
                .into_iter()
                .zip(1..)
                .map(|(result, seed)| SeedRun { seed, result })
                .collect(),
        }
    }

    #[test]
    fn seeds_csv_has_one_compliance_column_per_deadline() {
        let dates = ["2021-12-31", "2023-11-15", "2023-12-31"];
        let csv = seeds_csv(&study(vec![
            summary(&[9999, 9999, 9986], &dates),
            summary(&[10000, 9990, 9980], &dates),
        ]));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "seed,volume_t,final_close,max_drawdown,volatility,close_mape,compliance_bp_2021-12-31,\
             compliance_bp_2023-11-15,compliance_bp_2023-12-31,scenario_hash,carbonsim_version"
        );
        assert_eq!(lines[1], format!("1,12,,,,,9999,9999,9986,abc,{VERSION}"));
        assert_eq!(lines[2], format!("2,12,,,,,10000,9990,9980,abc,{VERSION}"));
    }

    #[test]
    fn shard_files_without_names_or_deadlines_still_read() {
        let mut s = study(vec![summary(&[9999, 9986], &["2021-12-31", "2023-12-31"])]);
        let mut json: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(json["scenario"], "demo");
        json.as_object_mut().unwrap().remove("scenario");
        json["runs"][0]["result"]
            .as_object_mut()
            .unwrap()
            .remove("compliance_dates");
        let old: ShardOutput<SeedSummary> = serde_json::from_value(json).unwrap();
        assert_eq!(old.scenario, "");
        s.scenario.clear();
        s.runs[0].result.compliance_dates.clear();
        assert_eq!(old, s);
        let header = seeds_csv(&old).lines().next().unwrap().to_owned();
        assert!(
            header.contains(",compliance_bp_1,compliance_bp_2,"),
            "{header}"
        );
    }
}
