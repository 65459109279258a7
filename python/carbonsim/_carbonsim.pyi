"""Type stubs of the native module (built from python/src by maturin)."""

import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple, Union

__version__: str

class CarbonsimError(Exception): ...
class ScenarioError(CarbonsimError): ...
class OverrideError(ScenarioError): ...
class RunError(CarbonsimError): ...
class ReplayError(CarbonsimError): ...
class AgentError(CarbonsimError): ...
class CalibrationError(CarbonsimError): ...

Columns = Dict[str, Any]

class NativeScenario:
    @staticmethod
    def load(path: str) -> NativeScenario: ...
    @staticmethod
    def from_toml(text: str) -> NativeScenario: ...
    @staticmethod
    def from_json(text: str) -> NativeScenario: ...
    def with_values(self, items: List[Tuple[str, Any]]) -> NativeScenario: ...
    def with_texts(self, texts: List[str]) -> NativeScenario: ...
    def to_toml(self) -> str: ...
    def to_json(self) -> str: ...
    def content_hash(self) -> str: ...
    def timeline_columns(self) -> Columns: ...
    @property
    def name(self) -> str: ...
    @property
    def seed(self) -> int: ...

class RandomStream:
    """The agent's own seeded random stream."""
    def random(self) -> float: ...
    def randint(self, a: int, b: int) -> int: ...
    def uniform(self, a: float, b: float) -> float: ...

class AccountView:
    """The agent's own account: cash in fen, holdings in units."""
    cash_available_fen: int
    cash_frozen_fen: int
    holdings: List[Tuple[str, int, int]]
    def holding(self, subject: str) -> Tuple[int, int]: ...

class MarketView:
    """One subject's market on one day: prices in fen, quantities in units."""
    subject: str
    date: datetime.date
    day_index: int
    prev_close_fen: int
    listed_band_fen: Tuple[int, int]
    block_band_fen: Tuple[int, int]
    listed_max: int
    block_min: int
    bids: List[Tuple[int, int]]
    asks: List[Tuple[int, int]]
    bars: List[Tuple[datetime.date, int, int, int]]
    deadlines: List[Tuple[datetime.date, int, int]]
    account: AccountView
    rng: RandomStream
    @property
    def prev_close(self) -> float: ...

class Fill:
    subject: str
    date: datetime.date
    side: str
    method: str
    price_fen: int
    quantity: int

class DayOutcome:
    subject: str
    date: datetime.date
    close_fen: int
    listed_volume: int
    block_volume: int
    rejected_intents: int

class Order:
    """An order on the view's subject; ``price`` in CNY (Decimal, str, int or float)."""
    def __init__(
        self,
        side: str,
        quantity: int,
        price: Union[Decimal, str, int, float],
        method: str = "listed",
        kind: str = "limit",
        level: Optional[int] = None,
    ) -> None: ...
    @property
    def side(self) -> str: ...
    @property
    def price_fen(self) -> int: ...
    @property
    def quantity(self) -> int: ...

class CancelAll:
    """Cancel this agent's open orders on the view's subject."""
    def __init__(self) -> None: ...

def replay_columns(
    start: Optional[datetime.date] = None, end: Optional[datetime.date] = None, seed: int = 42
) -> Dict[str, Any]: ...
def run_columns(
    scenario: NativeScenario, seed: Optional[int] = None, agents: List[Tuple[Any, str, str, str]] = ...
) -> Dict[str, Any]: ...
def montecarlo_columns(
    scenario: NativeScenario, first: int, count: int, threads: Optional[int] = None
) -> Dict[str, Any]: ...
def sweep_task(scenario: NativeScenario, first: int, count: int, threads: Optional[int] = None) -> Columns: ...
def calibrate_columns(
    scenario: NativeScenario,
    params: List[Tuple[str, float, float]],
    weights: List[Tuple[str, float]] = ...,
    seeds: int = 4,
    max_evals: int = 100,
    tolerance: float = 0.0001,
    threads: Optional[int] = None,
    checkpoint: Optional[str] = None,
    resume: bool = False,
) -> Dict[str, Any]: ...
