"""A look at a SQLite database file without the database library: its schema version and its
newest audit row (the data revision of app.store.revision), read-only, with the standard
library's sqlite3.

Start-up uses it to tell, before SQLAlchemy is loaded, whether the figures kept from the last run
(app.services.figure_cache) are still those of the data as it is now. Anything unexpected (no
such file, another program's lock, not one of our databases) is "no look": the caller then takes
the ordinary way through open_database.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.store.locations import ENV_VAR, default_database_path, demo_database_path


@dataclass(frozen=True)
class Look:
    """The schema version and the newest audit row (0 and None for a new database)."""

    schema: str
    last_id: int
    at: datetime | None


def sqlite_file(target: str | None, *, demo: bool = False) -> Path | None:
    """The existing SQLite file that open_database(target) opens (the demo database with
    `demo`), resolved as open_database resolves it; None for a URL or a file not there yet."""
    if demo:
        path = demo_database_path()
    else:
        raw = target if target not in (None, "") else os.environ.get(ENV_VAR) or ""
        if "://" in raw:
            return None
        path = Path(raw) if raw else default_database_path()
    try:
        path = path.expanduser().resolve()
        return path if path.is_file() else None
    except (OSError, RuntimeError):
        return None


def connect_read_only(path: Path) -> sqlite3.Connection | None:
    try:
        return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.2)
    except (sqlite3.Error, ValueError):
        return None


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def look(path: Path) -> Look | None:
    """The revision of the database file at `path`, or None when it cannot be read quickly."""
    connection = connect_read_only(path)
    if connection is None:
        return None
    try:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        newest = connection.execute(
            "SELECT id, at FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    if version is None:
        return None
    if newest is None:
        return Look(str(version[0]), 0, None)
    at = _moment(newest[1])
    return None if at is None else Look(str(version[0]), int(newest[0]), at)


def changed_since(path: Path, last_id: int, at: datetime | None) -> set[str] | None:
    """The kinds of record written after the audit row (last_id, at), as
    app.store.revision.changed_since tells them; None when that row is not a state of this
    file (a restored backup, another database at the same place) or the file cannot be read."""
    changes = _since(path, last_id, at, "SELECT DISTINCT entity FROM audit_log WHERE id > ?")
    return None if changes is None else {str(entity) for (entity,) in changes}


def contracts_changed_since(
    path: Path, last_id: int, at: datetime | None
) -> set[tuple[str, str | None]] | None:
    """(kind of record, contract reference) of the records written after the audit row
    (last_id, at) — the reference None when a record belongs to no one contract (or its audit
    row does not say); None as for changed_since."""
    changes = _since(
        path, last_id, at, "SELECT DISTINCT entity, contract_ref FROM audit_log WHERE id > ?"
    )
    if changes is None:
        return None
    return {(str(entity), None if ref is None else str(ref)) for entity, ref in changes}


def _since(path: Path, last_id: int, at: datetime | None, query: str) -> list[Any] | None:
    connection = connect_read_only(path)
    if connection is None:
        return None
    try:
        if last_id:
            row = connection.execute("SELECT at FROM audit_log WHERE id = ?", (last_id,)).fetchone()
            if row is None or _moment(row[0]) != at:
                return None
        return connection.execute(query, (last_id,)).fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
