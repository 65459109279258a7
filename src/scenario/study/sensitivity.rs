//! Global sensitivity analysis of a model `f: [0, 1]^d → ℝ`: Morris elementary effects and Sobol
//! first- and total-order indices, with the designs that feed them.
//!
//! The estimators are pure functions of the design points and the model's values, so they are
//! checked on analytic functions with known indices (the Ishigami function), and `carbonsim
//! sensitivity` feeds them the mean of each headline statistic over a point's seeds.
//!
//! # Morris
//! [`morris_design`] draws `r` trajectories of `d + 1` points on a `p`-level grid, each moving one
//! factor at a time by `Δ = p / (2(p − 1))`, in a random order and direction (Morris 1991, with
//! the random directions of Campolongo et al. 2007). [`morris_indices`] returns per factor the
//! mean `μ`, the mean absolute value `μ*` and the standard deviation `σ` (divisor `r − 1`) of its
//! elementary effects `(f(x + Δeᵢ) − f(x)) / Δ`, in units of the statistic per unit range.
//!
//! # Sobol
//! [`saltelli_design`] draws `N` pairs of points `A`, `B` and, per factor `i`, `ABᵢ` (`A` with
//! column `i` from `B`): `N(d + 2)` points, in blocks of `d + 2` per sample. [`sobol_indices`]
//! estimates the first-order index with Saltelli et al. (2010),
//! `Sᵢ = mean(f(B)(f(ABᵢ) − f(A))) / V`, and the total-order index with Jansen (1999),
//! `STᵢ = mean((f(A) − f(ABᵢ))²) / 2V`, where `V` is the variance of `f` over `A` and `B`.
//! Values are centred on their mean first, which changes no expectation and lowers the error.
//!
//! Both designs draw from a `ChaCha8` generator the caller seeds, so they are reproducible.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use thiserror::Error;

/// The `ChaCha8` stream of the scenario's seed that draws sensitivity designs.
pub const SENSITIVITY_STREAM: u64 = u64::MAX - 2;

/// The most points one design may hold (a sweep runs at most
/// [`MAX_SWEEP_RUNS`](super::sweep::MAX_SWEEP_RUNS) of them).
pub const MAX_DESIGN_POINTS: usize = 10_000_000;

/// A design that cannot be drawn, or values that do not fit it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SensitivityError {
    /// Fewer than two grid levels.
    #[error("--levels {levels}: Morris needs at least 2 grid levels (4 is usual)")]
    Levels {
        /// The levels given.
        levels: usize,
    },
    /// A count that must be positive is zero.
    #[error("{what} is 0: give at least one")]
    Zero {
        /// `factors`, `--trajectories` or `--samples`.
        what: &'static str,
    },
    /// A design of more than [`MAX_DESIGN_POINTS`] points.
    #[error("{what} asks for more than {limit} design points")]
    TooLarge {
        /// The option that sized it (`--trajectories` or `--samples`).
        what: &'static str,
        /// [`MAX_DESIGN_POINTS`].
        limit: usize,
    },
    /// As many values as points are needed.
    #[error("{values} values for a design of {points} points")]
    Length {
        /// Values given.
        values: usize,
        /// Points expected.
        points: usize,
    },
}

/// The Morris statistics of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects.
    pub sigma: f64,
}

/// The Sobol indices of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolIndex {
    /// First-order index.
    pub first: f64,
    /// Total-order index.
    pub total: f64,
}

fn nonzero(n: usize, what: &'static str) -> Result<(), SensitivityError> {
    if n == 0 {
        return Err(SensitivityError::Zero { what });
    }
    Ok(())
}

/// `count × per` points, refused above [`MAX_DESIGN_POINTS`].
fn design_size(count: usize, per: usize, what: &'static str) -> Result<usize, SensitivityError> {
    count
        .checked_mul(per)
        .filter(|n| *n <= MAX_DESIGN_POINTS)
        .ok_or(SensitivityError::TooLarge {
            what,
            limit: MAX_DESIGN_POINTS,
        })
}

/// `r` Morris trajectories of `d + 1` points each, trajectory after trajectory.
///
/// # Errors
/// [`SensitivityError`] for `levels < 2` or a zero count.
pub fn morris_design(
    d: usize,
    r: usize,
    levels: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Vec<f64>>, SensitivityError> {
    if levels < 2 {
        return Err(SensitivityError::Levels { levels });
    }
    nonzero(d, "factors")?;
    nonzero(r, "--trajectories")?;
    let size = design_size(r, d + 1, "--trajectories")?;
    let step = 1.0 / (levels - 1) as f64;
    let delta = levels as f64 / (2.0 * (levels - 1) as f64);
    // Base levels from which a step of Δ stays inside [0, 1].
    let bases: Vec<f64> = (0..levels)
        .map(|k| k as f64 * step)
        .filter(|x| *x + delta <= 1.0 + 1e-12)
        .collect();
    let mut out = Vec::with_capacity(size);
    for _ in 0..r {
        let up: Vec<bool> = (0..d).map(|_| rng.random()).collect();
        let mut x: Vec<f64> = up
            .iter()
            .map(|&u| {
                let b = bases[rng.random_range(0..bases.len())];
                if u { b } else { b + delta }
            })
            .collect();
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        out.push(x.clone());
        for i in order {
            x[i] += if up[i] { delta } else { -delta };
            out.push(x.clone());
        }
    }
    Ok(out)
}

/// The Morris statistics of each of the `d` factors from a [`morris_design`] and the model's
/// value at each of its points.
///
/// # Errors
/// [`SensitivityError::Length`] when values and points differ in number or do not form whole
/// trajectories of `d + 1` points.
pub fn morris_indices(
    points: &[Vec<f64>],
    values: &[f64],
    d: usize,
) -> Result<Vec<MorrisIndex>, SensitivityError> {
    nonzero(d, "factors")?;
    if values.len() != points.len() || points.len() % (d + 1) != 0 {
        return Err(SensitivityError::Length {
            values: values.len(),
            points: points.len(),
        });
    }
    let mut effects: Vec<Vec<f64>> = vec![Vec::new(); d];
    for (t, pts) in points.chunks(d + 1).enumerate() {
        for s in 0..d {
            let (a, b) = (&pts[s], &pts[s + 1]);
            // The factor that moved: the coordinate that differs (bit for bit, as the design
            // copies the others unchanged).
            let Some(i) = (0..d).find(|&i| a[i].to_bits() != b[i].to_bits()) else {
                continue;
            };
            let (ya, yb) = (values[t * (d + 1) + s], values[t * (d + 1) + s + 1]);
            effects[i].push((yb - ya) / (b[i] - a[i]));
        }
    }
    Ok(effects
        .iter()
        .map(|e| {
            let n = e.len() as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let sigma = if e.len() < 2 {
                0.0
            } else {
                (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            };
            MorrisIndex { mu, mu_star, sigma }
        })
        .collect())
}

/// `n` Saltelli blocks of `d + 2` points: `A`, `B`, `AB₁ … AB_d`.
///
/// # Errors
/// [`SensitivityError::Zero`] for `d = 0` or `n = 0`.
pub fn saltelli_design(
    d: usize,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Vec<f64>>, SensitivityError> {
    nonzero(d, "factors")?;
    nonzero(n, "--samples")?;
    let mut out = Vec::with_capacity(design_size(n, d + 2, "--samples")?);
    for _ in 0..n {
        let a: Vec<f64> = (0..d).map(|_| rng.random()).collect();
        let b: Vec<f64> = (0..d).map(|_| rng.random()).collect();
        for i in 0..d {
            let mut ab = a.clone();
            ab[i] = b[i];
            out.push(ab);
        }
        // A and B first in the block; the ABᵢ follow.
        let len = out.len();
        out.insert(len - d, b);
        out.insert(len - d, a);
    }
    Ok(out)
}

/// The Sobol indices of each of the `d` factors from a [`saltelli_design`]'s values.
///
/// # Errors
/// [`SensitivityError::Length`] when the values do not form whole blocks of `d + 2`.
pub fn sobol_indices(values: &[f64], d: usize) -> Result<Vec<SobolIndex>, SensitivityError> {
    nonzero(d, "factors")?;
    let block = d + 2;
    if values.is_empty() || values.len() % block != 0 {
        return Err(SensitivityError::Length {
            values: values.len(),
            points: values.len().div_ceil(block) * block,
        });
    }
    let n = (values.len() / block) as f64;
    let blocks: Vec<&[f64]> = values.chunks(block).collect();
    let mean = blocks.iter().map(|b| b[0] + b[1]).sum::<f64>() / (2.0 * n);
    let var = blocks
        .iter()
        .map(|b| (b[0] - mean).powi(2) + (b[1] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n);
    Ok((0..d)
        .map(|i| {
            let (mut first, mut total) = (0.0, 0.0);
            for b in &blocks {
                let (fa, fb, fab) = (b[0] - mean, b[1] - mean, b[2 + i] - mean);
                first += fb * (fab - fa);
                total += (fa - fab).powi(2);
            }
            SobolIndex {
                first: first / n / var,
                total: total / n / (2.0 * var),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::f64::consts::PI;

    /// The Ishigami function on `[−π, π]³` with `a = 7`, `b = 0.1`, from unit coordinates.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// Its analytic indices (Ishigami and Homma 1990; Sobol' and Levitan 1999).
    fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
        let (a, b) = (7.0_f64, 0.1_f64);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let points = saltelli_design(3, 20_000, &mut rng).unwrap_or_default();
        assert_eq!(points.len(), 20_000 * 5);
        let values: Vec<f64> = points.iter().map(|p| ishigami(p)).collect();
        let got = sobol_indices(&values, 3).unwrap_or_default();
        let (s1, st) = ishigami_indices();
        for i in 0..3 {
            assert!(
                (got[i].first - s1[i]).abs() < 0.03,
                "S1[{i}] {:?} vs {}",
                got[i],
                s1[i]
            );
            assert!(
                (got[i].total - st[i]).abs() < 0.03,
                "ST[{i}] {:?} vs {}",
                got[i],
                st[i]
            );
        }
    }

    #[test]
    fn morris_gives_linear_slopes_and_flags_interactions() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let points = morris_design(3, 20, 4, &mut rng).unwrap_or_default();
        assert_eq!(points.len(), 20 * 4);
        assert!(
            points
                .iter()
                .flatten()
                .all(|x| (-1e-12..=1.0 + 1e-12).contains(x))
        );
        let linear: Vec<f64> = points.iter().map(|p| 3.0 * p[0] - 2.0 * p[1]).collect();
        let m = morris_indices(&points, &linear, 3).unwrap_or_default();
        assert!((m[0].mu - 3.0).abs() < 1e-9 && (m[0].mu_star - 3.0).abs() < 1e-9);
        assert!((m[1].mu + 2.0).abs() < 1e-9 && (m[1].mu_star - 2.0).abs() < 1e-9);
        assert!(m[2].mu_star.abs() < 1e-12 && m.iter().all(|i| i.sigma < 1e-9));
        // Ishigami: x3 matters only through its interaction with x1 (σ > 0), x2 only alone.
        let values: Vec<f64> = points.iter().map(|p| ishigami(p)).collect();
        let m = morris_indices(&points, &values, 3).unwrap_or_default();
        assert!(m.iter().all(|i| i.mu_star > 0.5), "{m:?}");
        assert!(m[2].sigma > 0.5, "{m:?}");
    }

    #[test]
    fn bad_designs_and_lengths_are_refused() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(
            morris_design(2, 3, 1, &mut rng),
            Err(SensitivityError::Levels { levels: 1 })
        );
        assert!(matches!(
            saltelli_design(2, 0, &mut rng),
            Err(SensitivityError::Zero { what: "--samples" })
        ));
        assert!(matches!(
            saltelli_design(2, usize::MAX / 2, &mut rng),
            Err(SensitivityError::TooLarge { .. })
        ));
        assert!(matches!(
            morris_design(3, 5_000_000, 4, &mut rng),
            Err(SensitivityError::TooLarge { .. })
        ));
        assert!(matches!(
            sobol_indices(&[1.0; 7], 2),
            Err(SensitivityError::Length { .. })
        ));
        assert!(matches!(
            morris_indices(&[vec![0.0]], &[1.0, 2.0], 1),
            Err(SensitivityError::Length { .. })
        ));
    }
}
