"""Add or edit an SLA definition of a contract (SPEC §1: name unique within the contract)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.store import portfolio_actions as actions
from app.store.models import DIRECTIONS, PERIODS
from app.ui import undo
from app.ui.context import AppContext
from app.ui.forms import FormDialog, combo

DIRECTION_LABELS = {
    "higher": "higher is better (met when value ≥ target)",
    "lower": "lower is better (met when value ≤ target)",
}


class SlaDialog(FormDialog):
    """The definition of one service level; saving pushes an undoable command."""

    def __init__(
        self,
        ctx: AppContext,
        contract_id: int,
        sla_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("New SLA" if sla_id is None else "Edit SLA", parent)
        self.setObjectName("slaDialog")
        self.ctx = ctx
        self.contract_id = contract_id
        self.sla_id = sla_id
        with ctx.session() as session:
            self.reference = actions.contract_values(session, contract_id)["reference"]
            values = (
                actions.sla_values(session, sla_id)
                if sla_id is not None
                else {"direction": "higher", "period": "monthly", "credit_percent": "0"}
            )
            self.read_version(session)

        layout = QVBoxLayout(self)
        fields = QFormLayout()
        form = self.form
        form.add(fields, "name", "Name", QLineEdit(self))
        unit = QLineEdit(self)
        unit.setPlaceholderText("e.g. %, hours, tickets")
        form.add(fields, "unit", "Unit", unit)
        form.add(fields, "target", "Target", QLineEdit(self))
        form.add(
            fields,
            "direction",
            "Direction",
            combo([(d, DIRECTION_LABELS[d]) for d in DIRECTIONS], self),
        )
        form.add(fields, "period", "Period", combo([(p, p) for p in PERIODS], self))
        form.add(
            fields,
            "credit_percent",
            "Service credit (%)",
            QLineEdit(self),
            "Percent of the period's fee credited for a breached period",
        )
        self.finish_layout(
            layout,
            fields,
            values,
            existing=sla_id is not None,
            width=480,
            caption=f"Contract {self.reference}",
        )

    def problems(self) -> dict[str, str]:
        parsed = actions.parse_sla(self.form.values())
        problems = dict(parsed.problems)
        if "name" not in problems:
            with self.ctx.session() as session:
                problems.update(
                    actions.sla_key_problems(session, self.contract_id, parsed.values, self.sla_id)
                )
        return problems

    def save(self) -> None:
        if self.sla_id is None:
            command = undo.CreateCommand(
                self.ctx, undo.SLA, self.form.values(), contract=self.reference
            )
            undo.execute(self.ctx, command)
            self.sla_id = command.record_id
        elif self.form.is_dirty():
            self.save_changes(undo.SLA, self.sla_id, self.form.changed_values())

    def versioned(self) -> tuple[undo.Kind, int] | None:
        return None if self.sla_id is None else (undo.SLA, self.sla_id)
