"""carbonsim from Python in one page: the replay, a scenario run, a Python agent.

Run from the repository root after `pip install ./python`:

    python examples/python/quickstart.py
"""

from decimal import Decimal
from pathlib import Path

import carbonsim

ROOT = Path(__file__).resolve().parents[2]

# 1. The 2021-2023 replay reproduces the published market to the tonne and the fen.
replay = carbonsim.replay()
print(replay.totals[["period", "volume_t", "published_volume_t", "turnover", "published_turnover"]])

# 2. An agent-based scenario, made smaller for a quick run, and its outcome.
scenario = carbonsim.Scenario.load(ROOT / "examples" / "scenarios" / "agent_based_2021_2023.toml")
scenario.set("fleet.compliance_firms", 500).set("end", "2021-12-31")
run = scenario.run(seed=1)
allowances = run.daily[run.daily["subject"] == "COMCEA"]
print(f"{len(allowances)} trading days, {allowances['volume_t'].sum():,} t traded, last close CNY {allowances['close'].iloc[-1]:.2f}")
print(run.compliance[["cycle", "deadline", "rate_by_volume", "shortfall_t", "fines"]])


# 3. A Python trader beside the built-in firms: buys when the close falls below its 20-day mean.
class BuyTheDip(carbonsim.Agent):
    def on_day(self, view):
        if not view.bars or view.rng.random() >= 0.5:
            return []
        mean = sum(bar[1] for bar in view.bars) / len(view.bars)
        if view.prev_close_fen < 0.98 * mean:
            price = view.asks[0][0] if view.asks else view.prev_close_fen
            return [carbonsim.CancelAll(), carbonsim.Order("buy", 5_000, Decimal(price) / 100)]
        return []


scenario.set("participants.investors", True)  # 2021-2023 rules admit only covered entities
scenario.add_agent(BuyTheDip(name="buy the dip", cash=Decimal("20000000")))
mine = scenario.run(seed=1).firms.set_index("name").loc["buy the dip"]
print(f"buy the dip bought {mine['bought_t']:,} t for CNY {mine['paid_fen'] / 100:,.2f}")
