"""The contract editor: General (every SPEC §1 field, with the SPEC §2 figures computed live),
Clauses, SLAs, Documents, History and Knowledge (the matrix of who knows which clause) tabs.

The General tab is edited in the form and saved with OK or Apply as one undoable command; the
other tabs change the database at once through their own dialogs (each an undoable command),
so they open once the contract exists.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.explain import explain
from app.core.fields import safe_file_name
from app.core.natural import natural_key
from app.core.terms import NOTICE_UNITS, RENEWALS, Position, evaluate
from app.errors import ClausekeeperError
from app.store import portfolio_actions as actions
from app.store import portfolio_queries as queries
from app.store.portfolio_actions import FORM, TERM_FIELDS
from app.ui import glossary, undo
from app.ui.clause_dialog import ClauseDialog
from app.ui.context import AppContext
from app.ui.display import show_date
from app.ui.forms import (
    Column,
    DateField,
    FormDialog,
    RecordsModel,
    RecordsProxy,
    combo,
    confirm,
    record_table,
    selected_id,
    show_size,
    write_widget,
)
from app.ui.glossary import plain_tip
from app.ui.sla_dialog import SlaDialog

RENEWAL_LABELS = {
    "none": "none (ends after the initial term)",
    "auto": "auto (tacit renewal)",
    "option": "option (express renewal)",
    "evergreen": "evergreen (runs until notice)",
}
_D = TypeVar("_D", bound=FormDialog)

KIND_LABELS = glossary.DEADLINE_WORDS
NEW_VENDOR = "\x00new vendor"  # the data of the "New vendor…" entry (never a vendor's name)
# what each computed figure means (app.core.glossary)
COMPUTED_TIPS = {
    "status": "as_of", "term": "term", "term_dates": "term", "cancel_by": "deadline",
    "days_left": "days_left", "ends_on": "ends_on", "earliest_end": "earliest_end",
    "missed_notice": "missed_notice",
}
COMPUTED = (
    "status",
    "term",
    "term_dates",
    "cancel_by",
    "days_left",
    "ends_on",
    "earliest_end",
    "missed_notice",
)
CHILD_ENTITIES = ("*", "Clause", "Knowledge", "Sla", "Document", "Contract")

# Tab indexes.
GENERAL, CLAUSES, SLAS, DOCUMENTS, HISTORY, KNOWLEDGE = range(6)


class ContractEditor(FormDialog):
    """Edit one contract (or create one when contract_id is None)."""

    saved = Signal(int)  # the contract id, after OK or Apply wrote the General tab
    follows_changes = False  # _data_changed does it, with the child tabs

    def __init__(
        self, ctx: AppContext, contract_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("New contract", parent)
        self.setObjectName("contractEditor")
        self.ctx = ctx
        self.contract_id = contract_id
        self.reference = ""
        self.position: Position | None = None
        self.apply_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Apply)
        assert self.apply_button is not None
        self.apply_button.clicked.connect(self.apply)
        ctx.gate.writes(self.apply_button)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("contractTabs")
        self.tabs.addTab(self._general_tab(), "&General")
        self.tabs.addTab(self._clauses_tab(), "C&lauses")
        self.tabs.addTab(self._slas_tab(), "&SLAs")
        self.tabs.addTab(self._documents_tab(), "&Documents")
        self.tabs.addTab(self._history_tab(), "&History")
        self.tabs.addTab(self._knowledge_tab(), "&Knowledge")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.form.form_error)
        self.place_conflict_panel(layout)
        layout.addWidget(self.buttons)
        self.resize(1180, 720)
        # Everything done in the editor goes on the undo stack from here on (the editor is
        # window-modal, so nothing else can); Cancel undoes back to this point.
        self._undo_start = ctx.undo_stack.index()
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setToolTip(plain_tip(
                "Close and undo everything done in this editor, clause, SLA and document "
                "changes included"))

        self._load()
        ctx.data_changed.connect(self._data_changed)
        # Bound methods (not lambdas): Qt disconnects them when the dialog is deleted.
        ctx.as_of_changed.connect(self._as_of_changed)

    # --- General ------------------------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        page = QWidget(self)
        form = self.form

        contract = QGroupBox("Contract", page)
        fields = QFormLayout(contract)
        reference = QLineEdit(contract)
        reference.setPlaceholderText("e.g. C-2021-014")
        form.add(fields, "reference", "Reference", reference)
        form.add(fields, "title", "Title", QLineEdit(contract))
        vendor_box = QComboBox(contract)
        form.add(fields, "vendor", "Vendor", vendor_box)
        self._vendor_index = 0
        vendor_box.currentIndexChanged.connect(self._vendor_chosen)
        form.add(fields, "owner", "Owner", QComboBox(contract), "The contract manager")
        category = QComboBox(contract)
        category.setEditable(True)
        form.add(fields, "category", "Category", category)
        value = QLineEdit(contract)
        value.setPlaceholderText("e.g. 120000.00")
        form.add(fields, "annual_value", "Annual value", value)
        currency = QLineEdit(contract)
        currency.setPlaceholderText("EUR")
        currency.setMaxLength(3)
        form.add(fields, "currency", "Currency", currency, "ISO 4217 code; empty means EUR")

        credits_box = QGroupBox("Service credits", page)
        credit_fields = QFormLayout(credits_box)
        cap = QLineEdit(credits_box)
        cap.setPlaceholderText("no cap")
        form.add(
            credit_fields,
            "credit_cap_percent",
            "Credit cap (% of monthly fee)",
            cap,
            "Service credits of a month are capped at this percentage of annual_value / 12",
        )
        claim = QLineEdit(credits_box)
        claim.setPlaceholderText("30")
        form.add(
            credit_fields,
            "credit_claim_days",
            "Claim within (days)",
            claim,
            "Credits must be claimed within this many days after the month's end",
        )

        terms = QGroupBox("Term and renewal", page)
        term_fields = QFormLayout(terms)
        form.add(term_fields, "start_date", "Start date", DateField(terms))
        initial = QLineEdit(terms)
        initial.setPlaceholderText("months; empty only for evergreen")
        form.add(term_fields, "initial_term_months", "Initial term (months)", initial)
        renewal_box = combo([(r, RENEWAL_LABELS[r]) for r in RENEWALS], terms)
        for index, code in enumerate(RENEWALS):
            renewal_box.setItemData(index, glossary.tip(code), Qt.ItemDataRole.ToolTipRole)
        form.add(term_fields, "renewal", "Renewal", renewal_box,
                 glossary.tip("none", "auto", "option", "evergreen"))
        renewal_term = QLineEdit(terms)
        renewal_term.setPlaceholderText("months; required for auto and option")
        form.add(term_fields, "renewal_term_months", "Renewal term (months)", renewal_term)
        max_renewals = QLineEdit(terms)
        max_renewals.setPlaceholderText("unlimited")
        form.add(term_fields, "max_renewals", "Max renewals", max_renewals)
        exercised = QLineEdit(terms)
        exercised.setPlaceholderText("0")
        form.add(
            term_fields,
            "options_exercised",
            "Options exercised",
            exercised,
            "Option contracts only: how many renewal options were taken up",
        )

        notice = QGroupBox("Notice and reminders", page)
        notice_fields = QFormLayout(notice)
        notice_value = QLineEdit(notice)
        notice_value.setPlaceholderText("0")
        notice_unit = combo([(u, u) for u in NOTICE_UNITS], notice)
        row = QWidget(notice)
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(notice_value, 1)
        row_layout.addWidget(notice_unit)
        value_error = form.add_plain("notice_value", "Notice period", notice_value)
        unit_error = form.add_plain("notice_unit", "Notice unit", notice_unit)
        holder = QWidget(notice)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(row)
        column.addWidget(value_error)
        column.addWidget(unit_error)
        notice_fields.addRow("Notice period:", holder)
        form.add(
            notice_fields,
            "terminated_on",
            "Notice given on",
            DateField(notice),
            "The date on which notice of termination was given (empty: none given)",
        )
        reminders = QLineEdit(notice)
        reminders.setPlaceholderText("180,90,30,7 (none: no reminders)")
        form.add(
            notice_fields,
            "reminder_days",
            "Reminder days",
            reminders,
            "Days before the deadline to remind; 'none' for no reminders",
        )

        notes = QGroupBox("Notes", page)
        notes_layout = QVBoxLayout(notes)
        notes_edit = QPlainTextEdit(notes)
        notes_edit.setTabChangesFocus(True)
        notes_error = form.add_plain("notes", "Notes", notes_edit)
        notes_layout.addWidget(notes_edit)
        notes_layout.addWidget(notes_error)

        computed = QGroupBox(page)
        computed.setObjectName("computedPanel")
        self.computed_box = computed
        computed_fields = QFormLayout(computed)
        self.computed: dict[str, QLabel] = {}
        for name, label in (
            ("status", "Status"),
            ("term", "Current term"),
            ("term_dates", "Term runs"),
            ("cancel_by", "Next deadline"),
            ("days_left", "Days left"),
            ("ends_on", "Ends on"),
            ("earliest_end", "Earliest end"),
            ("missed_notice", "Missed notice"),
            ("explanation", "How"),
        ):
            value_label = QLabel("—", computed)
            value_label.setObjectName(f"computed_{name}")
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value_label.setWordWrap(True)
            caption = QLabel(f"{label}:", computed)
            if name in COMPUTED_TIPS:
                glossary.set_tip(caption, COMPUTED_TIPS[name])
                glossary.set_tip(value_label, COMPUTED_TIPS[name])
            computed_fields.addRow(caption, value_label)
            self.computed[name] = value_label
        self.computed_note = QLabel(computed)
        self.computed_note.setObjectName("computed_note")
        self.computed_note.setWordWrap(True)
        self.computed_note.setStyleSheet("color: #555;")
        computed_fields.addRow(self.computed_note)

        left = QVBoxLayout()
        left.addWidget(contract)
        left.addWidget(credits_box)
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(terms)
        middle.addWidget(notice)
        middle.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(computed)
        right.addWidget(notes, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 5)
        columns.addLayout(middle, 5)
        columns.addLayout(right, 4)
        page_layout = QVBoxLayout(page)
        page_layout.addLayout(columns)
        return page

    def _fill_choices(self) -> None:
        with self.ctx.session() as session:
            vendors = queries.vendor_choices(session)
            people = queries.person_choices(session)
            categories = queries.contract_categories(session)
        vendor = self.form.widget("vendor")
        owner = self.form.widget("owner")
        category = self.form.widget("category")
        assert isinstance(vendor, QComboBox)
        assert isinstance(owner, QComboBox)
        assert isinstance(category, QComboBox)
        with self.form.quiet():
            vendor.clear()
            vendor.addItem("", "")
            for _ident, name in vendors:
                vendor.addItem(name, name)
            vendor.insertSeparator(vendor.count())
            vendor.addItem("New vendor…", NEW_VENDOR)
            self._vendor_index = vendor.currentIndex()
            owner.clear()
            owner.addItem("(nobody)", "")
            for key, label in people:
                owner.addItem(label, key)
            category.clear()
            category.addItem("")
            category.addItems(categories)

    def _vendor_chosen(self, index: int) -> None:
        """"New vendor…" at the end of the list: add one, and it becomes the contract's."""
        box = self.form.widget("vendor")
        assert isinstance(box, QComboBox)
        if box.itemData(index) != NEW_VENDOR:
            self._vendor_index = index
            return
        from app.ui.entity_dialogs import VendorDialog

        dialog = VendorDialog(self.ctx, None, self)
        created = dialog.exec() == VendorDialog.DialogCode.Accepted
        name = dialog.form.values()["name"].strip() if created else ""
        if created:
            dirty = self.form.values()
            self._fill_choices()  # the new vendor is in the list now
            with self.form.quiet():
                for field_name in ("owner", "category"):
                    write_widget(self.form.widget(field_name), dirty[field_name])
        found = box.findData(name) if name else -1
        box.setCurrentIndex(found if found >= 0 else self._vendor_index)

    def _load(self) -> None:
        """Fill the form from the database (or with defaults for a new contract)."""
        self._fill_choices()
        if self.contract_id is None:
            values = {
                "renewal": "auto",
                "notice_unit": "months",
                "currency": "EUR",
                "reminder_days": "180,90,30,7",
                "credit_claim_days": "30",
                "notice_value": "3",
                "options_exercised": "0",
            }
        else:
            with self.ctx.session() as session:
                values = actions.contract_values(session, self.contract_id)
                self.read_version(session)
        self.form.set_values(values)
        if self.contract_id is not None:
            self.form.touch_all()
        self.reference = values.get("reference", "")
        self._update_title()
        self._enable_tabs()
        self.revalidate()
        self.refresh_children()

    def _update_title(self) -> None:
        if self.contract_id is None:
            self.setWindowTitle("New contract")
        else:
            self.setWindowTitle(f"Contract {self.reference}")

    def _enable_tabs(self) -> None:
        """Clauses, SLAs and documents can be added to a new contract too: adding the first
        one saves the contract (Cancel undoes both); its history starts once it is saved."""
        exists = self.contract_id is not None
        for tab in (CLAUSES, SLAS, DOCUMENTS):
            self.tabs.setTabToolTip(tab, "" if exists else (
                "Adding the first one saves the contract; Cancel undoes both"))
        for tab in (HISTORY, KNOWLEDGE):
            self.tabs.setTabEnabled(tab, exists)
        self.tabs.setTabToolTip(HISTORY, "" if exists else "The history starts once it is saved")
        self.tabs.setTabToolTip(KNOWLEDGE, "" if exists else "Save the contract first (Apply)")

    def _saved_for_children(self) -> bool:
        """A new contract is saved before its first clause, SLA or document is added."""
        if self.contract_id is not None:
            return True
        if not self.try_save():
            self.tabs.setCurrentIndex(GENERAL)
            return False
        self.refresh_children()
        return self.contract_id is not None

    def changes_made(self) -> int:
        """How many changes this editor has written (Apply, clauses, SLAs, documents)."""
        return max(self.ctx.undo_stack.index() - self._undo_start, 0)

    def reject(self) -> None:
        """Cancel: discard the form's edits and undo everything written from this editor."""
        done = self.changes_made()
        if done:
            answer = QMessageBox.question(
                self, "Cancel",
                f"Cancel undoes everything done in this editor, including {done} saved "
                f"change{'s' if done != 1 else ''} (Apply, clauses, SLAs, documents). "
                "Undo them and close?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self.ctx.data_changed.disconnect(self._data_changed)
            self.ctx.undo_stack.setIndex(self._undo_start)
            self.form.mark_saved()
        super().reject()

    # --- validation and the computed panel ---------------------------------------------------

    def problems(self) -> dict[str, str]:
        parsed = actions.parse_contract(self.form.values(), require_initial=True)
        problems = dict(parsed.problems)
        keys = {k: v for k, v in parsed.values.items() if k not in problems}
        with self.ctx.session() as session:
            problems.update(actions.contract_key_problems(session, keys, self.contract_id))
        self._show_computed(parsed, problems)
        return problems

    def _show_computed(self, parsed: actions.Parsed, problems: dict[str, str]) -> None:
        as_of = self.ctx.as_of
        self.computed_box.setTitle(f"On {as_of.isoformat()}")
        blocked = [name for name in (*TERM_FIELDS, FORM) if name in problems]
        terms = None if blocked else actions.terms_of(parsed.values)
        position: Position | None = None
        if terms is not None:
            try:
                position = evaluate(terms, as_of)
            except (ClausekeeperError, ValueError):
                position = None
        self.position = position
        if position is None:
            for label in self.computed.values():
                label.setText("—")
            self.computed_note.setText("Fill in the term fields correctly to see the dates.")
            return
        self.computed_note.setText("Computed from the values in the form, as you type.")
        text = self.computed
        text["status"].setText(glossary.words(position.status, glossary.STATUS_WORDS))
        glossary.set_tip(text["status"], position.status)
        if position.term_number is None:
            text["term"].setText("unknown")
            text["term_dates"].setText("")
        else:
            number = position.term_number
            text["term"].setText(
                f"{number} (initial term)" if number == 0 else f"{number} (renewal {number})"
            )
            end = show_date(position.term_end) if position.term_end else "no end"
            text["term_dates"].setText(f"{show_date(position.term_start)} – {end}")
        if position.deadline is None:
            text["cancel_by"].setText("none")
        else:
            kind = KIND_LABELS.get(position.deadline_kind or "", "")
            text["cancel_by"].setText(f"{kind} {show_date(position.deadline)}")
        text["days_left"].setText("" if position.days_left is None else str(position.days_left))
        text["ends_on"].setText(show_date(position.ends_on) if position.ends_on else "no end")
        text["earliest_end"].setText(
            show_date(position.earliest_end) if position.earliest_end else "no end"
        )
        missed = text["missed_notice"]
        missed.setText("yes" if position.missed_notice else "no")
        missed.setStyleSheet("color: #b00020; font-weight: bold;" if position.missed_notice else "")
        assert terms is not None
        lines = explain(terms, as_of).lines()
        text["explanation"].setText("\n".join(f"• {line}" for line in lines))

    def revalidate(self) -> bool:
        valid = super().revalidate()
        self.apply_button.setEnabled(valid)
        return valid

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> None:
        if self.contract_id is None:
            command = undo.CreateCommand(self.ctx, undo.CONTRACT, self.form.values())
            undo.execute(self.ctx, command)
            self.contract_id = command.record_id
            self.loaded_version = command.version_after
        elif self.form.is_dirty():
            self.save_changes(undo.CONTRACT, self.contract_id, self.form.changed_values())
        else:
            return
        self.reference = self.form.values()["reference"].strip()
        self._update_title()
        self._enable_tabs()
        assert self.contract_id is not None
        self.saved.emit(self.contract_id)

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return None if self.contract_id is None else (undo.CONTRACT, self.contract_id)

    def take_stored(self, values: Mapping[str, str], version: int | None) -> None:
        super().take_stored(values, version)
        self.reference = values.get("reference", self.reference)
        self._update_title()

    def apply(self) -> bool:
        """Save the General tab and stay open."""
        if not self.try_save():
            return False
        self.refresh_children()
        return True

    # --- Clauses ------------------------------------------------------------------------------

    def _clauses_tab(self) -> QWidget:
        self.clauses_model = RecordsModel(
            [
                Column("Number", lambda r: r.number, sort_value=natural_key),
                Column("Title", lambda r: r.title),
                Column("Category", lambda r: r.category),
                Column("Criticality", lambda r: r.criticality, right=True),
                Column("Knowledge links", lambda r: r.knowledge_links, right=True),
            ],
            self,
        )
        proxy = RecordsProxy(self)
        proxy.setSourceModel(self.clauses_model)
        self.clauses_table = record_table(self, proxy, "clausesTable")
        self.clauses_table.setSortingEnabled(True)
        self.clauses_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.clauses_table.horizontalHeader().resizeSection(1, 360)
        self.clauses_table.horizontalHeader().resizeSection(2, 160)
        self.clauses_table.open_requested.connect(lambda _i: self.edit_clause())
        return self._child_page(
            self.clauses_table,
            [
                ("Add clause…", self.add_clause),
                ("Edit…", self.edit_clause),
                ("Delete", self.delete_clause),
            ],
        )

    def add_clause(self) -> ClauseDialog | None:
        if not self._saved_for_children():
            return None
        assert self.contract_id is not None
        return self._open_child(ClauseDialog(self.ctx, self.contract_id, None, self))

    def edit_clause(self) -> ClauseDialog | None:
        clause_id = selected_id(self.clauses_table)
        if self.contract_id is None or clause_id is None:
            return None
        return self._open_child(ClauseDialog(self.ctx, self.contract_id, clause_id, self))

    def delete_clause(self) -> bool:
        clause_id = selected_id(self.clauses_table)
        if clause_id is None:
            return False
        row = self.clauses_model.row_at(self.clauses_model.row_of(clause_id) or 0)
        text = f"Delete clause {row.number} “{row.title}”"
        if row.knowledge_links:
            text += f" and its {row.knowledge_links} knowledge link(s)"
        if not confirm(self, "Delete clause", text + "?"):
            return False
        return self._run(undo.DeleteCommand(self.ctx, undo.CLAUSE, clause_id))

    # --- SLAs -----------------------------------------------------------------------------------

    def _slas_tab(self) -> QWidget:
        self.slas_model = RecordsModel(
            [
                Column("Name", lambda r: r.name),
                Column("Target", lambda r: r.target, right=True, show=lambda v: format(v, "f")),
                Column("Unit", lambda r: r.unit),
                Column("Direction", lambda r: r.direction),
                Column("Period", lambda r: r.period),
                Column(
                    "Credit %",
                    lambda r: r.credit_percent,
                    right=True,
                    show=lambda v: format(v, "f"),
                ),
            ],
            self,
        )
        proxy = RecordsProxy(self)
        proxy.setSourceModel(self.slas_model)
        self.slas_table = record_table(self, proxy, "slasTable")
        self.slas_table.setSortingEnabled(True)
        self.slas_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.slas_table.horizontalHeader().resizeSection(0, 260)
        self.slas_table.open_requested.connect(lambda _i: self.edit_sla())
        return self._child_page(
            self.slas_table,
            [("Add SLA…", self.add_sla), ("Edit…", self.edit_sla), ("Delete", self.delete_sla)],
        )

    def add_sla(self) -> SlaDialog | None:
        if not self._saved_for_children():
            return None
        assert self.contract_id is not None
        return self._open_child(SlaDialog(self.ctx, self.contract_id, None, self))

    def edit_sla(self) -> SlaDialog | None:
        sla_id = selected_id(self.slas_table)
        if self.contract_id is None or sla_id is None:
            return None
        return self._open_child(SlaDialog(self.ctx, self.contract_id, sla_id, self))

    def delete_sla(self) -> bool:
        sla_id = selected_id(self.slas_table)
        if sla_id is None:
            return False
        row = self.slas_model.row_at(self.slas_model.row_of(sla_id) or 0)
        if not confirm(self, "Delete SLA", f"Delete the SLA “{row.name}” and its measurements?"):
            return False
        return self._run(undo.DeleteCommand(self.ctx, undo.SLA, sla_id))

    # --- Documents ----------------------------------------------------------------------------

    def _documents_tab(self) -> QWidget:
        self.documents_model = RecordsModel(
            [
                Column("File", lambda r: r.filename),
                Column("Size", lambda r: r.size, show=show_size, right=True),
                Column("Added on", lambda r: r.added_on),
                Column("SHA-256", lambda r: r.sha256),
            ],
            self,
        )
        proxy = RecordsProxy(self)
        proxy.setSourceModel(self.documents_model)
        self.documents_table = record_table(self, proxy, "documentsTable")
        self.documents_table.setSortingEnabled(True)
        self.documents_table.horizontalHeader().resizeSection(0, 300)
        self.documents_table.open_requested.connect(lambda _i: self.open_document())
        return self._child_page(
            self.documents_table,
            [
                ("Attach file…", self.attach_document),
                ("Open", self.open_document),
                ("Remove", self.remove_document),
            ],
            "Files are stored inside the database, so backups and shared databases carry them.",
        )

    def attach_document(self, path: str | None = None) -> bool:
        if not self._saved_for_children():
            return False
        if not path:
            path, _filter = QFileDialog.getOpenFileName(self, "Attach a file to the contract")
        if not path:
            return False
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            self._error(ClausekeeperError(f"cannot read {path}: {exc.strerror or exc}"))
            return False
        return self._run(
            undo.AttachDocumentCommand(
                self.ctx, self.reference, Path(path).name, content, date.today()
            )
        )

    def open_document(self) -> Path | None:
        """Write the document to a temporary file and open it with the system's viewer."""
        document_id = selected_id(self.documents_table)
        if document_id is None:
            return None
        try:
            with self.ctx.session() as session:
                filename, content = actions.document_content(session, document_id)
            folder = Path(tempfile.mkdtemp(prefix="clausekeeper-"))
            target = folder / safe_file_name(filename)  # a stored name is never a path
            target.write_bytes(content)
        except (ClausekeeperError, OSError) as exc:
            error = exc if isinstance(exc, ClausekeeperError) else ClausekeeperError(str(exc))
            self._error(error)
            return None
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
        return target

    def remove_document(self) -> bool:
        document_id = selected_id(self.documents_table)
        if document_id is None:
            return False
        row = self.documents_model.row_at(self.documents_model.row_of(document_id) or 0)
        if not confirm(self, "Remove document", f"Remove {row.filename} from this contract?"):
            return False
        return self._run(undo.RemoveDocumentCommand(self.ctx, document_id))

    # --- History --------------------------------------------------------------------------------

    def _history_tab(self) -> QWidget:
        self.history_model = QStandardItemModel(0, 7, self)
        self.history_model.setHorizontalHeaderLabels(
            ["When", "Who", "Record", "Action", "Field", "Old value", "New value"]
        )
        self.history_table = QTableView(self)
        self.history_table.setObjectName("historyTable")
        self.history_table.setModel(self.history_model)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setAlternatingRowColors(True)
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.verticalHeader().setDefaultSectionSize(24)
        self.history_table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((140, 90, 200, 60, 150, 200)):
            self.history_table.horizontalHeader().resizeSection(column, width)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(self.history_table)
        return page

    def _knowledge_tab(self) -> QWidget:
        from app.ui.knowledge.matrix import MatrixWidget

        self.knowledge_matrix = MatrixWidget(self.ctx, self)
        return self.knowledge_matrix

    def _fill_history(self, entries: list[queries.HistoryEntry]) -> None:
        model = self.history_model
        model.removeRows(0, model.rowCount())
        for entry in queries.group_history(entries):
            when = entry.at.strftime("%Y-%m-%d %H:%M:%S")
            changes: list[tuple[str, Any, Any]] = list(entry.changes) or [("", None, None)]
            record = f"{entry.entity} {entry.key}"
            if entry.count > 1:  # a bulk insert or delete: one line
                record = f"{entry.count} {entry.entity} records ({entry.key} … {entry.last_key})"
            for name, old, new in changes:
                model.appendRow(
                    [
                        _item(when),
                        _item(entry.actor),
                        _item(record),
                        _item(entry.action),
                        _item(name),
                        _item(_plain(old)),
                        _item(_plain(new)),
                    ]
                )
        self.history_table.scrollToBottom()  # the latest changes

    # --- children ---------------------------------------------------------------------------

    def _child_page(
        self, table: QTableView, buttons: list[tuple[str, Any]], note: str = "",
        needs_selection: tuple[str, ...] = ("Edit…", "Delete", "Open", "Remove"),
    ) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(table, 1)
        row = QHBoxLayout()
        if note:
            label = QLabel(note, page)
            label.setStyleSheet("color: #555;")
            row.addWidget(label)
        row.addStretch(1)
        selected_only: list[QPushButton] = []
        for text, slot in buttons:
            button = QPushButton(text, page)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            row.addWidget(button)
            if text != "Open":  # the others write (off while editing is: app.ui.editing)
                self.ctx.gate.writes(button)
            if text in needs_selection:
                selected_only.append(button)
        layout.addLayout(row)

        def update(*_args: Any) -> None:  # edit and delete act on the selected row only
            selection = table.selectionModel()
            chosen = selection is not None and bool(selection.selectedRows())
            for button in selected_only:
                button.setEnabled(chosen)

        table.selectionModel().selectionChanged.connect(update)
        table.model().modelReset.connect(update)
        table.model().rowsRemoved.connect(update)
        update()
        return page

    def refresh_children(self) -> None:
        """Reload the Clauses, SLAs, Documents and History tabs."""
        if self.contract_id is None:
            for model in (self.clauses_model, self.slas_model, self.documents_model):
                model.set_rows([])
            self._fill_history([])
            return
        with self.ctx.session() as session:
            self.clauses_model.set_rows(queries.clause_rows(session, self.contract_id))
            self.slas_model.set_rows(queries.sla_rows(session, self.contract_id))
            self.documents_model.set_rows(queries.document_rows(session, self.contract_id))
            history = queries.contract_history(session, self.reference) if self.reference else []
        self._fill_history(history)
        if self.reference:
            self.knowledge_matrix.show_contract(self.reference)

    def _open_child(self, dialog: _D) -> _D:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _run(self, command: undo.StoreCommand) -> bool:
        try:
            undo.execute(self.ctx, command)
        except ClausekeeperError as exc:
            self._error(exc)
            return False
        return True

    def _error(self, exc: ClausekeeperError) -> None:
        from app.ui.workers import show_error

        show_error(self, exc)

    def _as_of_changed(self, _as_of: date) -> None:
        self.revalidate()

    def _data_changed(self, entity: str) -> None:
        if entity not in CHILD_ENTITIES or self.contract_id is None:
            return
        version: int | None = None
        with self.ctx.session() as session:
            try:
                values = actions.contract_values(session, self.contract_id)
                version = undo.CONTRACT.version(session, self.contract_id)
            except ClausekeeperError:
                values = None
        if values is None:  # deleted (or an undo removed it): find it again by reference
            try:
                with self.ctx.session() as session:
                    self.contract_id = actions.find_contract(session, self.reference)
                    values = actions.contract_values(session, self.contract_id)
                    version = undo.CONTRACT.version(session, self.contract_id)
            except ClausekeeperError:
                self.form.show_problems({FORM: f"Contract {self.reference} no longer exists."})
                self.ok_button.setEnabled(False)
                self.apply_button.setEnabled(False)
                return
        if entity in ("*", "Contract") and not self.form.is_dirty() and self.conflict is None:
            # nothing typed: show what is stored now, and save from its version
            self.take_stored(values, version)
            self.revalidate()
        self.refresh_children()


def _item(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


def _plain(value: Any) -> str:
    return "" if value is None else str(value)
