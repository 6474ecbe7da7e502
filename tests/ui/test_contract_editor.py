"""The contract editor: real dialogs on a real database, driven like a user would.

The `ctx` fixture holds C-001..C-004 as of 2026-01-15 (tests/ui/conftest.py); C-001 is auto,
2024-05-01 + 24 months, renewed by 12 months, notice 3 months, with clause 9.1.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox
from sqlalchemy import select

from app.store import portfolio_actions as actions
from app.store.models import AuditLog, Contract, Vendor
from app.ui.context import AppContext
from app.ui.contract_editor import CLAUSES, ContractEditor
from app.ui.contracts_view import ContractsView
from app.ui.entity_dialogs import VendorDialog
from app.ui.forms import DateField

pytestmark = pytest.mark.usefixtures("qapp")


@pytest.fixture(autouse=True)
def _no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question nobody answered (a dialog closed at teardown) is answered Discard, never shown."""
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


def contract_id(ctx: AppContext, reference: str) -> int:
    with ctx.session() as session:
        return actions.find_contract(session, reference)


@pytest.fixture
def editor_of(ctx: AppContext, qtbot):  # type: ignore[no-untyped-def]
    def open_editor(reference: str | None) -> ContractEditor:
        ident = None if reference is None else contract_id(ctx, reference)
        editor = ContractEditor(ctx, ident)
        qtbot.addWidget(editor)
        editor.show()
        return editor

    return open_editor


def field(editor: ContractEditor, name: str):  # type: ignore[no-untyped-def]
    return editor.form.widget(name)


def type_into(qtbot, editor: ContractEditor, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = field(editor, name)
    target = widget.edit if isinstance(widget, DateField) else widget
    assert isinstance(target, QLineEdit)
    target.selectAll()
    qtbot.keyClicks(target, text) if text else target.clear()


def error(editor: ContractEditor, name: str) -> str:
    label = editor.findChild(QLabel, f"error_{name}")
    assert label is not None
    return label.text() if not label.isHidden() else ""


def computed(editor: ContractEditor, name: str) -> str:
    return editor.computed[name].text()


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_create_a_vendor_and_a_contract_through_the_dialogs(
    ctx: AppContext,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    vendor = VendorDialog(ctx)
    qtbot.addWidget(vendor)
    vendor.show()
    assert not vendor.ok_button.isEnabled()  # the name is required
    qtbot.keyClicks(vendor.form.widget("name"), "Initech Services")
    qtbot.keyClicks(vendor.form.widget("contact_email"), "deals@initech.example")
    assert vendor.ok_button.isEnabled()
    qtbot.mouseClick(vendor.ok_button, Qt.MouseButton.LeftButton)
    assert vendor.result() == VendorDialog.DialogCode.Accepted

    view = ContractsView(ctx)
    qtbot.addWidget(view)
    editor = view.new_contract()
    assert not editor.ok_button.isEnabled()
    assert editor.tabs.isTabEnabled(CLAUSES)  # adding a clause saves the contract first
    type_into(qtbot, editor, "reference", "C-100")
    type_into(qtbot, editor, "title", "Managed print")
    vendor_box = field(editor, "vendor")
    assert isinstance(vendor_box, QComboBox)
    vendor_box.setCurrentIndex(vendor_box.findText("Initech Services"))
    type_into(qtbot, editor, "start_date", "2025-03-01")
    type_into(qtbot, editor, "initial_term_months", "36")
    renewal = field(editor, "renewal")
    renewal.setCurrentIndex(renewal.findData("none"))
    type_into(qtbot, editor, "annual_value", "45000.10")
    # Live: 2025-03-01 + 36 months = 2028-03-01, so it ends on 2028-02-29 (a leap day).
    assert computed(editor, "ends_on") == "2028-02-29"
    assert computed(editor, "status") == "active"
    assert editor.ok_button.isEnabled()
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)

    assert "C-100" in [view.model.index(r, 0).data() for r in range(view.model.rowCount())]
    with ctx.session() as session:
        stored = session.scalars(select(Contract).where(Contract.reference == "C-100")).one()
        assert stored.vendor.name == "Initech Services"
        assert stored.annual_value == Decimal("45000.10")
        assert stored.notice_value == 3 and stored.reminder_days == "180,90,30,7"  # defaults
        rows = session.scalars(select(AuditLog.entity).where(AuditLog.action == "insert")).all()
        assert "Vendor" in rows and "Contract" in rows
    assert ctx.undo_stack.undoText() == "Add contract C-100"


def test_inline_validation_blocks_bad_values_and_names_them(editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-001")
    assert editor.ok_button.isEnabled()
    type_into(qtbot, editor, "renewal_term_months", "")
    assert error(editor, "renewal_term_months") == (
        "required for auto renewal"
    )
    assert not editor.ok_button.isEnabled() and not editor.apply_button.isEnabled()
    assert computed(editor, "cancel_by") == "—"  # no dates from an invalid form
    type_into(qtbot, editor, "renewal_term_months", "12")
    assert error(editor, "renewal_term_months") == ""
    type_into(qtbot, editor, "start_date", "2025-02-30")
    assert error(editor, "start_date") == (
        "'2025-02-30' is not a date (February 2025 has no day 30)")
    assert not editor.ok_button.isEnabled()
    type_into(qtbot, editor, "start_date", "2024-05-01")
    type_into(qtbot, editor, "reference", "C-002")  # taken by another contract
    assert error(editor, "reference") == "a contract 'C-002' already exists"
    type_into(qtbot, editor, "reference", "C-001")
    type_into(qtbot, editor, "currency", "EU")
    assert error(editor, "currency").startswith("'EU' is not a currency code")
    type_into(qtbot, editor, "currency", "EUR")
    assert editor.ok_button.isEnabled()
    # Nothing reached the database.
    with editor.ctx.session() as session:
        updates = session.scalars(select(AuditLog).where(AuditLog.action == "update")).all()
        assert updates == []


def test_live_cancel_by_of_a_known_contract(editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-001")
    # S = 2024-05-01, initial 24 months: term 0 runs 2024-05-01 .. 2026-04-30.
    # cancel_by(0) = 2026-04-30 - 3 months = 2026-01-30; D = 2026-01-15 -> 15 days left.
    assert computed(editor, "status") == "active"
    assert computed(editor, "term") == "0 (initial term)"
    assert computed(editor, "term_dates") == "2024-05-01 – 2026-04-30"
    assert computed(editor, "cancel_by") == "cancel by 2026-01-30"
    assert computed(editor, "days_left") == "15"
    assert computed(editor, "ends_on") == "no end"  # unlimited auto renewal
    assert computed(editor, "missed_notice") == "no"
    # Four months' notice: cancel_by(0) = 2025-12-30 has passed (missed), so the next deadline
    # is cancel_by(1) = (2027-05-01 - 1 day) - 4 months = 2026-12-30, 349 days after D
    # (day 364 of 2026 minus day 15).
    type_into(qtbot, editor, "notice_value", "4")
    assert computed(editor, "cancel_by") == "cancel by 2026-12-30"
    assert computed(editor, "days_left") == "349"
    assert computed(editor, "missed_notice") == "yes"
    assert computed(editor, "earliest_end") == "2027-04-30"
    # Notice given on 2026-01-10 (before D, too late for term 0): in force until 2027-04-30.
    type_into(qtbot, editor, "terminated_on", "2026-01-10")
    assert computed(editor, "status") == "terminating"
    assert computed(editor, "ends_on") == "2027-04-30"


def test_undo_a_contract_edit(ctx: AppContext, editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-003")
    type_into(qtbot, editor, "title", "Printing and scanning")
    type_into(qtbot, editor, "annual_value", "9500")
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    assert not editor.isVisible()

    def stored() -> tuple[str, Decimal | None]:
        with ctx.session() as session:
            row = session.scalars(select(Contract).where(Contract.reference == "C-003")).one()
            return row.title, row.annual_value

    assert stored() == ("Printing and scanning", Decimal("9500"))
    assert ctx.undo_stack.undoText() == "Edit contract C-003"
    ctx.undo_stack.undo()
    assert stored() == ("Printing", Decimal("9000.50"))
    ctx.undo_stack.redo()
    assert stored() == ("Printing and scanning", Decimal("9500"))
    with ctx.session() as session:
        changes = session.scalars(
            select(AuditLog.changes).where(
                AuditLog.entity == "Contract", AuditLog.action == "update"
            )
        ).all()
    # Edit, undo, redo: three audited updates of the title.
    assert [json.loads(c or "{}")["title"] for c in changes] == [
        ["Printing", "Printing and scanning"],
        ["Printing and scanning", "Printing"],
        ["Printing", "Printing and scanning"],
    ]


def test_unsaved_changes_prompt(
    ctx: AppContext,
    editor_of,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    editor = editor_of("C-002")
    editor.reject()  # nothing edited: closes without asking
    assert not editor.isVisible()

    editor = editor_of("C-002")
    type_into(qtbot, editor, "title", "Hosting II")
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    editor.reject()
    assert asked == ["You have unsaved changes. Save them?"]
    assert editor.isVisible()
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    editor.reject()
    assert not editor.isVisible()
    with ctx.session() as session:
        assert session.scalar(select(Contract.title).where(Contract.reference == "C-002")) == (
            "Hosting"
        )

    editor = editor_of("C-002")
    type_into(qtbot, editor, "title", "Hosting III")
    answer(monkeypatch, QMessageBox.StandardButton.Save)
    editor.close()
    assert not editor.isVisible()
    with ctx.session() as session:
        assert session.scalar(select(Contract.title).where(Contract.reference == "C-002")) == (
            "Hosting III"
        )


def test_apply_on_a_new_contract_opens_the_other_tabs(
    ctx: AppContext,
    editor_of,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    editor = editor_of(None)
    type_into(qtbot, editor, "reference", "C-200")
    type_into(qtbot, editor, "title", "Evergreen support")
    field(editor, "vendor").setCurrentIndex(field(editor, "vendor").findText("Globex Hosting"))
    field(editor, "renewal").setCurrentIndex(field(editor, "renewal").findData("evergreen"))
    type_into(qtbot, editor, "start_date", "2025-11-01")
    # Evergreen without a minimum term: no initial term needed, no end, no cancel-by.
    assert computed(editor, "ends_on") == "no end"
    assert computed(editor, "cancel_by") == "none"
    assert editor.apply() is True
    assert editor.isVisible() and editor.contract_id is not None
    assert editor.tabs.isTabEnabled(CLAUSES)
    assert editor.windowTitle() == "Contract C-200"


def test_clauses_tab_adds_in_natural_order(ctx: AppContext, editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-001")
    for number, title in (("10.2", "Audit"), ("9.10", "Exit plan")):
        dialog = editor.add_clause()
        assert dialog is not None
        qtbot.keyClicks(dialog.form.widget("number"), number)
        qtbot.keyClicks(dialog.form.widget("title"), title)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    proxy = editor.clauses_table.model()
    numbers = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert numbers == ["9.1", "9.10", "10.2"]  # 9.1 < 9.10 < 10.2 as numbers
    dialog = editor.add_clause()
    assert dialog is not None
    qtbot.keyClicks(dialog.form.widget("number"), "9.10")
    label = dialog.findChild(QLabel, "error_number")
    assert label.text() == "the contract already has a clause '9.10'"
    assert not dialog.ok_button.isEnabled()
    dialog.form.set_values({"number": ""})  # nothing typed that needs keeping
    dialog.reject()
    assert ctx.undo_stack.undoText() == "Add clause 9.10 of C-001"


def test_slas_tab(ctx: AppContext, editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-002")
    dialog = editor.add_sla()
    assert dialog is not None
    qtbot.keyClicks(dialog.form.widget("name"), "Availability")
    qtbot.keyClicks(dialog.form.widget("unit"), "%")
    qtbot.keyClicks(dialog.form.widget("target"), "99.x")
    assert dialog.findChild(QLabel, "error_target").text() == "'99.x' is not a number"
    dialog.form.widget("target").setText("99.5")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    model = editor.slas_model
    assert [(r.name, r.target, r.direction) for r in model.rows()] == [
        ("Availability", Decimal("99.5"), "higher")
    ]


def test_documents_attach_open_remove(
    ctx: AppContext,
    editor_of,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    source = tmp_path / "master agreement.pdf"
    source.write_bytes(b"%PDF-1.7 signed")
    editor = editor_of("C-003")
    assert editor.attach_document(str(source))
    (row,) = editor.documents_model.rows()
    assert (row.filename, row.size, row.added_on) == ("master agreement.pdf", 15, date.today())
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    editor.documents_table.selectRow(0)
    target = editor.open_document()
    assert target is not None and target.read_bytes() == b"%PDF-1.7 signed"
    assert opened == [QUrl.fromLocalFile(str(target))]
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert editor.remove_document()
    assert editor.documents_model.rows() == []
    ctx.undo_stack.undo()  # the bytes come back from the undo history
    assert [r.filename for r in editor.documents_model.rows()] == ["master agreement.pdf"]


def test_history_tab_shows_old_and_new_values(ctx: AppContext, editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-004")
    type_into(qtbot, editor, "notice_value", "2")
    assert editor.apply()
    model = editor.history_model
    rows = [[model.index(r, c).data() for c in range(7)] for r in range(model.rowCount())]
    assert [r[2:] for r in rows if r[3] == "update"] == [
        ["Contract C-004", "update", "notice_value", "0", "2"]
    ]


def test_needs_review_contract_asks_for_its_initial_term(ctx: AppContext, editor_of) -> None:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        vendor = session.scalar(select(Vendor.name))
        actions.create_contract(
            session,
            {
                "reference": "C-IMP",
                "title": "Imported",
                "vendor": vendor,
                "start_date": "2024-01-01",
                "renewal": "none",
            },
        )
    editor = editor_of("C-IMP")
    assert error(editor, "initial_term_months") == (
        "required unless the contract is evergreen"
    )
    assert not editor.ok_button.isEnabled()


def test_an_amount_in_the_users_locale_is_read_and_a_wrong_one_gives_an_example(
    editor_of, qtbot  # type: ignore[no-untyped-def]
) -> None:
    editor = editor_of("C-001")
    type_into(qtbot, editor, "annual_value", "120.000,00")
    assert error(editor, "annual_value") == ""
    assert editor.ok_button.isEnabled()
    type_into(qtbot, editor, "annual_value", "120k")
    assert error(editor, "annual_value") == (
        "'120k' is not an amount; write it like 120000.00, 120,000.00 or 120.000,00")
    assert not editor.ok_button.isEnabled()


def test_an_inline_error_moves_no_field_under_the_mouse(editor_of, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = editor_of("C-001")
    below = [field(editor, name) for name in ("initial_term_months", "renewal", "max_renewals")]
    before = [w.mapTo(editor, w.rect().topLeft()) for w in below]
    type_into(qtbot, editor, "start_date", "2025-02-30")
    assert "February 2025 has no day 30" in error(editor, "start_date")
    qtbot.wait(10)
    assert [w.mapTo(editor, w.rect().topLeft()) for w in below] == before


def _clause_numbers(ctx: AppContext, reference: str) -> list[str]:
    from app.store.models import Clause

    with ctx.session() as session:
        return sorted(session.scalars(
            select(Clause.number).join(Contract).where(Contract.reference == reference)).all())


def test_cancel_undoes_clause_edits_made_in_the_editor(
    ctx: AppContext, editor_of, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    editor = editor_of("C-001")
    dialog = editor.add_clause()
    assert dialog is not None
    qtbot.keyClicks(dialog.form.widget("number"), "12.1")
    qtbot.keyClicks(dialog.form.widget("title"), "Data protection")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, editor, "title", "Service desk and more")
    assert _clause_numbers(ctx, "C-001") == ["12.1", "9.1"]
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    editor.reject()  # "No": keep editing
    assert editor.isVisible() and _clause_numbers(ctx, "C-001") == ["12.1", "9.1"]
    assert "including 1 saved change" in asked[0]
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    editor.reject()
    assert not editor.isVisible()
    assert _clause_numbers(ctx, "C-001") == ["9.1"]  # the clause is gone again
    with ctx.session() as session:
        assert session.scalars(select(Contract.title).where(
            Contract.reference == "C-001")).one() == "Service desk"
    assert not ctx.undo_stack.canUndo()


def test_a_new_contract_takes_clauses_and_cancel_removes_both(
    ctx: AppContext, editor_of, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    editor = editor_of(None)
    assert editor.tabs.isTabEnabled(CLAUSES)
    editor.tabs.setCurrentIndex(CLAUSES)
    assert editor.add_clause() is None  # the General tab is not complete: it says so
    assert editor.tabs.currentIndex() == 0 and error(editor, "reference")
    type_into(qtbot, editor, "reference", "C-300")
    type_into(qtbot, editor, "title", "Network")
    field(editor, "vendor").setCurrentIndex(field(editor, "vendor").findText("Acme Outsourcing"))
    type_into(qtbot, editor, "start_date", "2025-01-01")
    type_into(qtbot, editor, "initial_term_months", "24")
    type_into(qtbot, editor, "renewal_term_months", "12")
    editor.tabs.setCurrentIndex(CLAUSES)
    dialog = editor.add_clause()  # saves the contract, then asks for the clause
    assert dialog is not None and editor.contract_id is not None
    qtbot.keyClicks(dialog.form.widget("number"), "1.1")
    qtbot.keyClicks(dialog.form.widget("title"), "Scope")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert _clause_numbers(ctx, "C-300") == ["1.1"]
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    editor.reject()
    with ctx.session() as session:
        assert session.scalars(select(Contract).where(Contract.reference == "C-300")).all() == []
