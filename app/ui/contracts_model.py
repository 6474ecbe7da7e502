"""The contract list as a lazily loaded Qt table model: filter, sort and paging happen in SQL.

Rows arrive in pages of PAGE_SIZE through canFetchMore/fetchMore as the view scrolls; sort() and
the filter re-run the count and the first page (app.store.portfolio_queries). Status and the next
deadline are computed (SPEC §2) for the rows loaded only; the status *filter* uses the per-as-of
status sets, computed once and kept until the data or the as-of date changes.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
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
from PySide6.QtGui import QBrush, QColor
from sqlalchemy.exc import SQLAlchemyError

from app.core.terms import Position, evaluate
from app.store import portfolio_queries as queries
from app.store.engine import Database
from app.ui import glossary
from app.ui.display import show_date, show_money
from app.ui.forms import ID_ROLE, SORT_ROLE, align_right

REFERENCE_ROLE = Qt.ItemDataRole.UserRole + 3  # the contract reference
PAGE_SIZE = 200
KEEP_LOADED = 2_000  # rows loaded again when the data changed (the rest: by scrolling again)

(
    REFERENCE,
    TITLE,
    VENDOR,
    OWNER,
    CATEGORY,
    RENEWAL,
    START,
    VALUE,
    STATUS,
    DEADLINE,
) = range(10)

HEADERS = {
    REFERENCE: "Reference",
    TITLE: "Title",
    VENDOR: "Vendor",
    OWNER: "Owner",
    CATEGORY: "Category",
    RENEWAL: "Renewal",
    START: "Start",
    VALUE: "Annual value",
    STATUS: "Status",
    DEADLINE: "Next deadline",
}
COLUMN_COUNT = len(HEADERS)

# Columns sorted in SQL; status and deadline are computed per row and cannot be.
SORT_KEYS = {
    REFERENCE: "reference",
    TITLE: "title",
    VENDOR: "vendor",
    OWNER: "owner",
    CATEGORY: "category",
    RENEWAL: "renewal",
    START: "start_date",
    VALUE: "annual_value",
}

STATUS_LABELS = {**glossary.STATUS_WORDS, queries.NEEDS_REVIEW: "needs review"}
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        SORT_ROLE,
        ID_ROLE,
        REFERENCE_ROLE,
    }
)
_GREY = QColor("#777777")
_WARN = QColor("#b35c00")


class ContractsModel(QAbstractTableModel):
    """The contract list; `set_filter` and `sort` reload from SQL and time the query."""

    reloaded = Signal(int)  # the number of contracts the filter keeps

    def __init__(self, db: Database, as_of: date, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._as_of = as_of
        self._filter = queries.ContractFilter()
        self._sort_key = "reference"
        self._descending = False
        self._rows: list[queries.ContractRow] = []
        self._positions: dict[int, Position] = {}
        self._shown: dict[int, tuple[str, ...]] = {}  # display texts per contract id
        self._total = 0
        self._sets: queries.StatusSets | None = None
        self.last_query_ms = 0.0  # count + first page of the last reload
        self.status_sets_ms = 0.0
        self._text_prepared = False

    # --- state ----------------------------------------------------------------------------

    @property
    def filter(self) -> queries.ContractFilter:
        return self._filter

    @property
    def total(self) -> int:
        return self._total

    @property
    def sort_key(self) -> str:
        return self._sort_key

    def set_database(self, db: Database) -> None:
        self._db = db
        self.invalidate()

    def set_as_of(self, as_of: date) -> None:
        if as_of != self._as_of:
            self._as_of = as_of
            self._sets = None
            self.reload()

    def invalidate(self, *, keep_loaded: bool = False) -> None:
        """Forget computed statuses (the data changed) and reload; `keep_loaded` loads as many
        rows as were loaded, up to KEEP_LOADED (the view then keeps its scroll position; 2,000
        rows take about 0.1 s on the enterprise demo, 10,000 about 0.4 s)."""
        self._sets = None
        kept = min(max(PAGE_SIZE, len(self._rows)), KEEP_LOADED) if keep_loaded else PAGE_SIZE
        self.reload(kept)

    def set_filter(self, flt: queries.ContractFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self.reload()

    def set_text(self, text: str) -> None:
        self.set_filter(replace(self._filter, text=text))

    def _status_sets(self) -> queries.StatusSets | None:
        status = self._filter.status
        if not status or status == queries.NEEDS_REVIEW:
            return None
        if self._sets is None or self._sets.as_of != self._as_of:
            started = time.perf_counter()
            with self._db.session() as session:
                self._sets = queries.status_sets(session, self._as_of)
            self.status_sets_ms = (time.perf_counter() - started) * 1000
        return self._sets

    def reload(self, limit: int = PAGE_SIZE) -> None:
        """Count and load the first `limit` rows again."""
        sets = self._status_sets()
        started = time.perf_counter()
        with self._db.session() as session:
            rows = queries.fetch_contracts(
                session,
                self._filter,
                sets,
                sort=self._sort_key,
                descending=self._descending,
                offset=0,
                limit=limit,
            )
            # A short first page is the whole list: no count query needed.
            full = len(rows) == limit
            total = queries.count_contracts(session, self._filter, sets) if full else len(rows)
        self.last_query_ms = (time.perf_counter() - started) * 1000
        self.beginResetModel()
        self._rows = rows
        self._total = total
        self._positions = {}
        self._shown = {}
        self.endResetModel()
        self.reloaded.emit(total)
        if not self._text_prepared:
            self._text_prepared = True
            QTimer.singleShot(0, self, self._prepare_text_filter)

    def _prepare_text_filter(self) -> None:
        """Run the queries of a text filter once, unseen (they match nothing), so that the
        first keystroke in the filter does not pay for compiling them."""
        probe = replace(self._filter, text="\x00", status="")
        try:
            with self._db.session() as session:
                queries.fetch_contracts(session, probe, None, sort=self._sort_key, limit=PAGE_SIZE)
                queries.count_contracts(session, probe, None)
        except SQLAlchemyError:  # only a head start: the keystroke will say what is wrong
            pass

    # --- lazy loading -----------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid():
            return
        with self._db.session() as session:
            rows = queries.fetch_contracts(
                session,
                self._filter,
                self._sets if self._filter.status else None,
                sort=self._sort_key,
                descending=self._descending,
                offset=len(self._rows),
                limit=PAGE_SIZE,
            )
        if not rows:
            self._total = len(self._rows)  # rows were deleted meanwhile
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Load every remaining page (tests, select-all)."""
        while self.canFetchMore():
            self.fetchMore()

    # --- Qt model interface -------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in HEADERS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            key = {STATUS: "as_of", DEADLINE: "deadline", RENEWAL: "term"}.get(section)
            note = ("" if section in SORT_KEYS else
                    f"{HEADERS[section]} is computed for the as-of date and cannot be sorted on.")
            return glossary.tip(key, lead=note) if key else glossary.wrap(note) or None
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def row_at(self, row: int) -> queries.ContractRow:
        return self._rows[row]

    def position(self, row: queries.ContractRow) -> Position:
        found = self._positions.get(row.id)
        if found is None:
            found = evaluate(row.terms, self._as_of)
            self._positions[row.id] = found
        return found

    def status_of(self, row: queries.ContractRow) -> str:
        if row.terms.needs_review:
            return queries.NEEDS_REVIEW
        return self.position(row).status

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        number = index.row()
        if not 0 <= number < len(self._rows):
            return None
        row = self._rows[number]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self._shown.get(row.id)
            if texts is None:
                texts = tuple(self._display(row, c) for c in range(COLUMN_COUNT))
                self._shown[row.id] = texts
            return texts[column] if 0 <= column < COLUMN_COUNT else None
        if role == ID_ROLE:
            return row.id
        if role == REFERENCE_ROLE:
            return row.reference
        if role == SORT_ROLE:
            return self._value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == VALUE:
            return align_right()
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            status = self.status_of(row)
            if status in ("expired", "terminated"):
                return QBrush(_GREY)
            if status == queries.NEEDS_REVIEW:
                return QBrush(_WARN)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _tooltip(self, row: queries.ContractRow, column: int) -> str | None:
        """What the status, renewal and deadline words mean (app.core.glossary)."""
        if column == STATUS:
            status = self.status_of(row)
            return glossary.tip("needs_review" if status == queries.NEEDS_REVIEW else status)
        if column == RENEWAL:
            return glossary.tip(row.renewal)
        if column == DEADLINE and not row.terms.needs_review:
            position = self.position(row)
            return glossary.tip(position.deadline_kind) if position.deadline_kind else None
        return None

    def _value(self, row: queries.ContractRow, column: int) -> Any:
        """The native value of a cell (str, date, Decimal or None)."""
        if column == REFERENCE:
            return row.reference
        if column == TITLE:
            return row.title
        if column == VENDOR:
            return row.vendor
        if column == OWNER:
            return row.owner
        if column == CATEGORY:
            return row.category
        if column == RENEWAL:
            return row.renewal
        if column == START:
            return row.start_date
        if column == VALUE:
            return row.annual_value
        if column == STATUS:
            return self.status_of(row)
        if column == DEADLINE:
            return None if row.terms.needs_review else self.position(row).deadline
        return None

    def _display(self, row: queries.ContractRow, column: int) -> str:
        if column == VALUE:
            return show_money(row.annual_value, row.currency)
        if column == STATUS:
            return STATUS_LABELS.get(self.status_of(row), self.status_of(row))
        if column == RENEWAL:
            return glossary.words(row.renewal, glossary.RENEWAL_WORDS)
        if column == DEADLINE:
            if row.terms.needs_review:
                return "unknown"
            position = self.position(row)
            if position.deadline is None:
                return "no end"
            kind = glossary.words(position.deadline_kind, glossary.DEADLINE_WORDS)
            return f"{kind} {show_date(position.deadline)}"
        value = self._value(row, column)
        if isinstance(value, date):
            return show_date(value)
        return "" if value is None else str(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return  # computed column: keep the current order
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._sort_key, self._descending):
            self._sort_key, self._descending = key, descending
            self.reload()

    def sort_column(self) -> int:
        return next(c for c, k in SORT_KEYS.items() if k == self._sort_key)

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def row_of(self, contract_id: int) -> int | None:
        """The row of a loaded contract."""
        for number, row in enumerate(self._rows):
            if row.id == contract_id:
                return number
        return None
