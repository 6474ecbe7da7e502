"""Stored contract columns become ContractTerms field by field (app.store.term_rows)."""

from __future__ import annotations

from datetime import date

from app.core.terms import ContractTerms
from app.store.term_rows import parse_reminder_days, terms_from_row


def test_each_stored_column_lands_in_its_own_field() -> None:
    row = ["2024-01-31", 36, "option", 12, 3, 2, 90, "days", "2026-05-04", "120,60"]
    assert terms_from_row(row) == ContractTerms(
        start_date=date(2024, 1, 31),
        initial_term_months=36,
        renewal="option",
        renewal_term_months=12,
        max_renewals=3,
        options_exercised=2,
        notice_value=90,
        notice_unit="days",
        terminated_on=date(2026, 5, 4),
        reminder_days=(120, 60),
    )


def test_missing_values_take_the_defaults_of_a_new_contract() -> None:
    terms = terms_from_row([date(2025, 3, 1), None, "evergreen", None, None, None, None, None,
                            None, ""])
    assert terms == ContractTerms(start_date=date(2025, 3, 1), initial_term_months=None,
                                  renewal="evergreen", reminder_days=())


def test_reminder_days_ignore_blank_parts() -> None:
    assert parse_reminder_days("180, 90,,30 ,") == (180, 90, 30)
    assert parse_reminder_days(None) == ()
