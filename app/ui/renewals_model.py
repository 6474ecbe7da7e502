"""The renewals pipeline as a Qt table model (rows from app.services.renewals, SPEC §2/§6).

Named column constants, a sort role returning Python values (dates, ints, Decimals) and a proxy
that sorts on them with empty values last and filters "within N days" like `renewals --within`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.ui import glossary, icons
from app.ui.display import show_money
from app.ui.glossary import DEADLINE_WORDS, STATUS_WORDS

if TYPE_CHECKING:  # the shell imports this before the database code is loaded
    from app.services.renewals import RenewalRow

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a Python value to sort on (None sorts last)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the RenewalRow itself

(
    DEADLINE,
    DAYS_LEFT,
    KIND,
    REFERENCE,
    VENDOR,
    TITLE,
    RENEWAL,
    STATUS,
    TERM_END,
    EARLIEST_END,
    VALUE,
    FLAGS,
) = range(12)

HEADERS = {
    DEADLINE: "Deadline",
    DAYS_LEFT: "Days left",
    KIND: "Kind",
    REFERENCE: "Reference",
    VENDOR: "Vendor",
    TITLE: "Title",
    RENEWAL: "Renewal",
    STATUS: "Status",
    TERM_END: "Term ends",
    EARLIEST_END: "Earliest end",
    VALUE: "Annual value",
    FLAGS: "Attention",
}
COLUMN_COUNT = len(HEADERS)

KIND_LABELS = DEADLINE_WORDS
STATUS_LABELS = STATUS_WORDS
# what each column's header explains (app.core.glossary)
HEADER_TIPS = {
    DEADLINE: "deadline",
    DAYS_LEFT: "days_left",
    KIND: "deadline",
    RENEWAL: "term",
    STATUS: "as_of",
    TERM_END: "term",
    EARLIEST_END: "earliest_end",
    FLAGS: "escalated",
}
RED_DAYS = 30  # <= 30 days left: red
AMBER_DAYS = 90  # <= 90 days left: amber (also the escalation window, SPEC §2)

RED = QColor("#f6d0d0")
AMBER = QColor("#fde8b8")
MISSED_TEXT = QColor("#9b1c1c")
DARK_TEXT = QColor("#1f1f1f")


def urgency(row: RenewalRow) -> str | None:
    """"red" (0..30 days left), "amber" (31..90), or None."""
    if row.days_left is None or row.days_left < 0:
        return None
    if row.days_left <= RED_DAYS:
        return "red"
    if row.days_left <= AMBER_DAYS:
        return "amber"
    return None


def can_give_notice(row: RenewalRow) -> bool:
    """Whether to offer "Give notice": the contract runs and no notice counts yet.

    The store action decides (app.core.terms.check_give_notice); this only greys the button.
    """
    return row.status in ("active", "not_started") and not row.needs_review


def can_exercise_option(row: RenewalRow) -> bool:
    """Whether to offer "Exercise option": an option remains and its exercise-by date is ahead."""
    return row.renewal == "option" and row.deadline_kind == "exercise_by"


def flags_text(row: RenewalRow) -> str:
    parts = []
    if row.escalated:
        parts.append("escalated")
    if row.missed_notice:
        parts.append("missed notice")
    if row.needs_review:
        parts.append("needs review")
    return ", ".join(parts)


def _cell_keys(row: RenewalRow, column: int) -> list[str]:
    """The glossary entries that explain the cell's words."""
    if column == STATUS:
        return [row.status]
    if column in (KIND, DEADLINE, DAYS_LEFT) and row.deadline_kind:
        return [row.deadline_kind]
    if column == RENEWAL:
        return [row.renewal]
    if column == EARLIEST_END:
        return ["earliest_end"]
    return []


def _flag_keys(row: RenewalRow) -> list[str]:
    flags = (("escalated", row.escalated), ("missed_notice", row.missed_notice),
             ("needs_review", row.needs_review))
    return [key for key, on in flags if on]


def _tooltip(row: RenewalRow, column: int = REFERENCE) -> str:
    lines = [f"{row.reference} — {row.title}", f"{row.vendor}"]
    explanation = row.explanation_lines
    if explanation:
        lines.extend(f"• {part}" for part in explanation)
    elif row.term_number is not None:
        end = row.term_end.isoformat() if row.term_end else "open-ended"
        start = row.term_start.isoformat() if row.term_start else "?"
        lines.append(f"{glossary.term_name(row.term_number)}: {start} to {end}")
    keys = [*_cell_keys(row, column), *_flag_keys(row)]
    lines.extend(text for text in (glossary.define(key) for key in keys) if text)
    return "\n".join(lines)


def sort_value(row: RenewalRow, column: int) -> Any:
    """The Python value a column sorts on (None for an empty cell)."""
    if column == DEADLINE:
        return row.deadline
    if column == DAYS_LEFT:
        return row.days_left
    if column == KIND:
        return row.deadline_kind
    if column == REFERENCE:
        return row.reference
    if column == VENDOR:
        return row.vendor.casefold()
    if column == TITLE:
        return row.title.casefold()
    if column == RENEWAL:
        return row.renewal
    if column == STATUS:
        return row.status
    if column == TERM_END:
        return row.term_end
    if column == EARLIEST_END:
        return row.earliest_end
    if column == VALUE:
        return row.annual_value
    if column == FLAGS:
        # escalated first, then missed notice, then needs review, when sorted descending
        return (row.escalated, row.missed_notice, row.needs_review)
    return None


def sort_rows(rows: list[RenewalRow], column: int, order: Qt.SortOrder) -> list[RenewalRow]:
    """Rows sorted on a column: empty values last in both orders; the sort is stable."""
    present = [row for row in rows if sort_value(row, column) is not None]
    empty = [row for row in rows if sort_value(row, column) is None]
    descending = order == Qt.SortOrder.DescendingOrder
    present.sort(key=lambda row: sort_value(row, column), reverse=descending)
    return present + empty


class RenewalsModel(QAbstractTableModel):
    """Read-only rows of the renewals list."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RenewalRow] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # data in ------------------------------------------------------------------------------------

    def set_rows(self, rows: list[RenewalRow]) -> None:
        """New rows, kept in the order the model was last sorted in (if it was)."""
        self.beginResetModel()
        self._rows = list(rows) if self._sort is None else sort_rows(rows, *self._sort)
        self.endResetModel()

    def rows(self) -> list[RenewalRow]:
        return list(self._rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort on the SORT_ROLE values; empty values last in both orders, ties keep the order
        they came in (the service's: deadline, then reference)."""
        if not 0 <= column < COLUMN_COUNT:
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = list(self._rows)
        self._rows = sort_rows(self._rows, column, order)
        position = {id(row): number for number, row in enumerate(self._rows)}
        old = self.persistentIndexList()
        new = [self.index(position[id(before[i.row()])], i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def row_at(self, row: int) -> RenewalRow:
        return self._rows[row]

    def find(self, reference: str) -> int | None:
        for number, item in enumerate(self._rows):
            if item.reference == reference:
                return number
        return None

    # Qt interface --------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(section)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if section == FLAGS:
                return glossary.tip("escalated", "missed_notice", "needs_review")
            key = HEADER_TIPS.get(section)
            return glossary.tip(key) if key else None
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return sort_value(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.BackgroundRole:
            level = urgency(row)
            if level == "red":
                return QBrush(RED)
            if level == "amber":
                return QBrush(AMBER)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.missed_notice and column in (DEADLINE, DAYS_LEFT, FLAGS):
                return QBrush(MISSED_TEXT)
            if urgency(row) is not None:
                return QBrush(DARK_TEXT)
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == FLAGS and (row.escalated or row.missed_notice):
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == FLAGS:
            if row.escalated:
                return icons.warning()
            if row.missed_notice:
                return icons.critical()
            if row.needs_review:
                return icons.information()
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (DAYS_LEFT, VALUE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return glossary.wrap(_tooltip(row, column))
        return None

    @staticmethod
    def _display(row: RenewalRow, column: int) -> str:
        def day(value: date | None) -> str:
            return value.isoformat() if value else ""

        if column == DEADLINE:
            return day(row.deadline)
        if column == DAYS_LEFT:
            return "" if row.days_left is None else str(row.days_left)
        if column == KIND:
            return KIND_LABELS.get(row.deadline_kind or "", "")
        if column == REFERENCE:
            return row.reference
        if column == VENDOR:
            return row.vendor
        if column == TITLE:
            return row.title
        if column == RENEWAL:
            return glossary.words(row.renewal, glossary.RENEWAL_WORDS)
        if column == STATUS:
            return STATUS_LABELS.get(row.status, row.status)
        if column == TERM_END:
            if row.needs_review:
                return "unknown"
            return day(row.term_end) if row.term_end else "open-ended"
        if column == EARLIEST_END:
            return day(row.earliest_end)
        if column == VALUE:
            return show_money(row.annual_value, row.currency)
        if column == FLAGS:
            return flags_text(row)
        return ""



ATTENTION = ("escalated", "missed_notice", "needs_review")  # flags a list can be narrowed to


class RenewalsProxy(QSortFilterProxyModel):
    """Filters by days left and text; sorting is the source model's (Python keys, fast).

    Sorting 10,000 rows through `lessThan` costs a Python call per comparison on the GUI thread;
    the source model sorts its list with `sorted` on the SORT_ROLE values instead.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._within: int | None = None
        self._text = ""
        self._attention: str | None = None  # one of ATTENTION: rows with that flag only
        self._kind: str | None = None  # deadline_kind
        self._between: tuple[date, date] | None = None  # deadline (cancel_by or ends_on)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)

    @property
    def within(self) -> int | None:
        return self._within

    def set_within(self, days: int | None) -> None:
        """Keep the rows with 0 <= days_left <= days (None: every row), like --within."""
        if days != self._within:
            self.beginFilterChange()
            self._within = days
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        text = text.strip().casefold()
        if text != self._text:
            self.beginFilterChange()
            self._text = text
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_filters(
        self,
        within: int | None = None,
        text: str = "",
        attention: str | None = None,
        kind: str | None = None,
        between: tuple[date, date] | None = None,
    ) -> None:
        """Replace every filter at once (one re-filter); the defaults show every row."""
        if attention is not None and attention not in ATTENTION:
            raise ValueError(f"no attention filter {attention!r}")
        self.beginFilterChange()
        self._within = within
        self._text = text.strip().casefold()
        self._attention = attention
        self._kind = kind
        self._between = between
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def accepts(self, row: RenewalRow) -> bool:
        if self._attention is not None and not getattr(row, self._attention):
            return False
        if self._kind is not None and row.deadline_kind != self._kind:
            return False
        if self._between is not None:
            deadline = row.deadline
            if deadline is None or not self._between[0] <= deadline <= self._between[1]:
                return False
        if self._within is not None:
            if row.days_left is None or not 0 <= row.days_left <= self._within:
                return False
        if self._text:
            haystack = f"{row.reference}\n{row.vendor}\n{row.title}".casefold()
            if self._text not in haystack:
                return False
        return True

    def accepted_rows(self) -> list[RenewalRow]:
        """The rows shown, in the order shown (without asking Qt for each index)."""
        model = self.sourceModel()
        if not isinstance(model, RenewalsModel):
            return []
        return [row for row in model.rows() if self.accepts(row)]

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        if not isinstance(model, RenewalsModel):
            return True
        return self.accepts(model.row_at(source_row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, RenewalsModel):
            model.sort(column, order)
