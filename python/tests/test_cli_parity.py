"""The same scenario and seed give the same outputs from the CLI and from Python."""

import csv
import json
import subprocess
from decimal import Decimal

from conftest import SMALL

import carbonsim


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def test_python_run_equals_cli_run(tmp_path, cli):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
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
