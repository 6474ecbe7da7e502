"""Knowledge continuity (SPEC §3a): the forecast, successors and the succession plan.

Plain data only; the status, coverage and truck-factor rules are those of app.core.knowledge.

The forecast is not a recomputation per date. Between D and the last forecast date a clause's
status changes only on known events: an owner's last working day passes, a link goes stale, an
owner enters the leaving window, the contract leaves scope. Every one of those tests is monotone
in the date (a link current on a later date is current on every earlier one from D on), so each
link is current on a leading run of the dates, each person "leaving soon" from some date on, and
each contract in scope on a leading run. One pass over the clauses turns those runs into
segments of constant status and owners, recorded as changes at their first and past their last
date; a sweep over the dates then adds the changes up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from app.core.knowledge import (
    AT_RISK,
    COVERED,
    CRITICAL,
    ORPHANED,
    SINGLE,
    OwnedWeight,
    PersonInfo,
    StatusRow,
    fresh_since,
    is_active,
    tie_order,
    truck_factor_tallied,
)
from app.core.months import add_months, month_end
from app.core.settings import Settings
from app.core.terms import ContractTerms, evaluate

REVERIFY = "reverify"
DEEPEN = "deepen"
LEARN = "learn"
ACTIONS = (REVERIFY, DEEPEN, LEARN)
MAX_CANDIDATES = 3
LISTED = frozenset({ORPHANED, AT_RISK, SINGLE})  # the statuses that get successors
IN_SCOPE = frozenset({"not_started", "active", "terminating"})

ScopedClause = tuple[int, int, int]  # clause id, criticality, dates in scope (leading run)
ForecastLink = tuple[int, int, int]  # person id, clause id, dates fresh (leading run)
LevelLink = tuple[int, int, int, object]  # person id, clause id, level, fresh on D


# --- forecast ------------------------------------------------------------------------------


def forecast_dates(as_of: date, months: int) -> list[date]:
    """D, then the last day of each of the `months` calendar months after D's month."""
    first = as_of.replace(day=1)
    return [as_of, *(month_end(add_months(first, n)) for n in range(1, months + 1))]


def leading_run(dates: Sequence[date], holds_on: date) -> int:
    """How many of the ascending dates are on or before `holds_on` (a last day that counts)."""
    count = 0
    for day in dates:
        if day > holds_on:
            break
        count += 1
    return count


def fresh_dates(verified_on: date, dates: Sequence[date], settings: Settings) -> int:
    """On how many leading dates a link verified on that day passes the staleness test."""
    return leading_run(dates, verified_on + relativedelta(months=settings.stale_after_months))


def fresh_limits(dates: Sequence[date], settings: Settings) -> list[date]:
    """fresh_since of each date: a link is fresh on dates[i] when verified_on ≥ limits[i].

    The limits never decrease, so the dates a link is fresh on are a leading run; a database
    can count it while loading (fresh_dates is the same count on a date).
    """
    return [fresh_since(day, settings) for day in dates]


def scope_dates(terms: ContractTerms, dates: Sequence[date]) -> int:
    """On how many leading dates the contract is in scope (not_started, active, terminating).

    Out of scope on D, a contract stays out (expired and terminated are final). In scope, it
    stays in until its ends_on as computed on D, which no later date changes (or until the day
    before its start, when that is later: notice given before the start), unless notice is
    dated after D: that notice starts counting on its date, so those few contracts are evaluated
    on every date.
    """
    position = evaluate(terms, dates[0])
    if position.status not in IN_SCOPE:
        return 0
    given = terms.terminated_on
    if given is not None and given > dates[0]:
        count = 0
        for day in dates:
            if evaluate(terms, day).status not in IN_SCOPE:
                break
            count += 1
        return count
    if position.ends_on is None:
        return len(dates)
    # not_started before S whatever the notice says (notice given before S can end it earlier)
    return leading_run(dates, max(position.ends_on, terms.start_date - timedelta(days=1)))


@dataclass(frozen=True)
class ForecastPoint:
    """The portfolio's knowledge figures on one forecast date (SPEC §3a)."""

    date: date
    clauses: int
    orphaned: int
    orphaned_critical: int
    at_risk: int
    single: int
    covered: int
    coverage: Fraction | None
    truck_factor: int | None


@dataclass
class _Changes:
    """Changes of the figures at each date index (index n: past the last date, ignored)."""

    counts: dict[str, list[int]]
    critical: list[int]
    total: list[int]
    owned: list[int]
    weights: list[dict[tuple[int, ...], int]]

    @classmethod
    def empty(cls, size: int) -> _Changes:
        return cls(
            {status: [0] * (size + 1) for status in (ORPHANED, AT_RISK, SINGLE, COVERED)},
            [0] * (size + 1),
            [0] * (size + 1),
            [0] * (size + 1),
            [{} for _ in range(size + 1)],
        )

    def status(self, status: str, start: int, end: int, critical: bool) -> None:
        counts = self.counts[status]
        counts[start] += 1
        counts[end] -= 1
        if critical and status == ORPHANED:
            self.critical[start] += 1
            self.critical[end] -= 1

    def owners(self, owners: tuple[int, ...], weight: int, start: int, end: int) -> None:
        self.owned[start] += weight
        self.owned[end] -= weight
        first, last = self.weights[start], self.weights[end]
        first[owners] = first.get(owners, 0) + weight
        last[owners] = last.get(owners, 0) - weight


def forecast(
    dates: Sequence[date],
    clauses: Iterable[ScopedClause],
    links: Iterable[ForecastLink],
    people: Mapping[int, PersonInfo],
    settings: Settings,
) -> list[ForecastPoint]:
    """The figures of SPEC §3a on each of the dates (ascending, the first being D).

    clauses: every clause that is in scope on D, with the number of leading dates its contract
    is in scope on (scope_dates); links: the links of level ≥ understanding_level, with the
    number of leading dates they are fresh on (fresh_dates). A link of an unknown person counts
    as a link of someone who has left.
    """
    size = len(dates)
    window = timedelta(days=settings.leaving_window_days)
    active: dict[int, int] = {}  # person: dates active on (a leading run)
    leaving_from: dict[int, int] = {}  # person: first date index on which they leave soon
    for pid, person in people.items():
        last = person.leaves_on
        active[pid] = size if last is None else leading_run(dates, last)
        leaving_from[pid] = (
            size
            if last is None
            else next((i for i, day in enumerate(dates) if last <= day + window), size)
        )
    holders: dict[int, list[tuple[int, int]]] = {}  # clause: (person, dates current on)
    held_by = holders.get
    for pid, clause_id, fresh in links:
        current = min(fresh, active.get(pid, 0))
        if current > 0:
            entry = held_by(clause_id)
            if entry is None:
                holders[clause_id] = [(pid, current)]
            else:
                entry.append((pid, current))

    changes = _Changes.empty(size)
    for clause_id, weight, scope in clauses:
        if scope <= 0:
            continue
        scope = min(scope, size)
        changes.total[0] += weight
        changes.total[scope] -= weight
        _clause_segments(
            changes, holders.get(clause_id, ()), scope, weight, weight >= CRITICAL, leaving_from
        )
    return _sweep(dates, changes, people, settings)


def _clause_segments(
    changes: _Changes,
    held: Sequence[tuple[int, int]],
    scope: int,
    weight: int,
    critical: bool,
    leaving_from: Mapping[int, int],
) -> None:
    """Record one clause's segments of constant status and owners over its dates in scope."""
    if not held:
        changes.status(ORPHANED, 0, scope, critical)
        return
    if len(held) == 1:  # most clauses: one owner until the link ends, then orphaned
        pid, current = held[0]
        end = min(current, scope)
        risky = min(leaving_from.get(pid, 0), end)
        if risky > 0:
            changes.status(SINGLE, 0, risky, critical)
        if end > risky:
            changes.status(AT_RISK, risky, end, critical)
        if scope > end:
            changes.status(ORPHANED, end, scope, critical)
        changes.owners((pid,), weight, 0, end)
        return
    cuts = {0, scope}
    for pid, current in held:
        cuts.add(min(current, scope))
        risky = leaving_from.get(pid, 0)
        if risky < scope:
            cuts.add(risky)
    bounds = sorted(cuts)
    owners_start = 0
    previous: tuple[int, ...] | None = None
    for start, end in zip(bounds, bounds[1:], strict=False):
        owners = tuple(sorted(pid for pid, current in held if current > start))
        if not owners:
            status = ORPHANED
        elif all(leaving_from.get(pid, 0) <= start for pid in owners):
            status = AT_RISK
        else:
            status = SINGLE if len(owners) == 1 else COVERED
        changes.status(status, start, end, critical)
        if owners != previous:
            if previous:
                changes.owners(previous, weight, owners_start, start)
            previous, owners_start = owners, start
    if previous:
        changes.owners(previous, weight, owners_start, scope)


def _sweep(
    dates: Sequence[date],
    changes: _Changes,
    people: Mapping[int, PersonInfo],
    settings: Settings,
) -> list[ForecastPoint]:
    order = tie_order(people.values())
    live: dict[tuple[int, ...], int] = {}
    running = {status: 0 for status in changes.counts}
    critical = total = owned = 0
    points: list[ForecastPoint] = []
    for index, day in enumerate(dates):
        for status, counts in changes.counts.items():
            running[status] += counts[index]
        critical += changes.critical[index]
        total += changes.total[index]
        owned += changes.owned[index]
        for owners, delta in changes.weights[index].items():
            weight = live.get(owners, 0) + delta
            if weight:
                live[owners] = weight
            else:
                live.pop(owners, None)
        clauses = sum(running.values())
        truck = (
            truck_factor_tallied(live.items(), total, total - owned, settings, order)
            if clauses
            else None
        )
        points.append(
            ForecastPoint(
                day,
                clauses,
                running[ORPHANED],
                critical,
                running[AT_RISK],
                running[SINGLE],
                running[COVERED],
                Fraction(owned, total) if total else None,
                truck,
            )
        )
    return points


# --- successors and the succession plan ----------------------------------------------------


class Candidate(NamedTuple):
    """Someone who could take a clause over, and how (SPEC §3a)."""

    person_id: int
    action: str
    level: int | None  # their current level on the clause, None without a link
    load: int


class PlanLink(NamedTuple):
    """A link the succession plan gives: verified on D at this level."""

    clause_id: int
    person_id: int
    action: str
    level: int


def loads(owned: Iterable[OwnedWeight]) -> dict[int, int]:
    """Each current owner's load: Σ criticality of the clauses they currently own."""
    result: dict[int, int] = {}
    for owners, weight in owned:
        for pid in owners:
            result[pid] = result.get(pid, 0) + weight
    return result


def eligible_people(
    people: Mapping[int, PersonInfo], settings: Settings, as_of: date
) -> frozenset[int]:
    """Active on D and not leaving within the window (leaves_on empty or after D + window)."""
    window_end = as_of + timedelta(days=settings.leaving_window_days)
    return frozenset(
        pid
        for pid, person in people.items()
        if is_active(person, as_of) and (person.leaves_on is None or person.leaves_on > window_end)
    )


def successors(
    clauses: Iterable[tuple[int, int]],
    statuses: Mapping[int, StatusRow],
    links: Iterable[LevelLink],
    contract_owners: Mapping[int, Collection[int]],
    people: Mapping[int, PersonInfo],
    settings: Settings,
    as_of: date,
    load: Mapping[int, int],
) -> dict[int, tuple[Candidate, ...]]:
    """The first MAX_CANDIDATES candidates of each listed clause, by clause id.

    clauses: (clause id, contract id) of the clauses to consider (those whose status is not
    orphaned, at_risk or single are skipped); links: (person, clause, level, fresh on D), every
    level (links of other clauses are ignored); contract_owners: the current owners on D of any
    clause of each contract; load: loads() of the in-scope portfolio.
    """
    eligible = eligible_people(people, settings, as_of)
    understanding = settings.understanding_level
    listed = [(cid, kid) for cid, kid in clauses if statuses[cid][0] in LISTED]
    wanted = {cid for cid, _ in listed}
    linked: dict[int, list[tuple[int, int, object]]] = {}
    linked_to = linked.get
    for pid, clause_id, level, fresh in links:
        if clause_id in wanted and pid in eligible:
            entry = linked_to(clause_id)
            if entry is None:
                linked[clause_id] = [(pid, level, fresh)]
            else:
                entry.append((pid, level, fresh))

    ranks = {pid: (load.get(pid, 0), people[pid].name, people[pid].key) for pid in eligible}
    rank = ranks.__getitem__

    learners: dict[int, list[tuple[tuple[int, str, str], int]]] = {}  # contract: ranked owners
    # a clause nobody eligible has a link to gets the same learners as the contract's other
    # clauses with the same owners: computed once per (contract, owners)
    only_learners: dict[tuple[int, tuple[int, ...]], tuple[Candidate, ...]] = {}
    result: dict[int, tuple[Candidate, ...]] = {}
    for clause_id, contract_id in listed:
        owners = statuses[clause_id][2]
        mine = linked.get(clause_id)
        if mine is None:
            shared = only_learners.get((contract_id, owners))
            if shared is not None:
                result[clause_id] = shared
                continue
        found: list[tuple[int, tuple[int, str, str], int, int | None]] = []
        known = set(owners)
        for pid, level, fresh in mine or ():
            known.add(pid)
            if pid in owners:
                continue
            if level >= understanding:
                if not fresh:
                    found.append((0, rank(pid), pid, level))
            else:
                found.append((1, rank(pid), pid, level))
        found.sort()
        if len(found) < MAX_CANDIDATES:
            ranked = learners.get(contract_id)
            if ranked is None:
                ranked = learners[contract_id] = sorted(
                    (rank(pid), pid)
                    for pid in contract_owners.get(contract_id, ())
                    if pid in eligible
                )
            for key, pid in ranked:
                if len(found) >= MAX_CANDIDATES:
                    break
                if pid not in known:
                    found.append((2, key, pid, None))
        chosen = tuple(
            Candidate(pid, ACTIONS[action], level, key[0])
            for action, key, pid, level in found[:MAX_CANDIDATES]
        )
        result[clause_id] = chosen
        if mine is None:
            only_learners[(contract_id, owners)] = chosen
    return result


def plan(
    listed: Iterable[int], candidates: Mapping[int, Sequence[Candidate]], settings: Settings
) -> list[PlanLink]:
    """The succession plan: each listed clause's first candidate gains a current link."""
    understanding = settings.understanding_level
    links: list[PlanLink] = []
    for clause_id in listed:
        found = candidates.get(clause_id)
        if found:
            pid, action, level, _ = found[0]
            if level is None or level < understanding:
                level = understanding
            links.append(PlanLink(clause_id, pid, action, level))
    return links


def owners_after(
    statuses: Mapping[int, StatusRow], links: Iterable[PlanLink]
) -> dict[int, tuple[int, ...]]:
    """The current owners of the clauses the plan changes, once its links are written."""
    changed: dict[int, tuple[int, ...]] = {}
    for link in links:
        clause_id = link.clause_id
        before = changed.get(clause_id)
        if before is None:
            before = statuses[clause_id][2]
        if link.person_id not in before:
            changed[clause_id] = tuple(sorted((*before, link.person_id)))
    return changed


@dataclass(frozen=True)
class PlanFigures:
    """Coverage and truck factor of a set of clauses before and after the plan."""

    coverage_before: Fraction | None
    coverage_after: Fraction | None
    truck_factor_before: int | None
    truck_factor_after: int | None


OwnersWeights = dict[tuple[int, ...], int]  # Σ criticality by current owners


def weigh(
    clauses: Iterable[tuple[int, int, int]], statuses: Mapping[int, StatusRow]
) -> dict[int, OwnersWeights]:
    """Σ criticality by current owners of clauses given as (group, clause id, criticality), by
    group (a contract). That is all coverage, truck factor and loads need; the union of groups
    is the union of their items."""
    groups: dict[int, OwnersWeights] = {}
    for group, cid, weight in clauses:
        found = groups.get(group)
        if found is None:
            found = groups[group] = {}
        owned = statuses[cid][2]
        found[owned] = found.get(owned, 0) + weight
    return groups


def weigh_after(
    groups: Mapping[int, OwnersWeights],
    clauses: Iterable[tuple[int, int, int]],
    statuses: Mapping[int, StatusRow],
    changed: Mapping[int, tuple[int, ...]],
) -> dict[int, OwnersWeights]:
    """The groups of weigh() once the changes of owners_after are made: clauses are those the
    plan changes, as (group, clause id, criticality). Only the changed groups are returned."""
    after: dict[int, OwnersWeights] = {}
    for group, cid, weight in clauses:
        found = after.get(group)
        if found is None:
            found = after[group] = dict(groups[group])
        old, new = statuses[cid][2], changed[cid]
        left = found[old] - weight
        if left:
            found[old] = left
        else:
            del found[old]
        found[new] = found.get(new, 0) + weight
    return after


def plan_figures(
    before: Iterable[OwnedWeight],
    after: Iterable[OwnedWeight],
    settings: Settings,
    order: Mapping[int, int],
) -> PlanFigures:
    """Coverage and truck factor (the rules of SPEC §3 on D) of a set of clauses as weighed by
    weigh(), before and after the plan; order is tie_order of (at least) the owners."""
    coverage_before, truck_before = _figures(before, settings, order)
    coverage_after, truck_after = _figures(after, settings, order)
    return PlanFigures(coverage_before, coverage_after, truck_before, truck_after)


def _figures(
    weights: Iterable[OwnedWeight], settings: Settings, order: Mapping[int, int]
) -> tuple[Fraction | None, int | None]:
    """Coverage and truck factor (SPEC §3) of weighed clauses in one pass: the coverage_of
    ratio and truck_factor_tallied on its sums, as gaps tallies them."""
    owned: list[OwnedWeight] = []
    total = orphaned = 0
    for owners, weight in weights:
        total += weight
        if owners:
            owned.append((owners, weight))
        else:
            orphaned += weight
    if not total:
        return None, None
    coverage = Fraction(total - orphaned, total)
    return coverage, truck_factor_tallied(owned, total, orphaned, settings, order)


# --- the re-verification campaign ----------------------------------------------------------


def due_before(as_of: date, within: int, settings: Settings) -> date:
    """A link is due for re-verification when verified_on is before this date.

    verified_on + stale_after_months < D + within days; v ↦ v + months never decreases, so the
    due dates are those before the first date that is not due.
    """
    limit = as_of + timedelta(days=within)
    months = relativedelta(months=settings.stale_after_months)
    day = limit - months
    while day + months < limit:
        day += timedelta(days=1)
    return day
