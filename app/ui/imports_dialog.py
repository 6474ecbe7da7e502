"""File ▸ Imports…: the imports recorded (SPEC §5), and taking one back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui import workers

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.progress import Progress
    from app.ui.context import AppContext

COLUMNS = ("#", "Kind", "File", "When", "By", "Created", "Updated", "Skipped", "Shortened",
           "Status")


class ImportsDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.imports: list[dict[str, Any]] = []
        self.setObjectName("importsDialog")
        self.setWindowTitle("Imports")
        self.resize(900, 400)
        layout = QVBoxLayout(self)
        intro = QLabel("Every import that wrote records, newest first. An import can be taken "
                       "back as a whole — what it created deleted, what it updated restored — "
                       "while none of its records has been changed since.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("importsTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.undo_button = QPushButton("Take back…")
        self.undo_button.setObjectName("takeBackImport")
        self.undo_button.clicked.connect(self.ask_take_back)
        bar.addWidget(self.undo_button)
        ctx.gate.writes(self.undo_button)
        bar.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bar.addWidget(buttons)
        layout.addLayout(bar)
        self._selection_changed()
        self.refresh()

    def refresh(self) -> workers.Op:
        def work(session: Session) -> Any:
            from app.store.import_log import imports_json

            return imports_json(session)

        return workers.run_query(self, self.ctx, work, self._show, title="Imports")

    def _show(self, imports: list[dict[str, Any]]) -> None:
        self.imports = imports
        self.table.setRowCount(len(imports))
        for r, entry in enumerate(imports):
            status = (f"taken back {entry['undone_at'].replace('T', ' ')} by {entry['undone_by']}"
                      if entry["undone"] else "")
            cells = [entry["id"], entry["kind"], entry["file"], entry["at"].replace("T", " "),
                     entry["by"], entry["created"], entry["updated"], entry["skipped"],
                     entry["shortened"], status]
            for c, value in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        if imports:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        row = self.table.currentRow()
        return self.imports[row] if 0 <= row < len(self.imports) else None

    def _selection_changed(self) -> None:
        entry = self.selected()
        self.undo_button.setEnabled(entry is not None and not entry["undone"])

    def ask_take_back(self) -> workers.Op | None:
        entry = self.selected()
        if entry is None:
            return None
        answer = QMessageBox.question(
            self, "Take back an import",
            f"Take back import {entry['id']} ({entry['file']})? The {entry['created']} records "
            f"it created are deleted and the {entry['updated']} it updated get their earlier "
            "values back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return self.take_back(entry["id"])

    def take_back(self, import_id: int) -> workers.Op:
        def work(session: Session, progress: Progress) -> Any:
            from app.store.import_log import undo_import

            return undo_import(session, import_id, progress)

        def done(summary: Any) -> None:
            workers.notify(self.parentWidget(), summary.summary_lines()[0])
            self.refresh()

        return workers.run_op(self, self.ctx, "Take back an import", work, done, changed="*",
                              label=f"Taking back import {import_id}…")
