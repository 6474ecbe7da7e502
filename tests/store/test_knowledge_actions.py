"""Changing knowledge links, leaving dates and settings: validated, and audited (SPEC §1, §3)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.settings import Settings
from app.errors import NotFoundError, ValidationError
from app.store.knowledge_actions import (
    remove_knowledge,
    reverify,
    set_knowledge,
    set_leaving_date,
    update_settings,
)
from app.store.models import AuditLog, Clause, Contract, Knowledge, Person, Setting, Vendor
from app.store.settings import load_settings


@pytest.fixture
def portfolio(session: Session) -> Session:
    vendor = Vendor(name="Acme")
    contract = Contract(
        reference="C-1",
        title="Desk",
        vendor=vendor,
        start_date=date(2024, 1, 1),
        initial_term_months=36,
        renewal="none",
    )
    contract.clauses = [
        Clause(number="7.2", title="Service levels", criticality=4),
        Clause(number="7.10", title="Credits", criticality=3),
    ]
    session.add_all([vendor, contract, Person(name="Ann", email="ann@example.com")])
    session.add(Person(name="Cat"))  # no e-mail: her key is her name
    session.flush()
    return session


def audit_rows(session: Session, entity: str) -> list[tuple[str, str, dict[str, list[object]]]]:
    rows = session.execute(
        select(AuditLog.entity_key, AuditLog.action, AuditLog.changes)
        .where(AuditLog.entity == entity)
        .order_by(AuditLog.id)
    ).all()
    return [(key, action, json.loads(changes) if changes else {}) for key, action, changes in rows]


def links(session: Session) -> list[tuple[str, str, int, date]]:
    query = (
        select(Person.name, Clause.number, Knowledge.level, Knowledge.verified_on)
        .join(Person, Person.id == Knowledge.person_id)
        .join(Clause, Clause.id == Knowledge.clause_id)
        .order_by(Person.name, Clause.number)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_set_knowledge_creates_then_changes_the_link(portfolio: Session) -> None:
    s = portfolio
    set_knowledge(s, "ann@example.com", "C-1", "7.10", 2, date(2025, 1, 10))
    set_knowledge(s, "Cat", "C-1", "7.2", 4, date(2025, 2, 1))
    assert links(s) == [("Ann", "7.10", 2, date(2025, 1, 10)), ("Cat", "7.2", 4, date(2025, 2, 1))]

    set_knowledge(s, "ann@example.com", "C-1", "7.10", 3, date(2025, 3, 1))
    assert links(s)[0] == ("Ann", "7.10", 3, date(2025, 3, 1))
    assert audit_rows(s, "Knowledge") == [
        ("ann@example.com @ C-1 §7.10", "insert", {}),
        ("Cat @ C-1 §7.2", "insert", {}),
        (
            "ann@example.com @ C-1 §7.10",
            "update",
            {"level": [2, 3], "verified_on": ["2025-01-10", "2025-03-01"]},
        ),
    ]


def test_reverify_moves_only_the_date(portfolio: Session) -> None:
    s = portfolio
    set_knowledge(s, "Cat", "C-1", "7.2", 3, date(2023, 1, 1))
    reverify(s, "Cat", "C-1", "7.2", date(2025, 6, 1))
    assert links(s) == [("Cat", "7.2", 3, date(2025, 6, 1))]
    assert audit_rows(s, "Knowledge")[-1] == (
        "Cat @ C-1 §7.2",
        "update",
        {"verified_on": ["2023-01-01", "2025-06-01"]},
    )


def test_remove_knowledge(portfolio: Session) -> None:
    s = portfolio
    set_knowledge(s, "Cat", "C-1", "7.2", 3, date(2025, 1, 1))
    remove_knowledge(s, "Cat", "C-1", "7.2")
    assert links(s) == []
    key, action, old = audit_rows(s, "Knowledge")[-1]
    assert (key, action) == ("Cat @ C-1 §7.2", "delete")
    assert old["level"] == [3, None]


def test_missing_link_cannot_be_removed_or_reverified(portfolio: Session) -> None:
    with pytest.raises(NotFoundError, match=r"'Cat' has no recorded knowledge of C-1 §7\.2"):
        remove_knowledge(portfolio, "Cat", "C-1", "7.2")
    with pytest.raises(NotFoundError, match="no recorded knowledge"):
        reverify(portfolio, "Cat", "C-1", "7.2", date(2025, 1, 1))


@pytest.mark.parametrize(
    ("person", "contract", "number", "message"),
    [
        ("nobody@example.com", "C-1", "7.2", "no person with the key 'nobody@example.com'"),
        ("Cat", "C-9", "7.2", "no contract with the reference 'C-9'"),
        ("Cat", "C-1", "7.1", "contract 'C-1' has no clause '7.1'"),
    ],
)
def test_unknown_names_are_reported(
    portfolio: Session, person: str, contract: str, number: str, message: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        set_knowledge(portfolio, person, contract, number, 2, date(2025, 1, 1))
    assert caught.value.lines() == [caught.value.lines()[0]]
    assert message in caught.value.lines()[0]
    assert links(portfolio) == []


@pytest.mark.parametrize("level", [0, 5, "2", True, 2.0])
def test_bad_level_is_refused(portfolio: Session, level: object) -> None:
    with pytest.raises(ValidationError, match="level: must be 1, 2, 3 or 4"):
        set_knowledge(portfolio, "Cat", "C-1", "7.2", level, date(2025, 1, 1))  # type: ignore[arg-type]
    assert links(portfolio) == []


def test_leaving_date_set_and_cleared(portfolio: Session) -> None:
    s = portfolio
    set_leaving_date(s, "ann@example.com", date(2025, 9, 30))
    assert s.scalar(select(Person.leaves_on).where(Person.name == "Ann")) == date(2025, 9, 30)
    set_leaving_date(s, "ann@example.com", None)
    assert s.scalar(select(Person.leaves_on).where(Person.name == "Ann")) is None
    assert [change for _, action, change in audit_rows(s, "Person") if action == "update"] == [
        {"leaves_on": [None, "2025-09-30"]},
        {"leaves_on": ["2025-09-30", None]},
    ]
    with pytest.raises(NotFoundError, match="'Zed'"):
        set_leaving_date(s, "Zed", None)


def test_update_settings_validates_and_stores(portfolio: Session) -> None:
    s = portfolio
    result = update_settings(s, {"understanding_level": "3", "truck_threshold": "0.25"})
    assert result == Settings(understanding_level=3, truck_threshold=Decimal("0.25"))
    assert load_settings(s) == result
    with pytest.raises(ValidationError, match="truck_threshold"):
        update_settings(s, {"truck_threshold": "1"})
    with pytest.raises(ValidationError, match="understanding_level"):
        update_settings(s, {"understanding_level": "5"})
    stored = dict(s.execute(select(Setting.key, Setting.value)).all())
    assert stored == {"understanding_level": "3", "truck_threshold": "0.25"}
    assert {key for key, action, _ in audit_rows(s, "Setting") if action == "insert"} == {
        "understanding_level",
        "truck_threshold",
    }
