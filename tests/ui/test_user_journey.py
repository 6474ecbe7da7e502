"""One procurement officer's afternoon, end to end through the main window.

Create a vendor and a contract through the dialogs, find it in the renewals pipeline with the
cancel-by date of SPEC §2, give notice, undo it, filter the contract list, export from the menu.
The shared portfolio of tests/ui/conftest.py is as of 2026-01-15.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox

from app.ui import renewals_view as rv
from app.ui import workers
from app.ui.contract_editor import ContractEditor
from app.ui.contracts_view import ContractsView
from app.ui.entity_dialogs import VendorDialog
from app.ui.forms import DateField
from app.ui.main_window import MainWindow
from tests.ui.conftest import qt_warnings, save_path_patch

pytestmark = pytest.mark.usefixtures("qapp")


def _type(qtbot, editor: ContractEditor, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = editor.form.widget(name)
    target = widget.edit if isinstance(widget, DateField) else widget
    assert isinstance(target, QLineEdit)
    target.selectAll()
    qtbot.keyClicks(target, text)


def _renewal(view: rv.RenewalsView, reference: str):  # type: ignore[no-untyped-def]
    return next((row for row in view.model.rows() if row.reference == reference), None)


def test_create_find_give_notice_undo_filter_export(
    main_window: MainWindow,
    qtbot,
    monkeypatch,
    tmp_path: Path,
    qtlog,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )
    ctx = main_window.ctx
    # 1. A new vendor, through its dialog.
    vendor = VendorDialog(ctx)
    qtbot.addWidget(vendor)
    vendor.show()
    qtbot.keyClicks(vendor.form.widget("name"), "Initech Services")
    qtbot.mouseClick(vendor.ok_button, Qt.MouseButton.LeftButton)

    # 2. A contract for it, through the editor opened from the Contracts page (Ctrl+N's path).
    contracts = main_window.show_page("Contracts")
    assert isinstance(contracts, ContractsView)
    editor = contracts.new_contract()
    qtbot.addWidget(editor)
    _type(qtbot, editor, "reference", "C-200")
    _type(qtbot, editor, "title", "Managed print")
    box = editor.form.widget("vendor")
    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findText("Initech Services"))
    _type(qtbot, editor, "start_date", "2025-03-31")
    _type(qtbot, editor, "initial_term_months", "12")
    renewal = editor.form.widget("renewal")
    renewal.setCurrentIndex(renewal.findData("auto"))
    _type(qtbot, editor, "renewal_term_months", "12")
    _type(qtbot, editor, "notice_value", "1")
    assert editor.ok_button.isEnabled()
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)

    # 3. The renewals pipeline shows its cancel-by date. Term 0 runs 2025-03-31 to
    # M(12) - 1 day = 2026-03-30; cancel_by(0) = 2026-03-30 - 1 month = 2026-02-28 (clamped);
    # from 2026-01-15 that is 16 + 28 = 44 days.
    renewals = main_window.show_page("Renewals")
    assert isinstance(renewals, rv.RenewalsView)
    qtbot.waitUntil(lambda: _renewal(renewals, "C-200") is not None, timeout=10_000)
    row = _renewal(renewals, "C-200")
    assert (row.deadline_kind, row.cancel_by, row.days_left) == ("cancel_by", date(2026, 2, 28), 44)
    assert row.status == "active"

    # 4. Give notice today: before the cancel-by date, so it ends with term 0 on 2026-03-30.
    monkeypatch.setattr(rv, "ask_notice_date", lambda parent, row, as_of: as_of)
    monkeypatch.setattr(rv, "confirm", lambda parent, title, text: True)
    assert renewals.select("C-200")
    with qtbot.waitSignal(renewals.loaded, timeout=10_000):
        renewals.notice_button.click()
    row = _renewal(renewals, "C-200")
    assert (row.status, row.ends_on) == ("terminating", date(2026, 3, 30))

    # 5. Undo it from the Edit menu.
    assert main_window.undo_action.isEnabled()
    with qtbot.waitSignal(renewals.loaded, timeout=10_000):
        main_window.undo_action.trigger()
    assert _renewal(renewals, "C-200").status == "active"

    # 6. Filter the contract list by the vendor's name.
    main_window.show_page("Contracts")
    qtbot.keyClicks(contracts.filter_edit, "initech")
    contracts.filter_edit.returnPressed.emit()
    model = contracts.model
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["C-200"]

    # 7. Export the renewals report from the menu and find the file.
    target = tmp_path / "renewals.xlsx"
    save_path_patch(monkeypatch, target)
    main_window.export_actions["renewals"].trigger()
    assert workers.wait_for_ops(30)
    assert target.exists()
    workbook = load_workbook(target, read_only=True)
    cells = {
        str(c) for ws in workbook.worksheets for r in ws.iter_rows(values_only=True) for c in r
    }
    workbook.close()
    assert "C-200" in cells
    assert qt_warnings(qtlog) == []
