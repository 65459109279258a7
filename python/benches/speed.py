"""Measures the Python package's speed targets against the CLI; prints the medians.

Run from the repository root after `cargo build --release --bin carbonsim` and
`pip install ./python`:

    python python/benches/speed.py [--repeat 7]

- `Scenario.run` of the calibrated 2021-2023 scenario against `carbonsim run --quiet` on the
  same file and seed (target: within 5 %);
- building the replay's DataFrames from the native columns (target: <= 50 ms);
- `import carbonsim` in a fresh interpreter (target: <= 0.5 s).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "scenarios" / "agent_based_2021_2023.toml"


def median_time(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cli", default=str(ROOT / "target" / "release" / "carbonsim"))
    args = parser.parse_args()

    import carbonsim
    from carbonsim._frames import frame

    with tempfile.TemporaryDirectory() as out:
        cli = median_time(
            lambda: subprocess.run([args.cli, "run", str(SCENARIO), "--out", out, "--quiet"], check=True), args.repeat
        )
    scenario = carbonsim.Scenario.load(SCENARIO)
    py_run = median_time(lambda: scenario.run(), args.repeat)

    def run_and_frames():
        r = scenario.run()
        return r.daily, r.firms, r.compliance, r.statistics

    py_frames = median_time(run_and_frames, args.repeat)
    print(f"CLI run (with its files):               {cli * 1000:8.1f} ms")
    print(f"Scenario.run:                           {py_run * 1000:8.1f} ms  ({(py_run / cli - 1) * 100:+.1f} % vs CLI)")
    print(f"Scenario.run + all four DataFrames:     {py_frames * 1000:8.1f} ms  ({(py_frames / cli - 1) * 100:+.1f} % vs CLI)")

    native = carbonsim._carbonsim.replay_columns()
    build = median_time(lambda: [frame(f"replay.{k}", native[k]) for k in ("daily", "vintages", "totals")], args.repeat)
    print(f"replay DataFrames (daily, vintages, totals): {build * 1000:5.1f} ms")

    imports = median_time(
        lambda: subprocess.run([sys.executable, "-c", "import carbonsim"], check=True), args.repeat
    )
    bare = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.repeat)
    print(f"import carbonsim (fresh interpreter):   {imports * 1000:8.1f} ms  (interpreter alone {bare * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
