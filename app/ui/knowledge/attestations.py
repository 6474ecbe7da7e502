"""The re-verification campaign (SPEC §3a, §5) from the GUI: export the attestation workbook for
everyone or for one person (before an appraisal, an off-boarding), and read a filled one back.

Importing checks the file first (a dry run on a worker: how many links would be created, updated,
removed, each change, or every problem as `Attestations!row column: reason`), and only then, when
asked, writes it — all or nothing, audited, through app.reports.attestations.import_attestations,
the function behind `clausekeeper import-attestations`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.knowledge import PersonInfo
from app.errors import ClausekeeperError
from app.services.continuity import DEFAULT_WITHIN
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge.person_picker import PersonPicker

FILE_FILTER = "Excel workbook (*.xlsx)"


# --- export ------------------------------------------------------------------------------------


def export_attestations_op(
    parent: QWidget | None, ctx: AppContext, path: Path, within: int = DEFAULT_WITHIN,
    person_key: str | None = None, on_done: Any = None,
) -> workers.Op:
    """Write the attestation workbook on a worker, then say where it went."""
    as_of = ctx.as_of

    def work(session: Any, progress: Any) -> tuple[Path, int]:
        from app.reports.attestations import export_attestations

        return export_attestations(session, path, as_of, within, person_key, progress)

    def done(result: tuple[Path, int]) -> None:
        written, count = result
        rows = f"{count:,} row" + ("" if count == 1 else "s")
        workers.notify(parent, f"The attestation workbook was written to {written} ({rows}).")
        workers.show_lines(
            parent, "Export attestations", f"The attestation workbook was written to {written}.",
            [f"{rows} to confirm as of {as_of.isoformat()}.",
             "Each person fills new_level (0 to 4; 0: they no longer know the clause) and "
             "confirmed_on, then Import attestations… reads it back."],
        )
        if on_done is not None:
            on_done(result)

    return workers.run_op(parent, ctx, "Export attestations", work, done,
                          label="Writing the attestation workbook…")


class ExportAttestationsDialog(QDialog):
    """For everyone or one person, the links going stale within N days, to a workbook."""

    def __init__(
        self, ctx: AppContext, people: list[PersonInfo], person_key: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportAttestationsDialog")
        self.setWindowTitle("Export attestations")
        self.ctx = ctx
        self.op: workers.Op | None = None
        heading = QLabel(
            "A workbook in which people confirm the clauses they know: their links that are "
            "stale or will be soon, and the clauses the succession plan gives them.", self)
        heading.setWordWrap(True)
        self.everyone = QRadioButton("&Everyone", self)
        self.everyone.setObjectName("attestEveryone")
        self.one_person = QRadioButton("&One person:", self)
        self.one_person.setObjectName("attestOnePerson")
        group = QButtonGroup(self)
        group.addButton(self.everyone)
        group.addButton(self.one_person)
        active = [p for p in people if p.leaves_on is None or p.leaves_on >= ctx.as_of]
        self.picker = PersonPicker(active, ctx.as_of, parent=self)
        self.within = QSpinBox(self)
        self.within.setObjectName("attestWithin")
        self.within.setRange(0, 3650)
        self.within.setValue(DEFAULT_WITHIN)
        self.within.setSuffix(" days")
        within_row = QHBoxLayout()
        within_row.addWidget(QLabel("Links going stale within", self))
        within_row.addWidget(self.within)
        within_row.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("E&xport…")
        self.buttons.accepted.connect(lambda: self.export())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.everyone)
        layout.addWidget(self.one_person)
        layout.addWidget(self.picker, 1)
        layout.addLayout(within_row)
        layout.addWidget(self.buttons)
        self.resize(460, 520)
        self.everyone.toggled.connect(self._update)
        self.picker.selection_changed.connect(self._update)
        if person_key:
            self.one_person.setChecked(True)
            self.picker.select_keys([person_key])
        else:
            self.everyone.setChecked(True)
        self._update()

    def _update(self, *_args: Any) -> None:
        one = self.one_person.isChecked()
        self.picker.setEnabled(one)
        self.ok.setEnabled(not one or bool(self.picker.selected_keys()))

    def person_key(self) -> str | None:
        """The one person chosen, or None for everyone."""
        keys = self.picker.selected_keys()
        return keys[0] if self.one_person.isChecked() and keys else None

    def export(self, path: Path | None = None) -> workers.Op | None:
        """Ask where to save (unless given), close, and write the workbook on a worker."""
        if self.one_person.isChecked() and not self.picker.selected_keys():
            return None
        key = self.person_key()
        if path is None:
            from app.ui.file_actions import ask_save_path

            who = "" if key is None else "-" + "".join(
                ch if ch.isalnum() or ch in "-_." else "-" for ch in key)
            path = ask_save_path(self, "Export attestations",
                                 f"attestations{who}-{self.ctx.as_of.isoformat()}.xlsx",
                                 FILE_FILTER)
            if path is None:
                return None
        parent = self.parentWidget()
        self.accept()
        self.op = export_attestations_op(parent, self.ctx, path, self.within.value(), key)
        return self.op


def open_export(parent: QWidget, ctx: AppContext, person_key: str | None = None) -> (
    ExportAttestationsDialog
):
    from app.services.knowledge_views import people_choices

    with ctx.session() as session:
        people = people_choices(session)
    dialog = ExportAttestationsDialog(ctx, people, person_key, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


# --- import ------------------------------------------------------------------------------------


class ImportAttestationsDialog(QDialog):
    """Check a filled workbook (what would change, or its problems), then import it."""

    checked = Signal()  # the dry run is over (valid or not)
    imported = Signal()

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importAttestationsDialog")
        self.setWindowTitle("Import attestations")
        self.ctx = ctx
        self.path = path
        self.as_of: date = ctx.as_of
        self.preview: Any = None  # the AttestationImport of the dry run, when it is valid
        self.problems: list[str] = []
        self.imported_summary: Any = None  # the AttestationImport once written
        self.headline = QLabel(f"<b>{path.name}</b>", self)
        self.headline.setWordWrap(True)
        self.status = QLabel("Checking the workbook…", self)
        self.status.setObjectName("attestImportStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.lines = QPlainTextEdit(self)
        self.lines.setObjectName("attestImportLines")
        self.lines.setReadOnly(True)
        self.lines.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.import_button = QPushButton("&Import", self)
        self.import_button.setObjectName("applyAttestations")
        self.import_button.setEnabled(False)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(lambda _c=False: self.apply())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.status)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 460)

    def check(self) -> workers.Op:
        """The dry run, on a worker: nothing is written."""
        path, as_of = self.path, self.ctx.as_of
        self.as_of = as_of
        self.preview, self.problems = None, []
        self.import_button.setEnabled(False)
        self.status.setText("Checking the workbook…")

        def work(session: Any) -> Any:
            from app.reports.attestation_preview import preview_attestations

            return preview_attestations(session, path, as_of)

        def done(preview: Any) -> None:
            self._previewed(preview)
            self.checked.emit()

        def failed(exc: BaseException) -> None:
            self._failed(exc, "nothing was written")
            self.checked.emit()

        return workers.run_op(self, self.ctx, "Import attestations",
                              lambda session, _p: work(session), done, on_failed=failed,
                              show_progress=False, report_errors=False)

    def _previewed(self, preview: Any) -> None:
        from app.reports.attestation_preview import change_line
        from app.store.continuity_actions import UNCHANGED

        self.preview = preview
        if preview.rows == 0:
            self.status.setText(
                "No row has a new_level: there is nothing to import. (Fill new_level, 0 to 4, "
                "and confirmed_on in the rows to confirm.)"
            )
            self.lines.setPlainText("")
            return
        self.status.setText(
            f"As of {self.as_of.isoformat()}, the {preview.rows:,} filled rows are valid. "
            f"Importing would create <b>{preview.count('created'):,}</b> links, update "
            f"<b>{preview.count('updated'):,}</b>, remove <b>{preview.count('removed'):,}</b> "
            f"and leave {preview.count('unchanged'):,} unchanged. Nothing is written yet."
        )
        self.lines.setPlainText("\n".join(
            change_line(c) for c in preview.changes if c.outcome != UNCHANGED
        ))
        self.import_button.setEnabled(True)
        self.import_button.setDefault(True)

    def _failed(self, exc: BaseException, what: str) -> None:
        if not isinstance(exc, ClausekeeperError):
            workers.show_error(self, exc, "Import attestations")
            self.status.setText(f"The workbook could not be read; {what}.")
            return
        self.problems = list(exc.lines()) or [str(exc)]
        count = len(self.problems)
        self.status.setText(
            f"<b>{count:,} problem{'' if count == 1 else 's'}</b> in the workbook; {what}. "
            "Correct the file and import it again."
        )
        self.lines.setPlainText("\n".join(self.problems))

    def apply(self) -> workers.Op | None:
        """Import what the dry run showed (all or nothing), on a worker."""
        if self.preview is None or self.preview.rows == 0:
            return None
        path, as_of = self.path, self.as_of
        self.import_button.setEnabled(False)
        self.status.setText("Importing…")

        def work(session: Any, _progress: Any) -> Any:
            from app.reports.attestations import import_attestations

            return import_attestations(session, path, as_of)

        def done(summary: Any) -> None:
            self.imported_summary = summary
            self.preview = None
            self.status.setText(
                f"<b>Imported</b> {path.name}: {summary.count('created'):,} links created, "
                f"{summary.count('updated'):,} updated, {summary.count('removed'):,} removed, "
                f"{summary.count('unchanged'):,} unchanged (recorded in the audit trail)."
            )
            workers.notify(self.parentWidget(), f"Attestations imported from {path.name}.")
            self.imported.emit()

        def failed(exc: BaseException) -> None:
            self.preview = None
            self._failed(exc, "nothing was written")

        return workers.run_op(self, self.ctx, "Import attestations", work, done,
                              changed="Knowledge", on_failed=failed, report_errors=False,
                              label=f"Importing {path.name}…")


def open_import(
    parent: QWidget, ctx: AppContext, path: Path | None = None
) -> ImportAttestationsDialog | None:
    """Choose a filled workbook (unless given) and check it in the import dialog."""
    if path is None:
        from app.ui.file_actions import ask_open_path

        path = ask_open_path(parent, "Import attestations", FILE_FILTER)
        if path is None:
            return None
    dialog = ImportAttestationsDialog(ctx, path, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.check()
    return dialog
