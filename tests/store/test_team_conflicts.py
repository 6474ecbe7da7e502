"""Two desks editing the same record (issue #15): the second save is refused, naming who changed
it and when; nothing is silently overwritten. On one SQLite file and on one PostgreSQL database.

Each desk is its own `Database` (its own engine and connections), as two running apps would be.
On PostgreSQL the desks log in as two database roles, and the audit trail names them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import ConflictError, NotFoundError
from app.store import audit
from app.store import knowledge_actions as knowledge
from app.store import portfolio_actions as actions
from app.store.engine import Database, open_database
from app.store.models import AuditLog, Contract, Person
from tests.conftest import pg_roles

VENDOR = {"name": "Northwind IT"}
CONTRACT = {
    "reference": "C-2021-014",
    "title": "Service desk",
    "vendor": "Northwind IT",
    "start_date": "2021-01-01",
    "initial_term_months": "36",
    "renewal": "auto",
    "renewal_term_months": "12",
    "notice_value": "3",
    "annual_value": "120000.00",
}


@dataclass
class Desks:
    alice: Database
    bob: Database
    alice_name: str
    bob_name: str
    contract_id: int
    clause_id: int
    sla_id: int
    person_id: int
    vendor_id: int


def _fill(db: Database) -> dict[str, int]:
    with db.session() as s:
        vendor_id = actions.create_vendor(s, VENDOR)
        person_id = actions.create_person(s, {"name": "Ann Berger", "email": "ann@example.com"})
        contract_id = actions.create_contract(s, CONTRACT)
        clause_id = actions.create_clause(
            s, contract_id, {"number": "7.2", "title": "Service levels"}
        )
        sla_id = actions.create_sla(
            s, contract_id,
            {"name": "Availability", "target": "99.5", "direction": "higher", "period": "monthly"},
        )
        knowledge.set_knowledge(s, "ann@example.com", "C-2021-014", "7.2", 2, date(2026, 1, 5))
    return {"vendor_id": vendor_id, "person_id": person_id, "contract_id": contract_id,
            "clause_id": clause_id, "sla_id": sla_id}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desks(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desks]:
    if request.param == "sqlite":
        path = str(tmp_path / "shared.db")
        alice, bob = open_database(path), open_database(path)
        # One OS user runs both desks here: name them apart as two users' desks would be.
        alice.factory.configure(info={audit.ACTOR: "alice"})
        bob.factory.configure(info={audit.ACTOR: "bob"})
        ids = _fill(alice)
        yield Desks(alice, bob, "alice", "bob", **ids)
        alice.close()
        bob.close()
        return
    with pg_roles("alice", "bob") as (urls, names):
        alice, bob = open_database(urls[0]), open_database(urls[1])
        ids = _fill(alice)
        yield Desks(alice, bob, names[0], names[1], **ids)
        alice.close()
        bob.close()


def _minute(at: datetime) -> str:
    return f"on {at:%Y-%m-%d} at {at:%H:%M}"


def _last_audit(db: Database) -> AuditLog:
    with db.session() as s:
        return s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()


def test_second_contract_save_is_refused_naming_who_and_when(desks: Desks) -> None:
    with desks.alice.session() as s:  # both desks open the contract editor
        seen_by_alice = actions.record_version(s, "Contract", desks.contract_id)
    with desks.bob.session() as s:
        seen_by_bob = actions.record_version(s, "Contract", desks.contract_id)
    with desks.bob.session() as s:  # bob saves first
        actions.update_contract(
            s, desks.contract_id, {"title": "Service desk (bob)"}, expected_version=seen_by_bob
        )
    bob_row = _last_audit(desks.bob)
    assert bob_row.actor == desks.bob_name
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        actions.update_contract(
            s, desks.contract_id, {"notice_value": "6"}, expected_version=seen_by_alice
        )
    error = caught.value
    assert (error.entity, error.key, error.changed_by) == ("Contract", "C-2021-014", bob_row.actor)
    assert error.changed_at == bob_row.at
    assert str(error) == (
        f"contract C-2021-014 was changed by {desks.bob_name} {_minute(bob_row.at)} after you "
        "opened it; reload it to see their changes"
    )
    with desks.alice.session() as s:  # bob's change stands, alice's wrote nothing
        stored = s.get_one(Contract, desks.contract_id)
        assert (stored.title, stored.notice_value) == ("Service desk (bob)", 3)
        # After reloading, alice's save goes through.
        fresh = actions.record_version(s, "Contract", desks.contract_id)
        assert fresh == seen_by_alice + 1
        actions.update_contract(s, desks.contract_id, {"notice_value": "6"},
                                expected_version=fresh)
    with desks.bob.session() as s:
        assert s.get_one(Contract, desks.contract_id).notice_value == 6


@pytest.mark.parametrize("kind", ["clause", "sla", "person", "vendor"])
def test_second_save_of_clause_sla_person_vendor_is_refused(desks: Desks, kind: str) -> None:
    entity, ident, update, first, second, key = {
        "clause": ("Clause", desks.clause_id, actions.update_clause, {"title": "SLAs"},
                   {"criticality": "5"}, "C-2021-014 §7.2"),
        "sla": ("Sla", desks.sla_id, actions.update_sla, {"target": "99.9"},
                {"credit_percent": "5"}, "C-2021-014 / Availability"),
        "person": ("Person", desks.person_id, actions.update_person, {"department": "IT"},
                   {"role": "Lead"}, "ann@example.com"),
        "vendor": ("Vendor", desks.vendor_id, actions.update_vendor, {"country": "DE"},
                   {"notes": "prefers e-mail"}, "Northwind IT"),
    }[kind]
    with desks.alice.session() as s:
        version = actions.record_version(s, entity, ident)
    with desks.bob.session() as s:
        update(s, ident, first, expected_version=version)
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        update(s, ident, second, expected_version=version)
    assert (caught.value.entity, caught.value.key) == (entity, key)
    assert caught.value.changed_by == desks.bob_name
    assert f"was changed by {desks.bob_name} on " in str(caught.value)
    with desks.alice.session() as s:
        assert actions.record_version(s, entity, ident) == version + 1


def test_knowledge_link_changed_or_removed_by_the_other_desk(desks: Desks) -> None:
    args = ("ann@example.com", "C-2021-014", "7.2")
    with desks.alice.session() as s:
        version = knowledge.link_version(s, *args)
    assert version == 1
    with desks.bob.session() as s:
        knowledge.reverify(s, *args, date(2026, 11, 30), expected_version=version)
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        knowledge.set_knowledge(s, *args, 4, date(2026, 12, 1), expected_version=version)
    assert caught.value.entity == "Knowledge"
    assert caught.value.key == "ann@example.com @ C-2021-014 §7.2"
    assert caught.value.changed_by == desks.bob_name
    with desks.alice.session() as s:
        assert knowledge.link_state(s, *args) == (2, date(2026, 11, 30))  # bob's, not alice's
        version = knowledge.link_version(s, *args)
    with desks.bob.session() as s:
        knowledge.remove_knowledge(s, *args, expected_version=version)
    with pytest.raises(ConflictError, match=f"was deleted by {desks.bob_name} on ") as gone, \
            desks.alice.session() as s:
        knowledge.reverify(s, *args, date(2026, 12, 1), expected_version=version)
    assert gone.value.deleted
    # Alice read "no link" and bob adds one meanwhile: her new link is refused too.
    with desks.bob.session() as s:
        knowledge.set_knowledge(s, *args, 1, date(2026, 12, 1), expected_version=0)
    with pytest.raises(ConflictError, match="knowledge link ann@example.com @ C-2021-014 §7.2"), \
            desks.alice.session() as s:
        knowledge.set_knowledge(s, *args, 3, date(2026, 12, 1), expected_version=0)


def test_edit_of_a_record_the_other_desk_deleted(desks: Desks) -> None:
    with desks.alice.session() as s:
        version = actions.record_version(s, "Sla", desks.sla_id)
    with desks.bob.session() as s:
        actions.delete_sla(s, desks.sla_id, expected_version=version)
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        actions.update_sla(s, desks.sla_id, {"target": "98"}, expected_version=version)
    assert caught.value.deleted and caught.value.key == "C-2021-014 / Availability"
    assert str(caught.value).startswith(
        f"SLA C-2021-014 / Availability was deleted by {desks.bob_name} on "
    )
    with pytest.raises(NotFoundError), desks.alice.session() as s:  # no version: as before
        actions.update_sla(s, desks.sla_id, {"target": "98"})


def test_delete_of_a_contract_changed_since_is_refused(desks: Desks) -> None:
    with desks.alice.session() as s:
        version = actions.record_version(s, "Contract", desks.contract_id)
    with desks.bob.session() as s:
        actions.update_contract(s, desks.contract_id, {"title": "Renamed"})
    with pytest.raises(ConflictError, match="was changed by"), desks.alice.session() as s:
        actions.delete_contract(s, desks.contract_id, expected_version=version)
    with desks.bob.session() as s:
        assert s.get(Contract, desks.contract_id) is not None


def test_a_save_overtaken_between_reading_and_writing_is_refused(desks: Desks) -> None:
    """The race the version check cannot see: the row changes after alice's session read it."""
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        person = s.get_one(Person, desks.person_id)  # alice's session holds version 1
        with desks.bob.session() as other:
            actions.update_person(other, desks.person_id, {"role": "Buyer"})
        person.department = "Procurement"
        s.flush()  # the UPDATE ... WHERE version = 1 matches nothing now
    assert caught.value.changed_by == desks.bob_name
    with desks.bob.session() as s:
        stored = s.get_one(Person, desks.person_id)
        assert (stored.role, stored.department) == ("Buyer", None)


def test_the_version_is_not_recorded_as_a_changed_field(desks: Desks) -> None:
    with desks.alice.session() as s:
        actions.update_vendor(s, desks.vendor_id, {"country": "FR"})
    row = _last_audit(desks.alice)
    assert row.changes is not None and "version" not in row.changes
    assert row.record_id == desks.vendor_id


def _terms_seen(db: Database, reference: str):  # type: ignore[no-untyped-def]
    """The terms a desk's renewals list shows for the contract."""
    from app.store.terms_queries import load_terms

    with db.session() as s:
        return load_terms(s, [reference])[0].terms


def test_notice_given_at_the_other_desk_meanwhile_is_not_given_twice(desks: Desks) -> None:
    from app.store import contract_actions

    day = date(2026, 1, 10)
    seen_by_alice = _terms_seen(desks.alice, "C-2021-014")
    seen_by_bob = _terms_seen(desks.bob, "C-2021-014")
    with desks.bob.session() as s:
        contract_actions.give_notice(s, "C-2021-014", date(2026, 1, 8), day, seen_by_bob)
    bob_row = _last_audit(desks.bob)
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        contract_actions.give_notice(s, "C-2021-014", day, day, seen_by_alice)
    assert caught.value.changed_by == bob_row.actor and "C-2021-014" in str(caught.value)
    with desks.alice.session() as s:  # bob's notice stands
        assert s.get_one(Contract, desks.contract_id).terminated_on == date(2026, 1, 8)


def test_a_change_that_leaves_the_terms_as_seen_does_not_stop_an_action(desks: Desks) -> None:
    from app.store import contract_actions

    seen = _terms_seen(desks.alice, "C-2021-014")
    with desks.bob.session() as s:
        actions.update_contract(s, desks.contract_id, {"title": "Service desk, renamed"})
    with desks.alice.session() as s:
        contract_actions.give_notice(s, "C-2021-014", date(2026, 1, 10), date(2026, 1, 10), seen)
        assert s.get_one(Contract, desks.contract_id).terminated_on == date(2026, 1, 10)


def test_an_option_exercised_at_both_desks_adds_one_term(desks: Desks) -> None:
    from app.store import contract_actions

    with desks.alice.session() as s:
        actions.create_contract(s, {**CONTRACT, "reference": "C-OPT", "renewal": "option",
                                    "max_renewals": "3", "start_date": "2023-03-01"})
    day = date(2026, 1, 10)
    seen_by_alice = _terms_seen(desks.alice, "C-OPT")
    seen_by_bob = _terms_seen(desks.bob, "C-OPT")
    with desks.bob.session() as s:
        assert contract_actions.exercise_option(s, "C-OPT", day, seen_by_bob) == 1
    with pytest.raises(ConflictError), desks.alice.session() as s:
        contract_actions.exercise_option(s, "C-OPT", day, seen_by_alice)
    with desks.alice.session() as s:
        stored = s.scalars(select(Contract).where(Contract.reference == "C-OPT")).one()
        assert stored.options_exercised == 1


def test_a_measurement_entered_or_corrected_at_the_other_desk_is_not_overwritten(
    desks: Desks,
) -> None:
    from decimal import Decimal

    from app.store import sla_actions

    month = date(2026, 1, 1)
    with desks.bob.session() as s:  # alice's grid showed an empty cell; bob enters 99.1
        sla_actions.record_measurement(s, "C-2021-014", "Availability", month, "99.1", seen=None)
    bob_row = _last_audit(desks.bob)
    with pytest.raises(ConflictError) as caught, desks.alice.session() as s:
        sla_actions.record_measurement(s, "C-2021-014", "Availability", month, "97",
                                       replace=True, seen=None)
    assert caught.value.changed_by == bob_row.actor
    assert "C-2021-014 / Availability / 2026-01" in str(caught.value)
    seen = (Decimal("99.1"), None)  # alice reloads and sees bob's value
    with desks.bob.session() as s:  # bob corrects it once more
        sla_actions.record_measurement(s, "C-2021-014", "Availability", month, "99.3",
                                       replace=True, seen=seen)
    with pytest.raises(ConflictError), desks.alice.session() as s:
        sla_actions.delete_measurement(s, "C-2021-014", "Availability", month, seen=seen)
    with desks.alice.session() as s:
        stored = sla_actions.record_measurement(  # what alice sees now she may change
            s, "C-2021-014", "Availability", month, "99.0", replace=True,
            seen=(Decimal("99.30"), None))
        assert stored.value == Decimal("99.0")
