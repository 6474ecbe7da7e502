"""Step 3: the first rows exactly as they will be stored, so a wrong mapping shows at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.ui.display import show_date, show_money

if TYPE_CHECKING:
    from app.reports.foreign_register import RowPreview
    from app.ui.import_wizard.wizard import ImportWizard

PREVIEW_ROWS = 20
COLUMNS = ("Line", "Reference", "Title", "Vendor", "Start", "Initial term", "Renewal",
           "Notice", "Annual value", "Currency", "Needs review", "Notes")
SKIPPED = QBrush(QColor("#8a8a8a"))
REVIEW = QBrush(QColor("#fff2cc"))


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Preview")
        self.setSubTitle("The first rows as they will be stored. A wrong date, amount or term "
                         "means a wrong mapping or option: go back and change it.")
        self.previews: list[RowPreview] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("previewTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        from app.reports.foreign_register import preview_rows

        state = self._wizard.state
        with self._wizard.ctx.session() as session:
            self.previews = preview_rows(
                session, state.table, state.columns, dayfirst=state.dayfirst,
                currency=state.currency, renewal=state.renewal, limit=PREVIEW_ROWS,
            )
        total = len(state.table.rows)
        skipped = sum(1 for p in self.previews if p.values is None)
        review = sum(1 for p in self.previews if p.needs_review)
        verb = "needs" if review == 1 else "need"
        first = "All" if len(self.previews) == total else f"The first {len(self.previews)} of"
        self.summary.setText(
            f"{first} {total} rows: {len(self.previews) - skipped} would be imported "
            f"({review} {verb} review), {skipped} skipped. The dry run on the next page checks "
            "every row.")
        self.table.setRowCount(len(self.previews))
        for r, preview in enumerate(self.previews):
            for c, text in enumerate(_cells(preview)):
                item = QTableWidgetItem(text)
                if c == len(COLUMNS) - 1 and text:
                    item.setToolTip(text)
                if preview.values is None:
                    item.setForeground(SKIPPED)
                elif preview.needs_review:
                    item.setBackground(REVIEW)
                self.table.setItem(r, c, item)
        for column in range(len(COLUMNS) - 1):
            self.table.resizeColumnToContents(column)
        self.table.horizontalHeader().setStretchLastSection(True)


def _cells(preview: RowPreview) -> list[str]:
    v = preview.values
    if v is None:
        return [str(preview.line), "", "", "", "", "", "", "", "", "", "",
                f"skipped: {preview.reason}"]
    term = v["initial_term_months"]
    notice = f"{v['notice_value']} {v['notice_unit']}" if v["notice_value"] else "none"
    return [
        str(preview.line), v["reference"], v["title"], v["vendor"], show_date(v["start_date"]),
        f"{term} months" if term else "—", v["renewal"], notice,
        show_money(v["annual_value"]), v["currency"], "yes" if preview.needs_review else "",
        " · ".join(preview.notes),
    ]
