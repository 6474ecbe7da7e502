"""The renewals pipeline: rows, urgency, filter, give notice / exercise option with undo, exports.

The portfolio (tests/ui/conftest.py) as of 2026-01-15:
  C-001 auto, cancel by 2026-01-30 -> 15 days left (red), escalated (orphaned criticality-5 clause)
  C-002 option, exercise by 2026-03-31 -> 16 + 28 + 31 = 75 days left (amber)
  C-003 none, ends 2027-12-31 -> 365 (to 2027-01-15) + 350 (to 2027-12-31) = 715 days left
  C-004 expired in 2021, not listed.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.services.renewals import RenewalRow
from app.store.models import Contract
from app.ui import renewals_view as rv
from app.ui import workers
from app.ui.context import AppContext
from app.ui.renewals_model import (
    AMBER,
    DAYS_LEFT,
    DEADLINE,
    FLAGS,
    KIND,
    RED,
    REFERENCE,
    SORT_ROLE,
    VALUE,
    RenewalsModel,
    RenewalsProxy,
)
from tests.ui.conftest import AS_OF, open_dialogs, qt_warnings, save_path_patch


@pytest.fixture
def view(ctx: AppContext, qtbot):  # type: ignore[no-untyped-def]
    widget = rv.RenewalsView(ctx)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.loaded, timeout=10_000):
        widget.show()  # showing a view computes its rows on a worker
    return widget


def _contract(ctx: AppContext, reference: str) -> Contract:
    with ctx.session() as session:
        contract = session.query(Contract).filter_by(reference=reference).one()
        session.expunge(contract)
        return contract


def _shown(view: rv.RenewalsView, column: int) -> list[str]:
    return [view.proxy.index(r, column).data() for r in range(view.proxy.rowCount())]


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _row(view: rv.RenewalsView, reference: str) -> RenewalRow:
    return next(row for row in view.model.rows() if row.reference == reference)


def test_rows_sorted_by_deadline_with_days_left_and_kinds(view: rv.RenewalsView, qtlog) -> None:  # type: ignore[no-untyped-def]
    assert _shown(view, REFERENCE) == ["C-001", "C-002", "C-003"]
    assert _shown(view, DEADLINE) == ["2026-01-30", "2026-03-31", "2027-12-31"]
    assert _shown(view, DAYS_LEFT) == ["15", "75", "715"]
    assert _shown(view, KIND) == ["cancel by", "exercise by", "ends"]
    assert _shown(view, VALUE) == ["120,000.00 EUR", "80,000.00 EUR", "9,000.50 USD"]
    assert _plain(view.summary.text()) == (
        "3 of 3 contracts as of 2026-01-15 · 1 within 30 days · 1 within 31–90 days · "
        "1 escalated"
    )
    assert not qt_warnings(qtlog)


def test_urgency_colours_and_escalation_mark(view: rv.RenewalsView) -> None:
    def background(row: int) -> QColor | None:
        brush = view.proxy.index(row, REFERENCE).data(Qt.ItemDataRole.BackgroundRole)
        return None if brush is None else brush.color()

    assert background(0) == RED  # 15 days <= 30
    assert background(1) == AMBER  # 30 < 75 days <= 90
    assert background(2) is None  # 715 days
    assert _shown(view, FLAGS) == ["escalated", "", ""]
    assert view.proxy.index(0, FLAGS).data(Qt.ItemDataRole.DecorationRole) is not None
    assert view.proxy.index(1, FLAGS).data(Qt.ItemDataRole.DecorationRole) is None


def test_within_filter_keeps_deadlines_in_the_window(view: rv.RenewalsView) -> None:
    view.set_within(30)
    assert _shown(view, REFERENCE) == ["C-001"]  # 15 <= 30
    view.set_within(90)
    assert _shown(view, REFERENCE) == ["C-001", "C-002"]  # 75 <= 90 < 715
    view.set_within(365)
    assert _shown(view, REFERENCE) == ["C-001", "C-002"]
    view.set_within(None)
    assert _shown(view, REFERENCE) == ["C-001", "C-002", "C-003"]
    view.search.setText("acme")  # vendor of C-001 and C-003
    assert _shown(view, REFERENCE) == ["C-001", "C-003"]


def test_sorting_by_days_left_descending_keeps_empty_values_last() -> None:
    def row(reference: str, days: int | None) -> RenewalRow:
        return RenewalRow(
            contract_id=1, reference=reference, vendor="V", title="T", renewal="auto",
            status="active", needs_review=False, term_number=0, term_start=None, term_end=None,
            cancel_by=None, deadline_kind=None, days_left=days, missed_notice=False,
            ends_on=None, earliest_end=None, annual_value=None, currency="EUR", escalated=False,
        )

    model = RenewalsModel()
    model.set_rows([row("A", 5), row("B", None), row("C", 40)])
    proxy = RenewalsProxy()
    proxy.setSourceModel(model)
    proxy.sort(DAYS_LEFT, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, REFERENCE).data() for r in range(3)] == ["C", "A", "B"]
    proxy.sort(DAYS_LEFT, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, REFERENCE).data() for r in range(3)] == ["A", "C", "B"]
    assert proxy.index(0, DAYS_LEFT).data(SORT_ROLE) == 5  # a Python int, not text


def test_models_pass_the_model_tester(ctx: AppContext, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    with ctx.session() as session:
        rows = rv.load_renewals(session, AS_OF)
    model = RenewalsModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    proxy = RenewalsProxy()
    proxy.setSourceModel(model)
    proxy.set_within(90)
    qtmodeltester.check(proxy)


def test_as_of_change_recomputes_the_rows(view: rv.RenewalsView, ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        ctx.set_as_of(date(2026, 2, 15))
    c001 = _row(view, "C-001")
    # cancel_by(0) = 2026-01-30 has passed: the renewal to 2027-04-30 is locked in;
    # next deadline cancel_by(1) = 2027-04-30 - 3 months = 2027-01-30,
    # 2026-02-15 -> 2027-02-15 is 365 days, minus 16 days = 349.
    assert c001.missed_notice is True
    assert c001.cancel_by == date(2027, 1, 30)
    assert c001.days_left == 349
    assert c001.escalated is False  # 349 > 90
    assert _plain(view.summary.text()).startswith("3 of 3 contracts as of 2026-02-15")


def test_give_notice_then_undo_and_redo(
    view: rv.RenewalsView, ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(rv, "ask_notice_date", lambda parent, row, as_of: as_of)
    monkeypatch.setattr(rv, "confirm", lambda parent, title, text: asked.append(text) or True)
    assert view.select("C-001")
    assert view.notice_button.isEnabled()
    assert not view.option_button.isEnabled()  # C-001 is an auto contract
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.notice_button.click()
    assert "C-001 (Service desk) given on 2026-01-15" in asked[0]
    # notice on 2026-01-15 <= cancel_by 2026-01-30: the contract ends with term 0, 2026-04-30
    row = _row(view, "C-001")
    assert row.status == "terminating"
    assert row.ends_on == date(2026, 4, 30)
    assert _contract(ctx, "C-001").terminated_on == date(2026, 1, 15)
    assert ctx.undo_stack.undoText() == "Give notice on C-001"

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        ctx.undo_stack.undo()
    assert _row(view, "C-001").status == "active"
    assert _contract(ctx, "C-001").terminated_on is None

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        ctx.undo_stack.redo()
    assert _row(view, "C-001").status == "terminating"
    assert _contract(ctx, "C-001").terminated_on == date(2026, 1, 15)


def test_declining_the_confirmation_changes_nothing(
    view: rv.RenewalsView, ctx: AppContext, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(rv, "ask_notice_date", lambda parent, row, as_of: as_of)
    monkeypatch.setattr(rv, "confirm", lambda parent, title, text: False)
    view.select("C-001")
    view.notice_button.click()
    assert _contract(ctx, "C-001").terminated_on is None
    assert ctx.undo_stack.count() == 0


def test_exercise_option_then_undo(
    view: rv.RenewalsView, ctx: AppContext, qtbot, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(rv, "confirm", lambda parent, title, text: True)
    assert view.select("C-002")
    assert view.option_button.isEnabled()
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.option_button.click()
    # term 1 runs 2026-04-01..2027-03-31 and is the new exercise-by date:
    # 2026-01-15 -> 2027-01-15 = 365 days, + 16 + 28 + 31 = 440
    row = _row(view, "C-002")
    assert row.cancel_by == date(2027, 3, 31)
    assert row.days_left == 440
    assert _contract(ctx, "C-002").options_exercised == 1

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        ctx.undo_stack.undo()
    assert _contract(ctx, "C-002").options_exercised == 0
    assert _row(view, "C-002").cancel_by == date(2026, 3, 31)


def test_a_refused_action_is_reported_and_not_put_on_the_undo_stack(
    view: rv.RenewalsView, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        assert view.perform_give_notice("C-001", AS_OF)
    assert not view.perform_give_notice("C-001", AS_OF)  # notice was already given
    dialogs = open_dialogs()
    assert len(dialogs) == 1
    assert "C-001: notice of termination was already given on 2026-01-15" in dialogs[0].text()
    assert ctx.undo_stack.count() == 1


def test_an_option_another_desk_exercised_meanwhile_is_not_exercised_again(
    view: rv.RenewalsView, ctx: AppContext, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    """The list showed C-002 with no option exercised; another desk (here a second session,
    as the command line would) exercises it before this user clicks: refused, one term added."""
    from app.store import contract_actions

    monkeypatch.setattr(rv, "confirm", lambda parent, title, text: True)
    assert view.select("C-002")
    with ctx.db.session() as other:
        contract_actions.exercise_option(other, "C-002", AS_OF)
    view.option_button.click()
    dialogs = open_dialogs()
    assert len(dialogs) == 1 and "C-002 was changed by" in dialogs[0].text()
    assert _contract(ctx, "C-002").options_exercised == 1
    assert ctx.undo_stack.count() == 0


def test_export_buttons_write_the_renewals_workbook_and_calendar(
    view: rv.RenewalsView, qtbot, monkeypatch, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    xlsx = tmp_path / "renewals.xlsx"
    save_path_patch(monkeypatch, xlsx)
    op = view.export_excel()
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=20_000):
        pass
    assert op.error is None
    workbook = load_workbook(xlsx, read_only=True)
    title = next(workbook.worksheets[0].iter_rows(values_only=True))
    cells = {str(c) for sheet in workbook.worksheets
             for row in sheet.iter_rows(values_only=True) for c in row}
    workbook.close()
    assert any("2026-01-15" in str(cell) for cell in title)  # the title row: the as-of date
    assert {"C-001", "C-002", "C-003"} <= cells
    assert "C-004" not in cells  # expired: not in the renewals list

    ics = tmp_path / "renewals.ics"
    save_path_patch(monkeypatch, ics)
    op = view.export_calendar()
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=20_000):
        pass
    assert op.error is None
    text = ics.read_text(encoding="utf-8")
    assert text.startswith("BEGIN:VCALENDAR")
    assert "20260130" in text  # C-001's cancel-by date
    assert workers.wait_for_ops()


def test_row_values_come_typed(view: rv.RenewalsView) -> None:
    row = _row(view, "C-003")
    assert row.annual_value == Decimal("9000.50")
    assert row.currency == "USD"
    assert row.deadline == date(2027, 12, 31)
    assert row.deadline_kind == "end"
