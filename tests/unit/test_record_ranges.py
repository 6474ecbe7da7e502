"""Values no real contract has are refused where they enter (they broke every later view).

A term of 3,000,000,000 months imported fine, then `renewals` failed with "year is out of range";
a number of 10**19 failed the SQLite write with an OverflowError; 1E+999999 as money failed the
reports. Each is now a validation problem naming its field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.core import fields
from app.core.records import contract_problems
from app.errors import ValidationError

BASE = {"renewal": "none", "start_date": date(2024, 1, 1), "initial_term_months": 36}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"initial_term_months": 3_000_000_000},
         "initial_term_months: 3000000000 is more than 1,200"),
        ({"initial_term_months": 10**19},
         "initial_term_months: 10000000000000000000 is more than 1,200"),
        ({"credit_claim_days": 36_601}, "credit_claim_days: 36601 is more than 36,600"),
        ({"notice_value": 1_201}, "notice_value: 1201 is more than 1,200"),
        ({"notice_value": 40_000, "notice_unit": "days"},
         "notice_value: 40000 is more than 36,600"),
        ({"renewal": "option", "renewal_term_months": 1200, "max_renewals": 100},
         "start_date: with its terms the contract would run past 9998"),
        ({"start_date": date(9999, 6, 1), "initial_term_months": None},
         "start_date: with its terms the contract would run past 9998"),
    ],
)
def test_values_beyond_any_contract_are_problems(change: dict[str, object], problem: str) -> None:
    assert problem in contract_problems({**BASE, **change})


def test_a_long_but_real_contract_is_fine() -> None:
    assert contract_problems({**BASE, "initial_term_months": 1200, "credit_claim_days": 365,
                              "notice_value": 180, "notice_unit": "days"}) == []


@pytest.mark.parametrize("text", ["1e999999", "1E+15", "-1000000000000000"])
def test_numbers_too_large_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="is too large"):
        fields.decimal(text, "annual_value")


def test_large_but_real_numbers_pass() -> None:
    assert fields.decimal("999999999999999.99", "annual_value") == Decimal("999999999999999.99")
    assert fields.decimal("1234567.891234567891", "x") == Decimal("1234567.891234567891")
    assert fields.decimal("1e-30", "x") == Decimal("1e-30")
