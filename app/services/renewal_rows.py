"""One row of the renewals list (SPEC §2, §6) as plain data.

Kept apart from the queries that make it (app.services.renewals) so that what only shows rows —
the dashboard's cached figures on start-up — needs no database library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.core.explain import explain
from app.core.terms import ContractTerms


@dataclass
class RenewalRow:
    """One contract of the renewals list: the SPEC §6 keys, plus its id and reminders."""

    contract_id: int
    reference: str
    vendor: str
    title: str
    renewal: str
    status: str
    needs_review: bool
    term_number: int | None
    term_start: date | None
    term_end: date | None
    cancel_by: date | None
    deadline_kind: str | None
    days_left: int | None
    missed_notice: bool
    ends_on: date | None
    earliest_end: date | None
    annual_value: Decimal | None
    currency: str
    escalated: bool
    reminder_days: tuple[int, ...] = ()
    reminder_due: bool = False
    terms: ContractTerms | None = None  # what the dates were computed from, as of `as_of`
    as_of: date | None = None

    @property
    def deadline(self) -> date | None:
        """cancel_by, or ends_on when there is none (what the list is sorted by)."""
        return self.cancel_by if self.cancel_by is not None else self.ends_on

    @property
    def explanation_lines(self) -> list[str]:
        """How the term and the deadline come about, in words (app.core.explain); computed
        when asked, so a list of 10,000 rows costs nothing until a tooltip or report wants it."""
        if self.terms is None or self.as_of is None:
            return []
        return explain(self.terms, self.as_of).lines()

    @property
    def explanation(self) -> str:
        return "; ".join(self.explanation_lines)
