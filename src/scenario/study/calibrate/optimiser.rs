//! Nelder–Mead in a box, on `argmin`'s solver.
//!
//! The objective is a function of a point `z` of the unit cube `[0, 1]^n` (each coordinate is
//! then scaled into its parameter's `[lo, hi]`). Nelder–Mead itself is unconstrained, so it moves
//! a point `y ∈ ℝ^n` and the objective sees `z_i = (1 + sin y_i) / 2`, the bounded-parameter
//! transform of MINUIT. We map rather than clamp: clamping makes the objective flat outside the
//! box, and a simplex whose vertices pile up on a bound collapses there; with the sine every
//! vertex is inside the box, the objective stays smooth, and a bound is reached exactly
//! (`y = ±π/2`) without sending `y` to infinity.
//!
//! The budget is counted in calls of the objective. `argmin`'s solver evaluates the `n + 1`
//! vertices of the first simplex before it can be stopped, so a budget below `n + 1` is refused
//! by the caller; a call beyond the budget stops the search, and the best point seen is the
//! result. The search also stops when the standard deviation of the simplex's values falls below
//! the tolerance.

use std::cell::{Cell, RefCell};

use argmin::core::{CostFunction, Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;

/// The initial simplex's step along each axis, in the transformed coordinate (radians): from the
/// box's middle it reaches a quarter of the box's width.
pub const INITIAL_STEP: f64 = 0.5;

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The simplex's values agree to within the tolerance.
    Converged,
    /// The evaluation budget is spent.
    Budget,
}

/// The best point seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Its coordinates in the unit cube.
    pub unit: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Calls of the objective.
    pub evaluations: usize,
    /// Why the search stopped.
    pub stop: Stop,
}

/// A failed search: the objective's own error, or the solver's.
#[derive(Debug)]
pub enum Failure<E> {
    /// The objective failed (its first error).
    Objective(E),
    /// The solver failed.
    Solver(String),
}

/// `z = (1 + sin y) / 2`, in `[0, 1]` for every `y`.
#[must_use]
pub fn to_unit(y: &[f64]) -> Vec<f64> {
    y.iter().map(|v| f64::midpoint(1.0, v.sin())).collect()
}

/// The `y` of `z` (clamped into `[0, 1]`) in `[−π/2, π/2]`.
#[must_use]
pub fn from_unit(z: &[f64]) -> Vec<f64> {
    z.iter()
        .map(|v| (2.0 * v.clamp(0.0, 1.0) - 1.0).asin())
        .collect()
}

enum Halt<E> {
    Budget,
    Failed(E),
}

/// An objective of a point of the unit cube.
type Objective<'f, E> = &'f mut dyn FnMut(&[f64]) -> Result<f64, E>;

/// The objective as `argmin` sees it: counts calls, keeps the best point and the first error.
struct Boxed<'f, E> {
    objective: RefCell<Objective<'f, E>>,
    calls: Cell<usize>,
    evaluations: Cell<usize>,
    initial: usize,
    budget: usize,
    halt: RefCell<Option<Halt<E>>>,
    best: RefCell<Option<(Vec<f64>, f64)>>,
}

impl<E> Boxed<'_, E> {
    /// After a halt: the first simplex's remaining vertices get `+∞` (the solver unwraps their
    /// values), every later call an error that ends the search.
    fn halted(&self) -> Result<f64, argmin::core::Error> {
        if self.calls.get() <= self.initial {
            Ok(f64::INFINITY)
        } else {
            Err(argmin::core::Error::msg("calibration search halted"))
        }
    }
}

impl<E> CostFunction for Boxed<'_, E> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, y: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        self.calls.set(self.calls.get() + 1);
        if self.halt.borrow().is_some() {
            return self.halted();
        }
        if self.evaluations.get() >= self.budget {
            *self.halt.borrow_mut() = Some(Halt::Budget);
            return self.halted();
        }
        self.evaluations.set(self.evaluations.get() + 1);
        let z = to_unit(y);
        match (self.objective.borrow_mut())(&z) {
            Ok(v) => {
                // A NaN would break the simplex's ordering: it ranks last.
                let v = if v.is_nan() { f64::INFINITY } else { v };
                let mut best = self.best.borrow_mut();
                if best.as_ref().is_none_or(|b| v < b.1) {
                    *best = Some((z, v));
                }
                Ok(v)
            }
            Err(e) => {
                *self.halt.borrow_mut() = Some(Halt::Failed(e));
                self.halted()
            }
        }
    }
}

/// Minimises `objective` over the unit cube from `start`, within `budget` calls, until the
/// simplex's values agree to `tolerance`. The search is deterministic: the same objective gives
/// the same sequence of points.
///
/// # Errors
/// The objective's first error, or the solver's (a `budget` below `start.len() + 1`, a negative
/// tolerance).
pub fn minimise<E>(
    start: &[f64],
    budget: usize,
    tolerance: f64,
    objective: &mut dyn FnMut(&[f64]) -> Result<f64, E>,
) -> Result<Minimum, Failure<E>> {
    let n = start.len();
    if n == 0 || budget < n + 1 {
        return Err(Failure::Solver(format!(
            "{n} parameters need at least {} evaluations",
            n + 1
        )));
    }
    let y0 = from_unit(start);
    let mut simplex = vec![y0.clone()];
    for i in 0..n {
        let mut v = y0.clone();
        v[i] += INITIAL_STEP;
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(tolerance)
        .map_err(|e| Failure::Solver(e.to_string()))?;
    let problem = Boxed {
        objective: RefCell::new(objective),
        calls: Cell::new(0),
        evaluations: Cell::new(0),
        initial: n + 1,
        budget,
        halt: RefCell::new(None),
        best: RefCell::new(None),
    };
    let reason = Executor::new(&problem, solver)
        .configure(|s| s.max_iters(budget as u64))
        .run()
        .map(|r| r.state().get_termination_reason().cloned());
    finish(problem, reason)
}

/// The outcome once the solver has returned.
fn finish<E>(
    problem: Boxed<'_, E>,
    result: Result<Option<TerminationReason>, argmin::core::Error>,
) -> Result<Minimum, Failure<E>> {
    let evaluations = problem.evaluations.get();
    let stop = match (problem.halt.into_inner(), result) {
        (Some(Halt::Failed(e)), _) => return Err(Failure::Objective(e)),
        (None, Ok(Some(TerminationReason::SolverConverged))) => Stop::Converged,
        // Our budget, or the solver's iteration cap (never above it).
        (Some(Halt::Budget), _) | (None, Ok(_)) => Stop::Budget,
        (None, Err(e)) => return Err(Failure::Solver(e.to_string())),
    };
    let (unit, value) = problem
        .best
        .into_inner()
        .ok_or_else(|| Failure::Solver("no point was evaluated".into()))?;
    Ok(Minimum {
        unit,
        value,
        evaluations,
        stop,
    })
}

// `argmin` implements `CostFunction` for the problem by reference.
impl<E> CostFunction for &Boxed<'_, E> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, y: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        (*self).cost(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(x − 1)² + (y + 2)²` over `[−5, 5]²`, as a function of the unit cube.
    fn quadratic(z: &[f64]) -> f64 {
        let x: Vec<f64> = z.iter().map(|v| -5.0 + 10.0 * v).collect();
        (x[0] - 1.0).powi(2) + (x[1] + 2.0).powi(2)
    }

    // The objective's signature: fallible, though this one never fails.
    #[allow(clippy::unnecessary_wraps)]
    fn ok(z: &[f64]) -> Result<f64, String> {
        Ok(quadratic(z))
    }

    #[test]
    fn converges_to_a_quadratics_minimum() {
        let mut f = ok;
        let m = minimise(&[0.5, 0.5], 500, 1e-12, &mut f).unwrap_or_else(|_| panic!("failed"));
        assert_eq!(m.stop, Stop::Converged);
        let x: Vec<f64> = m.unit.iter().map(|v| -5.0 + 10.0 * v).collect();
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] + 2.0).abs() < 1e-4,
            "{x:?}"
        );
        assert!(m.value < 1e-8, "{}", m.value);
    }

    #[test]
    fn a_minimum_outside_the_box_is_found_on_its_bound() {
        // (x − 7)² over [−5, 5]: the minimum in the box is x = 5, reached without leaving it.
        let mut f = |z: &[f64]| -> Result<f64, String> {
            assert!(z.iter().all(|v| (0.0..=1.0).contains(v)));
            Ok((-5.0 + 10.0 * z[0] - 7.0).powi(2))
        };
        let m = minimise(&[0.5], 500, 1e-12, &mut f).unwrap_or_else(|_| panic!("failed"));
        assert!((m.unit[0] - 1.0).abs() < 1e-6, "{:?}", m.unit);
    }

    #[test]
    fn the_budget_and_errors_stop_the_search() {
        let mut calls = 0;
        let mut f = |z: &[f64]| {
            calls += 1;
            ok(z)
        };
        let m = minimise(&[0.5, 0.5], 7, 1e-12, &mut f).unwrap_or_else(|_| panic!("failed"));
        assert_eq!((m.stop, m.evaluations, calls), (Stop::Budget, 7, 7));
        let mut n = 0;
        let mut g = |_: &[f64]| {
            n += 1;
            if n == 2 { Err("boom") } else { Ok(1.0) }
        };
        assert!(matches!(
            minimise(&[0.5, 0.5], 50, 0.0, &mut g),
            Err(Failure::Objective("boom"))
        ));
        assert!(matches!(
            minimise(&[0.5, 0.5], 2, 0.0, &mut ok),
            Err(Failure::Solver(_))
        ));
    }
}
