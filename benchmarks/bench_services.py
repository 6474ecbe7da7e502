"""Time the portfolio-wide computations of SPEC §7 inside the process.

Usage: python benchmarks/bench_services.py DB [--as-of YYYY-MM-DD] [--runs N]
Make the database first: clausekeeper --db DB demo --scale enterprise
Prints the best and median wall time of each service (renewals, gaps, sla), including JSON shaping
but not printing, after one warm-up run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from app.services.knowledge import gaps_json
from app.services.renewals import renewals_json
from app.services.sla import sla_json
from app.store.engine import open_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    db = open_database(args.db)
    services: dict[str, Callable[[Any], Any]] = {
        "renewals": lambda s: renewals_json(s, args.as_of, None),
        "gaps": lambda s: gaps_json(s, args.as_of),
        "sla": lambda s: sla_json(s, args.as_of, None, None),
    }
    for name, run in services.items():
        times = []
        for i in range(args.runs + 1):
            with db.session() as session:
                start = time.perf_counter()
                run(session)
                elapsed = time.perf_counter() - start
            if i:
                times.append(elapsed)
        print(f"{name:9s} best {min(times):.3f} s  median {statistics.median(times):.3f} s")
    db.close()


if __name__ == "__main__":
    main()
