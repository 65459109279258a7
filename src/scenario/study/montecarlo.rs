//! Monte Carlo: run one scenario function over many seeds in parallel, summarise the results in
//! percentile bands, and split a large study into shards that a cluster scheduler runs separately
//! and [`merge`] combines.
//!
//! # Determinism
//! Seeds run in parallel on the current rayon pool, but results are collected in seed-list order,
//! so a study's output is byte-identical for any thread count, and a merge of shards is
//! byte-identical to the unsharded run (its shard is `0/1`). Progress reports arrive in completion
//! order, which varies; they never reach the output.
//!
//! # Sharding
//! `--shard i/n` (0-based `i`) takes the contiguous slice `[i·len/n, (i+1)·len/n)` of the seed
//! list: every seed belongs to exactly one shard, and shard sizes differ by at most one.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The crate version written into every shard output.
pub const CARBONSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The seeds of a study: `first, first + 1, …` (wrapping), `count` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    /// First seed.
    pub first: u64,
    /// Number of seeds.
    pub count: u32,
}

impl SeedRange {
    /// The seeds, in order.
    #[must_use]
    pub fn seeds(self) -> Vec<u64> {
        (0..u64::from(self.count))
            .map(|k| self.first.wrapping_add(k))
            .collect()
    }
}

/// Progress of a run: `done` of `total` seeds finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Seeds finished so far.
    pub done: usize,
    /// Seeds in the run.
    pub total: usize,
}

/// One seed's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedRun<R> {
    /// The seed.
    pub seed: u64,
    /// What the scenario returned.
    pub result: R,
}

/// A failed Monte Carlo run.
#[derive(Debug, Error)]
pub enum MonteCarloError<E> {
    /// The scenario failed for a seed (the first failing seed in seed order is reported).
    #[error("scenario failed for seed {seed}: {error}")]
    Scenario {
        /// The seed.
        seed: u64,
        /// The scenario's error.
        error: E,
    },
}

/// Runs `scenario` for every seed on the current rayon pool (wrap the call in
/// `ThreadPool::install` to choose the thread count) and returns the results in seed order.
/// `progress` is called once per finished seed, from worker threads.
///
/// # Errors
/// [`MonteCarloError::Scenario`] for the first seed, in seed order, whose scenario failed.
pub fn run_seeds<R, E, F, P>(
    seeds: &[u64],
    scenario: F,
    progress: P,
) -> Result<Vec<SeedRun<R>>, MonteCarloError<E>>
where
    R: Send,
    E: Send,
    F: Fn(u64) -> Result<R, E> + Sync,
    P: Fn(Progress) + Sync,
{
    let done = AtomicUsize::new(0);
    let total = seeds.len();
    let results: Vec<Result<R, E>> = seeds
        .par_iter()
        .map(|&seed| {
            let result = scenario(seed);
            let done = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(Progress { done, total });
            result
        })
        .collect();
    seeds
        .iter()
        .zip(results)
        .map(|(&seed, result)| match result {
            Ok(result) => Ok(SeedRun { seed, result }),
            Err(error) => Err(MonteCarloError::Scenario { seed, error }),
        })
        .collect()
}

/// How a percentile is read from a sorted sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentileMethod {
    /// Nearest rank: the `⌈p/100 · n⌉`-th smallest value (at least the first); always a sample.
    NearestRank,
    /// Linear interpolation between closest ranks at `h = (n − 1) · p/100` (Hyndman–Fan type 7,
    /// the default of `R` and `NumPy`).
    Linear,
}

/// The p5/p25/p50/p75/p95 band of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bands {
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// The `p`-th percentile (`0 ≤ p ≤ 100`) of an ascending, non-empty sample.
#[must_use]
pub fn percentile(sorted: &[f64], p: f64, method: PercentileMethod) -> Option<f64> {
    let n = sorted.len();
    if n == 0 || !(0.0..=100.0).contains(&p) {
        return None;
    }
    match method {
        PercentileMethod::NearestRank => {
            let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
            sorted.get(rank.min(n) - 1).copied()
        }
        PercentileMethod::Linear => {
            let h = (n - 1) as f64 * p / 100.0;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
        }
    }
}

/// The bands of a sample (any order); `None` when it is empty or holds a NaN.
#[must_use]
pub fn bands(sample: &[f64], method: PercentileMethod) -> Option<Bands> {
    if sample.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |p| percentile(&sorted, p, method);
    Some(Bands {
        p5: at(5.0)?,
        p25: at(25.0)?,
        p50: at(50.0)?,
        p75: at(75.0)?,
        p95: at(95.0)?,
    })
}

/// A bad input to [`daily_bands`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BandsError {
    /// Runs of different lengths.
    #[error("run {run} has {len} days, run 0 has {expected}")]
    RaggedRuns {
        /// The run index.
        run: usize,
        /// Its length.
        len: usize,
        /// The first run's length.
        expected: usize,
    },
    /// No run, or a NaN on some day.
    #[error("no bands on day {day}: no run or a NaN value")]
    NoBands {
        /// The day index.
        day: usize,
    },
}

/// Bands per day across runs (`runs[run][day]`).
///
/// # Errors
/// [`BandsError`] when runs differ in length, there is no run, or a value is NaN.
pub fn daily_bands(runs: &[Vec<f64>], method: PercentileMethod) -> Result<Vec<Bands>, BandsError> {
    let expected = runs.first().ok_or(BandsError::NoBands { day: 0 })?.len();
    if let Some((run, r)) = runs.iter().enumerate().find(|(_, r)| r.len() != expected) {
        return Err(BandsError::RaggedRuns {
            run,
            len: r.len(),
            expected,
        });
    }
    let mut column = Vec::with_capacity(runs.len());
    (0..expected)
        .map(|day| {
            column.clear();
            column.extend(runs.iter().map(|r| r[day]));
            bands(&column, method).ok_or(BandsError::NoBands { day })
        })
        .collect()
}

/// A bad `--shard` value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShardError {
    /// Not of the form `i/n`.
    #[error("shard {text:?} is not of the form i/n (e.g. 2/8)")]
    Malformed {
        /// The text.
        text: String,
    },
    /// `n` is zero.
    #[error("shard count is 0 in {text:?}: there must be at least one shard")]
    ZeroCount {
        /// The text.
        text: String,
    },
    /// `i ≥ n`.
    #[error("shard index {index} is out of range for {count} shards (indices run 0..{count})")]
    IndexOutOfRange {
        /// The index.
        index: u32,
        /// The count.
        count: u32,
    },
}

/// Shard `index` of `count` (0-based), written `index/count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// The whole study as one shard (`0/1`).
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`.
    ///
    /// # Errors
    /// [`ShardError::ZeroCount`] or [`ShardError::IndexOutOfRange`].
    pub fn try_new(index: u32, count: u32) -> Result<Self, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount {
                text: format!("{index}/{count}"),
            });
        }
        if index >= count {
            return Err(ShardError::IndexOutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// The 0-based index.
    #[must_use]
    pub fn index(self) -> u32 {
        self.index
    }

    /// The number of shards.
    #[must_use]
    pub fn count(self) -> u32 {
        self.count
    }

    /// This shard's contiguous slice of `items`.
    #[must_use]
    pub fn slice<T>(self, items: &[T]) -> &[T] {
        let len = items.len() as u128;
        let bound = |i: u32| (u128::from(i) * len / u128::from(self.count)) as usize;
        &items[bound(self.index)..bound(self.index + 1)]
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, ShardError> {
        let malformed = || ShardError::Malformed { text: text.into() };
        let (i, n) = text.trim().split_once('/').ok_or_else(malformed)?;
        let index: u32 = i.trim().parse().map_err(|_| malformed())?;
        let count: u32 = n.trim().parse().map_err(|_| malformed())?;
        if count == 0 {
            return Err(ShardError::ZeroCount { text: text.into() });
        }
        Shard::try_new(index, count)
    }
}

impl Serialize for Shard {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The output of one shard (or, with shard `0/1`, of a whole study or a merge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardOutput<R> {
    /// The carbonsim version that produced it.
    pub carbonsim_version: String,
    /// The scenario's content hash.
    pub scenario_hash: String,
    /// The scenario's name, which `carbonsim merge` shows by default. Shard files written before
    /// it was recorded lack it and read as empty; a merge of them shows the hash instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scenario: String,
    /// The study's seeds.
    pub study_seeds: SeedRange,
    /// Which shard this is.
    pub shard: Shard,
    /// The runs, in seed order.
    pub runs: Vec<SeedRun<R>>,
}

/// Runs shard `shard` of the study `study_seeds` of the scenario with hash `scenario_hash`.
///
/// # Errors
/// [`MonteCarloError::Scenario`] for the first failing seed.
pub fn run_shard<R, E, F, P>(
    scenario_hash: &str,
    study_seeds: SeedRange,
    shard: Shard,
    scenario: F,
    progress: P,
) -> Result<ShardOutput<R>, MonteCarloError<E>>
where
    R: Send,
    E: Send,
    F: Fn(u64) -> Result<R, E> + Sync,
    P: Fn(Progress) + Sync,
{
    let seeds = study_seeds.seeds();
    let runs = run_seeds(shard.slice(&seeds), scenario, progress)?;
    Ok(ShardOutput {
        carbonsim_version: CARBONSIM_VERSION.into(),
        scenario_hash: scenario_hash.into(),
        scenario: String::new(),
        study_seeds,
        shard,
        runs,
    })
}

/// Why shards cannot be merged, or a shard file cannot be read or written.
#[derive(Debug, Error)]
pub enum MergeError {
    /// No shard given.
    #[error("no shard to merge")]
    NoShards,
    /// Shards of different scenarios.
    #[error(
        "shard {shard} is of scenario {found}, not {expected}: shards of different scenarios cannot be merged"
    )]
    ScenarioMismatch {
        /// The first shard's scenario hash.
        expected: String,
        /// The offending hash.
        found: String,
        /// The offending shard.
        shard: Shard,
    },
    /// Shards of different carbonsim versions.
    #[error("shard {shard} was made by carbonsim {found}, not {expected}")]
    VersionMismatch {
        /// The first shard's version.
        expected: String,
        /// The offending version.
        found: String,
        /// The offending shard.
        shard: Shard,
    },
    /// Shards of different seed lists.
    #[error("shard {shard} covers seeds {found:?}, not {expected:?}")]
    StudyMismatch {
        /// The first shard's seeds.
        expected: SeedRange,
        /// The offending seeds.
        found: SeedRange,
        /// The offending shard.
        shard: Shard,
    },
    /// A seed appears twice.
    #[error("seed {seed} appears more than once (again in shard {shard})")]
    DuplicateSeed {
        /// The seed.
        seed: u64,
        /// The shard where it appears again.
        shard: Shard,
    },
    /// A seed outside the study.
    #[error("seed {seed} in shard {shard} is not one of the study's seeds")]
    UnexpectedSeed {
        /// The seed.
        seed: u64,
        /// Its shard.
        shard: Shard,
    },
    /// Seeds of the study that no shard holds.
    #[error("{count} seeds missing, first {first:?}")]
    MissingSeeds {
        /// How many.
        count: usize,
        /// The first (up to ten) missing seeds.
        first: Vec<u64>,
    },
    /// A shard file could not be read or written.
    #[error("shard file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        message: String,
    },
}

/// Merges shard outputs into one output (shard `0/1`) with runs in seed order, refusing shards
/// of different scenarios, versions or seed lists, duplicate seeds, foreign seeds and missing
/// seeds.
///
/// # Errors
/// [`MergeError`] naming the offending shard and values.
pub fn merge<R>(shards: Vec<ShardOutput<R>>) -> Result<ShardOutput<R>, MergeError> {
    let first = shards.first().ok_or(MergeError::NoShards)?;
    let (hash, version, study) = (
        first.scenario_hash.clone(),
        first.carbonsim_version.clone(),
        first.study_seeds,
    );
    // The hash covers the name, so shards of one scenario agree on it (older shards lack it).
    let name = shards
        .iter()
        .find(|s| !s.scenario.is_empty())
        .map(|s| s.scenario.clone());
    let expected: Vec<u64> = study.seeds();
    let position = |seed: u64| expected.binary_search(&seed).ok();
    let wrapped = expected.windows(2).any(|w| w[0] >= w[1]);
    let mut seen = BTreeSet::new();
    for s in &shards {
        if s.scenario_hash != hash {
            return Err(MergeError::ScenarioMismatch {
                expected: hash,
                found: s.scenario_hash.clone(),
                shard: s.shard,
            });
        }
        if s.carbonsim_version != version {
            return Err(MergeError::VersionMismatch {
                expected: version,
                found: s.carbonsim_version.clone(),
                shard: s.shard,
            });
        }
        if s.study_seeds != study {
            return Err(MergeError::StudyMismatch {
                expected: study,
                found: s.study_seeds,
                shard: s.shard,
            });
        }
        for run in &s.runs {
            let known = if wrapped {
                expected.contains(&run.seed)
            } else {
                position(run.seed).is_some()
            };
            if !known {
                return Err(MergeError::UnexpectedSeed {
                    seed: run.seed,
                    shard: s.shard,
                });
            }
            if !seen.insert(run.seed) {
                return Err(MergeError::DuplicateSeed {
                    seed: run.seed,
                    shard: s.shard,
                });
            }
        }
    }
    no_missing_seeds(&expected, &seen)?;
    let mut runs: Vec<SeedRun<R>> = shards.into_iter().flat_map(|s| s.runs).collect();
    // Seed-list order: the study's seeds are `first + k`, so the offset from `first` orders them
    // even when the range wraps past u64::MAX.
    runs.sort_by_key(|r| r.seed.wrapping_sub(study.first));
    Ok(ShardOutput {
        carbonsim_version: version,
        scenario_hash: hash,
        scenario: name.unwrap_or_default(),
        study_seeds: study,
        shard: Shard::WHOLE,
        runs,
    })
}

/// [`MergeError::MissingSeeds`] when a seed of `expected` was not `seen`.
fn no_missing_seeds(expected: &[u64], seen: &BTreeSet<u64>) -> Result<(), MergeError> {
    let missing: Vec<u64> = expected
        .iter()
        .copied()
        .filter(|s| !seen.contains(s))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(MergeError::MissingSeeds {
        count: missing.len(),
        first: missing.into_iter().take(10).collect(),
    })
}

/// Writes `output` as pretty JSON to `path` whole: to a temporary file beside it, then renamed.
///
/// # Errors
/// [`MergeError::File`] when the file cannot be written.
pub fn write_shard<R: Serialize>(path: &Path, output: &ShardOutput<R>) -> Result<(), MergeError> {
    let file_error = |message: String| MergeError::File {
        path: path.display().to_string(),
        message,
    };
    let text = shard_json(output).map_err(file_error)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text).map_err(|e| file_error(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        // Leave nothing half-written behind.
        let _ = std::fs::remove_file(&tmp);
        file_error(e.to_string())
    })
}

/// Reads a shard file written by [`write_shard`].
///
/// # Errors
/// [`MergeError::File`] when it cannot be read or parsed.
pub fn read_shard<R: DeserializeOwned>(path: &Path) -> Result<ShardOutput<R>, MergeError> {
    let file_error = |message: String| MergeError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    parse_shard(&text).map_err(file_error)
}

/// A shard file's text: the shard as JSON with a `checksum` of its content (FNV-1a 64 of the
/// compact JSON with keys in order), so that a file edited by hand is refused on reading.
///
/// # Errors
/// The serialiser's message.
pub fn shard_json<R: Serialize>(output: &ShardOutput<R>) -> Result<String, String> {
    checked_json(output)
}

/// Any value as pretty JSON with a `checksum` of its content, as shard files are written (a
/// sweep's shards use it too).
///
/// # Errors
/// The serialiser's message, or a value that is not a JSON object.
pub fn checked_json<T: Serialize>(output: &T) -> Result<String, String> {
    let mut value = serde_json::to_value(output).map_err(|e| e.to_string())?;
    let sum = content_checksum(&value)?;
    let serde_json::Value::Object(map) = &mut value else {
        return Err("a checked file holds a JSON object".into());
    };
    map.insert("checksum".into(), serde_json::Value::String(sum));
    serde_json::to_string_pretty(&value)
        .map(|t| t + "\n")
        .map_err(|e| e.to_string())
}

/// Reads a shard file's text, checking its `checksum` (files written before checksums were
/// recorded have none and are read as they are).
///
/// # Errors
/// A message naming the mismatch, or the parser's message.
pub fn parse_shard<R: DeserializeOwned>(text: &str) -> Result<ShardOutput<R>, String> {
    parse_checked(text)
}

/// Reads text written by [`checked_json`], refusing it when the content does not match its
/// checksum.
///
/// # Errors
/// A message naming the mismatch, or the parser's message.
pub fn parse_checked<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let recorded = match &mut value {
        serde_json::Value::Object(map) => map.remove("checksum"),
        _ => None,
    };
    if let Some(recorded) = recorded {
        let actual = content_checksum(&value)?;
        if recorded.as_str() != Some(actual.as_str()) {
            return Err(format!(
                "its content does not match its checksum {recorded} (computed {actual}): the file was changed after it was written"
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn content_checksum(value: &serde_json::Value) -> Result<String, String> {
    let compact = serde_json::to_string(value).map_err(|e| e.to_string())?;
    Ok(format!(
        "{:016x}",
        crate::scenario::config::fnv1a64(compact.as_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::agent_rng;
    use rand::Rng;
    use std::sync::Mutex;

    /// A small random walk per seed: a stand-in for a scenario.
    fn walk(seed: u64) -> Result<Vec<f64>, String> {
        if seed == 13 {
            return Err("unlucky".into());
        }
        let mut rng = agent_rng(seed, 0);
        let mut x = 50.0;
        Ok((0..20)
            .map(|_| {
                x *= 1.0 + rng.random_range(-0.02..0.02);
                x
            })
            .collect())
    }

    fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build();
        pool.map_or_else(|e| panic!("pool: {e}"), |p| p.install(f))
    }

    fn study(count: u32) -> SeedRange {
        SeedRange { first: 100, count }
    }

    fn shard_json(threads: usize, shard: Shard) -> String {
        let out = on_threads(threads, || run_shard("abc", study(40), shard, walk, |_| {}));
        let out = out.unwrap_or_else(|e| panic!("{e}"));
        serde_json::to_string(&out).unwrap_or_default()
    }

    #[test]
    fn outputs_are_byte_identical_for_one_and_two_threads() {
        let one = shard_json(1, Shard::WHOLE);
        let two = shard_json(2, Shard::WHOLE);
        assert_eq!(one, two);
        assert!(one.contains("\"shard\":\"0/1\"") && one.contains(CARBONSIM_VERSION));
    }

    #[test]
    fn progress_is_reported_once_per_seed() {
        let seen = Mutex::new(Vec::new());
        let runs = on_threads(2, || {
            run_seeds(&study(30).seeds(), walk, |p| {
                if let Ok(mut v) = seen.lock() {
                    v.push(p);
                }
            })
        });
        assert_eq!(runs.map(|r| r.len()).ok(), Some(30));
        let mut done: Vec<usize> = seen
            .into_inner()
            .unwrap_or_default()
            .iter()
            .map(|p| p.done)
            .collect();
        done.sort_unstable();
        assert_eq!(done, (1..=30).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_failing_seed_in_order_is_reported() {
        let err = run_seeds(&[20, 13, 14], walk, |_| {}).err();
        assert!(matches!(
            err,
            Some(MonteCarloError::Scenario { seed: 13, .. })
        ));
        assert!(err.is_some_and(|e| e.to_string().contains("seed 13: unlucky")));
    }

    #[test]
    fn percentiles_by_both_methods_by_hand() {
        let s = [15.0, 20.0, 35.0, 40.0, 50.0];
        let nr = |p| percentile(&s, p, PercentileMethod::NearestRank);
        assert_eq!(
            (nr(5.0), nr(30.0), nr(40.0), nr(50.0), nr(100.0)),
            (Some(15.0), Some(20.0), Some(20.0), Some(35.0), Some(50.0))
        );
        let li = |p| percentile(&s, p, PercentileMethod::Linear);
        assert_eq!(
            (li(0.0), li(25.0), li(40.0), li(100.0)),
            (Some(15.0), Some(20.0), Some(29.0), Some(50.0))
        );
        assert_eq!(percentile(&[], 50.0, PercentileMethod::Linear), None);
        assert_eq!(percentile(&s, 101.0, PercentileMethod::Linear), None);
        let b = bands(&[50.0, 40.0, 35.0, 20.0, 15.0], PercentileMethod::Linear);
        assert_eq!(b.map(|b| (b.p25, b.p50, b.p75)), Some((20.0, 35.0, 40.0)));
        assert_eq!(bands(&[1.0, f64::NAN], PercentileMethod::Linear), None);
    }

    #[test]
    fn daily_bands_per_day_and_ragged_runs() {
        let runs: Vec<Vec<f64>> = (0..5)
            .map(|r| vec![f64::from(r), 10.0 * f64::from(r)])
            .collect();
        let b = daily_bands(&runs, PercentileMethod::NearestRank).unwrap_or_default();
        assert_eq!(b.iter().map(|b| b.p50).collect::<Vec<_>>(), vec![2.0, 20.0]);
        assert!((b[1].p95 - 40.0).abs() < 1e-12);
        let ragged = vec![vec![1.0, 2.0], vec![1.0]];
        assert_eq!(
            daily_bands(&ragged, PercentileMethod::Linear),
            Err(BandsError::RaggedRuns {
                run: 1,
                len: 1,
                expected: 2
            })
        );
        assert_eq!(
            daily_bands(&[], PercentileMethod::Linear),
            Err(BandsError::NoBands { day: 0 })
        );
    }

    #[test]
    fn a_shard_file_edited_after_writing_is_refused() {
        let walk12 = |seed: u64| {
            if seed == 13 {
                Ok(vec![1.0])
            } else {
                walk(seed)
            }
        };
        let shard = Shard::try_new(0, 2).unwrap();
        let out =
            run_shard("abc", study(12), shard, walk12, |_| {}).unwrap_or_else(|e| panic!("{e}"));
        let text = super::shard_json(&out).unwrap();
        assert!(text.contains("\"checksum\""));
        let back: ShardOutput<Vec<f64>> = parse_shard(&text).unwrap();
        assert_eq!(back, out);
        // A seed changed by hand: refused, naming the checksum.
        let edited = text.replacen("\"seed\": 100", "\"seed\": 999", 1);
        assert_ne!(edited, text);
        let err = parse_shard::<Vec<f64>>(&edited).unwrap_err();
        assert!(err.contains("does not match its checksum"), "{err}");
        // A file from before checksums reads as it is.
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value.as_object_mut().unwrap().remove("checksum");
        let old: ShardOutput<Vec<f64>> = parse_shard(&value.to_string()).unwrap();
        assert_eq!(old, out);
    }

    #[test]
    fn shard_parsing_and_errors() {
        assert_eq!(
            "2/8".parse::<Shard>().map(|s| (s.index(), s.count())),
            Ok((2, 8))
        );
        assert_eq!(
            "2/8".parse::<Shard>().map(|s| s.to_string()),
            Ok("2/8".into())
        );
        assert_eq!(
            "8/8".parse::<Shard>(),
            Err(ShardError::IndexOutOfRange { index: 8, count: 8 })
        );
        assert_eq!(
            "0/0".parse::<Shard>(),
            Err(ShardError::ZeroCount { text: "0/0".into() })
        );
        for bad in ["", "2", "a/8", "2/8/1", "-1/8"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn shards_partition_the_seed_list() {
        let seeds: Vec<u64> = (0..10).collect();
        let parts: Vec<&[u64]> = (0..3)
            .map(|i| Shard::try_new(i, 3).map_or(&[][..], |s| s.slice(&seeds)))
            .collect();
        assert_eq!(
            parts,
            vec![&[0, 1, 2][..], &[3, 4, 5][..], &[6, 7, 8, 9][..]]
        );
        let many = Shard::try_new(4, 8).map(|s| s.slice(&seeds[..3]).len());
        assert_eq!(many, Ok(0));
    }

    fn shards(n: u32) -> Vec<ShardOutput<Vec<f64>>> {
        (0..n)
            .map(|i| {
                let shard = Shard::try_new(i, n).unwrap_or(Shard::WHOLE);
                run_shard("abc", study(40), shard, walk, |_| {}).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect()
    }

    #[test]
    fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
        let mut parts = shards(3);
        parts.reverse();
        let merged = merge(parts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string(&merged).unwrap_or_default(),
            shard_json(2, Shard::WHOLE)
        );
    }

    #[test]
    fn merge_refuses_mismatches_duplicates_and_gaps() {
        let mut parts = shards(3);
        parts[1].scenario_hash = "other".into();
        let err = merge(parts)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("shard 1/3 is of scenario other, not abc"),
            "{err}"
        );

        let mut parts = shards(3);
        parts.push(parts[0].clone());
        let err = merge(parts)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("seed 100 appears more than once"), "{err}");

        let mut parts = shards(3);
        parts.remove(1);
        let err = merge(parts).err();
        assert!(
            matches!(&err, Some(MergeError::MissingSeeds { count: 13, first }) if first[0] == 113),
            "{err:?}"
        );

        let mut parts = shards(2);
        parts[0].runs[0].seed = 7;
        assert!(matches!(
            merge(parts),
            Err(MergeError::UnexpectedSeed { seed: 7, .. })
        ));
        assert!(matches!(
            merge::<f64>(Vec::new()),
            Err(MergeError::NoShards)
        ));
    }

    #[test]
    fn shard_files_round_trip_and_bad_files_are_named() {
        let dir = std::env::temp_dir().join(format!("carbonsim-mc-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("shard-0.json");
        let part = shards(1).remove(0);
        assert!(write_shard(&path, &part).is_ok());
        let back: Result<ShardOutput<Vec<f64>>, _> = read_shard(&path);
        assert_eq!(back.ok().as_ref(), Some(&part));
        let missing = read_shard::<f64>(&dir.join("none.json"))
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("none.json")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
