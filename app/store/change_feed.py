"""Has another desk committed something? A cheap, non-blocking question for open views to poll.

SQLite: `PRAGMA data_version` on a connection of the feed's own, which changes whenever another
connection (another desk, the command line, this app's own sessions) commits to the file.
PostgreSQL: LISTEN on the channel `clausekeeper_changes`, on a dedicated connection; a trigger
on audit_log and imports (migration 0004_versions) notifies it once per writing statement, and
PostgreSQL delivers notifications when the writer commits (never for a rollback).

When the server goes away the feed reconnects on a later call and then reports one change,
since changes may have been missed meanwhile. Plain Python, no Qt: poll it from a worker
thread (a lock makes the calls safe from any one thread at a time, or several).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.store.engine import Database

CHANNEL = "clausekeeper_changes"
RETRY_SECONDS = 1.0
"""After a failed reconnection, wait at least this long before the next attempt."""


class ChangeFeed:
    """`changed()`: True when a change was committed since the previous call (or the opening)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._closed = False
        self._next_attempt = 0.0
        self._sqlite: sqlite3.Connection | None = None
        self._version: int | None = None
        self._pg: Any = None
        with self._lock:
            self._connect()  # a server that is down now: the first successful poll says True

    # --- the question -----------------------------------------------------------------------

    def changed(self) -> bool:
        """True when another connection or process committed a change since the last call."""
        with self._lock:
            if self._closed:
                return False
            if not self._connected():
                if time.monotonic() < self._next_attempt:
                    return False
                return self._connect()  # reconnected: something may have been missed
            try:
                return self._poll()
            except (sqlite3.Error, OSError):
                self._fail()
                return False
            except Exception as exc:  # psycopg's errors (an optional dependency)
                if not _is_psycopg_error(exc):
                    raise
                self._fail()
                return False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- connections --------------------------------------------------------------------------

    def _connected(self) -> bool:
        if self._db.is_sqlite:
            return self._sqlite is not None
        return self._pg is not None and not self._pg.closed

    def _connect(self) -> bool:
        """Open the feed's connection; True when it is open."""
        try:
            if self._db.is_sqlite:
                self._connect_sqlite()
            else:
                self._connect_pg()
        except (sqlite3.Error, OSError):
            self._fail()
            return False
        except Exception as exc:
            if not _is_psycopg_error(exc):
                raise
            self._fail()
            return False
        return True

    def _fail(self) -> None:
        self._drop()
        self._next_attempt = time.monotonic() + RETRY_SECONDS

    def _connect_sqlite(self) -> None:
        path = self._db.path
        if path is None:
            raise sqlite3.OperationalError("no database file")
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
        try:
            self._version = _data_version(connection)
        except sqlite3.Error:
            connection.close()
            raise
        self._sqlite = connection

    def _connect_pg(self) -> None:
        import psycopg

        from app.store.engine import PG_CONNECT_ARGS

        url = self._db.url
        params: dict[str, Any] = url.translate_connect_args(username="user", database="dbname")
        params.update({k: v for k, v in url.query.items() if isinstance(v, str)})
        params.update(PG_CONNECT_ARGS)
        params["connect_timeout"] = 5
        params["application_name"] = "Clausekeeper change feed"
        connection = psycopg.connect(autocommit=True, **params)
        try:
            connection.execute(f"LISTEN {CHANNEL}")
        except Exception:
            connection.close()
            raise
        self._pg = connection

    def _drop(self) -> None:
        if self._sqlite is not None:
            try:
                self._sqlite.close()
            except sqlite3.Error:
                pass
            self._sqlite = None
        if self._pg is not None:
            try:
                self._pg.close()
            except Exception as exc:
                if not _is_psycopg_error(exc):
                    raise
            self._pg = None

    # --- polling ------------------------------------------------------------------------------

    def _poll(self) -> bool:
        if self._sqlite is not None:
            version = _data_version(self._sqlite)
            changed = version != self._version
            self._version = version
            return changed
        changed = False
        for _notify in self._pg.notifies(timeout=0):
            changed = True
        return changed


def _data_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA data_version").fetchone()[0])


def _is_psycopg_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("psycopg")
