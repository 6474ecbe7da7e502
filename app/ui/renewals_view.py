"""The renewals pipeline: every running contract's next deadline, most urgent first.

Rows come from app.services.renewals on a worker. "Give notice…" and "Exercise option…" call the
store's contract actions and are undoable (QUndoCommand on ctx.undo_stack).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QShowEvent, QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import file_actions, glossary, settings_store, workers
from app.ui.date_input import DateInput
from app.ui.renewals_model import (
    ATTENTION,
    DEADLINE,
    FLAGS,
    HEADERS,
    REFERENCE,
    RENEWAL,
    ROW_ROLE,
    TERM_END,
    TITLE,
    VENDOR,
    RenewalsModel,
    RenewalsProxy,
    can_exercise_option,
    can_give_notice,
    urgency,
)
from app.ui.tables import ListTable, keep_place

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.terms import ContractTerms
    from app.services.renewals import RenewalRow
    from app.ui.context import AppContext

# entities whose change can move a renewal row (escalation depends on knowledge, §2/§3)
RELEVANT = {"*", "Contract", "Vendor", "Person", "Clause", "Knowledge", "Setting"}
RESIZE_SAMPLE = 50  # rows measured when fitting the columns to their contents
HIDDEN_COLUMNS = (RENEWAL, TERM_END)  # until the user shows them (header context menu)
WITHIN_CHOICES: tuple[tuple[str, int | None], ...] = (
    ("All deadlines", None),
    ("Next 30 days", 30),
    ("Next 90 days", 90),
    ("Next 180 days", 180),
    ("Next 365 days", 365),
)
ATTENTION_LABELS = {"escalated": "Escalated", "missed_notice": "Missed notice",
                    "needs_review": "Need review"}
KIND_LABELS = {"cancel_by": "cancel-by", "exercise_by": "exercise-by", "end": "end"}
FILTER_KEYS = frozenset({"within", "text", "attention", "kind", "month", "select"})


def load_renewals(session: Session, as_of: date) -> list[RenewalRow]:
    """The renewals list on `as_of` (runs on a worker)."""
    from app.services.renewals import renewals

    return renewals(session, as_of)


# --- undoable contract actions -------------------------------------------------------------------


def give_notice(
    session: Session, reference: str, on: date, as_of: date, seen: ContractTerms | None = None
) -> None:
    from app.store.contract_actions import give_notice as action

    action(session, reference, on, as_of, seen)


def withdraw_notice(session: Session, reference: str) -> None:
    from app.store.contract_actions import withdraw_notice as action

    action(session, reference)


def exercise_option(
    session: Session, reference: str, as_of: date, seen: ContractTerms | None = None
) -> None:
    from app.store.contract_actions import exercise_option as action

    action(session, reference, as_of, seen)


def undo_exercise_option(session: Session, reference: str) -> None:
    """Take back the last exercised option."""
    from app.store import contract_actions

    contract_actions.undo_exercise_option(session, reference)


class ContractActionCommand(QUndoCommand):
    """An action already done once (by `perform`), undone and redone through the store."""

    def __init__(
        self,
        ctx: AppContext,
        text: str,
        redo: Callable[[Session], None],
        undo: Callable[[Session], None],
        widget: QWidget | None = None,
    ) -> None:
        super().__init__(text)
        self._ctx = ctx
        self._redo = redo
        self._undo = undo
        self._widget = widget
        self._done = False

    @classmethod
    def perform(
        cls,
        ctx: AppContext,
        text: str,
        redo: Callable[[Session], None],
        undo: Callable[[Session], None],
        widget: QWidget | None = None,
    ) -> ContractActionCommand:
        """Do the action now (errors propagate) and push it on the undo stack."""
        with ctx.session() as session:
            redo(session)
        command = cls(ctx, text, redo, undo, widget)
        command._done = True
        ctx.undo_stack.push(command)  # calls redo(), which skips the first time
        ctx.changed("Contract")
        return command

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._run(self._redo)

    def undo(self) -> None:
        self._run(self._undo)

    def _run(self, fn: Callable[[Session], None]) -> None:
        try:
            with self._ctx.session() as session:
                fn(session)
        except Exception as exc:  # the data moved on since: say so, drop the history entry
            self.setObsolete(True)
            workers.show_error(self._widget, exc, self.text())
        self._ctx.changed("Contract")


# --- dialogs (module functions, so tests can answer them) -----------------------------------------


class NoticeDialog(QDialog):
    """Asks for the date on which notice of termination was (or is) given."""

    def __init__(self, row: RenewalRow, as_of: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeDialog")
        self.setWindowTitle(f"Give notice — {row.reference}")
        layout = QVBoxLayout(self)
        text = QLabel(
            f"<b>{_html(row.reference)}</b> {_html(row.title)}<br>{_html(row.vendor)}"
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.date_edit = DateInput(as_of)
        self.date_edit.setObjectName("noticeDate")
        self.date_edit.setMaximumDate(as_of)
        form.addRow("Notice given on:", self.date_edit)
        layout.addLayout(form)
        self.problem = self.date_edit.problem_label(self)
        self.problem.setObjectName("noticeDateProblem")
        layout.addWidget(self.problem)
        if row.deadline_kind == "cancel_by" and row.cancel_by is not None:
            hint = (f"To stop the renewal, notice must be given by {row.cancel_by.isoformat()}; "
                    f"the contract would then end on {_day(row.earliest_end)}.")
        else:
            hint = f"Notice given today can end the contract on {_day(row.earliest_end)}."
        note = QLabel(hint)
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Give notice…")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.date_edit.setFocus()

    def _accept(self) -> None:
        if self.date_edit.commit():
            self.accept()

    def chosen(self) -> date:
        value = self.date_edit.value()
        assert value is not None
        return value


def ask_notice_date(parent: QWidget, row: RenewalRow, as_of: date) -> date | None:
    dialog = NoticeDialog(row, as_of, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None


def confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def _reference_of(index: QModelIndex) -> str | None:
    row = index.data(ROW_ROLE)
    return None if row is None else str(row.reference)


def _day(value: date | None) -> str:
    return value.isoformat() if value else "(unknown)"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the view ------------------------------------------------------------------------------------


class RenewalsView(QWidget):
    """The pipeline table with its filter, actions and exports."""

    contract_activated = Signal(str)  # a reference, on double-click
    loaded = Signal()  # rows were (re)computed

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renewalsView")
        self.ctx = ctx
        self._dirty = True
        self._generation = 0
        self.model = RenewalsModel(self)
        self.proxy = RenewalsProxy(self)
        self.proxy.setSourceModel(self.model)

        self.within_combo = QComboBox()
        self.within_combo.setObjectName("withinCombo")
        for label, days in WITHIN_CHOICES:
            self.within_combo.addItem(label, days)
        self.within_combo.currentIndexChanged.connect(self._within_changed)
        self.attention_combo = QComboBox()
        self.attention_combo.setObjectName("attentionCombo")
        self.attention_combo.addItem("Any contract", None)
        for flag in ATTENTION:
            self.attention_combo.addItem(ATTENTION_LABELS[flag], flag)
        self.attention_combo.currentIndexChanged.connect(self._filters_edited)
        self._kind: str | None = None  # set only through apply_filters (the dashboard's charts)
        self._month: date | None = None
        self._pending_select: str | None = None
        self.filter_note = QLabel()
        self.filter_note.setObjectName("renewalsFilterNote")
        self.clear_filters_button = QPushButton("Clear filters")
        self.clear_filters_button.setObjectName("clearFiltersButton")
        self.clear_filters_button.clicked.connect(lambda: self.apply_filters({}))
        self.search = QLineEdit()
        self.search.setObjectName("renewalsSearch")
        self.search.setPlaceholderText("Filter by reference, vendor or title")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.notice_button = QPushButton("Give notice…")
        self.notice_button.setObjectName("giveNoticeButton")
        self.notice_button.clicked.connect(self.give_notice)
        self.option_button = QPushButton("Exercise option…")
        self.option_button.setObjectName("exerciseOptionButton")
        self.option_button.clicked.connect(self.exercise_option)
        ctx.gate.writes(self.notice_button, self.option_button)
        self.excel_button = QPushButton("Export to Excel…")
        self.excel_button.setObjectName("renewalsExcelButton")
        self.excel_button.clicked.connect(self.export_excel)
        self.ics_button = QPushButton("Calendar (.ics)…")
        self.ics_button.setObjectName("renewalsIcsButton")
        self.ics_button.clicked.connect(self.export_calendar)

        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.within_combo)
        top.addWidget(self.attention_combo)
        top.addWidget(self.search, 1)
        top.addWidget(self.filter_note)
        top.addWidget(self.clear_filters_button)
        actions = QHBoxLayout()
        actions.addWidget(self.notice_button)
        actions.addWidget(self.option_button)
        actions.addStretch(1)
        actions.addWidget(self.excel_button)
        actions.addWidget(self.ics_button)

        self.summary = QLabel()
        self.summary.setObjectName("renewalsSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setToolTip(glossary.tip(
            "deadline", "escalated", "missed_notice", "needs_review",
            lead="Red: a deadline within 30 days; yellow: within 31–90 days."))

        self.table = ListTable(key=_reference_of)
        self.table.setObjectName("renewalsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DEADLINE, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8
        )
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(RESIZE_SAMPLE)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The title takes the room the other columns leave (its tooltip has it whole), so the
        # Attention column at the end is never cut off at the window's size.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        hidden = settings_store.hidden_columns("renewals", [HEADERS[c] for c in HIDDEN_COLUMNS])
        for column, name in HEADERS.items():
            self.table.setColumnHidden(column, name in hidden)
        self.table.open_requested.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

        ctx.as_of_changed.connect(self._as_of_changed)
        ctx.data_changed.connect(self._data_changed)
        ctx.database_changed.connect(self._as_of_changed)
        self._filters_edited()

    # loading -------------------------------------------------------------------------------

    def refresh(self) -> workers.Op:
        """Recompute the rows for the current as-of date on a worker."""
        self._dirty = False
        self._generation += 1
        generation = self._generation
        as_of = self.ctx.as_of
        self.summary.setText(f"Computing the renewals as of {as_of.isoformat()}…")

        def done(rows: list[RenewalRow]) -> None:
            if generation == self._generation:
                self._show_rows(rows, as_of)

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText("The renewals could not be computed.")

        return workers.run_query(
            self, self.ctx, lambda session: load_renewals(session, as_of), done, on_failed=failed,
            title="Renewals",
        )

    def _show_rows(self, rows: list[RenewalRow], as_of: date) -> None:
        selected = self.selected_row()
        first = self.model.rowCount() == 0
        pending, self._pending_select = self._pending_select, None
        if pending is not None or first:
            self.model.set_rows(rows)
            if first:  # later loads keep the widths (the user may have changed them)
                self._resize_columns()
            if pending is not None:
                self.select(pending)
        else:
            with keep_place(self.table):  # a refresh: the same row selected, the same place
                self.model.set_rows(rows)
                if selected is not None:
                    self.select(selected.reference)
        self._update_summary(as_of)
        self._update_actions()
        self.loaded.emit()

    def _resize_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        for column in range(self.model.columnCount()):
            if column == TITLE or self.table.isColumnHidden(column):
                continue
            self.table.resizeColumnToContents(column)
            if column == VENDOR:
                header.resizeSection(column, min(header.sectionSize(column),
                                                 metrics.horizontalAdvance("M" * 12)))
            elif column == FLAGS:  # room for the longest flags a row can have, with its icon
                widest = metrics.horizontalAdvance("escalated, missed notice") + 40
                header.resizeSection(column, max(header.sectionSize(column), widest))

    def _header_menu(self, point: QPoint) -> None:
        """Right-click on the header: show or hide columns (remembered)."""
        menu = QMenu(self)
        for column, name in HEADERS.items():
            if column in (DEADLINE, REFERENCE):
                continue
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.toggled.connect(lambda shown, c=column: self.show_column(c, shown))
        menu.popup(self.table.horizontalHeader().mapToGlobal(point))

    def show_column(self, column: int, shown: bool) -> None:
        self.table.setColumnHidden(column, not shown)
        if shown:
            self.table.resizeColumnToContents(column)
        settings_store.set_hidden_columns(
            "renewals", [name for c, name in HEADERS.items() if self.table.isColumnHidden(c)]
        )

    def _update_summary(self, as_of: date) -> None:
        rows = self.proxy.accepted_rows()
        red = sum(1 for row in rows if urgency(row) == "red")
        amber = sum(1 for row in rows if urgency(row) == "amber")
        escalated = sum(1 for row in rows if row.escalated)
        missed = sum(1 for row in rows if row.missed_notice)
        review = sum(1 for row in rows if row.needs_review)
        parts = [f"<b>{len(rows)}</b> of {self.model.rowCount()} contracts as of "
                 f"{as_of.isoformat()}"]
        if red:
            parts.append(f"<span style='color:#9b1c1c'><b>{red}</b> within 30 days</span>")
        if amber:
            parts.append(f"<b>{amber}</b> within 31–90 days")
        if escalated:
            parts.append(f"<span style='color:#9b1c1c'><b>{escalated}</b> escalated</span>")
        if missed:
            parts.append(f"<b>{missed}</b> missed notice")
        if review:
            parts.append(f"<b>{review}</b> need review")
        self.summary.setText(" · ".join(parts))

    def _as_of_changed(self, *_args: Any) -> None:
        self._schedule()

    def _data_changed(self, entity: str) -> None:
        if entity in RELEVANT:
            self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # filter and selection --------------------------------------------------------------------

    def set_within(self, days: int | None) -> None:
        """Show the deadlines within `days` (the other filters stay)."""
        index = self.within_combo.findData(days)
        if index < 0:
            raise ValueError(f"no filter for {days} days")
        self.within_combo.setCurrentIndex(index)

    def _within_changed(self, index: int) -> None:
        self._filters_edited()

    def _search_changed(self, text: str) -> None:
        self._filters_edited()

    def apply_filters(self, filters: dict[str, Any]) -> None:
        """Replace every filter at once: what is not named is cleared.

        Keys: within (days or None), text, attention (escalated, missed_notice, needs_review),
        kind (cancel_by, exercise_by, end), month (deadlines in that month: a date or YYYY-MM),
        select (a reference to select once the rows are there).
        """
        unknown = set(filters) - FILTER_KEYS
        if unknown:
            raise ValueError(f"unknown renewals filters: {', '.join(sorted(unknown))}")
        within = filters.get("within")
        within_index = self.within_combo.findData(within)
        if within_index < 0:
            raise ValueError(f"no filter for {within} days")
        attention = filters.get("attention")
        attention_index = self.attention_combo.findData(attention)
        if attention_index < 0:
            raise ValueError(f"no attention filter {attention!r}")
        kind = filters.get("kind")
        if kind is not None and kind not in KIND_LABELS:
            raise ValueError(f"no deadline kind {kind!r}")
        month = filters.get("month")
        if isinstance(month, str):
            month = date.fromisoformat(f"{month}-01")
        widgets = (self.within_combo, self.attention_combo, self.search)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.within_combo.setCurrentIndex(within_index)
            self.attention_combo.setCurrentIndex(attention_index)
            self.search.setText(str(filters.get("text") or ""))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._kind = kind
        self._month = None if month is None else month.replace(day=1)
        reference = filters.get("select")
        self._filters_edited()
        if reference:
            if not self.select(str(reference)):
                self._pending_select = str(reference)  # the rows are still coming

    def filters(self) -> dict[str, Any]:
        """The filters in force (the keys of apply_filters that are set)."""
        found: dict[str, Any] = {
            "within": self.within_combo.currentData(),
            "text": self.search.text().strip(),
            "attention": self.attention_combo.currentData(),
            "kind": self._kind,
            "month": None if self._month is None else f"{self._month:%Y-%m}",
        }
        return {key: value for key, value in found.items() if value}

    def _filters_edited(self, *_args: Any) -> None:
        between = None
        if self._month is not None:
            from app.core.months import month_end

            between = (self._month, month_end(self._month))
        self.proxy.set_filters(
            within=self.within_combo.currentData(),
            text=self.search.text(),
            attention=self.attention_combo.currentData(),
            kind=self._kind,
            between=between,
        )
        parts = []
        if self._kind is not None:
            parts.append(f"{KIND_LABELS[self._kind]} deadlines")
        if self._month is not None:
            parts.append(f"in {self._month:%Y-%m}")
        self.filter_note.setText(("Only " + " ".join(parts)) if parts else "")
        self.filter_note.setVisible(bool(parts))
        self.clear_filters_button.setEnabled(bool(self.filters()))
        self._update_summary(self.ctx.as_of)
        self._update_actions()

    def focus_filter(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def visible_rows(self) -> list[RenewalRow]:
        return self.proxy.accepted_rows()

    def selected_row(self) -> RenewalRow | None:
        selection = self.table.selectionModel()
        if selection is None:
            return None
        rows = selection.selectedRows()
        if not rows:
            return None
        row = rows[0].data(ROW_ROLE)
        return row  # type: ignore[no-any-return]  # ROW_ROLE holds a RenewalRow or None

    def select(self, reference: str) -> bool:
        source = self.model.find(reference)
        if source is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source, REFERENCE))
        if not index.isValid():
            return False
        self.table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def _update_actions(self, *_args: Any) -> None:
        row = self.selected_row()
        self.notice_button.setEnabled(row is not None and can_give_notice(row))
        self.option_button.setEnabled(row is not None and can_exercise_option(row))

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row is not None:
            self.contract_activated.emit(row.reference)

    # actions ---------------------------------------------------------------------------------

    def give_notice(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        as_of = self.ctx.as_of
        on = ask_notice_date(self, row, as_of)
        if on is None:
            return
        if not confirm(
            self, "Give notice",
            f"Record notice of termination for {row.reference} ({row.title}) "
            f"given on {on.isoformat()}?\n\nYou can undo this with Edit ▸ Undo.",
        ):
            return
        self.perform_give_notice(row.reference, on, row.terms)

    def perform_give_notice(
        self, reference: str, on: date, seen: ContractTerms | None = None
    ) -> bool:
        """Give notice; `seen`: the terms the list showed (refused when another desk has
        changed them since)."""
        as_of = self.ctx.as_of
        try:
            ContractActionCommand.perform(
                self.ctx, f"Give notice on {reference}",
                lambda s: give_notice(s, reference, on, as_of, seen),
                lambda s: withdraw_notice(s, reference),
                self,
            )
        except Exception as exc:
            workers.show_error(self, exc, "Give notice")
            return False
        return True

    def exercise_option(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        if not confirm(
            self, "Exercise option",
            f"Exercise the renewal option of {row.reference} ({row.title})?\n\n"
            "This adds one renewal term. You can undo this with Edit ▸ Undo.",
        ):
            return
        self.perform_exercise_option(row.reference, row.terms)

    def perform_exercise_option(self, reference: str, seen: ContractTerms | None = None) -> bool:
        """Exercise the option; `seen` as for perform_give_notice."""
        as_of = self.ctx.as_of
        try:
            ContractActionCommand.perform(
                self.ctx, f"Exercise option on {reference}",
                lambda s: exercise_option(s, reference, as_of, seen),
                lambda s: undo_exercise_option(s, reference),
                self,
            )
        except Exception as exc:
            workers.show_error(self, exc, "Exercise option")
            return False
        return True

    def export_excel(self) -> workers.Op | None:
        return file_actions.export_workbook(self, self.ctx, "renewals")

    def export_calendar(self) -> workers.Op | None:
        return file_actions.export_calendar(self, self.ctx)
