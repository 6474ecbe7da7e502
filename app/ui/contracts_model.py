"""The contract list as a lazily loaded Qt table model.

The vendor, renewal and status filters and the order are applied in SQL, which gives the ids of
every contract kept, in order, with the texts the filter box searches
(app.store.portfolio_queries.contract_search); typing in the filter box then searches those in
memory, with no query per keystroke. Rows are read by id in pages of PAGE_SIZE through
canFetchMore/fetchMore as the view scrolls, and kept until the data changes. Status and the next
deadline are computed (SPEC §2) for the rows shown only; the status *filter* uses the per-as-of
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
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from sqlalchemy.orm import Session

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
# the roles as plain ints: data() compares them for every cell the view paints
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_SORT, _ID, _REFERENCE = int(SORT_ROLE), int(ID_ROLE), int(REFERENCE_ROLE)
_ROLES = frozenset({_DISPLAY, _ALIGNMENT, _FOREGROUND, _TOOLTIP, _SORT, _ID, _REFERENCE})
_GREY = QColor("#777777")
_WARN = QColor("#b35c00")


def _same(made_for: tuple[Any, ...], wanted: tuple[Any, ...]) -> bool:
    """The same filters and order, and the very same status sets (they are remade, not
    changed, when the data or the as-of date changes)."""
    return made_for[:-1] == wanted[:-1] and made_for[-1] is wanted[-1]


class ContractsModel(QAbstractTableModel):
    """The contract list; `set_filter` and `sort` reload (the text filter from memory)."""

    reloaded = Signal(int)  # the number of contracts the filter keeps

    def __init__(self, db: Database, as_of: date, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._as_of = as_of
        self._filter = queries.ContractFilter()
        self._sort_key = "reference"
        self._descending = False
        self._ids: list[int] = []  # every contract the filter keeps, in list order
        self._rows: list[queries.ContractRow] = []  # the first len(_rows) of them, loaded
        self._loaded: dict[int, queries.ContractRow] = {}  # rows read since the data changed
        self._positions: dict[int, Position] = {}
        self._shown: dict[int, tuple[str, ...]] = {}  # display texts per contract id
        self._sets: queries.StatusSets | None = None
        # the list but for the text filter (what the search was made for, the search)
        self._search: tuple[tuple[Any, ...], queries.ContractSearch] | None = None
        self.last_query_ms = 0.0  # the last reload: the search (if made again) and first page
        self.status_sets_ms = 0.0

    # --- state ----------------------------------------------------------------------------

    @property
    def filter(self) -> queries.ContractFilter:
        return self._filter

    @property
    def total(self) -> int:
        return len(self._ids)

    @property
    def sort_key(self) -> str:
        return self._sort_key

    def set_database(self, db: Database) -> None:
        self._db = db
        self.invalidate()

    def set_as_of(self, as_of: date) -> None:
        if as_of != self._as_of:
            self._as_of = as_of
            self._sets = self._search = None
            self._positions, self._shown = {}, {}
            self.reload()

    def invalidate(self, *, keep_loaded: bool = False) -> None:
        """Forget computed statuses and the rows read (the data changed) and reload;
        `keep_loaded` loads as many rows as were loaded, up to KEEP_LOADED (the view then keeps
        its scroll position; 2,000 rows take about 0.1 s on the enterprise demo)."""
        self._sets = None
        self._search = None
        self._loaded, self._positions, self._shown = {}, {}, {}
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

    def _searched(
        self, session: Session, sets: queries.StatusSets | None
    ) -> queries.ContractSearch:
        """The search of the list but for its text: made again only when the other filters,
        the order or the data changed (typing in the filter box asks no query)."""
        made_for = (replace(self._filter, text=""), self._sort_key, self._descending, sets)
        if self._search is None or not _same(self._search[0], made_for):
            search = queries.contract_search(session, self._filter, sets, sort=self._sort_key,
                                             descending=self._descending)
            self._search = (made_for, search)
        return self._search[1]

    def reload(self, limit: int = PAGE_SIZE) -> None:
        """Filter the list again and load its first `limit` rows."""
        sets = self._status_sets()
        started = time.perf_counter()
        with self._db.session() as session:
            ids = self._searched(session, sets).matching(self._filter.text)
            rows = self._read(session, ids, 0, limit)
        self.last_query_ms = (time.perf_counter() - started) * 1000
        self.beginResetModel()
        self._ids = ids
        self._rows = rows
        self.endResetModel()
        self.reloaded.emit(len(ids))

    def _read(
        self, session: Session, ids: list[int], start: int, count: int
    ) -> list[queries.ContractRow]:
        """The rows of ids[start:start + count]; contracts deleted meanwhile leave `ids`."""
        loaded = self._loaded
        wanted = ids[start : start + count]
        missing = [i for i in wanted if i not in loaded]
        if missing:
            loaded.update(queries.contracts_by_id(session, missing))
        rows = [loaded[i] for i in wanted if i in loaded]
        if len(rows) < len(wanted):
            ids[start : start + count] = [row.id for row in rows]
        return rows

    # --- lazy loading -----------------------------------------------------------------------

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid():
            return
        first = len(self._rows)
        with self._db.session() as session:
            rows = self._read(session, self._ids, first, PAGE_SIZE)
        if not rows:
            return
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
        self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY
    ) -> Any:
        # Called for every cell and role the view paints: other roles return at once, and the
        # displayed texts are made once per row (an invalid index has row -1).
        if role not in _ROLES:
            return None
        number = index.row()
        rows = self._rows
        if not 0 <= number < len(rows):
            return None
        row = rows[number]
        column = index.column()
        if role == _DISPLAY:
            texts = self._shown.get(row.id)
            if texts is None:
                texts = self._shown[row.id] = tuple(
                    self._display(row, c) for c in range(COLUMN_COUNT))
            return texts[column] if 0 <= column < COLUMN_COUNT else None
        if role == _ALIGNMENT:
            return align_right() if column == VALUE else None
        if role == _FOREGROUND:
            if column != STATUS:
                return None
            status = self.status_of(row)
            if status in ("expired", "terminated"):
                return QBrush(_GREY)
            if status == queries.NEEDS_REVIEW:
                return QBrush(_WARN)
            return None
        if role == _ID:
            return row.id
        if role == _REFERENCE:
            return row.reference
        if role == _SORT:
            return self._value(row, column)
        return self._tooltip(row, column)

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
