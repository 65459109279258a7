"""Monte Carlo studies and parameter sweeps, in process or through any executor."""

from __future__ import annotations

import itertools
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _carbonsim
from ._frames import frame
from ._scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Seeds = Union[int, range]


def _seed_range(scenario: Scenario, seeds: Optional[Seeds]) -> Tuple[int, int]:
    if seeds is None:
        return scenario.seed, int(scenario.to_dict()["montecarlo"]["seeds"])
    if isinstance(seeds, range):
        if seeds.step != 1:
            raise ValueError("seeds: a range of consecutive seeds (step 1) is needed")
        return seeds.start, len(seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        return scenario.seed, seeds
    raise TypeError(f"seeds: expected an int count or a range, got {type(seeds).__name__}")


def _built_in_only(scenario: Scenario, what: str) -> None:
    if scenario.agents:
        raise ValueError(
            f"{what} runs the scenario's built-in fleet only; run Python agents with Scenario.run per seed"
        )


class MonteCarloResult:
    """What :func:`montecarlo` produced.

    - ``runs``: one row per seed (schema ``"seeds"``);
    - ``daily``: the allowance close and volume per seed and day (``"montecarlo.daily"``);
    - ``statistics``: percentile bands of each calibration statistic over the seeds beside the
      published value (``"montecarlo.statistics"``), as the CLI's ``statistics.csv``.
    """

    def __init__(self, native: Dict[str, Any]) -> None:
        self._native = native
        self.scenario_hash: str = native["scenario_hash"]
        self.runs = frame("seeds", native["runs"])
        self.daily = frame("montecarlo.daily", native["daily"])
        self.statistics = frame("montecarlo.statistics", native["statistics"])

    def __repr__(self) -> str:
        return f"MonteCarloResult({len(self.runs)} seeds, scenario {self.scenario_hash})"


def montecarlo(scenario: Scenario, seeds: Optional[Seeds] = None, threads: Optional[int] = None) -> MonteCarloResult:
    """Runs ``scenario`` over many seeds in parallel, as ``carbonsim montecarlo`` does.

    ``seeds`` is a count (the seeds ``scenario.seed, scenario.seed + 1, …``) or a ``range`` of
    consecutive seeds; by default the scenario's ``montecarlo.seeds``. ``threads`` defaults to
    one per core; results do not depend on it. The GIL is released while the seeds run.
    """
    _built_in_only(scenario, "montecarlo")
    first, count = _seed_range(scenario, seeds)
    return MonteCarloResult(_carbonsim.montecarlo_columns(scenario._native, first, count, threads))


def _sweep_task(scenario_json: str, first: int, count: int, threads: Optional[int]) -> Dict[str, Any]:
    """One shard of a sweep: a grid point's scenario (as JSON) over consecutive seeds. Returns
    plain columns, so it pickles to and from any executor's workers."""
    native = _carbonsim.NativeScenario.from_json(scenario_json)
    return dict(_carbonsim.sweep_task(native, first, count, threads))


def _points(grid: Union[Mapping[str, Sequence[Any]], Sequence[Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    if isinstance(grid, Mapping):
        paths = list(grid)
        return [dict(zip(paths, values)) for values in itertools.product(*(grid[p] for p in paths))]
    return [dict(p) for p in grid]


def _shards(first: int, count: int, shards: int) -> List[Tuple[int, int]]:
    shards = max(1, min(shards, count))
    size, extra = divmod(count, shards)
    out, start = [], first
    for i in range(shards):
        n = size + (1 if i < extra else 0)
        out.append((start, n))
        start += n
    return out


def sweep(
    scenario: Scenario,
    grid: Union[Mapping[str, Sequence[Any]], Sequence[Mapping[str, Any]]],
    seeds: Optional[Seeds] = None,
    *,
    threads: Optional[int] = None,
    executor: Optional[Executor] = None,
    shards: int = 1,
) -> "pd.DataFrame":
    """Runs every point of ``grid`` over the same ``seeds``: one row per (point, seed).

    ``grid`` maps dotted paths to the values to try (``{"fleet.compliance_firms": [200, 400],
    "behaviour.compliance_firm.base_activity": [0.01, 0.02]}``, every combination in order) or
    lists the points as dicts. Each point is applied and validated as :meth:`Scenario.update`
    does, before anything runs. ``seeds`` is as for :func:`montecarlo`.

    With ``executor`` (any ``concurrent.futures.Executor``: a process pool, a
    ``dask.distributed.Client``, Ray's or mpi4py's), each point's seeds are split into
    ``shards`` consecutive slices and each slice is one task; otherwise the points run here,
    each over its seeds on ``threads`` threads. The result is the same either way.

    Columns: ``point`` (the point's index), one column per path (its value), then the
    ``"seeds"`` schema.
    """
    import pandas as pd

    _built_in_only(scenario, "sweep")
    first, count = _seed_range(scenario, seeds)
    points = _points(grid)
    scenarios = []
    for point in points:
        scenarios.append(scenario.copy().update(point).to_json())
    tasks = [(i, text, a, n) for i, text in enumerate(scenarios) for a, n in _shards(first, count, shards if executor else 1)]
    if executor is None:
        results = [_sweep_task(text, a, n, threads) for _, text, a, n in tasks]
    else:
        futures = [executor.submit(_sweep_task, text, a, n, threads) for _, text, a, n in tasks]
        results = [f.result() for f in futures]
    frames = []
    for (i, _, _, _), cols in zip(tasks, results):
        df = frame("seeds", cols)
        df.insert(0, "point", i)
        for k, (path, value) in enumerate(points[i].items()):
            df.insert(1 + k, path, [value] * len(df))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
