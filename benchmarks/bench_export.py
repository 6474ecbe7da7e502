"""Knowledge report export against raw openpyxl write-only output (SPEC §7).

    python benchmarks/bench_export.py [--db /tmp/enterprise.db] [--as-of 2025-06-15] [--runs 2]

Measures, on the same clause rows of `gaps()`:
- raw: openpyxl write-only, one sheet, `ws.append(tuple_of_plain_values)` per clause;
- ours: `write_knowledge_workbook` (every sheet, safe text cells, formats, table, conditional
  formatting) from figures computed once (`knowledge_figures`: gaps, forecast, successors), and
  the whole `export_report` that computes them too;
and reports data cells per second (title, header and summary cells of ours are not counted, so
the ratio is conservative). Then the write phase's peak Python memory (tracemalloc) for a
quarter of the clauses and for all of them: it should not grow with the row count.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook  # noqa: E402

from app.reports.export import export_report, write_workbook  # noqa: E402
from app.reports.report_knowledge import (  # noqa: E402
    KnowledgeFigures,
    _clause_row,
    knowledge_figures,
    write_knowledge_workbook,
)
from app.services.knowledge import GapsResult  # noqa: E402
from app.store.engine import open_database  # noqa: E402

OUT = Path(tempfile.gettempdir()) / "clausekeeper-bench-export.xlsx"
"""Both write to a file (a BytesIO would hold the whole workbook in memory)."""


def raw_write(rows: list[tuple[Any, ...]], *, pause_gc: bool = False) -> float:
    start = time.perf_counter()
    if pause_gc:
        gc.disable()
    try:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Clauses")
        for row in rows:
            ws.append(row)
        wb.save(OUT)
    finally:
        gc.enable()
    return time.perf_counter() - start


def ours_write(session: Any, figures: KnowledgeFigures, as_of: date, *, with_gaps: bool) -> float:
    """What `clausekeeper export knowledge` does (export_report), or only its writing."""
    start = time.perf_counter()
    if with_gaps:
        export_report(session, "knowledge", OUT, as_of)
    else:
        write_workbook(OUT, lambda out: write_knowledge_workbook(out, figures))
    return time.perf_counter() - start


def data_cells(figures: KnowledgeFigures) -> int:
    result: GapsResult = figures.result
    continuity = len(figures.points) * 9 + len(figures.successors.clauses) * 15
    return (
        len(result.clauses) * 9 + len(result.contracts) * 10 + len(result.vendors) * 9 + continuity
    )


def peak_write_memory(session: Any, figures: KnowledgeFigures, as_of: date) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        ours_write(session, figures, as_of, with_gaps=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/enterprise.db")
    parser.add_argument("--as-of", default="2025-06-15", type=date.fromisoformat)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if not Path(args.db).exists():
        print(f"{args.db} not found: generate it with `clausekeeper --db {args.db} demo "
              "--scale enterprise`")
        return 1
    db = open_database(args.db)
    with db.session() as session:
        start = time.perf_counter()
        figures = knowledge_figures(session, args.as_of)
        result = figures.result
        print(f"gaps, forecast and successors: {len(result.clauses):,} clauses in "
              f"{time.perf_counter() - start:.2f} s")
        rows = [_clause_row(c) for c in result.clauses]
        raw_cells = len(rows) * 9
        ours_cells = data_cells(figures)
        raw_times, strict_times, ours_times, full_times = [], [], [], []
        for _ in range(args.runs):  # interleaved, best of N: the machine is shared and noisy
            raw_times.append(raw_write(rows))
            strict_times.append(raw_write(rows, pause_gc=True))
            ours_times.append(ours_write(session, figures, args.as_of, with_gaps=False))
            full_times.append(ours_write(session, figures, args.as_of, with_gaps=True))
        raw_rate = raw_cells / min(raw_times)
        ours_rate = ours_cells / min(ours_times)
        full_rate = ours_cells / min(full_times)
        strict_rate = raw_cells / min(strict_times)
        print(f"raw openpyxl write-only: {raw_cells:,} cells, best {min(raw_times):.1f} s, "
              f"{raw_rate:,.0f} cells/s")
        print(f"raw, garbage collector paused too (a stricter floor): best "
              f"{min(strict_times):.1f} s, {strict_rate:,.0f} cells/s")
        print(f"knowledge report (writing): {ours_cells:,} data cells, best "
              f"{min(ours_times):.1f} s, {ours_rate:,.0f} cells/s, "
              f"ratio {ours_rate / raw_rate:.2f}")
        print(f"knowledge report (gaps + writing): best {min(full_times):.1f} s, "
              f"{full_rate:,.0f} cells/s, ratio {full_rate / raw_rate:.2f}")
        print(f"ratios to the stricter floor: writing {ours_rate / strict_rate:.2f}, "
              f"gaps + writing {full_rate / strict_rate:.2f}")

        quarter = replace(
            figures, result=replace(result, clauses=result.clauses[: len(result.clauses) // 4])
        )
        small = peak_write_memory(session, quarter, args.as_of)
        large = peak_write_memory(session, figures, args.as_of)
        print(f"write-phase peak memory: {len(quarter.result.clauses):,} clauses "
              f"{small / 2**20:.1f} MB, "
              f"{len(result.clauses):,} clauses {large / 2**20:.1f} MB")
    db.close()
    OUT.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
