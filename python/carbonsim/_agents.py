"""Agents written in Python, traded beside the built-in fleet."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, Optional, Union

if TYPE_CHECKING:  # pragma: no cover
    from ._carbonsim import CancelAll, DayOutcome, Fill, MarketView, Order

Intent = Union["Order", "CancelAll"]


class Agent:
    """Base class of a Python trader. Subclass it and implement :meth:`on_day`; add instances
    with :meth:`carbonsim.Scenario.add_agent`.

    Each trading day, for each subject the agent trades, the engine calls ``on_day(view)``
    with a :class:`carbonsim.MarketView` (public data, the agent's own ``view.account`` and its
    own random stream ``view.rng``) and reads back an iterable of :class:`carbonsim.Order` and
    :class:`carbonsim.CancelAll`. Prices and sizes are clamped into the day's rules as for the
    built-in agents. Draw randomness only from ``view.rng``: it is the agent's own seeded
    stream, so the same seed reproduces the run exactly.

    ``name`` is the account's name; ``cash`` its opening cash in CNY (``Decimal``, ``str`` or
    ``int``); ``account_kind`` its registry kind: ``"institution"`` (the default; allowance
    trading needs ``participants.investors = true`` or ``participants.market_makers = true``)
    or ``"covered_entity"``, ``"project_owner"``, ``"renewable_generator"``,
    ``"certificate_buyer"``.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        cash: Union[Decimal, str, int] = 0,
        account_kind: str = "institution",
    ) -> None:
        self.name = name or type(self).__name__
        self.cash = Decimal(cash) if not isinstance(cash, float) else Decimal(str(cash))
        self.account_kind = account_kind

    def trades(self, subject: str) -> bool:
        """Whether the agent trades ``subject`` (asked once per listing). Default: allowances
        only (``CEA``, ``CEA21``, ``CEA22``)."""
        return subject.startswith("CEA")

    def on_day(self, view: "MarketView") -> Optional[Iterable[Intent]]:
        """The day's intents on ``view.subject``; ``None`` or ``[]`` to do nothing."""
        raise NotImplementedError("implement on_day(self, view) in your Agent subclass")

    def on_fill(self, fill: "Fill") -> None:
        """Told of each fill of one of the agent's orders, in execution order."""

    def on_day_end(self, outcome: "DayOutcome") -> None:
        """Told of the day's outcome on each subject it trades, after the close."""
