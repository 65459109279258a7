//! The speed ratio of matchcore to carbonsim, measured so that both books see the same machine.
//!
//! criterion times one book after another, several seconds each, so on a shared machine a
//! change of pace between two books' turns moves their ratio. Here each round replays the
//! whole stream once into a fresh book of each kind, back to back, and the ratio is taken
//! within the round; the report gives each book's median time per operation and the median
//! and spread of the per-round ratios. orderbook-rs, at over a second per replay, is left to
//! the criterion bench.
//!
//! Run: `cargo bench -p carbonsim-peers --bench ratio` (rounds: `RATIO_ROUNDS`, default 21).

use std::hint::black_box;
use std::time::Instant;

use carbonsim::book::workload::{self, Workload};
use carbonsim_peers::{Carbonsim, Matchcore, StreamOnly};

const OPS: usize = 1_000_000;
const SEED: u64 = 42;

/// Nanoseconds per operation for one replay of `w` into a book built outside the timing.
fn time<B>(
    w: &Workload,
    expected: u64,
    new: impl Fn(&Workload) -> B,
    run: impl Fn(&mut B, &Workload) -> u64,
) -> f64 {
    let mut book = new(w);
    let start = Instant::now();
    let filled = black_box(run(&mut book, w));
    let ns = start.elapsed().as_secs_f64() * 1e9 / w.ops.len() as f64;
    assert_eq!(filled, expected, "a book filled a different quantity");
    ns
}

/// The values in ascending order.
fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// The middle value (the upper middle for an even count) of a non-empty sorted list.
fn middle(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

/// The median of a non-empty list.
fn median(v: Vec<f64>) -> f64 {
    middle(&sorted(v))
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test` build of benches runs nothing here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rounds: usize = std::env::var("RATIO_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(21)
        .max(1);
    for w in [workload::steady(SEED, OPS), workload::deep(SEED, OPS)] {
        let expected = Carbonsim::new(&w).run(&w);
        let (mut ours, mut floor, mut peer, mut ratios) = (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let c = time(&w, expected, Carbonsim::new, Carbonsim::run);
            let s = time(&w, expected, StreamOnly::new, StreamOnly::run);
            let m = time(&w, expected, Matchcore::new, Matchcore::run);
            ours.push(c);
            floor.push(s);
            peer.push(m);
            ratios.push(m / c);
        }
        let ratios = sorted(ratios);
        println!(
            "ratio/{}: {rounds} rounds; median ns/op: stream-only {:.1}, carbonsim {:.1}, matchcore {:.1}; \
             matchcore/carbonsim per round: median {:.2}x (range {:.2}x-{:.2}x)",
            w.name,
            median(floor),
            median(ours),
            median(peer),
            middle(&ratios),
            ratios[0],
            ratios[ratios.len() - 1],
        );
    }
}
