"""The one way to run long work: worker thread, progress, cancel, error routing."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.progress import Cancelled, Progress, step
from app.errors import ValidationError
from app.store.models import Vendor
from app.ui import workers
from app.ui.context import AppContext
from tests.ui.conftest import open_dialogs

pytestmark = pytest.mark.usefixtures("qapp")


def _vendor_count(ctx: AppContext) -> int:
    with ctx.session() as session:
        return session.execute(select(func.count()).select_from(Vendor)).scalar_one()


@pytest.fixture
def parent(qtbot) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_success_commits_runs_on_done_on_gui_thread_and_announces_the_change(
    ctx: AppContext, parent: QWidget, qtbot  # type: ignore[no-untyped-def]
) -> None:
    threads: dict[str, QThread] = {}
    results: list[object] = []
    changes: list[str] = []
    ctx.data_changed.connect(changes.append)
    before = _vendor_count(ctx)  # the portfolio fixture has 2 vendors

    def work(session: Session, progress: Progress) -> str:
        threads["work"] = QThread.currentThread()
        session.add(Vendor(name="Initech"))
        step(progress, 1, 1, "adding")
        return "added"

    def done(result: object) -> None:
        threads["done"] = QThread.currentThread()
        results.append(result)

    op = workers.run_op(parent, ctx, "Add vendor", work, done, changed="Vendor")
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert results == ["added"]
    assert changes == ["Vendor"]
    assert _vendor_count(ctx) == before + 1 == 3
    gui = QApplication.instance().thread()  # type: ignore[union-attr]
    assert threads["done"] is gui
    assert threads["work"] is not gui  # the work ran on a worker thread
    assert not open_dialogs()


def test_cancel_leaves_nothing_written(ctx: AppContext, parent: QWidget, qtbot) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()
    release = threading.Event()
    failures: list[BaseException] = []
    done: list[object] = []

    def work(session: Session, progress: Progress) -> None:
        session.add(Vendor(name="Half-written"))
        session.flush()  # the row is in the transaction...
        started.set()
        release.wait(10)
        step(progress, 1, 2, "still going")  # ...and Cancel stops here, rolling it back

    op = workers.run_op(parent, ctx, "Long job", work, done.append, on_failed=failures.append,
                        changed="Vendor")
    assert started.wait(10)
    assert op.dialog is not None
    cancel = op.dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    cancel.click()
    release.set()
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert op.cancelled
    assert [type(exc) for exc in failures] == [Cancelled]
    assert done == []
    assert _vendor_count(ctx) == 2  # only the fixture's two vendors
    assert not open_dialogs()  # cancelling is not an error


def test_user_error_shows_one_dialog_with_every_line(
    ctx: AppContext, parent: QWidget, qtbot  # type: ignore[no-untyped-def]
) -> None:
    def work(session: Session, progress: Progress) -> None:
        session.add(Vendor(name="Never stored"))
        raise ValidationError("2 problems", ["Contracts!3 start_date: not a date",
                                             "Contracts!7 vendor: unknown vendor 'X'"])

    op = workers.run_op(parent, ctx, "Import register", work)
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    dialogs = open_dialogs()
    assert len(dialogs) == 1
    box = dialogs[0]
    assert isinstance(box, QMessageBox)
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "Contracts!3 start_date: not a date"
    assert box.informativeText() == "Contracts!7 vendor: unknown vendor 'X'"
    assert "Traceback" not in box.text() + box.informativeText()
    assert _vendor_count(ctx) == 2  # rolled back


def test_bug_is_logged_with_traceback_and_reported_briefly(
    ctx: AppContext, parent: QWidget, qtbot, caplog  # type: ignore[no-untyped-def]
) -> None:
    def work(session: Session, progress: Progress) -> None:
        raise ZeroDivisionError("division by zero in a report")

    with caplog.at_level(logging.ERROR, logger="clausekeeper.ui"):
        op = workers.run_op(parent, ctx, "Report", work)
        with qtbot.waitSignal(op.finished, timeout=10_000):
            pass
    dialogs = open_dialogs()
    assert len(dialogs) == 1
    box = dialogs[0]
    assert isinstance(box, QMessageBox)
    assert box.icon() == QMessageBox.Icon.Critical
    assert "ZeroDivisionError: division by zero in a report" in box.text()
    assert "Traceback" not in box.text()
    assert any("Traceback" in record.getMessage() for record in caplog.records)
    log_file = Path(os.environ["XDG_DATA_HOME"]) / "Clausekeeper" / "clausekeeper-errors.log"
    assert "ZeroDivisionError" in log_file.read_text(encoding="utf-8")


def test_progress_reaches_the_dialog(ctx: AppContext, parent: QWidget, qtbot) -> None:  # type: ignore[no-untyped-def]
    reported = threading.Event()
    release = threading.Event()

    def work(session: Session, progress: Progress) -> int:
        step(progress, 3, 10, "Writing sheet Clauses")
        reported.set()
        release.wait(10)
        return 10

    op = workers.run_op(parent, ctx, "Export", work)
    assert reported.wait(10)
    dialog = op.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.value() == 3, timeout=5_000)
    assert dialog.maximum() == 10
    assert dialog.labelText() == "Writing sheet Clauses"
    release.set()
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert op.result == 10
    assert op.dialog is None  # closed when done


def test_synchronous_mode_runs_before_returning(ctx: AppContext, parent: QWidget) -> None:
    results: list[int] = []
    with workers.synchronous():
        op = workers.run_query(parent, ctx, lambda s: s.execute(
            select(func.count()).select_from(Vendor)).scalar_one(), results.append)
    assert op.done
    assert results == [2]
    assert not workers.is_synchronous()


def test_callbacks_are_skipped_when_the_parent_is_gone(
    ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    release = threading.Event()
    called: list[object] = []
    widget = QWidget()

    def work(session: Session, progress: Progress) -> int:
        release.wait(10)
        return 1

    op = workers.run_op(widget, ctx, "Job", work, called.append, show_progress=False)
    shiboken6.delete(widget)  # the window closed while the work ran
    release.set()
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert called == []
    assert op.result == 1


def test_an_operation_finishing_inside_its_progress_dialog_keeps_the_dialog_until_it_returns(
    ctx: AppContext, parent: QWidget, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    """A modal QProgressDialog's setValue processes events; the Op may finish right there."""
    release = threading.Event()

    def work(session: Session, progress: Progress) -> int:
        release.wait(10)
        return 1

    op = workers.run_op(parent, ctx, "Import", work)
    dialog = op.dialog
    assert dialog is not None
    alive_after_set_value: list[bool] = []
    real_set_value = type(dialog).setValue

    def set_value(self, value: int) -> None:  # type: ignore[no-untyped-def]
        op._on_succeeded(7)  # delivered by the dialog's own event processing
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        alive_after_set_value.append(shiboken6.isValid(dialog))
        real_set_value(self, value)

    monkeypatch.setattr(type(dialog), "setValue", set_value)
    op._on_progress(1, 2, "Reading")
    assert alive_after_set_value == [True]
    assert op.done and op.result == 7 and op.dialog is None
    monkeypatch.undo()
    release.set()
    assert workers.wait_for_ops(10)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5_000)
