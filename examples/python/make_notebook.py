"""Writes policy_comparison.ipynb from the cells below (kept as a script so the notebook's
source is reviewable). Run: python examples/python/make_notebook.py"""

from pathlib import Path

import nbformat as nbf

cells = [
    ("md", "# carbonsim from a notebook\n\nThe 2021–2023 replay, one agent-based run, and a two-arm policy comparison over seeds. Prices are exact integer fen (`*_fen`) with float CNY columns beside them for plotting."),
    ("code", "from pathlib import Path\n\nimport matplotlib.pyplot as plt\n\nimport carbonsim\n\nROOT = Path.cwd()\nwhile not (ROOT / \"examples\" / \"scenarios\").is_dir():\n    ROOT = ROOT.parent\ncarbonsim.__version__"),
    ("md", "## The replay\n\nEvery published trading day replayed through the exchange: simulated and published closes coincide."),
    ("code", "replay = carbonsim.replay()\nd = replay.daily\nax = d.plot(x=\"date\", y=[\"close\", \"published_close\"], figsize=(8, 3), title=\"Allowance close, CNY/t\")\nreplay.totals[[\"period\", \"volume_t\", \"published_volume_t\"]]"),
    ("md", "## One agent-based run\n\nThe calibrated scenario, shortened to 2021 and 800 firms so the notebook runs in seconds."),
    ("code", "base = carbonsim.Scenario.load(ROOT / \"examples\" / \"scenarios\" / \"agent_based_2021_2023.toml\")\nbase.set(\"fleet.compliance_firms\", 800).set(\"end\", \"2021-12-31\")\nrun = base.run(seed=1)\nrun.statistics"),
    ("code", "run.compliance[[\"cycle\", \"deadline\", \"rate_by_volume\", \"shortfall_t\", \"fines\"]]"),
    ("md", "## Two policy arms\n\nArm A: the firms' base trading activity as calibrated (0.02 a day). Arm B: firms twice as willing to trade (0.04). Each arm runs over the same eight seeds; the sweep returns one row per arm and seed."),
    ("code", "arms = carbonsim.sweep(base, {\"behaviour.compliance_firm.base_activity\": [0.02, 0.04]}, seeds=range(1, 9))\narms.groupby(\"behaviour.compliance_firm.base_activity\")[[\"volume_t\", \"volatility\", \"close_end\"]].median()"),
    ("code", "fig, axes = plt.subplots(1, 2, figsize=(9, 3))\nfor (activity, g), colour in zip(arms.groupby(\"behaviour.compliance_firm.base_activity\"), [\"tab:blue\", \"tab:orange\"]):\n    axes[0].hist(g[\"volume_t\"] / 1e6, alpha=0.6, label=f\"base activity {activity}\", color=colour)\n    axes[1].hist(g[\"volatility\"], alpha=0.6, label=f\"base activity {activity}\", color=colour)\naxes[0].set_xlabel(\"allowance volume, Mt\")\naxes[1].set_xlabel(\"annualised volatility\")\naxes[0].legend()\nfig.tight_layout()\nassert len(arms) == 16"),
]

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.cells = [nbf.v4.new_markdown_cell(s) if kind == "md" else nbf.v4.new_code_cell(s) for kind, s in cells]
nbf.write(nb, Path(__file__).with_name("policy_comparison.ipynb"))
