//! Scenarios: runs that compose the whole market. The historical replay of 2021–2023 (with its
//! exact trade plan) and its reports; scenario files, agent fleets, calibration statistics and the
//! Monte Carlo driver.

pub mod agent_based;
pub mod agent_report;
pub mod broker;
pub mod certificates;
pub mod config;
pub mod fleet;
pub mod montecarlo;
pub mod overrides;
mod periods;
pub mod plan;
pub mod replay;
pub mod replay_report;
pub mod stats;
pub mod study;
