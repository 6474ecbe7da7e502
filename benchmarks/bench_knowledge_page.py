"""Opening the Knowledge page on a large database (SPEC §7: first rows ≤ 1 s, no stall).

Usage: python benchmarks/bench_knowledge_page.py DB [--runs N] [--as-of YYYY-MM-DD]
The main window is opened offscreen and left to finish its dashboard; then, in each run, a fresh
Knowledge workspace is shown and timed until its first rows are in the table, and until the
whole portfolio is computed. A 5 ms timer measures the longest stall of the event loop meanwhile.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _open_once(ctx: Any, view_class: Any) -> tuple[float, float, float, int]:
    """Show a new workspace: seconds to its first rows, to the whole, the longest stall."""
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QTimer

    page = view_class(ctx)
    page.resize(1100, 700)
    marks: dict[str, float] = {}
    page.first_rows.connect(lambda: marks.setdefault("first", time.perf_counter()))
    page.loaded.connect(lambda: marks.setdefault("whole", time.perf_counter()))
    clock = QElapsedTimer()
    longest = [0.0]

    def tick() -> None:
        longest[0] = max(longest[0], clock.restart() / 1000)

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    start = time.perf_counter()
    clock.start()
    timer.start()
    page.show()
    while "whole" not in marks:
        QCoreApplication.processEvents()
        time.sleep(0.001)
    timer.stop()
    rows = page.model.rowCount()
    page.close()
    page.deleteLater()
    return marks["first"] - start, marks["whole"] - start, longest[0], rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--as-of", dest="as_of", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    compileall.compile_dir(ROOT / "app", quiet=1)  # as installed: the first run imports no source

    from PySide6.QtCore import QCoreApplication, QSettings

    from app.store.engine import open_database
    from app.ui import workers
    from app.ui.application import make_application
    from app.ui.context import AppContext
    from app.ui.knowledge import KnowledgeWorkspace
    from app.ui.main_window import MainWindow

    folder = tempfile.mkdtemp(prefix="bench-knowledge-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    app = make_application()
    db = open_database(args.db)
    ctx = AppContext(db, args.as_of)
    window = MainWindow(ctx)
    window.show()
    workers.wait_for_ops(300)  # the dashboard's figures

    first: list[float] = []
    whole: list[float] = []
    stalls: list[float] = []
    for _ in range(args.runs):
        opened, complete, stall, rows = _open_once(ctx, KnowledgeWorkspace)
        first.append(opened)
        whole.append(complete)
        stalls.append(stall)
        workers.wait_for_ops(60)
        QCoreApplication.processEvents()
        print(f"first rows {opened:.3f} s ({rows} rows), whole portfolio {complete:.3f} s, "
              f"longest event-loop stall {stall * 1000:.0f} ms", flush=True)
    print(f"median: first rows {statistics.median(first):.3f} s, whole portfolio "
          f"{statistics.median(whole):.3f} s, longest stall {max(stalls) * 1000:.0f} ms")
    window.close()
    db.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
