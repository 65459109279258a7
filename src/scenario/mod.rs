//! Scenarios: runs that compose the whole market, each in its own folder.
//!
//! | module | what lives there |
//! |---|---|
//! | [`replay`] | the exact replay of the published 2021–2023 market: its trade plan, carriers, days and reports |
//! | [`agent_based`] | the agent-based market: the world, the broker between agents and the exchange, certificate markets, fleets and reports |
//! | [`study`] | Monte Carlo over seeds with shards and merge, percentile bands, calibration statistics; parameter sweeps, sensitivity analysis and folder comparison |
//! | [`config`] | scenario files, validated, with the `[policy]` overrides of the timeline |
//!
//! Both runners share `cycles` (the covered entities' compliance across the policy timeline's
//! cycles) and `periods` (a cycle's positions). Arrows point down: `study` runs `agent_based`,
//! both runners use `config`, `cycles` and the layers below `scenario`.

pub mod agent_based;
pub mod config;
mod cycles;
mod fleets;
pub mod overrides;
mod periods;
pub mod replay;
pub mod study;
mod submarkets;

pub use agent_based::report as agent_report;
pub use replay::report as replay_report;
pub use study::{montecarlo, stats};
