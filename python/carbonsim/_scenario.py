"""Scenarios: load, override, serialise and run."""

from __future__ import annotations

import datetime as _dt
import json
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Union

from . import _carbonsim
from ._agents import Agent
from ._frames import frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _jsonable(v: Any) -> Any:
    if isinstance(v, (Decimal, _dt.date)):
        return str(v)
    raise TypeError(f"cannot use a {type(v).__name__} as a scenario value")


class RunResult:
    """What :meth:`Scenario.run` produced. Frames are built on first access.

    - ``daily``: every subject's day (schema ``"run.daily"``), as the CLI's ``daily.csv``;
    - ``firms``: one row per registry account: what it traded and holds at the end
      (``"run.firms"``);
    - ``compliance``: one row per compliance deadline settled (``"run.compliance"``);
    - ``statistics``: the calibration statistics against the published market
      (``"run.statistics"``);
    - ``auctions`` and ``reserve``: a capped market's auctions and reserve moves
      (``"run.auctions"``, ``"run.reserve"``; empty without instruments);
    - ``report``: the CLI's ``report.json`` as a dict.
    """

    def __init__(self, native: Dict[str, Any]) -> None:
        self._native = native
        self._frames: Dict[str, "pd.DataFrame"] = {}
        self.report: Dict[str, Any] = json.loads(native["report_json"])

    def _frame(self, key: str) -> "pd.DataFrame":
        if key not in self._frames:
            self._frames[key] = frame(f"run.{key}", self._native[key])
        return self._frames[key]

    @property
    def seed(self) -> int:
        """The seed of the run."""
        return int(self.report["seed"])

    @property
    def daily(self) -> "pd.DataFrame":
        """Every subject's daily bar (schema ``"run.daily"``)."""
        return self._frame("daily")

    @property
    def firms(self) -> "pd.DataFrame":
        """Per registry account: traded volume and value, fees, end cash and holdings."""
        return self._frame("firms")

    @property
    def compliance(self) -> "pd.DataFrame":
        """Per compliance deadline: obligation, shortfall, rates and fines."""
        return self._frame("compliance")

    @property
    def statistics(self) -> "pd.DataFrame":
        """Calibration statistics of the allowance market against the published one."""
        return self._frame("statistics")

    @property
    def auctions(self) -> "pd.DataFrame":
        """Per auction of a capped market's allowances (schema ``"run.auctions"``; empty
        without ``policy.instruments``)."""
        return self._frame("auctions")

    @property
    def reserve(self) -> "pd.DataFrame":
        """Per move of the allowance reserve (schema ``"run.reserve"``; empty without one)."""
        return self._frame("reserve")

    def __repr__(self) -> str:
        r = self.report
        return f"RunResult({r['scenario']!r}, seed {r['seed']}, {len(self._native['daily']['date'])} rows)"


class Scenario:
    """An agent-based scenario: what a run simulates, validated as the CLI validates a file.

    Build one with :meth:`load`, :meth:`from_dict` or :meth:`from_toml`; change it with
    :meth:`set` (dotted paths, the same names and checks as the scenario file); run it with
    :meth:`run`. A scenario pickles (by its JSON), so executors can ship it to workers.
    """

    def __init__(self, native: "_carbonsim.NativeScenario") -> None:
        self._native = native
        self._agents: List[Agent] = []

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Scenario":
        """Reads a ``.toml`` or ``.json`` scenario file. Raises :class:`ScenarioError`."""
        return cls(_carbonsim.NativeScenario.load(os.fspath(path)))

    @classmethod
    def from_toml(cls, text: str) -> "Scenario":
        """Parses scenario TOML text."""
        return cls(_carbonsim.NativeScenario.from_toml(text))

    @classmethod
    def from_json(cls, text: str) -> "Scenario":
        """Parses scenario JSON text."""
        return cls(_carbonsim.NativeScenario.from_json(text))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Scenario":
        """A scenario from a dict shaped like the file (``{"name": ..., "seed": ...,
        "start": "2021-07-16", "fleet": {"compliance_firms": 500}}``). Dates may be
        ``datetime.date``, prices and money ``Decimal`` or strings."""
        return cls.from_json(json.dumps(dict(d), default=_jsonable))

    def set(self, path: str, value: Any) -> "Scenario":
        """Sets the field at dotted ``path`` (``"fleet.compliance_firms"``,
        ``"behaviour.compliance_firm.base_activity"``, ``"submarkets.gec_demand.0.per_month"``)
        to ``value`` and validates the scenario; returns ``self`` for chaining. Prices and money
        take ``Decimal``, ``str`` or ``int`` (read exactly). On error nothing changes and
        :class:`OverrideError` names the path and the value."""
        return self.update({path: value})

    def update(self, values: Mapping[str, Any]) -> "Scenario":
        """Sets several dotted paths at once (``{"participants.investors": True,
        "fleet.investors": 5}``) and validates the result once, so rules between fields hold
        whatever the order; returns ``self``. On error nothing changes."""
        self._native = self._native.with_values(list(values.items()))
        return self

    def copy(self) -> "Scenario":
        """An independent copy (agents included, as the same objects)."""
        other = Scenario(self._native)
        other._agents = list(self._agents)
        return other

    def add_agent(self, agent: Agent) -> "Scenario":
        """Adds a Python :class:`Agent` to the market beside the built-in fleet (in the order
        added, after it); returns ``self``."""
        if not isinstance(agent, Agent):
            raise TypeError(f"expected a carbonsim.Agent, got {type(agent).__name__}")
        self._agents.append(agent)
        return self

    @property
    def agents(self) -> List[Agent]:
        """The Python agents added so far."""
        return list(self._agents)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._native.name

    @property
    def seed(self) -> int:
        """The scenario's master seed (the default of :meth:`run`)."""
        return self._native.seed

    @property
    def content_hash(self) -> str:
        """Stable content hash (16 hex digits), as in the CLI's outputs."""
        return self._native.content_hash()

    def to_toml(self) -> str:
        """The scenario as TOML (every field, defaults included); loads back to an equal one."""
        return self._native.to_toml()

    def to_json(self) -> str:
        """The scenario's canonical JSON."""
        return self._native.to_json()

    def to_dict(self) -> Dict[str, Any]:
        """The scenario as a dict (prices and money as decimal strings)."""
        d: Dict[str, Any] = json.loads(self._native.to_json())
        return d

    def timeline(self) -> "pd.DataFrame":
        """The compliance calendar the run applies: deadlines (with the share due), the
        allocation credit and the vintage listing, each marked ``in_run`` (schema
        ``"timeline"``)."""
        return frame("timeline", self._native.timeline_columns())

    def run(self, seed: Optional[int] = None) -> RunResult:
        """Runs the scenario under ``seed`` (default: the scenario's), with the Python agents
        added, and returns a :class:`RunResult`. The GIL is released while the engine runs
        (it is taken back only to call Python agents). Raises :class:`ScenarioError`,
        :class:`AgentError` or :class:`RunError`."""
        agents = [(a, a.name, a.account_kind, str(a.cash)) for a in self._agents]
        return RunResult(_carbonsim.run_columns(self._native, seed, agents))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._native == other._native and self._agents == other._agents

    def __reduce__(self) -> Any:
        if self._agents:
            raise TypeError("a scenario with Python agents cannot be pickled")
        return (Scenario.from_json, (self.to_json(),))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, hash {self.content_hash})"
