"""Issue 17: the keyboard works the same in every list and dialog.

Enter opens the selected row, a selection survives filtering, Tab leaves a table, dialogs open
with the cursor in their first field, switching pages moves into the page, and closing an editor
comes back to where it was opened with the selection kept.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui import workers
from app.ui.clause_dialog import ClauseDialog
from app.ui.context import AppContext
from app.ui.contract_editor import CLAUSES, ContractEditor
from app.ui.contracts_view import ContractsView
from app.ui.entity_dialogs import VendorDialog
from app.ui.main_window import MainWindow
from app.ui.renewals_model import ROW_ROLE
from app.ui.renewals_view import RenewalsView
from app.ui.tables import ListTable


@pytest.fixture(autouse=True)
def _discard_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


def _renewals(window: MainWindow, qtbot) -> RenewalsView:  # type: ignore[no-untyped-def]
    view = window.show_page("Renewals")
    assert isinstance(view, RenewalsView)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    return view


def _select(view: RenewalsView, reference: str) -> None:
    for row in range(view.proxy.rowCount()):
        if view.proxy.index(row, 0).data(ROW_ROLE).reference == reference:
            view.table.selectRow(row)
            return
    raise AssertionError(reference)


def _selected(view: RenewalsView) -> str | None:
    row = view.selected_row()
    return None if row is None else row.reference


def _editor(window: MainWindow) -> ContractEditor | None:
    found = [w for w in window.findChildren(ContractEditor) if w.isVisible()]
    return found[0] if found else None


def test_enter_opens_the_row_and_closing_comes_back_with_the_selection(
    main_window: MainWindow, qtbot  # type: ignore[no-untyped-def]
) -> None:
    view = _renewals(main_window, qtbot)
    _select(view, "C-002")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    editor = _editor(main_window)
    assert editor is not None and editor.windowTitle() == "Contract C-002"
    assert main_window.current_page_name() == "Contracts"
    editor.reject()
    assert main_window.current_page_name() == "Renewals"
    assert _selected(view) == "C-002"
    assert QApplication.focusWidget() is view.table
    assert workers.wait_for_ops(30)


def test_a_selection_survives_filtering(main_window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = _renewals(main_window, qtbot)
    _select(view, "C-002")
    qtbot.keyClicks(view.search, "C-00")
    qtbot.waitUntil(lambda: _selected(view) is not None)
    assert _selected(view) == "C-002"  # still listed: still selected
    view.search.setText("Printing")  # C-002 is filtered out: the row shown is selected
    qtbot.waitUntil(lambda: _selected(view) == "C-003")
    view.search.clear()
    qtbot.wait(20)
    assert _selected(view) == "C-003" and view.proxy.rowCount() == 3
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Enter)
    editor = _editor(main_window)
    assert editor is not None and editor.windowTitle() == "Contract C-003"
    editor.reject()


def test_tab_leaves_a_table(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = RenewalsView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    assert isinstance(view.table, ListTable) and not view.table.tabKeyNavigation()
    view.table.setFocus()
    view.table.selectRow(0)
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not view.table


def test_enter_in_the_clauses_table_opens_the_clause_not_ok(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.store import portfolio_actions as actions

    with ctx.session() as session:
        ident = actions.find_contract(session, "C-001")
    editor = ContractEditor(ctx, ident)
    qtbot.addWidget(editor)
    editor.show()
    assert editor.focusWidget() is editor.form.widget("reference")  # the first field
    editor.tabs.setCurrentIndex(CLAUSES)
    editor.clauses_table.selectRow(0)
    editor.clauses_table.setFocus()
    qtbot.keyClick(editor.clauses_table, Qt.Key.Key_Return)
    assert editor.isVisible()  # Enter did not press OK
    dialogs = [w for w in editor.findChildren(ClauseDialog) if w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].focusWidget() is dialogs[0].form.widget("number")
    dialogs[0].reject()


def test_a_dialog_opens_with_the_cursor_in_its_first_field(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = VendorDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.focusWidget() is dialog.form.widget("name")


def test_switching_pages_moves_focus_into_the_page(main_window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    main_window.nav.setFocus()
    main_window.page_actions[1].trigger()  # Ctrl+2
    view = main_window.page("Renewals")
    assert isinstance(view, RenewalsView)
    assert QApplication.focusWidget() is view.table
    main_window.page_actions[2].trigger()  # Ctrl+3: the contracts list
    contracts = main_window.page("Contracts")
    assert isinstance(contracts, ContractsView)
    assert QApplication.focusWidget() is contracts.table
    assert workers.wait_for_ops(30)
