"""Writing the outcome of a re-verification campaign (SPEC §3a, §5): levels and dates of links.

Changes go through ORM objects, so the audit listener records each one (updates with old and new
values). The result lists what was created, updated and removed, for the import log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, selectinload

from app.errors import ValidationError
from app.store.knowledge_actions import LEVELS
from app.store.knowledge_queries import chunks
from app.store.models import Clause, Knowledge, Person

CREATED = "created"
UPDATED = "updated"
REMOVED = "removed"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Attestation:
    """A person's confirmed level of a clause (0: they no longer know it), as of a date."""

    person_id: int
    clause_id: int
    level: int
    confirmed_on: date


@dataclass(frozen=True)
class LinkChange:
    """What an attestation did to a link: its (level, verified_on) before and after."""

    outcome: str  # CREATED, UPDATED, REMOVED or UNCHANGED
    key: str  # the link's audit key, e.g. "ann@x @ C-1 §7.2"
    knowledge_id: int | None  # None once removed
    before: tuple[int, date] | None
    after: tuple[int, date] | None


def apply_attestations(session: Session, attestations: Sequence[Attestation]) -> list[LinkChange]:
    """Set each link's level and verified_on, create it, or remove it for level 0; audited."""
    for item in attestations:
        if item.level != 0 and item.level not in LEVELS:
            raise ValidationError(f"level: must be 0, 1, 2, 3 or 4 (got {item.level!r})")
    links = _links(session, [(a.person_id, a.clause_id) for a in attestations])
    people = _by_id(
        session, select(Person), Person.id, {a.person_id for a in attestations if a.level}
    )
    with_contract = select(Clause).options(selectinload(Clause.contract))
    clauses = _by_id(
        session, with_contract, Clause.id, {a.clause_id for a in attestations if a.level}
    )
    changes: list[LinkChange] = []
    created: list[tuple[int, Knowledge]] = []  # their place in changes: key and id after flush
    for item in attestations:
        link = links.get((item.person_id, item.clause_id))
        after = (item.level, item.confirmed_on)
        if link is None:
            if item.level == 0:
                continue  # nothing recorded, nothing to remove
            link = Knowledge(
                person=people[item.person_id],
                clause=clauses[item.clause_id],
                level=item.level,
                verified_on=item.confirmed_on,
            )
            session.add(link)
            links[(item.person_id, item.clause_id)] = link
            created.append((len(changes), link))
            changes.append(LinkChange(CREATED, "", None, None, after))
            continue
        before = (link.level, link.verified_on)
        key = link.audit_key
        if item.level == 0:
            session.delete(link)
            del links[(item.person_id, item.clause_id)]
            changes.append(LinkChange(REMOVED, key, None, before, None))
        elif before == after:
            changes.append(LinkChange(UNCHANGED, key, link.id, before, after))
        else:
            link.level, link.verified_on = after
            changes.append(LinkChange(UPDATED, key, link.id, before, after))
    session.flush()
    for index, link in created:
        changes[index] = LinkChange(CREATED, link.audit_key, link.id, None, changes[index].after)
    return changes


def _links(session: Session, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Knowledge]:
    query = select(Knowledge).options(
        selectinload(Knowledge.person), selectinload(Knowledge.clause).selectinload(Clause.contract)
    )
    found: dict[tuple[int, int], Knowledge] = {}
    for chunk in chunks(sorted(set(pairs))):
        where = tuple_(Knowledge.person_id, Knowledge.clause_id).in_(chunk)
        for link in session.scalars(query.where(where)):
            found[(link.person_id, link.clause_id)] = link
    return found


def _by_id(session: Session, query: Any, column: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in chunks(sorted(ids)):
        for obj in session.scalars(query.where(column.in_(chunk))):
            found[obj.id] = obj
    return found
