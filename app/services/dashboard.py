"""The dashboard's figures on the as-of date, as plain data (the GUI shows them, a CLI could print
them): contract counts by status, renewal deadlines (per month and kind for the next 12 months),
knowledge figures and the people leaving soon with the clauses they alone understand, SLA
compliance (and its trend over the last 12 months) and service credits.

The figures fall into parts, each recomputed only when an entity it depends on changes
(`parts_for`), so an edit of a measurement does not recompute the knowledge status. Their shape
is in app.services.dashboard_figures.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.knowledge import CRITICAL
from app.core.months import from_month_index, month_index
from app.services.collector import collector_paused, release
from app.services.dashboard_figures import (
    CONTRACTS,
    DEADLINE_MONTHS,
    DEPENDS,
    FIGURES_FORM,
    KINDS,
    KNOWLEDGE,
    LEAVERS_SHOWN,
    NEXT_DEADLINES,
    PARTS,
    RENEWALS,
    SHARES_NAME,
    SLA,
    SLA_SHARES,
    SOON_DAYS,
    TREND_MONTHS,
    DashboardFigures,
    DeadlineMonth,
    KnowledgeFigures,
    Leaver,
    SlaFigures,
    SoleClause,
    cache_name,
    trend_first,
)
from app.services.knowledge import GapsResult
from app.services.renewals import RenewalRow
from app.services.sla import SlaReport
from app.services.sla_shares import Shares, pack, shares
from app.services.sla_shares import figures as sla_shares_figures

# --- the parts -----------------------------------------------------------------------------------


def knowledge_figures(result: GapsResult) -> KnowledgeFigures:
    """The headline figures of the knowledge status (app.services.knowledge.gaps)."""
    critical = [c for c in result.clauses if c.status == "orphaned" and c.criticality >= CRITICAL]
    figures = result.figures
    return KnowledgeFigures(
        coverage=figures.coverage,
        truck_factor=figures.truck_factor,
        clauses=figures.clauses,
        orphaned=figures.orphaned,
        orphaned_critical=len(critical),
        at_risk=figures.at_risk,
        single=figures.single,
        covered=figures.covered,
        critical_contracts=frozenset(c.contract_id for c in critical),
    )


def sla_figures(
    report: SlaReport,
    currencies: dict[str, str],
    trend: Iterable[tuple[date, Fraction | None]] = (),
) -> SlaFigures:
    """The headline figures of the SLA report; money is summed per currency, never mixed."""
    outstanding: dict[str, Decimal] = {}
    lost: dict[str, Decimal] = {}
    claimable = 0
    for credit in report.credits:
        if not credit.outstanding:
            continue
        currency = currencies.get(credit.contract.reference, "EUR")
        target = lost if credit.lost else outstanding
        target[currency] = target.get(currency, Decimal(0)) + credit.outstanding
        claimable += 0 if credit.lost else 1
    return SlaFigures(
        slas=len(report.slas),
        measured=sum(item.measured for item in report.slas),
        met=sum(item.met for item in report.slas),
        breached=sum(item.breached for item in report.slas),
        missing=sum(item.missing for item in report.slas),
        outstanding=outstanding,
        lost=lost,
        claimable_months=claimable,
        trend=tuple(trend),
    )


def currencies(session: Session) -> dict[str, str]:
    """Contract reference -> currency, for the contracts not in EUR (the default)."""
    from app.store.models import Contract

    rows = session.execute(
        select(Contract.reference, Contract.currency).where(Contract.currency != "EUR")
    ).all()
    return {reference: currency for reference, currency in rows}


def deadline_months(
    rows: Iterable[RenewalRow], as_of: date, months: int = DEADLINE_MONTHS
) -> list[DeadlineMonth]:
    """Deadlines from the as-of date on, per month (the as-of month and the next ones) and kind."""
    first = month_index(as_of)
    counts = [dict.fromkeys(KINDS, 0) for _ in range(months)]
    for row in rows:
        deadline, kind = row.deadline, row.deadline_kind
        if deadline is None or kind not in KINDS or deadline < as_of:
            continue
        offset = month_index(deadline) - first
        if offset < months:
            counts[offset][kind] += 1
    return [DeadlineMonth(from_month_index(first + i), counts[i]) for i in range(months)]


def leavers(session: Session, result: GapsResult, within_days: int) -> list[Leaver]:
    """People active on D who leave within `within_days`, with the in-scope clauses of which
    they are the only current owner, most such clauses first (then leaving date, name)."""
    from app.store.knowledge_queries import load_people

    as_of = result.as_of
    last = as_of + timedelta(days=within_days)
    people = load_people(session)
    leaving = {
        pid: p for pid, p in people.items()
        if p.leaves_on is not None and as_of <= p.leaves_on <= last
    }
    if not leaving:
        return []
    by_name: dict[str, list[int]] = {}
    for pid, person in people.items():
        if person.leaves_on is None or person.leaves_on >= as_of:  # active on D
            by_name.setdefault(person.name, []).append(pid)
    owned: dict[int, list[SoleClause]] = {pid: [] for pid in leaving}
    ambiguous: list[tuple[int, SoleClause]] = []
    for clause in result.clauses:
        if len(clause.owners) != 1:
            continue
        ids = by_name.get(clause.owners[0], [])
        if not any(pid in leaving for pid in ids):
            continue
        sole = SoleClause(clause.contract, clause.number, clause.title, clause.criticality)
        if len(ids) == 1:
            owned[ids[0]].append(sole)
        else:  # two active people share the name: ask the database who owns it
            ambiguous.append((clause.clause_id, sole))
    if ambiguous:
        for clause_id, pid in _current_owners(
            session, result, [cid for cid, _ in ambiguous], list(leaving)
        ):
            owned[pid].extend(s for cid, s in ambiguous if cid == clause_id)
    found = [
        Leaver(leaving[pid].name, leaving[pid].key, leaving[pid].leaves_on or as_of,
               tuple(clauses))
        for pid, clauses in owned.items()
    ]
    found.sort(key=lambda p: (-len(p.clauses), p.leaves_on, p.name, p.key))
    return found


def _current_owners(
    session: Session, result: GapsResult, clause_ids: Collection[int], person_ids: list[int]
) -> list[tuple[int, int]]:
    """(clause id, person id) of the current links of these people to these clauses."""
    from app.core.knowledge import fresh_since
    from app.store.models import Knowledge

    settings = result.settings
    query = select(Knowledge.clause_id, Knowledge.person_id).where(
        Knowledge.clause_id.in_(list(clause_ids)),
        Knowledge.person_id.in_(person_ids),
        Knowledge.level >= settings.understanding_level,
        Knowledge.verified_on >= fresh_since(result.as_of, settings),
    )
    return [(clause_id, person_id) for clause_id, person_id in session.execute(query)]


# --- everything ----------------------------------------------------------------------------------


def collect(
    session: Session,
    as_of: date,
    parts: Collection[str] = PARTS,
    keep: dict[str, Any] | None = None,
) -> DashboardFigures:
    """The figures of the given parts on `as_of` (runs on a worker in the GUI); `keep` receives
    the SLA figures' contract shares (SLA_SHARES) when that part is computed."""
    with collector_paused():
        return _collect(session, as_of, parts, keep)


def _collect(
    session: Session, as_of: date, parts: Collection[str], keep: dict[str, Any] | None
) -> DashboardFigures:
    from app.services.knowledge import gaps
    from app.services.renewals import renewals
    from app.store.portfolio_queries import status_sets
    from app.store.settings import load_settings

    wanted = frozenset(parts) & frozenset(PARTS)
    figures = DashboardFigures(as_of=as_of, parts=wanted)
    if CONTRACTS in wanted:
        sets = status_sets(session, as_of)
        figures.status_counts = {status: len(ids) for status, ids in sets.ids.items()}
    if KNOWLEDGE in wanted:
        result = gaps(session, as_of)
        figures.knowledge = knowledge_figures(result)
        figures.leaving_window = load_settings(session).leaving_window_days
        leaving = leavers(session, result, figures.leaving_window)
        figures.leavers = leaving[:LEAVERS_SHOWN]  # what the chart shows: kept small
        figures.leavers_total = len(leaving)
        release(result.clauses, result.contracts, result.vendors)
    if RENEWALS in wanted:
        # with the knowledge status known, escalation needs no second computation
        # (without it, renewals asks the knowledge engine about the near deadlines only)
        critical = (
            set(figures.knowledge.critical_contracts) if figures.knowledge is not None else None
        )
        rows = renewals(session, as_of, critical_orphans=critical)
        soon = [r for r in rows if r.days_left is not None and 0 <= r.days_left <= SOON_DAYS]
        figures.needs_review = sum(1 for row in rows if row.needs_review)
        figures.within_30 = sum(1 for r in soon if r.days_left is not None and r.days_left <= 30)
        figures.within_90 = len(soon)
        figures.escalated = sum(1 for row in rows if row.escalated)
        figures.missed_notice = sum(1 for row in rows if row.missed_notice)
        figures.next_deadlines = soon[:NEXT_DEADLINES]
        figures.deadline_months = deadline_months(rows, as_of)
        release(rows, soon)
    if SLA in wanted:
        detail = sla_shares(session, as_of)
        figures.sla = sla_shares_figures(detail)
        if keep is not None:
            keep[SLA_SHARES] = detail
    return figures


def sla_shares(session: Session, as_of: date) -> Shares:
    """Each contract's share of the SLA figures on `as_of` (app.services.sla_shares)."""
    from app.services.sla import sla_report
    from app.store.sla_queries import trend_counts_by_contract

    report = sla_report(session, as_of)
    first = trend_first(as_of)
    trend = trend_counts_by_contract(session, first, month_index(as_of))
    detail = shares(report.slas, report.credits, currencies(session), trend, first, TREND_MONTHS)
    release(report.slas, report.credits)
    return pack(detail, first, TREND_MONTHS)


def cached_collect(
    session: Session, database_key: str, as_of: date, parts: Collection[str] = PARTS
) -> DashboardFigures:
    """`collect`, each part reused from the figure cache (`app.services.figure_cache`) while
    nothing it depends on (DEPENDS) was written since it was computed for `as_of` — by this app,
    another desk or the command line — and computed again otherwise. With the SLA part, its
    contracts' shares are kept beside it (SHARES_NAME), for start-up to bring up to date."""
    from app.services.figure_cache import FigureCache, Part
    from app.store.revision import schema_version

    wanted = [part for part in PARTS if part in parts]
    keep: dict[str, Any] = {}

    def computer(part: str) -> Part:
        return Part(part, DEPENDS[part], lambda s, _values: collect(s, as_of, {part}, keep))

    cache = FigureCache(database_key)
    outcome = cache.figures(
        session, cache_name(wanted), as_of, [computer(p) for p in wanted],
        form=FIGURES_FORM,
    )
    if SLA_SHARES in keep:
        revision = outcome.revision
        cache.keep(
            SHARES_NAME, as_of, revision.last_id, revision.at, schema_version(session),
            {SLA_SHARES: keep[SLA_SHARES]}, form=FIGURES_FORM,
        )
    figures = DashboardFigures(as_of)
    for part in wanted:
        figures = figures.merged(outcome.values[part], {part})
    return figures
