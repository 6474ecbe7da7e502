"""Opening a database: URL resolution, SQLite pragmas, migrations on open, sessions.

Team use (one PostgreSQL database, or one SQLite file, for several desks): the database knows
who is working (`Database.user`: the PostgreSQL role, or the operating-system user on SQLite,
which the audit trail records), whether they may write (`Database.read_only`), and how to name
it without its password (`Database.display_url`). Errors of the database are translated in one
place (`_Translator`): a write without write access raises ReadOnlyError, a server that is down
or a network that dropped raises ConnectionLostError (the transaction is rolled back; what was
committed stays), a lock held too long DatabaseBusyError. A dropped PostgreSQL connection is
replaced on its next use once the server is back (pool_pre_ping).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import (
    ClausekeeperError,
    ConnectionLostError,
    DatabaseBusyError,
    DatabaseError,
    ReadOnlyError,
)
from app.store import audit
from app.store.conflicts import stale_conflict
from app.store.locations import ENV_VAR, default_database_path

BUSY_TIMEOUT_SECONDS = 5
"""How long a writer waits for another program's write lock before "the database is busy"."""
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
"""PostgreSQL: lock not available, serialization failure, deadlock detected."""
WRITE_LOCK_KEY = 0x436B_5772  # "CkWr": the advisory lock that imports hold on PostgreSQL


def resolve_url(target: str | None) -> URL:
    """A SQLAlchemy URL for --db: a URL as given, or a SQLite file path."""
    raw = target if target not in (None, "") else os.environ.get(ENV_VAR) or ""
    if not raw:
        return sqlite_url(default_database_path())
    if "://" in raw:
        try:
            url = make_url(raw)
        except (ArgumentError, ValueError):
            shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", raw)  # never echo a password
            raise DatabaseError(f"--db: {shown!r} is not a valid database URL") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"--db: {url.get_backend_name()!r} databases are not supported "
                "(use a SQLite file or a postgresql:// URL)"
            )
        if url.drivername == "postgresql":  # the driver we ship (psycopg 3), whatever the default
            url = url.set(drivername="postgresql+psycopg")
        return url
    return sqlite_url(Path(raw))


def sqlite_url(path: Path) -> URL:
    path = path.expanduser()
    if path.is_dir():
        raise DatabaseError(f"--db: {path} is a folder, not a database file")
    if not path.parent.exists():
        raise DatabaseError(f"--db: the folder {path.parent} does not exist")
    return URL.create("sqlite+pysqlite", database=str(path.resolve()))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


PG_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 10,  # an unreachable server: a clear error after 10 s, not a hang
    # A network that drops while the app is open is noticed within about 30 s.
    "keepalives": 1,
    "keepalives_idle": 15,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "application_name": "Clausekeeper",
}


def sqlite_file_read_only(path: Path) -> bool:
    """An existing SQLite file this user may not write (its folder must let SQLite keep the
    write-ahead log files next to it)."""
    return path.exists() and not os.access(path, os.W_OK)


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (mode 0600).

    An existing file of ours that others may read (copied, or written by an older version) is
    made private too, with its write-ahead log; SQLite gives the log files the database's mode.
    """
    if path.exists():
        _make_private(path)
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseError(f"--db: cannot create {path}: {exc.strerror}") from None
    os.close(fd)


def _make_private(path: Path) -> None:
    if os.name != "posix":  # Windows: the user's profile folder keeps others out
        return
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = file.stat()
            if info.st_mode & 0o077 and info.st_uid == os.geteuid():
                os.chmod(file, 0o600)
        except OSError:  # absent, or not ours to change: SQLite reports what matters
            continue


@dataclass
class Database:
    """An open, migrated Clausekeeper database."""

    engine: Engine
    url: URL
    factory: sessionmaker[Session] = field(repr=False)
    created: bool = False
    backup_path: Path | None = None
    user: str = ""
    """Who is working: the PostgreSQL role (current_user), or the operating-system user."""
    read_only: bool = False
    """This user may read but not write (PostgreSQL grants; a read-only SQLite file or open)."""

    @property
    def path(self) -> Path | None:
        if self.url.get_backend_name() == "sqlite" and self.url.database:
            return Path(self.url.database)
        return None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def display_url(self) -> str:
        """The database for people, settings and logs: a file path, or the URL with no password."""
        return display_url(self.url)

    def describe(self) -> str:
        """The database for people: a file path, or the URL without its password."""
        return self.display_url

    def require_write(self, what: str) -> None:
        """ReadOnlyError ("<what> needs write access") on a read-only database."""
        if self.read_only:
            raise ReadOnlyError(self.user, what)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back otherwise."""
        session = self.factory()
        try:
            yield session
            session.commit()
        except StaleDataError as exc:  # another desk's save overtook this one: nothing written
            raise stale_conflict(session, exc) from None
        except BaseException:
            _quiet_rollback(session)
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """Whether the database answers now (a cheap query; a dropped connection is replaced)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (ClausekeeperError, SQLAlchemyError, OSError):
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


def _quiet_rollback(session: Session) -> None:
    """Roll back; on a connection that is gone the server has rolled back already."""
    try:
        session.rollback()
    except (ClausekeeperError, SQLAlchemyError):
        pass


def display_url(url: URL) -> str:
    """A SQLite file's path, or the URL without password or driver (postgresql://ann@db/ck)."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    plain = URL.create(
        url.get_backend_name(), url.username, None, url.host, url.port, url.database, url.query
    )
    return plain.render_as_string(hide_password=False)


def server_name(url: URL) -> str:
    """The PostgreSQL server for messages: host:port, else the service or 'the local server'."""
    if url.host:
        return f"{url.host}:{url.port or 5432}"
    service = url.query.get("service")
    if service:
        return f"service {service!r} ({os.environ.get('PGHOST') or 'pg_service.conf'})"
    host = os.environ.get("PGHOST")
    return f"{host}:{os.environ.get('PGPORT') or 5432}" if host else "the local PostgreSQL server"


def _is_busy(error: BaseException) -> bool:
    """A lock another program holds (SQLite: locked or busy; PostgreSQL: lock timeout...)."""
    if getattr(error, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(error).lower()
    return type(error).__name__ == "OperationalError" and (
        "database is locked" in message or "database is busy" in message
    )


_READ_ONLY_SQLSTATES = frozenset({"42501", "25006"})
"""PostgreSQL: insufficient privilege; read-only transaction (a standby, or read-only role)."""
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"})
"""Shutdown, crash, starting up; the connection exceptions of class 08."""
_LOST_WORDS = (
    "connection refused",
    "server closed the connection",
    "terminating connection",
    "could not connect",
    "connection to server",
    "connection timeout",
    "timeout expired",
    "no route to host",
    "network is unreachable",
    "connection is lost",
    "the connection is closed",
    "consuming input failed",
    "ssl syscall error",
    "database system is shutting down",
    "database system is starting up",
    "connection reset",
    "broken pipe",
)


def _is_read_only(error: BaseException) -> bool:
    if getattr(error, "sqlstate", None) in _READ_ONLY_SQLSTATES:
        return True
    return "attempt to write a readonly database" in str(error).lower()


def connection_problem(url: URL, error: BaseException, *, opening: bool) -> DatabaseError | None:
    """A clear, password-free error for a PostgreSQL server that cannot be used, else None."""
    if url.get_backend_name() != "postgresql":
        return None
    message = str(error).lower()
    sqlstate = getattr(error, "sqlstate", None)
    server = server_name(url)
    user = url.username or os.environ.get("PGUSER") or "(your login name)"
    if "could not translate host name" in message or "name or service not known" in message:
        return DatabaseError(f"cannot connect to {server}: the host name is unknown")
    if sqlstate in ("28P01", "28000") or "password authentication failed" in message or (
        "no password supplied" in message
    ):
        return DatabaseError(
            f"cannot log in to {server} as {user}: wrong or missing password "
            "(check ~/.pgpass, or the service in pg_service.conf)"
        )
    if sqlstate == "3D000" or ("database" in message and "does not exist" in message):
        name = url.database or os.environ.get("PGDATABASE") or user
        return DatabaseError(
            f"the database {name!r} does not exist on {server} (see README, Team set-up)"
        )
    if sqlstate in _LOST_SQLSTATES or any(word in message for word in _LOST_WORDS):
        if opening:
            return ConnectionLostError(
                f"cannot connect to the PostgreSQL server at {server}: it is not running or "
                "cannot be reached; try again when it is back"
            )
        return ConnectionLostError(
            f"lost the connection to the PostgreSQL server at {server}: the change in progress "
            "was not saved (what was saved before is safe); Clausekeeper reconnects when the "
            "server is back"
        )
    return None


class _Translator:
    """handle_error: the database's errors as ClausekeeperErrors, in one place."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.user = ""

    def __call__(self, context: Any) -> None:
        error = context.original_exception
        if _is_busy(error):
            where = self.url.database if self.url.get_backend_name() == "sqlite" else (
                display_url(self.url)
            )
            raise DatabaseBusyError(
                f"the database is busy, try again: another program is writing to {where} "
                f"(waited {BUSY_TIMEOUT_SECONDS} s)"
            ) from None
        if _is_read_only(error):
            raise ReadOnlyError(self.user or audit.default_actor(), "saving") from None
        problem = connection_problem(
            self.url, error, opening=context.connection is None and not context.is_disconnect
        )
        if isinstance(problem, ConnectionLostError):
            context.is_disconnect = True  # the pool drops it; the next use reconnects
        if problem is not None:
            raise problem from None


def make_engine(
    url: URL, *, read_only: bool = False, translator: _Translator | None = None
) -> Engine:
    if url.get_backend_name() == "sqlite":
        path = url.database
        if read_only and path and path != ":memory:":
            engine = create_engine(url, creator=_read_only_connector(Path(path)))
            event.listen(engine, "connect", _sqlite_read_only_pragmas)
        else:
            if path and path != ":memory:":
                _create_private_file(Path(path))
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True, connect_args=dict(PG_CONNECT_ARGS))
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DatabaseError(
                f"--db: no driver for {url.drivername} ({exc}); install clausekeeper[postgres]"
            ) from None
    event.listen(engine, "handle_error", translator or _Translator(url))
    return engine


def _read_only_connector(path: Path) -> Any:
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
        )

    return connect


def hold_write_lock(session: Session) -> None:
    """Take the database's write lock now, for the rest of the session's transaction.

    An import reads the database, checks its file against what it read, then writes: with the
    lock taken first, no other program writes in between (two imports creating the same vendor,
    say). Other writers wait for it, up to BUSY_TIMEOUT_SECONDS, then are told the database is
    busy; readers are not held up (SQLite's write-ahead log). On PostgreSQL the imports queue
    on an advisory lock (other writes meet the unique keys instead).
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.dbapi_connection
        if not raw.in_transaction:  # a transaction that has written holds the lock already
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_SECONDS}s'")
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def _who_and_access(db: Database, forced_read_only: bool) -> tuple[str, bool]:
    """(the audit actor, read-only?) as the database sees this login."""
    if db.is_sqlite:
        path = db.path
        read_only = forced_read_only or (path is not None and sqlite_file_read_only(path))
        return audit.default_actor(), read_only
    with db.engine.connect() as conn:
        user = str(conn.execute(text("SELECT current_user")).scalar())
        read_only = forced_read_only or conn.execute(
            text("SELECT current_setting('transaction_read_only') = 'on'")
        ).scalar() is True
        if not read_only and conn.execute(text("SELECT to_regclass('contracts')")).scalar():
            may_write = conn.execute(
                text("SELECT has_table_privilege('contracts', 'INSERT, UPDATE, DELETE')")
            ).scalar()
            read_only = not may_write
    return user, read_only


def open_database(
    target: str | None = None, *, migrate: bool = True, read_only: bool = False
) -> Database:
    """Open (and create or upgrade) the database named by --db, CLAUSEKEEPER_DB or the default.

    read_only: open it for reading only (SQLite: the file is opened read-only; PostgreSQL: every
    transaction is read-only). A database this user may not write is opened read-only anyway;
    it is never migrated (an older schema is an error asking for someone with write access).
    """
    from app.store.migrate import check_schema_readable, ensure_schema

    url = resolve_url(target)
    if url.get_backend_name() == "sqlite" and url.database and not read_only:
        read_only = sqlite_file_read_only(Path(url.database))
    translator = _Translator(url)
    engine = make_engine(
        url, read_only=read_only and url.get_backend_name() == "sqlite", translator=translator
    )
    if read_only and url.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _pg_read_only_session)
    factory = sessionmaker(engine, expire_on_commit=False)
    audit.install(factory)
    db = Database(engine=engine, url=url, factory=factory)
    try:
        db.user, db.read_only = _who_and_access(db, read_only)
        factory.configure(info={audit.ACTOR: db.user})
        translator.user = db.user
        if db.read_only:
            check_schema_readable(db)
        elif migrate:
            try:
                result = ensure_schema(db)
            except ReadOnlyError:  # may write rows, but not create or alter tables
                raise DatabaseError(
                    f"{db.describe()}: the database needs to be created or upgraded, which only "
                    "the owner of its tables may do: ask them to open it once "
                    "(README, Team set-up)"
                ) from None
            db.created, db.backup_path = result.created, result.backup
    except ClausekeeperError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None) or exc
        problem = connection_problem(url, orig, opening=True)
        if problem is not None:
            raise problem from None
        reason = str(orig).splitlines()[0]
        raise DatabaseError(f"cannot open {db.describe()}: {reason}") from None
    return db


def _pg_read_only_session(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()
