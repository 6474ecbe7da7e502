"""The Vendors page: every vendor with its number of contracts; New, Edit, Delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ClausekeeperError
from app.store import portfolio_queries as queries
from app.ui import undo
from app.ui.context import AppContext
from app.ui.entity_dialogs import VendorDialog
from app.ui.forms import (
    Column,
    FormDialog,
    RecordsModel,
    RecordsProxy,
    confirm,
    record_table,
    selected_id,
)
from app.ui.tables import keep_place

NAME, COUNTRY, CONTACT, EMAIL, CONTRACTS = range(5)


class RecordListView(QWidget):
    """A filterable, sortable list of records with buttons under it (vendors, people)."""

    entities: tuple[str, ...] = ("*",)
    noun = "record"
    plural = ""  # when not noun + "s"

    def __init__(
        self, ctx: AppContext, columns: list[Column], name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RecordsModel(columns, self)
        self.proxy = RecordsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName(f"{name}Filter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText("Filter  (Ctrl+F)")
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.count_label = QLabel(self)
        self.table = record_table(self, self.proxy, f"{name}Table")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.open_requested.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.proxy.modelReset.connect(self._update_buttons)
        self.proxy.rowsInserted.connect(self._show_count)
        self.proxy.rowsRemoved.connect(self._show_count)
        self.proxy.modelReset.connect(self._show_count)
        delete_key = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_selected)
        ctx.gate.writes(delete_key)
        self.buttons = QHBoxLayout()
        self.buttons.addWidget(self.count_label, 1)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(self.buttons)
        self._selection_buttons: list[QPushButton] = []
        ctx.data_changed.connect(self._data_changed)

    def add_button(
        self, text: str, slot: Callable[[], Any], needs_selection: bool = False,
        *, writes: bool = True,
    ) -> QPushButton:
        """A button under the list; `writes` ones are off while editing is (app.ui.editing)."""
        button = QPushButton(text, self)
        button.clicked.connect(lambda _checked=False: slot())
        self.buttons.addWidget(button)
        if writes:
            self.ctx.gate.writes(button)
        if needs_selection:
            self._selection_buttons.append(button)
            button.setEnabled(False)
        return button

    def load(self) -> list[Any]:
        """The records to show (subclasses)."""
        return []

    def refresh(self) -> None:
        """Load the rows again; the selection, scroll position, sort and filter stay."""
        selected = self.selected_id()
        with keep_place(self.table):
            self.model.set_rows(self.load())
            if selected is not None:
                self.select(selected)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def selected_id(self) -> int | None:
        return selected_id(self.table)

    def select(self, record_id: int) -> bool:
        row = self.model.row_of(record_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _show_count(self, *_args: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = self.noun if total == 1 else (self.plural or f"{self.noun}s")
        text = f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}"
        self.count_label.setText(text)

    def _update_buttons(self, *_args: object) -> None:
        selected = self.selected_id() is not None
        for button in self._selection_buttons:
            button.setEnabled(selected)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.edit_selected()

    def _data_changed(self, entity: str) -> None:
        if entity in self.entities:
            self.refresh()

    def open_dialog(self, dialog: FormDialog) -> FormDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def run(self, command: undo.StoreCommand) -> bool:
        try:
            undo.execute(self.ctx, command)
        except ClausekeeperError as exc:
            from app.ui.workers import show_error

            show_error(self, exc)
            return False
        return True

    def edit_selected(self) -> FormDialog | None:
        return None

    def delete_selected(self) -> bool:
        return False


class VendorsView(RecordListView):
    """Every vendor, by name."""

    entities = ("*", "Vendor", "Contract")
    noun = "vendor"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        columns = [
            Column("Name", lambda r: r.name),
            Column("Country", lambda r: r.country),
            Column("Contact", lambda r: r.contact_name),
            Column("E-mail", lambda r: r.contact_email),
            Column("Contracts", lambda r: r.contracts, right=True),
        ]
        super().__init__(ctx, columns, "vendors", parent)
        self.setObjectName("vendorsView")
        self.filter_edit.setPlaceholderText("Filter vendors  (Ctrl+F)")
        header = self.table.horizontalHeader()
        for column, width in ((NAME, 260), (COUNTRY, 80), (CONTACT, 180), (EMAIL, 260)):
            header.resizeSection(column, width)
        self.add_button("&New vendor…", self.new_vendor)
        self.add_button("&Edit…", self.edit_selected, needs_selection=True)
        self.add_button("&Delete", self.delete_selected, needs_selection=True)
        self.refresh()

    def load(self) -> list[Any]:
        with self.ctx.session() as session:
            return list(queries.vendor_rows(session))

    def new_vendor(self) -> FormDialog:
        return self.open_dialog(VendorDialog(self.ctx, None, self))

    def edit_selected(self) -> FormDialog | None:
        vendor_id = self.selected_id()
        if vendor_id is None:
            return None
        return self.open_dialog(VendorDialog(self.ctx, vendor_id, self))

    def delete_selected(self) -> bool:
        vendor_id = self.selected_id()
        if vendor_id is None:
            return False
        row = self.model.row_at(self.model.row_of(vendor_id) or 0)
        if row.contracts:
            from app.ui.workers import show_error

            show_error(
                self,
                ClausekeeperError(
                    f"{row.name} still has {row.contracts} contract(s): "
                    "delete them or give them another vendor first"
                ),
            )
            return False
        if not confirm(self, "Delete vendor", f"Delete the vendor {row.name}?"):
            return False
        return self.run(undo.DeleteCommand(self.ctx, undo.VENDOR, vendor_id))
