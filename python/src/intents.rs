//! Order intents written in Python: `Order(...)` and `CancelAll()`, checked when made and turned
//! into the library's [`OrderIntent`]s within the day's rules.

use carbonsim::agents::{MarketView, Method, OrderIntent, OrderKind, OrderRequest, Side};
use carbonsim::units::{Price, Quantity};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::AgentError;

/// An order for the subject of the view it answers. `price` is in CNY as a `Decimal`, `str` or
/// `int` (a `float` is read through its shortest repr); the engine clamps it into the method's
/// band and the quantity into its size rules, as for Rust agents.
#[pyclass(module = "carbonsim._carbonsim", frozen)]
#[derive(Clone)]
pub struct Order {
    side: Side,
    method: Method,
    kind: OrderKind,
    limit: Price,
    quantity: Quantity,
    level: Option<u8>,
}

fn parse_side(s: &str) -> PyResult<Side> {
    match s {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        _ => Err(PyValueError::new_err(format!(
            "side {s:?}: expected \"buy\" or \"sell\""
        ))),
    }
}

fn parse_method(s: &str) -> PyResult<Method> {
    match s {
        "listed" => Ok(Method::Listed),
        "block" => Ok(Method::Block),
        _ => Err(PyValueError::new_err(format!(
            "method {s:?}: expected \"listed\" or \"block\""
        ))),
    }
}

fn parse_kind(s: &str) -> PyResult<OrderKind> {
    Ok(match s {
        "limit" => OrderKind::Limit,
        "ioc" => OrderKind::ImmediateOrCancel,
        "fok" => OrderKind::FillOrKill,
        "market" => OrderKind::MarketWithProtection,
        "post_only" => OrderKind::PostOnly,
        _ => {
            return Err(PyValueError::new_err(format!(
                "kind {s:?}: expected limit, ioc, fok, market or post_only"
            )));
        }
    })
}

#[pymethods]
impl Order {
    #[new]
    #[pyo3(signature = (side, quantity, price, method="listed", kind="limit", level=None))]
    fn new(
        side: &str,
        quantity: u64,
        price: &Bound<'_, PyAny>,
        method: &str,
        kind: &str,
        level: Option<u8>,
    ) -> PyResult<Self> {
        let text = price.str()?.to_string();
        let limit: Price = text
            .parse()
            .map_err(|e| PyValueError::new_err(format!("price {text}: {e}")))?;
        Ok(Order {
            side: parse_side(side)?,
            method: parse_method(method)?,
            kind: parse_kind(kind)?,
            limit,
            quantity: Quantity::new(quantity),
            level,
        })
    }

    /// `"buy"` or `"sell"`.
    #[getter]
    fn side(&self) -> &'static str {
        crate::views::side_name(self.side)
    }

    /// The limit in fen.
    #[getter]
    fn price_fen(&self) -> i64 {
        self.limit.fen()
    }

    /// The quantity in units.
    #[getter]
    fn quantity(&self) -> u64 {
        self.quantity.units()
    }

    fn __repr__(&self) -> String {
        format!(
            "Order({:?}, {}, \"{}\", method={:?})",
            self.side(),
            self.quantity,
            self.limit,
            crate::views::method_name(self.method)
        )
    }
}

/// Cancel all of this agent's open orders on the view's subject (before the intents after it).
#[pyclass(module = "carbonsim._carbonsim", frozen)]
pub struct CancelAll;

#[pymethods]
impl CancelAll {
    #[new]
    fn new() -> Self {
        CancelAll
    }

    fn __repr__(&self) -> &'static str {
        "CancelAll()"
    }
}

/// Appends the intents in `returned` (None or an iterable of `Order` / `CancelAll`) to `out`.
pub fn extract(
    returned: &Bound<'_, PyAny>,
    market: &MarketView<'_>,
    out: &mut Vec<OrderIntent>,
) -> PyResult<()> {
    if returned.is_none() {
        return Ok(());
    }
    for item in returned.try_iter()? {
        let item = item?;
        if let Ok(o) = item.cast::<Order>() {
            let o = o.get();
            let request =
                OrderRequest::within_rules(market, o.side, o.method, o.kind, o.limit, o.quantity);
            let request = match (request, o.level) {
                (Some(r), Some(l)) => Some(r.at_level(l)),
                (r, _) => r,
            };
            out.extend(request.map(OrderIntent::Place));
        } else if item.cast::<CancelAll>().is_ok() {
            out.push(OrderIntent::CancelMyOpenOrders);
        } else {
            return Err(AgentError::new_err(format!(
                "on_day returned {}, which is not an Order or CancelAll",
                item.repr()?
            )));
        }
    }
    Ok(())
}
