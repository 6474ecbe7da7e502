"""A start of the desktop application that quits by itself once it is usable (smoke tests).

With CLAUSEKEEPER_QUIT_WHEN_READY set (installer/smoke.sh sets it for the built bundle), the app
starts as usual; once the main window shows a database and the dashboard has its figures, it
prints one line saying what it checked and quits with exit code 0. It quits with 1 (and a line on
stderr) if the database cannot be opened, the window is not usable, its icon does not render, or
nothing of that happens within the limit (the variable's value in seconds, else 120).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from app.ui.application import DatabaseOpener
    from app.ui.main_window import MainWindow

ENV_VAR = "CLAUSEKEEPER_QUIT_WHEN_READY"
DEFAULT_LIMIT_S = 120
START_PAGE = "Dashboard"
PENDING = "…"  # what a figure card shows until its figure is computed


def requested() -> bool:
    return bool(os.environ.get(ENV_VAR))


def limit_seconds() -> float:
    value = os.environ.get(ENV_VAR, "")
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_LIMIT_S
    return seconds if seconds > 1 else DEFAULT_LIMIT_S


def problems(window: MainWindow) -> list[str]:
    """What keeps the shown window from being usable (nothing: it is)."""
    found = []
    if not window.isVisible():
        found.append("the main window is not shown")
    if not window.has_database:
        found.append("no database is attached")
    if not window.nav.isEnabled():
        found.append("the navigation is disabled")
    if window.windowIcon().pixmap(64, 64).isNull():
        found.append("the window icon does not render (is the SVG plugin missing?)")
    pending = [label for label in window.findChildren(QLabel, "figureValue")
               if label.text() == PENDING]
    if pending:
        found.append(f"{len(pending)} dashboard figures are still being computed")
    return found


class ReadyCheck(QObject):
    """Waits for the window to become usable, then calls `finish` with the exit code."""

    def __init__(
        self,
        window: MainWindow,
        opener: DatabaseOpener | None,
        finish: Callable[[int], None],
        limit_s: float,
    ) -> None:
        super().__init__(window)
        self.window = window
        self._finish = finish
        self.code: int | None = None
        window.ready.connect(self._ready)
        if opener is not None:
            opener.failed.connect(lambda exc: self._done(1, f"the database did not open: {exc}"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(
            lambda: self._done(1, f"not usable after {limit_s:g} s: "
                                  + "; ".join(problems(window) or ["no ready signal"]))
        )
        self._timer.start(int(limit_s * 1000))

    def _ready(self) -> None:
        page = self.window.show_page(START_PAGE)
        loaded = getattr(page, "loaded", None)
        if loaded is None:  # a page without figures to wait for
            QTimer.singleShot(0, self._check)
        else:
            loaded.connect(self._check)

    def _check(self) -> None:
        if self.code is not None or not shiboken6.isValid(self.window):
            return
        found = problems(self.window)
        if found:
            self._done(1, "; ".join(found))
            return
        figures = len(self.window.findChildren(QLabel, "figureValue"))
        self._done(0, f"ready: {self.window.windowTitle()} shows the "
                      f"{self.window.current_page_name()} with {figures} figures")

    def _done(self, code: int, message: str) -> None:
        if self.code is not None:
            return
        self.code = code
        self._timer.stop()
        print(f"clausekeeper: {message}", file=sys.stdout if code == 0 else sys.stderr,
              flush=True)
        self._finish(code)


def install(
    window: MainWindow, opener: DatabaseOpener | None, finish: Callable[[int], None]
) -> ReadyCheck:
    return ReadyCheck(window, opener, finish, limit_seconds())
