"""Undoable SLA edits: a measurement entered, corrected or cleared, and a credit note recorded.

They call the audited store actions (app.store.sla_actions) with natural keys (contract reference,
SLA name, period start), so undo and redo find their records again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.store import sla_actions
from app.ui.context import AppContext
from app.ui.undo import StoreCommand

Value = tuple[Decimal, str | None]  # value and note


class MeasurementCommand(StoreCommand):
    """Set (or clear, with `after` None) one period's measurement; undo puts back `before`."""

    entity = "Measurement"

    def __init__(
        self, ctx: AppContext, reference: str, sla_name: str, start: date,
        before: Value | None, after: Value | None,
    ) -> None:
        verb = "Clear" if after is None else ("Correct" if before is not None else "Enter")
        super().__init__(ctx, f"{verb} {sla_name} {start:%Y-%m} of {reference}")
        self.reference = reference
        self.sla_name = sla_name
        self.start = start
        self.before = before
        self.after = after

    def _set(self, session: Session, value: Value | None, seen: Value | None) -> None:
        """Store `value` where the period's measurement is still `seen` (what the user saw, or
        what this command left): another desk's change meanwhile is a ConflictError."""
        if value is None:
            if seen is not None:
                sla_actions.delete_measurement(session, self.reference, self.sla_name,
                                               self.start, seen=seen)
            return
        sla_actions.record_measurement(session, self.reference, self.sla_name, self.start,
                                       value[0], value[1], replace=True, seen=seen)

    def apply(self, session: Session) -> None:
        self._set(session, self.after, self.before)

    def revert(self, session: Session) -> None:
        self._set(session, self.before, self.after)


class CreditNoteCommand(StoreCommand):
    """Record a credit note the vendor granted; undo removes it."""

    entity = "CreditNote"

    def __init__(
        self, ctx: AppContext, reference: str, month: str, amount: str,
        received_on: str | None, note_reference: str | None,
    ) -> None:
        super().__init__(ctx, f"Record credit note {month} of {reference}")
        self.reference = reference
        self.month = month
        self.amount = amount
        self.received_on = received_on
        self.note_reference = note_reference
        self.note_id: int | None = None

    def apply(self, session: Session) -> None:
        note = sla_actions.record_credit_note(session, self.reference, self.month, self.amount,
                                              self.received_on, self.note_reference)
        self.note_id = note.id

    def revert(self, session: Session) -> None:
        assert self.note_id is not None
        sla_actions.delete_credit_note(session, self.note_id)
