"""Schemas, exact money helpers, the GIL and the package surface."""

import threading
import time
from decimal import Decimal

import pandas as pd
import pytest

import carbonsim


@pytest.mark.parametrize("name", sorted(carbonsim.SCHEMAS))
def test_every_schema_is_documented(name):
    df = carbonsim.schema(name)
    assert list(df.columns) == ["name", "dtype", "unit", "description"]
    assert df["name"].is_unique
    assert (df["description"].str.len() > 0).all()
    # Every exact money column says it is integer fen.
    fen = df[df["name"].str.endswith("_fen")]
    assert fen["unit"].str.contains("integer fen").all()


def test_unknown_schema_names_the_known_ones():
    with pytest.raises(KeyError, match="run.daily"):
        carbonsim.schema("run.weekly")


def test_with_decimal_keeps_missing_prices_missing():
    r = carbonsim.replay(end="2021-08-31")
    d = carbonsim.with_decimal(r.daily)
    assert d["open_fen"].isna().sum() == d["open_cny"].isna().sum()
    row = d.dropna(subset=["close_fen"]).iloc[0]
    assert row["close_cny"] == Decimal(int(row["close_fen"])) / 100
    assert d["listed_turnover_cny"].map(type).eq(Decimal).all()
    assert list(r.daily.columns) == list(d.columns[: len(r.daily.columns)])


def test_the_gil_is_released_while_a_run_works(small):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    small.set("fleet.compliance_firms", 2000)
    t = threading.Thread(target=tick)
    t.start()
    try:
        started = time.perf_counter()
        small.run()
        ended = time.perf_counter()
    finally:
        stop.set()
        t.join()
    during = [x for x in ticks if started < x < ended]
    # A held GIL would leave the ticker a handful of switch intervals at most.
    assert len(during) > 20, (len(during), ended - started)


def test_the_package_surface():
    assert carbonsim.__version__ == "0.1.0"
    for name in carbonsim.__all__:
        assert getattr(carbonsim, name) is not None, name
    for exc in ("ScenarioError", "OverrideError", "RunError", "ReplayError", "AgentError", "CalibrationError"):
        assert issubclass(getattr(carbonsim, exc), carbonsim.CarbonsimError)
    assert issubclass(carbonsim.CarbonsimError, Exception)


def test_views_seen_by_an_agent(small):
    seen = []

    class Watcher(carbonsim.Agent):
        def on_day(self, view):
            if not seen and view.bars:
                seen.append(view)
            return None

    small.add_agent(Watcher(cash="1000")).run(seed=2)
    v = seen[0]
    lo, hi = v.listed_band_fen
    assert lo < v.prev_close_fen < hi and v.prev_close == v.prev_close_fen / 100
    assert v.block_band_fen[0] < lo and v.block_band_fen[1] > hi
    assert (v.listed_max, v.block_min) == (99_999, 100_000)
    assert v.subject == "CEA" and v.day_index >= 1
    assert v.bars[-1][0] < v.date
    # The first cycle's entity-share interim asks each firm for all of its obligation.
    assert [d[0].isoformat() for d in v.deadlines[:2]] == ["2021-12-15", "2021-12-31"]
    assert v.deadlines[0][2] == 10_000
    assert v.account.cash_available_fen == 100_000 and v.account.holding("CEA") == (0, 0)
    assert all(p > 0 and q > 0 for p, q in v.bids + v.asks)
