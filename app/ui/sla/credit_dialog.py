"""Record a credit note the vendor granted (SPEC §1 CreditNote): validated as the user types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.core import fields
from app.core.months import parse_month
from app.errors import ClausekeeperError
from app.ui import undo
from app.ui.context import AppContext
from app.ui.forms import DateField, FormDialog
from app.ui.sla.commands import CreditNoteCommand
from app.ui.sla.models import normalise_number


def _problem(check: object) -> str | None:
    try:
        if callable(check):
            check()
    except ClausekeeperError as exc:
        return str(exc)
    return None


class CreditNoteDialog(FormDialog):
    """Contract, month, amount (a decimal ≥ 0), received on and the vendor's reference."""

    def __init__(
        self, ctx: AppContext, reference: str = "", month: date | None = None,
        amount: str = "", parent: QWidget | None = None,
    ) -> None:
        super().__init__("Record a credit note", parent)
        self.setObjectName("creditNoteDialog")
        self.ctx = ctx
        self.command: CreditNoteCommand | None = None
        layout = QVBoxLayout(self)
        rows = QFormLayout()
        form = self.form
        form.add(rows, "contract", "Contract", QLineEdit(self))
        month_edit = QLineEdit(self)
        month_edit.setPlaceholderText("YYYY-MM")
        form.add(rows, "month", "Month", month_edit, "The month the credit is for")
        amount_edit = QLineEdit(self)
        amount_edit.setPlaceholderText("e.g. 500.00")
        form.add(rows, "amount", "Amount", amount_edit, "What the vendor credited")
        form.add(rows, "received_on", "Received on", DateField(self))
        form.add(rows, "reference", "Vendor's reference", QLineEdit(self))
        values = {
            "contract": reference,
            "month": "" if month is None else f"{month:%Y-%m}",
            "amount": amount,
            "received_on": ctx.as_of.isoformat(),
            "reference": "",
        }
        self.finish_layout(layout, rows, values, existing=bool(reference), width=440,
                           caption="Credits the vendor actually granted reduce what is "
                                   "outstanding for that month.")

    def problems(self) -> dict[str, str]:
        values = self.form.values()
        found: dict[str, str | None] = {
            "contract": _problem(lambda: fields.text(values["contract"], "contract",
                                                     required=True)),
            "month": _problem(lambda: parse_month(values["month"])),
            "amount": _problem(lambda: fields.decimal(normalise_number(values["amount"]),
                                                      "amount", required=True,
                                                      minimum=Decimal(0))),
            "received_on": _problem(lambda: fields.day(values["received_on"], "received_on")),
        }
        return {name: text for name, text in found.items() if text}

    def save(self) -> None:
        values = self.form.values()
        command = CreditNoteCommand(
            self.ctx, values["contract"].strip(), f"{parse_month(values['month']):%Y-%m}",
            normalise_number(values["amount"]), values["received_on"].strip() or None,
            values["reference"].strip() or None,
        )
        undo.execute(self.ctx, command)
        self.command = command
