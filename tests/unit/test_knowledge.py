"""Knowledge gaps (SPEC §3) on small portfolios worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from app.core.knowledge import (
    ClauseInfo,
    ClauseStatus,
    ContractImpact,
    LinkInfo,
    PersonInfo,
    clause_statuses,
    coverage,
    fresh_since,
    is_active,
    simulate_leave,
    truck_factor,
)
from app.core.natural import natural_key
from app.core.settings import Settings

D = date(2025, 6, 15)
DEFAULTS = Settings()  # understanding 2, stale after 24 months, window 90 days, threshold 0.5


def person(
    pid: int, name: str, leaves_on: date | None = None, email: str | None = None
) -> PersonInfo:
    return PersonInfo(pid, name, email or name, email, leaves_on)


def people_map(*people: PersonInfo) -> dict[int, PersonInfo]:
    return {p.id: p for p in people}


ANN = person(1, "Ann")  # never leaves
BOB = person(2, "Bob", date(2025, 6, 14))  # last working day was the day before D: has left
CAT = person(3, "Cat", date(2025, 6, 15))  # last working day is D: still active, leaving soon
DAN = person(4, "Dan", date(2025, 9, 13))  # D + 90 days exactly: inside the leaving window
EVE = person(5, "Eve", date(2025, 9, 14))  # D + 91 days: outside the window
STAFF = people_map(ANN, BOB, CAT, DAN, EVE)

FRESH = date(2025, 1, 10)
EDGE = date(2023, 6, 15)  # verified_on + 24 months == D: still current
OLD = date(2023, 6, 14)  # verified_on + 24 months == D - 1 day: stale


def clause(cid: int, number: str, criticality: int = 3, contract_id: int = 10) -> ClauseInfo:
    return ClauseInfo(cid, contract_id, number, f"clause {number}", criticality)


def test_person_active_through_last_working_day() -> None:
    assert is_active(ANN, D)
    assert not is_active(BOB, D)  # left on the day before D
    assert is_active(CAT, D)  # leaves_on == D is the last working day
    assert not is_active(CAT, date(2025, 6, 16))
    assert not is_active(ANN, D, frozenset({1}))  # simulated as having left


def test_every_status_and_reason() -> None:
    clauses = [clause(i, str(i)) for i in range(1, 10)]
    links = [
        LinkInfo(1, 1, 1, FRESH),  # 1: only "has read it" (level 1) -> never_owned
        LinkInfo(2, 2, 3, FRESH),  # 2: only Bob, who has left -> owners_left
        LinkInfo(1, 3, 2, OLD),  # 3: Ann is stale ...
        LinkInfo(2, 3, 4, FRESH),  # ... and Bob has left -> stale (an active owner went stale)
        LinkInfo(1, 4, 2, EDGE),  # 4: verified exactly 24 months ago -> current, single
        LinkInfo(3, 5, 3, FRESH),  # 5: only Cat (leaves on D) -> at_risk
        LinkInfo(3, 6, 2, FRESH),  # 6: Cat and Dan both leave within 90 days -> at_risk
        LinkInfo(4, 6, 2, FRESH),
        LinkInfo(4, 7, 2, FRESH),  # 7: Dan leaves soon but Eve does not -> covered
        LinkInfo(5, 7, 4, FRESH),
        LinkInfo(5, 8, 2, FRESH),  # 8: Eve alone (D + 91) -> single
        LinkInfo(1, 9, 3, FRESH),  # 9: Ann and Eve -> covered; Ann's level-1 link elsewhere
        LinkInfo(5, 9, 2, FRESH),
        LinkInfo(1, 99, 4, FRESH),  # a link to a clause outside the set is ignored
    ]
    statuses = clause_statuses(clauses, links, STAFF, DEFAULTS, D)
    assert statuses == {
        1: ClauseStatus(1, "orphaned", "never_owned", ()),
        2: ClauseStatus(2, "orphaned", "owners_left", ()),
        3: ClauseStatus(3, "orphaned", "stale", ()),
        4: ClauseStatus(4, "single", None, (1,)),
        5: ClauseStatus(5, "at_risk", None, (3,)),
        6: ClauseStatus(6, "at_risk", None, (3, 4)),
        7: ClauseStatus(7, "covered", None, (4, 5)),
        8: ClauseStatus(8, "single", None, (5,)),
        9: ClauseStatus(9, "covered", None, (1, 5)),
    }


def test_owners_left_when_every_qualified_owner_left_even_if_stale() -> None:
    # Bob (left) was stale too; nobody active holds a level >= 2 link -> owners_left, not stale
    statuses = clause_statuses(
        [clause(1, "1")],
        [LinkInfo(2, 1, 3, OLD), LinkInfo(1, 1, 1, FRESH)],
        STAFF,
        DEFAULTS,
        D,
    )
    assert statuses[1].reason == "owners_left"


def test_no_links_at_all_is_never_owned() -> None:
    statuses = clause_statuses([clause(1, "1")], [], STAFF, DEFAULTS, D)
    assert statuses[1] == ClauseStatus(1, "orphaned", "never_owned", ())


def test_understanding_level_setting_moves_the_bar() -> None:
    clauses = [clause(1, "1")]
    links = [LinkInfo(1, 1, 3, FRESH)]
    assert clause_statuses(clauses, links, STAFF, Settings(understanding_level=3), D)[1].status == (
        "single"
    )
    strict = clause_statuses(clauses, links, STAFF, Settings(understanding_level=4), D)
    assert strict[1].reason == "never_owned"  # level 3 < 4: no qualifying link at all


def test_leaving_window_setting() -> None:
    # Eve leaves on D + 91: at risk once the window is 91 days
    links = [LinkInfo(5, 1, 2, FRESH)]
    wide = clause_statuses([clause(1, "1")], links, STAFF, Settings(leaving_window_days=91), D)
    assert wide[1].status == "at_risk"
    zero = clause_statuses(
        [clause(1, "1")], [LinkInfo(3, 1, 2, FRESH)], STAFF, Settings(leaving_window_days=0), D
    )
    assert zero[1].status == "at_risk"  # Cat leaves on D itself: D <= D + 0


def test_fresh_since_clamps_at_month_ends() -> None:
    assert fresh_since(D, DEFAULTS) == EDGE  # 2025-06-15 - 24 months
    one_month = Settings(stale_after_months=1)
    # 2025-02-28 + 1 month = 2025-03-28 < 03-31 (stale); 2025-03-01 + 1 month = 04-01 (fresh)
    assert fresh_since(date(2025, 3, 31), one_month) == date(2025, 3, 1)
    statuses = clause_statuses(
        [clause(1, "1"), clause(2, "2")],
        [LinkInfo(1, 1, 2, date(2025, 2, 28)), LinkInfo(1, 2, 2, date(2025, 3, 1))],
        STAFF,
        one_month,
        date(2025, 3, 31),
    )
    assert statuses[1].reason == "stale"
    assert statuses[2].status == "single"


def test_coverage_weights_by_criticality() -> None:
    clauses = [clause(1, "1", 5), clause(2, "2", 2), clause(3, "3", 1)]
    links = [LinkInfo(1, 1, 2, FRESH), LinkInfo(3, 3, 2, FRESH)]  # clause 2 orphaned
    statuses = clause_statuses(clauses, links, STAFF, DEFAULTS, D)
    # (5 + 1) / (5 + 2 + 1) = 6/8 = 3/4; an at_risk clause (3, Cat) still counts as covered
    assert coverage(clauses, statuses) == Fraction(3, 4)


def test_contract_without_clauses_has_no_figures() -> None:
    statuses = clause_statuses([], [LinkInfo(1, 1, 4, FRESH)], STAFF, DEFAULTS, D)
    assert statuses == {}
    assert coverage([], statuses) is None
    assert truck_factor([], statuses, STAFF, DEFAULTS) is None


def test_truck_factor_removes_heaviest_owner_first() -> None:
    # weights: Ann 5 + 3 = 8, Eve 5 + 1 = 6; total 9, stop when orphaned > 4.5
    clauses = [clause(1, "1", 5), clause(2, "2", 3), clause(3, "3", 1)]
    links = [
        LinkInfo(1, 1, 2, FRESH),
        LinkInfo(5, 1, 2, FRESH),
        LinkInfo(1, 2, 2, FRESH),
        LinkInfo(5, 3, 2, FRESH),
    ]
    statuses = clause_statuses(clauses, links, STAFF, DEFAULTS, D)
    # remove Ann: orphaned 3 (clause 2), 3 <= 4.5; remove Eve: 9 > 4.5 -> 2
    assert truck_factor(clauses, statuses, STAFF, DEFAULTS) == 2
    # with threshold 0.25 (2.25): after Ann, 3 > 2.25 -> 1
    assert truck_factor(clauses, statuses, STAFF, Settings(truck_threshold=Decimal("0.25"))) == 1


def test_truck_factor_zero_when_already_over_threshold() -> None:
    # orphaned 3 of 5 > 2.5 before anyone is removed
    clauses = [clause(1, "1", 3), clause(2, "2", 2)]
    statuses = clause_statuses(clauses, [LinkInfo(1, 2, 2, FRESH)], STAFF, DEFAULTS, D)
    assert truck_factor(clauses, statuses, STAFF, DEFAULTS) == 0


def test_truck_factor_threshold_is_strictly_exceeded() -> None:
    # orphaned 2 of 4 is exactly 0.5: not over, so one removal is needed
    clauses = [clause(1, "1", 2), clause(2, "2", 2)]
    statuses = clause_statuses(clauses, [LinkInfo(1, 2, 2, FRESH)], STAFF, DEFAULTS, D)
    assert truck_factor(clauses, statuses, STAFF, DEFAULTS) == 1


def test_truck_factor_ties_go_to_the_name_that_sorts_first() -> None:
    # keys sort the other way round (Cy, Bea, Al), so only the name rule gives these answers
    al = person(11, "Al", email="zz@example.com")
    bea = person(12, "Bea", email="bb@example.com")
    cy = person(13, "Cy", email="aa@example.com")
    staff = people_map(al, bea, cy)
    # k0 (1) never owned; k1 (4) Al alone; k2 (4) Bea and Cy. Everyone weighs 4.
    clauses = [clause(20, "0", 1), clause(21, "1", 4), clause(22, "2", 4)]
    links = [LinkInfo(11, 21, 2, FRESH), LinkInfo(12, 22, 2, FRESH), LinkInfo(13, 22, 2, FRESH)]
    statuses = clause_statuses(clauses, links, staff, DEFAULTS, D)
    # total 9, limit 4.5. Al goes first: orphaned 1 + 4 = 5 > 4.5 -> 1
    assert truck_factor(clauses, statuses, staff, DEFAULTS) == 1
    # renamed so that Bea's twin sorts first: Bea (1), Cy (1 + 4 = 5) -> 2
    renamed = people_map(person(11, "Zed"), bea, cy)
    assert truck_factor(clauses, statuses, renamed, DEFAULTS) == 2


def test_truck_factor_ties_on_name_go_to_the_key_that_sorts_first() -> None:
    sam_b = person(11, "Sam", email="sam.b@example.com")
    sam_a = person(12, "Sam", email="sam.a@example.com")
    zed = person(13, "Zed")
    staff = people_map(sam_b, sam_a, zed)
    # k0 (1) never owned; k1 (4) Sam B alone; k2 (4) Sam A and Zed. Everyone weighs 4.
    clauses = [clause(20, "0", 1), clause(21, "1", 4), clause(22, "2", 4)]
    links = [LinkInfo(11, 21, 2, FRESH), LinkInfo(12, 22, 2, FRESH), LinkInfo(13, 22, 2, FRESH)]
    statuses = clause_statuses(clauses, links, staff, DEFAULTS, D)
    # limit 4.5. Sam A (key sam.a) first: orphaned 1; then Sam B: 1 + 4 = 5 > 4.5 -> 2
    assert truck_factor(clauses, statuses, staff, DEFAULTS) == 2


def test_truck_factor_when_everyone_is_removed() -> None:
    # one clause, one owner: remove Ann, orphaned 3 > 1.5 -> 1
    clauses = [clause(1, "1")]
    statuses = clause_statuses(clauses, [LinkInfo(1, 1, 2, FRESH)], STAFF, DEFAULTS, D)
    assert truck_factor(clauses, statuses, STAFF, DEFAULTS) == 1


def simulation_portfolio() -> tuple[list[ClauseInfo], list[LinkInfo], dict[int, PersonInfo]]:
    ann, ben, cal = person(1, "Ann"), person(2, "Ben"), person(3, "Cal")
    clauses = [
        clause(101, "1", 5, 100),
        clause(102, "10", 2, 100),
        clause(103, "2", 3, 100),
        clause(104, "3", 1, 100),
        clause(201, "1", 4, 200),
        clause(202, "2", 4, 200),
        clause(301, "a", 2, 300),
    ]
    links = [
        LinkInfo(1, 101, 3, FRESH),
        LinkInfo(2, 101, 2, FRESH),
        LinkInfo(1, 102, 2, FRESH),
        LinkInfo(1, 103, 4, FRESH),
        LinkInfo(3, 104, 2, FRESH),
        LinkInfo(2, 201, 2, FRESH),
        LinkInfo(1, 202, 1, FRESH),  # Ann has only read clause 2 of contract 200
        LinkInfo(1, 301, 3, OLD),  # Ann's knowledge of contract 300 is stale
    ]
    return clauses, links, people_map(ann, ben, cal)


def test_simulate_leave_by_hand() -> None:
    clauses, links, staff = simulation_portfolio()
    result = simulate_leave(clauses, links, staff, DEFAULTS, D, frozenset({1}))
    # Contract 100 before: all owned, coverage 11/11. Weights Ann 5+2+3 = 10, Ben 5, Cal 1;
    # limit 5.5: remove Ann -> orphaned 2+3 = 5; remove Ben -> 10 > 5.5: truck factor 2.
    # After Ann leaves: clauses 10 and 2 orphaned, coverage (5+1)/11; 5 <= 5.5, remove Ben
    # -> 10: truck factor 1. Contracts 200 and 300 have no current link of Ann's.
    assert [(c.contract_id, c.number) for c in result.newly_orphaned] == [(100, "2"), (100, "10")]
    assert result.contracts == [ContractImpact(100, Fraction(1), Fraction(6, 11), 2, 1)]


def test_simulate_leave_of_nobody_changes_nothing() -> None:
    clauses, links, staff = simulation_portfolio()
    result = simulate_leave(clauses, links, staff, DEFAULTS, D, frozenset())
    assert result.newly_orphaned == []
    assert result.contracts == []


def test_simulate_leave_of_two_people() -> None:
    clauses, links, staff = simulation_portfolio()
    result = simulate_leave(clauses, links, staff, DEFAULTS, D, frozenset({1, 2}))
    # Contract 100 keeps only clause 3 (Cal, 1 of 11); 10 > 5.5 at once -> truck factor 0.
    # Contract 200: Ben owned clause 1 (4 of 8; clause 2 was never owned, coverage 1/2).
    # Before: limit 4, orphaned 4 is not over it; remove Ben -> 8 > 4: truck factor 1.
    # After: orphaned 8 > 4 at once -> 0.
    assert [(c.contract_id, c.number) for c in result.newly_orphaned] == [
        (100, "1"),
        (100, "2"),
        (100, "10"),
        (200, "1"),
    ]
    assert result.contracts == [
        ContractImpact(100, Fraction(1), Fraction(1, 11), 2, 0),
        ContractImpact(200, Fraction(1, 2), Fraction(0), 1, 0),
    ]


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [("7.2", "7.10"), ("7.10", "a"), ("7", "7.1"), ("2", "10"), ("7.10", "7a"), ("a", "B")],
)
def test_natural_key_orders_clause_numbers(smaller: str, larger: str) -> None:
    assert natural_key(smaller) < natural_key(larger)


def test_natural_sort_of_a_clause_list() -> None:
    numbers = ["a", "10", "7.10", "7.2", "1", "7.1.3", "B"]
    assert sorted(numbers, key=natural_key) == ["1", "7.1.3", "7.2", "7.10", "10", "a", "B"]
