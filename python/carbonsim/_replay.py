"""The 2021–2023 historical replay."""

from __future__ import annotations

import datetime as _dt
import json
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from . import _carbonsim
from ._frames import frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

DateLike = Union[_dt.date, str]


def _date(d: Optional[DateLike]) -> Optional[_dt.date]:
    if d is None or isinstance(d, _dt.date):
        return d
    return _dt.date.fromisoformat(d)


class ReplayResult:
    """What :func:`replay` produced. Frames are built on first access.

    - ``daily``: one row per trading day of the composite allowance market (``COMCEA``),
      simulated beside published (schema ``"replay.daily"``);
    - ``vintages``: the same per vintage subject from 2023-08-28 (``"replay.vintages"``);
    - ``totals``: volume and turnover per year (``"replay.totals"``);
    - ``summary``: the CLI's ``summary.json`` as a dict (money as decimal strings in CNY).
    """

    def __init__(self, native: Dict[str, Any]) -> None:
        self._native = native
        self._frames: Dict[str, "pd.DataFrame"] = {}
        self.summary: Dict[str, Any] = json.loads(native["summary_json"])

    def _frame(self, key: str) -> "pd.DataFrame":
        if key not in self._frames:
            self._frames[key] = frame(f"replay.{key}", self._native[key])
        return self._frames[key]

    @property
    def daily(self) -> "pd.DataFrame":
        """The composite market per trading day (schema ``"replay.daily"``)."""
        return self._frame("daily")

    @property
    def vintages(self) -> "pd.DataFrame":
        """Each vintage subject per trading day (schema ``"replay.vintages"``)."""
        return self._frame("vintages")

    @property
    def totals(self) -> "pd.DataFrame":
        """Volume and turnover per period (schema ``"replay.totals"``)."""
        return self._frame("totals")

    def __repr__(self) -> str:
        s = self.summary
        return f"ReplayResult({s['from']}..{s['to']}, seed {s['seed']}, {s['trading_days']} days)"


def replay(start: Optional[DateLike] = None, end: Optional[DateLike] = None, seed: int = 42) -> ReplayResult:
    """Replays the national allowance market day by day through the exchange, from ``start``
    (default 2021-07-16) to ``end`` (default 2023-12-29), as ``carbonsim replay`` does.

    Raises :class:`carbonsim.ReplayError` for dates outside the published series.
    """
    return ReplayResult(_carbonsim.replay_columns(_date(start), _date(end), seed))
