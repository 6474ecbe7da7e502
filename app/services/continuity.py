"""Knowledge continuity (SPEC §3a, §6) for the CLI, GUI and reports: forecast, successors, the
succession plan and the rows of the re-verification campaign."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any, NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.continuity import (
    LEARN,
    REVERIFY,
    Candidate,
    ForecastPoint,
    PlanFigures,
    PlanLink,
    due_before,
    forecast,
    forecast_dates,
    fresh_limits,
    loads,
    owners_after,
    plan,
    plan_figures,
    scope_dates,
    successors,
    weigh,
    weigh_after,
)
from app.core.knowledge import PersonInfo, StatusRow, fresh_since, is_active, status_rows, tie_order
from app.core.natural import natural_key
from app.core.settings import Settings
from app.errors import NotFoundError, ValidationError
from app.services.collector import collector_paused
from app.services.json_values import ratio_json
from app.store.continuity_queries import fresh_links, level_links, scope_clauses
from app.store.knowledge_queries import (
    ClauseRow,
    chunks,
    contract_by_reference,
    load_clauses,
    load_people,
    scoped_contracts,
)
from app.store.models import Clause, Knowledge
from app.store.portfolio_actions import find_person
from app.store.settings import load_settings
from app.store.terms_queries import ContractRow, load_terms

DEFAULT_MONTHS = 12
DEFAULT_WITHIN = 90


# --- forecast ------------------------------------------------------------------------------


def knowledge_forecast(
    session: Session, as_of: date, months: int = DEFAULT_MONTHS
) -> list[ForecastPoint]:
    """The forecast of SPEC §3a: D, then the last day of each of the next `months` months."""
    if months < 0:
        raise ValidationError(f"months: {months} must be 0 or more")
    with collector_paused():
        settings = load_settings(session)
        dates = forecast_dates(as_of, months)
        scope = {c.id: count for c in load_terms(session) if (count := scope_dates(c.terms, dates))}
        clauses = scope_clauses(session, scope)
        links = fresh_links(session, settings, fresh_limits(dates, settings), scope)
        people = load_people(session)
        return forecast(
            dates,
            ((cid, weight, scope[kid]) for cid, kid, weight in clauses),
            links,
            people,
            settings,
        )


def point_json(point: ForecastPoint) -> dict[str, Any]:
    return {
        "date": point.date.isoformat(),
        "clauses": point.clauses,
        "orphaned": point.orphaned,
        "orphaned_critical": point.orphaned_critical,
        "at_risk": point.at_risk,
        "single": point.single,
        "covered": point.covered,
        "coverage": ratio_json(point.coverage),
        "truck_factor": point.truck_factor,
    }


def forecast_json(session: Session, as_of: date, months: int = DEFAULT_MONTHS) -> dict[str, Any]:
    """`clausekeeper forecast [--months N] --json` (SPEC §6)."""
    points = knowledge_forecast(session, as_of, months)
    return {"as_of": as_of.isoformat(), "points": [point_json(p) for p in points]}


# --- successors and the succession plan ----------------------------------------------------


class ListedClause(NamedTuple):
    """A clause that needs a successor, with its first candidates (SPEC §3a)."""

    clause_id: int
    contract_id: int
    contract: str
    number: str
    title: str
    criticality: int
    status: str
    reason: str | None
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class ContractPlan:
    contract_id: int
    reference: str
    figures: PlanFigures


@dataclass(frozen=True)
class SuccessorsResult:
    """Successors of the listed clauses and what the succession plan would do."""

    as_of: date
    settings: Settings
    people: dict[int, PersonInfo]
    clauses: list[ListedClause]  # by criticality descending, contract, clause number
    links: list[PlanLink]  # the plan, in the order of `clauses`
    portfolio: PlanFigures
    contracts: list[ContractPlan]  # the contracts with a listed clause, by reference


@dataclass
class _Portfolio:
    """The in-scope portfolio on D (and a named contract), its statuses and every link."""

    settings: Settings
    people: dict[int, PersonInfo]
    contracts: dict[int, ContractRow]
    in_scope: set[int]  # contract ids in scope on D
    clauses: list[ClauseRow]
    statuses: dict[int, StatusRow]
    links: list[tuple[int, int, int, bool]]


def _portfolio(session: Session, as_of: date, extra: ContractRow | None) -> _Portfolio:
    settings = load_settings(session)
    contracts = {c.id: c for c in scoped_contracts(session, as_of)}
    in_scope = set(contracts)
    if extra is not None:
        contracts.setdefault(extra.id, extra)
    clauses = load_clauses(session, contracts)
    links = level_links(session, fresh_since(as_of, settings), contracts)
    understanding = settings.understanding_level
    people = load_people(session)
    statuses = status_rows(
        {row[0] for row in clauses},
        ((pid, cid, fresh) for pid, cid, level, fresh in links if level >= understanding),
        people,
        settings,
        as_of,
    )
    return _Portfolio(settings, people, contracts, in_scope, clauses, statuses, links)


def find_successors(
    session: Session,
    as_of: date,
    contract_ref: str | None = None,
    min_criticality: int | None = None,
) -> SuccessorsResult:
    """Successors of SPEC §3a: every listed clause of the portfolio, or of the named contract
    (whatever its status, as `gaps --contract`), of at least min_criticality."""
    with collector_paused():
        named = None
        if contract_ref is not None:
            named = contract_by_reference(session, contract_ref)
            if named is None:
                raise NotFoundError(f"contract: no contract with the reference {contract_ref!r}")
        return _successors(_portfolio(session, as_of, named), as_of, named, min_criticality)


def _successors(
    data: _Portfolio, as_of: date, named: ContractRow | None, min_criticality: int | None
) -> SuccessorsResult:
    statuses, contracts, in_scope = data.statuses, data.contracts, data.in_scope
    groups = weigh(((row[1], row[0], row[4]) for row in data.clauses), statuses)
    scoped = [groups[kid] for kid in in_scope if kid in groups]
    contract_owners = {kid: set().union(*weights) for kid, weights in groups.items()}
    load = loads(item for weights in scoped for item in weights.items())
    considered = [
        row
        for row in data.clauses
        if (row[1] in in_scope if named is None else row[1] == named.id)
        and (min_criticality is None or row[4] >= min_criticality)
    ]
    found = successors(
        ((row[0], row[1]) for row in considered),
        statuses,
        data.links,
        contract_owners,
        data.people,
        data.settings,
        as_of,
        load,
    )
    listed = [row for row in considered if row[0] in found]
    listed.sort(key=lambda r: (-r[4], contracts[r[1]].reference, natural_key(r[2])))
    links = plan((row[0] for row in listed), found, data.settings)
    changed = owners_after(statuses, links)
    weight_of = {row[0]: (row[1], row[4]) for row in listed if row[0] in changed}
    after = weigh_after(
        groups, ((kid, cid, weight) for cid, (kid, weight) in weight_of.items()), statuses, changed
    )
    order = tie_order(data.people.values())
    settings = data.settings

    def figures(kids: Iterable[int]) -> PlanFigures:
        chosen = [kid for kid in kids if kid in groups]
        return plan_figures(
            chain.from_iterable(groups[kid].items() for kid in chosen),
            chain.from_iterable(after.get(kid, groups[kid]).items() for kid in chosen),
            settings,
            order,
        )

    def contract_figures(kid: int) -> PlanFigures:
        weights = groups[kid]
        return plan_figures(weights.items(), after.get(kid, weights).items(), settings, order)

    touched = sorted({row[1] for row in listed}, key=lambda kid: contracts[kid].reference)
    return SuccessorsResult(
        as_of,
        data.settings,
        data.people,
        [
            ListedClause(
                row[0],
                row[1],
                contracts[row[1]].reference,
                row[2],
                row[3],
                row[4],
                statuses[row[0]][0],
                statuses[row[0]][1],
                found[row[0]],
            )
            for row in listed
        ],
        links,
        figures(in_scope),
        [ContractPlan(kid, contracts[kid].reference, contract_figures(kid)) for kid in touched],
    )


def _figures_json(figures: PlanFigures) -> dict[str, Any]:
    return {
        "coverage_before": ratio_json(figures.coverage_before),
        "coverage_after": ratio_json(figures.coverage_after),
        "truck_factor_before": figures.truck_factor_before,
        "truck_factor_after": figures.truck_factor_after,
    }


def successors_json(
    session: Session,
    as_of: date,
    contract_ref: str | None = None,
    min_criticality: int | None = None,
) -> dict[str, Any]:
    """`clausekeeper successors [--contract REF] [--min-criticality N] --json` (SPEC §6)."""
    with collector_paused():
        return _successors_json(find_successors(session, as_of, contract_ref, min_criticality))


def _successors_json(result: SuccessorsResult) -> dict[str, Any]:
    as_of = result.as_of
    people = result.people
    return {
        "as_of": as_of.isoformat(),
        "clauses": [
            {
                "contract": c.contract,
                "number": c.number,
                "title": c.title,
                "criticality": c.criticality,
                "status": c.status,
                "reason": c.reason,
                "candidates": [
                    {
                        "name": (person := people[k.person_id]).name,
                        "email": person.email,
                        "action": k.action,
                        "level": k.level,
                        "load": k.load,
                    }
                    for k in c.candidates
                ],
            }
            for c in result.clauses
        ],
        "plan": {
            **_figures_json(result.portfolio),
            "contracts": [
                {"reference": c.reference, **_figures_json(c.figures)} for c in result.contracts
            ],
        },
    }


# --- the re-verification campaign ----------------------------------------------------------


@dataclass(frozen=True)
class AttestationRow:
    """One row of the attestation workbook (SPEC §5): a person confirms a clause."""

    person: str  # key
    name: str
    contract: str
    clause: str
    title: str
    criticality: int
    action: str
    level: int | None
    verified_on: date | None
    stale_on: date | None


def attestation_rows(
    session: Session, as_of: date, within: int = DEFAULT_WITHIN, person_key: str | None = None
) -> list[AttestationRow]:
    """The rows due on D (SPEC §3a), sorted by name, key, contract, clause; one person's with
    person_key."""
    if within < 0:
        raise ValidationError(f"within: {within} must be 0 or more")
    with collector_paused():
        only = None if person_key is None else find_person(session, person_key)
        data = _portfolio(session, as_of, None)
        result = _successors(data, as_of, None, None)
        return _attestation_rows(session, data, result, as_of, within, only)


def _attestation_rows(
    session: Session,
    data: _Portfolio,
    result: SuccessorsResult,
    as_of: date,
    within: int,
    only: int | None,
) -> list[AttestationRow]:
    settings, people = data.settings, data.people
    clauses = {row[0]: row for row in data.clauses if row[1] in data.in_scope}
    recorded = _due(session, settings, due_before(as_of, within, settings), data.in_scope)
    rows: dict[tuple[int, int], str] = {
        key: REVERIFY
        for key in recorded
        if only in (None, key[0]) and is_active(people[key[0]], as_of)
    }
    mine = [link for link in result.links if only in (None, link.person_id)]
    recorded.update(_recorded(session, {link.clause_id for link in mine if link.action != LEARN}))
    for link in mine:
        rows.setdefault((link.person_id, link.clause_id), link.action)
    months = relativedelta(months=settings.stale_after_months)
    out: list[AttestationRow] = []
    for (pid, cid), action in rows.items():
        person = people[pid]
        _, kid, number, title, criticality = clauses[cid]
        level, verified_on = recorded.get((pid, cid), (None, None))
        out.append(
            AttestationRow(
                person.key,
                person.name,
                data.contracts[kid].reference,
                number,
                title,
                criticality,
                action,
                level,
                verified_on,
                None if verified_on is None else verified_on + months,
            )
        )
    out.sort(key=lambda r: (r.name, r.person, r.contract, natural_key(r.clause)))
    return out


def _due(
    session: Session, settings: Settings, before: date, contract_ids: set[int]
) -> dict[tuple[int, int], tuple[int, date]]:
    """(level, verified_on) of the links of level ≥ understanding_level verified before the
    date, on the contracts' clauses, by (person, clause)."""
    query = (
        select(Knowledge.person_id, Knowledge.clause_id, Knowledge.level, Knowledge.verified_on)
        .join(Clause, Clause.id == Knowledge.clause_id)
        .where(Knowledge.level >= settings.understanding_level, Knowledge.verified_on < before)
    )
    found: dict[tuple[int, int], tuple[int, date]] = {}
    for chunk in chunks(sorted(contract_ids)):
        for pid, cid, level, verified_on in session.execute(
            query.where(Clause.contract_id.in_(chunk))
        ):
            found[(pid, cid)] = (level, verified_on)
    return found


def _recorded(session: Session, clause_ids: set[int]) -> dict[tuple[int, int], tuple[int, date]]:
    """(level, verified_on) of every link of the clauses, by (person, clause)."""
    query = select(Knowledge.person_id, Knowledge.clause_id, Knowledge.level, Knowledge.verified_on)
    found: dict[tuple[int, int], tuple[int, date]] = {}
    for chunk in chunks(sorted(clause_ids)):
        for pid, cid, level, verified_on in session.execute(
            query.where(Knowledge.clause_id.in_(chunk))
        ):
            found[(pid, cid)] = (level, verified_on)
    return found
