"""Issue 17: wherever a deadline is shown, the same engine says how it comes about.

C-001 (tests/ui/conftest.py): auto, 2024-05-01 + 24 months, renews by 12, notice 3 months.
As of 2026-01-15 it is in its initial term, 2024-05-01 – 2026-04-30; cancel by 2026-01-30.
"""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.core.explain import explain_text
from app.store.terms_queries import load_terms
from app.ui import renewals_view as rv
from app.ui import workers
from app.ui.context import AppContext
from app.ui.contract_editor import ContractEditor
from app.ui.main_window import MainWindow
from tests.ui.conftest import AS_OF, save_path_patch

C001_TERM = "the initial term runs 2024-05-01 – 2026-04-30 (24 months from the start)"
C001_DEADLINE = "notice 3 months before the initial term ends on 2026-04-30 → cancel by 2026-01-30"


def _c001_explanation(ctx: AppContext) -> str:
    with ctx.session() as session:
        (row,) = load_terms(session, ["C-001"])
    return explain_text(row.terms, AS_OF)


def test_the_engine_explanation_of_c001() -> None:
    from datetime import date

    from app.core.terms import ContractTerms

    terms = ContractTerms(start_date=date(2024, 5, 1), initial_term_months=24, renewal="auto",
                          renewal_term_months=12, notice_value=3, notice_unit="months")
    assert explain_text(terms, AS_OF) == f"{C001_TERM}; {C001_DEADLINE}"


def test_the_contract_editor_explains_its_dates(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.store import portfolio_actions as actions

    with ctx.session() as session:
        ident = actions.find_contract(session, "C-001")
    editor = ContractEditor(ctx, ident)
    qtbot.addWidget(editor)
    editor.show()
    shown = editor.computed["explanation"].text()
    assert shown == f"• {C001_TERM}\n• {C001_DEADLINE}"
    assert editor.computed["explanation"].isVisible()


def test_the_renewals_tooltip_explains_the_deadline(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = rv.RenewalsView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=20_000)
    row = view.model.find("C-001")
    assert row is not None
    tip = view.model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert f"• {C001_TERM}" in tip and f"• {C001_DEADLINE}" in tip


def test_the_calendar_event_and_the_report_explain_the_deadline(
    main_window: MainWindow, ctx: AppContext, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    save_path_patch(monkeypatch, tmp_path / "deadlines.ics")
    main_window.calendar_action.trigger()
    assert workers.wait_for_ops(60)
    calendar = Calendar.from_ical((tmp_path / "deadlines.ics").read_bytes())
    (event,) = [e for e in calendar.walk("VEVENT") if "C-001" in str(e["summary"])]
    description = str(event["description"])
    assert f"How: {C001_TERM}" in description and f"How: {C001_DEADLINE}" in description

    save_path_patch(monkeypatch, tmp_path / "renewals.xlsx")
    main_window.export_actions["renewals"].trigger()
    assert workers.wait_for_ops(60)
    workbook = load_workbook(tmp_path / "renewals.xlsx", read_only=True)
    rows = list(workbook["Renewals"].iter_rows(min_row=3, values_only=True))
    workbook.close()
    header = list(rows[0])
    column = header.index("How the dates come about")
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference["C-001"][column] == _c001_explanation(ctx)
    assert by_reference["C-003"][column] == (
        "the initial term runs 2025-01-01 – 2027-12-31 (36 months from the start); "
        "no renewal → ends on 2027-12-31")
