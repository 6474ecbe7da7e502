"""Add or edit a clause of a contract (SPEC §1: number unique in its contract, criticality 1-5)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.store import portfolio_actions as actions
from app.store.models import CLAUSE_CATEGORIES
from app.ui import undo
from app.ui.context import AppContext
from app.ui.forms import FormDialog, combo

CRITICALITY_LABELS = {
    "1": "1 – minor",
    "2": "2 – low",
    "3": "3 – medium",
    "4": "4 – high",
    "5": "5 – critical",
}


class ClauseDialog(FormDialog):
    """The fields of one clause; saving pushes an undoable command."""

    def __init__(
        self,
        ctx: AppContext,
        contract_id: int,
        clause_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("New clause" if clause_id is None else "Edit clause", parent)
        self.setObjectName("clauseDialog")
        self.ctx = ctx
        self.contract_id = contract_id
        self.clause_id = clause_id
        with ctx.session() as session:
            self.reference = actions.contract_values(session, contract_id)["reference"]
            values = (
                actions.clause_values(session, clause_id)
                if clause_id is not None
                else {"criticality": "3"}
            )
            self.read_version(session)

        layout = QVBoxLayout(self)
        fields = QFormLayout()
        form = self.form
        number = QLineEdit(self)
        number.setPlaceholderText("e.g. 7.2, 7.10 or a")
        form.add(fields, "number", "Number", number)
        form.add(fields, "title", "Title", QLineEdit(self))
        form.add(
            fields,
            "category",
            "Category",
            combo([("", "")] + [(c, c) for c in CLAUSE_CATEGORIES], self),
        )
        form.add(
            fields,
            "criticality",
            "Criticality",
            combo(list(CRITICALITY_LABELS.items()), self),
            "How much harm it does when nobody in-house understands this clause",
        )
        summary = QPlainTextEdit(self)
        summary.setTabChangesFocus(True)
        summary.setFixedHeight(90)
        form.add(fields, "summary", "Summary", summary)
        self.finish_layout(
            layout,
            fields,
            values,
            existing=clause_id is not None,
            width=480,
            caption=f"Contract {self.reference}",
        )

    def problems(self) -> dict[str, str]:
        parsed = actions.parse_clause(self.form.values())
        problems = dict(parsed.problems)
        if "number" not in problems:
            with self.ctx.session() as session:
                problems.update(
                    actions.clause_key_problems(
                        session, self.contract_id, parsed.values, self.clause_id
                    )
                )
        return problems

    def save(self) -> None:
        if self.clause_id is None:
            command = undo.CreateCommand(
                self.ctx, undo.CLAUSE, self.form.values(), contract=self.reference
            )
            undo.execute(self.ctx, command)
            self.clause_id = command.record_id
        elif self.form.is_dirty():
            self.save_changes(undo.CLAUSE, self.clause_id, self.form.changed_values())

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return None if self.clause_id is None else (undo.CLAUSE, self.clause_id)
