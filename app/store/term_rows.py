"""Stored contract columns to ContractTerms, without the database library.

The queries (app.store.terms_queries) and start-up's look at a SQLite file with the standard
library (app.store.quick_sla) read the same columns; this is the one place they become terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from app.core.terms import ContractTerms


def parse_reminder_days(text: str | None) -> tuple[int, ...]:
    """The stored reminder list ("180,90,30,7"; "" for none) as integers."""
    if not text:
        return ()
    return tuple(int(part) for part in text.split(",") if part.strip())


@lru_cache(maxsize=256)
def _reminders(text: str | None) -> tuple[int, ...]:
    return parse_reminder_days(text)  # most contracts share a few lists


def terms_from_row(row: Sequence[Any]) -> ContractTerms:
    """ContractTerms from stored values in TERM_COLUMNS order (start date, initial term,
    renewal, renewal term, max renewals, options exercised, notice value and unit, notice given
    on, reminder days: a query row or a list); dates may be the driver's ISO texts (SQLite)."""
    start, initial, renewal, renewal_term, max_renewals, exercised, notice, unit, given, days = row
    if start.__class__ is str:
        start = date.fromisoformat(start)
    if given is not None and given.__class__ is str:
        given = date.fromisoformat(given)
    return ContractTerms(  # positional, in field order: a third faster than by keyword
        start,
        initial,
        renewal,
        renewal_term,
        max_renewals,
        exercised or 0,
        notice or 0,
        unit or "months",
        given,
        _reminders(days),
    )
