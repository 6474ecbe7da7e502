"""The table model of a knowledge matrix (clauses × people), its cell editor and its table.

Each cell shows a person's level on a clause; the Status column is coloured by the clause's
status (app.ui.status_colors), with the reason and the current owners in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.services.knowledge_views import (
    BELOW,
    CURRENT,
    LEFT,
    STALE_LINK,
    KnowledgeMatrix,
    MatrixCell,
    MatrixClause,
    MatrixPerson,
)
from app.ui.knowledge.person_picker import LEVEL_TEXTS
from app.ui.status_colors import status_brush, status_label, text_brush

CONTRACT, NUMBER, TITLE, CRITICALITY, STATUS = range(5)
FIXED = ("Contract", "Clause", "Title", "Crit.", "Status")
FIRST_PERSON = len(FIXED)
PERSON_WIDTH = 100  # at least, for a person's column
STATE_TEXT = {
    CURRENT: "current: counts as an owner",
    STALE_LINK: "stale: verified too long ago, a re-check is due",
    BELOW: "below the understanding level: does not count as an owner",
    LEFT: "the person has left",
}
OWNER_TINT = QBrush(QColor("#dce8f6"))  # a current owner's cell
MUTED = QBrush(QColor("#7a7a7a"))


def ratio_text(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f} %"


def figures_text(figures: Any) -> str:
    truck = "—" if figures.truck_factor is None else str(figures.truck_factor)
    return (
        f"coverage {ratio_text(figures.coverage)} · truck factor {truck} · "
        f"{figures.orphaned:,} orphaned · {figures.at_risk:,} at risk · "
        f"{figures.single:,} single owner · {figures.covered:,} covered"
    )


class MatrixModel(QAbstractTableModel):
    """The rows and columns of a KnowledgeMatrix; editing a cell asks `on_edit` to do it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.matrix: KnowledgeMatrix | None = None
        self.on_edit: Callable[[MatrixClause, MatrixPerson, int], bool] | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_matrix(self, matrix: KnowledgeMatrix | None) -> None:
        self.beginResetModel()
        self.matrix = matrix
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid() or self.matrix is None:
            return 0
        return len(self.matrix.clauses)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return FIRST_PERSON + (len(self.matrix.people) if self.matrix else 0)

    def clause_at(self, row: int) -> MatrixClause | None:
        if self.matrix is None or not 0 <= row < len(self.matrix.clauses):
            return None
        return self.matrix.clauses[row]

    def person_at(self, column: int) -> MatrixPerson | None:
        if self.matrix is None or not 0 <= column - FIRST_PERSON < len(self.matrix.people):
            return None
        return self.matrix.people[column - FIRST_PERSON]

    def cell_at(self, row: int, column: int) -> MatrixCell | None:
        clause, person = self.clause_at(row), self.person_at(column)
        if self.matrix is None or clause is None or person is None:
            return None
        return self.matrix.cell(clause.clause_id, person.id)

    def row_of(self, clause_id: int) -> int | None:
        for row, clause in enumerate(self.matrix.clauses if self.matrix else []):
            if clause.clause_id == clause_id:
                return row
        return None

    def column_of(self, person_id: int) -> int | None:
        for offset, person in enumerate(self.matrix.people if self.matrix else []):
            if person.id == person_id:
                return FIRST_PERSON + offset
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        person = self.person_at(section)
        if person is None:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < FIRST_PERSON:
                return FIXED[section]
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if not person.active:
                return f"{person.name}\nleft"
            if person.leaving_soon and person.leaves_on is not None:
                return f"{person.name}\nleaves {person.leaves_on.isoformat()}"
            return person.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [person.name, person.email or person.key]
            if person.leaves_on is not None:
                lines.append(f"last working day {person.leaves_on.isoformat()}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and (not person.active or person.leaving_soon):
            return QBrush(QColor("#a33b00" if person.active else "#7a7a7a"))
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() >= FIRST_PERSON:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        clause = self.clause_at(index.row()) if index.isValid() else None
        if clause is None:
            return None
        column = index.column()
        if column >= FIRST_PERSON:
            return self._cell_data(index.row(), column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == CONTRACT:
                return clause.contract
            if column == NUMBER:
                return clause.number
            if column == TITLE:
                return clause.title
            if column == CRITICALITY:
                return str(clause.criticality)
            return status_label(clause.status, clause.reason)
        if column == STATUS:
            if role == Qt.ItemDataRole.BackgroundRole:
                return status_brush(clause.status)
            if role == Qt.ItemDataRole.ForegroundRole:
                return text_brush()
            if role == Qt.ItemDataRole.ToolTipRole:
                owners = ", ".join(clause.owners) if clause.owners else "nobody"
                return f"{status_label(clause.status, clause.reason)}\nCurrent owners: {owners}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == CRITICALITY:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == TITLE:
            return clause.title
        return None

    def _cell_data(self, row: int, column: int, role: int) -> Any:
        cell = self.cell_at(row, column)
        if role == Qt.ItemDataRole.EditRole:
            return 0 if cell is None else cell.level
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if cell.state == STALE_LINK:
                return f"{cell.level} (stale)"
            if cell.state == LEFT:
                return f"{cell.level} (left)"
            return str(cell.level)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and cell.state == CURRENT:
            return OWNER_TINT
        if role == Qt.ItemDataRole.ForegroundRole and cell.state != CURRENT:
            return MUTED
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if cell.state == CURRENT else self._italic
        if role == Qt.ItemDataRole.ToolTipRole:
            person = self.person_at(column)
            name = person.name if person else ""
            return (
                f"{name}: level {LEVEL_TEXTS[cell.level]}\n"
                f"verified on {cell.verified_on.isoformat()}\n{STATE_TEXT[cell.state]}"
            )
        return None

    def setData(  # noqa: N802
        self, index: QModelIndex | QPersistentModelIndex, value: Any,
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        clause = self.clause_at(index.row())
        person = self.person_at(index.column())
        if role != Qt.ItemDataRole.EditRole or clause is None or person is None:
            return False
        if self.on_edit is None:
            return False
        return self.on_edit(clause, person, int(value))


class LevelDelegate(QStyledItemDelegate):
    """A drop-down of the levels (and "no link") for a person's cell."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QComboBox(parent)
        editor.setObjectName("levelEditor")
        editor.addItem("(no link)", 0)
        for level, text in LEVEL_TEXTS.items():
            editor.addItem(text, level)
        editor.activated.connect(lambda _i: self._commit(editor))
        return editor

    def _commit(self, editor: QComboBox) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(int(index.data(Qt.ItemDataRole.EditRole) or 0))

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if isinstance(editor, QComboBox):
            level = int(editor.currentData())
            if level != int(index.data(Qt.ItemDataRole.EditRole) or 0):
                model.setData(index, level, Qt.ItemDataRole.EditRole)


class MatrixTable(QTableView):
    """Digits 1-4 set the level of the selected cells, 0 or Delete removes their links."""

    key_level = Signal(int)  # 0: remove

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_4 and not event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier
        ):
            self.key_level.emit(int(key) - int(Qt.Key.Key_0))
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.key_level.emit(0)
            return
        super().keyPressEvent(event)
