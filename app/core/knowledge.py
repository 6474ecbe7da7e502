"""Knowledge gaps (SPEC §3): clause status, coverage, truck factor, off-boarding simulation.

Everything here works on plain data. Ratios are exact (fractions.Fraction) and weights are the
clauses' integer criticalities, so threshold comparisons are exact too.

The functions on dataclasses (clause_statuses, coverage, truck_factor, simulate_leave) state the
rules; status_rows, coverage_of and truck_factor_of are the same rules on bare tuples, for the
portfolio-wide figures (200,000 clauses) where building an object per row would cost more than
the computation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from operator import itemgetter

from dateutil.relativedelta import relativedelta

from app.core.natural import natural_key
from app.core.settings import Settings

ORPHANED = "orphaned"
AT_RISK = "at_risk"
SINGLE = "single"
COVERED = "covered"
STATUSES = (ORPHANED, AT_RISK, SINGLE, COVERED)

NEVER_OWNED = "never_owned"
OWNERS_LEFT = "owners_left"
STALE = "stale"
REASONS = (NEVER_OWNED, OWNERS_LEFT, STALE)

CRITICAL = 4
"""Criticality from which an orphaned clause is "orphaned critical" and escalates a renewal."""

NO_ONE: frozenset[int] = frozenset()

OwnedWeight = tuple[tuple[int, ...], int]  # a clause as (current owners' ids, criticality)
StatusRow = tuple[str, str | None, tuple[int, ...]]  # status, reason, current owners' ids


@dataclass(frozen=True)
class PersonInfo:
    """An in-house person; leaves_on is the last working day (None: not leaving)."""

    id: int
    name: str
    key: str
    email: str | None
    leaves_on: date | None


@dataclass(frozen=True)
class ClauseInfo:
    """A clause of a contract, weighted by its criticality (1-5)."""

    id: int
    contract_id: int
    number: str
    title: str
    criticality: int


@dataclass(frozen=True)
class LinkInfo:
    """A person's knowledge of a clause."""

    person_id: int
    clause_id: int
    level: int
    verified_on: date


@dataclass(frozen=True)
class ClauseStatus:
    """Status of a clause on D; reason only when orphaned; owners = current owners' ids."""

    clause_id: int
    status: str
    reason: str | None
    owners: tuple[int, ...]


@dataclass(frozen=True)
class ContractImpact:
    """Coverage and truck factor of one contract before and after people leave."""

    contract_id: int
    coverage_before: Fraction | None
    coverage_after: Fraction | None
    truck_factor_before: int | None
    truck_factor_after: int | None


@dataclass(frozen=True)
class Simulation:
    """Result of an off-boarding simulation."""

    newly_orphaned: list[ClauseInfo] = field(default_factory=list)
    contracts: list[ContractImpact] = field(default_factory=list)


def is_active(person: PersonInfo, as_of: date, left: Collection[int] = NO_ONE) -> bool:
    """Active on D: not in `left`, and leaves_on empty or on/after D (the last working day)."""
    if person.id in left:
        return False
    return person.leaves_on is None or person.leaves_on >= as_of


def is_fresh(verified_on: date, as_of: date, settings: Settings) -> bool:
    """The staleness test of a link: verified_on + stale_after_months ≥ D."""
    return verified_on + relativedelta(months=settings.stale_after_months) >= as_of


def fresh_since(as_of: date, settings: Settings) -> date:
    """The earliest verified_on that passes the staleness test on D.

    v ↦ v + stale_after_months never decreases, so the fresh dates are exactly those on or
    after this one; month ends clamp (with 1 month, D = 03-31 gives 03-01, not 02-28).
    """
    day = as_of - relativedelta(months=settings.stale_after_months)
    while not is_fresh(day, as_of, settings):
        day += timedelta(days=1)
    return day


def clause_statuses(
    clauses: Iterable[ClauseInfo],
    links: Iterable[LinkInfo],
    people: Mapping[int, PersonInfo],
    settings: Settings,
    as_of: date,
    left: Collection[int] = NO_ONE,
) -> dict[int, ClauseStatus]:
    """Status of each clause on D, by clause id; `left` are people treated as inactive on D.

    Links to clauses not in `clauses` are ignored; a link whose person is unknown counts as a
    link of someone who has left.
    """
    since = fresh_since(as_of, settings)
    understanding = settings.understanding_level
    rows = status_rows(
        (c.id for c in clauses),
        (
            (k.person_id, k.clause_id, k.verified_on >= since)
            for k in links
            if k.level >= understanding
        ),
        people,
        settings,
        as_of,
        left,
    )
    return {cid: ClauseStatus(cid, *row) for cid, row in rows.items()}


def status_rows(
    clause_ids: Iterable[int],
    qualified_links: Iterable[tuple[int, int, object]],
    people: Mapping[int, PersonInfo],
    settings: Settings,
    as_of: date,
    left: Collection[int] = NO_ONE,
) -> dict[int, StatusRow]:
    """clause_statuses on bare rows, for bulk loading: (status, reason, owners) by clause id.

    qualified_links are the links of level ≥ understanding_level only, as (person_id, clause_id,
    fresh) where fresh is true when verified_on ≥ fresh_since(as_of, settings) (the staleness
    test; a database can evaluate it while loading).
    """
    window_end = as_of + timedelta(days=settings.leaving_window_days)
    active = frozenset(pid for pid, p in people.items() if is_active(p, as_of, left))
    leaving_soon = frozenset(
        pid for pid in active if (day := people[pid].leaves_on) is not None and day <= window_end
    )
    wanted = clause_ids if isinstance(clause_ids, set | frozenset) else set(clause_ids)
    links = qualified_links if isinstance(qualified_links, list) else list(qualified_links)
    # links of other clauses change nothing below: only the wanted clauses get a row
    qualified = set(map(itemgetter(1), links))  # clauses with a link of level >= understanding
    # a clause's current owners: one person id, or a list from the second on (most have one)
    owners: dict[int, int | list[int]] = {}
    owners_of = owners.get
    stale: set[int] = set()  # clauses with such a link of an active person, not fresh
    for person_id, clause_id, fresh in links:
        if person_id in active:
            if fresh:
                found = owners_of(clause_id)
                if found is None:
                    owners[clause_id] = person_id
                elif isinstance(found, int):
                    owners[clause_id] = [found, person_id]
                else:
                    found.append(person_id)
            else:
                stale.add(clause_id)

    never_owned: StatusRow = (ORPHANED, NEVER_OWNED, ())
    owners_left: StatusRow = (ORPHANED, OWNERS_LEFT, ())
    gone_stale: StatusRow = (ORPHANED, STALE, ())
    sole: dict[int, StatusRow] = {}  # the row of the clauses with this one owner (immutable)
    result: dict[int, StatusRow] = {}
    for clause_id in wanted:
        found = owners_of(clause_id)
        if found is None:
            if clause_id not in qualified:
                result[clause_id] = never_owned
            elif clause_id in stale:
                result[clause_id] = gone_stale
            else:
                result[clause_id] = owners_left
        elif isinstance(found, int):
            row = sole.get(found)
            if row is None:
                row = sole[found] = (AT_RISK if found in leaving_soon else SINGLE, None, (found,))
            result[clause_id] = row
        else:
            found.sort()
            at_risk = found[0] in leaving_soon and all(pid in leaving_soon for pid in found)
            result[clause_id] = (AT_RISK if at_risk else COVERED, None, tuple(found))
    return result


def coverage(
    clauses: Iterable[ClauseInfo], statuses: Mapping[int, ClauseStatus]
) -> Fraction | None:
    """Σ criticality of non-orphaned clauses / Σ criticality; None for no clauses."""
    return coverage_of(owned_weights(clauses, statuses))


def owned_weights(
    clauses: Iterable[ClauseInfo], statuses: Mapping[int, ClauseStatus]
) -> list[OwnedWeight]:
    """Each clause as (its current owners, its criticality): what coverage and truck factor need."""
    return [(statuses[c.id].owners, c.criticality) for c in clauses]


def coverage_of(clauses: Iterable[OwnedWeight]) -> Fraction | None:
    """coverage of clauses given as (current owners, criticality)."""
    total = covered = 0
    for owners, weight in clauses:
        total += weight
        if owners:
            covered += weight
    if total == 0:
        return None
    return Fraction(covered, total)


def truck_factor(
    clauses: Iterable[ClauseInfo],
    statuses: Mapping[int, ClauseStatus],
    people: Mapping[int, PersonInfo],
    settings: Settings,
) -> int | None:
    """Truck factor of a set of clauses (SPEC §3, after Avelino et al. 2016); None if empty."""
    return truck_factor_of(owned_weights(clauses, statuses), people, settings)


def tie_order(people: Iterable[PersonInfo]) -> dict[int, int]:
    """Each person's place among equal weights in the truck factor: by name, then key."""
    ranked = sorted(people, key=lambda p: (p.name, p.key))
    return {person.id: place for place, person in enumerate(ranked)}


def truck_factor_of(
    clauses: Iterable[OwnedWeight],
    people: Mapping[int, PersonInfo],
    settings: Settings,
    order: Mapping[int, int] | None = None,
) -> int | None:
    """truck_factor of clauses given as (current owners, criticality).

    `order` is tie_order(people), worth computing once when many sets share the people.

    The greedy removal never changes the weight of the people still in the running: removing a
    person orphans only clauses whose every other current owner is already gone, and a clause
    that still has an owner in the running is not orphaned. So the removal order is fixed from
    the start (one sort by weight, name, key), and each clause is orphaned at the step that
    removes the last of its owners in that order.
    """
    owned: list[OwnedWeight] = []
    total = orphaned = count = 0
    for owners, weight in clauses:
        count += 1
        total += weight
        if owners:
            owned.append((owners, weight))
        else:
            orphaned += weight
    if count == 0:
        return None
    if order is None:
        num, den = _threshold(settings.truck_threshold)
        if orphaned * den > num * total:
            return 0  # as truck_factor_tallied would, without needing the owners' names
        owners_seen = dict.fromkeys(pid for owners, _ in owned for pid in owners)
        order = tie_order(people[pid] for pid in owners_seen)
    return truck_factor_tallied(owned, total, orphaned, settings, order)


def truck_factor_tallied(
    owned: Collection[OwnedWeight],
    total: int,
    orphaned: int,
    settings: Settings,
    order: Mapping[int, int],
) -> int:
    """truck_factor_of a non-empty set of clauses already tallied, for callers with their own pass.

    owned are the clauses with current owners as (owners, criticality), or (owners, Σ
    criticality) with each owners tuple once; total is the set's Σ criticality and orphaned
    that of its clauses without owners; order is tie_order of (at least) the owners.
    """
    num, den = _threshold(settings.truck_threshold)
    limit = num * total
    if orphaned * den > limit:
        return 0
    if len(owned) == 1:
        # one set of owners: its clauses are orphaned with the last of them, whether or not
        # that crosses the threshold (then nobody is left to remove)
        return len(next(iter(owned))[0])
    weight_of: dict[int, int] = {}
    weight_get = weight_of.get
    for owners, weight in owned:
        for pid in owners:
            weight_of[pid] = weight_get(pid, 0) + weight
    ranked = sorted([(-weight, order[pid], pid) for pid, weight in weight_of.items()])
    rank = {entry[2]: index for index, entry in enumerate(ranked)}
    orphaned_at = [0] * len(rank)  # weight orphaned by removing the person of that rank
    for owners, weight in owned:
        last = rank[owners[0]] if len(owners) == 1 else max(map(rank.__getitem__, owners))
        orphaned_at[last] += weight
    for removed, gained in enumerate(orphaned_at, start=1):
        orphaned += gained
        if orphaned * den > limit:
            return removed
    return len(rank)


@lru_cache(maxsize=16)
def _threshold(value: Decimal) -> tuple[int, int]:
    exact = Fraction(value)
    return exact.numerator, exact.denominator


def simulate_leave(
    clauses: Iterable[ClauseInfo],
    links: Iterable[LinkInfo],
    people: Mapping[int, PersonInfo],
    settings: Settings,
    as_of: date,
    leaving: frozenset[int],
) -> Simulation:
    """Off-boarding simulation: `leaving` treated as inactive on D (SPEC §3).

    newly_orphaned is sorted by contract id then natural clause number; contracts are those on
    which one of `leaving` is a current owner on D, by contract id.
    """
    clause_list = list(clauses)
    link_list = list(links)
    before = clause_statuses(clause_list, link_list, people, settings, as_of)
    touched = {
        c.contract_id for c in clause_list if any(pid in leaving for pid in before[c.id].owners)
    }
    affected = [c for c in clause_list if c.contract_id in touched]
    after = clause_statuses(affected, link_list, people, settings, as_of, leaving)
    newly = [c for c in affected if after[c.id].owners == () and before[c.id].owners != ()]
    newly.sort(key=lambda c: (c.contract_id, natural_key(c.number)))
    by_contract: dict[int, list[ClauseInfo]] = {}
    for clause in affected:
        by_contract.setdefault(clause.contract_id, []).append(clause)
    impacts = [
        ContractImpact(
            contract_id,
            coverage(members, before),
            coverage(members, after),
            truck_factor(members, before, people, settings),
            truck_factor(members, after, people, settings),
        )
        for contract_id, members in sorted(by_contract.items())
    ]
    return Simulation(newly, impacts)
