"""Figures kept with the data revision and the as-of date they were computed for.

Opening a large portfolio should show its figures at once, and never figures of an older state
as current. Each set of figures is made of parts (renewals, knowledge, SLAs, …), and each part
names the kinds of record it depends on. A part computed at revision R for date D is reused while
nothing it depends on has been written since R (`app.store.revision`); otherwise it is computed
again, and so is every part that uses it. Another desk or the command line writing to the same
database leaves audit rows like any edit here, so their changes are seen the same way.

The cache lives in the user's cache folder, one file per database and as-of date, readable by
the user only. A file that cannot be read (damaged, another version) counts as empty.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_cache_dir

from app import __version__

if TYPE_CHECKING:  # start-up peeks at the cache before SQLAlchemy is loaded
    from sqlalchemy.orm import Session

    from app.store.engine import Database
    from app.store.quick_look import Look
    from app.store.revision import Revision

log = logging.getLogger("clausekeeper.cache")

KEEP_FILES = 8  # as-of dates kept per database


@dataclass(frozen=True)
class Part:
    """One part of a set of figures.

    `depends_on` are entity names of the audit trail ("Contract", "Knowledge", …); `uses` are
    earlier parts whose values `compute` reads from the mapping it is given.
    """

    name: str
    depends_on: frozenset[str]
    compute: Callable[[Session, Mapping[str, Any]], Any]
    uses: tuple[str, ...] = ()


@dataclass
class Outcome:
    """The figures, and which parts were computed (the others came from the cache)."""

    values: dict[str, Any]
    revision: Revision
    computed: list[str] = field(default_factory=list)

    @property
    def from_cache(self) -> bool:
        return not self.computed


@dataclass(frozen=True)
class Kept:
    """Values of a cache file and the revision (newest audit row) they were computed at."""

    last_id: int
    at: datetime | None
    values: dict[str, Any]


def still_current(depends_on: frozenset[str], changed: set[str] | None) -> bool:
    """Whether a part depending on the entities `depends_on` ("*": on everything) is still
    current after writes of the entities `changed` (None: unknown, e.g. another database)."""
    return changed is not None and "*" not in depends_on and not depends_on & changed


def cache_folder() -> Path:
    return Path(user_cache_dir("clausekeeper", appauthor=False)) / "figures"


class FigureCache:
    """The figures of one database (named by `database_key`, e.g. its path or URL)."""

    def __init__(self, database_key: str, folder: Path | None = None) -> None:
        self.folder = folder or cache_folder()
        self.stem = hashlib.sha256(database_key.encode()).hexdigest()[:20]

    def _path(self, name: str, as_of: date) -> Path:
        return self.folder / f"{self.stem}-{name}-{as_of.isoformat()}.pickle"

    def figures(
        self, session: Session, name: str, as_of: date, parts: Sequence[Part], form: str = ""
    ) -> Outcome:
        """The parts' values on `as_of`, each reused while current, else computed in order.

        `form` names the shape of the values (bump it when a part's value changes shape).
        """
        from app.store.revision import Revision, changed_since, current_revision, schema_version

        revision = current_revision(session)  # before computing: a later write is seen next time
        stamp = f"{__version__}/{form}"
        stored = self._load(name, as_of)
        changed: set[str] | None = None
        if stored is not None and stored.get("stamp") == stamp:
            old = Revision(stored["last_id"], stored["at"])
            changed = set() if old == revision else changed_since(session, old)
        values: dict[str, Any] = {}
        computed: list[str] = []
        for part in parts:
            stale = (
                changed is None
                or part.name not in stored["values"]  # type: ignore[index]
                or not still_current(part.depends_on, changed)
                or any(used in computed for used in part.uses)
            )
            if stale:
                values[part.name] = part.compute(session, values)
                computed.append(part.name)
            else:
                values[part.name] = stored["values"][part.name]  # type: ignore[index]
        schema = schema_version(session)
        if computed or changed or stored is None or stored.get("schema") != schema:
            # kept with the revision they are current at, reused or not (start-up's look)
            self._save(name, as_of, stamp, revision.last_id, revision.at, schema, values)
        return Outcome(values, revision, computed)

    def kept(self, name: str, as_of: date, schema: str, form: str = "") -> Kept | None:
        """What is kept for `name` on `as_of`, computed by this version with the database at
        `schema`; for start-up, before the database is open (the revision tells which parts
        are still current). The file is read with `_PlainUnpickler`: plain figure data only."""
        stored = self._load(name, as_of, unpickler=_PlainUnpickler)
        if (
            stored is None
            or stored.get("stamp") != f"{__version__}/{form}"
            or stored.get("schema") != schema
        ):
            return None
        return Kept(stored["last_id"], stored["at"], dict(stored["values"]))

    def keep(
        self,
        name: str,
        as_of: date,
        last_id: int,
        at: datetime | None,
        schema: str,
        values: dict[str, Any],
        form: str = "",
    ) -> None:
        """Keep `values` for `name` on `as_of` as current at the revision (last_id, at) of the
        database at `schema` (what `figures` keeps, for values computed elsewhere)."""
        self._save(name, as_of, f"{__version__}/{form}", last_id, at, schema, values)

    def peek(self, name: str, as_of: date, look: Look, form: str = "") -> dict[str, Any] | None:
        """The values kept for `name` on `as_of` when they were computed at the revision and
        schema `look` found (app.store.quick_look), else None."""
        kept = self.kept(name, as_of, look.schema, form)
        if kept is None or (kept.last_id, kept.at) != (look.last_id, look.at):
            return None
        return kept.values

    # -- the files ------------------------------------------------------------------------------

    def _load(
        self, name: str, as_of: date, unpickler: type[pickle.Unpickler] = pickle.Unpickler
    ) -> dict[str, Any] | None:
        path = self._path(name, as_of)
        try:
            with path.open("rb") as handle:
                data = unpickler(handle).load()  # our own file, in the user's own cache folder
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged, or written by another version: start again
            log.info("figure cache %s unreadable (%s): recomputing", path.name, exc)
            return None
        return data if isinstance(data, dict) and isinstance(data.get("values"), dict) else None

    def _save(
        self,
        name: str,
        as_of: date,
        stamp: str,
        last_id: int,
        at: datetime | None,
        schema: str,
        values: dict[str, Any],
    ) -> None:
        data = {
            "stamp": stamp,
            "schema": schema,
            "last_id": last_id,
            "at": at,
            "values": values,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=".fig-", suffix=".tmp")
            with os.fdopen(handle, "wb") as out:  # mkstemp makes it 0600
                pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self._path(name, as_of))
            self._prune(name)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.info("figure cache not written: %s", exc)

    def _prune(self, name: str) -> None:
        files = sorted(
            self.folder.glob(f"{self.stem}-{name}-*.pickle"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)

    def clear(self) -> None:
        for path in self.folder.glob(f"{self.stem}-*.pickle"):
            path.unlink(missing_ok=True)


class _PlainUnpickler(pickle.Unpickler):
    """Figures only: plain data of the standard library and of the modules that hold figures,
    which need no database library (so a peek never loads one, nor runs anything else)."""

    MODULES = frozenset({"builtins", "datetime", "decimal", "fractions", "collections", "array"})
    PACKAGES = (
        "app.core.",
        "app.services.dashboard_figures",
        "app.services.renewal_rows",
        "app.services.sla_shares",
    )

    def find_class(self, module: str, name: str) -> Any:
        if module in self.MODULES or module.startswith(self.PACKAGES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain figure data")


def database_key(db: Database) -> str:
    """What names a database for the cache: its resolved file, or its URL without password."""
    return str(db.path.resolve()) if db.path is not None else db.describe()
