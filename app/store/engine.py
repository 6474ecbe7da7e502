"""Opening a database: URL resolution, SQLite pragmas, migrations on open, sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ClausekeeperError, DatabaseBusyError, DatabaseError
from app.store import audit
from app.store.conflicts import stale_conflict

ENV_VAR = "CLAUSEKEEPER_DB"
BUSY_TIMEOUT_SECONDS = 5
"""How long a writer waits for another program's write lock before "the database is busy"."""
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
"""PostgreSQL: lock not available, serialization failure, deadlock detected."""
WRITE_LOCK_KEY = 0x436B_5772  # "CkWr": the advisory lock that imports hold on PostgreSQL
APP_NAME = "Clausekeeper"


def data_dir() -> Path:
    """The user data folder (created on demand)."""
    path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "clausekeeper.db"


def demo_database_path() -> Path:
    return data_dir() / "demo.db"


def resolve_url(target: str | None) -> URL:
    """A SQLAlchemy URL for --db: a URL as given, or a SQLite file path."""
    raw = target if target not in (None, "") else os.environ.get(ENV_VAR) or ""
    if not raw:
        return sqlite_url(default_database_path())
    if "://" in raw:
        try:
            url = make_url(raw)
        except ArgumentError:
            raise DatabaseError(f"--db: {raw!r} is not a valid database URL") from None
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

    @property
    def path(self) -> Path | None:
        if self.url.get_backend_name() == "sqlite" and self.url.database:
            return Path(self.url.database)
        return None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The database for people: a file path, or the URL without its password."""
        path = self.path
        return str(path) if path else self.url.render_as_string(hide_password=True)

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
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _is_busy(error: BaseException) -> bool:
    """A lock another program holds (SQLite: locked or busy; PostgreSQL: lock timeout...)."""
    if getattr(error, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(error).lower()
    return type(error).__name__ == "OperationalError" and (
        "database is locked" in message or "database is busy" in message
    )


def _busy_error(url: URL) -> Any:
    where = url.database if url.get_backend_name() == "sqlite" else url.render_as_string(
        hide_password=True
    )

    def handle(context: Any) -> None:
        if _is_busy(context.original_exception):
            raise DatabaseBusyError(
                f"the database is busy, try again: another program is writing to {where} "
                f"(waited {BUSY_TIMEOUT_SECONDS} s)"
            ) from None

    return handle


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _create_private_file(Path(url.database))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DatabaseError(
                f"--db: no driver for {url.drivername} ({exc}); install clausekeeper[postgres]"
            ) from None
    event.listen(engine, "handle_error", _busy_error(url))
    return engine


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


def open_database(target: str | None = None, *, migrate: bool = True) -> Database:
    """Open (and create or upgrade) the database named by --db, CLAUSEKEEPER_DB or the default."""
    from app.store.migrate import ensure_schema

    url = resolve_url(target)
    engine = make_engine(url)
    factory = sessionmaker(
        engine, expire_on_commit=False, info={audit.ACTOR: audit.default_actor(url.username)}
    )
    audit.install(factory)
    db = Database(engine=engine, url=url, factory=factory)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if migrate:
            result = ensure_schema(db)
            db.created, db.backup_path = result.created, result.backup
    except ClausekeeperError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DatabaseError(f"cannot open {db.describe()}: {reason}") from None
    return db
