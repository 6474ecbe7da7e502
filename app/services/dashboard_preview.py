"""The dashboard's figures at start-up, before the database is open.

Opening a large portfolio takes the database library's import and the database's opening before
anything can be computed. The figures the dashboard showed last time are kept by the figure cache
with the revision they were computed at; a look at the file (app.store.quick_look) tells which
kinds of record were written since. The parts that depend on none of them are the figures of the
data as it is now, and the window shows them at once; the others wait for the database, as does
everything on a server database or without a cache.

Only the standard library, platformdirs and the figures' own modules are loaded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date, datetime

from app.services.dashboard_figures import DEPENDS, FIGURES_FORM, DashboardFigures, cache_name
from app.services.figure_cache import FigureCache
from app.store.quick_look import changed_since, look, sqlite_file


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
        if changed is None:
            continue
        for part in group:
            if part in kept.values and not DEPENDS[part] & changed:
                figures = figures.merged(kept.values[part], {part})
    return figures if figures.parts else None
