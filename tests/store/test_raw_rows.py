"""Bulk reads straight from the driver (app.store.raw_rows), on a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.store.models import Contract, Vendor
from app.store.raw_rows import MMAP_BYTES, fetch, fetch_sql
from app.store.terms_queries import load_terms


def _contract(session: Session, reference: str, start: date) -> Contract:
    contract = Contract(
        reference=reference,
        title="Desk",
        vendor=Vendor(name=f"V {reference}"),
        start_date=start,
        initial_term_months=12,
        renewal="none",
        annual_value=Decimal("1200.50"),
        terminated_on=date(2025, 3, 1),
    )
    session.add(contract)
    session.flush()
    return contract


def test_fetch_inlines_its_values_and_gives_plain_tuples(session: Session) -> None:
    a = _contract(session, "C-1", date(2024, 1, 31))
    _contract(session, "C-2", date(2024, 2, 1))
    rows = fetch(
        session,
        select(Contract.id, Contract.reference)
        .where(Contract.reference.in_(["C-1", "O'Brien"]))
        .where(Contract.start_date < date(2024, 2, 1)),
    )
    assert rows == [(a.id, "C-1")]
    assert type(rows[0]) is tuple


def test_terms_read_from_the_driver_are_those_the_orm_reads(session: Session) -> None:
    """load_terms converts the driver's texts (SQLite dates and decimals) itself: the rows
    equal those read by name through the ORM."""
    a = _contract(session, "C-1", date(2024, 1, 31))
    b = _contract(session, "C-2", date(2023, 12, 1))
    by_ids = load_terms(session, ids=[a.id, b.id])
    assert [row.reference for row in by_ids] == ["C-1", "C-2"]
    assert by_ids == load_terms(session, ["C-1", "C-2"]) == load_terms(session)
    row = by_ids[0]
    assert row.annual_value == Decimal("1200.50") and str(row.annual_value) == "1200.50"
    assert row.terms.start_date == date(2024, 1, 31)
    assert row.terms.terminated_on == date(2025, 3, 1)
    assert load_terms(session, ids=[]) == []


@pytest.mark.sqlite_only
def test_bulk_reads_map_the_sqlite_file(session: Session) -> None:
    _contract(session, "C-1", date(2024, 1, 31))
    assert fetch_sql(session, "SELECT count(*) FROM contracts") == [(1,)]
    assert session.execute(text("PRAGMA mmap_size")).scalar() == MMAP_BYTES
