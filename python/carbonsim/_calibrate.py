"""Calibration by simulated moments, as ``carbonsim calibrate`` runs it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _carbonsim
from ._frames import frame
from ._scenario import Scenario
from ._study import _built_in_only

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Box = Tuple[float, float]


class CalibrationResult:
    """What :func:`calibrate` produced.

    - ``scenario``: the base scenario with the best values, named ``<name>_calibrated``
      (the CLI's ``calibrated.toml``);
    - ``best``: the best value of each parameter, as written into the scenario;
    - ``objective``: ``D`` there; ``best_evaluation``: the evaluation (from 1) that found it;
    - ``converged``: whether the simplex's values agreed to the tolerance (``False``: the
      evaluation budget was spent first);
    - ``history``: one row per evaluation (schema ``"calibrate.history"``, a column per
      parameter after ``evaluation``), as the CLI's ``history.csv``;
    - ``fit``: each target statistic at the optimum (``"calibrate.fit"``), as ``fit.md``;
    - ``calibration_hash``: the calibration's hash (what its checkpoint names);
    - ``runs``: the runs this call made (fewer than evaluations × seeds when points repeat or
      a checkpoint was resumed).
    """

    def __init__(self, native: Dict[str, Any]) -> None:
        self._native = native
        parameters: List[str] = native["parameters"]
        self.scenario = Scenario(native["calibrated"])
        self.best: Dict[str, float] = dict(zip(parameters, native["best"]))
        self.objective: float = native["objective"]
        self.best_evaluation: int = native["best_evaluation"]
        self.converged: bool = native["converged"]
        self.calibration_hash: str = native["calibration_hash"]
        self.runs: int = native["runs"]
        self.history = _history(parameters, native["history"], native["history_values"])
        self.fit = frame("calibrate.fit", native["fit"])

    def __repr__(self) -> str:
        stop = "converged" if self.converged else "budget spent"
        return f"CalibrationResult(D = {self.objective:.6g} after {len(self.history)} evaluations, {stop})"


def _history(parameters: List[str], cols: Dict[str, Any], values: List[List[float]]) -> "pd.DataFrame":
    df = frame("calibrate.history", cols)
    for k, (path, column) in enumerate(zip(parameters, values)):
        df.insert(1 + k, path, [float(v) for v in column])
    return df


def _count(flag: str, value: int) -> int:
    """A whole count for the library, which takes it unsigned; a negative one is refused as the
    library refuses a count out of range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{flag}: expected an int, got {type(value).__name__}")
    if value < 0:
        raise _carbonsim.CalibrationError(f"{flag} {value}: a count, 0 or more")
    return value


def _boxes(params: Mapping[str, Box]) -> List[Tuple[str, float, float]]:
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict of path -> (lo, hi), got {type(params).__name__}")
    out = []
    for path, box in params.items():
        try:
            if isinstance(box, (str, bytes)):
                raise TypeError
            lo, hi = box
        except (TypeError, ValueError):
            raise TypeError(f"params[{path!r}]: expected a (lo, hi) pair, got {box!r}") from None
        out.append((path, float(lo), float(hi)))
    return out


def calibrate(
    scenario: Scenario,
    params: Mapping[str, Box],
    seeds: int = 4,
    max_evals: int = 100,
    tolerance: float = 1e-4,
    threads: Optional[int] = None,
    checkpoint: Optional[Union[str, "os.PathLike[str]"]] = None,
    *,
    weights: Optional[Mapping[str, float]] = None,
    resume: bool = False,
) -> CalibrationResult:
    """Searches the boxes ``params`` for the values whose simulated statistics come closest to
    the published ones (the method of simulated moments), as ``carbonsim calibrate`` does, with
    the same result for the same arguments.

    ``params`` maps dotted paths (as :meth:`Scenario.set` takes them) to their box
    ``(lo, hi)``: ``{"behaviour.compliance_firm.base_activity": (0.005, 0.05)}``, in the
    search's order. Each evaluation runs ``seeds`` seeds (``scenario.seed, scenario.seed + 1,
    …``, the same for every evaluation); Nelder–Mead stops after ``max_evals`` evaluations or
    when ``D`` agrees over the simplex to ``tolerance``. ``weights`` maps target keys (as in
    the ``fit`` frame's ``statistic``) to their weight (default 1; 0 leaves one out).
    ``threads`` defaults to one per core; results do not depend on it. The GIL is released
    while the calibration runs.

    With ``checkpoint`` (a file path), every new evaluation is appended to that file, and
    ``resume=True`` continues from what it holds (points already evaluated are not run again);
    without, the checkpoint is a temporary file, removed at the end.

    Raises :class:`CalibrationError` for a bad box, budget, seeds, tolerance, weight or
    checkpoint, :class:`OverrideError` for a path the scenario does not have or a box it refuses,
    :class:`RunError` for a run that fails. Nothing runs before the boxes are checked.
    """
    _built_in_only(scenario, "calibrate")
    path = None if checkpoint is None else os.fspath(checkpoint)
    native = _carbonsim.calibrate_columns(
        scenario._native,
        _boxes(params),
        [(k, float(w)) for k, w in (weights or {}).items()],
        _count("--seeds", seeds),
        _count("--max-evals", max_evals),
        tolerance,
        threads,
        path,
        resume,
    )
    return CalibrationResult(native)
