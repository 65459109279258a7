//! Scenarios: configuration files, calibration statistics and the Monte Carlo driver.

pub mod config;
pub mod montecarlo;
pub mod stats;
