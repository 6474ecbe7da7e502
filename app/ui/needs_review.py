"""The contracts an import left open, in one place, completed in place (undoable, audited).

A contract without an initial term that is not evergreen is needs_review (SPEC §1): its deadlines
are unknown. Type the initial term in months into its row, or mark it evergreen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ClausekeeperError
from app.ui import workers
from app.ui.display import show_date
from app.ui.glossary import plain_tip

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.review import ReviewRow
    from app.ui.context import AppContext

COLUMNS = ("Reference", "Title", "Vendor", "Start", "Renewal", "Missing", "Initial term (months)",
           "What the import noted")
TERM_COLUMN = 6
EDITABLE = QBrush(QColor("#fff2cc"))


class NeedsReviewDialog(QDialog):
    """Contracts ▸ Need review: every needs_review contract and what it is missing."""

    open_contract = Signal(str)  # a reference

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[ReviewRow] = []
        self._filling = False
        self.setObjectName("needsReviewDialog")
        self.setWindowTitle("Contracts that need review")
        self.resize(1000, 480)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setObjectName("needsReviewIntro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("needsReviewTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setObjectName("needsReviewStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        bar = QHBoxLayout()
        self.evergreen_button = QPushButton("It is evergreen")
        self.evergreen_button.setObjectName("markEvergreen")
        self.evergreen_button.setToolTip(plain_tip(
            "An evergreen contract runs until notice: it has no initial term"))
        self.evergreen_button.clicked.connect(self.mark_evergreen)
        bar.addWidget(self.evergreen_button)
        ctx.gate.writes(self.evergreen_button, self.table)
        self.open_button = QPushButton("Open contract…")
        self.open_button.setObjectName("openReviewContract")
        self.open_button.clicked.connect(self._open_selected)
        bar.addWidget(self.open_button)
        bar.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bar.addWidget(buttons)
        layout.addLayout(bar)
        ctx.data_changed.connect(self._data_changed)
        self._selection_changed()
        self.refresh()

    # loading -----------------------------------------------------------------------------------

    def refresh(self) -> workers.Op:
        def work(session: Session) -> Any:
            from app.services.review import needs_review

            return needs_review(session)

        return workers.run_query(self, self.ctx, work, self._show, title="Need review")

    def _data_changed(self, entity: str) -> None:
        if entity in ("*", "Contract", "Vendor"):
            self.refresh()

    def _show(self, rows: list[ReviewRow]) -> None:
        self.rows = rows
        self._filling = True
        try:
            self.table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                cells = [row.reference, row.title, row.vendor, show_date(row.start_date),
                         row.renewal, row.missing, "", row.hint or ""]
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if c == len(COLUMNS) - 1 and text:
                        item.setToolTip(text)
                    if c == TERM_COLUMN:
                        item.setBackground(EDITABLE)
                        item.setToolTip("Type the initial term in months and press Enter")
                    else:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    self.table.setItem(r, c, item)
            for column in range(len(COLUMNS) - 1):
                self.table.resizeColumnToContents(column)
        finally:
            self._filling = False
        if rows:
            self.intro.setText(
                f"<b>{len(rows)} contracts need review</b>: their initial term is unknown, so "
                "their deadlines are too. Type the term in months into the yellow cell, or mark "
                "the contract evergreen.")
        else:
            self.intro.setText("<b>No contract needs review.</b> Every contract has its "
                               "initial term (or is evergreen).")
        self._selection_changed()

    # completing --------------------------------------------------------------------------------

    def complete(self, row: int, values: dict[str, str]) -> bool:
        """Apply `values` to the contract of `row` (an undoable, audited edit)."""
        from app.ui.undo import CONTRACT, UpdateCommand, execute

        target = self.rows[row]
        try:
            execute(self.ctx, UpdateCommand(self.ctx, CONTRACT, target.id, values,
                                            f"Complete contract {target.reference}",
                                            expected_version=target.version))
        except ClausekeeperError as exc:
            self.status.setText("<span style='color:#b00020'>"
                                f"{target.reference}: {_escape(' '.join(exc.lines()))}</span>")
            return False
        self.status.setText(f"{target.reference} was completed.")
        return True

    def set_initial_term(self, row: int, text: str) -> bool:
        value = text.strip()
        if not value.isdigit() or int(value) < 1:
            self.status.setText(f"<span style='color:#b00020'>{_escape(value or 'nothing')} "
                                "is not a number of months (1 or more).</span>")
            return False
        return self.complete(row, {"initial_term_months": value})

    def mark_evergreen(self) -> bool:
        row = self.table.currentRow()
        if row < 0 or row >= len(self.rows):
            return False
        return self.complete(row, {"renewal": "evergreen", "renewal_term_months": "",
                                   "max_renewals": ""})

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != TERM_COLUMN or not item.text().strip():
            return
        self.set_initial_term(item.row(), item.text())

    def _selection_changed(self) -> None:
        selected = 0 <= self.table.currentRow() < len(self.rows)
        self.evergreen_button.setEnabled(selected)
        self.open_button.setEnabled(selected)

    def _open_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.open_contract.emit(self.rows[row].reference)

    def _double_clicked(self, index: Any) -> None:
        if index.column() != TERM_COLUMN:
            self._open_selected()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
