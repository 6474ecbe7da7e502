"""The contract list: lazy SQL paging, filters as the user types, delete with confirmation, undo.

The `ctx` fixture (tests/ui/conftest.py) holds C-001..C-004 as of 2026-01-15:
C-001 Acme auto 120,000.00 EUR, C-002 Globex option 80,000.00, C-003 Acme none 9,000.50 USD,
C-004 Globex none, no value, expired on 2020-12-31.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import insert, select

from app.store import portfolio_queries as queries
from app.store.engine import Database, open_database
from app.store.models import Contract, Vendor
from app.ui import contracts_model as cm
from app.ui.context import AppContext
from app.ui.contracts_view import ContractsView

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture(autouse=True)
def _no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question nobody answered (a dialog closed at teardown) is answered Discard, never shown."""
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


@pytest.fixture
def view(ctx: AppContext, qtbot) -> ContractsView:  # type: ignore[no-untyped-def]
    widget = ContractsView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    return widget


def shown(model: cm.ContractsModel, column: int = cm.REFERENCE) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_model_passes_the_model_tester(ctx: AppContext, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = cm.ContractsModel(ctx.db, ctx.as_of)
    model.reload()
    qtmodeltester.check(model)


def test_list_shows_computed_status_and_deadline(view: ContractsView) -> None:
    model = view.model
    assert shown(model) == ["C-001", "C-002", "C-003", "C-004"]
    assert view.count_label.text() == "4 contracts"
    # C-001: term 0 ends 2026-04-30, notice 3 months -> cancel by 2026-01-30.
    # C-002: no notice period -> exercise by the end of term 0, 2026-03-31.
    # C-003: 2025-01-01 + 36 months -> ends 2027-12-31; C-004 ended 2020-12-31.
    assert shown(model, cm.DEADLINE) == [
        "cancel by 2026-01-30",
        "exercise by 2026-03-31",
        "ends 2027-12-31",
        "ends 2020-12-31",
    ]
    assert shown(model, cm.STATUS) == ["active", "active", "active", "expired"]
    assert shown(model, cm.VALUE)[2] == "9,000.50 USD"
    # The sort role gives native values.
    assert model.index(2, cm.VALUE).data(cm.SORT_ROLE) == Decimal("9000.50")
    assert model.index(0, cm.DEADLINE).data(cm.SORT_ROLE) == date(2026, 1, 30)


def test_sorting_happens_in_sql(view: ContractsView) -> None:
    view.table.sortByColumn(cm.VALUE, Qt.SortOrder.DescendingOrder)
    # 120,000.00 > 80,000.00 > 9,000.50; C-004 has no value and comes last.
    assert shown(view.model) == ["C-001", "C-002", "C-003", "C-004"]
    view.table.sortByColumn(cm.VALUE, Qt.SortOrder.AscendingOrder)
    assert shown(view.model)[1:] == ["C-003", "C-002", "C-001"]
    view.table.sortByColumn(cm.VENDOR, Qt.SortOrder.DescendingOrder)
    # Globex before Acme, ties by reference descending.
    assert shown(view.model) == ["C-004", "C-002", "C-003", "C-001"]
    # A computed column keeps the SQL order and the indicator goes back.
    view.table.sortByColumn(cm.STATUS, Qt.SortOrder.AscendingOrder)
    assert shown(view.model) == ["C-004", "C-002", "C-003", "C-001"]
    assert view.table.horizontalHeader().sortIndicatorSection() == cm.VENDOR


def test_typing_filters_once_the_keystrokes_arrived_are_handled(
    view: ContractsView, qtbot  # type: ignore[no-untyped-def]
) -> None:
    reloads: list[int] = []
    view.model.reloaded.connect(reloads.append)
    qtbot.keyClicks(view.filter_edit, "GLOBEX")  # six keystrokes at once (a paste, a fast typist)
    assert shown(view.model) == ["C-001", "C-002", "C-003", "C-004"]  # not yet: queued
    qtbot.waitUntil(lambda: view.model.filter.text == "GLOBEX", timeout=2000)
    assert reloads == [2]  # six keystrokes, filtered once
    assert shown(view.model) == ["C-002", "C-004"]  # the vendor name, any case
    assert view.count_label.text() == "2 contracts"
    view.filter_edit.clear()
    qtbot.keyClicks(view.filter_edit, "print")
    view.filter_edit.returnPressed.emit()  # Enter filters at once
    assert shown(view.model) == ["C-003"]  # the title "Printing"


def test_combo_filters(view: ContractsView) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findData("expired"))
    assert shown(view.model) == ["C-004"]
    view.status_combo.setCurrentIndex(view.status_combo.findData("active"))
    assert shown(view.model) == ["C-001", "C-002", "C-003"]
    view.vendor_combo.setCurrentIndex(view.vendor_combo.findText("Acme Outsourcing"))
    assert shown(view.model) == ["C-001", "C-003"]
    view.renewal_combo.setCurrentIndex(view.renewal_combo.findData("none"))
    assert shown(view.model) == ["C-003"]
    view.status_combo.setCurrentIndex(0)
    view.vendor_combo.setCurrentIndex(0)
    assert shown(view.model) == ["C-003", "C-004"]


def test_as_of_change_recomputes_status(view: ContractsView, ctx: AppContext) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findData("not_started"))
    assert shown(view.model) == []
    # C-003 starts on 2025-01-01: on 2024-12-31 it has not started; C-001 (2024-05-01) has.
    ctx.set_as_of(date(2024, 12, 31))
    assert shown(view.model) == ["C-003"]


def test_delete_asks_and_can_be_undone(
    view: ContractsView,
    ctx: AppContext,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    view.table.selectRow(2)  # C-003
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert "C-003" in asked[0]
    assert shown(view.model) == ["C-001", "C-002", "C-003", "C-004"]

    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert shown(view.model) == ["C-001", "C-002", "C-004"]
    assert ctx.undo_stack.undoText() == "Delete contract C-003"

    ctx.undo_stack.undo()
    assert shown(view.model) == ["C-001", "C-002", "C-003", "C-004"]
    with ctx.session() as session:
        restored = session.scalars(select(Contract).where(Contract.reference == "C-003")).one()
        assert (restored.title, restored.annual_value, restored.currency) == (
            "Printing",
            Decimal("9000.50"),
            "USD",
        )


def test_double_click_opens_the_editor(view: ContractsView, qtbot) -> None:  # type: ignore[no-untyped-def]
    rect = view.table.visualRect(view.model.index(1, cm.TITLE))
    # Qt 6's QTest needs the press of the first click before the double click.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(view.editors) == 1
    editor = view.editors[0]
    assert editor.windowTitle() == "Contract C-002"
    editor.reject()
    assert view.editors == []
    qtbot.waitUntil(lambda: not view.findChildren(type(editor)))  # deleted on close
    # The deleted editor no longer listens: changes and a new as-of date reach only live views.
    view.ctx.set_as_of(date(2026, 2, 1))
    view.ctx.changed("*")


def test_new_contract_and_open_contract(view: ContractsView) -> None:
    editor = view.new_contract()
    assert editor.contract_id is None and editor.windowTitle() == "New contract"
    editor.reject()
    opened = view.open_contract("C-004")
    assert opened is not None and opened.windowTitle() == "Contract C-004"
    opened.reject()


# --- lazy loading and speed on 10,000 contracts ------------------------------------------------


def _big_database(path: Path, contracts: int) -> Database:
    db = open_database(str(path))
    start = date(2020, 1, 1)
    with db.session() as session:
        session.execute(insert(Vendor), [{"name": f"Vendor {n:04d} Services"} for n in range(1500)])
        session.execute(
            insert(Contract),
            [
                {
                    "reference": f"C-{n:05d}",
                    "title": ("Service desk", "Hosting", "Network", "Payroll")[n % 4] + f" {n}",
                    "vendor_id": 1 + n % 1500,
                    "start_date": start + timedelta(days=n % 1500),
                    "initial_term_months": 12 + n % 36,
                    "renewal": ("none", "auto", "option", "evergreen")[n % 4],
                    "renewal_term_months": 12,
                    "notice_value": 3,
                    "annual_value": Decimal(1000 + n),
                }
                for n in range(contracts)
            ],
        )
    return db


def test_pages_are_fetched_lazily(tmp_path: Path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    db = _big_database(tmp_path / "big.db", 450)
    try:
        model = cm.ContractsModel(db, date(2025, 6, 15))
        model.reload()
        assert (model.rowCount(), model.total) == (200, 450)
        assert model.canFetchMore()
        model.fetchMore()
        assert model.rowCount() == 400
        model.fetchMore()
        assert model.rowCount() == 450 and not model.canFetchMore()
        assert model.index(449, cm.REFERENCE).data() == "C-00449"
        qtmodeltester.check(model)
    finally:
        db.close()


def _sql_list(db: Database, flt: queries.ContractFilter, **order: Any) -> list[str]:
    """The references the store's own SQL filter keeps, in the list's order (the reference)."""
    with db.session() as session:
        sets = queries.status_sets(session, date(2025, 6, 15)) if flt.status else None
        return [row.reference
                for row in queries.fetch_contracts(session, flt, sets, limit=20_000, **order)]


@pytest.mark.slow
def test_typing_filters_10000_contracts_to_the_rows_sql_keeps(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Each keystroke searches the 10,000 contracts in memory (no query per keystroke, timed by
    benchmarks/run.py): the rows are those the SQL filter keeps, in the same order, with
    vendor, status and sort filters too, and a new contract shows while the text is typed."""
    db = _big_database(tmp_path / "big.db", 10_000)
    try:
        ctx = AppContext(db, date(2025, 6, 15))
        view = ContractsView(ctx)
        qtbot.addWidget(view)
        view.show()
        model = view.model
        typed = ""
        for char in "Hosting 1":
            qtbot.keyClicks(view.filter_edit, char)
            typed += char
            qtbot.waitUntil(lambda: model.filter.text == typed, timeout=2000)  # noqa: B023
            expected = _sql_list(db, queries.ContractFilter(text=typed))
            assert model.total == len(expected)
            assert shown(model) == expected[:cm.PAGE_SIZE]
            assert view.count_label.text() == f"{len(expected):,} contracts"
        # "Hosting n" for n = 1, 5, 9, ... (n % 4 == 1): "hosting 1" keeps n = 1, 13, 17, ...
        assert model.index(0, cm.TITLE).data() == "Hosting 1"
        model.fetch_all()
        assert [model.index(r, cm.REFERENCE).data() for r in range(model.rowCount())] == \
            _sql_list(db, queries.ContractFilter(text="Hosting 1"))
        view.status_combo.setCurrentIndex(view.status_combo.findData("active"))
        view.vendor_combo.setCurrentIndex(view.vendor_combo.findText("Vendor 0001 Services"))
        with_combos = view.current_filter()
        assert shown(model) == _sql_list(db, with_combos)
        view.table.sortByColumn(cm.VALUE, Qt.SortOrder.DescendingOrder)
        qtbot.keyClicks(view.filter_edit, "5")  # of vendor 0001's hosting: 1 and 1501
        qtbot.waitUntil(lambda: model.filter.text == "Hosting 15", timeout=2000)
        by_value = _sql_list(db, view.current_filter(), sort="annual_value", descending=True)
        assert shown(model) == by_value == ["C-01501"]
        with ctx.session() as session:
            session.add(Contract(reference="C-99999", title="Hosting 15 extra", vendor_id=2,
                                 start_date=date(2025, 1, 1), initial_term_months=12,
                                 renewal="none", annual_value=Decimal(1)))
        ctx.changed("Contract")
        assert shown(model) == ["C-01501", "C-99999"]  # by value, going down
        view.close()
    finally:
        db.close()
