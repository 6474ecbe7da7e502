"""Time the dashboard and the SLA workspace on a large database, offscreen (SPEC §7).

    python benchmarks/bench_gui_views.py DB [--as-of YYYY-MM-DD]

Make the database first: clausekeeper --db DB demo --scale enterprise. Prints, for the dashboard,
the time until all its figures are drawn and the longest event-loop stall meanwhile (a 5 ms
timer's largest gap); for the SLA page, the time from opening it until its first rows, until the
portfolio's figures and credits, and the longest stall meanwhile.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class StallMeter:
    """The longest gap between two ticks of a 5 ms timer (the event loop's worst stall)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self._last = time.perf_counter()

    def start(self) -> None:
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def wait_until(app: object, condition: object, timeout: float = 600) -> float:
    from PySide6.QtCore import QCoreApplication

    start = time.perf_counter()
    while not condition():  # type: ignore[operator]
        if time.perf_counter() - start > timeout:
            raise SystemExit("timed out")
        QCoreApplication.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()

    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication([])
    from app.store.engine import open_database
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow

    meter = StallMeter()
    db = open_database(args.db)
    ctx = AppContext(db, args.as_of)
    meter.start()
    start = time.perf_counter()
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    dashboard = window.page("Dashboard")
    wait_until(app, lambda: dashboard.figures is not None and len(dashboard.figures.parts) == 4)
    print(f"dashboard: figures drawn after {time.perf_counter() - start:.2f} s, "
          f"longest event-loop stall {meter.stop() * 1000:.0f} ms")

    meter.start()
    start = time.perf_counter()
    sla = window.show_page("SLAs")
    first = wait_until(app, lambda: sla.contracts_model.rowCount() > 0)
    figures = wait_until(app, lambda: sla.overview is not None) + first
    print(f"SLA page: first rows after {first:.2f} s ({sla.contracts_model.total():,} contracts), "
          f"figures and credits after {figures:.2f} s "
          f"({len(sla.overview.credits):,} credit months), "
          f"longest event-loop stall {meter.stop() * 1000:.0f} ms")
    window.close()
    db.close()


if __name__ == "__main__":
    main()
