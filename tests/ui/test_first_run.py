"""The first-run offer on an empty database: demo, import, or start empty."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QCommandLinkButton, QFileDialog
from sqlalchemy import func, select

from app.store.engine import Database
from app.store.models import Contract, Person, Vendor
from app.store.portfolio_queries import is_empty
from app.ui import first_run, workers
from app.ui.application import start
from app.ui.context import AppContext
from app.ui.main_window import MainWindow


def _count(ctx: AppContext, model: type) -> int:
    with ctx.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _answer_first_run(button_name: str) -> list[str]:
    """Click a button of the first-run dialog as soon as it is shown; returns what it said."""
    seen: list[str] = []

    def click() -> None:
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, first_run.FirstRunDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, click)
            return
        seen.append(dialog.windowTitle())
        button = dialog.findChild(QCommandLinkButton, button_name)
        assert button is not None
        button.click()

    QTimer.singleShot(0, click)
    return seen


def test_empty_means_no_contracts_and_no_vendors(empty_ctx: AppContext) -> None:
    with empty_ctx.session() as session:
        assert is_empty(session)
        session.add(Person(name="Ada Lovelace"))
    with empty_ctx.session() as session:
        assert is_empty(session)  # people alone are not a portfolio
        session.add(Vendor(name="Acme"))
    with empty_ctx.session() as session:
        assert not is_empty(session)


def test_dialog_offers_three_choices(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = first_run.FirstRunDialog("/tmp/x.db")
    qtbot.addWidget(dialog)
    buttons = [b.text() for b in dialog.findChildren(QCommandLinkButton)]
    assert buttons == ["Load the demo portfolio", "Import a register…", "Start empty"]
    dialog.show()
    dialog.import_button.click()
    assert dialog.choice == first_run.IMPORT
    assert dialog.result() == dialog.DialogCode.Accepted
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.choice == first_run.EMPTY


def test_choosing_the_demo_fills_the_empty_database(
    empty_ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    window = MainWindow(empty_ctx)
    qtbot.addWidget(window)
    window.show()
    changes: list[str] = []
    empty_ctx.data_changed.connect(changes.append)
    seen = _answer_first_run("firstRun_demo")
    assert window.offer_first_run_if_empty() == first_run.DEMO
    assert seen == ["Welcome to Clausekeeper"]
    assert workers.wait_for_ops(120)
    # the small demo scale: 12 vendors, 40 contracts (app.store.demo.SCALES["small"])
    assert _count(empty_ctx, Vendor) == 12
    assert _count(empty_ctx, Contract) == 40
    assert "*" in changes  # every view was told
    assert window.offer_first_run_if_empty() is None  # no longer empty: no offer
    window.close()


def test_starting_empty_writes_nothing(empty_ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(empty_ctx)
    qtbot.addWidget(window)
    _answer_first_run("firstRun_empty")
    assert window.offer_first_run_if_empty() == first_run.EMPTY
    assert workers.wait_for_ops(30)
    assert _count(empty_ctx, Vendor) == 0
    window.close()


def test_choosing_import_asks_for_a_register(
    empty_ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    asked: list[str] = []

    def no_file(parent, caption="", *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(caption)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(no_file))
    window = MainWindow(empty_ctx)
    qtbot.addWidget(window)
    _answer_first_run("firstRun_import")
    assert window.offer_first_run_if_empty() == first_run.IMPORT
    assert asked == ["Import a register"]
    window.close()


def test_start_with_demo_fills_without_asking(
    db: Database, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(first_run, "ask", lambda *a: (_ for _ in ()).throw(AssertionError))
    window = start(db, date(2026, 1, 15), demo=True)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(workers.active_ops()), timeout=10_000)  # once painted
    assert workers.wait_for_ops(120)
    assert _count(window.ctx, Contract) == 40
    assert window.ctx.as_of == date(2026, 1, 15)
    window.close()
    assert Path(str(db.path)).exists()
