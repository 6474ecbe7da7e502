"""Edge validation turns raw input into typed values or a message naming the field."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.core import fields
from app.errors import ValidationError


def test_dates() -> None:
    assert fields.day("2024-02-29", "start_date") == date(2024, 2, 29)
    assert fields.day(datetime(2025, 3, 1, 0, 0), "start_date") == date(2025, 3, 1)
    assert fields.day("", "terminated_on") is None
    with pytest.raises(ValidationError, match="start_date: '2025-02-29' is not a date"):
        fields.day("2025-02-29", "start_date")
    with pytest.raises(ValidationError, match="start_date: a value is required"):
        fields.day(None, "start_date", required=True)


def test_decimals_are_exact() -> None:
    assert fields.decimal(0.1, "v") == Decimal("0.1")
    assert fields.decimal("1234.50", "v") == Decimal("1234.50")
    with pytest.raises(ValidationError, match="annual_value: 'lots' is not a number"):
        fields.decimal("lots", "annual_value")
    with pytest.raises(ValidationError, match="must be 0 or more"):
        fields.decimal("-1", "annual_value", minimum=Decimal(0))
    with pytest.raises(ValidationError):
        fields.decimal(float("nan"), "v")


def test_integers() -> None:
    assert fields.integer(12.0, "n") == 12
    assert fields.integer(" 36 ", "n") == 36
    for bad in (12.5, "12.5", "twelve", True):
        with pytest.raises(ValidationError, match="is not a whole number"):
            fields.integer(bad, "initial_term_months")
    with pytest.raises(ValidationError, match="must be 1 or more"):
        fields.integer(0, "initial_term_months", minimum=1)


def test_reminder_days() -> None:
    assert fields.reminder_days(None) == "180,90,30,7"
    assert fields.reminder_days("none") == ""
    assert fields.reminder_days("120, 60;14") == "120,60,14"
    assert fields.reminder_days(30.0) == "30"
    with pytest.raises(ValidationError, match="reminder_days"):
        fields.reminder_days("soon")


def test_choices_currency_email_clause_numbers() -> None:
    assert fields.choice("Auto", "renewal", ("none", "auto")) == "auto"
    with pytest.raises(ValidationError, match="renewal: 'tacit' is not one of none, auto"):
        fields.choice("tacit", "renewal", ("none", "auto"))
    assert fields.currency("usd") == "USD" and fields.currency(None) == "EUR"
    with pytest.raises(ValidationError):
        fields.currency("Euro")
    assert fields.email("ann@example.com") == "ann@example.com"
    with pytest.raises(ValidationError):
        fields.email("ann at example")
    assert fields.clause_number(7.0) == "7" and fields.clause_number("7.10") == "7.10"
    with pytest.raises(ValidationError, match="Excel turns 7.10 into 7.1"):
        fields.clause_number(7.1)


def test_shorten_keeps_what_fits_at_a_word_boundary() -> None:
    from app.core.fields import shorten

    assert shorten("short", 8) == "short"
    assert shorten("The quick brown fox jumps", 12) == "The quick…"
    assert shorten("Supercalifragilistic", 8) == "Superca…"  # no word boundary: a hard cut
    assert shorten("Terms, conditions and more", 11) == "Terms…"  # no dangling comma
    assert all(len(shorten("word " * 100, n)) <= n for n in range(1, 60))


def test_an_impossible_date_says_why() -> None:
    from app.core import fields

    for raw, reason in [("2025-02-30", "February 2025 has no day 30"),
                        ("2025-04-31", "April 2025 has no day 31"),
                        ("2025-13-01", "there is no month 13"),
                        ("2025-00-10", "there is no month 0")]:
        with pytest.raises(ValidationError, match=reason):
            fields.day(raw, "start_date")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("120.000,00", "120000.00"), ("120,000.00", "120000.00"), ("120000", "120000"),
     ("120 000,50", "120000.50"), ("1.234.567,89", "1234567.89"), ("9500.5", "9500.5"),
     (" 45000.10 ", "45000.10")],
)
def test_money_is_read_in_the_users_own_way(typed: str, amount: str) -> None:
    from app.core import fields
    from app.reports.foreign_register import parse_amount

    assert fields.money(typed, "annual_value") == Decimal(amount)
    assert parse_amount(typed) == (Decimal(amount), None)  # as the foreign importer reads it


def test_money_that_is_not_an_amount_gives_an_example() -> None:
    from app.core import fields

    with pytest.raises(ValidationError, match=r"annual_value: 'lots' is not an amount; write "
                                              r"it like 120000.00, 120,000.00 or 120.000,00"):
        fields.money("lots", "annual_value")
    with pytest.raises(ValidationError, match=r"'120.000' could be read two ways"):
        fields.money("120.000", "annual_value")
    with pytest.raises(ValidationError, match=r"without its currency \(EUR\)"):
        fields.money("120.000,00 EUR", "annual_value")
    with pytest.raises(ValidationError, match="must be 0 or more"):
        fields.money("-1", "annual_value", minimum=Decimal(0))
