"""The SLA workspace driven like a service manager: enter and correct measurements in the grid,
see the credits follow (and the dashboard), record a credit note, undo, import a file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.store.models import Contract, Measurement, Sla
from app.ui import workers
from app.ui.context import AppContext
from app.ui.dashboard import DashboardView
from app.ui.sla import SlaWorkspace
from app.ui.sla import workspace as workspace_module
from app.ui.sla.delegates import strip_tip
from tests.ui.conftest import open_dialogs, qt_warnings


def _add_slas(ctx: AppContext) -> None:
    """C-001 (120,000 EUR a year): Availability, monthly, ≥ 99.5, 5 % credit (500.00 a breach);
    Backlog, quarterly, ≤ 10. December 2025 met."""
    with ctx.session() as session:
        c001 = session.query(Contract).filter_by(reference="C-001").one()
        availability = Sla(contract=c001, name="Availability", unit="%", target=Decimal("99.5"),
                           direction="higher", period="monthly", credit_percent=Decimal("5"))
        backlog = Sla(contract=c001, name="Backlog", unit="tickets", target=Decimal("10"),
                      direction="lower", period="quarterly", credit_percent=Decimal("0"))
        session.add_all([availability, backlog])
        session.flush()
        session.add(Measurement(sla=availability, period_start=date(2025, 12, 1),
                                value=Decimal("99.9")))


@pytest.fixture
def workspace(ctx: AppContext, qtbot) -> SlaWorkspace:  # type: ignore[no-untyped-def]
    _add_slas(ctx)
    view = SlaWorkspace(ctx)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    with qtbot.waitSignals([view.loaded, view.detail_loaded], timeout=20_000):
        view.show()
    return view


def _type_into(qtbot, view: SlaWorkspace, sla: str, month: date, text: str) -> QLineEdit:  # type: ignore[no-untyped-def]
    view.tabs.setCurrentIndex(1)
    index = view.grid_index(sla, month)
    assert index.isValid()
    view.grid.setCurrentIndex(index)
    qtbot.wait(1)  # editors closed before are deleted
    view.grid.edit(index)
    editors = [e for e in view.grid.findChildren(QLineEdit, "measurementEditor")
               if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    return editor


def _credits(view: SlaWorkspace) -> list[list[str]]:
    model = view.credits_model
    return [[model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_first_rows_strip_and_figures(workspace: SlaWorkspace, qtmodeltester, qtlog) -> None:  # type: ignore[no-untyped-def]
    assert workspace.contracts_model.rowCount() == 1
    assert workspace.contracts_model.index(0, 0).data() == "C-001"
    assert workspace.contracts_model.index(0, 3).data() == "100.0 %"
    rows = workspace.slas_model.rows()
    assert [s.name for s in rows] == ["Availability", "Backlog"]
    strip = rows[0].strip
    assert len(strip) == 24 and strip[-2].state == "met" and strip[-3].state == "missing"
    # the tooltip of a strip cell names its value and the target
    assert strip_tip(rows[0], strip[-2]) == (
        "Availability, period from 2025-12-01: met\nvalue 99.9, target ≥ 99.5 %")
    for model in (workspace.contracts_model, workspace.slas_model, workspace.grid_model,
                  workspace.credits_model):
        qtmodeltester.check(model)
    assert not qt_warnings(qtlog)


def test_a_breach_entered_in_the_grid_earns_a_credit_and_a_credit_note_settles_it(
    workspace: SlaWorkspace, ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    dashboard = DashboardView(ctx)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.loaded, timeout=20_000):
        dashboard.show()
    assert dashboard.cards["outstanding"].value == "0.00"
    assert _credits(workspace) == []

    asked: list[str] = []
    monkeypatch.setattr(workspace_module, "confirm",
                        lambda _parent, title, text: asked.append(text) or True)
    _type_into(qtbot, workspace, "Availability", date(2025, 12, 1), "98.0")
    with qtbot.waitSignals([workspace.loaded, workspace.detail_loaded, dashboard.loaded],
                           timeout=20_000):
        qtbot.keyClick(workspace.grid.focusWidget(), Qt.Key.Key_Return)
    assert asked == ["Availability 2025-12 of C-001 is recorded as 99.9. Replace it with 98.0?"]
    # 120,000 / 12 × 5 % = 500.00, for December: claim by 2026-01-30, 15 days left
    assert _credits(workspace) == [["C-001", "2025-12", "500.00 EUR", "2026-01-30", "15",
                                    "claimable", "500.00 EUR", "0.00 EUR"]]
    assert dashboard.cards["outstanding"].value == "500.00 EUR"
    assert workspace.grid_index("Availability", date(2025, 12, 1)).data() == "98.0"
    assert ctx.undo_stack.undoText() == "Correct Availability 2025-12 of C-001"

    workspace.tabs.setCurrentIndex(2)
    workspace.credits_table.selectRow(0)
    dialog = workspace.record_credit_note()
    assert dialog.form.values()["contract"] == "C-001"
    assert dialog.form.values()["month"] == "2025-12"
    assert dialog.form.values()["amount"] == "500.00"
    amount = dialog.form.widget("amount")
    assert isinstance(amount, QLineEdit)
    amount.setText("2OO")  # letters O, not zeros: refused as the user types
    assert not dialog.ok_button.isEnabled()
    assert "amount" in dialog.problems()
    amount.setText("200")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignals([workspace.loaded, dashboard.loaded], timeout=20_000):
        dialog.accept()
    due_received_outstanding = [_credits(workspace)[0][i] for i in (6, 7, 2)]
    assert due_received_outstanding == ["500.00 EUR", "200.00 EUR", "300.00 EUR"]
    assert dashboard.cards["outstanding"].value == "300.00 EUR"

    with qtbot.waitSignals([workspace.loaded, dashboard.loaded], timeout=20_000):
        ctx.undo_stack.undo()  # the credit note
    assert dashboard.cards["outstanding"].value == "500.00 EUR"
    with qtbot.waitSignals([workspace.loaded, workspace.detail_loaded, dashboard.loaded],
                           timeout=20_000):
        ctx.undo_stack.undo()  # the correction: 99.9 again, no credit
    assert _credits(workspace) == []
    assert dashboard.cards["outstanding"].value == "0.00"
    assert workspace.grid_index("Availability", date(2025, 12, 1)).data() == "99.9"


def test_the_grid_checks_values_as_they_are_typed(
    workspace: SlaWorkspace, ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    editor = _type_into(qtbot, workspace, "Availability", date(2025, 11, 1), "9x")
    assert "not a number" in workspace.grid_problem.text()
    assert "background" in editor.styleSheet()
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # refused: the editor stays open
    assert editor.isVisible()
    assert workspace.grid_problem.text() == "Availability 2025-11: value: '9x' is not a number"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert ctx.undo_stack.count() == 0
    with ctx.session() as session:
        assert session.query(Measurement).count() == 1
    # a new value is not asked about; a decimal comma is read as a point
    monkeypatch.setattr(workspace_module, "confirm", lambda *_a: pytest.fail("asked"))
    editor = _type_into(qtbot, workspace, "Availability", date(2025, 11, 1), "99,7")
    assert workspace.grid_problem.text() == ""
    with qtbot.waitSignal(workspace.detail_loaded, timeout=20_000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    with ctx.session() as session:
        values = {m.period_start: m.value for m in session.query(Measurement)}
    assert values[date(2025, 11, 1)] == Decimal("99.7")
    # a quarterly SLA takes values only in the first month of a quarter
    grid = workspace.grid_model
    assert not grid.flags(workspace.grid_index("Backlog", date(2025, 11, 1))) \
        & Qt.ItemFlag.ItemIsEditable
    assert grid.flags(workspace.grid_index("Backlog", date(2025, 10, 1))) \
        & Qt.ItemFlag.ItemIsEditable
    assert "quarter's first month" in workspace.grid_index(
        "Backlog", date(2025, 11, 1)).data(Qt.ItemDataRole.ToolTipRole)


def test_clearing_a_value_asks_first(
    workspace: SlaWorkspace, ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    answers = [False, True]
    monkeypatch.setattr(workspace_module, "confirm", lambda *_a: answers.pop(0))
    editor = _type_into(qtbot, workspace, "Availability", date(2025, 12, 1), "")
    editor.clear()
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # answered No: kept
    assert workspace.grid_index("Availability", date(2025, 12, 1)).data() == "99.9"
    editor = _type_into(qtbot, workspace, "Availability", date(2025, 12, 1), "")
    editor.clear()
    with qtbot.waitSignal(workspace.detail_loaded, timeout=20_000):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    with ctx.session() as session:
        assert session.query(Measurement).count() == 0
    assert ctx.undo_stack.undoText() == "Clear Availability 2025-12 of C-001"


def test_import_measurements_shows_its_report(
    workspace: SlaWorkspace, ctx: AppContext, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "desk.csv"
    path.write_text("contract,sla,period,value\nC-001,Availability,2025-11,99.1\n"
                    "C-001,Backlog,Q4 2025,12\n", encoding="utf-8")
    monkeypatch.setattr(workspace_module, "ask_import_path", lambda _parent: path)
    with qtbot.waitSignals([workspace.loaded, workspace.detail_loaded], timeout=20_000):
        workspace.import_button.click()
    assert workers.wait_for_ops(30)
    texts = [(d.text(), d.informativeText()) for d in open_dialogs()]
    assert ("desk.csv was imported.", "measurements: 2 imported, 0 already recorded") in texts
    assert workspace.grid_index("Availability", date(2025, 11, 1)).data() == "99.1"
    assert workspace.grid_index("Backlog", date(2025, 10, 1)).data() == "12"
    # November breached (claim-by 2025-12-30 passed: lost)
    assert [row[5] for row in _credits(workspace)] == ["lost"]


def test_filters_from_the_dashboard_replace_the_workspace_filters(
    workspace: SlaWorkspace, qtbot  # type: ignore[no-untyped-def]
) -> None:
    workspace.search.setText("nothing like it")
    assert workspace.contracts_model.rowCount() == 0
    workspace.apply_filters({"credits": "lost"})
    assert workspace.search.text() == ""
    assert workspace.contracts_model.rowCount() == 1
    assert workspace.tabs.currentIndex() == 2
    assert workspace.credit_filter.currentData() == "lost"
    workspace.apply_filters({"breached": True})
    assert workspace.credit_filter.currentData() == "all"
    assert workspace.contracts_model.rowCount() == 0  # C-001 has no breach
    with pytest.raises(ValueError, match="unknown SLA filters: colour"):
        workspace.apply_filters({"colour": "red"})
