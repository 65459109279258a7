"""The same scenario and seed give the same outputs from the CLI and from Python."""

import csv
import json
import subprocess
from decimal import Decimal

import pytest
from conftest import ROOT, SMALL

import carbonsim


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.mark.parametrize("name", ["small.toml", "open_market_2024.json"])
def test_python_run_equals_cli_run(tmp_path, cli, name):
    # The small file, and the shipped scenario that exercises the most: market makers,
    # investors, CCER and GEC books.
    if name == "small.toml":
        path = tmp_path / name
        path.write_text(SMALL)
    else:
        path = ROOT / "examples" / "scenarios" / name
    out = tmp_path / "out"
    subprocess.run([str(cli), "run", str(path), "--seed", "21", "--out", str(out), "--quiet"], check=True)

    run = carbonsim.Scenario.load(path).run(seed=21)

    with open(out / "daily.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    d = run.daily
    assert len(rows) == len(d)
    expected = [
        (
            r["date"],
            r["subject"],
            fen(r["close"]),
            int(r["listed_volume_t"]),
            fen(r["listed_turnover_cny"]),
            int(r["block_volume_t"]),
            fen(r["block_turnover_cny"]),
        )
        for r in rows
    ]
    got = list(
        zip(
            d["date"].dt.strftime("%Y-%m-%d"),
            d["subject"],
            d["close_fen"].tolist(),
            d["listed_volume_t"].tolist(),
            d["listed_turnover_fen"].tolist(),
            d["block_volume_t"].tolist(),
            d["block_turnover_fen"].tolist(),
        )
    )
    assert got == expected
    assert {r["seed"] for r in rows} == {"21"}
    assert {r["scenario_hash"] for r in rows} == {carbonsim.Scenario.load(path).content_hash}

    report = json.loads((out / "report.json").read_text())
    assert run.report == report
