"""DataFrame schemas and construction.

The native module hands over columns (lists of integers, strings and day numbers). This module
turns them into pandas DataFrames with the documented column names, dtypes and units, and adds
float convenience columns in CNY beside every exact integer-fen column. pandas is imported on
first use, so ``import carbonsim`` stays fast.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class Column(NamedTuple):
    """One documented column: its name, pandas dtype, unit and meaning."""

    name: str
    dtype: str
    unit: str
    description: str


def _c(name: str, dtype: str, unit: str, description: str) -> Column:
    return Column(name, dtype, unit, description)


_DATE = "datetime64[ns]"
_FEN = "integer fen (1 CNY = 100 fen), exact"

_REPLAY_DAY = [
    _c("date", _DATE, "day", "trading day"),
    _c("subject", "object", "", "COMCEA (all allowance vintages) or a vintage code: CEA, CEA21, CEA22"),
    *[
        _c(f"{p}{k}_fen", "Int64", _FEN, f"{'published' if p else 'simulated'} {k} price (missing without listed trades)")
        for p in ("", "published_")
        for k in ("open", "high", "low", "close")
    ],
    *[
        c
        for p in ("", "published_")
        for c in (
            _c(f"{p}listed_volume_t", "int64", "t", f"{'published' if p else 'simulated'} listed-agreement volume"),
            _c(f"{p}listed_turnover_fen", "int64", _FEN, f"{'published' if p else 'simulated'} listed-agreement turnover"),
            _c(f"{p}block_volume_t", "int64", "t", f"{'published' if p else 'simulated'} block-agreement volume"),
            _c(f"{p}block_turnover_fen", "int64", _FEN, f"{'published' if p else 'simulated'} block-agreement turnover"),
        )
    ],
    _c("close", "Float64", "CNY/t, float", "close_fen / 100, for plotting"),
    _c("published_close", "Float64", "CNY/t, float", "published_close_fen / 100, for plotting"),
    _c("volume_t", "int64", "t", "listed + block volume"),
    _c("turnover", "float64", "CNY, float", "(listed + block turnover) / 100, for plotting"),
]

SCHEMAS: Dict[str, List[Column]] = {
    "replay.daily": _REPLAY_DAY,
    "replay.vintages": _REPLAY_DAY,
    "replay.totals": [
        _c("period", "object", "", "2021, 2022, 2023, or the replayed span"),
        _c("from", _DATE, "day", "first trading day in the period"),
        _c("to", _DATE, "day", "last trading day in the period"),
        _c("volume_t", "int64", "t", "simulated volume"),
        _c("turnover_fen", "int64", _FEN, "simulated turnover"),
        _c("published_volume_t", "int64", "t", "published volume"),
        _c("published_turnover_fen", "int64", _FEN, "published turnover"),
        _c("turnover", "float64", "CNY, float", "turnover_fen / 100"),
        _c("published_turnover", "float64", "CNY, float", "published_turnover_fen / 100"),
    ],
    "run.daily": [
        _c("date", _DATE, "day", "trading day"),
        _c("subject", "object", "", "COMCEA (all allowance vintages together), CEA, CEA21, CEA22, CCER or GEC"),
        _c("close_fen", "int64", _FEN, "close: listed VWAP, or the previous close without listed trades"),
        _c("listed_volume_t", "int64", "t (units)", "listed-agreement volume"),
        _c("listed_turnover_fen", "int64", _FEN, "listed-agreement turnover"),
        _c("block_volume_t", "int64", "t (units)", "block-agreement volume"),
        _c("block_turnover_fen", "int64", _FEN, "block-agreement turnover"),
        _c("close", "float64", "CNY per unit, float", "close_fen / 100, for plotting"),
        _c("volume_t", "int64", "t (units)", "listed + block volume"),
        _c("turnover", "float64", "CNY, float", "(listed + block turnover) / 100, for plotting"),
    ],
    "run.firms": [
        _c("account", "int64", "", "registry account number (opening order)"),
        _c("name", "object", "", "account name (firm, agent or operator)"),
        _c("kind", "object", "", "covered_entity, institution, project_owner, renewable_generator, certificate_buyer or operator"),
        _c("bought_t", "int64", "units", "units bought over the run, all subjects"),
        _c("sold_t", "int64", "units", "units sold over the run, all subjects"),
        _c("paid_fen", "int64", _FEN, "value of purchases (price x quantity), fees excluded"),
        _c("received_fen", "int64", _FEN, "value of sales, fees excluded"),
        _c("fees_fen", "int64", _FEN, "exchange fees paid"),
        _c("cash_end_fen", "int64", _FEN, "cash held at the end (available + frozen + pending), after fines"),
        _c("cea_held_t", "int64", "t", "allowances held at the end, all vintages (after surrenders)"),
        _c("ccer_held", "int64", "t", "CCERs held at the end"),
        _c("gec_held", "int64", "certificates", "GECs held at the end"),
        _c("cash_end", "float64", "CNY, float", "cash_end_fen / 100"),
    ],
    "run.compliance": [
        _c("cycle", "object", "", "compliance cycle (2019-2020, 2021-2022)"),
        _c("deadline", _DATE, "day", "deadline settled"),
        _c("share_due_pct", "int64", "%", "share of the obligation due at this deadline"),
        _c("entities", "int64", "", "covered entities"),
        _c("entities_complying", "int64", "", "entities with no shortfall"),
        _c("obligation_t", "int64", "t", "total obligation due"),
        _c("covered_t", "int64", "t", "surrendered, offset or borrowed"),
        _c("shortfall_t", "int64", "t", "total shortfall"),
        _c("rate_by_volume_bp", "int64", "basis points", "compliance rate by volume"),
        _c("rate_by_entities_bp", "int64", "basis points", "compliance rate by entities"),
        _c("fines_fen", "int64", _FEN, "fines levied"),
        _c("rate_by_volume", "float64", "fraction", "rate_by_volume_bp / 10000"),
        _c("fines", "float64", "CNY, float", "fines_fen / 100"),
    ],
    "run.auctions": [
        _c("date", _DATE, "day", "the auction's day"),
        _c("plan", "object", "", "the auction plan (or 'reserve release')"),
        _c("subject", "object", "", "the vintage sold"),
        _c("offered_t", "int64", "t", "offered (a carried tonne counts at each offer)"),
        _c("bids", "int64", "", "sealed bids received"),
        _c("sold_t", "int64", "t", "sold"),
        _c("clearing_price_fen", "Int64", _FEN, "the lowest accepted bid (missing when nothing sold)"),
        _c("revenue_fen", "int64", _FEN, "cash received by the auctioneer, after the exchange's fee"),
        _c("unsold_t", "int64", "t", "not sold"),
        _c("unsold_to", "object", "", "carried (to the year's next auction), reserve or cancel"),
        _c("clearing_price", "Float64", "CNY/t, float", "clearing_price_fen / 100"),
        _c("revenue", "float64", "CNY, float", "revenue_fen / 100"),
    ],
    "run.reserve": [
        _c("date", _DATE, "day", "the move's day"),
        _c("action", "object", "", "intake, release, unsold (taken in) or cancel"),
        _c("quantity_t", "int64", "t", "moved"),
        _c("because", "object", "", "what set it off"),
        _c("held_after_t", "int64", "t", "the reserve's holdings after the move"),
    ],
    "run.statistics": [
        _c("statistic", "object", "", "calibration statistic of the allowance market (COMCEA), named as in `montecarlo.statistics` and the CLI's `study.json`: mean and last closes, volumes, deadline-month and busiest-day shares, volatility, drawdown, listed share, close-path MAPE, the first cycle's CCER offsets when the run has the CCER market and the published figures of each later year it covers (2024: volume, turnover, year-end and peak close, fourth-quarter share); the close path's RMSE (CNY) last"),
        _c("simulated", "float64", "as named", "the run's value (volumes in t, shares and rates as fractions)"),
        _c("published", "float64", "as named", "the published market's value (NaN where none)"),
        _c("relative_error", "float64", "fraction", "(simulated - published) / published"),
    ],
    "timeline": [
        _c("date", _DATE, "day", "the event's date"),
        _c("event", "object", "", "interim deadline, final deadline, allocation credited, vintage listed"),
        _c("cycle", "object", "", "the compliance cycle it belongs to"),
        _c("detail", "object", "", "the deadline's name or the vintage's code"),
        _c("share_due_pct", "Int64", "%", "share due by a deadline, of the volume or of the entities"),
        _c("share_of", "object", "", "volume or entities (deadlines only)"),
        _c("announced", _DATE, "day", "the day a deadline was made known (its own notice, else its cycle's plan); NaT for other events and deadlines without either"),
        _c("in_run", "bool", "", "whether the date lies between the scenario's start and end"),
        _c("source", "object", "", "where the date comes from"),
    ],
    "seeds": [
        _c("seed", "int64", "", "the run's seed"),
        _c("close_end_fen", "Int64", _FEN, "last close of the allowance market (COMCEA)"),
        _c("volume_t", "int64", "t", "allowance volume over the run"),
        _c("volatility", "float64", "fraction", "annualised volatility of the close"),
        _c("maximum_drawdown", "float64", "fraction", "maximum drawdown of the close"),
        _c("listed_share", "float64", "fraction", "listed share of the volume"),
        _c("close_path_mape", "float64", "fraction", "mean absolute percentage error of the close against the published path"),
        _c("compliance_rate_min_bp", "Int64", "basis points", "lowest compliance rate by volume over the deadlines"),
        _c("close_end", "Float64", "CNY/t, float", "close_end_fen / 100"),
    ],
    "montecarlo.daily": [
        _c("seed", "int64", "", "the run's seed"),
        _c("date", _DATE, "day", "trading day"),
        _c("close_fen", "int64", _FEN, "allowance close (COMCEA)"),
        _c("volume_t", "int64", "t", "allowance volume (listed + block)"),
        _c("close", "float64", "CNY/t, float", "close_fen / 100"),
    ],
    "montecarlo.statistics": [
        _c("statistic", "object", "", "calibration statistic (as in run.statistics)"),
        _c("published", "float64", "as named", "the published value (NaN where none)"),
        *[_c(p, "float64", "as named", f"{p[1:]}th percentile over the seeds (nearest rank)") for p in ("p5", "p25", "p50", "p75", "p95")],
    ],
    "calibrate.history": [
        _c("evaluation", "int64", "", "the evaluation's number, from 1 (a point evaluated before appears again, from its record); a column per parameter follows"),
        _c("objective", "float64", "none", "D: the weighted mean of the squared relative errors of the seeds' mean statistics"),
    ],
    "calibrate.fit": [
        _c("statistic", "object", "", "target statistic's key (mean_close_2022_cny_t, volatility, ...)"),
        _c("unit", "object", "", "the statistic's unit: CNY/t, t, days or fraction"),
        _c("simulated", "float64", "as unit", "mean over the seeds at the optimum"),
        _c("published", "float64", "as unit", "the published value (the target)"),
        _c("relative_error", "float64", "fraction", "(simulated - published) / published"),
        _c("weight", "float64", "", "the target's weight in D"),
    ],
}


def schema(name: str) -> "pd.DataFrame":
    """The documented columns of one DataFrame (``"run.daily"``, ``"replay.totals"``, …):
    name, dtype, unit and description. ``SCHEMAS`` lists every name."""
    import pandas as pd

    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r}; known: {', '.join(SCHEMAS)}")
    return pd.DataFrame(SCHEMAS[name], columns=list(Column._fields))


def _derived(name: str, cols: Dict[str, Any], out: Dict[str, Any]) -> Any:
    """Values of a convenience column computed from the exact ones."""
    if name == "volume_t" and "listed_volume_t" in out:
        return out["listed_volume_t"] + out["block_volume_t"]
    if name == "turnover" and "listed_turnover_fen" in out:
        return (out["listed_turnover_fen"] + out["block_turnover_fen"]) / 100.0
    if name == "rate_by_volume":
        return out["rate_by_volume_bp"] / 10_000.0
    if name + "_fen" in out:
        return out[name + "_fen"] / 100.0
    raise KeyError(name)


def frame(name: str, cols: Dict[str, Any]) -> "pd.DataFrame":
    """The DataFrame ``name`` from native columns, in schema order and dtypes."""
    import numpy as np
    import pandas as pd

    dates = set(cols.get("__dates__", ()))
    out: Dict[str, Any] = {}
    for col in SCHEMAS[name]:
        if col.name in cols:
            values = cols[col.name]
            if col.name in dates:
                series = pd.Series(np.asarray(values, dtype="int64").astype("datetime64[D]").astype(_DATE))
            elif col.dtype in ("Int64", "Float64"):
                series = pd.Series(pd.array(values, dtype=col.dtype))
            elif col.dtype == "object":
                series = pd.Series(values, dtype=object)
            else:
                series = pd.Series(np.asarray(values, dtype=col.dtype if col.dtype != "float64" else float))
        else:
            series = _derived(col.name, cols, out)
            series = series.astype(col.dtype)
        out[col.name] = series
    return pd.DataFrame(out)


def with_decimal(df: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of ``df`` with a ``decimal.Decimal`` column in CNY beside every integer-fen
    column: ``close_fen`` gains ``close_cny`` (exact, e.g. ``Decimal('54.22')``)."""
    import pandas as pd

    out = df.copy()
    for name in df.columns:
        if name.endswith("_fen"):
            out[name[:-4] + "_cny"] = pd.Series(
                [None if pd.isna(v) else Decimal(int(v)).scaleb(-2) for v in df[name].tolist()],
                index=df.index,
                dtype=object,
            )
    return out
