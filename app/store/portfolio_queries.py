"""Read-side queries of the portfolio editing views: the contract list, history, small lists.

The contract list is filtered, sorted and paged in SQL (LIMIT/OFFSET), so 10,000 contracts never
leave the database at once. Status is computed (SPEC §2), not stored: `status_sets` evaluates every
contract once per as-of date (a Core select of the term columns, then app.core.terms.evaluate) and
the status filter becomes `id IN (...)` over the matching ids, or `id NOT IN (...)` over the others
when that list is shorter. On SQLite the ids travel as one JSON parameter read with json_each
(binding thousands of separate values costs more than the query); elsewhere as a plain IN list.
No temporary table: it would be private to one pooled connection. The caller caches the sets
until the data or the as-of date changes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    Float,
    Select,
    and_,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.core.natural import natural_key
from app.core.terms import STATUSES, ContractTerms, evaluate
from app.store.id_lists import id_in, is_sqlite
from app.store.models import (
    AuditLog,
    Clause,
    Contract,
    Document,
    Knowledge,
    Person,
    Sla,
    Vendor,
)
from app.store.terms_queries import TERM_COLUMNS, terms_from_row

_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])

NEEDS_REVIEW = "needs_review"
STATUS_FILTERS: tuple[str, ...] = (*STATUSES, NEEDS_REVIEW)
CONTRACT_SORT_KEYS: tuple[str, ...] = (
    "reference",
    "title",
    "vendor",
    "owner",
    "category",
    "renewal",
    "start_date",
    "annual_value",
)


# --- the contract list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFilter:
    """What the contract list shows: text matches reference, title or vendor name."""

    text: str = ""
    vendor_id: int | None = None
    renewal: str | None = None
    status: str | None = None  # one of STATUS_FILTERS


@dataclass(frozen=True)
class ContractRow:
    """One line of the contract list, with the terms its status is computed from."""

    id: int
    reference: str
    title: str
    vendor: str
    owner: str | None
    category: str | None
    renewal: str
    start_date: date
    annual_value: Decimal | None
    currency: str
    terms: ContractTerms


@dataclass(frozen=True)
class StatusSets:
    """The contract ids per status on one as-of date."""

    as_of: date
    ids: dict[str, frozenset[int]]

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def _terms(row: Sequence[Any]) -> ContractTerms:
    return terms_from_row(row)


def status_sets(session: Session, as_of: date) -> StatusSets:
    """Evaluate every contract on `as_of` and group the ids by status."""
    groups: dict[str, set[int]] = {status: set() for status in STATUSES}
    rows = session.execute(select(Contract.id, *TERM_COLUMNS))
    for row in rows:
        groups[evaluate(_terms(row[1:]), as_of).status].add(row[0])
    return StatusSets(as_of, {status: frozenset(ids) for status, ids in groups.items()})


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(
    flt: ContractFilter, sets: StatusSets | None, sqlite: bool
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    text = flt.text.strip()
    if text:
        pattern = _like(text)
        columns = (Contract.reference, Contract.title, Vendor.name)
        if sqlite:  # SQLite's LIKE ignores case already (as far as its lower() would)
            conditions.append(or_(*(c.like(pattern, escape="\\") for c in columns)))
        else:
            conditions.append(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    if flt.vendor_id is not None:
        conditions.append(Contract.vendor_id == flt.vendor_id)
    if flt.renewal:
        conditions.append(Contract.renewal == flt.renewal)
    if flt.status == NEEDS_REVIEW:
        conditions.append(
            and_(Contract.initial_term_months.is_(None), Contract.renewal != "evergreen")
        )
    elif flt.status:
        if sets is None:
            raise ValueError("a status filter needs the status sets of the as-of date")
        conditions.append(_status_condition(sets, flt.status, sqlite))
    return conditions


def _id_list(ids: list[int], sqlite: bool) -> ColumnElement[bool]:
    return id_in(Contract.id, ids, sqlite)


def _status_condition(sets: StatusSets, status: str, sqlite: bool) -> ColumnElement[bool]:
    matching = sets.ids.get(status, frozenset())
    if not matching:
        return false()
    others = [ident for name, ids in sets.ids.items() if name != status for ident in ids]
    if len(others) < len(matching):
        # Contracts added after the sets were computed are not in `others`: a refresh recomputes.
        return ~_id_list(sorted(others), sqlite) if others else true()
    return _id_list(sorted(matching), sqlite)


_is_sqlite = is_sqlite


def _base(columns: _Q, flt: ContractFilter, sets: StatusSets | None, sqlite: bool) -> _Q:
    query = columns.select_from(Contract).join(Vendor, Contract.vendor_id == Vendor.id)
    conditions = _conditions(flt, sets, sqlite)
    return query.where(*conditions) if conditions else query


def count_contracts(session: Session, flt: ContractFilter, sets: StatusSets | None = None) -> int:
    """How many contracts the filter keeps."""
    return session.scalar(_base(select(func.count()), flt, sets, _is_sqlite(session))) or 0


def _sort_column(key: str) -> ColumnElement[Any]:
    owner = Person.name
    columns: dict[str, Any] = {
        "reference": Contract.reference,
        "title": func.lower(Contract.title),
        "vendor": func.lower(Vendor.name),
        "owner": func.lower(owner),
        "category": func.lower(Contract.category),
        "renewal": Contract.renewal,
        "start_date": Contract.start_date,
        # Decimals are stored as exact text on SQLite: order by their numeric value.
        "annual_value": cast(Contract.annual_value, Float),
    }
    if key not in columns:
        raise ValueError(f"cannot sort the contract list by {key!r}")
    column: ColumnElement[Any] = columns[key]
    return column


def _order(sort: str, descending: bool) -> list[ColumnElement[Any]]:
    """The list's order: the sort column, ties broken by reference."""
    column = _sort_column(sort)
    # Empty values sort as SQLite sorts them, on PostgreSQL too: first going up, last going down.
    order: list[ColumnElement[Any]] = [
        column.desc().nulls_last() if descending else column.asc().nulls_first()
    ]
    if sort != "reference":
        order.append(Contract.reference.desc() if descending else Contract.reference.asc())
    return order


def _rows_query(
    flt: ContractFilter, sets: StatusSets | None, sqlite: bool
) -> Select[*tuple[Any, ...]]:
    columns: Select[*tuple[Any, ...]] = select(
        Contract.id,
        Contract.reference,
        Contract.title,
        Vendor.name,
        Person.name,
        Contract.category,
        Contract.annual_value,
        Contract.currency,
        *TERM_COLUMNS,
    )
    return _base(columns, flt, sets, sqlite).outerjoin(Person, Contract.owner_id == Person.id)


def _contract_row(row: Sequence[Any]) -> ContractRow:
    terms = _terms(row[8:])
    return ContractRow(
        id=row[0],
        reference=row[1],
        title=row[2],
        vendor=row[3],
        owner=row[4],
        category=row[5],
        renewal=terms.renewal,
        start_date=terms.start_date,
        annual_value=row[6],
        currency=row[7],
        terms=terms,
    )


def fetch_contracts(
    session: Session,
    flt: ContractFilter,
    sets: StatusSets | None = None,
    *,
    sort: str = "reference",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[ContractRow]:
    """One page of the filtered contract list, sorted in SQL (ties broken by reference)."""
    query = (
        _rows_query(flt, sets, _is_sqlite(session))
        .order_by(*_order(sort, descending))
        .offset(offset)
        .limit(limit)
    )
    return [_contract_row(row) for row in session.execute(query)]


def contracts_by_id(session: Session, ids: Collection[int]) -> dict[int, ContractRow]:
    """The contract list's rows of these contracts (those that still exist), by id."""
    if not ids:
        return {}
    sqlite = _is_sqlite(session)
    query = _rows_query(ContractFilter(), None, sqlite).where(id_in(Contract.id, ids, sqlite))
    return {row[0]: _contract_row(row) for row in session.execute(query)}


_SEPARATOR = "\x00"  # between the texts of one contract in ContractSearch.texts


class ContractSearch:
    """The contracts a filter keeps but for its text, in list order, ready to be searched as the
    user types (no query per keystroke): the text filter of `_conditions`, in memory.

    `texts` holds each contract's reference, title and vendor name, lower-cased. Lower-casing in
    Python ignores the case of every letter, where SQLite's LIKE ignores only ASCII's.
    """

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        self.ids = ids
        self.texts = texts
        self._last: tuple[str, Sequence[int]] = ("", range(len(ids)))

    def __len__(self) -> int:
        return len(self.ids)

    def matching(self, text: str) -> list[int]:
        """The ids whose reference, title or vendor name holds `text` (any case), in order."""
        needle = text.strip().lower()
        last, places = self._last
        if last not in needle:  # typing on narrows the last answer; else all are searched
            places = range(len(self.ids))
        texts = self.texts
        if _SEPARATOR in needle:  # no text holds it (it only joins a contract's texts)
            kept = []
        elif needle:
            kept = [i for i in places if needle in texts[i]]
        else:
            kept = list(places)
        self._last = (needle, kept)
        ids = self.ids
        return [ids[i] for i in kept]


def contract_search(
    session: Session,
    flt: ContractFilter,
    sets: StatusSets | None = None,
    *,
    sort: str = "reference",
    descending: bool = False,
) -> ContractSearch:
    """Every contract `flt` keeps when its text is ignored, in the order of fetch_contracts."""
    sqlite = _is_sqlite(session)
    query = (
        _base(select(Contract.id, Contract.reference, Contract.title, Vendor.name),
              replace(flt, text=""), sets, sqlite)
        .outerjoin(Person, Contract.owner_id == Person.id)
        .order_by(*_order(sort, descending))
    )
    ids: list[int] = []
    texts: list[str] = []
    keep_id, keep_text, join = ids.append, texts.append, _SEPARATOR.join
    for ident, reference, title, vendor in session.execute(query):
        keep_id(ident)
        keep_text(join((reference, title, vendor)).lower())
    return ContractSearch(ids, texts)


# --- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One audit row of a contract's history; changes are (field, old, new) for updates."""

    at: datetime
    actor: str
    entity: str
    key: str
    action: str
    changes: tuple[tuple[str, Any, Any], ...]
    count: int = 1  # > 1: a bulk insert or delete of this many records, grouped
    last_key: str = ""  # the key of the last record of the group


BULK_SECONDS = 60  # inserts (or deletes) of one kind by one person within this time are one


def group_history(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    """Consecutive inserts (or deletes) of records of one kind by one person within a minute
    become one entry with their count: an import of 600 measurements is one line, not 600."""
    grouped: list[HistoryEntry] = []
    for entry in entries:
        last = grouped[-1] if grouped else None
        if (last is not None and entry.action in ("insert", "delete")
                and entry.entity != "Contract" and not entry.changes and not last.changes
                and (last.actor, last.entity, last.action) == (entry.actor, entry.entity,
                                                                entry.action)
                and (entry.at - last.at).total_seconds() <= BULK_SECONDS):
            grouped[-1] = replace(last, count=last.count + 1, last_key=entry.key)
        else:
            grouped.append(entry)
    return grouped


def _renamed_from(changes: str | None, reference: str) -> str | None:
    """The earlier reference when this Contract update renamed the contract to `reference`."""
    if not changes or '"reference"' not in changes:
        return None
    pair = json.loads(changes).get("reference")
    if isinstance(pair, list) and len(pair) == 2 and pair[1] == reference:
        old = pair[0]
        return old if isinstance(old, str) and old != reference else None
    return None


def _segments(session: Session, reference: str) -> list[tuple[str, int, int | None]]:
    """(reference, after audit id, before audit id) of each stretch of the contract's life.

    Only rows indexed by contract_ref are read. Walking back from the newest Contract row of a
    reference, the current holder began with a rename into it (then the earlier reference is
    followed) or with an insert; an insert right after a deletion continues the same history
    (an undone deletion, or the contract created again), any other earlier rows belonged to a
    contract that was renamed away.
    """
    segments: list[tuple[str, int, int | None]] = []
    ref, upper = reference, None
    for _ in range(1000):  # a chain of renames, bounded
        query = select(AuditLog.id, AuditLog.action, AuditLog.changes).where(
            AuditLog.contract_ref == ref, AuditLog.entity == "Contract"
        )
        if upper is not None:
            query = query.where(AuditLog.id < upper)
        rows = session.execute(query.order_by(AuditLog.id)).all()
        lower, earlier = 0, None
        index = len(rows) - 1
        while index >= 0:
            audit_id, action, changes = rows[index]
            if action == "update":
                old = _renamed_from(changes, ref)
                if old is not None:
                    lower, earlier = audit_id - 1, (old, audit_id)
                    break
            elif action == "insert":
                if index > 0 and rows[index - 1][1] == "delete":
                    index -= 1
                    continue
                lower = audit_id - 1 if index > 0 else 0
                break
            index -= 1
        segments.append((ref, lower, upper))
        if earlier is None:
            break
        ref, upper = earlier
    return segments


def contract_history(session: Session, reference: str) -> list[HistoryEntry]:
    """The audit trail of a contract and everything in it, oldest first.

    Rows are found by their contract reference (an indexed column). When the contract was
    renamed, the rows written under its earlier references belong to it too; rows of another
    contract that held the same reference before it was renamed away do not.
    """
    segments = _segments(session, reference)
    conditions = [
        and_(
            AuditLog.contract_ref == ref,
            AuditLog.id > lower,
            true() if upper is None else AuditLog.id < upper,
        )
        for ref, lower, upper in segments
    ]
    rows = session.execute(
        select(
            AuditLog.at,
            AuditLog.actor,
            AuditLog.entity,
            AuditLog.entity_key,
            AuditLog.action,
            AuditLog.changes,
        )
        .where(or_(*conditions))
        .order_by(AuditLog.at, AuditLog.id)
    )
    entries = []
    for at, actor, entity, key, action, changes in rows:
        parsed: dict[str, list[Any]] = json.loads(changes) if changes else {}
        items = tuple(
            (name, pair[0], pair[1]) for name, pair in sorted(parsed.items()) if len(pair) == 2
        )
        entries.append(HistoryEntry(at, actor, entity, key, action, items))
    return entries


# --- the small lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorRow:
    id: int
    name: str
    country: str | None
    contact_name: str | None
    contact_email: str | None
    contracts: int


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str | None
    department: str | None
    role: str | None
    leaves_on: date | None
    knowledge_links: int
    contracts_owned: int

    @property
    def key(self) -> str:
        return self.email or self.name


@dataclass(frozen=True)
class ClauseRow:
    id: int
    number: str
    title: str
    category: str | None
    criticality: int
    knowledge_links: int


@dataclass(frozen=True)
class SlaRow:
    id: int
    name: str
    unit: str | None
    target: Decimal
    direction: str
    period: str
    credit_percent: Decimal


@dataclass(frozen=True)
class DocumentRow:
    id: int
    filename: str
    size: int
    sha256: str
    added_on: date


def vendor_rows(session: Session) -> list[VendorRow]:
    """Every vendor with its number of contracts, by name."""
    counts = (
        select(Contract.vendor_id, func.count().label("n")).group_by(Contract.vendor_id).subquery()
    )
    rows = session.execute(
        select(
            Vendor.id,
            Vendor.name,
            Vendor.country,
            Vendor.contact_name,
            Vendor.contact_email,
            func.coalesce(counts.c.n, 0),
        )
        .outerjoin(counts, counts.c.vendor_id == Vendor.id)
        .order_by(func.lower(Vendor.name))
    )
    return [VendorRow(*row) for row in rows]


def person_rows(session: Session) -> list[PersonRow]:
    """Every person with their knowledge links and owned contracts, by name."""
    links = (
        select(Knowledge.person_id, func.count().label("n"))
        .group_by(Knowledge.person_id)
        .subquery()
    )
    owned = (
        select(Contract.owner_id, func.count().label("n"))
        .where(Contract.owner_id.is_not(None))
        .group_by(Contract.owner_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Person.id,
            Person.name,
            Person.email,
            Person.department,
            Person.role,
            Person.leaves_on,
            func.coalesce(links.c.n, 0),
            func.coalesce(owned.c.n, 0),
        )
        .outerjoin(links, links.c.person_id == Person.id)
        .outerjoin(owned, owned.c.owner_id == Person.id)
        .order_by(func.lower(Person.name), Person.id)
    )
    return [PersonRow(*row) for row in rows]


def clause_rows(session: Session, contract_id: int) -> list[ClauseRow]:
    """The clauses of a contract in natural number order (7.2 before 7.10)."""
    links = (
        select(Knowledge.clause_id, func.count().label("n"))
        .join(Clause, Knowledge.clause_id == Clause.id)
        .where(Clause.contract_id == contract_id)
        .group_by(Knowledge.clause_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Clause.id,
            Clause.number,
            Clause.title,
            Clause.category,
            Clause.criticality,
            func.coalesce(links.c.n, 0),
        )
        .outerjoin(links, links.c.clause_id == Clause.id)
        .where(Clause.contract_id == contract_id)
    )
    return sorted((ClauseRow(*row) for row in rows), key=lambda r: natural_key(r.number))


def sla_rows(session: Session, contract_id: int) -> list[SlaRow]:
    """The SLA definitions of a contract, by name."""
    rows = session.execute(
        select(
            Sla.id, Sla.name, Sla.unit, Sla.target, Sla.direction, Sla.period, Sla.credit_percent
        )
        .where(Sla.contract_id == contract_id)
        .order_by(func.lower(Sla.name))
    )
    return [SlaRow(*row) for row in rows]


def document_rows(session: Session, contract_id: int) -> list[DocumentRow]:
    """The documents of a contract (without their bytes), oldest first."""
    rows = session.execute(
        select(
            Document.id,
            Document.filename,
            func.coalesce(func.length(Document.content), 0),
            Document.sha256,
            Document.added_on,
        )
        .where(Document.contract_id == contract_id)
        .order_by(Document.added_on, Document.id)
    )
    return [DocumentRow(*row) for row in rows]


def vendor_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every vendor, by name."""
    rows = session.execute(select(Vendor.id, Vendor.name).order_by(func.lower(Vendor.name)))
    return [(ident, name) for ident, name in rows]


def person_choices(session: Session) -> list[tuple[str, str]]:
    """(key, label) of every person, by name; the label shows the e-mail when there is one."""
    rows = session.execute(
        select(Person.name, Person.email).order_by(func.lower(Person.name), Person.id)
    )
    return [(email or name, f"{name} <{email}>" if email else name) for name, email in rows]


def contract_categories(session: Session) -> list[str]:
    """The contract categories in use, for the editor's suggestions."""
    rows = session.scalars(
        select(Contract.category).where(Contract.category.is_not(None)).distinct()
    )
    return sorted((c for c in rows if c), key=str.lower)


def is_empty(session: Session) -> bool:
    """True when the portfolio has neither contracts nor vendors (people alone do not count)."""
    has_any = session.execute(
        select(exists(select(Contract.id)) | exists(select(Vendor.id)))
    ).scalar_one()
    return not has_any
