//! Planning the cycle in force and the next one together, once the next one's plan is out (the
//! 2023 and 2024 power years were planned together from the draft of 2024-07-02): what a firm
//! holds covers the cycle in force first, so a surplus now is kept for a shortfall next, and a
//! shortfall next beyond that surplus is bought ahead at the next deadline's own pace. No
//! borrowing runs the other way: a surplus next cannot cover a shortfall now.

/// `sign(g)·max(|g| − d, 0)`: a gap less its doubt `d`, never past zero.
#[must_use]
pub fn shrink(gap: i128, doubt: i128) -> i128 {
    gap.signum() * (gap.abs() - doubt).max(0)
}

/// A firm's needs over the cycle in force and the next, in tonnes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JointPlan {
    /// Short on the cycle in force.
    short_now: i128,
    /// Short on the next cycle beyond its surplus on the cycle in force.
    short_next: i128,
    /// What it may sell: its surplus on the cycle in force beyond its shortfall on the next.
    surplus: i128,
}

/// What a firm does today on its allowances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Buy for both cycles.
    Buy {
        /// For the cycle in force, t.
        now: f64,
        /// For the next cycle, t.
        next: f64,
    },
    /// Sell from this surplus, in tonnes.
    Sell(f64),
}

impl JointPlan {
    /// The plan of a firm with `gap` on the cycle in force and `next_gap` on the next cycle,
    /// when known (each positive when short).
    #[must_use]
    pub fn new(gap: i128, next_gap: Option<i128>) -> Self {
        let surplus_now = (-gap).max(0);
        let short_next = next_gap.map_or(0, |g| g.max(0));
        JointPlan {
            short_now: gap.max(0),
            short_next: (short_next - surplus_now).max(0),
            surplus: (surplus_now - short_next).max(0),
        }
    }

    /// Today's step when the firm acts on the cycle in force (`acting`) and on the next
    /// (`acting_next`), or `None` when it has nothing to do.
    #[must_use]
    pub fn step(&self, acting: bool, acting_next: bool) -> Option<Step> {
        let now = if acting { self.short_now } else { 0 };
        let next = if acting_next { self.short_next } else { 0 };
        if now + next > 0 {
            return Some(Step::Buy {
                now: now as f64,
                next: next as f64,
            });
        }
        (acting && self.surplus > 0).then_some(Step::Sell(self.surplus as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_next_cycle_the_gap_alone_decides() {
        assert_eq!(
            JointPlan::new(500, None).step(true, false),
            Some(Step::Buy {
                now: 500.0,
                next: 0.0
            })
        );
        assert_eq!(
            JointPlan::new(-500, None).step(true, false),
            Some(Step::Sell(500.0))
        );
        assert_eq!(JointPlan::new(500, None).step(false, false), None);
        assert_eq!(JointPlan::new(0, None).step(true, true), None);
    }

    #[test]
    fn a_surplus_now_is_kept_for_a_shortfall_next() {
        // Long 300 now, short 200 next: sells only 100.
        assert_eq!(
            JointPlan::new(-300, Some(200)).step(true, true),
            Some(Step::Sell(100.0))
        );
        // Long 300 now, short 500 next: sells nothing, buys the 200 beyond its surplus.
        assert_eq!(
            JointPlan::new(-300, Some(500)).step(true, true),
            Some(Step::Buy {
                now: 0.0,
                next: 200.0
            })
        );
        // ... but only on a day it acts on the next cycle.
        assert_eq!(JointPlan::new(-300, Some(500)).step(true, false), None);
    }

    #[test]
    fn a_surplus_next_cannot_cover_a_shortfall_now() {
        assert_eq!(
            JointPlan::new(400, Some(-1_000)).step(true, true),
            Some(Step::Buy {
                now: 400.0,
                next: 0.0
            })
        );
        assert_eq!(
            JointPlan::new(-400, Some(-1_000)).step(true, true),
            Some(Step::Sell(400.0))
        );
    }

    #[test]
    fn short_on_both_buys_both_on_a_day_it_acts_on_both() {
        let plan = JointPlan::new(400, Some(600));
        assert_eq!(
            plan.step(true, true),
            Some(Step::Buy {
                now: 400.0,
                next: 600.0
            })
        );
        assert_eq!(
            plan.step(true, false),
            Some(Step::Buy {
                now: 400.0,
                next: 0.0
            })
        );
    }

    #[test]
    fn doubt_shrinks_a_gap_towards_zero_and_no_further() {
        assert_eq!(shrink(1_000, 300), 700);
        assert_eq!(shrink(-1_000, 300), -700);
        assert_eq!(shrink(200, 300), 0);
        assert_eq!(shrink(-200, 300), 0);
    }
}
