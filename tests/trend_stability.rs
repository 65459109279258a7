//! The trend term of the firms' expectation is stable at its default: the linearised close
//! dynamics of `docs/model.md` ("Why β = 0.2") damp a disturbance, and the figures quoted
//! there are this file's.

use carbonsim::agents::compliance_firm::ComplianceFirmParams;

/// Spectral radius of the linearised dynamics `x_t = (1 − w)·a_t + β·(x_{t−1} − x_{t−1−k})`,
/// `a_t = a_{t−1} + λ·(x_{t−1} − a_{t−1})`, by power iteration: the average growth of the
/// state's norm over many renormalised steps.
fn spectral_radius(beta: f64, w: f64, lambda: f64, k: usize) -> f64 {
    let mut xs: Vec<f64> = (0..=k).map(|i| 1.0 - 0.3 * i as f64).collect();
    let mut a = 0.5;
    let (steps, burn_in) = (40_000, 20_000);
    let mut log_growth = 0.0;
    for t in 0..steps {
        let a_new = a + lambda * (xs[0] - a);
        let x = (1.0 - w) * a_new + beta * (xs[0] - xs[k]);
        xs.rotate_right(1);
        xs[0] = x;
        a = a_new;
        let norm = xs.iter().chain([&a]).fold(0.0f64, |m, v| m.max(v.abs()));
        if t >= burn_in {
            log_growth += norm.ln();
        }
        for v in &mut xs {
            *v /= norm;
        }
        a /= norm;
    }
    (log_growth / f64::from(steps - burn_in)).exp()
}

fn rho(beta: f64) -> f64 {
    let p = ComplianceFirmParams::default();
    spectral_radius(
        beta,
        p.fundamental_weight,
        p.expectation_adjustment,
        p.trend_window_days as usize,
    )
}

#[test]
fn the_default_trend_weight_damps_near_the_fastest_and_the_docs_quote_the_radii() {
    let p = ComplianceFirmParams::default();
    assert_eq!(
        (
            p.trend_weight,
            p.fundamental_weight,
            p.expectation_adjustment,
            p.trend_window_days
        ),
        (0.2, 0.5, 0.3, 5),
        "docs/model.md computes the radii for these defaults"
    );
    let grid: Vec<(f64, f64)> = (0..=60)
        .map(|i| f64::from(i) / 100.0)
        .map(|b| (b, rho(b)))
        .collect();
    let (best, best_rho) =
        grid.iter().copied().fold(
            (0.0, f64::INFINITY),
            |m, (b, r)| if r < m.1 { (b, r) } else { m },
        );
    assert!((best - 0.22).abs() < 1e-9, "fastest damping at {best}");
    assert!(rho(p.trend_weight) - best_rho < 0.01);
    let undamped = grid.iter().find(|(_, r)| *r >= 1.0).map(|(b, _)| *b);
    assert_eq!(undamped, Some(0.56), "the first grid point without damping");
    let model = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let quoted = format!(
        "ρ = {:.2} at β = 0, {:.2} at β = 0.2, {:.2} at 0.22 (its minimum), {:.2} at 0.3, {:.2} at 0.5, and 1 (no damping at all) near β = 0.55",
        rho(0.0),
        rho(0.2),
        rho(0.22),
        rho(0.3),
        rho(0.5)
    );
    assert!(
        model.contains(&quoted),
        "docs/model.md should say {quoted:?}"
    );
    let half_life = (0.5f64.ln() / rho(0.5).ln()).round();
    let quoted = format!("a disturbance took about {half_life} trading days to halve");
    assert!(
        model.contains(&quoted),
        "docs/model.md should say {quoted:?}"
    );
}
