"""Shared fixtures: the repository root, a small scenario, the CLI binary."""

from __future__ import annotations

import os
import pathlib

import pytest

import carbonsim

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Half a year, 300 firms, investors admitted (so Python agents may trade allowances): fast.
SMALL = """
name = "small"
seed = 11
start = "2021-07-16"
end = "2021-12-31"

[fleet]
compliance_firms = 300

[participants]
investors = true

[montecarlo]
seeds = 4
"""


@pytest.fixture
def small() -> carbonsim.Scenario:
    return carbonsim.Scenario.from_toml(SMALL)


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    """The `carbonsim` binary: $CARBONSIM_BIN, else the workspace's release build."""
    path = pathlib.Path(os.environ.get("CARBONSIM_BIN", ROOT / "target" / "release" / "carbonsim"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo build --release --bin carbonsim` first")
    return path
