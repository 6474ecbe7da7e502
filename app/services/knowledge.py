"""Knowledge gaps and the off-boarding simulation (SPEC §3, §6) for the CLI, GUI and reports."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from app.core.knowledge import (
    AT_RISK,
    COVERED,
    CRITICAL,
    ORPHANED,
    SINGLE,
    ClauseInfo,
    LinkInfo,
    OwnedWeight,
    PersonInfo,
    Simulation,
    StatusRow,
    coverage_of,
    simulate_leave,
    status_rows,
    tie_order,
    truck_factor_of,
    truck_factor_tallied,
)
from app.core.natural import natural_key
from app.core.settings import Settings
from app.errors import ClausekeeperError, NotFoundError
from app.services.collector import collector_paused
from app.services.json_values import ratio_json, ratio_of
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
        scope = [c.id for c in contracts]  # two thirds of the contracts: load only their rows
        clause_rows = load_clauses(session, scope)
        links = load_links(session, settings, as_of, scope)
    else:
        found = contract_by_reference(session, contract_ref)
        if found is None:
            raise NotFoundError(f"contract: no contract with the reference {contract_ref!r}")
        contracts = [found]
        clause_rows = load_clauses(session, [found.id])
        links = load_links(session, settings, as_of, [found.id])
    people = load_people(session)
    contracts.sort(key=lambda c: c.reference)
    grouped = _in_report_order(contracts, clause_rows)
    wanted = set(map(itemgetter(0), chain.from_iterable(grouped.values())))
    statuses = status_rows(wanted, links, people, settings, as_of)
    order = tie_order(people.values())
    return _Assessment(as_of, settings, people, contracts, grouped, statuses, order)


def _in_report_order(
    contracts: list[ContractRow], rows: list[ClauseRow]
) -> dict[int, list[ClauseRow]]:
    """The clauses of the contracts, by contract id, each list in natural clause order.

    Only a few dozen distinct clause numbers: each gets its rank in natural order once, and the
    lists sort on those int ranks.
    """
    grouped: dict[int, list[ClauseRow]] = {c.id: [] for c in contracts}
    members_of = grouped.get
    for contract_id, run in groupby(rows, itemgetter(1)):  # the database returns them in runs
        members = members_of(contract_id)
        if members is not None:
            members.extend(run)
    numbers = sorted(set(map(itemgetter(2), rows)), key=natural_key)
    rank = {number: index for index, number in enumerate(numbers)}.__getitem__
    for members in grouped.values():
        members.sort(key=lambda row: rank(row[2]))
    return grouped


class _Tally(NamedTuple):
    """Clause counts by status, Σ criticality (owned and all), truck factor of a set of clauses."""

    orphaned: int
    at_risk: int
    single: int
    covered: int
    owned_weight: int
    total_weight: int
    truck_factor: int | None

    def figures(self) -> Figures:
        total = self.total_weight
        cover = Fraction(self.owned_weight, total) if total else None
        return Figures(
            cover, self.truck_factor, self.orphaned, self.at_risk, self.single, self.covered
        )

    def coverage_json(self) -> float | None:
        """ratio_json of the coverage, straight from the integer weights."""
        return ratio_of(self.owned_weight, self.total_weight)


_NOTHING = _Tally(0, 0, 0, 0, 0, 0, None)  # no clauses: coverage and truck factor are null


# A contract's clauses with the same current owners share their status (orphaned for no owners;
# otherwise the owners decide it): one entry per owners tuple counts them and sums their
# criticality, [clauses, Σ criticality, status], plus what a caller keeps with it (the JSON: the
# owners' names).
_COUNT, _WEIGHT, _STATUS, _NAMES = 0, 1, 2, 3
_Groups = dict[tuple[int, ...], list[Any]]


def _tally(groups: _Groups, owned: list[OwnedWeight], assessment: _Assessment) -> _Tally:
    """The tally of one set of clauses from its groups by current owners.

    Adds the groups with owners to `owned`, as (owners, Σ criticality).
    """
    if not groups:
        return _NOTHING
    counts = {ORPHANED: 0, AT_RISK: 0, SINGLE: 0, COVERED: 0}
    total = orphaned_weight = 0
    mine: list[OwnedWeight] = []
    for owners, entry in groups.items():
        counts[entry[_STATUS]] += entry[_COUNT]
        total += entry[_WEIGHT]
        if owners:
            mine.append((owners, entry[_WEIGHT]))
        else:
            orphaned_weight = entry[_WEIGHT]
    owned.extend(mine)
    truck = truck_factor_tallied(
        mine, total, orphaned_weight, assessment.settings, assessment.order
    )
    return _Tally(
        counts[ORPHANED],
        counts[AT_RISK],
        counts[SINGLE],
        counts[COVERED],
        total - orphaned_weight,
        total,
        truck,
    )


def _whole(tallies: list[_Tally], owned: list[OwnedWeight], assessment: _Assessment) -> _Tally:
    """The tally of the union of the sets of clauses, given theirs and their owned weights."""
    if not tallies:
        return _NOTHING
    columns = list(zip(*tallies, strict=True))
    orphaned, at_risk, single, covered, owned_weight, total = (sum(c) for c in columns[:6])
    if not total:
        return _NOTHING
    truck = truck_factor_tallied(
        owned, total, total - owned_weight, assessment.settings, assessment.order
    )
    return _Tally(orphaned, at_risk, single, covered, owned_weight, total, truck)


def _tallies(assessment: _Assessment) -> tuple[list[_Tally], _Tally]:
    """The tally of every reported contract (in report order), and of all their clauses.

    One pass over the clauses groups them by owners tuple (a contract has a few owners, shared
    by many clauses): coverage and truck factor (SPEC §3) need no more, per contract and,
    joining those groups, for the whole.
    """
    statuses = assessment.statuses
    grouped = assessment.clauses
    tallies: list[_Tally] = []
    every_owned: list[OwnedWeight] = []
    for contract in assessment.contracts:
        groups: _Groups = {}
        group_of = groups.get
        for row in grouped[contract.id]:
            status, _, owners = statuses[row[0]]
            entry = group_of(owners)
            if entry is None:
                entry = groups[owners] = [0, 0, status]
            entry[_COUNT] += 1
            entry[_WEIGHT] += row[4]
        tallies.append(_tally(groups, every_owned, assessment))
    return tallies, _whole(tallies, every_owned, assessment)


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
    tallies, everything = _tallies(assessment)
    per_contract = [
        ContractGaps(c.id, c.reference, c.title, c.vendor, tally.figures())
        for c, tally in zip(assessment.contracts, tallies, strict=True)
    ]
    return per_contract, everything.figures()


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


def gaps(
    session: Session, as_of: date, contract_ref: str | None = None, *, vendors: bool = True
) -> GapsResult:
    """Knowledge status of every in-scope clause (or of one contract, whatever its status).

    With vendors=False the vendors' figures are left out (an empty list), for callers that do
    not show them.
    """
    with collector_paused():
        return _gaps(session, as_of, contract_ref, vendors)


def _gaps(
    session: Session, as_of: date, contract_ref: str | None, vendors: bool = True
) -> GapsResult:
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
    by_vendor = _vendor_figures(assessment) if vendors else []
    return GapsResult(as_of, assessment.settings, figures, contracts, by_vendor, clauses)


def gaps_json(session: Session, as_of: date, contract_ref: str | None = None) -> dict[str, Any]:
    """`clausekeeper gaps --json` (SPEC §6): the reported clauses and their figures.

    The top-level figures are those of all reported clauses: the in-scope portfolio, or the
    named contract with contract_ref.
    """
    with collector_paused():
        return _gaps_json(session, as_of, contract_ref)


def _gaps_json(session: Session, as_of: date, contract_ref: str | None) -> dict[str, Any]:
    assessment = _assess(session, as_of, contract_ref)
    names = {pid: person.name for pid, person in assessment.people.items()}
    statuses = assessment.statuses
    grouped = assessment.clauses
    clauses: list[dict[str, Any]] = []
    append = clauses.append
    tallies: list[_Tally] = []
    every_owned: list[OwnedWeight] = []
    # the owners' names by owners tuple: a contract's clauses share a few (one list each, as
    # the JSON only reads them), kept in the contract's groups as their fourth item
    named: dict[tuple[int, ...], list[str]] = {(): []}
    named_get = named.get
    for contract in assessment.contracts:
        reference = contract.reference
        groups: _Groups = {}
        group_of = groups.get
        for clause_id, _, number, title, criticality in grouped[contract.id]:
            status, reason, owners = statuses[clause_id]
            entry = group_of(owners)
            if entry is None:
                owner_names = named_get(owners)
                if owner_names is None:
                    owner_names = named[owners] = list(_names(owners, names))
                entry = groups[owners] = [0, 0, status, owner_names]
            entry[_COUNT] += 1
            entry[_WEIGHT] += criticality
            append(
                {
                    "contract": reference,
                    "number": number,
                    "title": title,
                    "criticality": criticality,
                    "status": status,
                    "reason": reason,
                    "owners": entry[_NAMES],
                }
            )
        tallies.append(_tally(groups, every_owned, assessment))
    everything = _whole(tallies, every_owned, assessment)
    return {
        "as_of": as_of.isoformat(),
        "coverage": everything.coverage_json(),
        "truck_factor": everything.truck_factor,
        "contracts": [
            {
                "reference": c.reference,
                "vendor": c.vendor,
                "coverage": tally.coverage_json(),
                "truck_factor": tally.truck_factor,
                "orphaned": tally.orphaned,
                "at_risk": tally.at_risk,
                "single": tally.single,
                "covered": tally.covered,
            }
            for c, tally in zip(assessment.contracts, tallies, strict=True)
        ],
        "clauses": clauses,
    }


def person_ids(session: Session, person_keys: list[str]) -> list[int]:
    """The ids of the people named by their keys (§1), each once, in the order given.

    Every unknown key is reported (NotFoundError with one line per key).
    """
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
    return ids


@dataclass(frozen=True)
class LeaveSimulation:
    """An off-boarding simulation (SPEC §3) with what is needed to name its rows."""

    as_of: date
    person_ids: list[int]
    settings: Settings
    people: dict[int, PersonInfo]
    contracts: dict[int, ContractRow]  # the in-scope contracts one of them knows, by id
    clauses: list[ClauseInfo]  # of those contracts
    links: list[LinkInfo]  # every link to those clauses
    result: Simulation

    def clause_order(self, clause: ClauseInfo) -> tuple[str, Any]:
        return self.contracts[clause.contract_id].reference, natural_key(clause.number)


def simulate_leave_of(session: Session, as_of: date, ids: list[int]) -> LeaveSimulation:
    """The off-boarding simulation of these people (by id) on D."""
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
    return LeaveSimulation(
        as_of, list(ids), settings, people, contracts, clauses, links, result
    )


def simulate_leave_json(session: Session, as_of: date, person_keys: list[str]) -> dict[str, Any]:
    """`clausekeeper simulate-leave PERSON… --json` (SPEC §3, §6)."""
    simulation = simulate_leave_of(session, as_of, person_ids(session, person_keys))
    people, contracts, result = simulation.people, simulation.contracts, simulation.result
    return {
        "as_of": as_of.isoformat(),
        "people": [
            {"name": people[pid].name, "email": people[pid].email}
            for pid in simulation.person_ids
        ],
        "newly_orphaned": [
            {
                "contract": contracts[c.contract_id].reference,
                "number": c.number,
                "title": c.title,
                "criticality": c.criticality,
            }
            for c in sorted(result.newly_orphaned, key=simulation.clause_order)
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
