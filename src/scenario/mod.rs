//! Scenarios: configuration files, calibration statistics and the Monte Carlo driver.

pub mod config;
pub mod fleet;
pub mod montecarlo;
pub mod stats;
