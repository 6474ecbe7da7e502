"""Hand-worked cases of SPEC §3a: forecast dates and figures, successors, the succession plan."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from app.core.continuity import (
    DEEPEN,
    LEARN,
    REVERIFY,
    Candidate,
    PlanLink,
    due_before,
    forecast,
    forecast_dates,
    fresh_dates,
    loads,
    owners_after,
    plan,
    plan_figures,
    scope_dates,
    successors,
    weigh,
    weigh_after,
)
from app.core.knowledge import PersonInfo, fresh_since, status_rows, tie_order
from app.core.settings import Settings
from app.core.terms import ContractTerms

S = Settings()  # understanding 2, stale after 24 months, window 90 days, threshold 0.5
D = date(2026, 11, 29)


def person(
    pid: int, name: str, leaves_on: date | None = None, email: str | None = None
) -> PersonInfo:
    return PersonInfo(pid, name, email or name, email, leaves_on)


# --- forecast ------------------------------------------------------------------------------


def test_forecast_dates_are_d_then_month_ends() -> None:
    assert forecast_dates(D, 2) == [D, date(2026, 12, 31), date(2027, 1, 31)]
    assert forecast_dates(date(2027, 1, 31), 1) == [date(2027, 1, 31), date(2027, 2, 28)]
    assert forecast_dates(D, 0) == [D]
    assert len(forecast_dates(D, 12)) == 13


def test_fresh_dates_count_the_leading_dates_a_link_passes() -> None:
    dates = forecast_dates(D, 3)  # 11-29, 12-31, 01-31, 02-28
    assert fresh_dates(date(2024, 12, 31), dates, S) == 2  # fresh through 2026-12-31
    assert fresh_dates(date(2024, 12, 30), dates, S) == 1
    assert fresh_dates(date(2024, 11, 28), dates, S) == 0  # already stale on D
    assert fresh_dates(date(2026, 1, 1), dates, S) == 4


def test_scope_dates_follow_the_contract_status() -> None:
    dates = forecast_dates(D, 3)
    ends_dec = ContractTerms(date(2025, 1, 1), 24, "none")  # last day 2026-12-31
    assert scope_dates(ends_dec, dates) == 2
    later = ContractTerms(date(2027, 1, 15), 12, "none")  # not started: in scope
    assert scope_dates(later, dates) == 4
    expired = ContractTerms(date(2020, 1, 1), 12, "none")
    assert scope_dates(expired, dates) == 0
    # notice given after D counts from its date: evergreen, 1 month notice given 2026-12-15
    notice = ContractTerms(
        date(2020, 1, 1), None, "evergreen", notice_value=1, terminated_on=date(2026, 12, 15)
    )
    assert scope_dates(notice, dates) == 2  # terminating until 2027-01-15, then terminated


def test_forecast_points_differ_as_people_leave_and_links_go_stale() -> None:
    dates = forecast_dates(D, 3)  # 11-29, 12-31, 01-31, 02-28
    people = {
        1: person(1, "Ann"),
        2: person(2, "Bob", leaves_on=date(2027, 1, 15)),  # leaving soon from D on; gone 01-31
        3: person(3, "Cat"),
    }
    clauses = [(10, 5, 4), (11, 3, 4), (12, 2, 4), (13, 4, 3)]  # (clause, criticality, scope)
    links = [
        (1, 10, fresh_dates(date(2025, 1, 31), dates, S)),  # Ann: fresh through 01-31
        (2, 10, 4),  # Bob: current while active
        (3, 11, 4),  # Cat
        (2, 12, 4),  # Bob alone: at_risk, then orphaned
        (3, 13, 4),  # Cat, but the contract leaves scope after 01-31
    ]
    points = forecast(dates, clauses, links, people, S)
    got = [
        (p.clauses, p.orphaned, p.orphaned_critical, p.at_risk, p.single, p.covered) for p in points
    ]
    assert got == [
        (4, 0, 0, 1, 2, 1),  # 10 covered (Ann, Bob), 11 single, 12 at_risk, 13 single
        (4, 0, 0, 1, 2, 1),
        (4, 1, 0, 0, 3, 0),  # Bob gone: 10 single (Ann), 12 orphaned
        (3, 2, 1, 0, 1, 0),  # Ann's link stale: 10 orphaned (critical); 13 out of scope
    ]
    assert [p.coverage for p in points] == [
        Fraction(14, 14),
        Fraction(14, 14),
        Fraction(12, 14),
        Fraction(3, 10),
    ]
    # truck factor on 02-28: 10 (5) and 12 (2) orphaned = 7 of 10 > 0.5 → 0
    assert [p.truck_factor for p in points] == [2, 2, 1, 0]
    assert points[0].date == D and points[-1].date == date(2027, 2, 28)


def test_forecast_without_clauses_has_null_figures() -> None:
    points = forecast(forecast_dates(D, 1), [], [], {}, S)
    assert [(p.clauses, p.coverage, p.truck_factor) for p in points] == [(0, None, None)] * 2


# --- successors ----------------------------------------------------------------------------

FRESH = date(2026, 1, 1)
STALE = date(2024, 1, 1)


def _successors(
    people: dict[int, PersonInfo],
    clauses: list[tuple[int, int, int]],  # (clause, contract, criticality)
    links: list[tuple[int, int, int, date]],  # (person, clause, level, verified_on)
) -> tuple[dict[int, tuple[Candidate, ...]], dict[int, tuple[str, str | None, tuple[int, ...]]]]:
    since = fresh_since(D, S)
    statuses = status_rows(
        {c for c, _, _ in clauses},
        ((p, c, on >= since) for p, c, level, on in links if level >= S.understanding_level),
        people,
        S,
        D,
    )
    owners: dict[int, set[int]] = {}
    for cid, kid, _ in clauses:
        owners.setdefault(kid, set()).update(statuses[cid][2])
    load = loads((statuses[cid][2], weight) for cid, _, weight in clauses)
    found = successors(
        [(cid, kid) for cid, kid, _ in clauses],
        statuses,
        [(p, c, level, on >= since) for p, c, level, on in links],
        owners,
        people,
        S,
        D,
        load,
    )
    return found, statuses


def test_each_action_in_its_order_of_preference() -> None:
    people = {1: person(1, "Ann"), 2: person(2, "Bob"), 3: person(3, "Cat"), 4: person(4, "Dan")}
    clauses = [(10, 1, 5), (11, 1, 2)]
    links = [
        (1, 10, 3, FRESH),  # Ann owns 10: single, so 10 is listed
        (2, 10, 1, FRESH),  # Bob has read it: deepen
        (3, 10, 2, STALE),  # Cat's link is stale: reverify
        (4, 11, 2, FRESH),  # Dan owns another clause of the contract: learn
    ]
    found, statuses = _successors(people, clauses, links)
    assert statuses[10][0] == "single" and statuses[11][0] == "single"
    assert [(k.person_id, k.action, k.level, k.load) for k in found[10]] == [
        (3, REVERIFY, 2, 0),
        (2, DEEPEN, 1, 0),
        (4, LEARN, None, 2),
    ]
    # 11: Ann owns another clause of the contract; Bob and Cat own nothing, so they are no one
    assert [(k.person_id, k.action) for k in found[11]] == [(1, LEARN)]


def test_candidates_sort_by_load_then_name_then_key_and_three_are_kept() -> None:
    people = {
        1: person(1, "Zoe"),
        2: person(2, "Amy", email="amy2@x"),
        3: person(3, "Amy", email="amy1@x"),
        4: person(4, "Bea"),
        5: person(5, "Cid"),
    }
    clauses = [(10, 1, 3), (11, 1, 1), (12, 1, 4), (13, 1, 1), (14, 1, 1), (20, 2, 4)]
    links = [
        (1, 11, 2, FRESH),  # Zoe: load 1
        (2, 12, 2, FRESH),  # Amy (amy2): load 4 + 1 = 5
        (2, 13, 2, FRESH),
        (3, 14, 2, FRESH),  # Amy (amy1): load 1 + 4 (another contract) = 5
        (3, 20, 2, FRESH),
        (4, 13, 2, FRESH),  # Bea: load 1
    ]
    found, statuses = _successors(people, clauses, links)
    assert statuses[10][0] == "orphaned"
    assert [(k.person_id, k.load) for k in found[10]] == [(4, 1), (1, 1), (3, 5)]  # Bea, Zoe, amy1
    assert all(k.action == LEARN for k in found[10])


def test_load_counts_the_whole_portfolio_not_the_listed_clauses() -> None:
    people = {1: person(1, "Ann"), 2: person(2, "Bob")}
    clauses = [(10, 1, 3), (11, 1, 4), (12, 2, 5), (13, 2, 1)]
    links = [(1, 11, 2, FRESH), (1, 12, 2, FRESH), (2, 11, 3, FRESH)]
    found, _ = _successors(people, clauses, links)
    assert [(k.person_id, k.load) for k in found[10]] == [(2, 4), (1, 9)]


def test_people_leaving_or_gone_and_current_owners_are_no_candidates() -> None:
    people = {
        1: person(1, "Ann"),
        2: person(2, "Bob", leaves_on=date(2027, 1, 31)),  # within the 90-day window
        3: person(3, "Cat", leaves_on=date(2026, 11, 28)),  # left
        4: person(4, "Dan", leaves_on=date(2027, 2, 28)),  # leaves after the window: eligible
    }
    clauses = [(10, 1, 3), (11, 1, 3)]
    links = [
        (1, 10, 2, FRESH),  # Ann owns 10 (single): not a candidate for 10
        (2, 10, 1, FRESH),
        (3, 10, 1, FRESH),
        (4, 10, 1, FRESH),
        (1, 11, 2, STALE),
    ]
    found, _ = _successors(people, clauses, links)
    assert [(k.person_id, k.action) for k in found[10]] == [(4, DEEPEN)]
    assert [(k.person_id, k.action) for k in found[11]] == [(1, REVERIFY)]


def test_a_clause_with_no_candidate_is_listed_with_an_empty_list() -> None:
    people = {1: person(1, "Ann", leaves_on=date(2026, 12, 1))}  # at risk, leaving soon
    clauses = [(10, 1, 5), (11, 2, 2)]
    links = [(1, 10, 3, FRESH)]
    found, statuses = _successors(people, clauses, links)
    assert statuses[10][0] == "at_risk" and found[10] == ()
    assert statuses[11][0] == "orphaned" and found[11] == ()


def test_covered_clauses_are_not_listed() -> None:
    people = {1: person(1, "Ann"), 2: person(2, "Bob")}
    found, _ = _successors(people, [(10, 1, 3)], [(1, 10, 2, FRESH), (2, 10, 2, FRESH)])
    assert found == {}


# --- the plan ------------------------------------------------------------------------------


def test_plan_takes_the_first_candidate_at_the_understanding_level_or_higher() -> None:
    candidates = {
        10: [Candidate(3, REVERIFY, 4, 0), Candidate(2, DEEPEN, 1, 0)],
        11: [Candidate(2, DEEPEN, 1, 0)],
        12: [Candidate(4, LEARN, None, 2)],
        13: [],
    }
    links = plan([12, 11, 10, 13], candidates, S)
    assert links == [
        PlanLink(12, 4, LEARN, 2),
        PlanLink(11, 2, DEEPEN, 2),
        PlanLink(10, 3, REVERIFY, 4),
    ]


def test_plan_figures_before_and_after() -> None:
    people = {1: person(1, "Ann"), 2: person(2, "Bob")}
    statuses = {
        10: ("orphaned", "never_owned", ()),
        11: ("single", None, (1,)),
        12: ("single", None, (1,)),
    }
    links = [PlanLink(10, 2, LEARN, 2), PlanLink(11, 2, LEARN, 2)]
    changed = owners_after(statuses, links)
    assert changed == {10: (2,), 11: (1, 2)}
    clauses = [(1, 10, 4), (1, 11, 3), (1, 12, 1)]  # (contract, clause, criticality)
    before = weigh(clauses, statuses)
    assert before == {1: {(): 4, (1,): 4}}
    after = weigh_after(before, clauses[:2], statuses, changed)
    assert after == {1: {(2,): 4, (1, 2): 3, (1,): 1}} and before[1] == {(): 4, (1,): 4}
    order = tie_order(people.values())
    figures = plan_figures(before[1].items(), after[1].items(), S, order)
    assert figures.coverage_before == Fraction(4, 8) and figures.coverage_after == 1
    # before: 4 of 8 orphaned, not over 0.5; removing Ann orphans all → 1
    # after: Ann (4) and Bob (7): remove Bob (10 and nothing else orphaned: 4 of 8) then Ann → 2
    assert (figures.truck_factor_before, figures.truck_factor_after) == (1, 2)


# --- the re-verification campaign ----------------------------------------------------------


def test_due_before_is_the_first_date_not_due() -> None:
    # due when verified_on + 24 months < D + within days
    assert due_before(D, 90, S) == date(2025, 2, 27)  # 2025-02-27 + 24 months = 2027-02-27
    assert due_before(D, 0, S) == date(2024, 11, 29)
    one = Settings(stale_after_months=1)
    # D + 2 days = 2027-03-31; 2027-02-28 + 1 month = 2027-03-28 < 03-31: still due
    assert due_before(date(2027, 3, 29), 2, one) == date(2027, 3, 1)
