"""What the knowledge workspace shows (app.services.knowledge_views) agrees with `gaps` and
`simulate-leave` (SPEC §3, §6): the clause list and its filters, the matrices, what a person
takes with them, the people leaving soon."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, ValidationError
from app.services.json_values import ratio_json
from app.services.knowledge import gaps, gaps_json, simulate_leave_json
from app.services.knowledge_views import (
    BELOW,
    CURRENT,
    LEFT,
    PAGE_SIZE,
    STALE_LINK,
    ClauseFilter,
    contract_matrix,
    first_clauses,
    knowledge_overview,
    people_leaving_within,
    select_clauses,
    takes_with_them,
    vendor_matrix,
)
from app.store.demo import generate
from app.store.knowledge_actions import link_state, set_knowledge
from app.store.models import Clause, Contract, Knowledge, Person, Vendor

D = date(2026, 12, 1)


@pytest.fixture
def demo(session: Session) -> Session:
    generate(session, scale="small", seed=1, as_of=D)
    session.flush()
    return session


def _listed(selection: Any) -> list[tuple[str, str, str, str | None, tuple[str, ...]]]:
    return [(r.contract, r.number, r.status, r.reason, r.owners)
            for r in selection.page(0, len(selection))]


def _expected(
    session: Session, keep: Callable[[dict[str, Any]], bool]
) -> list[tuple[str, str, str, str | None, tuple[str, ...]]]:
    return [(c["contract"], c["number"], c["status"], c["reason"], tuple(c["owners"]))
            for c in gaps_json(session, D)["clauses"] if keep(c)]


def test_the_clause_list_is_the_gaps_report_and_its_filters_keep_the_right_rows(
    demo: Session,
) -> None:
    overview = knowledge_overview(demo, D)
    assert overview.complete
    vendor_of = {c["reference"]: c["vendor"] for c in gaps_json(demo, D)["contracts"]}
    vendor = overview.vendors[3]
    reference = next(ref for ref, v in vendor_of.items() if v == vendor)
    cases: list[tuple[ClauseFilter, Callable[[dict[str, Any]], bool]]] = [
        (ClauseFilter(), lambda c: True),
        (ClauseFilter(vendor=vendor), lambda c: vendor_of[c["contract"]] == vendor),
        (ClauseFilter(contract=reference[-3:].lower()),
         lambda c: reference[-3:] in c["contract"]),
        (ClauseFilter(status="orphaned"), lambda c: c["status"] == "orphaned"),
        (ClauseFilter(status="orphaned", reason="owners_left"),
         lambda c: c["reason"] == "owners_left"),
        (ClauseFilter(reason="stale", min_criticality=4),
         lambda c: c["reason"] == "stale" and c["criticality"] >= 4),
        (ClauseFilter(status="at_risk", min_criticality=5),
         lambda c: c["status"] == "at_risk" and c["criticality"] == 5),
    ]
    for criteria, keep in cases:
        selection = select_clauses(demo, overview, criteria)
        assert _listed(selection) == _expected(demo, keep), criteria
        assert len(selection) > 0, criteria
        assert sum(selection.counts.values()) == len(selection)


def test_the_person_filter_keeps_the_clauses_they_have_a_link_to(demo: Session) -> None:
    person = demo.scalars(select(Person).order_by(Person.name)).first()
    assert person is not None
    known = {(k.clause.contract.reference, k.clause.number) for k in person.knowledge}
    overview = knowledge_overview(demo, D)
    selection = select_clauses(demo, overview, ClauseFilter(person=person.email or person.name))
    assert _listed(selection) == _expected(demo, lambda c: (c["contract"], c["number"]) in known)
    with pytest.raises(NotFoundError):
        select_clauses(demo, overview, ClauseFilter(person="nobody@nowhere"))
    with pytest.raises(ValidationError, match="status"):
        select_clauses(demo, overview, ClauseFilter(status="lost"))


def test_each_row_carries_its_contracts_coverage_and_truck_factor(demo: Session) -> None:
    figures = {c["reference"]: c for c in gaps_json(demo, D)["contracts"]}
    selection = select_clauses(demo, knowledge_overview(demo, D), ClauseFilter())
    for row in selection.page(0, len(selection)):
        assert ratio_json(row.contract_coverage) == figures[row.contract]["coverage"]
        assert row.contract_truck_factor == figures[row.contract]["truck_factor"]


def test_pages_and_the_first_rows_computed_alone(demo: Session) -> None:
    whole = select_clauses(demo, knowledge_overview(demo, D), ClauseFilter())
    assert len(select_clauses(demo, first_clauses(demo, D), ClauseFilter())) >= PAGE_SIZE
    head = first_clauses(demo, D, count=50, batch=4)
    assert not head.complete
    first = select_clauses(demo, head, ClauseFilter())
    assert 50 <= len(first) < len(whole)
    assert first.page(0, len(first)) == whole.page(0, len(first))
    # no more contracts than the first rows need: all but the last hold fewer than 50 clauses
    rows = first.page(0, len(first))
    assert len([r for r in rows if r.contract != rows[-1].contract]) < 50
    assert head.contract_count == len({r.contract for r in rows})
    assert whole.page(0, 10) + whole.page(10, 10) == whole.page(0, 20)
    assert whole.page(len(whole), 10) == []


def test_a_contract_matrix_has_the_statuses_and_figures_of_gaps(demo: Session) -> None:
    report = gaps_json(demo, D)
    by_contract: dict[str, list[dict[str, Any]]] = {}
    for clause in report["clauses"]:
        by_contract.setdefault(clause["contract"], []).append(clause)
    for entry in report["contracts"][:8]:
        matrix = contract_matrix(demo, D, entry["reference"])
        expected = [(c["number"], c["status"], c["reason"], tuple(c["owners"]))
                    for c in by_contract.get(entry["reference"], [])]
        assert [(c.number, c.status, c.reason, c.owners) for c in matrix.clauses] == expected
        assert ratio_json(matrix.figures.coverage) == entry["coverage"]
        assert matrix.figures.truck_factor == entry["truck_factor"]
        assert (matrix.figures.orphaned, matrix.figures.at_risk, matrix.figures.single,
                matrix.figures.covered) == (entry["orphaned"], entry["at_risk"],
                                            entry["single"], entry["covered"])
        names = [p.name for p in matrix.people]
        assert names == sorted(names)
        for clause in matrix.clauses:  # every current owner has a current cell
            owners = {p.name for p in matrix.people
                      if (cell := matrix.cell(clause.clause_id, p.id)) and cell.state == CURRENT}
            assert owners == set(clause.owners)


def test_a_vendor_matrix_covers_its_in_scope_contracts(demo: Session) -> None:
    result = gaps(demo, D)
    vendor = max(result.vendors, key=lambda v: v.contracts)
    matrix = vendor_matrix(demo, D, vendor.vendor)
    assert [c.reference for c in matrix.contracts] == sorted(
        c.reference for c in result.contracts if c.vendor == vendor.vendor
    )
    assert matrix.figures == vendor.figures
    assert len(matrix.clauses) == vendor.figures.clauses
    with pytest.raises(NotFoundError, match="no vendor"):
        vendor_matrix(demo, D, "Nobody Ltd")
    with pytest.raises(NotFoundError, match="no contract"):
        contract_matrix(demo, D, "C-0000-000")


def test_matrix_cells_say_why_a_link_does_or_does_not_count(session: Session) -> None:
    vendor = Vendor(name="Acme")
    ann = Person(name="Ann", email="ann@x")
    bob = Person(name="Bob", email="bob@x", leaves_on=D - timedelta(days=1))
    cat = Person(name="Cat", email="cat@x", leaves_on=D + timedelta(days=30))
    clause = Clause(number="1", title="Scope", criticality=3, knowledge=[
        Knowledge(person=ann, level=3, verified_on=D - timedelta(days=800)),  # stale
        Knowledge(person=bob, level=4, verified_on=D),  # left
        Knowledge(person=cat, level=2, verified_on=D),  # current, leaving soon
    ])
    other = Clause(number="2", title="Price", criticality=2,
                   knowledge=[Knowledge(person=ann, level=1, verified_on=D)])  # below
    session.add(Contract(reference="C-1", title="Desk", vendor=vendor,
                         start_date=date(2026, 1, 1), initial_term_months=24, renewal="none",
                         clauses=[other, clause]))
    session.flush()
    matrix = contract_matrix(session, D, "C-1")
    assert [c.number for c in matrix.clauses] == ["1", "2"]
    people = {p.name: p for p in matrix.people}
    assert [p.name for p in matrix.people] == ["Ann", "Bob", "Cat"]
    assert not people["Bob"].active and people["Cat"].leaving_soon
    states = {(c.number, name): matrix.cell(c.clause_id, p.id)
              for c in matrix.clauses for name, p in people.items()}
    assert states[("1", "Ann")].state == STALE_LINK  # type: ignore[union-attr]
    assert states[("1", "Bob")].state == LEFT  # type: ignore[union-attr]
    assert states[("1", "Cat")].state == CURRENT  # type: ignore[union-attr]
    assert states[("2", "Ann")].state == BELOW  # type: ignore[union-attr]
    assert states[("2", "Bob")] is None
    assert matrix.clauses[0].status == "at_risk" and matrix.clauses[0].owners == ("Cat",)
    assert matrix.clauses[1].status == "orphaned" and matrix.clauses[1].reason == "never_owned"
    assert link_state(session, "ann@x", "C-1", "2") == (1, D)
    assert link_state(session, "cat@x", "C-1", "2") is None
    set_knowledge(session, "cat@x", "C-1", "2", 3, D)
    assert link_state(session, "cat@x", "C-1", "2") == (3, D)


def _unique_names(session: Session) -> list[Person]:
    people = session.scalars(select(Person).order_by(Person.name)).all()
    names = [p.name for p in people]
    return [p for p in people if names.count(p.name) == 1]


def test_what_a_person_takes_with_them_is_their_own_simulation(demo: Session) -> None:
    report = gaps_json(demo, D)
    checked = 0
    for person in _unique_names(demo):
        key = person.email or person.name
        takes = takes_with_them(demo, D, key)
        simulated = simulate_leave_json(demo, D, [key])
        assert [(c.contract, c.number, c.title, c.criticality) for c in takes.owned_alone] == [
            (c["contract"], c["number"], c["title"], c["criticality"])
            for c in simulated["newly_orphaned"]
        ]
        assert all(c.owners == (person.name,) for c in takes.owned_alone)
        assert [d.reference for d in takes.truck_factor_drops] == [
            c["reference"] for c in simulated["contracts"]
            if (c["truck_factor_after"] or 0) < (c["truck_factor_before"] or 0)
        ]
        assert [(c.contract, c.number) for c in takes.at_risk] == [
            (c["contract"], c["number"]) for c in report["clauses"]
            if c["status"] == "at_risk" and person.name in c["owners"]
        ]
        assert takes.contracts_known == len(simulated["contracts"])
        checked += bool(takes.owned_alone) and bool(takes.truck_factor_drops)
    assert checked >= 3  # the demo has people whose leaving costs something


def test_people_leaving_within_a_number_of_days(demo: Session) -> None:
    soon = people_leaving_within(demo, D, 90)
    assert soon, "the demo has people leaving within 90 days"
    for person in soon:
        assert person.leaves_on is not None and D <= person.leaves_on <= D + timedelta(days=90)
    everyone = demo.scalars(select(Person)).all()
    assert len(soon) == sum(
        1 for p in everyone if p.leaves_on is not None and D <= p.leaves_on <= D + timedelta(90)
    )
    assert len(people_leaving_within(demo, D, 10)) <= len(soon)
    with pytest.raises(ValidationError):
        people_leaving_within(demo, D, -1)


def test_sorting_the_clause_list(demo: Session) -> None:
    overview = knowledge_overview(demo, D)
    whole = select_clauses(demo, overview, ClauseFilter())
    rows = whole.page(0, len(whole))
    by_coverage = select_clauses(demo, overview, ClauseFilter(sort="coverage"))
    values = [r.contract_coverage for r in by_coverage.page(0, len(by_coverage))]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[len(known):] == [None] * (len(values) - len(known))
    by_weight = select_clauses(demo, overview, ClauseFilter(sort="criticality", descending=True,
                                                            status="orphaned"))
    shown = by_weight.page(0, len(by_weight))
    assert [r.criticality for r in shown] == sorted((r.criticality for r in shown), reverse=True)
    assert {r.clause_id for r in shown} == {r.clause_id for r in rows if r.status == "orphaned"}
    for crit in {r.criticality for r in shown}:  # ties keep report order
        assert [r.clause_id for r in shown if r.criticality == crit] == [
            r.clause_id for r in rows if r.status == "orphaned" and r.criticality == crit]
    by_reason = select_clauses(demo, overview, ClauseFilter(sort="reason"))
    reasons = [r.reason for r in by_reason.page(0, len(by_reason))]
    assert reasons[-1] is None and reasons[0] == "never_owned"
    for sort in ("vendor", "title", "status", "owners", "truck_factor"):
        assert len(select_clauses(demo, overview, ClauseFilter(sort=sort))) == len(whole)
    with pytest.raises(ValidationError, match="sort"):
        select_clauses(demo, overview, ClauseFilter(sort="colour"))
