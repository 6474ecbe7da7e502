"""Knowledge gaps and the off-boarding simulation (SPEC §3, §6) for the CLI, GUI and reports."""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from app.core.knowledge import (
    AT_RISK,
    COVERED,
    ORPHANED,
    SINGLE,
    ClauseInfo,
    OwnedWeight,
    PersonInfo,
    StatusRow,
    coverage_of,
    simulate_leave,
    status_rows,
    tie_order,
    truck_factor_of,
)
from app.core.natural import natural_key
from app.core.settings import Settings
from app.errors import ClausekeeperError, NotFoundError
from app.store.knowledge_queries import (
    ClauseRow,
    contract_by_reference,
    contracts_known_by,
    critical_links,
    in_scope,
    load_clauses,
    load_link_infos,
    load_links,
    load_people,
    scoped_contracts,
)
from app.store.portfolio_actions import find_person
from app.store.settings import load_settings
from app.store.terms_queries import ContractRow, load_terms

CRITICAL = 4  # criticality from which an orphaned clause escalates a renewal (SPEC §2)


@dataclass(frozen=True)
class Figures:
    """Coverage, truck factor and clause counts by status of a set of clauses."""

    coverage: Fraction | None
    truck_factor: int | None
    orphaned: int
    at_risk: int
    single: int
    covered: int

    @property
    def clauses(self) -> int:
        return self.orphaned + self.at_risk + self.single + self.covered


@dataclass(frozen=True)
class ContractGaps:
    """One in-scope contract's knowledge figures."""

    contract_id: int
    reference: str
    title: str
    vendor: str
    figures: Figures


@dataclass(frozen=True)
class VendorGaps:
    """A vendor's figures over the union of its in-scope contracts' clauses."""

    vendor: str
    contracts: int
    figures: Figures


class ClauseGap(NamedTuple):
    """One clause's status on D; owners are the current owners' names, sorted."""

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


@dataclass(frozen=True)
class GapsResult:
    """Knowledge status on D: the figures of all reported clauses, by contract and by vendor."""

    as_of: date
    settings: Settings
    figures: Figures
    contracts: list[ContractGaps]
    vendors: list[VendorGaps]
    clauses: list[ClauseGap]

    @property
    def coverage(self) -> Fraction | None:
        return self.figures.coverage

    @property
    def truck_factor(self) -> int | None:
        return self.figures.truck_factor


def ratio_json(value: Fraction | None) -> float | None:
    """A ratio for JSON: rounded half-up to 4 places (exactly, from the fraction); None stays."""
    if value is None:
        return None
    scaled = (value.numerator * 20000 + value.denominator) // (2 * value.denominator)
    return scaled / 10000


@dataclass
class _Assessment:
    """The statuses of the reported clauses, grouped by contract in report order."""

    as_of: date
    settings: Settings
    people: dict[int, PersonInfo]
    contracts: list[ContractRow]  # by reference
    clauses: dict[int, list[ClauseRow]]  # by contract id, in natural clause order
    statuses: dict[int, StatusRow]  # by clause id
    order: dict[int, int]  # tie_order(people)


def _assess(session: Session, as_of: date, contract_ref: str | None) -> _Assessment:
    settings = load_settings(session)
    if contract_ref is None:
        contracts = scoped_contracts(session, as_of)
        clause_rows = load_clauses(session)
        links = load_links(session, settings, as_of)
    else:
        found = contract_by_reference(session, contract_ref)
        if found is None:
            raise NotFoundError(f"contract: no contract with the reference {contract_ref!r}")
        contracts = [found]
        clause_rows = load_clauses(session, [found.id])
        links = load_links(session, settings, as_of, [found.id])
    people = load_people(session)
    contracts.sort(key=lambda c: c.reference)
    grouped: dict[int, list[ClauseRow]] = {c.id: [] for c in contracts}
    wanted: set[int] = set()
    for row in clause_rows:
        members = grouped.get(row[1])
        if members is not None:
            members.append(row)
            wanted.add(row[0])
    for members in grouped.values():
        members.sort(key=lambda row: natural_key(row[2]))
    statuses = status_rows(wanted, links, people, settings, as_of)
    order = tie_order(people.values())
    return _Assessment(as_of, settings, people, contracts, grouped, statuses, order)


def _figures(
    clause_ids: Iterable[int], assessment: _Assessment, weighted: list[OwnedWeight]
) -> Figures:
    counts = {ORPHANED: 0, AT_RISK: 0, SINGLE: 0, COVERED: 0}
    statuses = assessment.statuses
    for clause_id in clause_ids:
        counts[statuses[clause_id][0]] += 1
    return Figures(
        coverage_of(weighted),
        truck_factor_of(weighted, assessment.people, assessment.settings, assessment.order),
        counts[ORPHANED],
        counts[AT_RISK],
        counts[SINGLE],
        counts[COVERED],
    )


def _contract_figures(assessment: _Assessment) -> tuple[list[ContractGaps], Figures]:
    """Figures of every reported contract, and of all their clauses together."""
    statuses = assessment.statuses
    everything: list[OwnedWeight] = []
    per_contract: list[ContractGaps] = []
    for contract in assessment.contracts:
        members = assessment.clauses[contract.id]
        weighted = [(statuses[row[0]][2], row[4]) for row in members]
        everything.extend(weighted)
        figures = _figures((row[0] for row in members), assessment, weighted)
        per_contract.append(
            ContractGaps(contract.id, contract.reference, contract.title, contract.vendor, figures)
        )
    return per_contract, _figures(statuses, assessment, everything)


def _vendor_figures(assessment: _Assessment) -> list[VendorGaps]:
    """Figures of each vendor over the union of its reported contracts' clauses, by name."""
    by_vendor: dict[str, list[ContractRow]] = {}
    for contract in assessment.contracts:
        by_vendor.setdefault(contract.vendor, []).append(contract)
    result: list[VendorGaps] = []
    for vendor, contracts in sorted(by_vendor.items()):
        members = [row for c in contracts for row in assessment.clauses[c.id]]
        weighted = [(assessment.statuses[row[0]][2], row[4]) for row in members]
        figures = _figures((row[0] for row in members), assessment, weighted)
        result.append(VendorGaps(vendor, len(contracts), figures))
    return result


def _names(owners: tuple[int, ...], names: dict[int, str]) -> tuple[str, ...]:
    """The owners' names, sorted (special cases first: most clauses have one or two owners)."""
    count = len(owners)
    if count == 1:
        return (names[owners[0]],)
    if count == 2:
        first, second = names[owners[0]], names[owners[1]]
        return (first, second) if first <= second else (second, first)
    return tuple(sorted([names[pid] for pid in owners]))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building hundreds of thousands of rows.

    The rows hold no reference cycles, but their sheer number makes the collector walk the
    whole heap again and again (it doubled the time of a portfolio-wide `gaps`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def gaps(session: Session, as_of: date, contract_ref: str | None = None) -> GapsResult:
    """Knowledge status of every in-scope clause (or of one contract, whatever its status)."""
    with _collector_paused():
        return _gaps(session, as_of, contract_ref)


def _gaps(session: Session, as_of: date, contract_ref: str | None) -> GapsResult:
    assessment = _assess(session, as_of, contract_ref)
    contracts, figures = _contract_figures(assessment)
    names = {pid: person.name for pid, person in assessment.people.items()}
    statuses = assessment.statuses
    clauses: list[ClauseGap] = []
    for contract in assessment.contracts:
        reference, vendor = contract.reference, contract.vendor
        for clause_id, contract_id, number, title, criticality in assessment.clauses[contract.id]:
            status, reason, owners = statuses[clause_id]
            clauses.append(
                ClauseGap(
                    clause_id,
                    contract_id,
                    reference,
                    vendor,
                    number,
                    title,
                    criticality,
                    status,
                    reason,
                    _names(owners, names),
                )
            )
    return GapsResult(
        as_of, assessment.settings, figures, contracts, _vendor_figures(assessment), clauses
    )


def gaps_json(session: Session, as_of: date, contract_ref: str | None = None) -> dict[str, Any]:
    """`clausekeeper gaps --json` (SPEC §6): the reported clauses and their figures.

    The top-level figures are those of all reported clauses: the in-scope portfolio, or the
    named contract with contract_ref.
    """
    with _collector_paused():
        return _gaps_json(session, as_of, contract_ref)


def _gaps_json(session: Session, as_of: date, contract_ref: str | None) -> dict[str, Any]:
    assessment = _assess(session, as_of, contract_ref)
    contracts, figures = _contract_figures(assessment)
    names = {pid: person.name for pid, person in assessment.people.items()}
    statuses = assessment.statuses
    clauses: list[dict[str, Any]] = []
    for contract in assessment.contracts:
        reference = contract.reference
        for clause_id, _, number, title, criticality in assessment.clauses[contract.id]:
            status, reason, owners = statuses[clause_id]
            clauses.append(
                {
                    "contract": reference,
                    "number": number,
                    "title": title,
                    "criticality": criticality,
                    "status": status,
                    "reason": reason,
                    "owners": list(_names(owners, names)),
                }
            )
    return {
        "as_of": as_of.isoformat(),
        "coverage": ratio_json(figures.coverage),
        "truck_factor": figures.truck_factor,
        "contracts": [
            {
                "reference": c.reference,
                "vendor": c.vendor,
                "coverage": ratio_json(c.figures.coverage),
                "truck_factor": c.figures.truck_factor,
                "orphaned": c.figures.orphaned,
                "at_risk": c.figures.at_risk,
                "single": c.figures.single,
                "covered": c.figures.covered,
            }
            for c in contracts
        ],
        "clauses": clauses,
    }


def simulate_leave_json(session: Session, as_of: date, person_keys: list[str]) -> dict[str, Any]:
    """`clausekeeper simulate-leave PERSON… --json` (SPEC §3, §6)."""
    ids: list[int] = []
    problems: list[str] = []
    for key in person_keys:
        try:
            pid = find_person(session, key)
        except ClausekeeperError as error:
            problems.extend(error.lines())
            continue
        if pid not in ids:  # the same person named twice (by e-mail and by name)
            ids.append(pid)
    if problems:
        raise NotFoundError(problems[0], problems)
    leaving = frozenset(ids)

    settings = load_settings(session)
    people = load_people(session)
    candidates = contracts_known_by(session, settings, leaving)
    contracts = {
        c.id: c for c in in_scope((c for c in load_terms(session) if c.id in candidates), as_of)
    }
    clauses = [ClauseInfo(*row) for row in load_clauses(session, contracts)]
    links = load_link_infos(session, contracts)
    result = simulate_leave(clauses, links, people, settings, as_of, leaving)

    def clause_order(clause: ClauseInfo) -> tuple[str, Any]:
        return contracts[clause.contract_id].reference, natural_key(clause.number)

    return {
        "as_of": as_of.isoformat(),
        "people": [{"name": people[pid].name, "email": people[pid].email} for pid in ids],
        "newly_orphaned": [
            {
                "contract": contracts[c.contract_id].reference,
                "number": c.number,
                "title": c.title,
                "criticality": c.criticality,
            }
            for c in sorted(result.newly_orphaned, key=clause_order)
        ],
        "contracts": [
            {
                "reference": contracts[i.contract_id].reference,
                "coverage_before": ratio_json(i.coverage_before),
                "coverage_after": ratio_json(i.coverage_after),
                "truck_factor_before": i.truck_factor_before,
                "truck_factor_after": i.truck_factor_after,
            }
            for i in sorted(result.contracts, key=lambda i: contracts[i.contract_id].reference)
        ],
    }


def critical_orphan_contracts(
    session: Session, as_of: date, contract_ids: Collection[int] | None = None
) -> set[int]:
    """Ids of the contracts with an orphaned clause of criticality ≥ 4 on D (for escalation).

    Looks at every contract, or only at the given ones (much faster: escalation only matters for
    contracts whose deadline is 0 to 90 days away).
    """
    settings = load_settings(session)
    people = load_people(session)
    clauses, links = critical_links(session, settings, as_of, CRITICAL, contract_ids)
    statuses = status_rows({cid for cid, _ in clauses}, links, people, settings, as_of)
    return {contract_id for cid, contract_id in clauses if not statuses[cid][2]}
