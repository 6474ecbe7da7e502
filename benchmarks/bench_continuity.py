"""`forecast` and `successors` against one `gaps`, whole process (SPEC §7).

    python benchmarks/bench_continuity.py DB [--as-of YYYY-MM-DD] [--runs 3]

Make the database first: clausekeeper --db DB demo --scale enterprise --seed 7
Runs `python -m app --db DB gaps --json`, `forecast --json` (12 months) and `successors --json`
as separate processes, interleaved so that a noisy machine slows all three alike, output to
/dev/null; prints the median wall time of each and the ratios (targets: forecast ≤ 3 × gaps,
successors ≤ 2 × gaps), and the same for CPU time, which a machine shared with other work
disturbs less.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "gaps": ["gaps", "--json"],
    "forecast": ["forecast", "--json"],
    "successors": ["successors", "--json"],
}
TARGETS = {"forecast": 3.0, "successors": 2.0}


def run(db: str, as_of: str | None, args: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of the command."""
    command = [sys.executable, "-m", "app", "--db", db, *args]
    if as_of:
        command += ["--as-of", as_of]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
    run(args.db, args.as_of, COMMANDS["gaps"])  # warm the file cache
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            wall, used = run(args.db, args.as_of, command)
            times[name].append(wall)
            cpu[name].append(used)
    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    ok = True
    for name, values in times.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        line = f"{name:<11} median {median[name]:6.2f} s  ({shown}); CPU {median_cpu[name]:.2f} s"
        if name in TARGETS:
            ratio = median[name] / median["gaps"]
            passed = ratio <= TARGETS[name]
            ok = ok and passed
            verdict = "ok" if passed else "TOO SLOW"
            line += (
                f"  = {ratio:.2f} x gaps (target ≤ {TARGETS[name]:g}) {verdict}; "
                f"CPU {median_cpu[name] / median_cpu['gaps']:.2f} x"
            )
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
