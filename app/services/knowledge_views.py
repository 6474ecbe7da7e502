"""What the knowledge workspace shows (SPEC §3), computed by the engine of app.core.knowledge.

- `knowledge_overview` + `select_clauses`: the in-scope portfolio's clauses with their status
  and their contract's coverage and truck factor, filtered here (not in a widget) and read page
  by page;
- `contract_matrix` / `vendor_matrix`: clauses × people with the level of every link;
- `takes_with_them`: what one person's leaving would cost;
- `people_leaving_within`: the people an off-boarding simulation of "the next N days" takes.

Nothing here restates a rule: statuses, coverage, truck factor and the simulation come from
app.core.knowledge and app.services.knowledge.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.knowledge import (
    AT_RISK,
    COVERED,
    NEVER_OWNED,
    ORPHANED,
    OWNERS_LEFT,
    SINGLE,
    STALE,
    ClauseInfo,
    ClauseStatus,
    PersonInfo,
    clause_statuses,
    coverage,
    is_active,
    is_fresh,
    truck_factor,
)
from app.core.natural import natural_key
from app.core.settings import Settings
from app.errors import NotFoundError, ValidationError
from app.services.collector import collector_paused
from app.services.knowledge import (
    ClauseGap,
    ContractGaps,
    Figures,
    gaps,
    simulate_leave_of,
)
from app.store.knowledge_queries import (
    contract_by_reference,
    in_scope,
    load_clauses,
    load_link_infos,
    load_people,
)
from app.store.models import Clause, Contract, Knowledge, Vendor
from app.store.portfolio_actions import find_person
from app.store.settings import load_settings
from app.store.terms_queries import ContractRow, load_terms

PAGE_SIZE = 200  # rows of the clause list fetched at a time

# the state of one knowledge link on D (a matrix cell)
CURRENT = "current"  # makes its person a current owner
STALE_LINK = "stale"  # would, but was verified too long ago
BELOW = "below"  # level under the understanding level
LEFT = "left"  # its person is no longer active
CELL_STATES = (CURRENT, STALE_LINK, BELOW, LEFT)


# --- the portfolio's clause list ----------------------------------------------------------------


@dataclass(frozen=True)
class ClauseFilter:
    """What the clause list keeps; empty values keep everything."""

    vendor: str = ""  # a vendor's name
    contract: str = ""  # part of a contract reference, any case
    status: str = ""  # orphaned, at_risk, single, covered
    reason: str = ""  # never_owned, owners_left, stale
    min_criticality: int = 1
    person: str = ""  # a person's key: the clauses they have a link to, at any level
    sort: str = ""  # one of SORT_KEYS; "" is report order (contract reference, clause number)
    descending: bool = False  # with sort "": report order backwards


class ClauseListRow(NamedTuple):
    """One row of the clause list: the clause's status and its contract's figures."""

    clause_id: int
    contract_id: int
    contract: str
    vendor: str
    number: str
    title: str
    criticality: int
    status: str
    reason: str | None
    owners: tuple[str, ...]
    contract_coverage: Fraction | None
    contract_truck_factor: int | None


STATUS_CODES = (ORPHANED, AT_RISK, SINGLE, COVERED)
REASON_CODES = (None, NEVER_OWNED, OWNERS_LEFT, STALE)
_STATUS_CODE = {status: code for code, status in enumerate(STATUS_CODES)}
_REASON_CODE = {reason: code for code, reason in enumerate(REASON_CODES)}
_SEPARATOR = "\x1f"  # between the owners' names of a clause


@dataclass(frozen=True)
class ClauseColumns:
    """Clauses in report order, column by column.

    A few arrays and lists instead of hundreds of thousands of tuples: the garbage collector
    has almost nothing to walk once they are built, and freeing them is quick (both would
    otherwise pause every thread, the GUI's too, for a noticeable moment).
    """

    clause_id: array[int]
    contract_id: array[int]
    contract: list[str]
    vendor: list[str]
    number: list[str]
    title: list[str]
    criticality: bytes
    status: bytes  # index into STATUS_CODES
    reason: bytes  # index into REASON_CODES
    owners: list[str]  # the current owners' names, sorted, joined by _SEPARATOR

    def __len__(self) -> int:
        return len(self.clause_id)

    @classmethod
    def of(cls, clauses: Iterable[ClauseGap]) -> ClauseColumns:
        rows = list(clauses)
        status_code, reason_code, join = _STATUS_CODE, _REASON_CODE, _SEPARATOR.join
        return cls(
            array("q", [c[0] for c in rows]),
            array("q", [c[1] for c in rows]),
            [c[2] for c in rows],
            [c[3] for c in rows],
            [c[4] for c in rows],
            [c[5] for c in rows],
            bytes([c[6] for c in rows]),
            bytes([status_code[c[7]] for c in rows]),
            bytes([reason_code[c[8]] for c in rows]),
            [join(c[9]) for c in rows],
        )

    def owners_of(self, index: int) -> tuple[str, ...]:
        joined = self.owners[index]
        return tuple(joined.split(_SEPARATOR)) if joined else ()


@dataclass(frozen=True)
class KnowledgeOverview:
    """The knowledge status of every in-scope clause on D (one `gaps` computation)."""

    as_of: date
    settings: Settings
    figures: Figures
    contracts: dict[int, ContractGaps]
    clauses: ClauseColumns
    vendors: list[str]  # the vendors of in-scope contracts, by name
    complete: bool = True  # False: only the first contracts (see first_clauses)

    @property
    def contract_count(self) -> int:
        return len(self.contracts)


FREE_SLICE = 4000  # tuples freed at a time


def knowledge_overview(session: Session, as_of: date) -> KnowledgeOverview:
    """The in-scope portfolio's knowledge on D, ready to be filtered."""
    with collector_paused():  # the tuples of `gaps` are gone before the collector runs again
        result = gaps(session, as_of, vendors=False)
        clauses = result.clauses
        columns = ClauseColumns.of(clauses)
        contracts = {c.contract_id: c for c in result.contracts}
        settings, figures = result.settings, result.figures
        del result
        while clauses:  # freed a slice at a time: other threads get the interpreter between
            del clauses[-FREE_SLICE:]
    vendors = sorted({c.vendor for c in contracts.values()}, key=str.casefold)
    return KnowledgeOverview(as_of, settings, figures, contracts, columns, vendors)


HEAD_BATCH = 40  # contract references tried at a time by first_clauses, at first
MAX_BATCH = 320  # … then twice as many each time, up to this (fewer tried beyond the need)


def first_clauses(
    session: Session, as_of: date, count: int = PAGE_SIZE, batch: int = HEAD_BATCH
) -> KnowledgeOverview:
    """The first in-scope contracts (by reference) with at least `count` clauses in all.

    Their rows are exactly the first rows of knowledge_overview: a clause's status and its
    contract's coverage and truck factor depend on that contract alone. So the clause list can
    show them at once while the whole portfolio is computed. `figures` and `vendors` describe
    only these contracts; `complete` is False.
    """
    references = sorted(session.scalars(select(Contract.reference)))
    chosen: list[ContractRow] = []
    clause_count = start = 0
    while start < len(references) and clause_count < count:
        found = in_scope(load_terms(session, references[start : start + batch]), as_of)
        start += batch
        batch = min(2 * batch, MAX_BATCH)  # a long run of ended contracts: a few steps
        sizes = _clause_counts(session, [c.id for c in found]) if found else {}
        for contract in found:  # by reference: only as many as the first rows need
            chosen.append(contract)
            clause_count += sizes.get(contract.id, 0)
            if clause_count >= count:
                break
    matrix = _matrix(session, as_of, "", chosen)
    contracts = {
        c.contract_id: ContractGaps(c.contract_id, c.reference, c.title, c.vendor, c.figures)
        for c in matrix.contracts
    }
    ids = {c.reference: c.contract_id for c in matrix.contracts}
    vendor_of = {c.reference: c.vendor for c in matrix.contracts}
    columns = ClauseColumns.of(
        ClauseGap(
            c.clause_id, ids[c.contract], c.contract, vendor_of[c.contract], c.number, c.title,
            c.criticality, c.status, c.reason, c.owners,
        )
        for c in matrix.clauses
    )
    vendors = sorted(set(vendor_of.values()), key=str.casefold)
    return KnowledgeOverview(
        as_of, matrix.settings, matrix.figures, contracts, columns, vendors, complete=False
    )


def _clause_counts(session: Session, contract_ids: list[int]) -> dict[int, int]:
    """How many clauses each of these contracts has."""
    rows = session.execute(
        select(Clause.contract_id, func.count())
        .where(Clause.contract_id.in_(contract_ids))
        .group_by(Clause.contract_id)
    )
    return {contract_id: number for contract_id, number in rows}


@dataclass(frozen=True)
class ClauseSelection:
    """The clauses a filter keeps, in report order (contract reference, natural number)."""

    overview: KnowledgeOverview
    criteria: ClauseFilter
    indexes: Sequence[int]  # into overview.clauses
    counts: dict[str, int] = field(default_factory=dict)  # by status

    def __len__(self) -> int:
        return len(self.indexes)

    def page(self, start: int, count: int = PAGE_SIZE) -> list[ClauseListRow]:
        """Rows start … start + count - 1 (fewer at the end)."""
        contracts = self.overview.contracts
        c = self.overview.clauses
        rows: list[ClauseListRow] = []
        for i in self.indexes[start : start + count]:
            figures = contracts[c.contract_id[i]].figures
            rows.append(
                ClauseListRow(
                    c.clause_id[i], c.contract_id[i], c.contract[i], c.vendor[i], c.number[i],
                    c.title[i], c.criticality[i], STATUS_CODES[c.status[i]],
                    REASON_CODES[c.reason[i]], c.owners_of(i), figures.coverage,
                    figures.truck_factor,
                )
            )
        return rows


SORT_KEYS = (
    "vendor", "title", "criticality", "status", "reason", "owners", "coverage", "truck_factor",
)


def _sorted(
    overview: KnowledgeOverview, kept: Sequence[int], sort: str, descending: bool
) -> list[int]:
    """The kept rows by one column; ties keep report order, empty values come last."""
    c = overview.clauses
    key: Any
    if sort in ("coverage", "truck_factor", "reason"):
        if sort == "reason":
            reasons = c.reason
            kept_known = [i for i in kept if reasons[i]]
            empty = [i for i in kept if not reasons[i]]
            key = reasons.__getitem__
        else:
            values: dict[int, Fraction | int] = {}
            for cid, gap in overview.contracts.items():
                value = gap.figures.coverage if sort == "coverage" else gap.figures.truck_factor
                if value is not None:
                    values[cid] = value
            # rank the distinct values once (exact fractions compare slowly), sort on the ranks
            place = {v: n for n, v in enumerate(sorted(set(values.values())))}
            rank = {cid: place[value] for cid, value in values.items()}
            contract_of = c.contract_id
            kept_known = [i for i in kept if contract_of[i] in rank]
            empty = [i for i in kept if contract_of[i] not in rank]

            def key(i: int) -> int:
                return rank[contract_of[i]]

        kept_known.sort(key=key, reverse=descending)
        return kept_known + empty
    if sort == "owners":
        owners = c.owners

        def key(i: int) -> int:
            return owners[i].count(_SEPARATOR) + 1 if owners[i] else 0
    elif sort in ("vendor", "title"):
        texts = c.vendor if sort == "vendor" else c.title

        def key(i: int) -> str:
            return texts[i].casefold()
    else:
        key = (c.criticality if sort == "criticality" else c.status).__getitem__
    return sorted(kept, key=key, reverse=descending)


def _checked(criteria: ClauseFilter) -> None:
    if criteria.sort and criteria.sort not in SORT_KEYS:
        raise ValidationError(f"sort: {criteria.sort!r} is not a column of the clause list")
    if criteria.status and criteria.status not in STATUS_CODES:
        raise ValidationError(f"status: {criteria.status!r} is not a knowledge status")
    if criteria.reason and criteria.reason not in REASON_CODES:
        raise ValidationError(f"reason: {criteria.reason!r} is not a reason of orphaned clauses")
    if not 1 <= criteria.min_criticality <= 5:
        raise ValidationError(
            f"minimum criticality: must be 1 to 5 (got {criteria.min_criticality})"
        )


def select_clauses(
    session: Session, overview: KnowledgeOverview, criteria: ClauseFilter
) -> ClauseSelection:
    """The overview's clauses that pass the filter (the person filter asks the database)."""
    _checked(criteria)
    c = overview.clauses
    kept: Sequence[int] = range(len(c))
    if criteria.vendor:
        vendor, vendors = criteria.vendor, c.vendor
        kept = [i for i in kept if vendors[i] == vendor]
    if criteria.contract:
        part, references = criteria.contract.strip().casefold(), c.contract
        kept = [i for i in kept if part in references[i].casefold()]
    if criteria.status:
        code, statuses = _STATUS_CODE[criteria.status], c.status
        kept = [i for i in kept if statuses[i] == code]
    if criteria.reason:
        code, reasons = _REASON_CODE[criteria.reason], c.reason
        kept = [i for i in kept if reasons[i] == code]
    if criteria.min_criticality > 1:
        least, weights = criteria.min_criticality, c.criticality
        kept = [i for i in kept if weights[i] >= least]
    if criteria.person:
        person_id = find_person(session, criteria.person)
        known = set(
            session.scalars(select(Knowledge.clause_id).where(Knowledge.person_id == person_id))
        )
        ids = c.clause_id
        kept = [i for i in kept if ids[i] in known]
    if criteria.sort:
        kept = _sorted(overview, kept, criteria.sort, criteria.descending)
    elif criteria.descending:
        kept = kept[::-1]
    indexes: Sequence[int] = kept if isinstance(kept, range) else array("q", kept)
    tally = [0, 0, 0, 0]
    statuses = c.status
    if isinstance(kept, range):
        for code in statuses:
            tally[code] += 1
    else:
        for i in kept:
            tally[statuses[i]] += 1
    return ClauseSelection(overview, criteria, indexes, dict(zip(STATUS_CODES, tally,
                                                                 strict=True)))


# --- the matrix of a contract or vendor ---------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    """A person's link to a clause: level, verified_on, and its state on D (CELL_STATES)."""

    level: int
    verified_on: date
    state: str


@dataclass(frozen=True)
class MatrixPerson:
    id: int
    key: str
    name: str
    email: str | None
    leaves_on: date | None
    active: bool
    leaving_soon: bool  # active, and leaves within the leaving window


@dataclass(frozen=True)
class MatrixClause:
    clause_id: int
    contract: str
    number: str
    title: str
    criticality: int
    status: str
    reason: str | None
    owners: tuple[str, ...]  # the current owners' names, sorted


@dataclass(frozen=True)
class MatrixContract:
    contract_id: int
    reference: str
    title: str
    vendor: str
    in_scope: bool
    figures: Figures


@dataclass(frozen=True)
class KnowledgeMatrix:
    """Clauses (rows, natural order) × people with a link there (columns, by name)."""

    as_of: date
    title: str
    settings: Settings
    contracts: list[MatrixContract]
    figures: Figures  # of all the matrix's clauses
    clauses: list[MatrixClause]
    people: list[MatrixPerson]
    cells: dict[tuple[int, int], MatrixCell]  # by (clause id, person id)

    def cell(self, clause_id: int, person_id: int) -> MatrixCell | None:
        return self.cells.get((clause_id, person_id))


def _figures(
    members: list[ClauseInfo],
    statuses: Mapping[int, ClauseStatus],
    people: Mapping[int, PersonInfo],
    settings: Settings,
) -> Figures:
    counts = {ORPHANED: 0, AT_RISK: 0, SINGLE: 0, COVERED: 0}
    for clause in members:
        counts[statuses[clause.id].status] += 1
    return Figures(
        coverage(members, statuses),
        truck_factor(members, statuses, people, settings),
        counts[ORPHANED], counts[AT_RISK], counts[SINGLE], counts[COVERED],
    )


def _matrix(
    session: Session, as_of: date, title: str, contracts: list[ContractRow]
) -> KnowledgeMatrix:
    settings = load_settings(session)
    people = load_people(session)
    contracts = sorted(contracts, key=lambda c: c.reference)
    ids = [c.id for c in contracts]
    by_id = {c.id: c for c in contracts}
    clauses = [ClauseInfo(*row) for row in load_clauses(session, ids)]
    clauses.sort(key=lambda c: (by_id[c.contract_id].reference, natural_key(c.number)))
    links = load_link_infos(session, ids)
    statuses = clause_statuses(clauses, links, people, settings, as_of)
    scoped = {c.id for c in in_scope(contracts, as_of)}
    members: dict[int, list[ClauseInfo]] = {c.id: [] for c in contracts}
    for clause in clauses:
        members[clause.contract_id].append(clause)
    matrix_contracts = [
        MatrixContract(
            c.id, c.reference, c.title, c.vendor, c.id in scoped,
            _figures(members[c.id], statuses, people, settings),
        )
        for c in contracts
    ]
    window_end = as_of + timedelta(days=settings.leaving_window_days)
    cells: dict[tuple[int, int], MatrixCell] = {}
    for link in links:
        person = people[link.person_id]
        if not is_active(person, as_of):
            state = LEFT
        elif link.level < settings.understanding_level:
            state = BELOW
        elif not is_fresh(link.verified_on, as_of, settings):
            state = STALE_LINK
        else:
            state = CURRENT
        cells[(link.clause_id, link.person_id)] = MatrixCell(link.level, link.verified_on, state)
    linked = {pid for _, pid in cells}
    shown_people = []
    for pid in sorted(linked, key=lambda pid: (people[pid].name, people[pid].key)):
        person = people[pid]
        active = is_active(person, as_of)
        soon = active and person.leaves_on is not None and person.leaves_on <= window_end
        shown_people.append(
            MatrixPerson(pid, person.key, person.name, person.email, person.leaves_on, active,
                         soon)
        )
    rows = []
    for clause in clauses:
        status = statuses[clause.id]
        owners = tuple(sorted(people[pid].name for pid in status.owners))
        rows.append(
            MatrixClause(
                clause.id, by_id[clause.contract_id].reference, clause.number, clause.title,
                clause.criticality, status.status, status.reason, owners,
            )
        )
    figures = _figures(clauses, statuses, people, settings)
    return KnowledgeMatrix(
        as_of, title, settings, matrix_contracts, figures, rows, shown_people, cells
    )


def contract_matrix(session: Session, as_of: date, reference: str) -> KnowledgeMatrix:
    """The matrix of one contract, whatever its status (as `gaps --contract`)."""
    found = contract_by_reference(session, reference)
    if found is None:
        raise NotFoundError(f"contract: no contract with the reference {reference!r}")
    return _matrix(session, as_of, f"{found.reference} — {found.title}", [found])


def vendor_matrix(session: Session, as_of: date, vendor: str) -> KnowledgeMatrix:
    """The matrix of a vendor's in-scope contracts (as the knowledge report's Vendors sheet)."""
    references = list(
        session.scalars(
            select(Contract.reference).join(Vendor, Vendor.id == Contract.vendor_id)
            .where(Vendor.name == vendor)
        )
    )
    if not references:
        exists = session.scalar(select(Vendor.id).where(Vendor.name == vendor))
        if exists is None:
            raise NotFoundError(f"vendor: no vendor called {vendor!r}")
    contracts = in_scope(load_terms(session, references), as_of) if references else []
    count = len(contracts)
    return _matrix(
        session, as_of, f"{vendor} — {count} contract{'s' if count != 1 else ''} in scope",
        contracts,
    )


# --- people -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseRef:
    contract: str
    number: str
    title: str
    criticality: int
    status: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class ContractDrop:
    """An in-scope contract whose figures fall if the person leaves."""

    reference: str
    title: str
    coverage_before: Fraction | None
    coverage_after: Fraction | None
    truck_factor_before: int | None
    truck_factor_after: int | None


@dataclass(frozen=True)
class PersonTakes:
    """What a person takes with them: the simulation of their leaving alone, on D."""

    as_of: date
    name: str
    key: str
    leaves_on: date | None
    active: bool
    leaving_soon: bool
    owned_alone: list[ClauseRef]  # orphaned if they leave
    at_risk: list[ClauseRef]  # they are a current owner, every current owner leaves soon
    truck_factor_drops: list[ContractDrop]
    contracts_known: int  # in-scope contracts on which they are a current owner


def takes_with_them(session: Session, as_of: date, person_key: str) -> PersonTakes:
    """The clauses a person owns alone, those at risk, the contracts whose truck factor drops."""
    person_id = find_person(session, person_key)
    sim = simulate_leave_of(session, as_of, [person_id])
    person = sim.people[person_id]
    settings, people = sim.settings, sim.people
    before = clause_statuses(sim.clauses, sim.links, people, settings, as_of)
    names = {pid: p.name for pid, p in people.items()}

    def ref(clause: ClauseInfo) -> ClauseRef:
        status = before[clause.id]
        return ClauseRef(
            sim.contracts[clause.contract_id].reference, clause.number, clause.title,
            clause.criticality, status.status,
            tuple(sorted(names[pid] for pid in status.owners)),
        )

    alone = [ref(c) for c in sorted(sim.result.newly_orphaned, key=sim.clause_order)]
    at_risk = [
        ref(c)
        for c in sorted(sim.clauses, key=sim.clause_order)
        if before[c.id].status == AT_RISK and person_id in before[c.id].owners
    ]
    drops = [
        ContractDrop(
            sim.contracts[i.contract_id].reference, sim.contracts[i.contract_id].title,
            i.coverage_before, i.coverage_after, i.truck_factor_before, i.truck_factor_after,
        )
        for i in sorted(sim.result.contracts, key=lambda i: sim.contracts[i.contract_id].reference)
        if (i.truck_factor_after or 0) < (i.truck_factor_before or 0)
    ]
    window_end = as_of + timedelta(days=settings.leaving_window_days)
    active = is_active(person, as_of)
    soon = active and person.leaves_on is not None and person.leaves_on <= window_end
    return PersonTakes(
        as_of, person.name, person.key, person.leaves_on, active, soon, alone, at_risk, drops,
        len(sim.result.contracts),
    )


def people_choices(session: Session) -> list[PersonInfo]:
    """Everyone, by name then key (for pickers)."""
    return sorted(load_people(session).values(), key=lambda p: (p.name.casefold(), p.key))


def people_leaving_within(session: Session, as_of: date, days: int) -> list[PersonInfo]:
    """The people active on D whose last working day is within the next `days` days."""
    if days < 0:
        raise ValidationError(f"days: must be 0 or more (got {days})")
    end = as_of + timedelta(days=days)
    return [
        p for p in people_choices(session)
        if is_active(p, as_of) and p.leaves_on is not None and p.leaves_on <= end
    ]
