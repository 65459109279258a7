"""Python agents trade beside the built-in firms, deterministically."""

from decimal import Decimal

import pandas as pd
import pytest

import carbonsim


class Dipper(carbonsim.Agent):
    """Buys below the recent mean, sells above it, on a coin flip from its own stream."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.fills = []
        self.days_ended = 0
        self.draws = []

    def on_day(self, view):
        draw = view.rng.random()
        self.draws.append(draw)
        if draw < 0.3 or not view.bars:
            return []
        mean = sum(b[1] for b in view.bars) / len(view.bars)
        available, _ = view.account.holding(view.subject)
        if view.prev_close_fen <= mean:
            price = view.asks[0][0] if view.asks else view.prev_close_fen
            return [carbonsim.CancelAll(), carbonsim.Order("buy", 2_000, Decimal(price) / 100)]
        if available:
            price = view.bids[0][0] if view.bids else view.prev_close_fen
            return [carbonsim.CancelAll(), carbonsim.Order("sell", min(available, 2_000), Decimal(price) / 100)]
        return None

    def on_fill(self, fill):
        self.fills.append((fill.side, fill.price_fen, fill.quantity, fill.method))

    def on_day_end(self, outcome):
        self.days_ended += 1


def run_with(small, seed=3, **kw):
    agent = Dipper(name="dipper", cash=Decimal("20000000"), **kw)
    small.add_agent(agent)
    return small.run(seed=seed), agent


def test_a_python_agent_trades_in_the_run(small):
    run, agent = run_with(small)
    row = run.firms[run.firms["name"] == "dipper"].iloc[0]
    assert row["kind"] == "institution"
    assert row["bought_t"] > 0
    assert row["bought_t"] == sum(q for s, _, q, _ in agent.fills if s == "buy")
    assert row["paid_fen"] == sum(p * q for s, p, q, _ in agent.fills if s == "buy")
    assert row["cea_held_t"] == row["bought_t"] - row["sold_t"]
    assert row["cash_end_fen"] == 2_000_000_000 - row["paid_fen"] + row["received_fen"] - row["fees_fen"]
    kinds = {a["kind"]: a for a in run.report["activity"]}
    assert kinds["python"]["agents"] == 1
    assert kinds["python"]["bought"] == int(row["bought_t"])
    assert agent.days_ended == len(run.daily[run.daily["subject"] == "CEA"])


def test_agents_are_deterministic_with_their_own_stream(small):
    a, agent_a = run_with(small.copy())
    b, agent_b = run_with(small.copy())
    pd.testing.assert_frame_equal(a.firms, b.firms)
    assert agent_a.draws == agent_b.draws and agent_a.fills == agent_b.fills
    # Another seed gives the agent another stream.
    _, agent_c = run_with(small.copy(), seed=4)
    assert agent_c.draws[:5] != agent_a.draws[:5]


def test_an_idle_agent_holds_its_cash_and_trades_nothing(small):
    class Idle(carbonsim.Agent):
        def on_day(self, view):
            return []

    run = small.add_agent(Idle(name="idle", cash="123.45")).run(seed=3)
    row = run.firms.set_index("name").loc["idle"]
    assert (row["bought_t"], row["sold_t"], row["cash_end_fen"]) == (0, 0, 12_345)


def test_an_agent_exception_is_raised_after_the_run_with_its_cause(small):
    class Broken(carbonsim.Agent):
        def on_day(self, view):
            raise ZeroDivisionError("boom")

    small.add_agent(Broken(name="broken"))
    with pytest.raises(carbonsim.AgentError, match="boom") as info:
        small.run()
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_bad_intent_is_an_agent_error(small):
    class Chatty(carbonsim.Agent):
        def on_day(self, view):
            return ["buy 100"]

    small.add_agent(Chatty())
    with pytest.raises(carbonsim.AgentError, match="not an Order or CancelAll"):
        small.run()


def test_the_base_class_must_be_subclassed(small):
    small.add_agent(carbonsim.Agent(name="plain"))
    with pytest.raises(carbonsim.AgentError, match="implement on_day"):
        small.run()
    with pytest.raises(TypeError):
        small.add_agent(object())


def test_orders_are_checked_when_made():
    o = carbonsim.Order("sell", 100, "54.22", method="block", kind="ioc", level=2)
    assert (o.side, o.price_fen, o.quantity) == ("sell", 5422, 100)
    assert "54.22" in repr(o)
    assert carbonsim.Order("buy", 1, 54).price_fen == 5400
    assert carbonsim.Order("buy", 1, 54.2).price_fen == 5420
    for bad in [dict(side="hold"), dict(method="otc"), dict(kind="stop")]:
        args = dict(side="buy", quantity=1, price="1.00") | bad
        with pytest.raises(ValueError):
            carbonsim.Order(**args)
    with pytest.raises(ValueError, match="price"):
        carbonsim.Order("buy", 1, "cheap")
    assert repr(carbonsim.CancelAll()) == "CancelAll()"


def test_bad_account_kind_and_cash_are_refused(small):
    class Idle(carbonsim.Agent):
        def on_day(self, view):
            return None

    with pytest.raises(ValueError, match="account kind"):
        small.copy().add_agent(Idle(account_kind="bank")).run()
    with pytest.raises(carbonsim.AgentError, match="negative cash"):
        small.copy().add_agent(Idle(cash=-1)).run()


def test_random_stream_helpers(small):
    seen = {}

    class Sampler(carbonsim.Agent):
        def on_day(self, view):
            seen.setdefault("x", (view.rng.randint(1, 6), view.rng.uniform(2.0, 3.0), view.prev_close))
            with pytest.raises(ValueError):
                view.rng.randint(3, 1)
            return []

    small.add_agent(Sampler()).run(seed=1)
    die, u, close = seen["x"]
    assert 1 <= die <= 6 and 2.0 <= u < 3.0 and close > 0
