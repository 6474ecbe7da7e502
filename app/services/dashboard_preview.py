"""The dashboard's figures at start-up, before the database is open.

Opening a large portfolio takes the database library's import and the database's opening before
anything can be computed. The figures the dashboard showed last time are kept by the figure cache
with the revision they were computed at; a look at the file (app.store.quick_look) tells which
kinds of record were written since. The parts that depend on none of them are the figures of the
data as it is now, and the window shows them at once; the others wait for the database, as does
everything on a server database or without a cache.

The SLA part is kept with each contract's share of it (app.services.sla_shares). When only
the SLA records of a few contracts were written since (a measurement entered at another desk,
say), those contracts' shares are computed again from the file and the part is current too.

Only the standard library, platformdirs and the figures' own modules are loaded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date, datetime
from pathlib import Path

from app.services.dashboard_figures import (
    DEPENDS,
    FIGURES_FORM,
    SHARES_NAME,
    SLA,
    SLA_SHARES,
    TREND_MONTHS,
    DashboardFigures,
    cache_name,
    trend_first,
)
from app.services.figure_cache import FigureCache, still_current
from app.store.quick_look import Look, changed_since, contracts_changed_since, look, sqlite_file

MAX_CONTRACTS = 50  # more changed contracts than this: the database computes the SLA part


def cached_figures(
    target: str | None, as_of: date, groups: Iterable[Set[str]], *, demo: bool = False
) -> DashboardFigures | None:
    """The parts of the dashboard on `as_of` that the figure cache kept and that are still
    current for the database `target` (as open_database names it; `demo`: the demo database)
    as it is now: nothing they depend on (DEPENDS) was written since they were computed. The
    parts are kept in the `groups` they are computed in. None when no part is current."""
    path = sqlite_file(target, demo=demo)
    if path is None:
        return None
    now = look(path)
    if now is None:
        return None
    cache = FigureCache(str(path))  # app.services.figure_cache.database_key of that file
    changes: dict[tuple[int, datetime | None], set[str] | None] = {(now.last_id, now.at): set()}
    figures = DashboardFigures(as_of)
    for group in groups:
        kept = cache.kept(cache_name(group), as_of, now.schema, form=FIGURES_FORM)
        if kept is None:
            continue
        since = (kept.last_id, kept.at)
        if since not in changes:
            changes[since] = changed_since(path, kept.last_id, kept.at)
        changed = changes[since]
        for part in group:
            if part in kept.values and still_current(DEPENDS[part], changed):
                figures = figures.merged(kept.values[part], {part})
    sla_group = next((group for group in groups if SLA in group), None)
    if sla_group is not None and SLA not in figures.parts:
        sla = current_sla(path, cache, as_of, now)
        if sla is not None:
            figures = figures.merged(sla, {SLA})
            if sla_group == {SLA}:  # kept as current now: the database's refresh reuses it
                cache.keep(cache_name(sla_group), as_of, now.last_id, now.at, now.schema,
                           {SLA: sla}, form=FIGURES_FORM)
    return figures if figures.parts else None


def current_sla(path: Path, cache: FigureCache, as_of: date, now: Look) -> DashboardFigures | None:
    """The SLA part on `as_of` for the file at `path` as it is now (`now`), from the contracts'
    shares kept with it: those of the contracts whose SLAs, measurements or credit notes were
    written since are computed again from the file. None when there are no shares kept, when a
    change is not one contract's (a contract itself, or a write naming none), or too many."""
    from app.core.sla import compute
    from app.services.sla_shares import Shares, figures, replaced, shares
    from app.store.quick_sla import sla_data

    first = trend_first(as_of)
    kept = cache.kept(SHARES_NAME, as_of, now.schema, form=FIGURES_FORM)
    detail = None if kept is None else kept.values.get(SLA_SHARES)
    if kept is None or not isinstance(detail, Shares) or (detail.first, detail.months) != (
        first, TREND_MONTHS
    ):
        return None
    changes = contracts_changed_since(path, kept.last_id, kept.at)
    if changes is None:
        return None
    references: set[str] = set()
    for entity, reference in changes:
        if entity not in DEPENDS[SLA]:
            continue
        if entity == "Contract" or reference is None:
            return None
        references.add(reference)
    if len(references) > MAX_CONTRACTS:
        return None
    if references:
        found = sla_data(path, references, as_of, first, first + TREND_MONTHS - 1)
        if found is None:
            return None
        ids, data = found
        compliance, credits = compute(
            data.contracts, data.slas, data.measurements, data.credit_notes, as_of
        )
        fresh = shares(compliance, credits, data.currencies, data.trend, first, TREND_MONTHS)
        # a contract without any SLA or credit now has no share
        detail = replaced(detail, {cid: fresh.get(cid) for cid in ids.values()})
        cache.keep(SHARES_NAME, as_of, now.last_id, now.at, now.schema,
                   {SLA_SHARES: detail}, form=FIGURES_FORM)
    result = DashboardFigures(as_of, frozenset({SLA}))
    result.sla = figures(detail)
    return result
