from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import carbonsim

from helpers import check_schema


def test_montecarlo_frames_and_seeds(small):
    mc = carbonsim.montecarlo(small, seeds=3, threads=2)
    check_schema(mc.runs, "seeds")
    check_schema(mc.daily, "montecarlo.daily")
    check_schema(mc.statistics, "montecarlo.statistics")
    assert list(mc.runs["seed"]) == [11, 12, 13]
    assert mc.scenario_hash == small.content_hash
    s = mc.statistics.set_index("statistic")
    assert s.loc["volatility", "p5"] <= s.loc["volatility", "p50"] <= s.loc["volatility", "p95"]
    assert "3 seeds" in repr(mc)


def test_montecarlo_equals_single_runs_and_ignores_threads(small):
    one = carbonsim.montecarlo(small, seeds=range(40, 42), threads=1)
    two = carbonsim.montecarlo(small, seeds=range(40, 42), threads=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.daily, two.daily)
    for seed in (40, 41):
        run = small.run(seed=seed)
        comcea = run.daily[run.daily["subject"] == "COMCEA"]
        row = one.runs[one.runs["seed"] == seed].iloc[0]
        assert row["close_end_fen"] == comcea["close_fen"].iloc[-1]
        assert row["volume_t"] == comcea["volume_t"].sum()
        assert row["volatility"] == run.statistics.set_index("statistic").loc["volatility", "simulated"]


def test_montecarlo_default_seeds_come_from_the_scenario(small):
    assert len(carbonsim.montecarlo(small).runs) == 4


def test_montecarlo_argument_errors(small):
    with pytest.raises(ValueError, match="at least one seed"):
        carbonsim.montecarlo(small, seeds=0)
    with pytest.raises(ValueError, match="thread"):
        carbonsim.montecarlo(small, seeds=1, threads=0)
    with pytest.raises(ValueError, match="step 1"):
        carbonsim.montecarlo(small, seeds=range(0, 10, 2))
    with pytest.raises(TypeError):
        carbonsim.montecarlo(small, seeds=[1, 2])


def test_sweep_runs_every_point_over_the_same_seeds(small):
    grid = {"fleet.compliance_firms": [100, 200], "behaviour.compliance_firm.base_activity": [0.01, 0.03]}
    df = carbonsim.sweep(small, grid, seeds=2)
    assert list(df.columns[:3]) == ["point", "fleet.compliance_firms", "behaviour.compliance_firm.base_activity"]
    check_schema(df.iloc[:, 3:], "seeds")
    assert len(df) == 8
    assert list(df["point"]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert list(df["fleet.compliance_firms"]) == [100] * 4 + [200] * 4
    assert list(df["seed"]) == [11, 12] * 4
    # A point's row is the run of that scenario and seed.
    point = small.copy().set("fleet.compliance_firms", 200).set("behaviour.compliance_firm.base_activity", 0.03)
    run = point.run(seed=12)
    comcea = run.daily[run.daily["subject"] == "COMCEA"]
    assert df.iloc[7]["volume_t"] == comcea["volume_t"].sum()


def test_sweep_through_an_executor_equals_the_in_process_sweep(small):
    points = [{"fleet.compliance_firms": 150}, {"fleet.compliance_firms": 250}]
    here = carbonsim.sweep(small, points, seeds=range(5, 8))
    with ThreadPoolExecutor(max_workers=2) as pool:
        there = carbonsim.sweep(small, points, seeds=range(5, 8), executor=pool, shards=3)
    pd.testing.assert_frame_equal(here, there)


def test_sweep_validates_points_before_running(small):
    with pytest.raises(carbonsim.OverrideError, match="fleet.compliance_firm "):
        carbonsim.sweep(small, {"fleet.compliance_firm": [1]}, seeds=1)


def test_studies_refuse_python_agents(small):
    class Idle(carbonsim.Agent):
        def on_day(self, view):
            return None

    small.add_agent(Idle())
    with pytest.raises(ValueError, match="built-in fleet"):
        carbonsim.montecarlo(small, seeds=1)
    with pytest.raises(ValueError, match="built-in fleet"):
        carbonsim.sweep(small, [{}], seeds=1)
    import pickle

    with pytest.raises(TypeError, match="Python agents"):
        pickle.dumps(small)
