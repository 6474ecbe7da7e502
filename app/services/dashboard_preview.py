"""The dashboard's figures at start-up, before the database is open.

Opening a large portfolio takes the database library's import and the database's opening before
anything can be computed. The figures the dashboard showed last time are kept by the figure cache
with the revision they were computed at; when a look at the file (app.store.quick_look) finds the
database still at that revision, they are the figures of the data as it is now, and the window can
show them at once. Anything else (another revision, a server database, no cache) gives None: the
dashboard then computes as usual once the database is open.

Only the standard library, platformdirs and the figures' own modules are loaded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date

from app.services.dashboard_figures import FIGURES_FORM, DashboardFigures, cache_name
from app.services.figure_cache import FigureCache
from app.store.quick_look import look, sqlite_file


def cached_figures(
    target: str | None, as_of: date, groups: Iterable[Set[str]], *, demo: bool = False
) -> DashboardFigures | None:
    """Every part of the dashboard on `as_of`, from the figure cache, when all of them are
    current for the database `target` (as open_database names it; `demo`: the demo database)
    as it is now; the parts are kept in the `groups` they are computed in."""
    path = sqlite_file(target, demo=demo)
    if path is None:
        return None
    now = look(path)
    if now is None:
        return None
    cache = FigureCache(str(path))  # app.services.figure_cache.database_key of that file
    figures = DashboardFigures(as_of)
    for group in groups:
        values = cache.peek(cache_name(group), as_of, now, form=FIGURES_FORM)
        if values is None or not all(part in values for part in group):
            return None
        for part in group:
            figures = figures.merged(values[part], {part})
    return figures
