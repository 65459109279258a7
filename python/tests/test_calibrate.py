"""`carbonsim.calibrate`: the same result as `carbonsim calibrate`, typed errors before anything
runs, and a checkpoint to resume from.

The scenario of tests/calibrate.rs (120 firms, July–December 2021), one parameter, two seeds and
a budget of six evaluations keep each test to about a second."""

import csv
import json
import os
import subprocess
import tempfile
import threading
import time

import pytest
from helpers import check_schema

import carbonsim

SCENARIO = """
name = "cal_small"
seed = 7
start = "2021-07-16"
end = "2021-12-31"

[fleet]
compliance_firms = 120
"""
PATH = "behaviour.compliance_firm.base_activity"
PARAMS = {PATH: (0.005, 0.05)}


@pytest.fixture
def scenario() -> carbonsim.Scenario:
    return carbonsim.Scenario.from_toml(SCENARIO)


def cli_calibrate(cli, tmp_path, max_evals: int):
    path = tmp_path / "cal_small.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "cli"
    args = [str(cli), "calibrate", str(path), "--quiet", "--seeds", "2", "--max-evals", str(max_evals)]
    subprocess.run(args + ["--param", f"{PATH}=0.005:0.05", "--out", str(out)], check=True)
    return out


def test_python_calibration_equals_cli_calibration(tmp_path, cli, scenario):
    out = cli_calibrate(cli, tmp_path, 6)
    checkpoint = tmp_path / "checkpoint.jsonl"
    r = carbonsim.calibrate(scenario, PARAMS, seeds=2, max_evals=6, threads=1, checkpoint=checkpoint)

    with open(out / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = [(int(x["evaluation"]), float(x[PATH]), float(x["objective"])) for x in rows]
    got = list(zip(r.history["evaluation"], r.history[PATH], r.history["objective"]))
    assert got == expected
    report = json.loads((out / "report.json").read_text())
    assert r.best == {PATH: float(report["parameters"][0]["best"])}
    assert r.objective == report["objective_best"]
    assert r.best_evaluation == report["best_evaluation"]
    assert r.converged == (report["stop"] == "converged")
    assert r.calibration_hash == report["calibration"]
    fit = [(x["statistic"], x["unit"], x["simulated"], x["target"], x["relative_error"], x["weight"]) for x in report["fit"]]
    assert list(r.fit.itertuples(index=False, name=None)) == fit
    assert r.scenario == carbonsim.Scenario.load(out / "calibrated.toml")
    assert checkpoint.read_bytes() == (out / "checkpoint.jsonl").read_bytes()


def test_result_frames_follow_their_schemas(scenario):
    r = carbonsim.calibrate(scenario, PARAMS, seeds=2, max_evals=4)
    check_schema(r.fit, "calibrate.fit")
    check_schema(r.history.drop(columns=[PATH]), "calibrate.history")
    assert list(r.history.columns) == ["evaluation", PATH, "objective"]
    assert str(r.history[PATH].dtype) == "float64"
    assert len(r.history) == 4 and r.history["objective"].min() == r.objective
    assert r.scenario.name == "cal_small_calibrated"
    assert r.scenario.to_dict()["behaviour"]["compliance_firm"]["base_activity"] == r.best[PATH]
    assert "evaluations" in repr(r)
    # Without a checkpoint path, the checkpoint lived in a scratch folder, now removed.
    leftovers = [p for p in os.listdir(tempfile.gettempdir()) if p.startswith(f"carbonsim-calibrate-{os.getpid()}-")]
    assert leftovers == []


def test_a_resumed_calibration_ends_as_an_unbroken_one(tmp_path, scenario):
    checkpoint = tmp_path / "checkpoint.jsonl"
    carbonsim.calibrate(scenario, PARAMS, seeds=2, max_evals=3, checkpoint=checkpoint)
    resumed = carbonsim.calibrate(scenario, PARAMS, seeds=2, max_evals=6, checkpoint=checkpoint, resume=True)
    unbroken = carbonsim.calibrate(scenario, PARAMS, seeds=2, max_evals=6)
    assert resumed.history.equals(unbroken.history)
    assert (resumed.best, resumed.objective) == (unbroken.best, unbroken.objective)
    assert resumed.runs < unbroken.runs


def test_the_gil_is_released_while_a_calibration_runs(scenario):
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        started = time.perf_counter()
        carbonsim.calibrate(scenario, PARAMS, seeds=4, max_evals=10, threads=1)
        ended = time.perf_counter()
    finally:
        stop.set()
        t.join()
    during = [x for x in ticks if started < x < ended]
    # A held GIL would leave the ticker a handful of switch intervals at most.
    assert len(during) > 20, (len(during), ended - started)


def test_weights_change_the_targets(scenario):
    r = carbonsim.calibrate(scenario, PARAMS, seeds=1, max_evals=2, weights={"volume_2021_t": 0, "volatility": 2.5})
    assert "volume_2021_t" not in set(r.fit["statistic"])
    assert r.fit.set_index("statistic").loc["volatility", "weight"] == 2.5


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"params": {"no.such.path": (0.0, 1.0)}}, carbonsim.OverrideError, "unknown scenario field no.such.path"),
        ({"params": {PATH: (0.05, 0.01)}}, carbonsim.CalibrationError, "the lower bound must not exceed the upper"),
        ({"params": {PATH: (0.005, 2.0)}}, carbonsim.OverrideError, PATH),
        ({"params": {}}, carbonsim.CalibrationError, "no parameter to calibrate"),
        ({"params": PARAMS, "max_evals": 1}, carbonsim.CalibrationError, "--max-evals 1: give 2 to 10000"),
        ({"params": PARAMS, "max_evals": 10_001}, carbonsim.CalibrationError, "--max-evals 10001"),
        ({"params": PARAMS, "max_evals": -1}, carbonsim.CalibrationError, "--max-evals -1: a count"),
        ({"params": PARAMS, "seeds": 0}, carbonsim.CalibrationError, "at least one seed"),
        ({"params": PARAMS, "seeds": -2}, carbonsim.CalibrationError, "--seeds -2: a count"),
        ({"params": PARAMS, "tolerance": float("nan")}, carbonsim.CalibrationError, "--tolerance NaN"),
        ({"params": PARAMS, "weights": {"volatility": -1}}, carbonsim.CalibrationError, "a weight is a finite number"),
        ({"params": PARAMS, "weights": {"no_such_target": 1}}, carbonsim.CalibrationError, "no such target"),
    ],
)
def test_bad_input_raises_the_library_message(scenario, kwargs, error, message):
    with pytest.raises(error, match=message.replace(".", r"\.")):
        carbonsim.calibrate(scenario, **{"seeds": 1, **kwargs})


def test_argument_errors(scenario, tmp_path):
    with pytest.raises(ValueError, match="thread"):
        carbonsim.calibrate(scenario, PARAMS, threads=0)
    with pytest.raises(TypeError, match="pair"):
        carbonsim.calibrate(scenario, {PATH: 0.01})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="int"):
        carbonsim.calibrate(scenario, PARAMS, max_evals=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dict"):
        carbonsim.calibrate(scenario, [f"{PATH}=0.005:0.05"])  # type: ignore[arg-type]
    other = tmp_path / "other.jsonl"
    carbonsim.calibrate(scenario, {PATH: (0.01, 0.04)}, seeds=1, max_evals=2, checkpoint=other)
    with pytest.raises(carbonsim.CalibrationError, match="belongs to another calibration"):
        carbonsim.calibrate(scenario, PARAMS, seeds=1, max_evals=2, checkpoint=other, resume=True)
