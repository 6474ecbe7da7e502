"""Changing who knows what (SPEC §1, §3): knowledge links, leaving dates, the settings.

Changes go through ORM objects, so the audit listener records each one with old and new values.
Each write takes the version the editor read (`link_version`; 0 = "no link"), so a change another
desk saved meanwhile is refused with a ConflictError instead of being overwritten.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core.settings import Settings
from app.errors import ConflictError, NotFoundError, ValidationError
from app.store.conflicts import check_version, last_change, stale_conflict
from app.store.models import Clause, Knowledge, Person
from app.store.portfolio_actions import find_clause, find_contract, find_person
from app.store.settings import save_settings

LEVELS = (1, 2, 3, 4)


def _level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise ValidationError(f"level: must be 1, 2, 3 or 4 (got {level!r})")
    return level


def _day(value: object, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError(f"{field}: {value!r} is not a date")
    return value


def _ids(session: Session, person_key: str, contract_ref: str, number: str) -> tuple[int, int]:
    person_id = find_person(session, person_key)
    find_contract(session, contract_ref)
    return person_id, find_clause(session, contract_ref, number)


def _link(
    session: Session,
    person_key: str,
    contract_ref: str,
    number: str,
    expected_version: int | None = None,
) -> Knowledge:
    person_id, clause_id = _ids(session, person_key, contract_ref, number)
    link = _find_link(session, person_id, clause_id)
    if link is not None:
        check_version(session, link, expected_version)
        return link
    if expected_version:
        raise _deleted(session, person_id, contract_ref, number)
    raise NotFoundError(
            f"knowledge: {person_key!r} has no recorded knowledge of {contract_ref} §{number}"
        )


def _deleted(session: Session, person_id: int, contract_ref: str, number: str) -> ConflictError:
    """Another desk removed the link this one was changing."""
    key = f"{session.get_one(Person, person_id).key} @ {contract_ref} §{number}"
    who, at, _ = last_change(session, "Knowledge", None, key)
    return ConflictError("Knowledge", key, who, at, deleted=True)


def _flush(session: Session, obj: object) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise stale_conflict(session, exc, [obj]) from None


def _find_link(session: Session, person_id: int, clause_id: int) -> Knowledge | None:
    query = select(Knowledge).where(
        Knowledge.person_id == person_id, Knowledge.clause_id == clause_id
    )
    return session.scalars(query).first()


def set_knowledge(
    session: Session,
    person_key: str,
    contract_ref: str,
    clause_number: str,
    level: int,
    verified_on: date,
    *,
    expected_version: int | None = None,
) -> Knowledge:
    """Record that a person knows a clause at a level, verified on a date (create or change).

    expected_version: the link's version when the editor read it (link_version), 0 when it
    read "no link"; a different state now raises ConflictError. None: no check.
    """
    level = _level(level)
    verified_on = _day(verified_on, "verified_on")
    person_id, clause_id = _ids(session, person_key, contract_ref, clause_number)
    link = _find_link(session, person_id, clause_id)
    if link is None and expected_version:
        raise _deleted(session, person_id, contract_ref, clause_number)
    if link is not None and expected_version == 0:
        who, at, key = last_change(session, "Knowledge", link.id)
        raise ConflictError("Knowledge", key or link.audit_key, who, at)
    if link is not None:
        check_version(session, link, expected_version)
    if link is None:
        # related objects rather than ids, so the audit trail can name the link
        link = Knowledge(
            person=session.get_one(Person, person_id),
            clause=session.get_one(Clause, clause_id),
            level=level,
            verified_on=verified_on,
        )
        session.add(link)
    else:
        link.level = level
        link.verified_on = verified_on
    _flush(session, link)
    return link


def remove_knowledge(
    session: Session,
    person_key: str,
    contract_ref: str,
    clause_number: str,
    *,
    expected_version: int | None = None,
) -> None:
    """Delete a person's knowledge link to a clause."""
    link = _link(session, person_key, contract_ref, clause_number, expected_version)
    session.delete(link)
    _flush(session, link)


def reverify(
    session: Session,
    person_key: str,
    contract_ref: str,
    clause_number: str,
    on: date,
    *,
    expected_version: int | None = None,
) -> Knowledge:
    """Confirm that a person still knows a clause (the level stays; verified_on becomes `on`)."""
    on = _day(on, "verified_on")
    link = _link(session, person_key, contract_ref, clause_number, expected_version)
    link.verified_on = on
    _flush(session, link)
    return link


def set_leaving_date(
    session: Session,
    person_key: str,
    leaves_on: date | None,
    *,
    expected_version: int | None = None,
) -> Person:
    """Set (or clear, with None) a person's last working day.

    expected_version: the person's version (record_version(session, "Person", id)).
    """
    if leaves_on is not None:
        leaves_on = _day(leaves_on, "leaves_on")
    person = session.get_one(Person, find_person(session, person_key))
    check_version(session, person, expected_version)
    person.leaves_on = leaves_on
    _flush(session, person)
    return person


def update_settings(session: Session, values: dict[str, str]) -> Settings:
    """Validate and store knowledge settings (SPEC §3); returns the settings now in force."""
    return save_settings(session, values)


def link_state(
    session: Session, person_key: str, contract_ref: str, clause_number: str
) -> tuple[int, date] | None:
    """A person's (level, verified_on) on a clause, or None when they have no link to it."""
    person_id, clause_id = _ids(session, person_key, contract_ref, clause_number)
    link = _find_link(session, person_id, clause_id)
    return None if link is None else (link.level, link.verified_on)


def link_version(session: Session, person_key: str, contract_ref: str, clause_number: str) -> int:
    """The version of a person's knowledge link to a clause; 0 when there is no link.

    Hand it back as expected_version to set_knowledge, reverify or remove_knowledge.
    """
    person_id, clause_id = _ids(session, person_key, contract_ref, clause_number)
    version = session.scalar(
        select(Knowledge.version).where(
            Knowledge.person_id == person_id, Knowledge.clause_id == clause_id
        )
    )
    return 0 if version is None else int(version)
