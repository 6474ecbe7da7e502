"""Issue 17, small gaps: New vendor… in the contract's list, countries from a list, edit and
delete only with a selection, and a History tab that groups bulk inserts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QPushButton

from app.store import portfolio_actions as actions
from app.store.portfolio_queries import HistoryEntry, group_history
from app.ui.context import AppContext
from app.ui.contract_editor import CLAUSES, NEW_VENDOR, ContractEditor
from app.ui.entity_dialogs import VendorDialog, countries


@pytest.fixture(autouse=True)
def _discard_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


def _editor(ctx: AppContext, qtbot, reference: str) -> ContractEditor:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        ident = actions.find_contract(session, reference)
    editor = ContractEditor(ctx, ident)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_new_vendor_from_the_contracts_vendor_list(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(ctx, qtbot, "C-001")
    box = editor.form.widget("vendor")
    assert isinstance(box, QComboBox)
    assert box.itemText(box.count() - 1) == "New vendor…"

    def fill_in() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, VendorDialog) and w.isVisible())
        qtbot.keyClicks(dialog.form.widget("name"), "Initech Services")
        dialog.accept()

    QTimer.singleShot(0, fill_in)
    box.setCurrentIndex(box.findData(NEW_VENDOR))
    assert box.currentText() == "Initech Services"  # created and chosen
    assert editor.form.values()["vendor"] == "Initech Services"

    QTimer.singleShot(0, lambda: next(
        w for w in QApplication.topLevelWidgets()
        if isinstance(w, VendorDialog) and w.isVisible()).reject())
    box.setCurrentIndex(box.findData(NEW_VENDOR))
    assert box.currentText() == "Initech Services"  # cancelled: the choice stays


def test_country_is_an_iso_code_picked_from_a_list(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    codes = dict(countries())
    assert codes["DE"] == "Germany" and codes["NL"] == "Netherlands" and len(codes) > 200
    dialog = VendorDialog(ctx)
    qtbot.addWidget(dialog)
    box = dialog.form.widget("country")
    assert isinstance(box, QComboBox) and not box.isEditable()
    box.setCurrentIndex(box.findData("IE"))
    assert box.currentText() == "IE — Ireland"
    assert dialog.form.values()["country"] == "IE"


def test_edit_and_delete_need_a_selection(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(ctx, qtbot, "C-001")
    editor.tabs.setCurrentIndex(CLAUSES)
    page = editor.tabs.widget(CLAUSES)
    buttons = {b.text(): b for b in page.findChildren(QPushButton)}
    assert buttons["Add clause…"].isEnabled()
    assert not buttons["Edit…"].isEnabled() and not buttons["Delete"].isEnabled()
    editor.clauses_table.selectRow(0)
    assert buttons["Edit…"].isEnabled() and buttons["Delete"].isEnabled()
    editor.clauses_table.clearSelection()
    assert not buttons["Edit…"].isEnabled()


def test_history_groups_bulk_inserts() -> None:
    start = datetime(2026, 1, 15, 9, 0, 0)
    entries = [HistoryEntry(start, "ann", "Contract", "C-001", "update",
                            (("title", "A", "B"),))]
    entries += [HistoryEntry(start + timedelta(seconds=i // 100), "ann", "Measurement",
                             f"Availability {i}", "insert", ()) for i in range(600)]
    entries += [HistoryEntry(start + timedelta(minutes=5), "bob", "Measurement", "x", "insert",
                             ())]
    grouped = group_history(entries)
    assert [(e.entity, e.count) for e in grouped] == [
        ("Contract", 1), ("Measurement", 600), ("Measurement", 1)]
    assert (grouped[1].key, grouped[1].last_key) == ("Availability 0", "Availability 599")


def test_the_history_tab_shows_a_bulk_insert_as_one_line(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.store.models import Clause, Contract

    with ctx.session() as session:
        contract = session.query(Contract).filter_by(reference="C-001").one()
        session.add_all([Clause(contract=contract, number=f"20.{i}", title=f"Annex {i}",
                                criticality=2) for i in range(1, 151)])
    editor = _editor(ctx, qtbot, "C-001")
    model = editor.history_model
    records = [model.index(r, 2).data() for r in range(model.rowCount())]
    # the portfolio's clause 9.1 was inserted in the same minute by the same person: one batch
    assert records == ["Contract C-001", "151 Clause records (C-001 §9.1 … C-001 §20.150)"]
