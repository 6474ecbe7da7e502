"""Properties of the knowledge rules, checked against straightforward reference versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app.core.knowledge import (
    ClauseInfo,
    ClauseStatus,
    LinkInfo,
    PersonInfo,
    clause_statuses,
    coverage,
    fresh_since,
    is_fresh,
    simulate_leave,
    truck_factor,
)
from app.core.natural import natural_key
from app.core.settings import Settings

D = date(2025, 3, 31)  # a month end, so staleness exercises relativedelta clamping


# --- reference implementations, written from the SPEC §3 text without shortcuts ---------------


def ref_statuses(
    clauses: list[ClauseInfo],
    links: list[LinkInfo],
    people: dict[int, PersonInfo],
    settings: Settings,
    as_of: date,
    left: frozenset[int],
) -> dict[int, tuple[str, str | None, tuple[int, ...]]]:
    def active(pid: int) -> bool:
        p = people[pid]
        return pid not in left and (p.leaves_on is None or p.leaves_on >= as_of)

    result: dict[int, tuple[str, str | None, tuple[int, ...]]] = {}
    for c in clauses:
        qualified = [
            k for k in links if k.clause_id == c.id and k.level >= settings.understanding_level
        ]
        current = [
            k
            for k in qualified
            if active(k.person_id)
            and k.verified_on + relativedelta(months=settings.stale_after_months) >= as_of
        ]
        owners = tuple(sorted(k.person_id for k in current))
        if not owners:
            if not qualified:
                reason = "never_owned"
            elif all(not active(k.person_id) for k in qualified):
                reason = "owners_left"
            else:
                reason = "stale"
            result[c.id] = ("orphaned", reason, ())
            continue
        limit = as_of + timedelta(days=settings.leaving_window_days)
        leaving = [people[p].leaves_on for p in owners]
        if all(day is not None and day <= limit for day in leaving):
            result[c.id] = ("at_risk", None, owners)
        elif len(owners) == 1:
            result[c.id] = ("single", None, owners)
        else:
            result[c.id] = ("covered", None, owners)
    return result


def ref_truck_factor(
    clauses: list[ClauseInfo],
    statuses: dict[int, ClauseStatus],
    people: dict[int, PersonInfo],
    threshold: Decimal,
) -> int | None:
    """The greedy loop of the SPEC, recomputing every weight at every step."""
    if not clauses:
        return None
    total = sum(c.criticality for c in clauses)
    removed: set[int] = set()
    count = 0
    while True:
        remaining = {c.id: set(statuses[c.id].owners) - removed for c in clauses}
        orphaned = sum(c.criticality for c in clauses if not remaining[c.id])
        if Fraction(orphaned) > Fraction(threshold) * total:
            return count
        weights: dict[int, int] = {}
        for c in clauses:
            for pid in remaining[c.id]:
                weights[pid] = weights.get(pid, 0) + c.criticality
        if not weights:
            return count
        best = min(weights, key=lambda pid: (-weights[pid], people[pid].name, people[pid].key))
        removed.add(best)
        count += 1


# --- strategies --------------------------------------------------------------------------------

NAMES = ["Ann", "Bob", "Cat", "ann", "Dan"]  # repeated names make the key tie-break matter


@st.composite
def portfolios(
    draw: st.DrawFn,
) -> tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo], Settings]:
    n_people = draw(st.integers(1, 6))
    people: dict[int, PersonInfo] = {}
    for pid in range(1, n_people + 1):
        name = draw(st.sampled_from(NAMES))
        leaves = draw(st.none() | st.integers(-40, 200).map(lambda d: D + timedelta(days=d)))
        key = f"{draw(st.sampled_from('zam'))}{pid}"  # keys independent of the names
        people[pid] = PersonInfo(pid, name, key, None, leaves)
    n_clauses = draw(st.integers(0, 9))
    clauses = [
        ClauseInfo(
            cid,
            draw(st.integers(1, 3)),
            draw(st.sampled_from(["1", "2", "7.2", "7.10", "a"])),
            "t",
            draw(st.integers(1, 5)),
        )
        for cid in range(1, n_clauses + 1)
    ]
    pairs = draw(
        st.sets(st.tuples(st.integers(1, n_people), st.integers(1, max(n_clauses, 1))), max_size=20)
    )
    links = [
        LinkInfo(
            pid,
            cid,
            draw(st.integers(1, 4)),
            D - timedelta(days=draw(st.integers(0, 1000))),
        )
        for pid, cid in sorted(pairs)
    ]
    settings = Settings(
        understanding_level=draw(st.integers(1, 4)),
        stale_after_months=draw(st.integers(1, 30)),
        leaving_window_days=draw(st.integers(0, 120)),
        truck_threshold=draw(st.sampled_from([Decimal(x) for x in ("0.1", "0.25", "0.5", "0.75")])),
    )
    return clauses, links, people, settings


# --- properties --------------------------------------------------------------------------------


@hsettings(max_examples=300, deadline=None)
@given(portfolios(), st.frozensets(st.integers(1, 6), max_size=3))
def test_statuses_match_reference(
    portfolio: tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo], Settings],
    left: frozenset[int],
) -> None:
    clauses, links, people, settings = portfolio
    got = clause_statuses(clauses, links, people, settings, D, left)
    expected = ref_statuses(clauses, links, people, settings, D, left)
    assert {cid: (s.status, s.reason, s.owners) for cid, s in got.items()} == expected


@hsettings(max_examples=300, deadline=None)
@given(portfolios())
def test_fast_truck_factor_equals_reference(
    portfolio: tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo], Settings],
) -> None:
    clauses, links, people, settings = portfolio
    statuses = clause_statuses(clauses, links, people, settings, D)
    for contract_id in (1, 2, 3):
        members = [c for c in clauses if c.contract_id == contract_id]
        assert truck_factor(members, statuses, people, settings) == ref_truck_factor(
            members, statuses, people, settings.truck_threshold
        )
    assert truck_factor(clauses, statuses, people, settings) == ref_truck_factor(
        clauses, statuses, people, settings.truck_threshold
    )


@hsettings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(1, 6), st.frozensets(st.integers(1, 6), max_size=2))
def test_removing_a_person_never_raises_coverage_or_truck_factor(
    portfolio: tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo], Settings],
    extra: int,
    left: frozenset[int],
) -> None:
    clauses, links, people, settings = portfolio
    before = clause_statuses(clauses, links, people, settings, D, left)
    after = clause_statuses(clauses, links, people, settings, D, left | {extra})
    cov_before, cov_after = coverage(clauses, before), coverage(clauses, after)
    tf_before = truck_factor(clauses, before, people, settings)
    tf_after = truck_factor(clauses, after, people, settings)
    if not clauses:
        assert (cov_before, cov_after, tf_before, tf_after) == (None, None, None, None)
        return
    assert cov_before is not None and cov_after is not None
    assert tf_before is not None and tf_after is not None
    assert cov_after <= cov_before
    assert tf_after <= tf_before


@hsettings(max_examples=200, deadline=None)
@given(portfolios(), st.frozensets(st.integers(1, 6), max_size=3))
def test_simulation_agrees_with_statuses(
    portfolio: tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo], Settings],
    leaving: frozenset[int],
) -> None:
    clauses, links, people, settings = portfolio
    before = clause_statuses(clauses, links, people, settings, D)
    after = clause_statuses(clauses, links, people, settings, D, leaving)
    result = simulate_leave(clauses, links, people, settings, D, leaving)
    expected_orphans = {
        c.id for c in clauses if before[c.id].status != "orphaned" == after[c.id].status
    }
    assert {c.id for c in result.newly_orphaned} == expected_orphans
    touched = {c.contract_id for c in clauses if set(before[c.id].owners) & leaving}
    assert [i.contract_id for i in result.contracts] == sorted(touched)
    for impact in result.contracts:
        members = [c for c in clauses if c.contract_id == impact.contract_id]
        assert impact.coverage_before == coverage(members, before)
        assert impact.coverage_after == coverage(members, after)
        assert impact.truck_factor_before == truck_factor(members, before, people, settings)
        assert impact.truck_factor_after == truck_factor(members, after, people, settings)


@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(1, 60),
    st.integers(-2000, 10),
)
def test_fresh_since_splits_fresh_from_stale(as_of: date, months: int, offset: int) -> None:
    settings = Settings(stale_after_months=months)
    verified = as_of + timedelta(days=offset)
    assert is_fresh(verified, as_of, settings) == (verified >= fresh_since(as_of, settings))


NON_DIGITS = st.text(st.characters(blacklist_categories=("Nd", "Cs")), max_size=4)


@given(st.integers(0, 10_000), st.integers(1, 10_000), NON_DIGITS)
def test_natural_key_orders_numbers_numerically(a: int, step: int, suffix: str) -> None:
    # "7.9x" < "7.10x" whatever the (digit-free) suffix
    assert natural_key(f"7.{a}{suffix}") < natural_key(f"7.{a + step}{suffix}")


@given(st.lists(st.text(max_size=5), max_size=8))
def test_natural_key_is_a_total_order(numbers: list[str]) -> None:
    once = sorted(numbers, key=natural_key)
    assert sorted(reversed(once), key=natural_key) == once
    pairs = zip(once, once[1:], strict=False)
    assert all(natural_key(x) != natural_key(y) for x, y in pairs if x != y)
