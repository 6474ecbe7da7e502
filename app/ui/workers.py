"""One way to run long work off the GUI thread (after Anki's CollectionOp and Picard's run_task).

`run_op(parent, ctx, title, fn, on_done)` runs `fn(session, progress)` on a worker thread with its
own database session, shows a QProgressDialog with Cancel, and then, on the GUI thread:
- success: the session is committed, `on_done(result)` runs and `ctx.changed(entity)` announces it;
- Cancel: the progress callback returns False, `app.core.progress.Cancelled` is raised inside `fn`,
  the session rolls back, nothing is written;
- an error the user can fix (ClausekeeperError): one warning dialog with its lines;
- the server went away (ConnectionLostError): no dialog; `ctx.connection_lost` makes the window
  show its banner and pause editing until the server answers again;
- anything else is a bug: its traceback goes to the log file, a short dialog says so.

Workers never touch widgets: `fn` gets a session and a progress callback, nothing from Qt.
`run_query` is the same without a dialog, for views that compute what they show.
For tests, `synchronous()` runs everything on the calling thread (like Picard's fake thread pool).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.core.progress import Cancelled, Progress
from app.errors import ClausekeeperError, ConnectionLostError
from app.ui.saved_file import announce

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.ui.context import AppContext

log = logging.getLogger("clausekeeper.ui")

OpFn = Callable[["Session", Progress], Any]
QueryFn = Callable[["Session"], Any]

MAX_LINES = 20  # problems shown in the dialog itself; the rest go into "Show Details"
PROGRESS_INTERVAL = 0.05  # seconds between two progress signals from a worker

_synchronous = False
_pool: QThreadPool | None = None
_active: set[Op] = set()
_parentless: set[QMessageBox] = set()  # dialogs without a parent, kept alive while open


# --- errors -------------------------------------------------------------------------------------


def log_bug(exc: BaseException) -> Path | None:
    """Write a bug's traceback to the log and to clausekeeper-errors.log in the user data folder."""
    text = "".join(traceback.format_exception(exc))
    log.error("internal error:\n%s", text)
    try:
        from app.store.locations import data_dir

        path = data_dir() / "clausekeeper-errors.log"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
        return path
    except OSError:
        return None


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Clausekeeper") -> (
    QMessageBox | None
):
    """One dialog for any failure (not modal-blocking: it is opened, not exec'd).

    Cancelled shows nothing; a ClausekeeperError shows its lines; anything else is logged as a bug.
    """
    if isinstance(exc, Cancelled):
        return None
    if parent is not None and not shiboken6.isValid(parent):
        parent = None
    if isinstance(exc, ConnectionLostError):
        connection_lost(parent, exc)
        return None
    if isinstance(exc, ClausekeeperError):
        lines = exc.lines() or [str(exc)]
        box = QMessageBox(QMessageBox.Icon.Warning, title, lines[0], QMessageBox.StandardButton.Ok,
                          parent)
        if len(lines) > 1:
            box.setInformativeText("\n".join(lines[1:MAX_LINES]))
        if len(lines) > MAX_LINES:
            box.setDetailedText("\n".join(lines))
    else:
        path = log_bug(exc)
        where = f"Details were written to {path}." if path else "Details are in the log."
        box = QMessageBox(
            QMessageBox.Icon.Critical, title,
            f"Something went wrong inside Clausekeeper: {type(exc).__name__}: {exc}",
            QMessageBox.StandardButton.Ok, parent,
        )
        box.setInformativeText(f"{where} Please report it.")
    box.setObjectName("errorDialog")
    if parent is not None:
        box.setWindowModality(Qt.WindowModality.WindowModal)
    return _open(box)


def connection_lost(parent: QWidget | None, exc: BaseException) -> None:
    """The server went away: the context of `parent` (else every open one) pauses editing and
    its window shows the banner; no dialog, however many calls fail meanwhile."""
    from app.ui.context import AppContext

    widget: Any = parent
    while widget is not None:
        try:
            ctx = widget if isinstance(widget, AppContext) else getattr(widget, "ctx", None)
        except RuntimeError:  # a main window without a database yet
            ctx = None
        if isinstance(ctx, AppContext):
            ctx.connection_lost(str(exc))
            return
        widget = widget.parentWidget() if isinstance(widget, QWidget) else None
    for ctx in AppContext.open_contexts():
        ctx.connection_lost(str(exc))


def show_open_error(parent: QWidget | None, exc: BaseException) -> QMessageBox | None:
    """A database that could not be opened: always a dialog (a server that cannot be reached
    while opening is not the open database's connection being lost)."""
    if isinstance(exc, ConnectionLostError):
        exc = ClausekeeperError(str(exc), exc.lines())
    return show_error(parent, exc, "Open database")


def _open(box: QMessageBox) -> QMessageBox:
    """Open a message box without blocking; Python keeps a parentless one alive while open."""
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if box.parent() is None:
        _parentless.add(box)
        box.finished.connect(lambda _result: _parentless.discard(box))
    box.open()
    return box


# --- the worker ---------------------------------------------------------------------------------


class _Signals(QObject):
    """Lives on the GUI thread; the worker emits, queued connections deliver."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)


class _Job:
    """What a worker thread holds while it runs an Op.

    The worker lets go of the Op (and so of the widgets its callbacks name) before it reports
    back: the GUI thread then holds the last references, and Qt objects are never released on a
    worker thread. The signals object is a child of the Op, owned by Qt, so the worker's own
    reference to it cannot delete it either.
    """

    def __init__(self, op: Op) -> None:
        self._op: Op | None = op

    def __call__(self) -> None:
        op, self._op = self._op, None
        if op is None:
            return
        signals = op._signals
        outcome = op._compute()
        del op
        try:
            if isinstance(outcome, BaseException):
                signals.failed.emit(outcome)
            else:
                signals.succeeded.emit(outcome[0])
        except RuntimeError:  # the application is shutting down: nobody is left to tell
            log.debug("an operation finished after its receiver was deleted")


class Op(QObject):
    """One running operation; `finished` fires on the GUI thread when it is over, however."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        ctx: AppContext,
        title: str,
        fn: OpFn,
        on_done: Callable[[Any], None] | None,
        *,
        changed: str | None,
        on_failed: Callable[[BaseException], None] | None,
        show_progress: bool,
        report_errors: bool,
        label: str | None,
    ) -> None:
        super().__init__()
        self._parent = parent
        self._ctx = ctx
        self._db = ctx.db  # the database at the start: switching databases does not redirect it
        self.title = title
        self._fn = fn
        self._on_done = on_done
        self._on_failed = on_failed
        self._changed = changed
        self._report_errors = report_errors
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self._signals = _Signals(self)
        self._signals.progressed.connect(self._on_progress)
        self._signals.succeeded.connect(self._on_succeeded)
        self._signals.failed.connect(self._on_failed_signal)
        self.dialog: QProgressDialog | None = None
        # A modal QProgressDialog's setValue processes events: the Op may finish inside it, and
        # its dialog must then outlive that call (deleted once setValue has returned).
        self._in_progress = False
        self._dispose: QProgressDialog | None = None
        if show_progress:
            dialog = QProgressDialog(label or f"{title}…", "Cancel", 0, 0, parent)
            dialog.setObjectName("progressDialog")
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(400)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.canceled.connect(self.cancel)
            self.dialog = dialog

    # worker thread ----------------------------------------------------------------------------

    def _progress(self, done: int, total: int, message: str = "") -> bool:
        if self._cancel.is_set():
            return False
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL or (total > 0 and done >= total):
            self._last_emit = now
            try:
                self._signals.progressed.emit(int(done), int(total), message)
            except RuntimeError:  # shutting down
                return False
        return not self._cancel.is_set()

    def _compute(self) -> tuple[Any] | BaseException:
        """Run the function in a session of its own: (result,), or the failure."""
        try:
            if self._cancel.is_set():
                raise Cancelled()
            with self._db.session() as session:
                return (self._fn(session, self._progress),)
        except BaseException as exc:  # noqa: BLE001 - every failure is routed to the GUI thread
            return exc

    def _execute(self) -> None:
        """Run on the calling thread (synchronous mode) and deliver the outcome."""
        _Job(self)()

    # GUI thread -------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the worker to stop at its next progress report (it then writes nothing)."""
        self._cancel.set()
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.setLabelText("Cancelling…")

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        dialog = self.dialog
        if dialog is None or self.done or self._in_progress or not shiboken6.isValid(dialog):
            return
        if self._cancel.is_set():
            return
        self._in_progress = True
        try:
            if message:
                dialog.setLabelText(message)
            if total > 0:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))
        finally:
            self._in_progress = False
            pending, self._dispose = self._dispose, None
            if pending is not None and shiboken6.isValid(pending):
                pending.deleteLater()

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _close_dialog(self) -> None:
        dialog = self.dialog
        self.dialog = None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.canceled.disconnect(self.cancel)
            dialog.reset()
            dialog.hide()
            if self._in_progress:  # inside its own setValue (see __init__)
                self._dispose = dialog
            else:
                dialog.deleteLater()

    def _on_succeeded(self, result: Any) -> None:
        self.result = result
        self._close_dialog()
        try:
            if self._on_done is not None and self._parent_alive():
                self._on_done(result)
            if self._changed is not None:
                self._ctx.changed(self._changed)
        except Exception as exc:  # a bug in the GUI callback
            self.error = exc
            show_error(self._parent if self._parent_alive() else None, exc, self.title)
        finally:
            self._finish()

    def _on_failed_signal(self, exc: BaseException) -> None:
        self.error = exc
        self._close_dialog()
        try:
            if isinstance(exc, ConnectionLostError):
                self._ctx.connection_lost(str(exc))
            elif self._report_errors:
                show_error(self._parent if self._parent_alive() else None, exc, self.title)
            if self._on_failed is not None and self._parent_alive():
                self._on_failed(exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.done = True
        _active.discard(self)
        self.finished.emit()


def _thread_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        # A worker running Python hands the interpreter back to the GUI thread every switch
        # interval; 1 ms instead of 5 keeps the event loop responsive while views compute.
        sys.setswitchinterval(0.001)
        _pool = QThreadPool()
        _pool.setObjectName("clausekeeperWorkers")
        _pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
    return _pool


def run_op(
    parent: QWidget | None,
    ctx: AppContext,
    title: str,
    fn: OpFn,
    on_done: Callable[[Any], None] | None = None,
    *,
    changed: str | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
    show_progress: bool = True,
    report_errors: bool = True,
    label: str | None = None,
) -> Op:
    """Run `fn(session, progress)` on a worker (see the module docstring). Returns the Op."""
    op = Op(
        parent, ctx, title, fn, on_done, changed=changed, on_failed=on_failed,
        show_progress=show_progress, report_errors=report_errors, label=label,
    )
    _active.add(op)
    if _synchronous:
        op._execute()
    else:
        _thread_pool().start(_Job(op))
    return op


def run_query(
    parent: QWidget | None,
    ctx: AppContext,
    fn: QueryFn,
    on_done: Callable[[Any], None],
    *,
    on_failed: Callable[[BaseException], None] | None = None,
    title: str = "Clausekeeper",
) -> Op:
    """Compute `fn(session)` on a worker without a dialog (views loading what they show)."""
    return run_op(
        parent, ctx, title, lambda session, _progress: fn(session), on_done,
        on_failed=on_failed, show_progress=False,
    )


# --- control (shutdown, tests) ------------------------------------------------------------------


def active_ops() -> list[Op]:
    return list(_active)


def cancel_all() -> None:
    for op in list(_active):
        op.cancel()


def wait_for_ops(timeout: float = 10.0) -> bool:
    """Process events until every operation has finished (True) or the timeout passed (False)."""
    deadline = time.monotonic() + timeout
    while _active:
        if time.monotonic() > deadline:
            return False
        pool = _pool
        if pool is not None:
            pool.waitForDone(QDeadlineTimer(20))
        QCoreApplication.processEvents()
    return True


def is_synchronous() -> bool:
    return _synchronous


@contextmanager
def synchronous(enabled: bool = True) -> Iterator[None]:
    """Run operations on the calling thread inside the block (deterministic tests)."""
    global _synchronous
    previous = _synchronous
    _synchronous = enabled
    try:
        yield
    finally:
        _synchronous = previous


# --- the application's long operations ----------------------------------------------------------


def notify(parent: QWidget | None, text: str, timeout_ms: int = 10_000) -> None:
    """A short message in the status bar of the parent's main window (if there is one)."""
    from PySide6.QtWidgets import QMainWindow

    if parent is None or not shiboken6.isValid(parent):
        return
    window = parent.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, timeout_ms)


def show_lines(
    parent: QWidget | None, title: str, headline: str, lines: list[str]
) -> QMessageBox:
    """An information dialog (opened, not exec'd) for summaries such as an import's."""
    if parent is not None and not shiboken6.isValid(parent):
        parent = None
    box = QMessageBox(QMessageBox.Icon.Information, title, headline,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("summaryDialog")
    if lines:
        box.setInformativeText("\n".join(lines[:MAX_LINES]))
    if len(lines) > MAX_LINES:
        box.setDetailedText("\n".join(lines))
    return _open(box)


def export_report_op(
    parent: QWidget | None, ctx: AppContext, kind: str, path: Path,
    on_done: Callable[[Any], None] | None = None,
) -> Op:
    """Write the `kind` workbook (register, renewals, knowledge, sla) as of ctx.as_of."""
    as_of = ctx.as_of

    def work(session: Session, progress: Progress) -> Any:
        from app.reports.export import export_report

        return export_report(session, kind, path, as_of, progress)

    def done(result: Any) -> None:
        written = Path(result) if isinstance(result, str | Path) else path
        headline = f"The {kind} workbook was written to {written}."
        notify(parent, headline)
        announce(parent, written, f"The {kind} workbook was saved ({written.name}).")
        if on_done is not None:
            on_done(result)

    return run_op(parent, ctx, f"Export {kind}", work, done,
                  label=f"Writing the {kind} workbook…")


def calendar_op(
    parent: QWidget | None, ctx: AppContext, path: Path,
    on_done: Callable[[Any], None] | None = None,
) -> Op:
    """Write the renewal deadlines as an iCalendar file."""
    as_of = ctx.as_of

    def work(session: Session, progress: Progress) -> Any:
        from app.reports.calendar_ics import write_calendar
        from app.services.renewals import calendar_sequences, renewals

        rows = renewals(session, as_of)
        sequences = calendar_sequences(session, rows, as_of)
        if not progress(1, 2, "Writing the calendar…"):
            raise Cancelled()
        return write_calendar(rows, path, as_of, sequences)

    def done(count: Any) -> None:
        notify(parent, f"{count} deadlines were written to {path}.")
        announce(parent, path, f"{count} deadlines were saved as a calendar ({path.name}).")
        if on_done is not None:
            on_done(count)

    return run_op(parent, ctx, "Calendar", work, done, label="Writing the deadlines…")


def demo_op(
    parent: QWidget | None, ctx: AppContext, on_done: Callable[[Any], None] | None = None,
    *, scale: str = "small", seed: int = 1,
) -> Op:
    """Fill the (empty) database with the demo portfolio, dated around today."""
    from datetime import date

    today = date.today()

    def work(session: Session, progress: Progress) -> Any:
        from app.store.demo import generate

        return generate(session, scale=scale, seed=seed, as_of=today, progress=progress)

    def done(counts: Any) -> None:
        if isinstance(counts, dict):
            notify(parent, "Demo portfolio loaded: "
                   + ", ".join(f"{n} {k}" for k, n in counts.items()))
        if on_done is not None:
            on_done(counts)

    return run_op(parent, ctx, "Demo portfolio", work, done, changed="*",
                  label="Writing the demo portfolio…")


def backup_op(
    parent: QWidget | None, ctx: AppContext, path: Path,
    on_done: Callable[[Any], None] | None = None,
) -> Op:
    """An online backup of the open database."""
    db = ctx.db

    def work(_session: Session, _progress: Progress) -> Any:
        from app.store.backup import backup

        return backup(db, path)

    def done(result: Any) -> None:
        written = Path(result) if isinstance(result, str | Path) else path
        notify(parent, f"Backup written to {written}.")
        announce(parent, written, f"The backup was saved ({written.name}).")
        if on_done is not None:
            on_done(result)

    return run_op(parent, ctx, "Backup", work, done, label="Writing the backup…")
