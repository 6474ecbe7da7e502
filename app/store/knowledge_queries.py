"""Loading what the knowledge rules (SPEC §3) need: Core selects of the needed columns only."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.knowledge import LinkInfo, PersonInfo, fresh_since
from app.core.settings import Settings
from app.core.terms import status_of
from app.store.id_lists import id_in, is_sqlite
from app.store.models import Clause, Knowledge, Person
from app.store.raw_rows import fetch as fetch  # re-exported: other query modules use it
from app.store.terms_queries import ContractRow, load_terms

IN_SCOPE = frozenset({"not_started", "active", "terminating"})
CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit

ClauseRow = tuple[int, int, str, str, int]  # id, contract_id, number, title, criticality
LinkRow = tuple[int, int, bool]  # person_id, clause_id, fresh (int 0/1 on SQLite)

_T = TypeVar("_T")


def load_people(session: Session) -> dict[int, PersonInfo]:
    """Every person, by id."""
    query = select(Person.id, Person.name, Person.email, Person.leaves_on)
    return {
        pid: PersonInfo(pid, name, email or name, email, leaves_on)
        for pid, name, email, leaves_on in session.execute(query)
    }


def in_scope(rows: Iterable[ContractRow], as_of: date) -> list[ContractRow]:
    """The contracts whose status on D is not_started, active or terminating."""
    return [row for row in rows if status_of(row.terms, as_of) in IN_SCOPE]


def scoped_contracts(session: Session, as_of: date) -> list[ContractRow]:
    """Every in-scope contract on D, ordered by reference."""
    return in_scope(load_terms(session), as_of)


def contract_by_reference(session: Session, reference: str) -> ContractRow | None:
    """One contract whatever its status, or None when no contract has that reference."""
    rows = load_terms(session, [reference])
    return rows[0] if rows else None


def load_clauses(session: Session, contract_ids: Collection[int] | None = None) -> list[ClauseRow]:
    """Clauses of the given contracts (all clauses when None)."""
    base = select(Clause.id, Clause.contract_id, Clause.number, Clause.title, Clause.criticality)
    if contract_ids is None:
        return fetch(session, base)
    return fetch(session, base.where(id_in(Clause.contract_id, contract_ids, is_sqlite(session))))


def load_links(
    session: Session,
    settings: Settings,
    as_of: date,
    contract_ids: Collection[int] | None = None,
) -> list[LinkRow]:
    """Knowledge links that can make someone an owner, as (person_id, clause_id, fresh).

    Only links of level ≥ understanding_level count for any rule of SPEC §3; fresh is the
    staleness test (verified_on ≥ fresh_since), evaluated by the database.
    """
    since = fresh_since(as_of, settings)
    base = select(Knowledge.person_id, Knowledge.clause_id, Knowledge.verified_on >= since).where(
        Knowledge.level >= settings.understanding_level
    )
    if contract_ids is None:
        return fetch(session, base)
    query = base.join(Clause, Clause.id == Knowledge.clause_id).where(
        id_in(Clause.contract_id, contract_ids, is_sqlite(session))
    )
    return fetch(session, query)


def load_link_infos(session: Session, contract_ids: Collection[int]) -> list[LinkInfo]:
    """Every knowledge link of the clauses of the given contracts, with level and verified_on."""
    base = select(
        Knowledge.person_id, Knowledge.clause_id, Knowledge.level, Knowledge.verified_on
    ).join(Clause, Clause.id == Knowledge.clause_id)
    rows: list[LinkInfo] = []
    for chunk in _chunks(sorted(contract_ids)):
        rows.extend(
            LinkInfo(*row) for row in session.execute(base.where(Clause.contract_id.in_(chunk)))
        )
    return rows


def critical_links(
    session: Session,
    settings: Settings,
    as_of: date,
    criticality: int,
    contract_ids: Collection[int] | None = None,
) -> tuple[list[tuple[int, int]], list[LinkRow]]:
    """Clauses of at least this criticality as (id, contract_id), and their links as load_links.

    All contracts' clauses, or those of the given contracts.
    """
    since = fresh_since(as_of, settings)
    clauses = select(Clause.id, Clause.contract_id).where(Clause.criticality >= criticality)
    links = (
        select(Knowledge.person_id, Knowledge.clause_id, Knowledge.verified_on >= since)
        .join(Clause, Clause.id == Knowledge.clause_id)
        .where(Knowledge.level >= settings.understanding_level)
        .where(Clause.criticality >= criticality)
    )
    if contract_ids is None:
        return fetch(session, clauses), fetch(session, links)
    clause_rows: list[tuple[int, int]] = []
    link_rows: list[LinkRow] = []
    for chunk in _chunks(sorted(contract_ids)):
        clause_rows.extend(fetch(session, clauses.where(Clause.contract_id.in_(chunk))))
        link_rows.extend(fetch(session, links.where(Clause.contract_id.in_(chunk))))
    return clause_rows, link_rows


def contracts_known_by(
    session: Session, settings: Settings, person_ids: Collection[int]
) -> set[int]:
    """Contracts with a clause that one of these people knows at understanding level or above."""
    found: set[int] = set()
    for chunk in _chunks(sorted(person_ids)):
        query = (
            select(Clause.contract_id)
            .join(Knowledge, Knowledge.clause_id == Clause.id)
            .where(Knowledge.person_id.in_(chunk))
            .where(Knowledge.level >= settings.understanding_level)
            .distinct()
        )
        found.update(session.execute(query).scalars())
    return found


def _chunks(ids: list[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


chunks = _chunks
"""Lists of at most CHUNK ids, for the IN (...) lists of other query modules."""
