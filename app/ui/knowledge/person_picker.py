"""Choosing people: a searchable list (one or many), and the "add an owner" dialog."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
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
    """A search field over a list of people; single or multiple selection."""

    selection_changed = Signal()

    def __init__(
        self, people: list[PersonInfo], as_of: date, *, multiple: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setObjectName("personSearch")
        self.search.setPlaceholderText("Search by name or e-mail")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        for person in people:
            item = QStandardItem(person_label(person, as_of))
            item.setData(person.key, KEY_ROLE)
            item.setEditable(False)
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
        self.list.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection if multiple
            else QAbstractItemView.SelectionMode.SingleSelection
        )
        self.list.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit()
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)

    def selected_keys(self) -> list[str]:
        rows = sorted(self.list.selectionModel().selectedRows(), key=lambda i: i.row())
        return [str(index.data(KEY_ROLE)) for index in rows]

    def select_keys(self, keys: list[str]) -> None:
        """Select these people (the search is cleared so they are all visible)."""
        self.search.clear()
        wanted = set(keys)
        selection = self.list.selectionModel()
        selection.clearSelection()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(KEY_ROLE) in wanted:
                selection.select(index, selection.SelectionFlag.Select)
                self.list.scrollTo(index)


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
