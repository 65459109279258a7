//! Allocation and compliance: benchmark allocation with correction factors, pre-allocation and
//! true-up; compliance cycles with dated deadlines; obligations with the gas-unit exemption, the
//! shortfall cap, borrowing and CCER offsets; surrender through the registry; penalties; and the
//! per-cycle report. Also a seeded synthetic fleet of covered entities, the covered sectors, and
//! the industrial sectors' synthetic fleets and intensity allocation.

pub mod allocation;
pub mod cycle;
pub mod fleet;
pub mod industry;
pub mod industry_error;
pub mod intensity;
pub mod sector;
