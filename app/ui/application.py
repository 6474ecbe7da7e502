"""Starting the desktop application: QApplication, error hooks, the main window, the database.

`clausekeeper` without a command calls `run`. The main window is shown first; SQLAlchemy is loaded
and the database opened (and migrated) on a background thread meanwhile, so the window appears as
fast as a bare Qt window would and never freezes while a large database opens.

Errors a user can fix (ClausekeeperError) are shown in a dialog without a traceback; anything else
is a bug: `sys.excepthook` logs its traceback and shows a short dialog.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QWidget

from app import __version__
from app.ui import icons, ready_check, settings_store, workers
from app.ui.main_window import MainWindow

if TYPE_CHECKING:
    from app.store.engine import Database

log = logging.getLogger("clausekeeper.ui")
qt_log = logging.getLogger("clausekeeper.qt")

ENV_VAR = "CLAUSEKEEPER_DB"  # the same variable app.store.engine reads
# The freedesktop application id: installer/<id>.desktop and its AppStream metainfo.
DESKTOP_ID = "org.clausekeeper.Clausekeeper"


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with the names QSettings and dialogs use."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setOrganizationName(settings_store.ORGANIZATION)
    app.setApplicationName(settings_store.APPLICATION)
    app.setApplicationDisplayName("Clausekeeper")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icons.app_icon())
    app.setDesktopFileName(DESKTOP_ID)  # the desktop shows the .desktop file's name and icon
    return app


def excepthook(
    kind: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    """Uncaught exceptions in the GUI thread: a dialog (user errors) or log + dialog (bugs)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    try:
        workers.show_error(QApplication.activeWindow(), exc)
    except Exception:  # the dialog itself failed: at least keep the traceback
        sys.__excepthook__(kind, exc, tb)


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    qt_log.log(level, "%s", message)


def choose_target(db_target: str | None, demo: bool) -> str | None:
    """--demo (None here: the demo path is resolved when opening), else --db, else
    $CLAUSEKEEPER_DB (resolved by the store), else the database opened last time."""
    if demo:
        return None
    if db_target:
        return db_target
    if os.environ.get(ENV_VAR):
        return None
    return settings_store.last_database()


def open_target(target: str | None, demo: bool) -> Database:
    """Open (create, migrate) the database; runs on the opener's thread."""
    from app.store.engine import open_database
    from app.store.locations import demo_database_path

    return open_database(str(demo_database_path()) if demo else target)


def warm_up(db: Database) -> bool:
    """On the opener's thread, what the first page would otherwise do on the GUI thread and
    stall it with: import the dashboard and its services, configure the ORM mappers, and ask
    whether the database is empty (returned)."""
    from importlib import import_module

    from sqlalchemy.orm import configure_mappers

    from app.store.portfolio_queries import is_empty

    for module in ("app.ui.dashboard", "app.services.dashboard", "app.services.figure_cache"):
        import_module(module)
    configure_mappers()
    with db.session() as session:
        return is_empty(session)


class DatabaseOpener(QObject):
    """Opens a database on a background thread and reports back on the GUI thread."""

    opened = Signal(object)  # Database
    failed = Signal(object)  # BaseException

    def __init__(self, target: str | None, demo: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._target = target
        self._demo = demo
        self.worker: threading.Thread | None = None
        self.empty: bool | None = None  # known once opened

    def start(self) -> None:
        self.worker = threading.Thread(target=self._run, name="open-database", daemon=True)
        self.worker.start()

    def _run(self) -> None:
        try:
            db = open_target(self._target, self._demo)
            self.empty = warm_up(db)
        except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
            self._emit(self.failed, exc)
        else:
            self._emit(self.opened, db)

    def _emit(self, signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the application quit while the database was opening
            if not isinstance(value, BaseException):
                value.close()


def start(db: Database, as_of: date | None, *, demo: bool = False) -> MainWindow:
    """Show the main window on an open database (the synchronous way, for tests and tools)."""
    window = MainWindow()
    window.show()
    attach(window, db, as_of, demo=demo)
    return window


def attach(
    window: MainWindow, db: Database, as_of: date | None, *, demo: bool, empty: bool | None = None
) -> None:
    """Give the window its database; then fill (--demo) or offer to fill an empty one
    (`empty`: whether it is, when the opener asked already)."""
    from app.ui.context import AppContext

    window.attach(AppContext(db, as_of))
    settings_store.remember_database(db.describe())
    QTimer.singleShot(0, lambda: _after_attach(window, demo, empty))


def _after_attach(window: MainWindow, demo: bool, empty: bool | None) -> None:
    if not shiboken6.isValid(window) or not window.has_database:
        return
    if not demo:
        window.offer_first_run_if_empty(empty)
        return
    if empty is None:
        from app.store.portfolio_queries import is_empty

        with window.ctx.session() as session:
            empty = is_empty(session)
    if empty and window.ctx.can_edit:  # a read-only database cannot be filled
        workers.demo_op(window, window.ctx)


def show_window(
    db_target: str | None, as_of: date | None, demo: bool
) -> tuple[MainWindow, DatabaseOpener]:
    """The main window, shown at once, and the opener that gives it its database."""
    target = choose_target(db_target, demo)
    window = MainWindow()
    shown = settings_store.without_password(target) if target else (
        "the demo database" if demo else "the database")
    window.show_waiting(f"Opening {shown}…")  # a password given in --db is not shown
    previewed = settings_store.last_page() in (None, "", "Dashboard") and _preview(
        window, target, as_of or date.today(), demo
    )
    window.show()
    if previewed:
        window.repaint()  # the figures first: the opener's imports then compete with nothing
    opener = DatabaseOpener(target, demo, window)

    def opened(db: Database) -> None:
        if shiboken6.isValid(window):
            attach(window, db, as_of, demo=demo, empty=opener.empty)
        else:
            db.close()

    def failed(exc: BaseException) -> None:
        if not shiboken6.isValid(window):
            return
        from app.errors import ClausekeeperError
        from app.ui.password_dialog import needs_password

        if target and isinstance(exc, ClausekeeperError) and needs_password(exc):
            db = window.open_with_password(target, exc)  # the server wants a password: ask for it
            if db is not None:
                attach(window, db, as_of, demo=demo)
                return
        window.show_waiting(
            "No database is open. Use File ▸ Open database… or File ▸ New database…"
        )
        if not (target and isinstance(exc, ClausekeeperError) and needs_password(exc)):
            workers.show_open_error(window, exc)

    opener.opened.connect(opened)
    opener.failed.connect(failed)
    after_first_paint(window, opener.start)  # its imports would slow the first paint down
    return window, opener


class _FirstPaint(QObject):
    """Calls `then` once, after the watched window's first paint (or after `FALLBACK_MS`, a
    window that is not painted, e.g. minimized, still gets it)."""

    FALLBACK_MS = 300

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._then: Callable[[], None] | None = then
        window.installEventFilter(self)
        QTimer.singleShot(self.FALLBACK_MS, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() is QEvent.Type.Paint:
            QTimer.singleShot(0, self._fire)  # once this paint is done
        return False

    def _fire(self) -> None:
        then, self._then = self._then, None
        if then is None:
            return
        if shiboken6.isValid(self._window):
            self._window.removeEventFilter(self)
        then()


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Run `then` once `window` has been painted the first time."""
    _FirstPaint(window, then)


def _preview(window: MainWindow, target: str | None, as_of: date, demo: bool) -> bool:
    """The dashboard at once, with the figures kept from the last run, when they are still
    those of the data (app.services.dashboard_preview); False when there are none."""
    from app.services.dashboard_preview import cached_figures
    from app.ui.dashboard import GROUPS

    try:
        figures = cached_figures(target, as_of, GROUPS, demo=demo)
    except Exception:  # noqa: BLE001 - only a shortcut: the ordinary way follows anyway
        log.warning("no dashboard preview", exc_info=True)
        return False
    if figures is None:
        return False
    window.show_preview(figures)
    return True


def run(db_target: str | None, as_of: date | None, demo: bool) -> int:
    """Open the desktop application; returns the exit code."""
    started = time.perf_counter()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    previous_hook = sys.excepthook
    sys.excepthook = excepthook
    previous_handler = qInstallMessageHandler(_qt_message)
    try:
        window, opener = show_window(db_target, as_of, demo)
        if ready_check.requested():  # the bundle's smoke test: quit once usable
            ready_check.install(window, opener, app.exit)
        log.info("main window shown after %.3f s", time.perf_counter() - started)
        window.ready.connect(
            lambda: log.info("database attached after %.3f s", time.perf_counter() - started)
        )
        code = app.exec()
        workers.cancel_all()
        workers.wait_for_ops(30)
        if opener.worker is not None:
            opener.worker.join(30)
        if window.has_database:
            window.ctx.db.close()
        return int(code)
    finally:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)
