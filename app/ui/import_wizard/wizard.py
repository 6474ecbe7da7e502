"""The import wizard (after iTop's CSV import): file, columns, preview, dry run, import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from app.ui import workers
from app.ui.import_wizard.dry_run_page import DryRunPage
from app.ui.import_wizard.mapping_page import MappingPage
from app.ui.import_wizard.preview_page import PreviewPage
from app.ui.import_wizard.source_page import SourcePage
from app.ui.import_wizard.state import WizardState

if TYPE_CHECKING:
    from app.ui.context import AppContext

SOURCE, MAPPING, PREVIEW, DRY_RUN = range(4)


class ImportWizard(QWizard):
    """File ▸ Import register…: a foreign CSV or XLSX, or a register workbook of SPEC §5."""

    imported = Signal(object)  # the import's summary

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = WizardState(Path(path))
        self.summary: Any = None
        self.setObjectName("importWizard")
        self.setWindowTitle("Import register")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.source_page = SourcePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.dry_run_page = DryRunPage(self)
        self.setPage(SOURCE, self.source_page)
        self.setPage(MAPPING, self.mapping_page)
        self.setPage(PREVIEW, self.preview_page)
        self.setPage(DRY_RUN, self.dry_run_page)
        self.setStartId(SOURCE)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Import")
        self.resize(1000, 640)

    def finished_import(self, summary: Any) -> None:
        """The import succeeded: close, and say what it did."""
        self.summary = summary
        parent = self.parentWidget()
        self.accept()
        lines = [str(line) for line in summary.summary_lines()]
        lines.append("File ▸ Imports… can take this import back while nothing it wrote has "
                     "changed.")
        workers.show_lines(parent, "Import register", f"{self.state.path.name} was imported.",
                           lines)
        self.imported.emit(summary)

    def reject(self) -> None:
        for op in workers.active_ops():  # closing the wizard cancels its dry run
            if op.title == "Dry run":
                op.cancel()
        super().reject()


def open_import_wizard(
    parent: QWidget | None, ctx: AppContext, path: Path
) -> ImportWizard:
    """Open the wizard on `path` (not modal-blocking: it is opened, not exec'd)."""
    wizard = ImportWizard(ctx, path, parent)
    wizard.open()
    return wizard
