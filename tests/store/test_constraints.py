"""Every constraint of SPEC §1 rejects a bad row, with a message that names the rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.store.models import (
    Clause,
    Contract,
    CreditNote,
    Knowledge,
    Measurement,
    Person,
    Setting,
    Sla,
    Vendor,
)


def _contract(vendor: Vendor, **overrides: Any) -> Contract:
    link: dict[str, Any] = {"vendor_id": vendor.id} if vendor.id else {"vendor": vendor}
    values: dict[str, Any] = {
        "reference": "C-1",
        "title": "Service desk",
        **link,
        "start_date": date(2024, 1, 1),
        "initial_term_months": 12,
        "renewal": "none",
    }
    values.update(overrides)
    return Contract(**values)


@pytest.fixture
def base(session: Session) -> dict[str, Any]:
    vendor = Vendor(name="Acme")
    person = Person(name="Ann", email="ann@example.com")
    contract = _contract(vendor)
    clause = Clause(contract=contract, number="7.2", title="Exit")
    sla = Sla(
        contract=contract,
        name="Availability",
        target=Decimal("99.5"),
        direction="higher",
        period="monthly",
    )
    session.add_all([vendor, person, contract, clause, sla])
    session.commit()
    return {"vendor": vendor, "person": person, "contract": contract, "clause": clause, "sla": sla}


def _rejects(
    session: Session, obj: object, constraint: str, postgres: str | None = None
) -> None:
    """The row is refused by the database itself, naming the broken constraint (`postgres`:
    how PostgreSQL names it, when that differs)."""
    with pytest.raises((IntegrityError, DataError)) as info, session.begin_nested():
        session.add(obj)
        session.flush()
    on_postgres = session.get_bind().dialect.name == "postgresql"
    assert (postgres if on_postgres and postgres else constraint) in str(info.value)


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        ({"renewal": "tacit"}, "renewal_type"),
        ({"notice_unit": "years"}, "notice_unit"),
        ({"initial_term_months": 0}, "initial_term"),
        ({"renewal": "auto"}, "renewal_term_required"),
        (
            {
                "renewal": "option",
                "renewal_term_months": 12,
                "max_renewals": 1,
                "options_exercised": 2,
            },
            "options_within_max",
        ),
        (
            {"renewal": "auto", "renewal_term_months": 12, "options_exercised": 1},
            "options_only_for_option",
        ),
        ({"notice_value": -1}, "notice_value"),
        ({"annual_value": Decimal("-0.01")}, "annual_value"),
        ({"credit_cap_percent": Decimal("-5")}, "credit_cap_percent"),
        ({"credit_claim_days": -1}, "credit_claim_days"),
        ({"currency": "EURO"}, "currency_code|character varying(3)"),
        ({"title": "  "}, "title_not_blank"),
    ],
)
def test_contract_checks(
    session: Session, base: dict[str, Any], overrides: dict[str, Any], constraint: str
) -> None:
    constraint, _, postgres = constraint.partition("|")
    _rejects(
        session, _contract(base["vendor"], reference="C-2", **overrides), constraint,
        postgres or None,
    )


def test_unique_keys(session: Session, base: dict[str, Any]) -> None:
    _rejects(session, Vendor(name="Acme"), "vendors.name", "uq_vendors_name")
    _rejects(
        session, _contract(session.get(Vendor, base["vendor"].id)), "contracts.reference",
        "uq_contracts_reference",
    )


def test_person_key_is_email_or_name(session: Session, base: dict[str, Any]) -> None:
    # Same name with different e-mails is fine; two people without e-mail need distinct names.
    session.add(Person(name="Ann", email="ann2@example.com"))
    session.add(Person(name="Bob"))
    session.flush()
    _rejects(session, Person(name="Bob"), "people")
    _rejects(session, Person(name="Someone", email="ann@example.com"), "people")


def test_clause_rules(session: Session, base: dict[str, Any]) -> None:
    contract_id = base["contract"].id
    _rejects(session, Clause(contract_id=contract_id, number="7.2", title="Again"), "clauses")
    _rejects(
        session,
        Clause(contract_id=contract_id, number="1", title="x", criticality=6),
        "criticality",
    )
    _rejects(
        session, Clause(contract_id=contract_id, number="2", title="x", category="misc"), "category"
    )


def test_knowledge_rules(session: Session, base: dict[str, Any]) -> None:
    pid, cid = base["person"].id, base["clause"].id
    _rejects(
        session,
        Knowledge(person_id=pid, clause_id=cid, level=5, verified_on=date(2025, 1, 1)),
        "level",
    )
    session.add(Knowledge(person_id=pid, clause_id=cid, level=2, verified_on=date(2025, 1, 1)))
    session.flush()
    _rejects(
        session,
        Knowledge(person_id=pid, clause_id=cid, level=3, verified_on=date(2025, 1, 1)),
        "knowledge",
    )


def test_sla_measurement_credit_rules(session: Session, base: dict[str, Any]) -> None:
    contract_id, sla_id = base["contract"].id, base["sla"].id
    _rejects(
        session,
        Sla(
            contract_id=contract_id,
            name="Availability",
            target=Decimal(1),
            direction="higher",
            period="monthly",
        ),
        "slas",
    )
    _rejects(
        session,
        Sla(contract_id=contract_id, name="X", target=Decimal(1), direction="up", period="monthly"),
        "direction",
    )
    _rejects(
        session,
        Sla(
            contract_id=contract_id,
            name="Y",
            target=Decimal(1),
            direction="higher",
            period="weekly",
        ),
        "period",
    )
    session.add(Measurement(sla_id=sla_id, period_start=date(2025, 1, 1), value=Decimal("99")))
    session.flush()
    _rejects(
        session,
        Measurement(sla_id=sla_id, period_start=date(2025, 1, 1), value=Decimal("98")),
        "measurements",
    )
    _rejects(
        session,
        CreditNote(contract_id=contract_id, month=date(2025, 1, 1), amount=Decimal("-1")),
        "amount",
    )


def test_settings_only_known_keys(session: Session) -> None:
    _rejects(session, Setting(key="colour", value="red"), "known_key")


def test_foreign_keys_enforced(session: Session, base: dict[str, Any]) -> None:
    _rejects(
        session, Clause(contract_id=9999, number="1", title="Orphan"), "FOREIGN KEY",
        "fk_clauses_contract_id_contracts",
    )


def test_delete_rules(session: Session, base: dict[str, Any]) -> None:
    """A vendor with contracts and a person with knowledge cannot go; clauses never vanish."""
    person, clause = base["person"], base["clause"]
    session.add(Knowledge(person=person, clause=clause, level=3, verified_on=date(2025, 1, 1)))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text("DELETE FROM people WHERE id = :id"), {"id": person.id})
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text("DELETE FROM vendors WHERE id = :id"), {"id": base["vendor"].id})
    assert session.execute(text("SELECT count(*) FROM clauses")).scalar_one() == 1


def test_decimals_stored_exactly(session: Session, base: dict[str, Any]) -> None:
    contract = base["contract"]
    contract.annual_value = Decimal("1234567890123.456789")
    session.flush()
    session.expire_all()
    assert session.get(Contract, contract.id).annual_value == Decimal("1234567890123.456789")
