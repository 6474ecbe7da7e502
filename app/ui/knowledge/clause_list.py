"""The portfolio's clause list: a lazily fetched table model and its filter bar.

The filtering happens in app.services.knowledge_views (on a worker); the model only reads the
selection it is given, one page at a time, as the view scrolls (canFetchMore / fetchMore).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.core.knowledge import PersonInfo
from app.services.knowledge_views import PAGE_SIZE, ClauseFilter, ClauseListRow, ClauseSelection
from app.ui.glossary import define, wrap
from app.ui.knowledge.matrix_model import ratio_text
from app.ui.status_colors import REASON_LABELS, STATUS_LABELS, status_brush, text_brush

COLUMNS = (
    "Contract", "Vendor", "Clause", "Title", "Crit.", "Status", "Reason", "Current owners",
    "Coverage", "Truck factor",
)
HEADER_TIPS = {  # the glossary's plain words (app.core.glossary)
    "Crit.": wrap(define("criticality")),
    "Status": wrap("\n".join(define(k) for k in ("orphaned", "at_risk", "single", "covered"))),
    "Reason": wrap("Why an orphaned clause is orphaned: nobody ever knew it, everyone who knew "
                   "it has left, or the knowledge was not re-checked in time.\n"
                   + define("stale")),
    "Coverage": wrap("The contract's coverage. " + define("coverage")),
    "Truck factor": wrap("The contract's truck factor. " + define("truck_factor")),
}
(CONTRACT, VENDOR, NUMBER, TITLE, CRITICALITY, STATUS, REASON, OWNERS, COVERAGE,
 TRUCK_FACTOR) = range(len(COLUMNS))
RIGHT = (CRITICALITY, COVERAGE, TRUCK_FACTOR)
SORT_OF_COLUMN = {  # the ClauseFilter.sort of a click on each header ("": report order)
    CONTRACT: "", VENDOR: "vendor", NUMBER: "", TITLE: "title", CRITICALITY: "criticality",
    STATUS: "status", REASON: "reason", OWNERS: "owners", COVERAGE: "coverage",
    TRUCK_FACTOR: "truck_factor",
}
CLAUSE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


class ClauseListModel(QAbstractTableModel):
    """Rows of a ClauseSelection, fetched PAGE_SIZE at a time.

    Sorting is asked of the data layer: `sort` only says which order the view wants.
    """

    sort_requested = Signal(str, bool)  # a ClauseFilter.sort, descending

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.selection: ClauseSelection | None = None
        self._rows: list[ClauseListRow] = []

    def set_selection(self, selection: ClauseSelection | None, at_least: int = 0) -> None:
        """Show another selection: the first page (or `at_least` rows) is fetched at once."""
        self.beginResetModel()
        self.selection = selection
        self._rows = []
        if selection is not None:
            self._rows = selection.page(0, max(PAGE_SIZE, at_least))
        self.endResetModel()

    def extend_selection(self, selection: ClauseSelection) -> None:
        """Replace the selection by one that starts with the same rows (no reset).

        The rows shown stay (and the selection among them); up to a page is appended.
        """
        self.selection = selection
        if len(self._rows) < PAGE_SIZE and self.canFetchMore():
            self.fetchMore()

    def shows_start_of(self, selection: ClauseSelection) -> bool:
        """Whether the rows shown are the first rows of `selection`, as they are there (the
        first rows computed alone, and the data unchanged since)."""
        return selection.page(0, len(self._rows)) == self._rows

    @property
    def total(self) -> int:
        return 0 if self.selection is None else len(self.selection)

    def row_at(self, row: int) -> ClauseListRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, clause_id: int) -> int | None:
        for number, row in enumerate(self._rows):
            if row.clause_id == clause_id:
                return number
        return None

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self.selection is None:
            return
        start = len(self._rows)
        more = self.selection.page(start, PAGE_SIZE)
        if not more:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column in SORT_OF_COLUMN:
            self.sort_requested.emit(
                SORT_OF_COLUMN[column], order == Qt.SortOrder.DescendingOrder
            )

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == CLAUSE_ID_ROLE:
            return row.clause_id
        if column == STATUS:
            if role == Qt.ItemDataRole.BackgroundRole:
                return status_brush(row.status)
            if role == Qt.ItemDataRole.ForegroundRole:
                return text_brush()
        if role == Qt.ItemDataRole.ToolTipRole and column in (STATUS, OWNERS, TITLE):
            owners = ", ".join(row.owners) if row.owners else "nobody"
            status = STATUS_LABELS[row.status]
            reason = f" ({REASON_LABELS[row.reason]})" if row.reason else ""
            meaning = define(row.status)
            return wrap(f"{row.title}\n{status}{reason}\nCurrent owners: {owners}\n{meaning}")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: ClauseListRow, column: int) -> str:
        if column == CONTRACT:
            return row.contract
        if column == VENDOR:
            return row.vendor
        if column == NUMBER:
            return row.number
        if column == TITLE:
            return row.title
        if column == CRITICALITY:
            return str(row.criticality)
        if column == STATUS:
            return STATUS_LABELS[row.status]
        if column == REASON:
            return REASON_LABELS.get(row.reason or "", "")
        if column == OWNERS:
            return ", ".join(row.owners)
        if column == COVERAGE:
            return ratio_text(row.contract_coverage)
        truck = row.contract_truck_factor
        return "—" if truck is None else str(truck)


def _searchable(box: QComboBox) -> None:
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = box.completer()
    if completer is not None:
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)


class FilterBar(QWidget):
    """Vendor, contract, status, reason, minimum criticality and person; `changed` on edits."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False
        self.vendor = QComboBox(self)
        self.vendor.setObjectName("vendorFilter")
        self.vendor.setMinimumWidth(180)
        self.vendor.addItem("All vendors", "")
        _searchable(self.vendor)
        self.contract = QLineEdit(self)
        self.contract.setObjectName("contractFilter")
        self.contract.setPlaceholderText("Contract reference")
        self.contract.setClearButtonEnabled(True)
        self.status = QComboBox(self)
        self.status.setObjectName("statusFilter")
        self.status.addItem("Any status", "")
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, key)
        self.reason = QComboBox(self)
        self.reason.setObjectName("reasonFilter")
        self.reason.addItem("Any reason", "")
        for key, label in REASON_LABELS.items():
            self.reason.addItem(label.capitalize(), key)
        self.criticality = QComboBox(self)
        self.criticality.setObjectName("criticalityFilter")
        self.criticality.addItem("Any criticality", 1)
        for level in (2, 3, 4, 5):
            self.criticality.addItem(f"Criticality ≥ {level}" if level < 5 else "Criticality 5",
                                     level)
        self.person = QComboBox(self)
        self.person.setObjectName("personFilter")
        self.person.setMinimumWidth(180)
        self.person.addItem("Anyone", "")
        _searchable(self.person)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._emit)
        self.contract.textChanged.connect(lambda _t: self._timer.start())
        for box in (self.vendor, self.status, self.reason, self.criticality, self.person):
            box.activated.connect(lambda _i: self._emit())
        for box in (self.vendor, self.person):
            line = box.lineEdit()
            if line is not None:
                line.editingFinished.connect(self._emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Filter:", self))
        for widget in (self.vendor, self.contract, self.status, self.reason, self.criticality,
                       self.person):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._last: ClauseFilter | None = None

    def set_vendors(self, vendors: list[str]) -> None:
        current = self.vendor.currentData() if self.vendor.currentIndex() > 0 else ""
        self._quiet = True
        self.vendor.clear()
        self.vendor.addItem("All vendors", "")
        for name in vendors:
            self.vendor.addItem(name, name)
        self._select(self.vendor, current)
        self._quiet = False

    def set_people(self, people: list[PersonInfo]) -> None:
        current = self.person.currentData() if self.person.currentIndex() > 0 else ""
        self._quiet = True
        self.person.clear()
        self.person.addItem("Anyone", "")
        for person in people:
            label = person.name + (f" <{person.email}>" if person.email else "")
            self.person.addItem(label, person.key)
        self._select(self.person, current)
        self._quiet = False

    @staticmethod
    def _select(box: QComboBox, data: str) -> None:
        index = box.findData(data) if data else 0
        box.setCurrentIndex(max(index, 0))

    @staticmethod
    def _chosen(box: QComboBox) -> str:
        """The data of the entry whose text is shown ("" when the text names none)."""
        text = box.currentText().strip()
        if not text:
            return ""
        index = box.findText(text, Qt.MatchFlag.MatchFixedString)
        return str(box.itemData(index) or "") if index >= 0 else ""

    def criteria(self) -> ClauseFilter:
        return ClauseFilter(
            vendor=self._chosen(self.vendor),
            contract=self.contract.text().strip(),
            status=str(self.status.currentData() or ""),
            reason=str(self.reason.currentData() or ""),
            min_criticality=int(self.criticality.currentData() or 1),
            person=self._chosen(self.person),
        )

    def set_criteria(self, criteria: ClauseFilter) -> None:
        """Show these criteria (and announce them once)."""
        self._quiet = True
        self._select(self.vendor, criteria.vendor)
        self.contract.setText(criteria.contract)
        self._select(self.status, criteria.status)
        self._select(self.reason, criteria.reason)
        index = self.criticality.findData(criteria.min_criticality)
        self.criticality.setCurrentIndex(max(index, 0))
        self._select(self.person, criteria.person)
        self._quiet = False
        self._timer.stop()
        self._emit()

    def _emit(self) -> None:
        if self._quiet:
            return
        criteria = self.criteria()
        if criteria != self._last:
            self._last = criteria
            self.changed.emit()
