//! What a Python agent is shown: owned copies of the library's views, built once per call.

use carbonsim::agents::{self, Side};
use chrono::NaiveDate;
use pyo3::prelude::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::columns::{fen, price, units};

/// The agent's own random stream: the library's per-agent ChaCha stream, so a seed reproduces
/// the agent's draws exactly.
#[pyclass(module = "carbonsim._carbonsim")]
pub struct RandomStream {
    pub rng: ChaCha8Rng,
}

#[pymethods]
impl RandomStream {
    /// A float in [0, 1).
    fn random(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// An integer in [a, b], both included (as `random.randint`).
    fn randint(&mut self, a: i64, b: i64) -> PyResult<i64> {
        if b < a {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "randint({a}, {b}): empty range"
            )));
        }
        Ok(self.rng.random_range(a..=b))
    }

    /// A float in [a, b).
    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.rng.random::<f64>()
    }
}

/// One subject's market on one trading day: public data only. Prices are integer fen,
/// quantities whole units (tonnes for allowances).
#[pyclass(module = "carbonsim._carbonsim", frozen, get_all)]
pub struct MarketView {
    /// The subject (`"CEA"`, `"CEA21"`, `"CCER-P001"`, …).
    pub subject: String,
    /// The trading day.
    pub date: NaiveDate,
    /// 0-based index of the day in the run.
    pub day_index: u32,
    /// The previous close, fen.
    pub prev_close_fen: i64,
    /// Today's listed band (±10 %), fen, limits included.
    pub listed_band_fen: (i64, i64),
    /// Today's block band (±30 %), fen.
    pub block_band_fen: (i64, i64),
    /// Largest listed order, units.
    pub listed_max: u64,
    /// Smallest block order, units.
    pub block_min: u64,
    /// Best bids, best first (at most five): (price fen, quantity).
    pub bids: Vec<(i64, u64)>,
    /// Best asks, best first.
    pub asks: Vec<(i64, u64)>,
    /// The last daily bars, oldest first: (date, close fen, listed volume, block volume).
    pub bars: Vec<(NaiveDate, i64, u64, u64)>,
    /// Compliance deadlines ahead, nearest first: (date, trading days left, share due in bp).
    pub deadlines: Vec<(NaiveDate, u32, u32)>,
    /// The agent's own account.
    pub account: Py<AccountView>,
    /// The agent's random stream.
    pub rng: Py<RandomStream>,
}

#[pymethods]
impl MarketView {
    /// The previous close in CNY, as a float (for heuristics and plots).
    #[getter]
    fn prev_close(&self) -> f64 {
        self.prev_close_fen as f64 / 100.0
    }
}

/// The agent's own account: cash in fen, holdings in units.
#[pyclass(module = "carbonsim._carbonsim", frozen, get_all)]
pub struct AccountView {
    /// Cash free to spend, fen.
    pub cash_available_fen: i64,
    /// Cash frozen by open buy orders, fen.
    pub cash_frozen_fen: i64,
    /// Per subject: (available, frozen) units.
    pub holdings: Vec<(String, u64, u64)>,
}

#[pymethods]
impl AccountView {
    /// Available and frozen units of `subject` (zeros if none).
    fn holding(&self, subject: &str) -> (u64, u64) {
        self.holdings
            .iter()
            .find(|h| h.0 == subject)
            .map_or((0, 0), |h| (h.1, h.2))
    }
}

/// A fill of one of the agent's orders.
#[pyclass(module = "carbonsim._carbonsim", frozen, get_all)]
pub struct Fill {
    /// The subject.
    pub subject: String,
    /// The day.
    pub date: NaiveDate,
    /// `"buy"` or `"sell"` (the agent's side).
    pub side: &'static str,
    /// `"listed"` or `"block"`.
    pub method: &'static str,
    /// Execution price, fen.
    pub price_fen: i64,
    /// Quantity, units.
    pub quantity: u64,
}

/// The day's outcome on one subject, told after the close.
#[pyclass(module = "carbonsim._carbonsim", frozen, get_all)]
pub struct DayOutcome {
    /// The subject.
    pub subject: String,
    /// The day.
    pub date: NaiveDate,
    /// The close, fen.
    pub close_fen: i64,
    /// Listed volume, units.
    pub listed_volume: u64,
    /// Block volume, units.
    pub block_volume: u64,
    /// This agent's intents the exchange rejected today on this subject.
    pub rejected_intents: u32,
}

pub fn side_name(s: Side) -> &'static str {
    match s {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

pub fn method_name(m: agents::Method) -> &'static str {
    match m {
        agents::Method::Listed => "listed",
        agents::Method::Block => "block",
    }
}

/// Builds the view of `market` and `account` for Python.
pub fn market_view(
    py: Python<'_>,
    market: &agents::MarketView<'_>,
    account: &agents::AccountView<'_>,
    rng: Py<RandomStream>,
) -> PyResult<MarketView> {
    let level = |l: &agents::Level| (price(l.price), units(l.quantity));
    let band = |b: agents::PriceBand| (price(b.lower), price(b.upper));
    let account = AccountView {
        cash_available_fen: fen(account.cash_available),
        cash_frozen_fen: fen(account.cash_frozen),
        holdings: account
            .holdings
            .iter()
            .map(|h| (h.subject.to_owned(), units(h.available), units(h.frozen)))
            .collect(),
    };
    Ok(MarketView {
        subject: market.subject.to_owned(),
        date: market.date,
        day_index: market.day_index,
        prev_close_fen: price(market.prev_close),
        listed_band_fen: band(market.listed_band),
        block_band_fen: band(market.block_band),
        listed_max: units(market.sizes.listed_max),
        block_min: units(market.sizes.block_min),
        bids: market.bids.iter().map(level).collect(),
        asks: market.asks.iter().map(level).collect(),
        bars: market
            .bars
            .iter()
            .map(|b| {
                (
                    b.date,
                    price(b.close),
                    units(b.listed_volume),
                    units(b.block_volume),
                )
            })
            .collect(),
        deadlines: market
            .deadlines
            .iter()
            .map(|d| (d.date, d.trading_days_left, d.required_share_bp))
            .collect(),
        account: Py::new(py, account)?,
        rng,
    })
}
