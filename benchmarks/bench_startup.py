"""Start-up of the application against a bare PySide6 window (SPEC §7).

Usage: python benchmarks/bench_startup.py DB [--runs N]
Each run is a new process (offscreen). The floor is a bare QMainWindow with an empty QTableView.
Prints, as medians, when the main window is shown and when its database is attached and the
first page usable, each as a ratio to the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication([])
window = QMainWindow()
table = QTableView()
table.setModel(QStandardItemModel(0, 5))
window.setCentralWidget(table)
window.resize(1280, 800)
window.show()
app.processEvents()
print("shown", flush=True)
print("ready", flush=True)
"""

OURS = """
import sys, time
from PySide6.QtCore import QSettings
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
from app.ui.application import make_application, show_window
app = make_application()
window, opener = show_window(sys.argv[1], None, False)
app.processEvents()
print("shown", flush=True)
ready = []
window.ready.connect(lambda: ready.append(1))
while not ready:
    app.processEvents()
    time.sleep(0.001)
app.processEvents()
print("ready", flush=True)
"""


def _run(code: str, *args: str) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    marks = []
    for expected in ("shown", "ready"):
        line = proc.stdout.readline().strip()
        if line != expected:
            proc.kill()
            raise SystemExit(f"unexpected output {line!r} (wanted {expected!r})")
        marks.append(time.perf_counter() - start)
    proc.kill()
    proc.wait()
    return marks[0], marks[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    settings = tempfile.mkdtemp(prefix="ck-bench-settings-")
    floor, shown, ready = [], [], []
    for _ in range(args.runs):
        floor.append(_run(BARE)[0])
        ours = _run(OURS, args.db, settings)
        shown.append(ours[0])
        ready.append(ours[1])
    base = statistics.median(floor)
    print(f"bare window    {base:.3f} s")
    print(
        f"window shown   {statistics.median(shown):.3f} s  ({statistics.median(shown) / base:.1f}x)"
    )
    print(
        f"database ready {statistics.median(ready):.3f} s  ({statistics.median(ready) / base:.1f}x)"
    )


if __name__ == "__main__":
    main()
