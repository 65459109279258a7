//! Scenarios: runs that compose the whole market. The historical replay of 2021–2023 (with its
//! exact trade plan) and its reports.

pub mod plan;
pub mod replay;
pub mod replay_report;
