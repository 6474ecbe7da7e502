"""The Contracts page: a filter box and combo filters over the lazily loaded contract list.

Typing in the filter box filters the list once the keystrokes that have arrived are handled
(FILTER_DELAY_MS: a burst, such as a paste, filters once); the text is searched in memory
(app.ui.contracts_model), a few milliseconds for 10,000 contracts, so the list follows each
keystroke. The time of the last reload is kept in `model.last_query_ms`.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.terms import RENEWALS
from app.errors import ClausekeeperError
from app.store import portfolio_actions as actions
from app.store import portfolio_queries as queries
from app.ui import contracts_model as cm
from app.ui import glossary, undo
from app.ui.context import AppContext
from app.ui.contract_editor import ContractEditor
from app.ui.forms import confirm
from app.ui.tables import ListTable, keep_place

FILTER_DELAY_MS = 0
_LIST_ENTITIES = ("*", "Contract", "Vendor", "Person")


class ContractsView(QWidget):
    """Every contract, filtered as the user types; New, Edit and Delete."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("contractsView")
        self.model = cm.ContractsModel(ctx.db, ctx.as_of, self)
        self.editors: list[ContractEditor] = []

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("contractFilter")
        self.filter_edit.setPlaceholderText("Filter by reference, title or vendor  (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.vendor_combo = QComboBox(self)
        self.vendor_combo.setObjectName("vendorFilter")
        self.vendor_combo.setMinimumContentsLength(18)
        self.vendor_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("statusFilter")
        self.status_combo.addItem("Any status", None)
        for status in queries.STATUS_FILTERS:
            self.status_combo.addItem(cm.STATUS_LABELS[status], status)
        self.renewal_combo = QComboBox(self)
        self.renewal_combo.setObjectName("renewalFilter")
        self.renewal_combo.addItem("Any renewal", None)
        for renewal in RENEWALS:
            self.renewal_combo.addItem(renewal, renewal)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("contractCount")

        self.new_button = QPushButton("&New…", self)
        self.edit_button = QPushButton("&Edit…", self)
        self.delete_button = QPushButton("&Delete", self)
        self.new_button.clicked.connect(self.new_contract)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)

        self.table = ListTable(self, multi=True, key=lambda i: i.data(cm.REFERENCE_ROLE))
        self.table.setObjectName("contractsTable")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = {
            cm.REFERENCE: 105,
            cm.VENDOR: 170,
            cm.OWNER: 120,
            cm.CATEGORY: 115,
            cm.RENEWAL: 72,
            cm.START: 88,
            cm.VALUE: 135,
            cm.STATUS: 85,
            cm.DEADLINE: 165,
        }
        # the longest word a status or renewal cell can hold fits whole
        metrics = self.table.fontMetrics()
        for column, labels in ((cm.STATUS, cm.STATUS_LABELS.values()),
                               (cm.RENEWAL, glossary.RENEWAL_WORDS.values())):
            widths[column] = max(metrics.horizontalAdvance(text) for text in labels) + 20
        widths[cm.TITLE] = 240  # readable; the table scrolls sideways rather than squeeze it
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        # What the list is for comes first: status and next deadline right after the vendor,
        # so they are on screen at the window's size (owner and category scroll into view).
        header.moveSection(header.visualIndex(cm.STATUS), header.visualIndex(cm.VENDOR) + 1)
        header.moveSection(header.visualIndex(cm.DEADLINE), header.visualIndex(cm.STATUS) + 1)
        self.table.setSortingEnabled(True)
        header.setSortIndicator(cm.REFERENCE, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.table.open_requested.connect(self._double_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        delete_key = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_selected)
        ctx.gate.writes(self.new_button, self.edit_button, self.delete_button, delete_key)

        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 3)
        filters.addWidget(self.vendor_combo, 2)
        filters.addWidget(self.status_combo, 1)
        filters.addWidget(self.renewal_combo, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DELAY_MS)
        self._debounce.timeout.connect(self._apply_text)
        self.filter_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.filter_edit.returnPressed.connect(self._apply_text)
        self.vendor_combo.currentIndexChanged.connect(self._apply_combos)
        self.status_combo.currentIndexChanged.connect(self._apply_combos)
        self.renewal_combo.currentIndexChanged.connect(self._apply_combos)
        self.model.reloaded.connect(self._show_count)
        self.model.modelReset.connect(self._update_buttons)

        ctx.data_changed.connect(self._data_changed)
        ctx.as_of_changed.connect(self._as_of_changed)
        ctx.database_changed.connect(self._database_changed)
        self._fill_vendors()
        self.model.reload()

    # --- the shell's interface ---------------------------------------------------------------

    def refresh(self) -> None:
        """Reload vendors and the list (statuses are computed again)."""
        self._fill_vendors()
        self.model.invalidate()

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def new_contract(self) -> ContractEditor:
        """Open the editor on a new contract."""
        return self._open_editor(None)

    def open_contract(self, reference: str) -> ContractEditor | None:
        """Open the editor on the contract with this reference."""
        try:
            with self.ctx.session() as session:
                contract_id = actions.find_contract(session, reference)
        except ClausekeeperError as exc:
            _show_error(self, exc)
            return None
        return self._open_editor(contract_id)

    # --- filters ------------------------------------------------------------------------------

    def apply_filters(self, filters: dict[str, object]) -> None:
        """Replace every filter at once (text, vendor_id, status, renewal); unnamed ones clear."""
        unknown = set(filters) - {"text", "vendor_id", "status", "renewal"}
        if unknown:
            raise ValueError(f"unknown contract filters: {', '.join(sorted(unknown))}")
        combos = {self.vendor_combo: "vendor_id", self.status_combo: "status",
                  self.renewal_combo: "renewal"}
        widgets = [self.filter_edit, *combos]
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.filter_edit.setText(str(filters.get("text") or ""))
            for combo, key in combos.items():
                index = combo.findData(filters.get(key))
                if index < 0:
                    raise ValueError(f"no {key} filter {filters.get(key)!r}")
                combo.setCurrentIndex(index)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._apply_text()

    def _fill_vendors(self) -> None:
        current = self.vendor_combo.currentData()
        with self.ctx.session() as session:
            choices = queries.vendor_choices(session)
        self.vendor_combo.blockSignals(True)
        self.vendor_combo.clear()
        self.vendor_combo.addItem("All vendors", None)
        for ident, name in choices:
            self.vendor_combo.addItem(name, ident)
        index = self.vendor_combo.findData(current) if current is not None else 0
        self.vendor_combo.setCurrentIndex(max(index, 0))
        self.vendor_combo.blockSignals(False)
        if current is not None and index < 0:
            self._apply_combos()

    def current_filter(self) -> queries.ContractFilter:
        return queries.ContractFilter(
            text=self.filter_edit.text(),
            vendor_id=self.vendor_combo.currentData(),
            renewal=self.renewal_combo.currentData(),
            status=self.status_combo.currentData(),
        )

    def _apply_text(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())

    def _apply_combos(self) -> None:
        self.model.set_filter(self.current_filter())

    def _show_count(self, total: int) -> None:
        noun = "contract" if total == 1 else "contracts"
        self.count_label.setText(f"{total:,} {noun}")
        self.count_label.setToolTip(f"Query: {self.model.last_query_ms:.1f} ms")

    def _sort_indicator_changed(self, column: int, _order: Qt.SortOrder) -> None:
        if column not in cm.SORT_KEYS:  # computed columns: put the indicator back
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
            header.blockSignals(False)

    # --- selection and editing ---------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(row).id for row in rows]

    def select_contract(self, contract_id: int) -> bool:
        row = self.model.row_of(contract_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _update_buttons(self, *_args: object) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.edit_button.setEnabled(count == 1)
        self.delete_button.setEnabled(count >= 1)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._open_editor(self.model.row_at(index.row()).id)

    def edit_selected(self) -> ContractEditor | None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return None
        return self._open_editor(ids[0])

    def _open_editor(self, contract_id: int | None) -> ContractEditor:
        for editor in self.editors:
            if contract_id is not None and editor.contract_id == contract_id:
                editor.raise_()
                editor.activateWindow()
                return editor
        editor = ContractEditor(self.ctx, contract_id, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editors.append(editor)
        editor.finished.connect(lambda _result, e=editor: self._editor_closed(e))
        editor.saved.connect(self._editor_saved)
        editor.open()
        return editor

    def _editor_closed(self, editor: ContractEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
        if editor.contract_id is not None and self.model.row_of(editor.contract_id) is not None:
            self.select_contract(editor.contract_id)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # back where the editor was opened

    def _editor_saved(self, contract_id: int) -> None:
        self.select_contract(contract_id)

    def delete_selected(self) -> bool:
        """Delete the selected contracts after confirmation (undoable)."""
        ids = self.selected_ids()
        if not ids:
            return False
        references = [self.model.row_at(self.model.row_of(i) or 0).reference for i in ids]
        shown = ", ".join(references[:5]) + (" …" if len(references) > 5 else "")
        noun = "contract" if len(ids) == 1 else f"{len(ids)} contracts"
        if not confirm(
            self,
            "Delete contracts",
            f"Delete {noun} {shown} with all their clauses, knowledge links, SLAs, "
            "measurements, credit notes and documents?\n\nYou can undo this (Ctrl+Z).",
        ):
            return False
        stack = self.ctx.undo_stack
        if len(ids) > 1:
            stack.beginMacro(f"Delete {len(ids)} contracts")
        try:
            for contract_id in ids:
                undo.execute(self.ctx, undo.DeleteCommand(self.ctx, undo.CONTRACT, contract_id))
        except ClausekeeperError as exc:
            _show_error(self, exc)
            return False
        finally:
            if len(ids) > 1:
                stack.endMacro()
        return True

    def _context_menu(self, point: QPoint) -> None:
        menu = QMenu(self)
        for text, slot, enabled in (
            ("New contract…", self.new_contract, True),
            ("Edit…", self.edit_selected, len(self.selected_ids()) == 1),
            ("Delete", self.delete_selected, bool(self.selected_ids())),
        ):
            action = QAction(text, menu)
            action.setEnabled(enabled and self.ctx.can_edit)
            action.triggered.connect(lambda _checked=False, s=slot: s())
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # --- context signals ------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity not in _LIST_ENTITIES:
            return
        selected = self.selected_ids()
        with keep_place(self.table):  # the same rows loaded, selected and scrolled to
            if entity in ("*", "Vendor"):
                self._fill_vendors()
            self.model.invalidate(keep_loaded=True)
            for contract_id in selected:
                self.select_contract(contract_id)

    def _as_of_changed(self, as_of: date) -> None:
        self.model.set_as_of(as_of)

    def _database_changed(self) -> None:
        self.model.set_database(self.ctx.db)


def _show_error(parent: QWidget, exc: ClausekeeperError) -> None:
    from app.ui.workers import show_error

    show_error(parent, exc)
