"""Who could take over the selected clause (SPEC §3a successors) and the succession plan.

The successors of the whole portfolio are computed once on a worker by
app.services.continuity.find_successors (the function behind `clausekeeper successors`) while the
panel is shown, and again when knowledge, people, contracts or settings change; they are kept as
an app.services.successor_index.SuccessorIndex, and selecting another clause only looks its
candidates up. Each candidate has a button for its action: re-verify the
stale link, set a higher level, or add them as an owner — undoable edits of
app.ui.knowledge.commands, audited like the matrix's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.continuity import Candidate
from app.errors import ClausekeeperError
from app.services.successor_index import SuccessorIndex
from app.ui import workers
from app.ui.context import AppContext
from app.ui.knowledge import commands
from app.ui.knowledge.commands import LinkKey
from app.ui.knowledge.matrix_model import ratio_text
from app.ui.knowledge.person_picker import LEVEL_TEXTS
from app.ui.knowledge.sequencer import Sequencer, request
from app.ui.status_colors import REASON_LABELS, status_label

ENTITIES = ("*", "Knowledge", "Person", "Clause", "Contract", "Setting")
NAME, ACTION, LEVEL, LOAD, DO = range(5)
HEADERS = ("Name", "What to do", "Level", "Load", "")
ACTION_TEXTS = {
    "reverify": "Re-verify: check gone stale",
    "deepen": "Deepen: has read it",
    "learn": "Learn: knows this contract",
}
ACTION_TIPS = {
    "reverify": "They know the clause, but their last check is too old: a re-check is all "
                "that is due.",
    "deepen": "They have a link to the clause below the understanding level: they have read "
              "it and can go deeper.",
    "learn": "No link to this clause yet, but they are a current owner of another clause of "
             "the same contract.",
}
BUTTON_TEXTS = {"reverify": "Re-verify", "deepen": "Set level…", "learn": "Add as owner"}
LOAD_TIP = "Load: the total criticality of the in-scope clauses they own now (lower is freer)"


class SelectedClause(NamedTuple):
    """The clause the panel describes, as the clause list or the matrix shows it."""

    clause_id: int
    contract: str
    number: str
    title: str
    criticality: int
    status: str
    reason: str | None


def _item(text: str, right: bool = False, tip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    return item


def _truck(value: int | None) -> str:
    return "—" if value is None else str(value)


def plan_text(label: str, figures: Any) -> str:
    """'label: coverage 60.3 % → 81.0 %, truck factor 5 → 7'."""
    return (
        f"{label}: coverage {ratio_text(figures.coverage_before)} → "
        f"{ratio_text(figures.coverage_after)}, truck factor "
        f"{_truck(figures.truck_factor_before)} → {_truck(figures.truck_factor_after)}"
    )


class SuccessorsPanel(QWidget):
    """The candidates of the selected clause, their actions, and the succession plan."""

    loaded = Signal()  # the portfolio's successors were computed and are shown

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, sequencer: Sequencer | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("successorsPanel")
        self.ctx = ctx
        self.sequencer = sequencer
        self.clause: SelectedClause | None = None
        self.result: SuccessorIndex | None = None
        self.candidates: tuple[Candidate, ...] | None = None  # the clause's; None: not listed
        self._generation = 0
        self._dirty = True
        self._busy = False
        self.buttons: list[QAbstractButton] = []

        self.heading = QLabel(self)
        self.heading.setObjectName("successorsHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel(self)
        self.note.setObjectName("successorsNote")
        self.note.setWordWrap(True)
        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(HEADERS))
        self.model.setHeaderData(LOAD, Qt.Orientation.Horizontal, LOAD_TIP,
                                 Qt.ItemDataRole.ToolTipRole)
        self.model.setHeaderData(LEVEL, Qt.Orientation.Horizontal,
                                 "Their current level on the clause", Qt.ItemDataRole.ToolTipRole)
        self.table = QTableView(self)
        self.table.setObjectName("successorsTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for column, width in ((NAME, 116), (LEVEL, 54), (LOAD, 44), (DO, 102)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(ACTION, header.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.plan = QLabel(self)
        self.plan.setObjectName("successionPlan")
        self.plan.setWordWrap(True)
        self.plan.setTextFormat(Qt.TextFormat.RichText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addWidget(self.plan)
        layout.addStretch(1)
        self._display()

        ctx.data_changed.connect(self._data_changed)
        ctx.as_of_changed.connect(lambda _d: self._schedule())
        ctx.database_changed.connect(self._database_changed)

    # --- what is shown ------------------------------------------------------------------------

    def show_clause(self, clause: SelectedClause | None) -> None:
        """Describe this clause (its candidates come from the portfolio's successors)."""
        if clause == self.clause:
            return
        self.clause = clause
        self._display()

    def refresh(self) -> workers.Op:
        """Compute the portfolio's successors and the succession plan on a worker."""
        self._dirty = False
        self._generation += 1
        generation = self._generation
        as_of = self.ctx.as_of
        self._set_busy(True)

        def work(session: Any) -> SuccessorIndex:
            from app.services.successor_index import portfolio_successors

            return portfolio_successors(session, as_of)

        def done(result: SuccessorIndex) -> None:
            if generation == self._generation:
                self._busy = False
                self._take(result)

        def failed(_exc: BaseException) -> None:
            if generation == self._generation:
                self._busy = False
                self.plan.setText("The successors could not be computed.")

        return workers.run_query(self, self.ctx, work, done, on_failed=failed,
                                 title="Successors")

    def _take(self, result: SuccessorIndex) -> None:
        self.result = result
        self._display()
        self.loaded.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in self.buttons:
            button.setEnabled(not busy)
        self._show_plan(None if self.clause is None else self.clause.contract)

    def _display(self) -> None:
        clause, result = self.clause, self.result
        self.model.removeRows(0, self.model.rowCount())
        self.buttons = []
        self.candidates = None
        if clause is None:
            self.heading.setText("<b>Successors</b>")
            self.note.setText("Select a clause to see who could take it over.")
            self.table.setVisible(False)
            self._show_plan(None)
            return
        listed = result.status(clause.clause_id) if result is not None else None
        candidates = result.candidates(clause.clause_id) if result is not None else None
        self.candidates = candidates
        status, why = listed or (clause.status, clause.reason)
        reason = f" ({REASON_LABELS.get(why, why)})" if why else ""
        self.heading.setText(
            f"<b>Who could take over {clause.contract} §{clause.number}</b> {clause.title} · "
            f"criticality {clause.criticality} · {status_label(status)}{reason}"
        )
        if result is None:
            self.note.setText("Finding the candidates…")
            self.table.setVisible(False)
            self._show_plan(None)
            return
        if candidates is None:
            self.note.setText(
                "Two or more current owners: no successor is needed."
                if clause.status in ("covered", "single", "at_risk") else
                "Not in the successors list on the as-of date (its contract is not in scope)."
            )
            self.table.setVisible(False)
        elif not candidates:
            self.note.setText(
                "Nobody in the team can take it over: it needs someone from outside the team."
            )
            self.table.setVisible(False)
        else:
            self.note.setText("Candidates, best first (by action, then the lightest load):")
            self.table.setVisible(True)
            for row, candidate in enumerate(candidates):
                person = result.people[candidate.person_id]
                level = "no link" if candidate.level is None else str(candidate.level)
                self.model.appendRow([
                    _item(person.name, tip=person.email or person.key),
                    _item(ACTION_TEXTS.get(candidate.action, candidate.action),
                          tip=ACTION_TIPS.get(candidate.action, "")),
                    _item(level, right=True),
                    _item(f"{candidate.load:,}", right=True, tip=LOAD_TIP),
                    _item(""),
                ])
                button = self._button(row, candidate.action, candidate.level)
                self.table.setIndexWidget(self.model.index(row, DO), button)
                self.buttons.append(button)
            rows = len(candidates)
            self.table.setFixedHeight(
                self.table.horizontalHeader().sizeHint().height()
                + rows * self.table.verticalHeader().defaultSectionSize() + 4
            )
        self._show_plan(clause.contract)

    def _button(self, row: int, action: str, level: int | None) -> QAbstractButton:
        if action == "deepen":
            tool = QToolButton(self.table)
            tool.setText(BUTTON_TEXTS[action])
            tool.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(tool)
            for value, text in LEVEL_TEXTS.items():
                if level is None or value > level:
                    item = QAction(text, menu)
                    item.triggered.connect(lambda _c=False, r=row, v=value: self.act(r, v))
                    menu.addAction(item)
            tool.setMenu(menu)
            button: QAbstractButton = tool
        else:
            button = QPushButton(BUTTON_TEXTS.get(action, action), self.table)
            button.clicked.connect(lambda _c=False, r=row: self.act(r))
        button.setObjectName(f"successorAction{row}")
        button.setEnabled(not self._busy)
        self.ctx.gate.writes(button)
        return button

    def _show_plan(self, reference: str | None) -> None:
        result = self.result
        if result is None:
            self.plan.setText("")
            return
        lines = [
            f"<b>Succession plan</b> (each listed clause's first candidate takes it over, "
            f"{result.listed:,} clauses) — {plan_text('portfolio', result.portfolio)}"
        ]
        if reference is not None:
            contract = result.contract_plan(reference)
            lines.append(
                plan_text(reference, contract) if contract is not None
                else f"{reference}: no clause to hand over"
            )
        if self._busy:
            lines.append("<i>Updating…</i>")
        self.plan.setText("<br>".join(lines))

    # --- acting on a candidate ----------------------------------------------------------------

    def act(self, row: int, level: int | None = None) -> bool:
        """Do the action of the candidate in this row (deepen: to `level`, by default the
        understanding level); an undoable, audited edit."""
        clause, candidates, result = self.clause, self.candidates, self.result
        if clause is None or candidates is None or result is None or self._busy or not (
            0 <= row < len(candidates)
        ):
            return False
        candidate = candidates[row]
        person = result.people[candidate.person_id]
        key = LinkKey(person.key, person.name, clause.contract, clause.number)
        understanding = result.settings.understanding_level
        try:
            if candidate.action == "reverify" and candidate.level is not None:
                commands.reverify(self.ctx, [key], [candidate.level])
            elif candidate.action == "deepen":
                commands.set_level(self.ctx, [key], level or understanding)
            else:
                commands.add_owner(self.ctx, [key], understanding)
        except ClausekeeperError as exc:
            workers.show_error(self, exc, "Successors")
            return False
        return True

    # --- refreshing ---------------------------------------------------------------------------

    def _data_changed(self, entity: str) -> None:
        if entity in ENTITIES:
            self._schedule()

    def _database_changed(self) -> None:
        self._generation += 1
        self._busy = False
        self.result = None
        self.clause = None
        self._display()
        self._schedule()

    def _schedule(self) -> None:
        self._set_busy(True)  # what is shown is old: no action on it until recomputed
        if self.isVisible():
            self._request()
        else:
            self._dirty = True

    def _request(self) -> None:
        self._dirty = False
        request(self.sequencer, "successors", self.refresh)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._dirty:
            self._request()
