"""Step 1: the file, the sheet of a workbook, and the row that holds the column names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.ui import settings_store, workers

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.progress import Progress
    from app.ui.import_wizard.wizard import ImportWizard

FILE_FILTER = "Registers (*.csv *.xlsx);;All files (*)"
HEADER_BRUSH = QBrush(QColor("#dbe8f7"))


def _shown(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value)


class SourcePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("The file")
        self.setSubTitle("The sheet and the row that holds the column names are found "
                         "automatically; change them if they are wrong.")
        self._loaded = False
        self._loading = False
        self._filling = False

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.file_label = QLabel()
        self.file_label.setObjectName("sourceFile")
        self.file_label.setWordWrap(True)
        top.addWidget(self.file_label, 1)
        self.change_button = QPushButton("Choose another file…")
        self.change_button.setObjectName("chooseFile")
        self.change_button.clicked.connect(self.choose_file)
        top.addWidget(self.change_button)
        layout.addLayout(top)

        form = QFormLayout()
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("sheetCombo")
        self.sheet_combo.setMinimumWidth(240)
        self.sheet_combo.currentTextChanged.connect(self._sheet_changed)
        self.sheet_label = QLabel("Sheet:")
        form.addRow(self.sheet_label, self.sheet_combo)
        self.header_spin = QSpinBox()
        self.header_spin.setObjectName("headerRow")
        self.header_spin.setMaximumWidth(100)
        self.header_spin.valueChanged.connect(self._header_changed)
        self.header_label = QLabel("Column names in row:")
        form.addRow(self.header_label, self.header_spin)
        layout.addLayout(form)

        self.note = QLabel()
        self.note.setObjectName("sourceNote")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)

        self.rows = QTableWidget()
        self.rows.setObjectName("sourceRows")
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.verticalHeader().setVisible(False)
        self.rows.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.rows, 1)

    # loading -----------------------------------------------------------------------------------

    def initializePage(self) -> None:
        if not self._loaded and not self._loading:
            self.load()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a register", settings_store.last_folder(), FILE_FILTER
        )
        if not path:
            return
        settings_store.remember_folder(str(Path(path).parent))
        state = self._wizard.state
        state.path, state.sheet, state.header_line = Path(path), None, None
        self.load()

    def load(self, sheet: str | None = None, header_line: int | None = None) -> workers.Op:
        """Read the file on a worker (the sheet and header given, or found)."""
        state = self._wizard.state
        path = state.path
        self._loading, self._loaded = True, False
        self.completeChanged.emit()
        self.file_label.setText(f"<b>{path.name}</b><br>{path.parent}")
        self.note.setText(f"Reading {path.name}…")

        def work(_session: Session, _progress: Progress) -> Any:
            from app.reports.foreign_register import read_source
            from app.reports.register_import import is_register_workbook

            if is_register_workbook(path):
                return True, None
            return False, read_source(path, sheet, header_line)

        return workers.run_op(self, self._wizard.ctx, "Import register", work, self._read,
                              on_failed=self._failed, report_errors=False, show_progress=False)

    def _read(self, result: tuple[bool, Any]) -> None:
        register, table = result
        state = self._wizard.state
        state.register, state.table = register, table
        self._loading, self._loaded = False, True
        self._filling = True
        try:
            self._show(register, table)
        finally:
            self._filling = False
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self._wizard.state.table = None
        self.rows.clear()
        self.rows.setRowCount(0)
        self.note.setText(f"<span style='color:#b00020'>{_escape(str(exc))}</span>")
        self.completeChanged.emit()

    def _show(self, register: bool, table: Any) -> None:
        state = self._wizard.state
        for widget in (self.sheet_combo, self.sheet_label, self.header_spin, self.header_label):
            widget.setVisible(not register)
        if register:
            self.rows.clear()
            self.rows.setRowCount(0)
            self.rows.setColumnCount(0)
            self.note.setText(
                "This is a Clausekeeper register workbook (one sheet per entity). It is imported "
                "as a whole: every sheet is checked first, and nothing is written if any row is "
                "wrong. Records with the same key are updated, the others added.")
            return
        state.sheet, state.header_line = table.sheet, table.header_line
        has_sheets = bool(table.sheets)
        self.sheet_combo.setVisible(has_sheets)
        self.sheet_label.setVisible(has_sheets)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(table.sheets)
        if table.sheet:
            self.sheet_combo.setCurrentText(table.sheet)
        lines = [line for line, _ in table.top]
        self.header_spin.setRange(min(lines), max(lines))
        self.header_spin.setValue(table.header_line)
        where = f"sheet {table.sheet}, " if table.sheet else ""
        count = len(table.rows)
        extra = f" It is not UTF-8: read as {table.decoded_as}." if table.decoded_as else ""
        self.note.setText(
            f"The column names are in {where}row {table.header_line}; {count} rows below "
            f"it.{extra}")
        self._fill_rows(table)

    def _fill_rows(self, table: Any) -> None:
        top = table.top[:15]
        width = max((len(row) for _, row in top), default=0)
        self.rows.clear()
        self.rows.setColumnCount(width + 1)
        self.rows.setRowCount(len(top))
        self.rows.setHorizontalHeaderLabels(["Row", *[_letter(i) for i in range(width)]])
        bold = QFont()
        bold.setBold(True)
        for r, (line, values) in enumerate(top):
            header = line == table.header_line
            cells = [str(line), *[_shown(v) for v in values]]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if header:
                    item.setFont(bold)
                    item.setBackground(HEADER_BRUSH)
                self.rows.setItem(r, c, item)
        self.rows.resizeColumnsToContents()
        for column in range(self.rows.columnCount()):
            self.rows.setColumnWidth(column, min(self.rows.columnWidth(column), 280))

    def _sheet_changed(self, name: str) -> None:
        if self._filling or not name:
            return
        self.load(sheet=name)

    def _header_changed(self, value: int) -> None:
        if self._filling:
            return
        self.load(sheet=self._wizard.state.sheet, header_line=value)

    # QWizardPage -------------------------------------------------------------------------------

    def isComplete(self) -> bool:
        state = self._wizard.state
        return self._loaded and (state.register or state.table is not None)

    def nextId(self) -> int:
        from app.ui.import_wizard.wizard import DRY_RUN, MAPPING

        return DRY_RUN if self._wizard.state.register else MAPPING


def _letter(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
