import datetime as dt

import pandas as pd
import pytest

import carbonsim

from helpers import check_schema


@pytest.fixture(scope="module")
def full() -> carbonsim.ReplayResult:
    return carbonsim.replay()


def test_full_replay_frames_follow_their_schemas(full):
    check_schema(full.daily, "replay.daily")
    check_schema(full.vintages, "replay.vintages")
    check_schema(full.totals, "replay.totals")
    assert full.daily["date"].is_monotonic_increasing
    assert set(full.daily["subject"]) == {"COMCEA"}
    assert set(full.vintages["subject"]) == {"CEA", "CEA21", "CEA22"}


def test_replay_reproduces_the_published_market_to_the_tonne_and_fen(full):
    d = full.daily
    for k in ("listed_volume_t", "listed_turnover_fen", "block_volume_t", "block_turnover_fen"):
        assert (d[k] == d["published_" + k]).all(), k
    t = full.totals
    assert (t["volume_t"] == t["published_volume_t"]).all()
    assert (t["turnover_fen"] == t["published_turnover_fen"]).all()


def test_summary_matches_the_frames(full):
    s = full.summary
    assert s["seed"] == 42
    assert s["from"] == "2021-07-16" and s["to"] == "2023-12-29"
    assert s["trading_days"] == len(full.daily)
    assert [p["period"] for p in s["totals"]] == list(full.totals["period"])
    assert s["exact_days"] == s["trading_days"]


def test_convenience_columns_are_the_exact_ones_in_cny(full):
    d = full.daily.dropna(subset=["close_fen"])
    assert ((d["close"] * 100).round().astype("int64") == d["close_fen"].astype("int64")).all()
    assert (d["volume_t"] == d["listed_volume_t"] + d["block_volume_t"]).all()


def test_a_span_and_string_dates():
    r = carbonsim.replay(start="2021-07-16", end=dt.date(2021, 7, 30), seed=7)
    assert r.daily["date"].min() == pd.Timestamp("2021-07-16")
    assert r.daily["date"].max() == pd.Timestamp("2021-07-30")
    assert r.summary["seed"] == 7
    assert "2021-07-16" in repr(r)


def test_dates_outside_the_series_raise_replay_error():
    with pytest.raises(carbonsim.ReplayError, match="2020-01-02"):
        carbonsim.replay(start="2020-01-02")
    with pytest.raises(carbonsim.CarbonsimError):
        carbonsim.replay(start="2022-01-04", end="2021-12-31")
