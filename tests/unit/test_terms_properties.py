"""Properties of SPEC §2 for any contract and any date (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.terms import (
    ContractTerms,
    cancel_by_of,
    ends_on_of,
    evaluate,
    last_term,
    month_boundary,
    notice_delta,
    status_of,
    term_bounds,
)

ONE_DAY = timedelta(days=1)

# Month ends (28th-31st) are the interesting starts, so draw them often.
month_ends = st.builds(
    lambda y, m: month_boundary(date(y, m, 1), 1) - ONE_DAY,
    st.integers(1990, 2040),
    st.integers(1, 12),
)
starts = st.one_of(month_ends, st.dates(date(1990, 1, 1), date(2040, 12, 31)))


@st.composite
def contracts(draw: st.DrawFn) -> ContractTerms:
    renewal = draw(st.sampled_from(["none", "auto", "option", "evergreen"]))
    start = draw(starts)
    # Only evergreen contracts may lack an initial term (others would need review).
    initial = draw(st.none() | st.integers(1, 60) if renewal == "evergreen" else st.integers(1, 60))
    step = draw(st.integers(1, 36)) if renewal in ("auto", "option") else None
    max_renewals = draw(st.none() | st.integers(0, 8))
    exercised = 0
    if renewal == "option":
        exercised = draw(st.integers(0, max_renewals if max_renewals is not None else 8))
    unit = draw(st.sampled_from(["days", "weeks", "months"]))
    value = draw(st.integers(0, {"days": 400, "weeks": 60, "months": 30}[unit]))
    given_on = draw(st.none() | st.dates(start - timedelta(days=400), start + timedelta(days=9000)))
    return ContractTerms(
        start_date=start,
        initial_term_months=initial,
        renewal=renewal,
        renewal_term_months=step,
        max_renewals=max_renewals,
        options_exercised=exercised,
        notice_value=value,
        notice_unit=unit,
        terminated_on=given_on,
    )


def _as_of(terms: ContractTerms, offset: int) -> date:
    return terms.start_date + timedelta(days=offset)


offsets = st.integers(-800, 40 * 366)


def _stepped_term(terms: ContractTerms, day: date) -> int:
    """Reference: walk the terms from 0 until one contains `day` (slow but obvious)."""
    k = 0
    while True:
        start, end = term_bounds(terms, k)
        if end is None or day <= end:
            assert start <= day or k == 0
            return k
        k += 1


@settings(max_examples=400, deadline=None)
@given(contracts(), offsets)
def test_current_term_contains_the_date_within_the_contract_life(
    terms: ContractTerms, offset: int
) -> None:
    day = _as_of(terms, offset)
    position = evaluate(terms, day)
    assert (position.status == "not_started") == (day < terms.start_date)
    if day < terms.start_date:
        assert position.term_number == 0
        return
    if position.ends_on is not None and day > position.ends_on:
        assert position.status in ("expired", "terminated")
        if terms.renewal != "evergreen":
            # After the end, the current term is the last one in force: it ends on ends_on.
            assert position.term_end == position.ends_on
        return
    assert position.term_start is not None and position.term_start <= day
    assert position.term_end is None or day <= position.term_end
    assert position.term_number == _stepped_term(terms, day)
    last = last_term(terms)
    assert position.term_number is not None
    assert last is None or position.term_number <= last


@settings(max_examples=300, deadline=None)
@given(contracts(), st.integers(0, 30))
def test_consecutive_terms_touch_without_gap_or_overlap(terms: ContractTerms, k: int) -> None:
    if terms.renewal == "evergreen" and terms.initial_term_months is None:
        assert term_bounds(terms, 0) == (terms.start_date, None)
        return
    if terms.renewal in ("evergreen", "none"):
        k = 0  # their only bounded term (evergreen term 1 has no end)
    start, end = term_bounds(terms, k)
    assert end is not None
    assert start <= end
    if terms.renewal == "none":
        assert end + ONE_DAY == month_boundary(terms.start_date, terms.initial_term_months or 0)
    else:
        following, _ = term_bounds(terms, k + 1)
        assert end + ONE_DAY == following
    # Boundaries are M(n) from S, never stepped: b1 = S + initial months.
    first_start, first_end = term_bounds(terms, 0)
    assert first_start == terms.start_date
    assert first_end is not None
    months = terms.initial_term_months or 0
    assert first_end + ONE_DAY == terms.start_date + relativedelta(months=months)


@settings(max_examples=300, deadline=None)
@given(contracts(), st.integers(0, 20), offsets)
def test_cancel_by_is_never_after_the_term_end(terms: ContractTerms, k: int, offset: int) -> None:
    if terms.renewal in ("none", "evergreen"):
        k = 0
    cancel_by = cancel_by_of(terms, k)
    if terms.renewal == "evergreen":
        assert cancel_by is None
        return
    _, end = term_bounds(terms, k)
    assert cancel_by is not None and end is not None
    assert cancel_by <= end
    assert cancel_by == end - notice_delta(terms.notice_value, terms.notice_unit)

    position = evaluate(terms, _as_of(terms, offset))
    if position.cancel_by is not None:
        assert position.status in ("not_started", "active")  # SPEC §2: both have one
        assert position.as_of <= position.cancel_by
        assert position.earliest_end is not None
        assert position.cancel_by <= position.earliest_end
        assert position.days_left == (position.cancel_by - position.as_of).days
    if position.ends_on is not None:
        assert position.earliest_end is not None and position.earliest_end <= position.ends_on


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(0, 600))
def test_month_boundary_matches_relativedelta_from_the_start(start: date, months: int) -> None:
    assert month_boundary(start, months) == start + relativedelta(months=months)


def _term_unknown(terms: ContractTerms) -> ContractTerms:
    """The contract as entered without its initial term (it then needs review)."""
    return ContractTerms(
        terms.start_date,
        None,
        terms.renewal,
        renewal_term_months=terms.renewal_term_months,
        terminated_on=terms.terminated_on,
    )


@settings(max_examples=200, deadline=None)
@given(contracts(), offsets)
def test_needs_review_contracts_have_no_known_deadline(terms: ContractTerms, offset: int) -> None:
    if terms.renewal == "evergreen":
        return
    position = evaluate(_term_unknown(terms), _as_of(terms, offset))
    assert position.needs_review is True
    assert position.status == ("not_started" if offset < 0 else "active")
    assert position.deadline is None and position.days_left is None
    assert position.missed_notice is False


@settings(max_examples=500, deadline=None)
@given(contracts(), offsets, st.booleans())
def test_ends_on_and_status_alone_are_those_of_the_whole_position(
    terms: ContractTerms, offset: int, unknown_term: bool
) -> None:
    """ends_on_of and status_of (the bulk reports' shortcuts) agree with evaluate, also for a
    contract that needs review."""
    if unknown_term and terms.renewal != "evergreen":
        terms = _term_unknown(terms)
    as_of = _as_of(terms, offset)
    position = evaluate(terms, as_of)
    assert ends_on_of(terms, as_of) == position.ends_on
    assert status_of(terms, as_of) == position.status
