"""carbonsim: exact, deterministic simulation of China's carbon markets, from Python.

The Rust library does the work; this package hands its results over as pandas DataFrames::

    import carbonsim
    replay = carbonsim.replay()                       # the 2021-2023 replay
    s = carbonsim.Scenario.load("examples/scenarios/agent_based_2021_2023.toml")
    s.set("fleet.compliance_firms", 500)
    run = s.run(seed=1)
    run.daily.query("subject == 'COMCEA'").plot(x="date", y="close")

Prices and money come as exact integer-fen columns (``*_fen``) with float CNY columns beside
them for plotting; :func:`with_decimal` adds ``decimal.Decimal`` columns. :func:`schema`
documents every DataFrame's columns and units.
"""

from ._carbonsim import (
    AccountView,
    AgentError,
    CalibrationError,
    CancelAll,
    CarbonsimError,
    DayOutcome,
    Fill,
    MarketView,
    Order,
    OverrideError,
    RandomStream,
    ReplayError,
    RunError,
    ScenarioError,
    __version__,
)
from ._agents import Agent
from ._calibrate import CalibrationResult, calibrate
from ._frames import SCHEMAS, schema, with_decimal
from ._replay import ReplayResult, replay
from ._scenario import RunResult, Scenario
from ._study import MonteCarloResult, montecarlo, sweep

__all__ = [
    "AccountView",
    "Agent",
    "AgentError",
    "CalibrationError",
    "CalibrationResult",
    "CancelAll",
    "CarbonsimError",
    "DayOutcome",
    "Fill",
    "MarketView",
    "MonteCarloResult",
    "Order",
    "OverrideError",
    "RandomStream",
    "ReplayError",
    "ReplayResult",
    "RunError",
    "RunResult",
    "SCHEMAS",
    "Scenario",
    "ScenarioError",
    "__version__",
    "calibrate",
    "montecarlo",
    "replay",
    "schema",
    "sweep",
    "with_decimal",
]
