"""The contracts an import left open (SPEC §1 needs_review) and what each one is missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from app.store.models import Contract, Vendor


@dataclass(frozen=True)
class ReviewRow:
    id: int
    reference: str
    title: str
    vendor: str
    start_date: date
    renewal: str
    missing: str  # what has to be completed, for people
    hint: str | None  # what the import noted about it (e.g. an end date that is no whole term)
    version: int | None = None  # the contract's, as read (a save from it checks it: issue 15)


def needs_review_condition() -> ColumnElement[bool]:
    return and_(Contract.initial_term_months.is_(None), Contract.renewal != "evergreen")


def needs_review(session: Session) -> list[ReviewRow]:
    """The needs_review contracts, by reference."""
    rows = session.execute(
        select(Contract.id, Contract.reference, Contract.title, Vendor.name,
               Contract.start_date, Contract.renewal, Contract.notes, Contract.version)
        .join(Vendor, Contract.vendor_id == Vendor.id)
        .where(needs_review_condition())
        .order_by(Contract.reference)
    )
    result = []
    for cid, reference, title, vendor, start, renewal, notes, version in rows:
        result.append(ReviewRow(cid, reference, title, vendor, start, renewal,
                                "initial term (months)", _hint(notes), version))
    return result


def _hint(notes: str | None) -> str | None:
    for line in reversed((notes or "").splitlines()):
        if "end date" in line or "initial term" in line:
            return line.strip()
    return None
