"""The audit trail records who changed what, with old and new values."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.store.engine import Database
from app.store.models import AuditLog, Clause, Contract, Person, Vendor


def _rows(db: Database) -> list[AuditLog]:
    with db.session() as s:
        return list(s.scalars(select(AuditLog).order_by(AuditLog.id)))


def test_insert_update_delete_are_recorded_with_old_values(db: Database) -> None:
    with db.session() as s:
        vendor = Vendor(name="Acme Outsourcing")
        contract = Contract(
            reference="C-2021-014",
            title="Service desk",
            vendor=vendor,
            start_date=date(2021, 1, 31),
            initial_term_months=36,
            renewal="auto",
            renewal_term_months=12,
            annual_value=Decimal("1200000.10"),
        )
        s.add_all([vendor, contract, Clause(contract=contract, number="7.10", title="Exit")])
    with db.session() as s:
        contract = s.scalars(select(Contract)).one()
        contract.notice_value = 3
        contract.annual_value = Decimal("1250000.00")
    with db.session() as s:
        s.delete(s.scalars(select(Clause)).one())

    rows = _rows(db)
    inserts = {(r.entity, r.entity_key) for r in rows if r.action == "insert"}
    assert inserts == {
        ("Vendor", "Acme Outsourcing"),
        ("Contract", "C-2021-014"),
        ("Clause", "C-2021-014 §7.10"),
    }
    update = next(r for r in rows if r.action == "update")
    assert update.entity_key == "C-2021-014" and update.contract_ref == "C-2021-014"
    assert json.loads(update.changes or "") == {
        "annual_value": ["1200000.10", "1250000.00"],
        "notice_value": [0, 3],
    }
    delete = next(r for r in rows if r.action == "delete")
    assert delete.entity == "Clause" and delete.contract_ref == "C-2021-014"
    assert json.loads(delete.changes or "")["number"] == ["7.10", None]
    assert all(r.actor for r in rows)


def test_an_unchanged_assignment_is_not_an_update(db: Database) -> None:
    with db.session() as s:
        s.add(Person(name="Ann Berger", email="ann@example.com"))
    with db.session() as s:
        person = s.scalars(select(Person)).one()
        person.name = "Ann Berger"
    assert [r.action for r in _rows(db)] == ["insert"]


def test_a_failed_change_leaves_no_audit_row(db: Database) -> None:
    with db.session() as s:
        s.add(Vendor(name="Acme"))
    try:
        with db.session() as s:
            s.add(Vendor(name="Acme"))
    except Exception:
        pass
    assert len(_rows(db)) == 1


def test_rows_built_from_ids_get_readable_keys(db: Database) -> None:
    from app.store.models import Knowledge

    with db.session() as s:
        vendor, person = Vendor(name="Acme"), Person(name="Ann", email="ann@example.com")
        s.add_all([vendor, person])
        s.flush()
        contract = Contract(
            reference="C-7",
            title="Desk",
            vendor_id=vendor.id,
            start_date=date(2024, 1, 1),
            initial_term_months=12,
            renewal="none",
        )
        s.add(contract)
        s.flush()
        clause = Clause(contract_id=contract.id, number="7.2", title="Exit")
        s.add(clause)
        s.flush()
        s.add(
            Knowledge(
                person_id=person.id, clause_id=clause.id, level=2, verified_on=date(2025, 1, 1)
            )
        )
    keys = {(r.entity, r.entity_key, r.contract_ref) for r in _rows(db)}
    assert ("Clause", "C-7 §7.2", "C-7") in keys
    assert ("Knowledge", "ann@example.com @ C-7 §7.2", "C-7") in keys
