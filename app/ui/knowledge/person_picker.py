"""Choosing people: a searchable list (one or many), and the "add an owner" dialog."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from app.core.knowledge import PersonInfo
from app.ui.context import AppContext

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2
LEVEL_TEXTS = {
    1: "1 — has read it",
    2: "2 — understands it",
    3: "3 — can apply and enforce it",
    4: "4 — can renegotiate it",
}


def person_label(person: PersonInfo, as_of: date) -> str:
    """'Ann Smith <ann@x> — leaves 2026-03-31' (or '— left …')."""
    text = person.name + (f" <{person.email}>" if person.email else "")
    if person.leaves_on is not None:
        verb = "left" if person.leaves_on < as_of else "leaves"
        text += f" — {verb} {person.leaves_on.isoformat()}"
    return text


class PersonPicker(QWidget):
    """A search field over a list of people.

    With `multiple`, each person has a check box (a click or Space ticks it) and the people
    ticked stay chosen while the search changes; otherwise the selected row is the choice.
    """

    selection_changed = Signal()

    def __init__(
        self, people: list[PersonInfo], as_of: date, *, multiple: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.search = QLineEdit(self)
        self.search.setObjectName("personSearch")
        self.search.setPlaceholderText("Search by name or e-mail")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        for person in people:
            item = QStandardItem(person_label(person, as_of))
            item.setData(person.key, KEY_ROLE)
            item.setData(person.name, NAME_ROLE)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if multiple:
                item.setData(Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
            if person.leaves_on is not None and person.leaves_on < as_of:
                item.setForeground(Qt.GlobalColor.gray)
            self.model.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.list = QListView(self)
        self.list.setObjectName("personList")
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.chosen_label = QLabel(self)
        self.chosen_label.setObjectName("chosenPeople")
        self.chosen_label.setWordWrap(True)
        if multiple:
            self.list.clicked.connect(self.toggle)
            self.list.installEventFilter(self)
            self.model.itemChanged.connect(lambda _item: self._changed())
        else:
            self.list.selectionModel().selectionChanged.connect(lambda *_: self._changed())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        if multiple:
            layout.addWidget(self.chosen_label)
        self._changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Space ticks or unticks the current person."""
        if (
            watched is self.list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
        ):
            self.toggle(self.list.currentIndex())
            return True
        return super().eventFilter(watched, event)

    def toggle(self, index: QModelIndex) -> None:
        """Tick or untick the person at a row of the (filtered) list."""
        if not index.isValid():
            return
        item = self.model.itemFromIndex(self.proxy.mapToSource(index))
        ticked = item.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        state = Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked
        item.setData(state, Qt.ItemDataRole.CheckStateRole)

    def _changed(self) -> None:
        if self.multiple:
            names = [str(self.model.item(r).data(NAME_ROLE)) for r in self._ticked_rows()]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6
                                            else "")
            self.chosen_label.setText(f"Chosen: {shown}" if names else "Nobody chosen yet.")
        self.selection_changed.emit()

    def _ticked_rows(self) -> list[int]:
        checked = Qt.CheckState.Checked
        return [r for r in range(self.model.rowCount())
                if self.model.item(r).data(Qt.ItemDataRole.CheckStateRole) == checked]

    def selected_keys(self) -> list[str]:
        if self.multiple:
            return [str(self.model.item(r).data(KEY_ROLE)) for r in self._ticked_rows()]
        rows = self.list.selectionModel().selectedRows()
        return [str(index.data(KEY_ROLE)) for index in rows]

    def select_keys(self, keys: list[str]) -> None:
        """Choose exactly these people (the search is cleared so they are all visible)."""
        self.search.clear()
        wanted = set(keys)
        selection = self.list.selectionModel()
        selection.clearSelection()
        for row in range(self.model.rowCount()):
            item = self.model.item(row)
            chosen = item.data(KEY_ROLE) in wanted
            if self.multiple:
                state = Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked
                if item.data(Qt.ItemDataRole.CheckStateRole) != state:
                    item.setData(state, Qt.ItemDataRole.CheckStateRole)
            elif chosen:
                index = self.proxy.mapFromSource(item.index())
                selection.select(index, selection.SelectionFlag.ClearAndSelect)
            if chosen:
                self.list.scrollTo(self.proxy.mapFromSource(item.index()))


class AddOwnerDialog(QDialog):
    """Pick a person and a level for the clauses named in the heading."""

    def __init__(
        self, ctx: AppContext, people: list[PersonInfo], what: str, default_level: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addOwnerDialog")
        self.setWindowTitle("Add an owner")
        heading = QLabel(f"Who knows <b>{what}</b>?", self)
        heading.setWordWrap(True)
        active = [p for p in people if p.leaves_on is None or p.leaves_on >= ctx.as_of]
        self.picker = PersonPicker(active, ctx.as_of, parent=self)
        self.level = QComboBox(self)
        self.level.setObjectName("ownerLevel")
        for level, text in LEVEL_TEXTS.items():
            self.level.addItem(text, level)
        self.level.setCurrentIndex(default_level - 1)
        form = QFormLayout()
        form.addRow("Level:", self.level)
        note = QLabel(f"The link is recorded as verified on {ctx.as_of.isoformat()}.", self)
        note.setStyleSheet("color: #555;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.picker.selection_changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.picker, 1)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(460, 520)
        self._update()

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.picker.selected_keys()))

    def chosen(self) -> tuple[str, int] | None:
        keys = self.picker.selected_keys()
        return (keys[0], int(self.level.currentData())) if keys else None
