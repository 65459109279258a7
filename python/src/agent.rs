//! A Python object as a library [`Agent`]: each callback takes the GIL (released by the run
//! around it), builds an owned view, and reads the returned intents. The agent's random stream is
//! the one the library made for it, lent to Python for the call and taken back after, so the
//! same seed reproduces every draw.
//!
//! A Python exception cannot cross the `Agent` trait: the first one is kept, the agent stops
//! trading, and the binding raises it after the run.

use std::sync::{Arc, Mutex};

use carbonsim::agents::{AccountView, Agent, DayOutcome, Fill, MarketView, OrderIntent, agent_rng};
use pyo3::prelude::*;
use rand_chacha::ChaCha8Rng;

use crate::columns::{price, units};
use crate::views::{self, RandomStream};

/// Where a failed Python agent leaves its exception.
pub type ErrorSlot = Arc<Mutex<Option<PyErr>>>;

/// A Python agent inside a run.
pub struct PyAgent {
    object: Py<PyAny>,
    stream: Py<RandomStream>,
    error: ErrorSlot,
}

impl PyAgent {
    /// Wraps `object` (a `carbonsim.Agent`); its exception, if any, lands in `error`.
    pub fn new(py: Python<'_>, object: Py<PyAny>, error: ErrorSlot) -> PyResult<Self> {
        // A placeholder: the library's stream is lent in at every call.
        let stream = Py::new(
            py,
            RandomStream {
                rng: agent_rng(0, 0),
            },
        )?;
        Ok(PyAgent {
            object,
            stream,
            error,
        })
    }

    fn failed(&self) -> bool {
        self.error.lock().map(|e| e.is_some()).unwrap_or(true)
    }

    /// Runs `f` with the GIL unless the agent has failed; keeps its first error.
    fn call<R: Default>(&self, f: impl FnOnce(Python<'_>) -> PyResult<R>) -> R {
        if self.failed() {
            return R::default();
        }
        Python::attach(|py| match f(py) {
            Ok(r) => r,
            Err(e) => {
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
                R::default()
            }
        })
    }

    fn decide(
        &self,
        py: Python<'_>,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) -> PyResult<()> {
        let stream = self.stream.bind(py);
        stream.borrow_mut().rng = rng.clone();
        let view = views::market_view(py, market, account, self.stream.clone_ref(py))?;
        let returned = self.object.bind(py).call_method1("on_day", (view,));
        // The stream goes back whatever Python did, so the draws stay the agent's own.
        *rng = stream.borrow().rng.clone();
        crate::intents::extract(&returned?, market, out)
    }
}

impl Agent for PyAgent {
    fn kind(&self) -> &'static str {
        "python"
    }

    fn trades(&self, subject: &str) -> bool {
        self.call(|py| {
            self.object
                .bind(py)
                .call_method1("trades", (subject,))?
                .extract()
        })
    }

    fn on_day(
        &mut self,
        market: &MarketView<'_>,
        account: &AccountView<'_>,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<OrderIntent>,
    ) {
        self.call(|py| self.decide(py, market, account, rng, out));
    }

    fn on_fill(&mut self, fill: &Fill<'_>) {
        self.call(|py| {
            let f = views::Fill {
                subject: fill.subject.to_owned(),
                date: fill.date,
                side: views::side_name(fill.side),
                method: views::method_name(fill.method),
                price_fen: price(fill.price),
                quantity: units(fill.quantity),
            };
            self.object.bind(py).call_method1("on_fill", (f,))?;
            Ok(())
        });
    }

    fn on_day_end(&mut self, outcome: &DayOutcome<'_>) {
        self.call(|py| {
            let o = views::DayOutcome {
                subject: outcome.subject.to_owned(),
                date: outcome.bar.date,
                close_fen: price(outcome.bar.close),
                listed_volume: units(outcome.bar.listed_volume),
                block_volume: units(outcome.bar.block_volume),
                rejected_intents: outcome.rejected_intents,
            };
            self.object.bind(py).call_method1("on_day_end", (o,))?;
            Ok(())
        });
    }
}
