"""Loading contract terms for the renewals engine: one Core select, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.terms import ContractTerms
from app.store.models import Contract, Vendor, parse_reminder_days


@dataclass(frozen=True)
class ContractRow:
    """A contract's identity, value and terms, as plain data."""

    id: int
    reference: str
    title: str
    vendor: str
    annual_value: Decimal | None
    currency: str
    terms: ContractTerms


def load_terms(session: Session, references: list[str] | None = None) -> list[ContractRow]:
    """Every contract (or those named by `references`) with its terms, ordered by reference."""
    c = Contract
    query = (
        select(
            c.id,
            c.reference,
            c.title,
            Vendor.name,
            c.annual_value,
            c.currency,
            c.start_date,
            c.initial_term_months,
            c.renewal,
            c.renewal_term_months,
            c.max_renewals,
            c.options_exercised,
            c.notice_value,
            c.notice_unit,
            c.terminated_on,
            c.reminder_days,
        )
        .join(Vendor, Vendor.id == c.vendor_id)
        .order_by(c.reference)
    )
    if references is not None:
        query = query.where(c.reference.in_(references))
    rows: list[ContractRow] = []
    reminder_lists: dict[str, tuple[int, ...]] = {}  # most contracts share a few lists
    for (
        id_,
        reference,
        title,
        vendor,
        annual_value,
        currency,
        start_date,
        initial,
        renewal,
        renewal_term,
        max_renewals,
        exercised,
        notice_value,
        notice_unit,
        terminated_on,
        reminder_days,
    ) in session.execute(query):
        reminders = reminder_lists.get(reminder_days)
        if reminders is None:
            reminders = reminder_lists[reminder_days] = parse_reminder_days(reminder_days)
        terms = ContractTerms(
            start_date=start_date,
            initial_term_months=initial,
            renewal=renewal,
            renewal_term_months=renewal_term,
            max_renewals=max_renewals,
            options_exercised=exercised or 0,
            notice_value=notice_value or 0,
            notice_unit=notice_unit or "months",
            terminated_on=terminated_on,
            reminder_days=reminders,
        )
        rows.append(
            ContractRow(id_, reference, title, vendor, annual_value, currency or "EUR", terms)
        )
    return rows
