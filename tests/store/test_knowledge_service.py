"""`gaps`, `simulate-leave` and escalation input on a small hand-built database (SPEC §3, §6)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError
from app.services.json_values import ratio_json
from app.services.knowledge import (
    critical_orphan_contracts,
    gaps,
    gaps_json,
    simulate_leave_json,
)
from app.store.engine import Database
from app.store.knowledge_actions import update_settings
from app.store.models import Clause, Contract, Knowledge, Person, Vendor

D = date(2025, 6, 15)
FRESH = date(2025, 1, 10)


@pytest.fixture
def portfolio(session: Session) -> Session:
    """Settings are the defaults: understanding 2, stale after 24 months, window 90 days, 0.5."""
    acme, globex = Vendor(name="Acme"), Vendor(name="Globex")
    ann = Person(name="Ann", email="ann@x")
    bob = Person(name="Bob", email="bob@x", leaves_on=date(2025, 6, 14))  # left the day before D
    cat = Person(name="Cat", leaves_on=date(2025, 7, 1))  # key "Cat"; leaves within 90 days
    dan = Person(name="Dan", email="dan@x")
    eve = Person(name="Eve", email="eve@x")

    def contract(reference: str, vendor: Vendor, start: date, clauses: list[Clause]) -> Contract:
        return Contract(
            reference=reference,
            title=f"{reference} title",
            vendor=vendor,
            start_date=start,
            initial_term_months=36 if start.year == 2024 else 12,
            renewal="none",
            clauses=clauses,
        )

    def clause(number: str, criticality: int, *links: tuple[Person, int, date]) -> Clause:
        return Clause(
            number=number,
            title=f"Clause {number}",
            criticality=criticality,
            knowledge=[Knowledge(person=p, level=lv, verified_on=on) for p, lv, on in links],
        )

    session.add_all(
        [
            # C-1 active (2024-01-01 for 36 months)
            contract(
                "C-1",
                acme,
                date(2024, 1, 1),
                [
                    clause("a", 1, (ann, 1, FRESH)),  # level 1 only: never_owned
                    clause("7.10", 2, (bob, 3, FRESH)),  # Bob has left: owners_left
                    clause("1", 5, (ann, 3, FRESH), (dan, 2, FRESH)),  # covered
                    clause("7.2", 3, (cat, 4, FRESH)),  # Cat leaves within 90 days: at_risk
                ],
            ),
            # C-2 active; "1" verified 24 months and a day ago (stale), "2" exactly 24 months ago
            contract(
                "C-2",
                globex,
                date(2024, 3, 1),
                [
                    clause("1", 4, (eve, 2, date(2023, 6, 14))),
                    clause("2", 4, (dan, 3, date(2023, 6, 15))),
                ],
            ),
            # C-3 expired at the end of 2020: out of scope
            contract("C-3", acme, date(2020, 1, 1), [clause("1", 5, (ann, 4, FRESH))]),
            # C-4 not started yet, no clauses
            contract("C-4", acme, date(2025, 9, 1), []),
        ]
    )
    session.flush()
    return session


def test_gaps_json_of_the_portfolio(portfolio: Session) -> None:
    result = gaps_json(portfolio, D)
    # In scope: C-1, C-2, C-4. Covered weight: C-1 "1" (5) + "7.2" (3) + C-2 "2" (4) = 12 of
    # 5+2+3+1 + 4+4 = 19 -> 0.63157... -> 0.6316. Truck factor: orphaned 2+1+4 = 7, limit 9.5;
    # weights Dan 5+4 = 9, Ann 5, Cat 3; removing Dan orphans C-2 "2": 11 > 9.5 -> 1.
    assert result["as_of"] == "2025-06-15"
    assert result["coverage"] == 0.6316
    assert result["truck_factor"] == 1
    assert result["contracts"] == [
        # C-1: 8/11 = 0.72727 -> 0.7273. Orphaned 3, limit 5.5; Ann and Dan weigh 5, Ann goes
        # first (name): "1" still has Dan (3); then Dan: 8 > 5.5 -> 2.
        {
            "reference": "C-1",
            "vendor": "Acme",
            "coverage": 0.7273,
            "truck_factor": 2,
            "orphaned": 2,
            "at_risk": 1,
            "single": 0,
            "covered": 1,
        },
        # C-2: 4/8; orphaned 4 is not over 4; removing Dan -> 8 > 4: 1.
        {
            "reference": "C-2",
            "vendor": "Globex",
            "coverage": 0.5,
            "truck_factor": 1,
            "orphaned": 1,
            "at_risk": 0,
            "single": 1,
            "covered": 0,
        },
        {
            "reference": "C-4",
            "vendor": "Acme",
            "coverage": None,
            "truck_factor": None,
            "orphaned": 0,
            "at_risk": 0,
            "single": 0,
            "covered": 0,
        },
    ]

    def clause(
        ref: str, number: str, crit: int, status: str, reason: str | None, owners: list[str]
    ) -> dict[str, Any]:
        return {
            "contract": ref,
            "number": number,
            "title": f"Clause {number}",
            "criticality": crit,
            "status": status,
            "reason": reason,
            "owners": owners,
        }

    assert result["clauses"] == [  # natural order: 1, 7.2, 7.10, a
        clause("C-1", "1", 5, "covered", None, ["Ann", "Dan"]),
        clause("C-1", "7.2", 3, "at_risk", None, ["Cat"]),
        clause("C-1", "7.10", 2, "orphaned", "owners_left", []),
        clause("C-1", "a", 1, "orphaned", "never_owned", []),
        clause("C-2", "1", 4, "orphaned", "stale", []),
        clause("C-2", "2", 4, "single", None, ["Dan"]),
    ]


def test_gaps_result_has_vendor_figures(portfolio: Session) -> None:
    result = gaps(portfolio, D)
    assert result.coverage == Fraction(12, 19)
    acme, globex = result.vendors
    # Acme: C-1 and C-4, so C-1's figures; Globex: C-2's
    assert (acme.vendor, acme.contracts, acme.figures.coverage, acme.figures.truck_factor) == (
        "Acme",
        2,
        Fraction(8, 11),
        2,
    )
    assert (globex.vendor, globex.contracts, globex.figures.coverage) == (
        "Globex",
        1,
        Fraction(1, 2),
    )
    assert [(g.contract, g.number, g.owners) for g in result.clauses][:2] == [
        ("C-1", "1", ("Ann", "Dan")),
        ("C-1", "7.2", ("Cat",)),
    ]


def test_gaps_of_one_contract_whatever_its_status(portfolio: Session) -> None:
    result = gaps_json(portfolio, D, "C-3")
    # expired, but named: Ann knows its only clause; removing her orphans 5 > 2.5 -> 1
    assert (result["coverage"], result["truck_factor"]) == (1.0, 1)
    assert [c["reference"] for c in result["contracts"]] == ["C-3"]
    assert result["clauses"] == [
        {
            "contract": "C-3",
            "number": "1",
            "title": "Clause 1",
            "criticality": 5,
            "status": "single",
            "reason": None,
            "owners": ["Ann"],
        }
    ]
    with pytest.raises(NotFoundError, match="'C-99'"):
        gaps_json(portfolio, D, "C-99")


def test_settings_change_the_answer(portfolio: Session) -> None:
    update_settings(portfolio, {"understanding_level": "3"})
    statuses = {
        (c["contract"], c["number"]): c["status"] for c in gaps_json(portfolio, D)["clauses"]
    }
    # Dan's level-2 link to C-1 "1" no longer counts; Eve's level 2 link never did now
    assert statuses[("C-1", "1")] == "single"
    assert statuses[("C-2", "2")] == "single"
    reasons = {
        (c["contract"], c["number"]): c["reason"] for c in gaps_json(portfolio, D)["clauses"]
    }
    assert reasons[("C-2", "1")] == "never_owned"


def test_simulate_leave_of_one_person(portfolio: Session) -> None:
    result = simulate_leave_json(portfolio, D, ["ann@x"])
    # Ann's only current link in scope is C-1 "1", which Dan still knows: nothing is orphaned,
    # but C-1's truck factor drops: orphaned 3, Dan (5) goes first, 8 > 5.5 -> 1.
    assert result == {
        "as_of": "2025-06-15",
        "people": [{"name": "Ann", "email": "ann@x"}],
        "newly_orphaned": [],
        "contracts": [
            {
                "reference": "C-1",
                "coverage_before": 0.7273,
                "coverage_after": 0.7273,
                "truck_factor_before": 2,
                "truck_factor_after": 1,
            }
        ],
    }


def test_simulate_leave_of_two_people(portfolio: Session) -> None:
    result = simulate_leave_json(portfolio, D, ["dan@x", "Cat"])
    # C-1 loses "7.2" (Cat's): 5/11 = 0.4545...; orphaned 3 + 3 = 6 > 5.5 -> 0.
    # C-2 loses "2" (Dan's): 0/8; orphaned 8 > 4 -> 0.
    assert result["people"] == [{"name": "Dan", "email": "dan@x"}, {"name": "Cat", "email": None}]
    assert result["newly_orphaned"] == [
        {"contract": "C-1", "number": "7.2", "title": "Clause 7.2", "criticality": 3},
        {"contract": "C-2", "number": "2", "title": "Clause 2", "criticality": 4},
    ]
    assert result["contracts"] == [
        {
            "reference": "C-1",
            "coverage_before": 0.7273,
            "coverage_after": 0.4545,
            "truck_factor_before": 2,
            "truck_factor_after": 0,
        },
        {
            "reference": "C-2",
            "coverage_before": 0.5,
            "coverage_after": 0.0,
            "truck_factor_before": 1,
            "truck_factor_after": 0,
        },
    ]


def test_simulate_leave_names_every_unknown_person(portfolio: Session) -> None:
    with pytest.raises(NotFoundError) as caught:
        simulate_leave_json(portfolio, D, ["ghost", "ann@x", "nobody@x"])
    assert caught.value.lines() == [
        "person: no person with the key 'ghost'",
        "person: no person with the key 'nobody@x'",
    ]


def test_critical_orphans_for_escalation(portfolio: Session) -> None:
    ids = dict(portfolio.execute(select(Contract.reference, Contract.id)).all())
    # criticality >= 4: C-1 "1" covered, C-2 "1" orphaned (stale), C-2 "2" single,
    # C-3 "1" single -> only C-2
    assert critical_orphan_contracts(portfolio, D) == {ids["C-2"]}
    assert critical_orphan_contracts(portfolio, D, [ids["C-1"], ids["C-3"]]) == set()
    # once the 2025-01-10 links are stale (2027-01-11), C-1 and C-3 (whatever its status) too
    assert critical_orphan_contracts(portfolio, date(2027, 1, 11)) == {
        ids["C-1"],
        ids["C-2"],
        ids["C-3"],
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (Fraction(2, 3), 0.6667),
        (Fraction(1, 20000), 0.0001),  # 0.00005 rounds half up, not to even
        (Fraction(3, 80000), 0.0),  # 0.0000375
        (Fraction(1), 1.0),
        (Fraction(12345, 100000), 0.1235),  # 0.12345 exactly: half up
    ],
)
def test_ratio_json_rounds_half_up(value: Fraction | None, expected: float | None) -> None:
    assert ratio_json(value) == expected


def test_a_deleted_clause_leaves_the_report(portfolio: Session) -> None:
    portfolio.delete(portfolio.scalars(select(Clause).where(Clause.number == "7.10")).one())
    portfolio.flush()
    numbers = [c["number"] for c in gaps_json(portfolio, D)["clauses"] if c["contract"] == "C-1"]
    assert numbers == ["1", "7.2", "a"]


def test_same_answers_on_postgresql(pg_db: Database, db: Database) -> None:
    from app.store.demo import generate

    answers = []
    for database in (pg_db, db):
        with database.session() as s:
            generate(s, "small", seed=3, as_of=D)
        with database.session() as s:
            keys = [
                p.email or p.name for p in s.scalars(select(Person).order_by(Person.id).limit(2))
            ]
            answers.append(
                (
                    gaps_json(s, D),
                    simulate_leave_json(s, D, keys),
                    sorted(critical_orphan_contracts(s, D)),
                )
            )
    assert answers[0] == answers[1]
    assert len(answers[0][0]["clauses"]) > 100
