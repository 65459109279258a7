//! Side-by-side comparison of output folders: runs (`carbonsim run`), Monte Carlo studies
//! (`carbonsim montecarlo` or a `merge` of its shards) and sweeps (`carbonsim sweep` or a merge
//! of its shards), each of whose points counts as a study over its seeds.
//!
//! Every folder's `manifest.json` is read first: folders written by different carbonsim versions
//! are refused before anything else is read, since their statistics may be defined differently.
//! Each statistic is the calibration statistic of `report.json` (a run) or the median with its
//! 5th and 95th percentiles from `study.json` (a study); the first folder is the baseline the
//! others are differenced against. The price chart overlays every folder's allowance close (a
//! study's median and its 5th–95th band) on the published series.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use indexmap::IndexMap;
use serde::Deserialize;
use thiserror::Error;

use super::headline::calibration_values;
use super::montecarlo::{PercentileMethod, bands, daily_bands};
use super::stats::CalibrationReport;
use super::{SeedSummary, StatisticBands};
use crate::history::ATTRIBUTION;
use crate::report::{LineChart, Manifest, Panel, ReportError, SeriesBand, TimeSeries, axis};
use crate::scenario::agent_based::report::published_close_line;

/// Folders that cannot be compared.
#[derive(Debug, Error)]
pub enum CompareError {
    /// Fewer than two folders.
    #[error("compare needs at least two folders, {given} given")]
    TooFew {
        /// How many were given.
        given: usize,
    },
    /// A folder without a manifest.
    #[error("{path} has no manifest.json: it is not a carbonsim output folder")]
    NoManifest {
        /// The folder.
        path: PathBuf,
    },
    /// Folders of different carbonsim versions.
    #[error(
        "{path} was written by carbonsim {found}, {first} by carbonsim {expected}: statistics of different versions may not mean the same; rerun both with one version"
    )]
    Version {
        /// The offending folder.
        path: PathBuf,
        /// Its version.
        found: String,
        /// The first folder.
        first: PathBuf,
        /// Its version.
        expected: String,
    },
    /// A folder of a command compare does not read.
    #[error(
        "{path} holds the output of `{command}`: compare reads the folders of `run`, `montecarlo` and `sweep` (or a `merge` of their shards)"
    )]
    Unsupported {
        /// The folder.
        path: PathBuf,
        /// The command that wrote it.
        command: String,
    },
    /// A file that cannot be read or parsed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// One statistic of one folder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    /// The run's value, or the study's median.
    pub value: f64,
    /// A study's 5th and 95th percentiles.
    pub band: Option<(f64, f64)>,
}

/// What compare reads of one folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Its label (the folder's name, made unique).
    pub label: String,
    /// Its statistics by name, with their published values.
    pub statistics: IndexMap<String, (Option<f64>, Value)>,
    /// The allowance close per day: a run's close, or a study's median with its 5th–95th band.
    pub close: Vec<(NaiveDate, Value)>,
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> CompareError {
    CompareError::File {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// The manifests of `dirs`, refusing fewer than two folders and mixed versions.
///
/// # Errors
/// [`CompareError`] naming the folder.
pub fn manifests(dirs: &[PathBuf]) -> Result<Vec<Manifest>, CompareError> {
    if dirs.len() < 2 {
        return Err(CompareError::TooFew { given: dirs.len() });
    }
    let mut out: Vec<Manifest> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let m = Manifest::read(dir)
            .map_err(|e| file_error(dir, e))?
            .ok_or_else(|| CompareError::NoManifest { path: dir.clone() })?;
        if let Some(first) = out
            .first()
            .filter(|f| f.carbonsim_version != m.carbonsim_version)
        {
            return Err(CompareError::Version {
                path: dir.clone(),
                found: m.carbonsim_version,
                first: dirs[0].clone(),
                expected: first.carbonsim_version.clone(),
            });
        }
        out.push(m);
    }
    Ok(out)
}

/// Reads one folder written by `manifest.command`: one input for a run or a Monte Carlo study,
/// one per point for a sweep (labelled `<label>:p<point>`).
///
/// # Errors
/// [`CompareError`] for an unsupported command or a file that cannot be read.
pub fn load(dir: &Path, manifest: &Manifest, label: &str) -> Result<Vec<Input>, CompareError> {
    let has = |f: &str| dir.join(f).exists();
    match manifest.command.as_str() {
        "run" => Ok(vec![load_run(dir, label.to_owned())?]),
        "montecarlo" | "merge" if has("study.json") => Ok(vec![load_study(dir, label.to_owned())?]),
        "sweep" | "merge" if has("sweep.json") => load_sweep(dir, label),
        other => Err(CompareError::Unsupported {
            path: dir.to_owned(),
            command: other.to_owned(),
        }),
    }
}

/// One input per point of the sweep in `dir`, from its `shard-0-of-1.json`: each point's
/// statistics and daily close as bands over its seeds.
fn load_sweep(dir: &Path, label: &str) -> Result<Vec<Input>, CompareError> {
    let path = dir.join("shard-0-of-1.json");
    let sweep = super::sweep::parse_shard(&path.display().to_string(), &read(&path)?)
        .map_err(|e| file_error(&path, e))?;
    (0..sweep.sweep.points.len())
        .map(|point| {
            let runs: Vec<&SeedSummary> = sweep
                .runs
                .iter()
                .filter(|r| r.point == point)
                .map(|r| &r.summary)
                .collect();
            point_input(&runs, format!("{label}:p{point}")).map_err(|e| file_error(&path, e))
        })
        .collect()
}

/// A study's input from its runs: per statistic and per day, the median and 5th–95th band.
fn point_input(runs: &[&SeedSummary], label: String) -> Result<Input, String> {
    let reports: Vec<Vec<(String, f64, f64)>> = runs
        .iter()
        .filter_map(|r| r.calibration.as_ref().map(calibration_values))
        .collect();
    let mut statistics = IndexMap::new();
    for (k, (name, _, published)) in reports
        .first()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let sample: Vec<f64> = reports
            .iter()
            .map(|v| v.get(k).map_or(f64::NAN, |x| x.1))
            .collect();
        if let Some(b) = bands(&sample, PercentileMethod::NearestRank) {
            let published = (!published.is_nan()).then_some(published);
            let value = Value {
                value: b.p50,
                band: Some((b.p5, b.p95)),
            };
            statistics.insert(name, (published, value));
        }
    }
    let closes: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| r.close.iter().map(|c| c.to_f64()).collect())
        .collect();
    let daily = daily_bands(&closes, PercentileMethod::NearestRank).map_err(|e| e.to_string())?;
    let dates = runs.first().map(|r| r.dates.as_slice()).unwrap_or_default();
    let close = dates
        .iter()
        .zip(daily)
        .map(|(d, b)| {
            (
                *d,
                Value {
                    value: b.p50,
                    band: Some((b.p5, b.p95)),
                },
            )
        })
        .collect();
    Ok(Input {
        label,
        statistics,
        close,
    })
}

fn read(path: &Path) -> Result<String, CompareError> {
    std::fs::read_to_string(path).map_err(|e| file_error(path, e))
}

fn load_run(dir: &Path, label: String) -> Result<Input, CompareError> {
    #[derive(Deserialize)]
    struct Report {
        calibration: Option<CalibrationReport>,
    }
    let path = dir.join("report.json");
    let report: Report = serde_json::from_str(&read(&path)?).map_err(|e| file_error(&path, e))?;
    let statistics = report
        .calibration
        .as_ref()
        .map(calibration_values)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value, published)| {
            let published = (!published.is_nan()).then_some(published);
            (name, (published, Value { value, band: None }))
        })
        .collect();
    let path = dir.join("daily.csv");
    let mut close = Vec::new();
    for row in csv_rows(&path, &["date", "subject", "close"])? {
        if row[1] == "COMCEA" {
            close.push((date(&path, &row[0])?, value(&path, &row[2])?));
        }
    }
    Ok(Input {
        label,
        statistics,
        close,
    })
}

fn load_study(dir: &Path, label: String) -> Result<Input, CompareError> {
    #[derive(Deserialize)]
    struct Study {
        statistics: Vec<StatisticBands>,
    }
    let path = dir.join("study.json");
    let study: Study = serde_json::from_str(&read(&path)?).map_err(|e| file_error(&path, e))?;
    let statistics = study
        .statistics
        .into_iter()
        .filter_map(|s| {
            let b = s.bands?;
            Some((
                s.statistic,
                (
                    s.published,
                    Value {
                        value: b.p50,
                        band: Some((b.p5, b.p95)),
                    },
                ),
            ))
        })
        .collect();
    let path = dir.join("bands.csv");
    let mut close = Vec::new();
    for row in csv_rows(&path, &["date", "close_p5", "close_p50", "close_p95"])? {
        let (lo, mid, hi) = (
            value(&path, &row[1])?,
            value(&path, &row[2])?,
            value(&path, &row[3])?,
        );
        close.push((
            date(&path, &row[0])?,
            Value {
                value: mid.value,
                band: Some((lo.value, hi.value)),
            },
        ));
    }
    Ok(Input {
        label,
        statistics,
        close,
    })
}

fn date(path: &Path, text: &str) -> Result<NaiveDate, CompareError> {
    text.parse()
        .map_err(|_| file_error(path, format!("{text:?} is not a date")))
}

fn value(path: &Path, text: &str) -> Result<Value, CompareError> {
    let value = text
        .parse()
        .map_err(|_| file_error(path, format!("{text:?} is not a number")))?;
    Ok(Value { value, band: None })
}

/// The named columns of every row of a CSV file.
fn csv_rows(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>, CompareError> {
    let text = read(path)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| file_error(path, e))?.clone();
    let index: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| file_error(path, format!("no column {c}")))
        })
        .collect::<Result<_, _>>()?;
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| file_error(path, e))?;
            Ok(index
                .iter()
                .map(|&i| r.get(i).unwrap_or_default().to_owned())
                .collect())
        })
        .collect()
}

/// Unique labels for `dirs`: each folder's name, numbered when two share one.
#[must_use]
pub fn labels(dirs: &[PathBuf]) -> Vec<String> {
    let names: Vec<String> = dirs
        .iter()
        .map(|d| {
            d.file_name().map_or_else(
                || d.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if names.iter().filter(|m| *m == n).count() > 1 {
                format!("{}#{}", n, i + 1)
            } else {
                n.clone()
            }
        })
        .collect()
}

fn number(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!("{}", v + 0.0))
        .unwrap_or_default()
}

/// `compare.csv`: one row per statistic; the published value; per folder its value (a study's
/// median) with `_p5`/`_p95` (studies only); per folder after the first, its difference from the
/// first (`B_minus_A`).
///
/// # Errors
/// A CSV serialisation failure.
pub fn compare_csv(inputs: &[Input]) -> Result<String, ReportError> {
    let mut names: IndexMap<&str, Option<f64>> = IndexMap::new();
    for input in inputs {
        for (name, (published, _)) in &input.statistics {
            let e = names.entry(name.as_str()).or_insert(None);
            *e = e.or(*published);
        }
    }
    let mut header = vec!["statistic".to_owned(), "published".to_owned()];
    for i in inputs {
        header.extend([
            i.label.clone(),
            format!("{}_p5", i.label),
            format!("{}_p95", i.label),
        ]);
    }
    let first = inputs.first().map_or("", |i| i.label.as_str());
    header.extend(
        inputs
            .iter()
            .skip(1)
            .map(|i| format!("{}_minus_{first}", i.label)),
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ReportError::Serialise {
        what: "compare.csv".into(),
        message: e.to_string(),
    };
    w.write_record(&header).map_err(fail)?;
    for (name, published) in &names {
        let get = |i: &Input| i.statistics.get(*name).map(|s| s.1);
        let mut row = vec![(*name).to_owned(), number(*published)];
        for i in inputs {
            let v = get(i);
            row.extend([
                number(v.map(|v| v.value)),
                number(v.and_then(|v| v.band).map(|b| b.0)),
                number(v.and_then(|v| v.band).map(|b| b.1)),
            ]);
        }
        let base = inputs.first().and_then(get).map(|v| v.value);
        for i in inputs.iter().skip(1) {
            row.push(number(
                get(i).map(|v| v.value).zip(base).map(|(v, b)| v - b),
            ));
        }
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w.into_inner().map_err(|e| ReportError::Serialise {
        what: "compare.csv".into(),
        message: e.to_string(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The overlay price chart: the published close, then each folder's close (a study's median
/// with its 5th–95th band; medians only when there are more than two studies).
///
/// # Errors
/// [`ReportError`] when the published series cannot be read.
pub fn chart(inputs: &[Input]) -> Result<LineChart, ReportError> {
    let dates = inputs.iter().flat_map(|i| i.close.iter().map(|c| c.0));
    let (from, to) = (dates.clone().min(), dates.max());
    let mut series = vec![published_close_line(from, to)?];
    let mut bands = Vec::new();
    // Studies first: the chart colours the k-th band and the k-th line alike, so a study's
    // median and its band share a colour.
    let is_study = |i: &Input| i.close.iter().any(|c| c.1.band.is_some());
    let ordered = inputs
        .iter()
        .filter(|i| is_study(i))
        .chain(inputs.iter().filter(|i| !is_study(i)));
    // Bands of more than two studies hide each other: beyond two, medians only.
    let show_bands = inputs.iter().filter(|i| is_study(i)).count() <= 2;
    for input in ordered {
        let study = is_study(input);
        series.push(TimeSeries {
            name: if study {
                format!("{} (median)", input.label)
            } else {
                input.label.clone()
            },
            points: input.close.iter().map(|(d, v)| (*d, v.value)).collect(),
            reference: false,
        });
        if study && show_bands {
            bands.push(SeriesBand {
                name: format!("{} 5th–95th percentile", input.label),
                points: input
                    .close
                    .iter()
                    .filter_map(|(d, v)| v.band.map(|(lo, hi)| (*d, lo, hi)))
                    .collect(),
            });
        }
    }
    let labels: Vec<&str> = inputs.iter().map(|i| i.label.as_str()).collect();
    Ok(LineChart {
        title: format!("Allowance close: {}", labels.join(" vs ")),
        footnote: format!("{ATTRIBUTION} · carbonsim {}", env!("CARGO_PKG_VERSION")),
        panels: vec![Panel {
            y_label: axis::ALLOWANCE_PRICE.into(),
            series,
            bands,
            y_cap: None,
            signed: false,
        }],
        markers: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(label: &str, value: f64, band: Option<(f64, f64)>) -> Input {
        let mut statistics = IndexMap::new();
        statistics.insert("volatility".to_owned(), (Some(0.3), Value { value, band }));
        Input {
            label: label.into(),
            statistics,
            close: Vec::new(),
        }
    }

    #[test]
    fn columns_side_by_side_with_differences_and_bands() {
        let csv = compare_csv(&[input("a", 0.25, None), input("b", 0.5, Some((0.25, 0.75)))])
            .unwrap_or_default();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "statistic,published,a,a_p5,a_p95,b,b_p5,b_p95,b_minus_a"
        );
        assert_eq!(lines[1], "volatility,0.3,0.25,,,0.5,0.25,0.75,0.25");
    }

    #[test]
    fn labels_are_unique() {
        let dirs = [
            PathBuf::from("x/run"),
            PathBuf::from("y/run"),
            PathBuf::from("z"),
        ];
        assert_eq!(labels(&dirs), ["run#1", "run#2", "z"]);
    }
}
