"""The SLA workspace's table models: the contracts with SLAs and the credit months (lazy, for the
enterprise portfolio), one contract's SLAs with their compliance strips, and the measurement grid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.core import fields
from app.core.months import is_period_start
from app.errors import ClausekeeperError
from app.services.sla_workspace import (
    BREACHED,
    MET,
    MISSING,
    ContractDetail,
    CreditRow,
    SlaContract,
    SlaDetail,
    Standing,
)
from app.ui.display import show_money
from app.ui.forms import Column, RecordsModel

BATCH = 200  # rows handed to a view at a time
STRIP_ROLE = Qt.ItemDataRole.UserRole + 10  # the strip cells of an SLA row
COLOURS = {MET: "#16a34a", BREACHED: "#dc2626", MISSING: "#f59e0b", "not_due": "#e5e7eb"}
CELL_BACKGROUND = {MET: "#dcfce7", BREACHED: "#fee2e2", MISSING: "#fef3c7"}
STATE_TEXT = {MET: "met", BREACHED: "breached", MISSING: "missing", "not_due": "not due"}


def ratio_text(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f} %"


def number_text(value: Decimal | None) -> str:
    """A measured value as stored (no exponent, no trailing zeros added)."""
    return "" if value is None else format(value, "f")


def normalise_number(text: str) -> str:
    """Typed text with a decimal comma read as a point (99,5 is 99.5)."""
    text = text.strip()
    return text.replace(",", ".") if "," in text and "." not in text else text


def target_text(sla: SlaDetail) -> str:
    sign = "≥" if sla.direction == "higher" else "≤"
    unit = f" {sla.unit}" if sla.unit else ""
    return f"{sign} {number_text(sla.target)}{unit}"


class LazyRecordsModel(RecordsModel):
    """A RecordsModel that hands its rows to the view in batches (canFetchMore/fetchMore)."""

    def __init__(self, columns: list[Column], parent: QObject | None = None) -> None:
        super().__init__(columns, parent)
        self._shown = 0

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._shown = min(BATCH, len(self._rows))
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._shown

    def total(self) -> int:
        return len(self._rows)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if parent.isValid():
            return
        more = min(BATCH, len(self._rows) - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def show_row(self, row: int) -> None:
        """Make sure `row` is handed to the view (to select or scroll to it)."""
        while self._shown <= row < len(self._rows):
            self.fetchMore(QModelIndex())


class ContractsModel(LazyRecordsModel):
    """The contracts with SLAs; their figures arrive later (set_standings)."""

    def __init__(self, parent: QObject | None = None) -> None:
        self.standings: dict[int, Standing] = {}
        standing = self._standing
        columns = [
            Column("Contract", lambda r: r.reference),
            Column("Vendor", lambda r: r.vendor),
            Column("SLAs", lambda r: r.slas, right=True),
            Column("Compliance", lambda r: standing(r, "compliance"), ratio_text, right=True),
            Column("Breached", lambda r: standing(r, "breached"), _count, right=True),
            Column("Missing", lambda r: standing(r, "missing"), _count, right=True),
            Column("Outstanding", lambda r: r, self._outstanding_text, right=True),
        ]
        super().__init__(columns, parent)

    def _standing(self, row: SlaContract, name: str) -> Any:
        found = self.standings.get(row.contract_id)
        return None if found is None else getattr(found, name)

    def _outstanding_text(self, row: SlaContract) -> str:
        found = self.standings.get(row.contract_id)
        if found is None:
            return "…" if not self.standings else ""
        return show_money(found.outstanding, row.currency) if found.outstanding else ""

    def set_standings(self, standings: dict[int, Standing]) -> None:
        self.standings = standings
        if self._shown:
            self.dataChanged.emit(self.index(0, 3), self.index(self._shown - 1, 6))

    def row_of_contract(self, contract_id: int) -> int | None:
        for number, record in enumerate(self._rows):
            if record.contract_id == contract_id:
                return number
        return None


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


CREDIT_COLUMNS = [  # what to claim and by when first
    Column("Contract", lambda r: r.reference),
    Column("Month", lambda r: f"{r.month:%Y-%m}"),
    Column("Outstanding", lambda r: r, lambda r: show_money(r.outstanding, r.currency),
           right=True),
    Column("Claim by", lambda r: r.claim_by),
    Column("Days left", lambda r: r, lambda r: _days_left(r), right=True),
    Column("Status", lambda r: r, lambda r: credit_status(r)),
    Column("Due", lambda r: r, lambda r: show_money(r.due, r.currency), right=True),
    Column("Received", lambda r: r, lambda r: show_money(r.received, r.currency), right=True),
]


def credit_status(row: CreditRow) -> str:
    if row.lost:
        return "lost"
    if row.claimable:
        return "claimable"
    return "received"


def _days_left(row: CreditRow) -> str:
    return str(row.days_left) if row.claimable else ""


class CreditsModel(LazyRecordsModel):
    """Credit months, claimable first; red when lost, amber when the claim-by date is near."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(list(CREDIT_COLUMNS), parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            row: CreditRow = self._rows[index.row()]
            if row.lost:
                return QBrush(QColor("#b42318"))
            if row.claimable and row.days_left <= 7:
                return QBrush(QColor("#b45309"))
            return None
        return super().data(index, role)


class SlasModel(RecordsModel):
    """One contract's SLAs: definition, strip of the last periods, figures."""

    STRIP = 3  # the strip's column

    def __init__(self, parent: QObject | None = None) -> None:
        columns = [
            Column("SLA", lambda s: s.name),
            Column("Target", lambda s: s, target_text),
            Column("Compliance", lambda s: s.compliance, ratio_text, right=True),
            Column("Last 24 periods", lambda s: s, lambda _s: ""),
            Column("Measured", lambda s: s.measured, right=True),
            Column("Breached", lambda s: s.breached, right=True),
            Column("Missing", lambda s: s.missing, right=True),
            Column("Period", lambda s: s.period),
            Column("Credit", lambda s: s, lambda s: f"{number_text(s.credit_percent)} %",
                   right=True),
        ]
        super().__init__(columns, parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if index.isValid() and index.column() == self.STRIP and role == STRIP_ROLE:
            sla: SlaDetail = self._rows[index.row()]
            return sla
        return super().data(index, role)


Writer = Callable[[SlaDetail, date, str], bool]


class MeasurementGridModel(QAbstractTableModel):
    """Periods (rows, newest first) × the SLAs of one contract (columns); editable.

    A cell of a quarterly SLA is editable only in the first month of a quarter. Edits go to
    `writer(sla, period_start, text)`, which validates, asks and writes (True when written).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.detail: ContractDetail | None = None
        self.writer: Writer | None = None

    def set_detail(self, detail: ContractDetail | None) -> None:
        """Show a contract; the same contract reloaded keeps the view's current cell."""
        old = self.detail
        same = (
            old is not None and detail is not None and old.contract_id == detail.contract_id
            and old.months == detail.months
            and [s.sla_id for s in old.slas] == [s.sla_id for s in detail.slas]
        )
        if not same:
            self.beginResetModel()
            self.detail = detail
            self.endResetModel()
            return
        self.detail = detail
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.detail is None else len(self.detail.months)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.detail is None else len(self.detail.slas)

    def sla_at(self, column: int) -> SlaDetail:
        assert self.detail is not None
        return self.detail.slas[column]

    def month_at(self, row: int) -> date:
        assert self.detail is not None
        return self.detail.months[row]

    def cell(self, index: QModelIndex | QPersistentModelIndex) -> tuple[SlaDetail, date] | None:
        if not index.isValid() or self.detail is None:
            return None
        if not (0 <= index.row() < len(self.detail.months)
                and 0 <= index.column() < len(self.detail.slas)):
            return None
        return self.sla_at(index.column()), self.month_at(index.row())

    def value_at(self, sla: SlaDetail, start: date) -> tuple[Decimal, str | None] | None:
        assert self.detail is not None
        return self.detail.values.get((sla.sla_id, start))

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.detail is None:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.detail.slas):
            sla = self.detail.slas[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{sla.name}\n{target_text(sla)}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{sla.name}: {sla.period}, target {target_text(sla)}"
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.detail.months):
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{self.detail.months[section]:%Y-%m}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        found = self.cell(index)
        if found is None:
            return Qt.ItemFlag.NoItemFlags
        sla, start = found
        if not is_period_start(start, sla.period):
            return Qt.ItemFlag.NoItemFlags  # inside a quarter: not a period of its own
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        found = self.cell(index)
        if found is None:
            return None
        sla, start = found
        value = self.value_at(sla, start)
        starts = is_period_start(start, sla.period)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return "" if value is None else number_text(value[0])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        state = self.state(sla, start)
        if role == Qt.ItemDataRole.BackgroundRole:
            if not starts:
                return QBrush(QColor("#f3f4f6"))
            colour = CELL_BACKGROUND.get(state)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if not starts:
                return (f"{sla.name} is measured per quarter: enter its value in the quarter's "
                        "first month (Jan, Apr, Jul or Oct)")
            what = f"{sla.name}, {sla.period} period from {start.isoformat()}"
            if value is None:
                return f"{what}: not measured ({STATE_TEXT[state]}); target {target_text(sla)}"
            note = f"\n{value[1]}" if value[1] else ""
            return (f"{what}: {number_text(value[0])} ({STATE_TEXT[state]}); "
                    f"target {target_text(sla)}{note}")
        return None

    def state(self, sla: SlaDetail, start: date) -> str:
        from app.core.sla import meets

        value = self.value_at(sla, start)
        if value is not None:
            return MET if meets(value[0], sla.target, sla.direction) else BREACHED
        if sla.due_from is not None and sla.due_to is not None:
            if sla.due_from <= start <= sla.due_to:
                return MISSING
        return "not_due"

    def setData(  # noqa: N802
        self, index: QModelIndex | QPersistentModelIndex, value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        found = self.cell(index)
        if found is None or role != Qt.ItemDataRole.EditRole or self.writer is None:
            return False
        if not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        sla, start = found
        text = "" if value is None else str(value)
        return self.writer(sla, start, text)

    def put(self, sla: SlaDetail, start: date, value: Decimal | None) -> None:
        """Show a written value at once (the contract is reloaded on a worker afterwards)."""
        if self.detail is None:
            return
        key = (sla.sla_id, start)
        if value is None:
            self.detail.values.pop(key, None)
        else:
            old = self.detail.values.get(key)
            self.detail.values[key] = (value, old[1] if old else None)
        row = self.detail.months.index(start) if start in self.detail.months else -1
        column = self.detail.slas.index(sla) if sla in self.detail.slas else -1
        if row >= 0 and column >= 0:
            index = self.index(row, column)
            self.dataChanged.emit(index, index)


def check_value(text: str) -> str | None:
    """The problem with a typed measurement (None when it is a number, or empty)."""
    if not text.strip():
        return None
    try:
        fields.decimal(normalise_number(text), "value")
    except ClausekeeperError as exc:
        return str(exc)
    return None
