"""The one list table of the application: what every list does with the keyboard.

No column is narrower than its header, so no header is cut off at any window size.

- Enter (or Return) opens the selected row, like a double-click (`open_requested`); the key does
  not reach the dialog around the table, so it never presses OK behind the user's back.
- Tab leaves the table for the next field instead of walking its cells.
- A selection survives filtering and reloading: the same record stays selected when it is still
  listed, else the first row is, so Enter after typing a filter opens what is shown.
- A refresh because the data changed (here or at another desk) keeps the user's place: inside
  `keep_place(view)` the rows may be reloaded and the selection put back, and the scroll
  position is the same afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTableView, QWidget

ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the record's id (app.ui.forms.ID_ROLE)


@contextmanager
def keep_place(view: QAbstractItemView) -> Iterator[None]:
    """Reload inside the block; the view scrolls back to where it was (selection aside)."""
    vertical = view.verticalScrollBar().value()
    horizontal = view.horizontalScrollBar().value()
    try:
        yield
    finally:
        reached = _scroll_to(view, vertical, horizontal)
        # The rows' layout may be finished later (a range still too short): once more then,
        # unless the user has scrolled meanwhile.
        if isinstance(view, ListTable) and view._restore_timer.isActive():
            view._place = (vertical, horizontal, *reached)  # after the selection is restored
        else:
            QTimer.singleShot(0, view, lambda: _scroll_back(view, (vertical, horizontal,
                                                                   *reached)))


def _scroll_to(view: QAbstractItemView, vertical: int, horizontal: int) -> tuple[int, int]:
    """Scroll to these values; returns where the scroll bars are now."""
    view.updateGeometries()  # the scroll ranges of the new rows
    view.verticalScrollBar().setValue(vertical)
    view.horizontalScrollBar().setValue(horizontal)
    return view.verticalScrollBar().value(), view.horizontalScrollBar().value()


def _scroll_back(view: QAbstractItemView, place: tuple[int, int, int, int]) -> None:
    """The second try of keep_place: only when nobody scrolled since the first."""
    vertical, horizontal, reached_v, reached_h = place
    now = (view.verticalScrollBar().value(), view.horizontalScrollBar().value())
    if now == (reached_v, reached_h) and now != (vertical, horizontal):
        _scroll_to(view, vertical, horizontal)


def _default_key(index: QModelIndex) -> Any:
    first = index.siblingAtColumn(0)
    ident = first.data(ID_ROLE)
    return ident if ident is not None else first.data()


class ListTable(QTableView):
    """A read-only table of records, one row per record."""

    open_requested = Signal(QModelIndex)  # Enter, Return or a double-click on a row

    def __init__(
        self, parent: QWidget | None = None, *, multi: bool = False,
        key: Callable[[QModelIndex], Any] = _default_key,
    ) -> None:
        super().__init__(parent)
        self._key = key
        self._remembered: Any = None
        self._remembered_text: Any = None
        self._had_selection = False
        self._place: tuple[int, int, int, int] | None = None
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                              else QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.doubleClicked.connect(self.open_requested)
        # a filter removes rows in batches: put the selection back once, after the last one
        self._restore_timer = QTimer(self)
        self._restore_timer.setSingleShot(True)
        self._restore_timer.setInterval(0)
        self._restore_timer.timeout.connect(self.restore_selection)

    # --- nothing cut off ------------------------------------------------------------------------

    def header_width(self, section: int) -> int:
        """The width a column needs to show its whole header (with room for the sort arrow)."""
        model = self.model()
        header = self.horizontalHeader()
        text = "" if model is None else str(
            model.headerData(section, Qt.Orientation.Horizontal) or "")
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        font = QFont(header.font())
        font.setBold(True)  # some styles draw the sorted column's header bold
        return QFontMetrics(font).horizontalAdvance(text) + 4 * margin + 16

    def fit_headers(self) -> None:
        """Widen every column that is narrower than its header (never narrows one)."""
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        for section in range(model.columnCount()):
            if self.isColumnHidden(section):
                continue
            needed = self.header_width(section)
            if header.sectionSize(section) < needed:
                header.resizeSection(section, needed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        self.fit_headers()

    # --- keyboard ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            index = self.currentIndex()
            rows = self.selectionModel().selectedRows() if self.selectionModel() else []
            if rows and (not index.isValid() or not self.selectionModel().isRowSelected(
                    index.row(), index.parent())):
                index = rows[0]
            if index.isValid() and rows:
                self.open_requested.emit(index)
            event.accept()
            return
        super().keyPressEvent(event)

    # --- the selection through filtering -------------------------------------------------------

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 (Qt naming)
        old = self.model()
        if old is not None:
            for signal, slot in self._connections(old):
                signal.disconnect(slot)
        super().setModel(model)
        if model is not None:
            for signal, slot in self._connections(model):
                signal.connect(slot)

    def _connections(self, model: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [
            (model.modelAboutToBeReset, self._remember),
            (model.layoutAboutToBeChanged, self._remember),
            (model.rowsAboutToBeRemoved, self._remember),
            (model.modelReset, self._restore_later),
            (model.layoutChanged, self._restore_later),
            (model.rowsRemoved, self._restore_later),
            (model.rowsInserted, self._restore_later),
        ]

    def _remember(self, *_args: Any) -> None:
        selection = self.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        if rows:
            self._had_selection = True
            self._remembered = self._key(rows[0])
            self._remembered_text = rows[0].siblingAtColumn(0).data()

    def _restore_later(self, *_args: Any) -> None:
        self._restore_timer.start()

    def restore_selection(self) -> None:
        """Select the remembered record again (or the first row) when nothing is selected."""
        self.fit_headers()
        place, self._place = self._place, None
        try:
            self._restore_selection(keep_scroll=place is not None)
        finally:
            if place is not None:
                _scroll_back(self, place)

    def _restore_selection(self, *, keep_scroll: bool) -> None:
        selection = self.selectionModel()
        model = self.model()
        if selection is None or model is None or not self._had_selection:
            return
        if selection.selectedRows():
            self._remembered = self._key(selection.selectedRows()[0])
            self._remembered_text = selection.selectedRows()[0].siblingAtColumn(0).data()
            return
        if model.rowCount() == 0:
            return  # nothing listed: select again once something is
        row: int | None = None
        by_text: int | None = None
        for number in range(model.rowCount()):
            index = model.index(number, 0)
            if self._key(index) == self._remembered:
                row = number
                break
            if by_text is None and index.data() == self._remembered_text:
                by_text = number  # the same record re-created under a new id (an undo)
        if row is None:
            row = by_text if by_text is not None else 0
        index = model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        selection.setCurrentIndex(index, flags)
        if not keep_scroll:
            self.scrollTo(index)
