"""Shared fixtures: a real, migrated SQLite database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.store.engine import Database, open_database  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real user data folder or the developer's CLAUSEKEEPER_DB."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("CLAUSEKEEPER_DB", raising=False)


BACKEND_ENV = "CLAUSEKEEPER_TEST_BACKEND"
PG_ENV = "CLAUSEKEEPER_TEST_PG_URL"


def on_postgres() -> bool:
    """The run's `db` fixture is PostgreSQL (CLAUSEKEEPER_TEST_BACKEND=postgresql)."""
    return os.environ.get(BACKEND_ENV, "sqlite") == "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: about SQLite itself (file permissions, WAL, crash safety): not run when "
        f"{BACKEND_ENV}=postgresql",
    )
    if on_postgres() and not os.environ.get(PG_ENV):
        raise pytest.UsageError(f"{BACKEND_ENV}=postgresql needs {PG_ENV} (.ci/run sets both)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not on_postgres():
        return
    skip = pytest.mark.skip(reason="about SQLite itself; this run is on PostgreSQL")
    for item in items:
        if item.get_closest_marker("sqlite_only") is not None:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _drop_template()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated database: SQLite in tmp_path, or PostgreSQL on the PostgreSQL run."""
    if on_postgres():
        with pg_database() as database:
            yield database
        return
    database = open_database(str(tmp_path / "test.db"))
    yield database
    database.close()


@pytest.fixture
def db_target(db: Database) -> str:
    """What to pass as --db to reach the `db` fixture's database (a path, or a URL)."""
    if db.is_sqlite:
        return str(db.path)
    return db.url.render_as_string(hide_password=False)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


_template: dict[str, str] = {}


def pg_admin_url() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (.ci/run does)")
    return base


def _template_name() -> str:
    """A migrated database to copy (CREATE DATABASE ... TEMPLATE): made once per run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if "name" in _template:
        return _template["name"]
    base = pg_admin_url()
    name = f"ck_tmpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    _template["name"] = name
    open_database(make_url(base).set(database=name).render_as_string(hide_password=False)).close()
    return name


def _drop_template() -> None:
    name = _template.pop("name", None)
    if name is None:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def pg_database(*, migrated: bool = True) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database, dropped afterwards (skips without a server)."""
    with pg_database_url(migrated=migrated) as url:
        database = open_database(url)
        try:
            yield database
        finally:
            database.close()


@contextmanager
def pg_database_url(*, migrated: bool = True) -> Iterator[str]:
    """The URL (as the server's superuser) of a fresh PostgreSQL database, dropped afterwards.

    migrated: a copy of a database at the head revision (fast), else an empty one.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = pg_admin_url()
    template = f' TEMPLATE "{_template_name()}"' if migrated else ""
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"ck_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


TEAM_GRANTS = (
    # The README's "Team set-up", for the group roles {rw} (read-write) and {ro} (read-only).
    'GRANT CONNECT ON DATABASE "{database}" TO {rw}, {ro}',
    "GRANT USAGE ON SCHEMA public TO {rw}, {ro}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {rw}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {rw}",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ro}",
)


@contextmanager
def pg_roles(
    *writers: str, readers: tuple[str, ...] = ()
) -> Iterator[tuple[list[str], list[str]]]:
    """A fresh migrated database and login roles on it, granted as README "Team set-up" says.

    Yields (urls, role names), writers first then readers; role names get a unique suffix (roles
    belong to the whole server). Writers are members of a read-write group role, readers of a
    read-only one (SELECT only). Everything is dropped afterwards.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    suffix = uuid.uuid4().hex[:8]
    rw, ro = f"ck_rw_{suffix}", f"ck_ro_{suffix}"
    names = [f"{base}_{suffix}" for base in (*writers, *readers)]
    password = uuid.uuid4().hex
    try:
        with pg_database_url() as url:
            owner = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with owner.connect() as conn:
                conn.execute(text(f"CREATE ROLE {rw} NOLOGIN"))
                conn.execute(text(f"CREATE ROLE {ro} NOLOGIN"))
                for grant in TEAM_GRANTS:
                    conn.execute(text(grant.format(database=make_url(url).database, rw=rw, ro=ro)))
                for index, role in enumerate(names):
                    group = rw if index < len(writers) else ro
                    conn.execute(
                        text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {group}")
                    )
            owner.dispose()
            yield [
                make_url(url).set(username=role, password=password).render_as_string(
                    hide_password=False
                )
                for role in names
            ], names
    finally:  # the database is gone, and the roles' privileges with it
        admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with admin.connect() as conn:
                for role in (*names, rw, ro):
                    conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        finally:
            admin.dispose()


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database (a new one per test, dropped afterwards)."""
    with pg_database() as database:
        yield database
