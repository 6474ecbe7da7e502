"""Steps 4 and 5: a dry run on the whole file, then the import (both on a worker)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from app.errors import ClausekeeperError
from app.ui import settings_store, workers
from app.ui.file_actions import ask_save_path

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.progress import Progress
    from app.ui.import_wizard.wizard import ImportWizard


def count_of(value: object) -> int:
    """A summary's count that may be kept as a number or as the list of what it counts."""
    if isinstance(value, int):
        return value
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 0


class DryRunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Dry run")
        self.setSubTitle("Every row is checked; nothing is written until you press Import.")
        self.setFinalPage(True)
        self.result: Any = None  # the dry run's summary
        self.problems: list[tuple[str, str]] = []  # (line or place, reason)
        self.imported: Any = None  # the import's summary, once done
        self._running = False

        layout = QVBoxLayout(self)
        self.counts = QLabel()
        self.counts.setObjectName("dryRunCounts")
        self.counts.setWordWrap(True)
        layout.addWidget(self.counts)
        bar = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("skippedFilter")
        self.filter.setPlaceholderText("Filter the rows below…")
        self.filter.setClearButtonEnabled(True)
        bar.addWidget(self.filter, 1)
        self.export_button = QPushButton("Export to CSV…")
        self.export_button.setObjectName("exportSkipped")
        self.export_button.clicked.connect(self.export_skipped)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.model = QStandardItemModel(0, 2, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QTableView()
        self.view.setObjectName("skippedTable")
        self.view.setModel(self.proxy)
        self.view.verticalHeader().setVisible(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view, 1)

    # the dry run -------------------------------------------------------------------------------

    def initializePage(self) -> None:
        self.result, self.problems, self.imported = None, [], None
        self._fill_problems()
        self.counts.setText("Checking every row…")
        state = self._wizard.state
        path = state.path
        if state.register:
            def work(session: Session, progress: Progress) -> Any:
                from app.reports.register_import import import_register_workbook

                try:
                    return import_register_workbook(session, path, dry_run=True,
                                                    progress=progress)
                except ClausekeeperError as exc:
                    if type(exc) is not ClausekeeperError:
                        raise
                    return exc
        else:
            options = state.import_options()

            def work(session: Session, progress: Progress) -> Any:
                from app.reports.foreign_register import import_foreign_register

                return import_foreign_register(session, path, dry_run=True, progress=progress,
                                               **options)

        self._running = True
        self.completeChanged.emit()
        workers.run_op(self, self._wizard.ctx, "Dry run", work, self._checked,
                       on_failed=self._failed, label=f"Checking {path.name}…")

    def _checked(self, result: Any) -> None:
        self._running = False
        if isinstance(result, ClausekeeperError):  # a register workbook with problems
            self.problems = [_split(line) for line in result.lines()[1:] or result.lines()]
            self.counts.setText(
                f"<b>{_escape(str(result))}</b><br>A register workbook is imported all or "
                "nothing: correct the rows below in the file, then run the wizard again.")
            self.model.setHorizontalHeaderLabels(["Where", "Problem"])
        elif self._wizard.state.register:
            self.result = result
            self.counts.setText("<b>Ready to import:</b><br>" + "<br>".join(
                _escape(line) for line in result.summary_lines()[:-1]))
            self.model.setHorizontalHeaderLabels(["Where", "Problem"])
        else:
            self.result = result
            self.problems = [(str(line), reason) for line, reason in result.skipped]
            shortened = count_of(getattr(result, "shortened", 0))
            review = f" ({result.needs_review} will need review)" if result.needs_review else ""
            vendors = (f", {result.vendors_created} new vendors" if result.vendors_created
                       else "")
            self.counts.setText(
                f"<b>To import: {result.imported}</b> contracts{review}{vendors}; "
                f"<b>to skip: {len(result.skipped)}</b> rows; <b>shortened: {shortened}</b>."
                + ("<br>The skipped rows and why:" if result.skipped else ""))
            self.model.setHorizontalHeaderLabels(["Line", "Reason"])
        self._fill_problems()
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.counts.setText(f"<span style='color:#b00020'>{_escape(str(exc))}</span>")
        self.completeChanged.emit()

    def _fill_problems(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        for where, reason in self.problems:
            line = QStandardItem(where)
            if where.isdigit():
                line.setData(int(where), Qt.ItemDataRole.DisplayRole)
            self.model.appendRow([line, QStandardItem(reason)])
        self.view.resizeColumnToContents(0)
        self.export_button.setEnabled(bool(self.problems))
        self.filter.setEnabled(bool(self.problems))

    def shown_problems(self) -> list[tuple[str, str]]:
        """The rows the filter lets through, as shown."""
        return [
            (str(self.proxy.index(r, 0).data()), str(self.proxy.index(r, 1).data()))
            for r in range(self.proxy.rowCount())
        ]

    def export_skipped(self) -> Path | None:
        stem = self._wizard.state.path.stem
        path = ask_save_path(self, "Export the skipped rows", f"{stem}-skipped.csv",
                             "CSV file (*.csv)")
        if path is None:
            return None
        header = ("line", "reason") if not self._wizard.state.register else ("where", "problem")
        try:
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(self.shown_problems())
        except OSError as exc:
            workers.show_error(self, ClausekeeperError(f"{path}: {exc.strerror or exc}"),
                               "Export skipped rows")
            return None
        workers.notify(self._wizard.parentWidget(), f"The skipped rows were written to {path}.")
        return path

    # the import --------------------------------------------------------------------------------

    def isComplete(self) -> bool:
        if self._running or self.result is None:
            return False
        if self._wizard.state.register:
            return True
        return bool(self.result.imported)

    def validatePage(self) -> bool:
        if self.imported is not None:
            return True
        if not self._running:
            self.start_import()
        return False

    def start_import(self) -> workers.Op:
        state = self._wizard.state
        path = state.path
        if state.register:
            def work(session: Session, progress: Progress) -> Any:
                from app.reports.register_import import import_register_workbook

                return import_register_workbook(session, path, progress=progress)
        else:
            options = state.import_options()

            def work(session: Session, progress: Progress) -> Any:
                from app.reports.foreign_register import import_foreign_register

                return import_foreign_register(session, path, progress=progress, **options)

        self._running = True
        self.completeChanged.emit()
        return workers.run_op(self, self._wizard.ctx, "Import register", work, self._imported,
                              on_failed=self._import_failed, changed="*",
                              label=f"Importing {path.name}…")

    def _imported(self, summary: Any) -> None:
        self._running = False
        self.imported = summary
        state = self._wizard.state
        if not state.register:
            settings_store.remember_mapping(state.signature(), state.memory())
        self._wizard.finished_import(summary)

    def _import_failed(self, _exc: BaseException) -> None:
        self._running = False  # cancelled or refused: nothing was written; the wizard stays
        self.completeChanged.emit()


def _split(line: str) -> tuple[str, str]:
    where, sep, reason = line.partition(": ")
    return (where, reason) if sep else ("", line)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
