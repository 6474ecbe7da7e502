"""The import wizard walked as a user would: file, mapping, preview, dry run, import, take back."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWizard
from sqlalchemy import func, select

from app.store import audit
from app.store.models import Contract, Vendor
from app.store.portfolio_actions import update_contract
from app.ui import workers
from app.ui.context import AppContext
from app.ui.import_wizard import DRY_RUN, MAPPING, PREVIEW, SOURCE, ImportWizard
from app.ui.main_window import MainWindow
from tests.ui.conftest import open_dialogs, save_path_patch

TITLE_ROW_CSV = (
    "Legacy contract register (exported from the old intranet),,,,,,,\n"
    "Contract No,Supplier,Description,Start,End date,Yearly fee,Notice,Cost centre\n"
    'L-100,Acme Facility,Cleaning,01/02/2024,31/01/2026,"€ 40.000,00",3 months,CC-10\n'
    'L-101,Globex Hosting,Catering,15/03/2024,14/03/2025,"12.500,50 EUR",90 days,CC-11\n'
    "L-102,,Parking,01/01/2024,31/12/2024,,,CC-12\n"
    'L-103,Initech,Printing,01/05/2024,15/07/2025,"£1,234",,CC-13\n'
    "C-001,Acme Outsourcing,Again,01/01/2024,,,,CC-14\n"
)


def _open_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def answer(parent, caption="", *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(caption)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer))
    return asked


def _start(window: MainWindow, monkeypatch: pytest.MonkeyPatch, path: Path) -> ImportWizard:
    asked = _open_file(monkeypatch, path)
    window.import_action.trigger()
    assert asked == ["Import a register"]
    wizard = window.import_wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    assert workers.wait_for_ops(30)
    return wizard


def _next(wizard: ImportWizard, expected: int) -> None:
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentId() == expected
    assert workers.wait_for_ops(60)


def _finish(wizard: ImportWizard) -> None:
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text() == "Import" and finish.isEnabled()
    finish.click()
    assert workers.wait_for_ops(60)


def _fields(wizard: ImportWizard) -> list[str | None]:
    return [combo.currentData() for combo in wizard.mapping_page.combos]


def _preview(wizard: ImportWizard) -> dict[str, dict[str, str]]:
    table = wizard.preview_page.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    rows = {}
    for r in range(table.rowCount()):
        cells = {h: table.item(r, c).text() for c, h in enumerate(headers)}
        rows[cells["Line"]] = cells
    return rows


def _contracts(ctx: AppContext) -> int:
    with ctx.session() as session:
        return session.scalar(select(func.count()).select_from(Contract)) or 0


def _answer_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))


def test_csv_with_a_title_row_walked_to_the_import_and_taken_back(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "legacy.csv"
    path.write_text(TITLE_ROW_CSV, encoding="utf-8")
    wizard = _start(main_window, monkeypatch, path)

    # 1. the header is found below the title row; CSV has no sheets
    source = wizard.source_page
    assert wizard.currentId() == SOURCE
    assert source.header_spin.value() == 2
    assert "row 2; 5 rows below it" in source.note.text()
    assert not source.sheet_combo.isVisible()

    # 2. the recognised mapping: Yearly fee and Cost centre are not recognised
    _next(wizard, MAPPING)
    assert _fields(wizard) == ["reference", "vendor", "title", "start_date", "end_date", None,
                               "notice", None]
    assert "6 of 8 columns were recognised" in wizard.mapping_page.origin.text()
    assert "€ 40.000,00" in wizard.mapping_page.table.item(5, 1).text()
    # a required field unmapped blocks the way on
    wizard.mapping_page.set_field(1, None)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "Required, not yet mapped: vendor" in wizard.mapping_page.status.text()
    wizard.mapping_page.set_field(1, "vendor")
    # the changed mapping: the fee is the annual value
    wizard.mapping_page.set_field(5, "annual_value")

    # 3. the preview shows a wrong option: month-first dates (31/01/2026 is no date)
    _next(wizard, PREVIEW)
    rows = _preview(wizard)
    assert rows["3"]["Notes"] == "skipped: end_date: '31/01/2026' is not a date"
    assert rows["4"]["Notes"] == "skipped: start_date: '15/03/2024' is not a date"
    wizard.back()
    wizard.mapping_page.dayfirst.setChecked(True)
    _next(wizard, PREVIEW)
    rows = _preview(wizard)
    assert (rows["3"]["Start"], rows["3"]["Initial term"], rows["3"]["Annual value"],
            rows["3"]["Currency"], rows["3"]["Notice"]) == (
        "2024-02-01", "24 months", "40,000.00", "EUR", "3 months")
    assert (rows["4"]["Annual value"], rows["4"]["Notice"]) == ("12,500.50", "90 days")
    assert rows["5"]["Notes"] == "skipped: no vendor"
    assert (rows["6"]["Needs review"], rows["6"]["Initial term"], rows["6"]["Currency"]) == (
        "yes", "—", "GBP")
    assert "not a whole number of months" in rows["6"]["Notes"]
    assert rows["7"]["Notes"] == "skipped: reference C-001 is already in the database"
    assert _contracts(ctx) == 4  # nothing written yet

    # 4. the dry run on the whole file: counts and every skipped row, filterable, exportable
    _next(wizard, DRY_RUN)
    page = wizard.dry_run_page
    counts = page.counts.text()
    assert "To import: 3</b> contracts (1 will need review), 2 new vendors" in counts
    assert "to skip: 2</b>" in counts and "shortened: 0</b>" in counts
    assert page.shown_problems() == [("5", "no vendor"),
                                     ("7", "reference C-001 is already in the database")]
    page.filter.setText("database")
    assert page.shown_problems() == [("7", "reference C-001 is already in the database")]
    save_path_patch(monkeypatch, tmp_path / "skipped.csv")
    assert page.export_skipped() == tmp_path / "skipped.csv"
    with (tmp_path / "skipped.csv").open(encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["line", "reason"],
                                        ["7", "reference C-001 is already in the database"]]
    assert _contracts(ctx) == 4

    # 5. the import
    _finish(wizard)
    assert not wizard.isVisible()
    assert _contracts(ctx) == 7
    with ctx.session() as session:
        l100 = session.scalars(select(Contract).where(Contract.reference == "L-100")).one()
        assert (l100.start_date, l100.initial_term_months, l100.annual_value, l100.notice_value,
                l100.notice_unit) == (date(2024, 2, 1), 24, Decimal("40000.00"), 3, "months")
    assert "legacy.csv was imported." in [d.text() for d in open_dialogs()]

    # next month's file with the same columns maps itself (and keeps day-first)
    path2 = tmp_path / "legacy-december.csv"
    path2.write_text(TITLE_ROW_CSV.replace("L-10", "M-10"), encoding="utf-8")
    again = _start(main_window, monkeypatch, path2)
    _next(again, MAPPING)
    assert _fields(again)[5] == "annual_value"
    assert again.mapping_page.dayfirst.isChecked()
    assert "used last time" in again.mapping_page.origin.text()
    again.reject()

    # taking the import back
    _answer_yes(monkeypatch)
    dialog = main_window.show_imports()
    assert workers.wait_for_ops(30)
    assert [(e["kind"], e["file"], e["created"]) for e in dialog.imports] == [
        ("foreign", "legacy.csv", 5)]  # three contracts and two vendors
    assert dialog.undo_button.isEnabled()
    dialog.ask_take_back()
    assert workers.wait_for_ops(30)
    assert _contracts(ctx) == 4
    with ctx.session() as session:
        assert session.scalar(select(func.count()).select_from(Vendor)) == 2
    assert dialog.imports[0]["undone"] is True
    assert dialog.table.item(0, 9).text().startswith("taken back")
    assert not dialog.undo_button.isEnabled()
    dialog.close()


def _two_sheet_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    about = wb.active
    about.title = "About"
    about.append(["This workbook lists the facility contracts."])
    about.append(["Owner: procurement"])
    ws = wb.create_sheet("Register 2025")
    ws.append(["Facility contracts 2025"])
    ws.append([])
    ws.append(["Ref", "Vendor", "Title", "Start date", "Expiry", "Value", "Region"])
    ws.append(["F-1", "Acme Facility", "Security", datetime(2025, 1, 1), datetime(2025, 12, 31),
               15000, "North"])
    ws.append(["F-2", "Acme Facility", "Gardening", datetime(2025, 3, 1), None, "1,200", "South"])
    ws.append(["F-3", "Globex Hosting", "Parking", None, None, None, "West"])
    wb.save(path)
    return path


def test_xlsx_with_two_sheets_walked_to_the_import_and_taken_back(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = _two_sheet_workbook(tmp_path / "facility.xlsx")
    wizard = _start(main_window, monkeypatch, path)
    source = wizard.source_page
    # the sheet whose header names contract fields is chosen, its header found in row 3
    assert [source.sheet_combo.itemText(i) for i in range(source.sheet_combo.count())] == [
        "About", "Register 2025"]
    assert source.sheet_combo.currentText() == "Register 2025"
    assert source.header_spin.value() == 3
    # choosing the other sheet shows it; nothing there maps to the required fields
    source.sheet_combo.setCurrentText("About")
    assert workers.wait_for_ops(30)
    assert wizard.state.sheet == "About"
    _next(wizard, MAPPING)
    assert not wizard.mapping_page.isComplete()
    wizard.back()
    source.sheet_combo.setCurrentText("Register 2025")
    assert workers.wait_for_ops(30)
    assert source.header_spin.value() == 3

    _next(wizard, MAPPING)
    assert _fields(wizard) == ["reference", "vendor", "title", "start_date", "end_date",
                               "annual_value", None]
    wizard.mapping_page.set_field(6, "category")  # the region is our category
    wizard.mapping_page.currency.setText("chf")

    _next(wizard, PREVIEW)
    rows = _preview(wizard)
    assert (rows["4"]["Initial term"], rows["4"]["Annual value"], rows["4"]["Currency"]) == (
        "12 months", "15,000.00", "CHF")
    assert rows["5"]["Needs review"] == "yes"  # no end date, no term
    assert rows["6"]["Notes"] == "skipped: no start date"

    _next(wizard, DRY_RUN)
    assert "To import: 2</b>" in wizard.dry_run_page.counts.text()
    assert wizard.dry_run_page.shown_problems() == [("6", "no start date")]
    _finish(wizard)
    with ctx.session() as session:
        f1 = session.scalars(select(Contract).where(Contract.reference == "F-1")).one()
        assert (f1.category, f1.currency, f1.initial_term_months) == ("North", "CHF", 12)
    assert _contracts(ctx) == 6

    _answer_yes(monkeypatch)
    dialog = main_window.show_imports()
    assert workers.wait_for_ops(30)
    dialog.ask_take_back()
    assert workers.wait_for_ops(30)
    assert _contracts(ctx) == 4
    dialog.close()


def test_an_import_edited_since_cannot_be_taken_back_and_says_what_changed(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = _two_sheet_workbook(tmp_path / "facility.xlsx")
    wizard = _start(main_window, monkeypatch, path)
    _next(wizard, MAPPING)
    _next(wizard, PREVIEW)
    _next(wizard, DRY_RUN)
    _finish(wizard)
    with ctx.session() as session:
        session.info[audit.ACTOR] = "carol"
        f1 = session.scalars(select(Contract).where(Contract.reference == "F-1")).one()
        update_contract(session, f1.id, {"title": "Security and reception"})
    _answer_yes(monkeypatch)
    dialog = main_window.show_imports()
    assert workers.wait_for_ops(30)
    dialog.ask_take_back()
    assert workers.wait_for_ops(30)
    errors = [d for d in open_dialogs() if d.objectName() == "errorDialog"]
    assert [e.text() for e in errors] == [
        f"import {dialog.imports[0]['id']} (facility.xlsx) cannot be taken back: 1 of its "
        "records was changed since"]
    assert "contract F-1: changed by carol on" in errors[0].informativeText()
    assert _contracts(ctx) == 6  # nothing was taken back
    dialog.close()


def test_a_register_workbook_is_recognised_and_imported_as_such(
    portfolio_db, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from app.reports.export import export_report
    from app.store.engine import open_database
    from tests.ui.conftest import AS_OF

    register = tmp_path / "register.xlsx"
    with portfolio_db.session() as session:
        export_report(session, "register", register, AS_OF)
    fresh = open_database(str(tmp_path / "fresh.db"))
    empty_ctx = AppContext(fresh, AS_OF)
    window = MainWindow(empty_ctx)
    qtbot.addWidget(window)
    window.show()
    try:
        wizard = _start(window, monkeypatch, register)
        assert wizard.state.register
        assert "register workbook" in wizard.source_page.note.text()
        _next(wizard, DRY_RUN)  # no mapping for a register workbook
        assert "Contracts: 4 added, 0 updated" in wizard.dry_run_page.counts.text()
        _finish(wizard)
        assert _contracts(empty_ctx) == 4
        summaries = [d for d in open_dialogs() if d.objectName() == "summaryDialog"]
        assert "Contracts: 4 added, 0 updated" in summaries[-1].informativeText()
        with empty_ctx.session() as session:
            from app.store.import_log import imports_json

            assert [e["kind"] for e in imports_json(session)] == ["register"]
    finally:
        window.close()
        assert workers.wait_for_ops(30)
        fresh.close()


def test_a_register_workbook_with_problems_lists_them_and_imports_nothing(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from tests.reports.conftest import write_workbook

    path = write_workbook(tmp_path / "bad.xlsx", {
        "Vendors": [["name"], ["Acme"]],
        "Contracts": [["reference", "title", "vendor", "start_date", "renewal"],
                      ["X-1", "Thing", "Nobody", "2024-01-01", "none"]],
    })
    wizard = _start(main_window, monkeypatch, path)
    _next(wizard, DRY_RUN)
    page = wizard.dry_run_page
    assert "nothing was imported" in page.counts.text()
    assert page.shown_problems()[0][0] == "Contracts!2 vendor"
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.reject()


def test_cancelling_the_import_writes_nothing(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from app.core.progress import Cancelled

    path = tmp_path / "legacy.csv"
    path.write_text(TITLE_ROW_CSV, encoding="utf-8")
    wizard = _start(main_window, monkeypatch, path)
    _next(wizard, MAPPING)
    wizard.mapping_page.dayfirst.setChecked(True)
    _next(wizard, PREVIEW)
    _next(wizard, DRY_RUN)
    real_run_op = workers.run_op

    def cancelled_run_op(parent, ctx_, title, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        def cancelling(session, progress):  # type: ignore[no-untyped-def]
            return fn(session, lambda *_a: False)  # the user pressed Cancel at once

        return real_run_op(parent, ctx_, title, cancelling, *args, **kwargs)

    monkeypatch.setattr(workers, "run_op", cancelled_run_op)
    op = wizard.dry_run_page.start_import()
    assert workers.wait_for_ops(30)
    assert isinstance(op.error, Cancelled)
    assert wizard.isVisible() and wizard.dry_run_page.isComplete()
    assert _contracts(ctx) == 4
    with ctx.session() as session:
        from app.store.import_log import list_imports

        assert list_imports(session) == []
    wizard.reject()


def test_the_need_review_list_completes_a_contract_in_place(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = _two_sheet_workbook(tmp_path / "facility.xlsx")
    wizard = _start(main_window, monkeypatch, path)
    _next(wizard, MAPPING)
    _next(wizard, PREVIEW)
    _next(wizard, DRY_RUN)
    _finish(wizard)
    main_window.needs_review_action.trigger()
    dialog = main_window.needs_review_dialog
    assert workers.wait_for_ops(30)
    assert [(r.reference, r.missing) for r in dialog.rows] == [("F-2", "initial term (months)")]
    assert "1 contracts need review" in dialog.intro.text()
    dialog.table.item(0, 6).setText("zwölf")
    assert "is not a number of months" in dialog.status.text()
    dialog.table.item(0, 6).setText("18")
    assert workers.wait_for_ops(30)
    with ctx.session() as session:
        f2 = session.scalars(select(Contract).where(Contract.reference == "F-2")).one()
        assert f2.initial_term_months == 18
    assert dialog.rows == []
    assert "No contract needs review" in dialog.intro.text()
    ctx.undo_stack.undo()  # an ordinary, undoable edit
    assert workers.wait_for_ops(30)
    assert [r.reference for r in dialog.rows] == ["F-2"]
    dialog.table.selectRow(0)
    assert dialog.mark_evergreen()
    assert workers.wait_for_ops(30)
    assert dialog.rows == []
    dialog.close()


def test_a_contract_changed_at_another_desk_since_the_list_was_read_is_not_overwritten(
    main_window: MainWindow, ctx: AppContext  # type: ignore[no-untyped-def]
) -> None:
    from app.store import portfolio_actions

    with ctx.session() as session:
        vendor = session.scalars(select(Contract)).first().vendor.name  # type: ignore[union-attr]
        cid = portfolio_actions.create_contract(session, {
            "reference": "R-1", "title": "Facility", "vendor": vendor,
            "start_date": "2025-01-01", "renewal": "auto", "renewal_term_months": "12"})
    main_window.needs_review_action.trigger()
    dialog = main_window.needs_review_dialog
    assert workers.wait_for_ops(30)
    assert [r.reference for r in dialog.rows] == ["R-1"]
    with ctx.db.session() as other:  # another desk completes it meanwhile, with 24 months
        portfolio_actions.update_contract(other, cid, {"initial_term_months": "24"})
    dialog.table.item(0, 6).setText("18")
    assert workers.wait_for_ops(30)
    assert "R-1 was changed by" in dialog.status.text()
    with ctx.session() as session:
        assert session.get_one(Contract, cid).initial_term_months == 24  # theirs stands
    assert ctx.undo_stack.count() == 0
    dialog.close()
