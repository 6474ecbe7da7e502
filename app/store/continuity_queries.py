"""Loading what the continuity rules (SPEC §3a) need, beyond what `gaps` loads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import Integer, case, literal, select
from sqlalchemy.orm import Session

from app.core.settings import Settings
from app.store.knowledge_queries import chunks, fetch
from app.store.models import Clause, Knowledge, Person

ScopeClause = tuple[int, int, int]  # clause id, contract id, criticality
FreshLink = tuple[int, int, int]  # person id, clause id, leading dates fresh on
LevelRow = tuple[int, int, int, bool]  # person id, clause id, level, fresh on D


def scope_clauses(session: Session, contract_ids: Collection[int]) -> list[ScopeClause]:
    """(id, contract id, criticality) of the clauses of the given contracts."""
    base = select(Clause.id, Clause.contract_id, Clause.criticality)
    rows: list[ScopeClause] = []
    for chunk in chunks(sorted(contract_ids)):
        rows.extend(fetch(session, base.where(Clause.contract_id.in_(chunk))))
    return rows


def fresh_links(
    session: Session, settings: Settings, limits: Sequence[date], contract_ids: Collection[int]
) -> list[FreshLink]:
    """Links of level ≥ understanding_level of the contracts' clauses, with the number of
    leading dates they are fresh on: limits[i] is fresh_since of date i (never decreasing), and
    the database counts the limits the link's verified_on reaches."""
    fresh_on = case(
        *[
            (Knowledge.verified_on >= limit, literal(index + 1, Integer))
            for index, limit in reversed(list(enumerate(limits)))
        ],
        else_=literal(0, Integer),
    )
    base = (
        select(Knowledge.person_id, Knowledge.clause_id, fresh_on)
        .join(Clause, Clause.id == Knowledge.clause_id)
        .where(Knowledge.level >= settings.understanding_level)
    )
    rows: list[FreshLink] = []
    for chunk in chunks(sorted(contract_ids)):
        rows.extend(fetch(session, base.where(Clause.contract_id.in_(chunk))))
    return rows


def level_links(session: Session, since: date, contract_ids: Collection[int]) -> list[LevelRow]:
    """Every link of the contracts' clauses, any level, as (person, clause, level, fresh on D);
    since is fresh_since(D)."""
    base = select(
        Knowledge.person_id, Knowledge.clause_id, Knowledge.level, Knowledge.verified_on >= since
    ).join(Clause, Clause.id == Knowledge.clause_id)
    rows: list[LevelRow] = []
    for chunk in chunks(sorted(contract_ids)):
        rows.extend(fetch(session, base.where(Clause.contract_id.in_(chunk))))
    return rows


def people_keys(session: Session) -> dict[str, int]:
    """Every person's key (SPEC §1: the e-mail, or the name without one) and id."""
    query = select(Person.id, Person.name, Person.email)
    return {email or name: pid for pid, name, email in session.execute(query)}
