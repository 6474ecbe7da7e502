"""Contract terms from the store: the one place stored columns become ContractTerms."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.terms import ContractTerms
from app.store.id_lists import id_in, is_sqlite
from app.store.models import Contract, Vendor
from app.store.raw_rows import TextValues, fetch
from app.store.term_rows import terms_from_row

__all__ = ["TERM_COLUMNS", "TERM_FIELDS", "ContractRow", "load_terms", "terms_from_row",
           "terms_from_values"]

# The columns ContractTerms is made of, in the order terms_from_row expects them.
TERM_COLUMNS = (
    Contract.start_date,
    Contract.initial_term_months,
    Contract.renewal,
    Contract.renewal_term_months,
    Contract.max_renewals,
    Contract.options_exercised,
    Contract.notice_value,
    Contract.notice_unit,
    Contract.terminated_on,
    Contract.reminder_days,
)
TERM_FIELDS = tuple(column.key for column in TERM_COLUMNS)


def terms_from_values(values: Any) -> ContractTerms:
    """ContractTerms of a contract object or a mapping with the stored field names."""
    if isinstance(values, dict):
        return terms_from_row([values[name] for name in TERM_FIELDS])
    return terms_from_row([getattr(values, name) for name in TERM_FIELDS])


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


def load_terms(
    session: Session,
    references: list[str] | None = None,
    *,
    ids: Collection[int] | None = None,
) -> list[ContractRow]:
    """Every contract (or those named by `references`, or with the given ids) with its terms,
    ordered by reference."""
    c = Contract
    query = (
        select(c.id, c.reference, c.title, Vendor.name, c.annual_value, c.currency, *TERM_COLUMNS)
        .join(Vendor, Vendor.id == c.vendor_id)
        .order_by(c.reference)
    )
    if references is not None:  # texts from the user: bound, not inlined
        query = query.where(c.reference.in_(references))
        rows: Sequence[Sequence[Any]] = list(session.execute(query))
    else:  # all of them, or ids: the driver's rows (the values converted below)
        if ids is not None:
            query = query.where(id_in(c.id, ids, is_sqlite(session)))
        rows = fetch(session, query)
    money = TextValues(Decimal).get
    return [
        ContractRow(
            row[0],
            row[1],
            row[2],
            row[3],
            None if row[4] is None else money(row[4]),
            row[5] or "EUR",
            terms_from_row(row[6:]),
        )
        for row in rows
    ]
