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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "scenarios" / "agent_based_2021_2023.toml"


def cpu_seconds():
    """CPU seconds (user + system) of this process and its finished children: on a shared
    machine, wall time measures the neighbours as much as the code."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def median_time(f, repeat, clock=time.perf_counter):
    times = []
    for _ in range(repeat):
        t = clock()
        f()
        times.append(clock() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cli", default=str(ROOT / "target" / "release" / "carbonsim"))
    args = parser.parse_args()

    import carbonsim
    from carbonsim._frames import frame

    scenario = carbonsim.Scenario.load(SCENARIO)

    def run_and_frames():
        r = scenario.run()
        return r.daily, r.firms, r.compliance, r.statistics

    # CLI and Python runs alternate, so both meet the same neighbours; CPU seconds, min and median.
    with tempfile.TemporaryDirectory() as out:
        cli_cmd = [args.cli, "run", str(SCENARIO), "--out", out, "--quiet"]
        samples = {"CLI run (with its files)": [], "Scenario.run": [], "Scenario.run + four DataFrames": []}
        steps = [lambda: subprocess.run(cli_cmd, check=True), scenario.run, run_and_frames]
        for _ in range(args.repeat):
            for times, step in zip(samples.values(), steps):
                t = cpu_seconds()
                step()
                times.append(cpu_seconds() - t)
    cli = statistics.median(samples["CLI run (with its files)"])
    for label, times in samples.items():
        med = statistics.median(times)
        print(f"{label:32} CPU median {med * 1000:7.1f} ms, min {min(times) * 1000:7.1f} ms ({(med / cli - 1) * 100:+.1f} % vs CLI median)")

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
