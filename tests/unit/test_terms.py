"""SPEC §2: terms, renewals, notice, reminders and escalation, with dates worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from app.core.terms import (
    ContractTerms,
    Position,
    cancel_by_of,
    check_exercise_option,
    check_give_notice,
    evaluate,
    is_escalated,
    last_term,
    month_boundary,
    notice_delta,
    reminder_due,
    term_bounds,
    validate_terms,
)
from app.errors import ValidationError

D = date

# 36-month initial term from 2022-01-01, then 12-month tacit renewals, 3 months' notice.
# b1 = 2025-01-01, b2 = M(48) = 2026-01-01, b3 = M(60) = 2027-01-01.
# term_end_0 = 2024-12-31, term_end_1 = 2025-12-31, term_end_2 = 2026-12-31.
# cancel_by(0) = 2024-12-31 - 3m = 2024-09-30 (Sep has no 31st: clamped);
# cancel_by(1) = 2025-09-30; cancel_by(2) = 2026-09-30.
AUTO = ContractTerms(
    start_date=D(2022, 1, 1),
    initial_term_months=36,
    renewal="auto",
    renewal_term_months=12,
    notice_value=3,
    notice_unit="months",
)


# --- month arithmetic ----------------------------------------------------------------------


def test_month_boundary_clamps_and_never_drifts_from_jan_31() -> None:
    start = D(2024, 1, 31)
    # Each boundary is computed from Jan 31: Feb has 29 days in 2024, Mar 31, Apr 30.
    assert month_boundary(start, 1) == D(2024, 2, 29)
    assert month_boundary(start, 2) == D(2024, 3, 31)  # stepping would give Mar 29
    assert month_boundary(start, 3) == D(2024, 4, 30)
    assert month_boundary(start, 13) == D(2025, 2, 28)


def test_jan_31_start_monthly_terms_follow_month_ends() -> None:
    terms = ContractTerms(D(2024, 1, 31), 1, "auto", renewal_term_months=1)
    # b1 = 2024-02-29, b2 = M(2) = 2024-03-31, b3 = M(3) = 2024-04-30.
    assert term_bounds(terms, 0) == (D(2024, 1, 31), D(2024, 2, 28))
    assert term_bounds(terms, 1) == (D(2024, 2, 29), D(2024, 3, 30))
    assert term_bounds(terms, 2) == (D(2024, 3, 31), D(2024, 4, 29))
    position = evaluate(terms, D(2024, 3, 30))
    assert (position.term_number, position.term_start) == (1, D(2024, 2, 29))


def test_feb_29_start_returns_to_feb_29_in_the_next_leap_year() -> None:
    terms = ContractTerms(D(2024, 2, 29), 12, "auto", renewal_term_months=12)
    # b1 = 2025-02-28, b2 = 2026-02-28, b3 = 2027-02-28, b4 = M(48) = 2028-02-29
    # (stepping from 2025-02-28 would stay on the 28th).
    assert term_bounds(terms, 0) == (D(2024, 2, 29), D(2025, 2, 27))
    assert term_bounds(terms, 3) == (D(2027, 2, 28), D(2028, 2, 28))
    assert term_bounds(terms, 4)[0] == D(2028, 2, 29)
    assert evaluate(terms, D(2028, 2, 29)).term_number == 4
    assert evaluate(terms, D(2028, 2, 28)).term_number == 3


def test_notice_delta_units() -> None:
    assert notice_delta(3, "months") == relativedelta(months=3)
    assert notice_delta(2, "weeks") == relativedelta(days=14)
    assert notice_delta(90, "days") == relativedelta(days=90)
    with pytest.raises(ValidationError, match="notice_unit"):
        notice_delta(1, "years")


def test_cancel_by_in_months_clamps_at_month_end() -> None:
    # term_end_0 = 2025-06-30; 2025-06-30 - 3 months = 2025-03-30 (not Mar 31).
    terms = ContractTerms(D(2024, 7, 1), 12, "auto", renewal_term_months=12, notice_value=3)
    assert term_bounds(terms, 0) == (D(2024, 7, 1), D(2025, 6, 30))
    assert cancel_by_of(terms, 0) == D(2025, 3, 30)
    position = evaluate(terms, D(2025, 1, 1))
    assert position.cancel_by == D(2025, 3, 30)
    # Jan 1 -> Mar 30: 30 (rest of Jan) + 28 (Feb) + 30 = 88 days.
    assert position.days_left == 88


def test_notice_in_days_and_weeks() -> None:
    days = ContractTerms(
        D(2024, 7, 1), 12, "auto", renewal_term_months=12, notice_value=90, notice_unit="days"
    )
    # 2025-06-30 - 90 days: -30 -> May 31, -31 -> Apr 30, -29 -> Apr 1.
    assert cancel_by_of(days, 0) == D(2025, 4, 1)
    weeks = replace(days, notice_value=6, notice_unit="weeks")
    # 2025-06-30 - 42 days: -30 -> May 31, -12 -> May 19.
    assert cancel_by_of(weeks, 0) == D(2025, 5, 19)
    zero = replace(days, notice_value=0)
    assert cancel_by_of(zero, 0) == D(2025, 6, 30)


# --- tacit renewal -------------------------------------------------------------------------


def test_auto_36_then_12_months_before_cancel_by() -> None:
    position = evaluate(AUTO, D(2025, 6, 15))
    assert position.status == "active"
    assert (position.term_number, position.term_start, position.term_end) == (
        1,
        D(2025, 1, 1),
        D(2025, 12, 31),
    )
    assert position.cancel_by == D(2025, 9, 30)
    assert position.deadline_kind == "cancel_by"
    # Jun 15 -> Sep 30: 15 + 31 + 31 + 30 = 107 days.
    assert position.days_left == 107
    assert position.missed_notice is False
    assert position.ends_on is None  # unlimited renewals
    assert position.earliest_end == D(2025, 12, 31)
    assert position.deadline == D(2025, 9, 30)
    assert last_term(AUTO) is None


def test_auto_after_cancel_by_renewal_is_locked_in() -> None:
    position = evaluate(AUTO, D(2025, 10, 1))
    assert position.term_number == 1
    assert position.missed_notice is True
    # Next deadline is cancel_by(2) = 2026-12-31 - 3m = 2026-09-30.
    assert position.cancel_by == D(2026, 9, 30)
    # 2025-10-01 -> 2026-10-01 is 365 days, one fewer to Sep 30.
    assert position.days_left == 364
    assert position.earliest_end == D(2026, 12, 31)


def test_auto_on_the_cancel_by_date_itself_is_not_missed() -> None:
    position = evaluate(AUTO, D(2025, 9, 30))
    assert (position.cancel_by, position.days_left, position.missed_notice) == (
        D(2025, 9, 30),
        0,
        False,
    )


def test_auto_decades_old_contract_term_is_found_directly() -> None:
    terms = ContractTerms(D(1990, 3, 31), 12, "auto", renewal_term_months=1, notice_value=1)
    # Term k >= 1 starts at b_k = M(12 + (k - 1)). 2025-05 is (2025 - 1990) * 12 + 2 = 422
    # months after 1990-03, so M(422) = 2025-05-31 and M(423) = 2025-06-30: 2025-06-15 is in
    # the term starting at M(422), 11 + k = 422 -> k = 411, ending M(423) - 1 = 2025-06-29.
    position = evaluate(terms, D(2025, 6, 15))
    assert position.term_number == 411
    assert (position.term_start, position.term_end) == (D(2025, 5, 31), D(2025, 6, 29))
    # cancel_by(411) = 2025-06-29 - 1 month = 2025-05-29 < D: locked in; next is
    # cancel_by(412) = (M(424) - 1 day = 2025-07-31 - 1 = 2025-07-30) - 1 month = 2025-06-30.
    assert position.missed_notice is True
    assert position.cancel_by == D(2025, 6, 30)


def test_notice_longer_than_the_renewal_term_skips_to_a_later_deadline() -> None:
    # Monthly renewals with 2 months' notice: S = 2025-01-01, initial 1 month.
    terms = ContractTerms(D(2025, 1, 1), 1, "auto", renewal_term_months=1, notice_value=2)
    # On 2025-03-10 (term 2 = March): cancel_by(2) = 03-31 - 2m = 01-31, cancel_by(3) =
    # 04-30 - 2m = 02-28, cancel_by(4) = 05-31 - 2m = 03-31 >= D.
    position = evaluate(terms, D(2025, 3, 10))
    assert position.term_number == 2
    assert position.cancel_by == D(2025, 3, 31)
    assert position.earliest_end == D(2025, 5, 31)


def test_auto_max_renewals_reached() -> None:
    terms = ContractTerms(D(2020, 1, 1), 12, "auto", renewal_term_months=12, max_renewals=2)
    # Terms 0..2 = calendar years 2020, 2021, 2022; L = 2.
    assert last_term(terms) == 2
    position = evaluate(terms, D(2022, 6, 1))
    assert position.term_number == 2
    assert position.cancel_by is None  # no j >= 2 with j < L
    assert position.deadline_kind == "end"
    assert position.ends_on == D(2022, 12, 31)
    # Jun 1 -> Dec 31: 29 + 31 + 31 + 30 + 31 + 30 + 31 = 213 days.
    assert position.days_left == 213
    assert position.missed_notice is False  # k = L: no renewal follows
    assert position.earliest_end == D(2022, 12, 31)

    after = evaluate(terms, D(2023, 1, 1))
    assert after.status == "expired"
    assert (after.term_number, after.term_end) == (2, D(2022, 12, 31))
    assert after.days_left == -1


def test_none_contract_runs_its_initial_term_only() -> None:
    terms = ContractTerms(D(2024, 3, 15), 24, "none", notice_value=0)
    position = evaluate(terms, D(2025, 3, 15))
    # M(24) = 2026-03-15, so the term ends 2026-03-14.
    assert position.term_number == 0
    assert position.ends_on == D(2026, 3, 14)
    assert position.cancel_by is None
    assert position.deadline_kind == "end"
    assert position.earliest_end == D(2026, 3, 14)
    assert evaluate(terms, D(2026, 3, 14)).status == "active"
    assert evaluate(terms, D(2026, 3, 15)).status == "expired"


# --- express renewal (options) -------------------------------------------------------------

# 24-month initial term from 2023-04-01, options of 12 months, at most 2, 6 months' notice.
# term_end_0 = 2025-03-31, cancel_by(0) = 2025-03-31 - 6m = 2024-09-30 (clamped from Sep 31).
OPTION = ContractTerms(
    start_date=D(2023, 4, 1),
    initial_term_months=24,
    renewal="option",
    renewal_term_months=12,
    max_renewals=2,
    notice_value=6,
)


def test_option_not_exercised_before_the_exercise_by_date() -> None:
    position = evaluate(OPTION, D(2024, 9, 1))
    assert position.cancel_by == D(2024, 9, 30)
    assert position.deadline_kind == "exercise_by"
    assert position.days_left == 29
    assert position.ends_on == D(2025, 3, 31)
    assert position.earliest_end == D(2025, 3, 31)
    assert position.missed_notice is False


def test_option_lapsed_is_missed_notice() -> None:
    position = evaluate(OPTION, D(2024, 10, 1))
    assert position.missed_notice is True
    assert position.cancel_by is None
    assert position.deadline_kind == "end"
    # Oct 1 2024 -> Mar 31 2025: 30 + 30 + 31 + 31 + 28 + 31 = 181 days.
    assert position.days_left == 181
    assert evaluate(OPTION, D(2025, 4, 1)).status == "expired"


def test_option_exercised_adds_a_term_and_options_remain() -> None:
    once = replace(OPTION, options_exercised=1)
    # term_end_1 = M(36) - 1 = 2026-03-31; cancel_by(1) = 2025-09-30.
    position = evaluate(once, D(2025, 5, 1))
    assert (position.term_number, position.term_start) == (1, D(2025, 4, 1))
    assert position.cancel_by == D(2025, 9, 30)
    assert position.deadline_kind == "exercise_by"
    assert position.ends_on == D(2026, 3, 31)


def test_option_all_exercised_no_option_left() -> None:
    twice = replace(OPTION, options_exercised=2)
    # term_end_2 = M(48) - 1 = 2027-03-31; no option remains, so no exercise-by date.
    position = evaluate(twice, D(2026, 12, 1))
    assert position.cancel_by is None
    assert position.deadline_kind == "end"
    assert position.ends_on == D(2027, 3, 31)
    assert position.missed_notice is False


def test_notice_never_undoes_an_exercised_option() -> None:
    terms = replace(OPTION, options_exercised=1, terminated_on=D(2024, 1, 10))
    position = evaluate(terms, D(2024, 2, 1))
    assert position.status == "terminating"
    assert position.notice_effective == D(2026, 3, 31)  # term_end_1


# --- evergreen -----------------------------------------------------------------------------


def test_evergreen_with_minimum_term() -> None:
    terms = ContractTerms(D(2024, 1, 1), 12, "evergreen", notice_value=3)
    early = evaluate(terms, D(2024, 3, 1))
    assert (early.term_number, early.term_end) == (0, D(2024, 12, 31))
    assert early.cancel_by is None and early.ends_on is None
    assert early.deadline_kind is None and early.days_left is None
    # max(term_end_0 = 2024-12-31, 2024-03-01 + 3m = 2024-06-01)
    assert early.earliest_end == D(2024, 12, 31)
    later = evaluate(terms, D(2025, 5, 10))
    assert (later.term_number, later.term_start, later.term_end) == (1, D(2025, 1, 1), None)
    assert later.earliest_end == D(2025, 8, 10)
    assert last_term(terms) is None


def test_evergreen_without_minimum_term() -> None:
    terms = ContractTerms(D(2024, 1, 1), None, "evergreen", notice_value=30, notice_unit="days")
    assert terms.needs_review is False
    position = evaluate(terms, D(2024, 2, 1))
    assert (position.term_number, position.term_start, position.term_end) == (
        0,
        D(2024, 1, 1),
        None,
    )
    # 2024-02-01 + 30 days: +28 -> Feb 29 (leap year), +2 -> Mar 2.
    assert position.earliest_end == D(2024, 3, 2)
    assert position.status == "active"


def test_evergreen_notice_ends_after_the_notice_period() -> None:
    terms = ContractTerms(
        D(2024, 1, 1), 12, "evergreen", notice_value=3, terminated_on=D(2025, 5, 10)
    )
    position = evaluate(terms, D(2025, 6, 1))
    # E = max(2024-12-31, 2025-05-10 + 3m = 2025-08-10)
    assert position.status == "terminating"
    assert position.ends_on == D(2025, 8, 10)
    assert position.deadline_kind == "end"
    # Jun 1 -> Aug 10: 29 + 31 + 10 = 70 days.
    assert position.days_left == 70
    # SPEC §2: earliest_end is what notice given on D could achieve, max(2024-12-31,
    # 2025-06-01 + 3m) = 2025-09-01, even though earlier notice already ends it on 2025-08-10.
    assert position.earliest_end == D(2025, 9, 1)
    assert evaluate(terms, D(2025, 8, 11)).status == "terminated"
    # Notice early in the minimum term still runs to its end.
    early = replace(terms, terminated_on=D(2024, 2, 1))
    assert evaluate(early, D(2024, 3, 1)).ends_on == D(2024, 12, 31)


# --- notice of termination -----------------------------------------------------------------


def test_auto_notice_before_cancel_by_ends_this_term() -> None:
    terms = replace(AUTO, terminated_on=D(2025, 9, 15))
    position = evaluate(terms, D(2025, 10, 1))
    assert position.status == "terminating"
    assert position.notice_effective == D(2025, 12, 31)
    assert position.ends_on == D(2025, 12, 31)
    assert position.missed_notice is False
    assert position.cancel_by is None
    assert position.deadline_kind == "end"
    # Oct 1 -> Dec 31: 30 + 30 + 31 = 91 days.
    assert position.days_left == 91
    assert evaluate(terms, D(2026, 1, 1)).status == "terminated"


def test_auto_notice_after_cancel_by_takes_effect_a_term_later() -> None:
    terms = replace(AUTO, terminated_on=D(2025, 10, 15))  # after cancel_by(1) = 2025-09-30
    position = evaluate(terms, D(2025, 11, 1))
    assert position.status == "terminating"
    assert position.term_number == 1
    assert position.ends_on == D(2026, 12, 31)  # term_end_2
    assert position.missed_notice is True
    # Nov 1 2025 -> Dec 31 2026: 29 + 31 + 365 = 425 days.
    assert position.days_left == 425
    done = evaluate(terms, D(2027, 1, 1))
    assert done.status == "terminated"
    assert done.term_number == 2  # the last term in force
    assert done.missed_notice is False


def test_late_notice_in_the_last_auto_term_is_still_flagged() -> None:
    terms = replace(AUTO, max_renewals=1, terminated_on=D(2025, 11, 1))
    position = evaluate(terms, D(2025, 11, 2))
    # L = 1: the contract ends 2025-12-31 anyway (E = term_end_L), but SPEC §2 flags notice
    # given after the cancel-by date of the term it was given in.
    assert position.ends_on == D(2025, 12, 31)
    assert position.missed_notice is True


def test_notice_given_before_start_counts_in_term_0() -> None:
    terms = ContractTerms(
        D(2025, 1, 1),
        12,
        "auto",
        renewal_term_months=12,
        max_renewals=3,
        notice_value=1,
        terminated_on=D(2024, 12, 1),
    )
    # cancel_by(0) = 2025-12-31 - 1m = 2025-11-30 >= G, so E = term_end_0 = 2025-12-31.
    before = evaluate(terms, D(2024, 12, 15))
    assert before.status == "not_started"
    assert before.ends_on == D(2025, 12, 31)
    assert before.notice_effective == D(2025, 12, 31)
    assert evaluate(terms, D(2025, 6, 1)).status == "terminating"


def test_notice_dated_in_the_future_is_ignored_until_then() -> None:
    terms = replace(AUTO, terminated_on=D(2025, 12, 1))
    position = evaluate(terms, D(2025, 6, 1))
    assert position.status == "active"
    assert position.notice_effective is None
    assert position.cancel_by == D(2025, 9, 30)
    # From 2025-12-01 it counts: after cancel_by(1), so it ends with term 2.
    assert evaluate(terms, D(2025, 12, 1)).ends_on == D(2026, 12, 31)


# --- not started, needs review -------------------------------------------------------------


def test_not_started_contract() -> None:
    terms = ContractTerms(D(2025, 1, 1), 12, "auto", renewal_term_months=12, max_renewals=3)
    position = evaluate(terms, D(2024, 10, 1))
    assert position.status == "not_started"
    assert (position.term_number, position.term_start, position.term_end) == (
        0,
        D(2025, 1, 1),
        D(2025, 12, 31),
    )
    # SPEC §2: a contract signed but not started already has its first deadline (k = 0):
    # no notice, so cancel_by(0) = term_end_0 = 2025-12-31, 456 days after 2024-10-01.
    assert position.cancel_by == D(2025, 12, 31)
    assert position.deadline_kind == "cancel_by"
    assert position.days_left == 456
    assert position.earliest_end == D(2025, 12, 31)
    assert position.missed_notice is False
    # L = 3: terms 0..3 are the years 2025..2028; ends_on = term_end_3 = b4 - 1 day
    # = M(12 + 3 * 12) - 1 = 2029-01-01 - 1 = 2028-12-31.
    assert position.ends_on == D(2028, 12, 31)


def test_not_started_auto_whose_first_deadline_passed_before_the_start() -> None:
    # 1-month initial term, 3 months' notice: term_end_0 = 2025-01-31, cancel_by(0) = 2024-10-31,
    # already past on 2024-12-01; term_end_1 = M(13) - 1 = 2026-01-31, cancel_by(1) = 2025-10-31.
    terms = ContractTerms(
        D(2025, 1, 1), 1, "auto", renewal_term_months=12, notice_value=3, notice_unit="months"
    )
    position = evaluate(terms, D(2024, 12, 1))
    assert position.status == "not_started"
    assert position.cancel_by == D(2025, 10, 31)
    assert position.earliest_end == D(2026, 1, 31)
    assert position.missed_notice is False  # never before the start
    assert reminder_due(position, (180, 90, 30, 7)) is False
    assert reminder_due(evaluate(terms, D(2025, 5, 4)), (180, 90, 30, 7)) is True  # 180 days


def test_not_started_option_has_its_exercise_by_date() -> None:
    # 24 months from 2025-01-01, then options of 12 months (2 at most), 6 months' notice:
    # term_end_0 = 2026-12-31, exercise-by = 2026-06-30.
    terms = ContractTerms(
        D(2025, 1, 1), 24, "option", renewal_term_months=12, max_renewals=2, notice_value=6
    )
    position = evaluate(terms, D(2024, 11, 1))
    assert position.status == "not_started"
    assert (position.cancel_by, position.deadline_kind) == (D(2026, 6, 30), "exercise_by")
    assert position.missed_notice is False
    none = ContractTerms(D(2025, 1, 1), 24, "none")
    assert evaluate(none, D(2024, 11, 1)).cancel_by is None
    assert evaluate(none, D(2024, 11, 1)).deadline_kind == "end"


def test_needs_review_has_no_deadlines() -> None:
    terms = ContractTerms(D(2023, 5, 1), None, "auto", renewal_term_months=12, notice_value=3)
    assert terms.needs_review is True
    position = evaluate(terms, D(2025, 1, 1))
    assert position.status == "active"
    assert position.needs_review is True
    unknown = (
        position.term_end,
        position.cancel_by,
        position.ends_on,
        position.earliest_end,
        position.days_left,
        position.deadline_kind,
    )
    assert unknown == (None,) * 6
    assert position.missed_notice is False
    assert evaluate(terms, D(2023, 4, 30)).status == "not_started"
    assert reminder_due(position, (180, 90, 30, 7)) is False


# --- reminders and escalation --------------------------------------------------------------


def _with_days_left(days: int | None) -> Position:
    return Position(
        as_of=D(2025, 1, 1),
        status="active",
        needs_review=False,
        term_number=0,
        term_start=D(2024, 1, 1),
        term_end=D(2025, 12, 31),
        cancel_by=None,
        deadline_kind="end" if days is not None else None,
        days_left=days,
        missed_notice=False,
        ends_on=None,
        earliest_end=None,
        notice_effective=None,
    )


@pytest.mark.parametrize(
    ("days", "due"),
    [
        (180, True),  # exactly a reminder day
        (90, True),
        (91, False),  # between reminder days
        (8, False),  # just outside the smallest window
        (7, True),  # the smallest reminder day
        (3, True),  # inside the smallest window
        (0, True),  # the deadline itself
        (-1, False),  # past
        (None, False),  # no deadline
    ],
)
def test_reminder_due(days: int | None, due: bool) -> None:
    assert reminder_due(_with_days_left(days), (180, 90, 30, 7)) is due


def test_reminders_with_an_empty_list_are_never_due() -> None:
    assert reminder_due(_with_days_left(0), ()) is False
    assert reminder_due(_with_days_left(7), ()) is False


def test_reminder_due_on_a_real_contract() -> None:
    # cancel_by(1) = 2025-09-30; 30 days before is 2025-08-31.
    assert reminder_due(evaluate(AUTO, D(2025, 8, 31)), AUTO.reminder_days) is True
    assert reminder_due(evaluate(AUTO, D(2025, 8, 30)), AUTO.reminder_days) is False


@pytest.mark.parametrize(
    ("days", "orphan", "escalated"),
    [(90, True, True), (0, True, True), (91, True, False), (-1, True, False), (30, False, False)],
)
def test_escalation(days: int, orphan: bool, escalated: bool) -> None:
    assert is_escalated(_with_days_left(days), orphan) is escalated


def test_escalation_without_deadline() -> None:
    assert is_escalated(_with_days_left(None), True) is False


# --- validation and actions ----------------------------------------------------------------


def test_validate_terms_accepts_valid_terms() -> None:
    assert validate_terms(AUTO) == []
    assert validate_terms(OPTION) == []
    assert validate_terms(ContractTerms(D(2024, 1, 1), None, "evergreen")) == []


def test_validate_terms_reports_every_broken_rule() -> None:
    bad = ContractTerms(
        D(2024, 1, 1),
        0,
        "auto",
        renewal_term_months=None,
        max_renewals=-1,
        options_exercised=1,
        notice_value=-2,
        notice_unit="years",
        reminder_days=(30, -5),
    )
    problems = validate_terms(bad)
    assert problems == [
        "initial_term_months must be at least 1 (got 0)",
        "renewal_term_months is required for auto renewal",
        "max_renewals must be 0 or more (got -1)",
        "options_exercised is for option contracts only (renewal is auto)",
        "notice_value must be 0 or more (got -2)",
        "notice_unit must be one of days, weeks, months (got 'years')",
        "reminder_days must be 0 or more (got -5)",
    ]


def test_validate_terms_option_rules() -> None:
    assert validate_terms(replace(OPTION, options_exercised=3)) == [
        "options_exercised (3) exceeds max_renewals (2)"
    ]
    assert validate_terms(replace(OPTION, renewal_term_months=0)) == [
        "renewal_term_months must be at least 1 (got 0)"
    ]
    assert validate_terms(replace(OPTION, renewal="yearly")) == [
        "renewal must be one of none, auto, option, evergreen (got 'yearly')"
    ]
    assert validate_terms(replace(OPTION, renewal_term_months=None)) == [
        "renewal_term_months is required for option renewal"
    ]


def test_check_give_notice() -> None:
    check_give_notice(AUTO, D(2025, 9, 1), D(2025, 9, 2))  # fine
    with pytest.raises(ValidationError, match="already given on 2025-01-05"):
        check_give_notice(replace(AUTO, terminated_on=D(2025, 1, 5)), D(2025, 9, 1), D(2025, 9, 2))
    with pytest.raises(ValidationError, match="after the as-of date 2025-09-02"):
        check_give_notice(AUTO, D(2025, 9, 3), D(2025, 9, 2))
    fixed = ContractTerms(D(2020, 1, 1), 12, "none")
    with pytest.raises(ValidationError, match="ended on 2020-12-31"):
        check_give_notice(fixed, D(2021, 1, 1), D(2021, 2, 1))
    check_give_notice(fixed, D(2020, 12, 31), D(2021, 2, 1))  # back-dated, within the term
    with pytest.raises(ValidationError, match="needs review"):
        check_give_notice(replace(fixed, initial_term_months=None), D(2020, 5, 1), D(2020, 5, 1))


def test_check_exercise_option() -> None:
    check_exercise_option(OPTION, D(2024, 9, 1))
    with pytest.raises(ValidationError, match="not an option contract"):
        check_exercise_option(AUTO, D(2024, 9, 1))
    with pytest.raises(ValidationError, match=r"max_renewals \(2\) reached"):
        check_exercise_option(replace(OPTION, options_exercised=2), D(2026, 9, 1))
    with pytest.raises(ValidationError, match="notice of termination was given on 2024-02-01"):
        check_exercise_option(replace(OPTION, terminated_on=D(2024, 2, 1)), D(2024, 3, 1))
    with pytest.raises(ValidationError, match="ended on 2025-03-31"):
        check_exercise_option(OPTION, D(2025, 4, 1))
    with pytest.raises(ValidationError, match="options_exercised"):
        check_exercise_option(replace(OPTION, options_exercised=-1), D(2024, 9, 1))


def test_term_bounds_rejects_terms_that_cannot_exist() -> None:
    with pytest.raises(ValueError):
        term_bounds(ContractTerms(D(2024, 1, 1), None, "evergreen"), 1)
    with pytest.raises(ValueError):
        term_bounds(ContractTerms(D(2024, 1, 1), 12, "evergreen"), 2)
    with pytest.raises(ValueError):
        term_bounds(AUTO, -1)


def test_evaluate_rejects_an_unknown_renewal_type() -> None:
    with pytest.raises(ValidationError, match="renewal must be one of"):
        evaluate(replace(AUTO, renewal="yearly"), D(2025, 1, 1))


# --- a large portfolio (its speed: benchmarks/run.py, "terms of 10,000 contracts") ----------


def test_ten_thousand_contracts_each_in_their_own_term() -> None:
    """Old unlimited contracts are located directly in the term that holds the as-of date,
    however many terms ago they started; every contract of a large portfolio gets its own."""
    monthly = [
        # Monthly tacit renewals since the 1970s: ~650 terms on the as-of date.
        ContractTerms(
            D(1970 + i % 10, 1 + i % 12, 1 + i % 28),
            1,
            "auto",
            renewal_term_months=1,
            notice_value=1,
        )
        for i in range(5000)
    ]
    portfolio = monthly + [replace(OPTION, options_exercised=i % 3) for i in range(2500)]
    portfolio += [replace(AUTO, terminated_on=D(2025, 1 + i % 12, 1)) for i in range(2500)]
    as_of = D(2026, 1, 15)
    positions = [evaluate(terms, as_of) for terms in portfolio]
    assert len(positions) == 10_000
    # 1970-01-01 + 1 month initial, monthly renewals: 2026-01-15 is in the term starting
    # 2026-01-01, which is b_k with 1 + (k - 1) = 672 months after S -> k = 672.
    assert positions[0].term_number == 672
    for terms, position in zip(monthly, positions, strict=False):
        start = terms.start_date
        months = (as_of.year - start.year) * 12 + as_of.month - start.month
        if start + relativedelta(months=months) > as_of:
            months -= 1  # the as-of date is before this month's anniversary
        assert position.status == "active"
        assert position.term_number == months  # term 0 is the initial month
        assert position.term_start == start + relativedelta(months=months)
        assert position.term_start <= as_of <= position.term_end  # type: ignore[operator]
    for terms, position in zip(portfolio[5000:7500], positions[5000:7500], strict=True):
        assert position == evaluate(terms, as_of)  # the same alone as among 10,000
    for terms, position in zip(portfolio[7500:], positions[7500:], strict=True):
        # notice by cancel_by(1) = 2025-09-30 ends the contract on 2025-12-31; later, a year on
        given = terms.terminated_on
        assert given is not None
        assert position.status == ("terminated" if given.month <= 9 else "terminating")
