"""The renewals list and the reminders due (SPEC §2, §6), for the CLI, the GUI and reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.core.terms import (
    ESCALATION_DAYS,
    deadline_term,
    evaluate,
    is_escalated,
    reminder_due,
)
from app.errors import ValidationError
from app.services.json_values import money_text
from app.services.renewal_rows import RenewalRow
from app.store.audit import contract_changes
from app.store.terms_queries import load_terms

LISTED_STATUSES = frozenset({"not_started", "active", "terminating"})
JSON_KEYS = (
    "reference",
    "vendor",
    "title",
    "renewal",
    "status",
    "needs_review",
    "term_number",
    "term_start",
    "term_end",
    "cancel_by",
    "deadline_kind",
    "days_left",
    "missed_notice",
    "ends_on",
    "earliest_end",
    "annual_value",
    "currency",
    "escalated",
)
_CENT = Decimal("0.01")


def _sort_key(row: RenewalRow) -> tuple[bool, date, str]:
    deadline = row.deadline
    return (deadline is None, deadline or date.max, row.reference)


def renewals(
    session: Session,
    as_of: date,
    within: int | None = None,
    critical_orphans: set[int] | None = None,
) -> list[RenewalRow]:
    """Contracts not started, active or terminating on as_of, by deadline (nulls last).

    `within` keeps those with 0 <= days_left <= within. `critical_orphans` are the ids of
    contracts with an orphaned clause of criticality >= 4 (for escalation); by default they come
    from the knowledge engine.
    """
    if within is not None and within < 0:
        raise ValidationError(f"--within must be 0 or more (got {within})")
    listed = []
    for contract in load_terms(session):
        position = evaluate(contract.terms, as_of)
        if position.status not in LISTED_STATUSES:
            continue
        days_left = position.days_left
        if within is not None and (days_left is None or not 0 <= days_left <= within):
            continue
        listed.append((contract, position))
    if critical_orphans is None:
        from app.services.knowledge import critical_orphan_contracts

        # Only a deadline within the escalation window can escalate: ask about those alone.
        near = [
            contract.id
            for contract, position in listed
            if position.days_left is not None and 0 <= position.days_left <= ESCALATION_DAYS
        ]
        critical_orphans = critical_orphan_contracts(session, as_of, contract_ids=near)
    rows: list[RenewalRow] = []
    for contract, position in listed:
        rows.append(
            RenewalRow(
                contract_id=contract.id,
                reference=contract.reference,
                vendor=contract.vendor,
                title=contract.title,
                renewal=contract.terms.renewal,
                status=position.status,
                needs_review=position.needs_review,
                term_number=position.term_number,
                term_start=position.term_start,
                term_end=position.term_end,
                cancel_by=position.cancel_by,
                deadline_kind=position.deadline_kind,
                days_left=position.days_left,
                missed_notice=position.missed_notice,
                ends_on=position.ends_on,
                earliest_end=position.earliest_end,
                annual_value=contract.annual_value,
                currency=contract.currency,
                escalated=is_escalated(position, contract.id in critical_orphans),
                reminder_days=contract.terms.reminder_days,
                reminder_due=reminder_due(position, contract.terms.reminder_days),
                terms=contract.terms,
                as_of=as_of,
            )
        )
    rows.sort(key=_sort_key)
    return rows


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def row_json(row: RenewalRow) -> dict[str, Any]:
    """The SPEC §6 `renewals` object of one row."""
    return {
        "reference": row.reference,
        "vendor": row.vendor,
        "title": row.title,
        "renewal": row.renewal,
        "status": row.status,
        "needs_review": row.needs_review,
        "term_number": row.term_number,
        "term_start": _day(row.term_start),
        "term_end": _day(row.term_end),
        "cancel_by": _day(row.cancel_by),
        "deadline_kind": row.deadline_kind,
        "days_left": row.days_left,
        "missed_notice": row.missed_notice,
        "ends_on": _day(row.ends_on),
        "earliest_end": _day(row.earliest_end),
        "annual_value": money_text(row.annual_value),
        "currency": row.currency,
        "escalated": row.escalated,
    }


def renewals_json(
    session: Session,
    as_of: date,
    within: int | None = None,
    critical_orphans: set[int] | None = None,
) -> list[dict[str, Any]]:
    """`clausekeeper renewals --json`: the renewals list as JSON-ready dicts."""
    return [row_json(row) for row in renewals(session, as_of, within, critical_orphans)]


def reminders(session: Session, as_of: date) -> list[dict[str, Any]]:
    """`clausekeeper reminders --json`: the contracts due for a reminder on as_of."""
    due = [
        row
        for row in renewals(session, as_of, critical_orphans=set())  # escalation not needed
        if row.reminder_due
    ]
    due.sort(key=_sort_key)
    return [
        {
            "reference": row.reference,
            "deadline_kind": row.deadline_kind,
            "deadline": _day(row.deadline),
            "days_left": row.days_left,
        }
        for row in due
    ]


_TERMS_PER_CHANGE = 10_000  # more tacit renewals than a contract can pass between two edits


def calendar_sequences(session: Session, rows: list[RenewalRow], as_of: date) -> dict[str, int]:
    """Each listed contract's iCalendar SEQUENCE, which grows whenever its deadline can have moved.

    The deadline moves by itself only when a tacit renewal passes (its term j grows) and
    otherwise only when the contract record changes (an edit, notice, an exercised option: each
    is audited). SEQUENCE = changes × 10,000 + j: time passing raises j, and every change adds
    10,000, more than any change can take off j.
    """
    dated = [row for row in rows if row.deadline is not None]
    terms = {row.reference: row.terms for row in dated if row.terms is not None}
    unknown = [row.reference for row in dated if row.terms is None]  # rows built by hand
    if unknown:
        terms.update((c.reference, c.terms) for c in load_terms(session, unknown))
    changes = contract_changes(session, terms)
    sequences: dict[str, int] = {}
    for reference, contract_terms in terms.items():
        term = deadline_term(contract_terms, evaluate(contract_terms, as_of))
        count = changes.get(reference, 0)
        sequences[reference] = count * _TERMS_PER_CHANGE + min(term, _TERMS_PER_CHANGE - 1)
    return sequences
