"""Cross-field rules of SPEC §1 on already-typed values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

MAX_TERM_MONTHS = 1200
"""A term, renewal term or notice in months: at most a hundred years."""
MAX_DAYS = 36_600
"""A notice or a claim window in days: at most a hundred years."""
MAX_RENEWALS = 100
LAST_YEAR = 9998
"""Dates run to 9999-12-31; a contract must end (all renewals taken) before LAST_YEAR ends."""


def contract_problems(values: Mapping[str, object], *, require_initial: bool = False) -> list[str]:
    """One message per broken rule of a contract's fields (empty when all is well).

    A missing initial term is allowed (the contract is needs_review, SPEC §1) unless
    `require_initial` is set, as the contract editor does.
    """
    problems: list[str] = []
    renewal = values.get("renewal") or "none"
    initial = values.get("initial_term_months")
    renewal_term = values.get("renewal_term_months")
    max_renewals = values.get("max_renewals")
    exercised = values.get("options_exercised") or 0
    if initial is None and renewal != "evergreen" and require_initial:
        problems.append("initial_term_months: required unless the contract is evergreen")
    if renewal in ("auto", "option") and renewal_term is None:
        problems.append(f"renewal_term_months: required for {renewal} renewal")
    if renewal != "option" and isinstance(exercised, int) and exercised > 0:
        problems.append("options_exercised: only option contracts have options to exercise")
    if isinstance(max_renewals, int) and isinstance(exercised, int) and exercised > max_renewals:
        problems.append(
            f"options_exercised: {exercised} is more than max_renewals ({max_renewals})"
        )
    problems.extend(range_problems(values))
    return problems


def range_problems(values: Mapping[str, object]) -> list[str]:
    """Values too large for any real contract (dates would run past the year 9999)."""
    problems: list[str] = []
    unit = values.get("notice_unit") or "months"
    limits = {
        "initial_term_months": MAX_TERM_MONTHS, "renewal_term_months": MAX_TERM_MONTHS,
        "max_renewals": MAX_RENEWALS, "options_exercised": MAX_RENEWALS,
        "notice_value": MAX_TERM_MONTHS if unit == "months" else MAX_DAYS,
        "credit_claim_days": MAX_DAYS,
    }
    for name, limit in limits.items():
        value = values.get(name)
        if isinstance(value, int) and value > limit:
            problems.append(f"{name}: {value} is more than {limit:,}")
    start = values.get("start_date")
    if isinstance(start, date) and not problems:
        terms = max(_int(values.get("max_renewals")), _int(values.get("options_exercised")))
        months = _int(values.get("initial_term_months")) + terms * _int(
            values.get("renewal_term_months")
        )
        if start.year + (months + 11) // 12 > LAST_YEAR:
            problems.append(f"start_date: with its terms the contract would run past {LAST_YEAR}")
    return problems


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
