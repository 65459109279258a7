//! # carbonsim
//!
//! Exact, deterministic and fast simulation of China's carbon markets: national ETS allowances
//! (CEA), CCER voluntary credits and green electricity certificates (GEC), traded through an order
//! book and matching engine that follows the Shanghai Environment and Energy Exchange's rules.
//!
//! ## Overview
//!
//! | module | what lives there |
//! |---|---|
//! | [`units`] | [`Price`](units::Price) (integer fen), [`Quantity`](units::Quantity) (whole units), [`Money`](units::Money) (exact fen totals) |
//! | [`agents`] | the [`Agent`](agents::Agent) trait, its market and account views, order intents, and the built-in behaviours |
//! | [`book`] | limit order book and matching engine (price-time, picks, STP), reference book, workloads |
//! | [`calendar`] | trading days (embedded closures), sessions, times of day |
//! | [`history`] | the published 2021–2023 series, embedded |
//! | [`instrument`] | trading methods, bands, size rules |
//! | [`compliance`] | benchmark allocation, true-up, obligations, surrender, penalties, reports, synthetic fleets |
//! | [`economics`] | abatement cost curves (per firm, and summed for a fleet) and the price outlook: surveyed anchor, cost of carry, the price that clears a carried deficit |
//! | [`exchange`] | trading methods (auction, block board), fees; composes book, registry and rules |
//! | [`registry`] | accounts, holdings, cash, freezes, `DvP` settlement, surrender; CCER projects and GEC issuance in serial ranges; the journal |
//! | [`timeline`] | the policy timeline as data: cycles, deadlines, rules, vintages, calendar, with sources |
//! | [`scenario`] | the 2021–2023 replay through the exchange, its plan and reports; scenario files, fleets, calibration statistics, the Monte Carlo driver with shards and merge |
//! | [`report`] | whole-file output folders, SVG charts, terminal tables |
//!
//! Layers import one way: `units` ← `book` ← `exchange` ← `scenario`, with `registry` and
//! `compliance` beside the book and below the exchange, and `economics` (units only) below
//! `agents` and `scenario`.
//!
//! ## Determinism
//!
//! The same inputs and seed give byte-identical outputs, whatever the thread count: prices and
//! money are integers, collections that are iterated keep insertion or key order, random numbers
//! come from seeded ChaCha streams, and no code reads the clock.
//!
//! ## Data
//!
//! The embedded 2021–2023 series is published by the exchange. Source: Shanghai Environment and
//! Energy Exchange.

pub mod agents;
pub mod book;
pub mod calendar;
pub mod compliance;
pub mod economics;
pub mod exchange;
pub mod history;
pub mod instrument;
pub mod registry;
pub mod report;
pub mod scenario;
pub mod schedule;
pub mod timeline;
pub mod units;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
