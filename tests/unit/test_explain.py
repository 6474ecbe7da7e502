"""Issue 17: how each date comes about, worked out by hand for every renewal type (SPEC §2)."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.explain import explain
from app.core.glossary import term_name
from app.core.terms import ContractTerms

AUTO = ContractTerms(start_date=date(2020, 7, 1), initial_term_months=36, renewal="auto",
                     renewal_term_months=12, notice_value=3, notice_unit="months")
OPTION = ContractTerms(start_date=date(2023, 4, 1), initial_term_months=36, renewal="option",
                       renewal_term_months=12, max_renewals=2, notice_value=0)


def test_auto_renewal_in_a_later_term() -> None:
    # b4 = M(36 + 3·12) = 2026-07-01, term_end_4 = M(84) − 1 day = 2027-06-30, − 3 months
    got = explain(AUTO, date(2026, 10, 1))
    assert got.term == "term 4 runs 2026-07-01 – 2027-06-30 (start 2020-07-01 + 36 + 3 × 12 months)"
    assert got.deadline == "notice 3 months before term 4 ends on 2027-06-30 → cancel by 2027-03-30"
    assert got.missed is None
    assert got.text == f"{got.term}; {got.deadline}"


def test_auto_renewal_in_the_initial_term() -> None:
    got = explain(AUTO, date(2021, 1, 15))
    assert got.term == "the initial term runs 2020-07-01 – 2023-06-30 (36 months from the start)"
    assert got.deadline == (
        "notice 3 months before the initial term ends on 2023-06-30 → cancel by 2023-03-30")


def test_auto_renewal_missed_says_what_was_missed_and_when() -> None:
    # 2027-04-15 is after term 4's cancel-by (2027-03-30): term 5 is locked in
    got = explain(AUTO, date(2027, 4, 15))
    assert got.term == "term 4 runs 2026-07-01 – 2027-06-30 (start 2020-07-01 + 36 + 3 × 12 months)"
    assert got.deadline == (
        "term 5 runs 2027-07-01 – 2028-06-30 (start 2020-07-01 + 36 + 4 × 12 months); "
        "notice 3 months before term 5 ends on 2028-06-30 → cancel by 2028-03-30")
    assert got.missed == (
        "missed: notice to end term 4 on 2027-06-30 had to be given by 2027-03-30; "
        "the renewal to term 5 (2027-07-01 – 2028-06-30) is locked in")


def test_auto_notice_given_too_late_runs_to_the_next_term_end() -> None:
    # 2024-05-01 + 24 months: the initial term ends 2026-04-30, cancel-by 2026-01-30.
    # Notice on 2026-02-10 misses it; term 1 (2026-05-01 – 2027-04-30) has cancel-by 2027-01-30.
    terms = ContractTerms(start_date=date(2024, 5, 1), initial_term_months=24, renewal="auto",
                          renewal_term_months=12, notice_value=3, notice_unit="months",
                          terminated_on=date(2026, 2, 10))
    got = explain(terms, date(2026, 3, 1))
    assert got.deadline == "notice given on 2026-02-10 → ends on 2027-04-30, the last day of term 1"
    assert got.missed == (
        "missed: notice given on 2026-02-10 came after the initial term's cancel-by date "
        "2026-01-30, so the contract runs on to 2027-04-30")


def test_auto_with_its_last_renewal_reached() -> None:
    terms = ContractTerms(start_date=date(2020, 1, 1), initial_term_months=12, renewal="auto",
                          renewal_term_months=12, max_renewals=1, notice_value=1)
    got = explain(terms, date(2021, 6, 1))
    assert got.term == "term 1 runs 2021-01-01 – 2021-12-31 (start 2020-01-01 + 12 months)"
    assert got.deadline == "term 1 is the last (at most 1 renewal) → ends on 2021-12-31"


def test_month_ends_are_counted_from_the_start_not_stepped() -> None:
    # Jan 31 + 2 months = Mar 31 (stepping would give Mar 29); term 1 ends 2024-03-30
    terms = ContractTerms(start_date=date(2024, 1, 31), initial_term_months=1, renewal="auto",
                          renewal_term_months=1, notice_value=10, notice_unit="days")
    got = explain(terms, date(2024, 3, 5))
    assert got.term == "term 1 runs 2024-02-29 – 2024-03-30 (start 2024-01-31 + 1 month)"
    assert got.deadline == (
        "notice 10 days before term 1 ends on 2024-03-30 → cancel by 2024-03-20")


def test_option_with_an_option_left() -> None:
    got = explain(OPTION, date(2026, 1, 15))
    assert got.term == "the initial term runs 2023-04-01 – 2026-03-31 (36 months from the start)"
    assert got.deadline == (
        "option 1 of 2 renews for 12 months: no notice period, so up to the last day of the "
        "initial term, 2026-03-31 → exercise by 2026-03-31")


def test_option_lapsed() -> None:
    # exercise-by = 2026-03-31 − 1 month = 2026-02-28 (month end clamps)
    terms = ContractTerms(start_date=date(2023, 4, 1), initial_term_months=36, renewal="option",
                          renewal_term_months=12, max_renewals=2, notice_value=1)
    got = explain(terms, date(2026, 3, 15))
    assert got.deadline == "no option exercised in time → ends on 2026-03-31"
    assert got.missed == (
        "missed: the option had to be exercised by 2026-02-28; it lapsed, so the contract ends "
        "on 2026-03-31")


def test_option_all_exercised() -> None:
    terms = ContractTerms(start_date=date(2023, 4, 1), initial_term_months=36, renewal="option",
                          renewal_term_months=12, max_renewals=2, options_exercised=2)
    got = explain(terms, date(2027, 6, 1))
    assert got.term == "term 2 runs 2027-04-01 – 2028-03-31 (start 2023-04-01 + 36 + 1 × 12 months)"
    assert got.deadline == "no option left (2 of 2 exercised) → ends on 2028-03-31"


def test_no_renewal() -> None:
    terms = ContractTerms(start_date=date(2025, 1, 1), initial_term_months=36, renewal="none")
    got = explain(terms, date(2026, 1, 15))
    assert got.term == "the initial term runs 2025-01-01 – 2027-12-31 (36 months from the start)"
    assert got.deadline == "no renewal → ends on 2027-12-31"
    assert explain(terms, date(2028, 1, 2)).deadline == "no renewal → ended on 2027-12-31"


@pytest.mark.parametrize(
    ("as_of", "term", "deadline"),
    [
        # within the minimum term: notice on 2024-06-01 + 3 months = 2024-09-01, but not before
        # the minimum term ends on 2025-01-30 (M(12) = 2025-01-31, less a day)
        (date(2024, 6, 1),
         "the initial term runs 2024-01-31 – 2025-01-30 (12 months from the start)",
         "evergreen: runs until notice is given; notice 3 months, so notice given on 2024-06-01 "
         "→ ends on 2025-01-30, not before the minimum term ends on 2025-01-30"),
        (date(2025, 6, 15),
         "term 1 runs from 2025-01-31 (start 2024-01-31 + 12 months) with no end",
         "evergreen: runs until notice is given; notice 3 months, so notice given on 2025-06-15 "
         "→ ends on 2025-09-15, not before the minimum term ends on 2025-01-30"),
    ],
)
def test_evergreen_with_a_minimum_term(as_of: date, term: str, deadline: str) -> None:
    terms = ContractTerms(start_date=date(2024, 1, 31), initial_term_months=12,
                          renewal="evergreen", notice_value=3)
    got = explain(terms, as_of)
    assert (got.term, got.deadline) == (term, deadline)


def test_evergreen_after_notice() -> None:
    terms = ContractTerms(start_date=date(2024, 1, 31), initial_term_months=12,
                          renewal="evergreen", notice_value=3, terminated_on=date(2025, 6, 15))
    assert explain(terms, date(2025, 7, 1)).deadline == (
        "notice given on 2025-06-15 (2025-06-15 + 3 months, not before the minimum term ends) "
        "→ ends on 2025-09-15")


def test_evergreen_without_a_minimum_term() -> None:
    terms = ContractTerms(start_date=date(2024, 1, 1), initial_term_months=None,
                          renewal="evergreen", notice_value=30, notice_unit="days")
    got = explain(terms, date(2025, 3, 1))
    assert got.term == "the initial term runs from 2024-01-01 with no end"
    assert got.deadline == (
        "evergreen: runs until notice is given; notice 30 days, so notice given on 2025-03-01 "
        "→ ends on 2025-03-31")


def test_unlimited_auto_without_notice_is_explained_and_needs_review_says_so() -> None:
    unknown = ContractTerms(start_date=date(2024, 1, 1), initial_term_months=None, renewal="auto",
                            renewal_term_months=12)
    assert explain(unknown, date(2025, 1, 1)).text == (
        "the initial term is unknown: set it to compute the terms and deadlines")


def test_a_contract_not_started_yet_says_when_it_starts() -> None:
    terms = ContractTerms(start_date=date(2026, 6, 1), initial_term_months=24, renewal="none")
    got = explain(terms, date(2026, 1, 15))
    assert got.term == ("starts on 2026-06-01; the initial term runs 2026-06-01 – 2028-05-31 "
                        "(24 months from the start)")
    assert got.deadline == "no renewal → ends on 2028-05-31"


def test_term_names_are_the_users_words() -> None:
    assert [term_name(k) for k in (0, 1, 4)] == ["initial term", "term 1", "term 4"]
