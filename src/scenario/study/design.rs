//! Experiment designs: which parameter points a sweep or a sensitivity analysis runs.
//!
//! A [`Design`] is a list of parameter paths (dotted, as `--set` takes them) and, per point, one
//! value text per path. Each point becomes a list of [`Override`]s of the scenario, so a design
//! can set nothing that a scenario file could not say, and a bad value is reported exactly as
//! `--set` reports it.
//!
//! - [`grid`]: the cartesian product of `--grid PATH=v1,v2,…` axes, in the order given (the first
//!   axis varies slowest).
//! - [`latin_hypercube`]: `n` points in the box of `--range PATH=lo:hi` ranges, one point in each
//!   of the `n` equal strata of every axis, drawn from a `ChaCha8` stream of the scenario's seed
//!   ([`LHS_STREAM`]), so the same scenario gives the same points on every machine.
//! - [`Design::from_unit`]: points given in the unit cube (as Morris and Saltelli designs are)
//!   scaled into the ranges.
//!
//! Values are written as the field needs them: an integer field gets a rounded integer, a
//! decimal-string field (a price or an amount of money) two decimals, a float field the shortest
//! text that reads back as the same `f64`.

use std::fmt;
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::scenario::config::ScenarioConfig;
use crate::scenario::overrides::{Override, OverrideError};

/// The `ChaCha8` stream of the scenario's seed that draws Latin hypercube points: far from the
/// agents' streams (their indices), so that a design never shares randomness with a run.
pub const LHS_STREAM: u64 = u64::MAX - 1;

/// A design that cannot be built.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DesignError {
    /// `--grid`/`--range` text that does not parse.
    #[error("bad {what} {text:?}: {reason}")]
    Syntax {
        /// `--grid` or `--range`.
        what: &'static str,
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A grid axis without a value.
    #[error("grid axis {path} has no value: give at least one (PATH=v1,v2,…)")]
    EmptyGrid {
        /// The axis' path.
        path: String,
    },
    /// A range whose lower bound is above its upper bound.
    #[error(
        "range of {path} runs from {lo} down to {hi}: the lower bound must not exceed the upper"
    )]
    RangeOrder {
        /// The path.
        path: String,
        /// The lower bound given.
        lo: f64,
        /// The upper bound given.
        hi: f64,
    },
    /// One path given twice.
    #[error("parameter {path} is given twice")]
    DuplicatePath {
        /// The path.
        path: String,
    },
    /// No parameter, or no point.
    #[error("the design is empty: {reason}")]
    Empty {
        /// What is missing.
        reason: String,
    },
    /// A point's value does not fit the scenario (unknown path, wrong type, broken rule).
    #[error("point {point}: {source}")]
    Point {
        /// The point's index.
        point: usize,
        /// What the scenario says.
        #[source]
        source: OverrideError,
    },
}

/// One `--grid PATH=v1,v2,…` axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridAxis {
    path: String,
    values: Vec<String>,
}

impl GridAxis {
    /// The dotted path.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value texts, in order.
    #[must_use]
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

impl FromStr for GridAxis {
    type Err = DesignError;

    /// Parses `PATH=v1,v2,…`; commas inside brackets or quotes (`[1, 2]`, `"a,b"`) do not split.
    fn from_str(text: &str) -> Result<Self, DesignError> {
        let (path, values) = split_path(text, "--grid")?;
        let values: Vec<String> = split_values(values)
            .into_iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(DesignError::EmptyGrid { path });
        }
        Ok(GridAxis { path, values })
    }
}

/// One `--range PATH=lo:hi` (or `--params PATH=lo:hi`) interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    path: String,
    lo: f64,
    hi: f64,
}

impl Range {
    /// The interval `[lo, hi]` of `path`.
    ///
    /// # Errors
    /// [`DesignError::RangeOrder`] when `lo > hi`, [`DesignError::Syntax`] for a bound that is not
    /// finite.
    pub fn try_new(path: &str, lo: f64, hi: f64) -> Result<Self, DesignError> {
        if !lo.is_finite() || !hi.is_finite() {
            return Err(DesignError::Syntax {
                what: "--range",
                text: format!("{path}={lo}:{hi}"),
                reason: "bounds must be finite numbers".into(),
            });
        }
        if lo > hi {
            return Err(DesignError::RangeOrder {
                path: path.into(),
                lo,
                hi,
            });
        }
        Ok(Range {
            path: path.into(),
            lo,
            hi,
        })
    }

    /// The dotted path.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The lower bound.
    #[must_use]
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// The upper bound.
    #[must_use]
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// Where `x` lies in the interval, from 0 at `lo` to 1 at `hi` (clamped; the middle for an
    /// interval of one point).
    #[must_use]
    pub fn unit_of(&self, x: f64) -> f64 {
        if self.hi > self.lo {
            ((x - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    /// The value at `u` in `[0, 1]`: `lo + u · (hi − lo)`.
    #[must_use]
    pub fn at(&self, u: f64) -> f64 {
        self.lo + u * (self.hi - self.lo)
    }
}

impl FromStr for Range {
    type Err = DesignError;

    fn from_str(text: &str) -> Result<Self, DesignError> {
        let (path, bounds) = split_path(text, "--range")?;
        let syntax = |reason: &str| DesignError::Syntax {
            what: "--range",
            text: text.into(),
            reason: reason.into(),
        };
        let (lo, hi) = bounds
            .split_once(':')
            .ok_or_else(|| syntax("expected PATH=lo:hi"))?;
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| syntax(&format!("{:?} is not a number", s.trim())))
        };
        Range::try_new(&path, number(lo)?, number(hi)?)
    }
}

fn split_path<'a>(text: &'a str, what: &'static str) -> Result<(String, &'a str), DesignError> {
    let syntax = |reason: &str| DesignError::Syntax {
        what,
        text: text.into(),
        reason: reason.into(),
    };
    let (path, rest) = text
        .split_once('=')
        .ok_or_else(|| syntax("expected PATH=…"))?;
    let path = path.trim();
    if path.is_empty() || path.split('.').any(|s| s.trim().is_empty()) {
        return Err(syntax("empty path segment"));
    }
    Ok((path.to_owned(), rest))
}

/// Splits on commas outside brackets, braces and double quotes.
fn split_values(text: &str) -> Vec<&str> {
    let (mut depth, mut quoted, mut start) = (0_i32, false, 0);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Parameter paths and, per point, one value text per path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// The dotted paths, in the order given.
    pub parameters: Vec<String>,
    /// Per point, the value text of each parameter.
    pub points: Vec<Vec<String>>,
}

impl Design {
    /// The overrides of point `point` (none for a point that does not exist).
    ///
    /// # Errors
    /// [`DesignError::Point`] when a value does not parse as an override.
    pub fn overrides(&self, point: usize) -> Result<Vec<Override>, DesignError> {
        let Some(values) = self.points.get(point) else {
            return Ok(Vec::new());
        };
        self.parameters
            .iter()
            .zip(values)
            .map(|(p, v)| {
                Override::parse(&format!("{p}={v}"))
                    .map_err(|source| DesignError::Point { point, source })
            })
            .collect()
    }

    /// Points given in the unit cube, one coordinate per range, scaled into the ranges and
    /// written as each field of `base` needs.
    ///
    /// # Errors
    /// [`DesignError::Empty`] without a range or a point.
    pub fn from_unit(
        base: &ScenarioConfig,
        ranges: &[Range],
        unit: &[Vec<f64>],
    ) -> Result<Design, DesignError> {
        let values: Vec<Vec<f64>> = unit
            .iter()
            .map(|u| ranges.iter().zip(u).map(|(r, &x)| r.at(x)).collect())
            .collect();
        Design::from_values(base, ranges, &values)
    }

    /// Points given as values, one per range, written as each field of `base` needs.
    ///
    /// # Errors
    /// [`DesignError::Empty`] without a range or a point.
    pub fn from_values(
        base: &ScenarioConfig,
        ranges: &[Range],
        values: &[Vec<f64>],
    ) -> Result<Design, DesignError> {
        distinct_paths(ranges.iter().map(Range::path))?;
        if ranges.is_empty() || values.is_empty() {
            return Err(DesignError::Empty {
                reason: "give at least one range and one point".into(),
            });
        }
        let kinds: Vec<FieldKind> = ranges.iter().map(|r| field_kind(base, r.path())).collect();
        let points = values
            .iter()
            .map(|v| kinds.iter().zip(v).map(|(k, &x)| k.write(x)).collect())
            .collect();
        Ok(Design {
            parameters: ranges.iter().map(|r| r.path.clone()).collect(),
            points,
        })
    }
}

fn distinct_paths<'a>(paths: impl Iterator<Item = &'a str>) -> Result<(), DesignError> {
    let mut seen = std::collections::BTreeSet::new();
    for p in paths {
        if !seen.insert(p) {
            return Err(DesignError::DuplicatePath { path: p.into() });
        }
    }
    Ok(())
}

/// The cartesian product of `axes`, the first axis varying slowest.
///
/// # Errors
/// [`DesignError::Empty`] without an axis, [`DesignError::DuplicatePath`] for a path given twice.
pub fn grid(axes: &[GridAxis]) -> Result<Design, DesignError> {
    distinct_paths(axes.iter().map(GridAxis::path))?;
    if axes.is_empty() {
        return Err(DesignError::Empty {
            reason: "give at least one --grid axis".into(),
        });
    }
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    Ok(Design {
        parameters: axes.iter().map(|a| a.path.clone()).collect(),
        points,
    })
}

/// `n` points of a Latin hypercube in `[0, 1)^d`: on every axis, exactly one point in each of
/// the strata `[k/n, (k+1)/n)`. Drawn from `rng`.
#[must_use]
pub fn unit_latin_hypercube(n: usize, d: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; d]; n];
    for axis in 0..d {
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher–Yates, so that the permutation depends only on the stream.
        for i in (1..n).rev() {
            strata.swap(i, rng.random_range(0..=i));
        }
        for (point, stratum) in points.iter_mut().zip(strata) {
            point[axis] = (stratum as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// `n` Latin hypercube points in the box of `ranges`, from the `ChaCha8` stream [`LHS_STREAM`] of
/// `base`'s seed.
///
/// # Errors
/// [`DesignError::Empty`] without a range or with `n = 0`.
pub fn latin_hypercube(
    base: &ScenarioConfig,
    ranges: &[Range],
    n: usize,
) -> Result<Design, DesignError> {
    let mut rng = ChaCha8Rng::seed_from_u64(base.seed);
    rng.set_stream(LHS_STREAM);
    let unit = unit_latin_hypercube(n, ranges.len(), &mut rng);
    Design::from_unit(base, ranges, &unit)
}

/// How a scenario field writes a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Integer,
    Decimal,
    Float,
}

impl FieldKind {
    fn write(self, x: f64) -> String {
        match self {
            FieldKind::Integer => format!("{}", x.round()),
            FieldKind::Decimal => format!("{x:.2}"),
            FieldKind::Float => format!("{x:?}"),
        }
    }
}

/// The field at `path` in `base`'s document, if it is there.
fn field(base: &ScenarioConfig, path: &str) -> Option<toml::Value> {
    let mut node = toml::Value::try_from(base).ok()?;
    for seg in path.split('.') {
        node = match &node {
            toml::Value::Table(t) => t.get(seg.trim()).cloned(),
            toml::Value::Array(a) => seg
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i).cloned()),
            _ => None,
        }?;
    }
    Some(node)
}

/// The kind of the field at `path` in `base`'s document; a float when the field is absent
/// (an optional field left out) or not a number.
fn field_kind(base: &ScenarioConfig, path: &str) -> FieldKind {
    match field(base, path) {
        Some(toml::Value::Integer(_)) => FieldKind::Integer,
        Some(toml::Value::String(_)) => FieldKind::Decimal,
        Some(_) => FieldKind::Float,
        // An optional field left unset shows no value: ask the scenario which it takes.
        None => [FieldKind::Integer, FieldKind::Decimal]
            .into_iter()
            .find(|k| accepts(base, path, &k.write(0.0)))
            .unwrap_or(FieldKind::Float),
    }
}

/// Whether `base` takes `value` (as written for a `--set`) at `path`.
fn accepts(base: &ScenarioConfig, path: &str, value: &str) -> bool {
    Override::parse(&format!("{path}={value}"))
        .and_then(|o| base.with_overrides(&[o]))
        .is_ok()
}

/// The number at `path` in `base` (a decimal string read as a number), if there is one.
#[must_use]
pub fn value_at(base: &ScenarioConfig, path: &str) -> Option<f64> {
    match field(base, path)? {
        toml::Value::Integer(i) => Some(i as f64),
        toml::Value::Float(x) => Some(x),
        toml::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}:{}", self.path, self.lo, self.hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ScenarioConfig {
        ScenarioConfig::from_toml_str(
            "name = \"d\"\nseed = 9\nstart = \"2021-07-16\"\nend = \"2021-09-30\"\n[fleet]\ncompliance_firms = 200\n",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn grid_is_the_product_in_the_order_given() {
        let a: GridAxis = "fleet.compliance_firms=100,200".parse().unwrap();
        let b: GridAxis = "x.y=[1, 2],\"a,b\",3".parse().unwrap();
        assert_eq!(b.values(), ["[1, 2]", "\"a,b\"", "3"]);
        let d = grid(&[a, b]).unwrap();
        assert_eq!(d.points.len(), 6);
        assert_eq!(d.points[0], ["100", "[1, 2]"]);
        assert_eq!(d.points[1], ["100", "\"a,b\""]);
        assert_eq!(d.points[3], ["200", "[1, 2]"]);
    }

    #[test]
    fn bad_axes_and_ranges_name_the_path_and_values() {
        let empty = "fleet.compliance_firms= , ".parse::<GridAxis>();
        assert_eq!(
            empty,
            Err(DesignError::EmptyGrid {
                path: "fleet.compliance_firms".into()
            })
        );
        let order = "a.b=3:1".parse::<Range>().unwrap_err().to_string();
        assert!(
            order.contains("a.b") && order.contains('3') && order.contains('1'),
            "{order}"
        );
        assert!(matches!(
            "a.b=x:1".parse::<Range>(),
            Err(DesignError::Syntax { .. })
        ));
        assert!(matches!(
            "=1:2".parse::<Range>(),
            Err(DesignError::Syntax { .. })
        ));
        let a: GridAxis = "a=1".parse().unwrap();
        assert!(matches!(
            grid(&[a.clone(), a]),
            Err(DesignError::DuplicatePath { .. })
        ));
        assert!(matches!(grid(&[]), Err(DesignError::Empty { .. })));
    }

    #[test]
    fn latin_hypercube_fills_every_stratum_once_and_repeats() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 50;
        let pts = unit_latin_hypercube(n, 3, &mut rng);
        for axis in 0..3 {
            let mut strata: Vec<usize> = pts
                .iter()
                .map(|p| (p[axis] * n as f64).floor() as usize)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
        let ranges = [
            "fleet.compliance_firms=100:300".parse::<Range>().unwrap(),
            "behaviour.compliance_firm.base_activity=0.01:0.03"
                .parse()
                .unwrap(),
        ];
        let one = latin_hypercube(&base(), &ranges, 8).unwrap();
        assert_eq!(one, latin_hypercube(&base(), &ranges, 8).unwrap());
        // Integer fields get integers, float fields floats, all inside the ranges.
        for p in &one.points {
            let firms: i64 = p[0].parse().unwrap();
            assert!((100..=300).contains(&firms), "{p:?}");
            let activity: f64 = p[1].parse().unwrap();
            assert!((0.01..=0.03).contains(&activity), "{p:?}");
        }
        let overrides = one.overrides(0).unwrap();
        assert!(base().with_overrides(&overrides).is_ok());
    }

    #[test]
    fn an_unset_optional_field_is_written_as_the_scenario_takes_it() {
        // `fleet.later_balance_bp` is an optional integer, absent from the base scenario.
        let ranges = ["fleet.later_balance_bp=-200:100".parse::<Range>().unwrap()];
        let d = Design::from_values(&base(), &ranges, &[vec![-57.4]]).unwrap();
        assert_eq!(d.points, vec![vec!["-57".to_owned()]]);
        assert!(base().with_overrides(&d.overrides(0).unwrap()).is_ok());
    }
}
