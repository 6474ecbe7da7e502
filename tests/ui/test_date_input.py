"""Issue 17: a full date typed or pasted is taken whole, and a not-today as-of date is plain."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from app.ui import workers
from app.ui.context import AppContext
from app.ui.date_input import DateInput, read_date
from app.ui.main_window import AsOfDialog, MainWindow
from app.ui.renewals_view import NoticeDialog
from tests.ui.conftest import AS_OF


def _retype(qtbot, edit: DateInput, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.setFocus()
    qtbot.keyClick(edit.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit.edit, text)
    qtbot.keyClick(edit.edit, Qt.Key.Key_Return)


def test_select_all_and_type_a_date_in_the_as_of_box_gives_that_date(
    main_window: MainWindow, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    note = main_window.findChild(QLabel, "asOfNote")
    assert note is not None and note.isVisible()  # AS_OF (2026-01-15) is not today
    _retype(qtbot, main_window.as_of_edit, "2027-06-01")
    assert ctx.as_of == date(2027, 6, 1)
    assert "Not today" in note.text() and note.isVisible()
    assert "2027-06-01" in note.toolTip()
    assert "(as of 2027-06-01)" in main_window.windowTitle()
    main_window.today_action.trigger()
    assert ctx.as_of == date.today()
    assert not note.isVisible()
    assert "as of" not in main_window.windowTitle()
    assert workers.wait_for_ops(30)


def test_a_pasted_date_with_blanks_around_it_is_taken(
    main_window: MainWindow, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    edit = main_window.as_of_edit
    QGuiApplication.clipboard().setText("  2028-02-29 ")
    edit.setFocus()
    qtbot.keyClick(edit.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit.edit, Qt.Key.Key_Return)
    assert ctx.as_of == date(2028, 2, 29)
    assert edit.text() == "2028-02-29"
    assert workers.wait_for_ops(30)


def test_a_date_that_does_not_exist_is_refused_with_the_reason(
    main_window: MainWindow, ctx: AppContext, qtbot  # type: ignore[no-untyped-def]
) -> None:
    _retype(qtbot, main_window.as_of_edit, "2025-02-30")
    assert ctx.as_of == AS_OF  # nothing was recomputed for a date nobody asked for
    note = main_window.findChild(QLabel, "asOfNote")
    assert note is not None and note.isVisible()
    assert "February 2025 has no day 30" in note.text()
    assert "February 2025 has no day 30" in main_window.as_of_edit.toolTip()
    _retype(qtbot, main_window.as_of_edit, "2026-03-01")
    assert ctx.as_of == date(2026, 3, 1)
    assert "Not taken" not in note.text()
    assert workers.wait_for_ops(30)


def test_the_as_of_dialog_reads_the_typed_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = AsOfDialog(AS_OF)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.focusWidget() is dialog.edit.edit
    _retype(qtbot, dialog.edit, "2027-06-01")
    assert dialog.chosen() == date(2027, 6, 1)


def test_the_notice_date_cannot_be_after_the_as_of_date(ctx: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.services.renewals import renewals

    with ctx.session() as session:
        row = next(r for r in renewals(session, AS_OF) if r.reference == "C-001")
    dialog = NoticeDialog(row, AS_OF)
    qtbot.addWidget(dialog)
    dialog.show()
    edit = dialog.date_edit
    edit.setText("2026-02-01")
    assert not edit.commit()
    assert "after 2026-01-15" in dialog.problem.text()
    _retype(qtbot, edit, "2026-01-10")
    assert dialog.chosen() == date(2026, 1, 10)


def test_read_date_says_what_is_wrong() -> None:
    assert read_date(" 2024-02-29\t") == date(2024, 2, 29)
    for text, reason in [("2025-02-30", "February 2025 has no day 30"),
                         ("2025-13-01", "there is no month 13"),
                         ("1.6.2027", "YYYY-MM-DD"), ("", "e.g. 2027-06-01")]:
        try:
            read_date(text)
        except Exception as exc:  # noqa: BLE001 — the message is what is tested
            assert reason in str(exc)
        else:
            raise AssertionError(f"{text!r} was taken")


def test_no_window_builds_a_qdateedit() -> None:
    """The section-by-section QDateEdit is what gave the wrong year: DateInput everywhere."""
    from pathlib import Path

    ui = Path(__file__).resolve().parents[2] / "app" / "ui"
    users = [str(p.relative_to(ui)) for p in ui.rglob("*.py")
             if "QDateEdit(" in p.read_text(encoding="utf-8")]
    assert users == []
