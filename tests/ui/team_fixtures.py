"""PostgreSQL helpers of the team-use GUI tests: a read-only role, an outage.

They need the server of CLAUSEKEEPER_TEST_PG_URL (its user may create databases and roles, as
pg_virtualenv's does) and skip without one (tests/conftest.pg_database).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text

from app.store.engine import Database, open_database
from tests.conftest import PG_ENV, pg_database, pg_roles
from tests.ui.conftest import add_portfolio


def _admin() -> Engine:
    import os

    return create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")


@contextmanager
def pg_portfolio() -> Iterator[Database]:
    """A fresh PostgreSQL database with the small portfolio of tests/ui/conftest."""
    with pg_database() as db:
        with db.session() as session:
            add_portfolio(session)
        yield db


@contextmanager
def read_only_role() -> Iterator[tuple[Database, str]]:
    """The portfolio opened by a role that may only read it: (database, role name)."""
    with pg_roles("writer", readers=("reader",)) as (urls, names):
        writer = open_database(urls[0])
        try:
            with writer.session() as session:
                add_portfolio(session)
        finally:
            writer.close()
        reader = open_database(urls[1])
        try:
            yield reader, names[1]
        finally:
            reader.close()


@contextmanager
def outage(db: Database) -> Iterator[None]:
    """The database refuses new connections and every open one is cut (as when its server
    restarts) until the block ends."""
    name = db.url.database
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
