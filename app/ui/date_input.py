"""The one date field of the application: a date typed or pasted as YYYY-MM-DD, or picked.

Qt's QDateEdit edits a date section by section, so selecting all and typing `2027-06-01` keeps the
old year and the app silently recomputes for a date nobody asked for. `DateInput` is a line edit
instead: whatever is typed or pasted is read whole (blanks around it ignored), a date that does not
exist is refused with the reason (`February 2025 has no day 30`), and a date only counts once it
is complete (Enter, leaving the field, or a pick from the calendar).

Two faces: `text()`/`setText()`/`textChanged` for forms, which validate the raw text themselves,
and `date()`/`setDate()`/`dateChanged`/`problem()` for fields that need a date now (the as-of box,
the notice date).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from app.core import fields
from app.errors import ValidationError
from app.ui.glossary import wrap

PROBLEM_COLOUR = "#b00020"
INVALID_BASE = QColor("#fde7ea")  # the background of a field whose text is refused


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Tint a field whose value is refused (or untint it).

    Through the palette, not a style sheet: a style sheet border changes the field's size, and
    the form below it would jump by a pixel under the mouse.
    """
    if invalid == bool(widget.property("invalid")):
        return
    widget.setProperty("invalid", invalid)
    palette = widget.palette()
    if invalid:
        widget.setProperty("normalBase", palette.color(QPalette.ColorRole.Base))
        palette.setColor(QPalette.ColorRole.Base, INVALID_BASE)
    else:
        normal = widget.property("normalBase")
        if isinstance(normal, QColor):
            palette.setColor(QPalette.ColorRole.Base, normal)
    widget.setPalette(palette)
_MAX_TEXT = 40  # room for a pasted date with blanks around it


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_date(day: QDate | date) -> date:
    if isinstance(day, date):
        return day
    return date(day.year(), day.month(), day.day())


def read_date(text: str, *, minimum: date | None = None, maximum: date | None = None) -> date:
    """The date in `text` (YYYY-MM-DD, blanks ignored), or ValidationError saying what is wrong."""
    raw = text.strip()
    if not raw:
        raise ValidationError("type a date as YYYY-MM-DD, e.g. 2027-06-01")
    try:
        value = fields.day(raw, "date")
    except ValidationError as exc:
        raise ValidationError(str(exc).removeprefix("date: ")) from None
    assert value is not None
    if minimum is not None and value < minimum:
        raise ValidationError(f"{value.isoformat()} is before {minimum.isoformat()}, the earliest "
                              "date allowed here")
    if maximum is not None and value > maximum:
        raise ValidationError(f"{value.isoformat()} is after {maximum.isoformat()}, the latest "
                              "date allowed here")
    return value


class DateInput(QWidget):
    """A date typed as YYYY-MM-DD (empty allowed in forms), with a calendar to pick from."""

    textChanged = Signal(str)  # noqa: N815 (Qt naming)
    dateChanged = Signal(QDate)  # noqa: N815 — a complete, valid, different date was entered
    problemChanged = Signal(str)  # noqa: N815 — "" when the text is a date again

    def __init__(
        self, value: date | QDate | None = None, parent: QWidget | None = None,
        *, checked: bool = True,
    ) -> None:
        super().__init__(parent)
        self._checked = checked  # False in forms: the form validates the text and shows why
        self._date: date | None = None
        self._problem = ""
        self._minimum: date | None = None
        self._maximum: date | None = None
        self._tip = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.setMaxLength(_MAX_TEXT)
        self.edit.textChanged.connect(self.textChanged)
        self.edit.textEdited.connect(self._edited)
        self.edit.editingFinished.connect(self.commit)
        self.button = QToolButton(self)
        self.button.setText("…")
        self.button.setToolTip("Pick a date from a calendar")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.clicked.connect(self._picked)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.button.setMenu(menu)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)
        if value is not None:
            self.setDate(value)

    # the text face (forms) ----------------------------------------------------------------------

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self.edit.setText(text)
        try:
            self._date = read_date(text) if text.strip() else None
        except ValidationError:
            self._date = None

    # the date face ------------------------------------------------------------------------------

    def date(self) -> QDate:
        """The last complete date entered (an invalid QDate when there is none)."""
        return QDate() if self._date is None else to_qdate(self._date)

    def value(self) -> date | None:
        return self._date

    def setDate(self, value: date | QDate) -> None:  # noqa: N802 (Qt naming)
        """Show `value` and take it (dateChanged when it differs), like QDateEdit.setDate."""
        day = to_date(value)
        self.edit.setText(day.isoformat())
        self._set_problem("")
        self._take(day)

    def setMinimumDate(self, value: date | QDate) -> None:  # noqa: N802 (Qt naming)
        self._minimum = to_date(value)
        self.calendar.setMinimumDate(to_qdate(self._minimum))

    def setMaximumDate(self, value: date | QDate) -> None:  # noqa: N802 (Qt naming)
        self._maximum = to_date(value)
        self.calendar.setMaximumDate(to_qdate(self._maximum))

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt naming)
        self._tip = text
        self._show_tip()

    def problem_label(self, parent: QWidget | None = None) -> QLabel:
        """A label that says what is wrong with the typed date (empty while it is a date)."""
        label = QLabel(parent)
        label.setStyleSheet(f"color: {PROBLEM_COLOUR};")
        label.setWordWrap(True)
        label.setText(self._problem)
        self.problemChanged.connect(label.setText)
        return label

    def problem(self) -> str:
        """What is wrong with the text right now ("" when it is a date or, in a form, empty)."""
        return self._problem

    def is_valid(self) -> bool:
        return not self._problem and self._date is not None

    def commit(self) -> bool:
        """Read the text as complete: take the date, or show why it is not one."""
        if not self._checked:
            self.setText(self.edit.text())
            return self._date is not None
        try:
            day = read_date(self.edit.text(), minimum=self._minimum, maximum=self._maximum)
        except ValidationError as exc:
            self._set_problem(str(exc))
            return False
        self._set_problem("")
        if self.edit.text() != day.isoformat():
            self.edit.setText(day.isoformat())
        self._take(day)
        return True

    def _take(self, day: date) -> None:
        if day != self._date:
            self._date = day
            self.dateChanged.emit(to_qdate(day))

    def _edited(self, _text: str) -> None:
        if self._problem:  # the user is correcting it: say so only when complete again
            self._set_problem("")

    def _set_problem(self, text: str) -> None:
        if text == self._problem:
            return
        self._problem = text
        mark_invalid(self.edit, bool(text))
        self._show_tip()
        self.problemChanged.emit(text)

    def _show_tip(self) -> None:
        tip = wrap("\n".join(t for t in (self._problem, self._tip) if t))
        super().setToolTip(tip)
        self.edit.setToolTip(tip)

    def _sync_calendar(self) -> None:
        try:
            day = read_date(self.edit.text())
        except ValidationError:
            return
        self.calendar.setSelectedDate(to_qdate(day))

    def _picked(self, day: QDate) -> None:
        self.edit.setText(to_date(day).isoformat())
        menu = self.button.menu()
        if menu is not None:
            menu.hide()
        self.commit()
