"""Delegates of the SLA workspace: the compliance strip (one coloured cell per period, value and
target in the tooltip) and the measurement grid's editor, checked as the user types."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QHelpEvent, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from app.services.sla_workspace import PeriodCell, SlaDetail
from app.ui.glossary import plain_tip
from app.ui.sla.models import COLOURS, STATE_TEXT, STRIP_ROLE, check_value, number_text, target_text

CELL = 10  # width of one period's cell
GAP = 2


def strip_tip(sla: SlaDetail, cell: PeriodCell) -> str:
    value = "not measured" if cell.value is None else f"value {number_text(cell.value)}"
    return (f"{sla.name}, period from {cell.start.isoformat()}: {STATE_TEXT[cell.state]}\n"
            f"{value}, target {target_text(sla)}")


class StripDelegate(QStyledItemDelegate):
    """Paints an SLA's last periods as a row of coloured cells, oldest on the left."""

    def _sla(self, index: QModelIndex | QPersistentModelIndex) -> SlaDetail | None:
        value = index.data(STRIP_ROLE)
        return value if isinstance(value, SlaDetail) else None

    def _rects(self, rect: QRect, count: int) -> list[QRect]:
        top = rect.top() + 4
        height = max(4, rect.height() - 8)
        return [QRect(rect.left() + 6 + i * (CELL + GAP), top, CELL, height) for i in range(count)]

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        sla = self._sla(index)
        if sla is None:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[operator]
            painter.fillRect(option.rect, option.palette.highlight())  # type: ignore[attr-defined]
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        for rect, cell in zip(self._rects(option.rect, len(sla.strip)), sla.strip,  # type: ignore[attr-defined]
                              strict=True):
            painter.setBrush(QColor(COLOURS[cell.state]))
            painter.drawRoundedRect(rect, 2, 2)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        sla = self._sla(index)
        if sla is None:
            return super().sizeHint(option, index)
        return QSize(12 + len(sla.strip) * (CELL + GAP), 22)

    def cell_at(
        self, rect: QRect, index: QModelIndex | QPersistentModelIndex, x: int
    ) -> PeriodCell | None:
        sla = self._sla(index)
        if sla is None:
            return None
        for cell_rect, cell in zip(self._rects(rect, len(sla.strip)), sla.strip, strict=True):
            if cell_rect.left() - GAP // 2 <= x <= cell_rect.right() + GAP // 2:
                return cell
        return None

    def helpEvent(  # noqa: N802
        self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        sla = self._sla(index)
        if sla is None or event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        cell = self.cell_at(option.rect, index, event.pos().x())  # type: ignore[attr-defined]
        if cell is None:
            QToolTip.hideText()
            return True
        QToolTip.showText(event.globalPos(), strip_tip(sla, cell), view)
        return True


class GridDelegate(QStyledItemDelegate):
    """A line editor that says at once when the text is not a number (`problem`)."""

    problem = Signal(str)  # the problem of the text being typed ("" when fine)

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("measurementEditor")
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        editor.textChanged.connect(lambda text, e=editor: self._check(e, text))
        return editor

    def _check(self, editor: QLineEdit, text: str) -> None:
        problem = check_value(text) or ""
        editor.setStyleSheet("background: #fee2e2; color: #9b1c1c;" if problem else "")
        editor.setToolTip(plain_tip(problem))
        self.problem.emit(problem)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(  # noqa: N802
        self, editor: QWidget, model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        if not isinstance(editor, QLineEdit):
            return
        text = editor.text()
        if text.strip() == str(index.data(Qt.ItemDataRole.EditRole) or "").strip():
            self.problem.emit("")
            return  # nothing changed
        model.setData(index, text, Qt.ItemDataRole.EditRole)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Enter on text that is not a number keeps the editor open (and says why)."""
        if (
            isinstance(watched, QLineEdit)
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            problem = check_value(watched.text())
            if problem:
                self.problem.emit(problem)
                return True
        return super().eventFilter(watched, event)
