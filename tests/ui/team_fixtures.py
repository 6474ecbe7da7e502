"""PostgreSQL helpers of the team-use GUI tests: a read-only role, an outage.

They need the server of CLAUSEKEEPER_TEST_PG_URL (its user may create databases and roles, as
pg_virtualenv's does) and skip without one (tests/conftest.pg_database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.store.engine import Database, open_database
from tests.conftest import PG_ENV, pg_database
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
    with pg_portfolio() as db:
        name = db.url.database
        user = f"ck_reader_{uuid.uuid4().hex[:8]}"
        admin = _admin()
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {user} LOGIN PASSWORD 'reader'"))
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{name}" TO {user}'))
        owner = create_engine(db.url, isolation_level="AUTOCOMMIT")
        with owner.connect() as conn:
            conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {user}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}"))
        owner.dispose()
        url = make_url(db.url).set(username=user, password="reader")
        reader = open_database(url.render_as_string(hide_password=False))
        try:
            yield reader, user
        finally:
            reader.close()
            with admin.connect() as conn:
                conn.execute(text(f'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                                  f"WHERE usename = '{user}'"))
                conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM {user}'))
            owner = create_engine(db.url, isolation_level="AUTOCOMMIT")
            with owner.connect() as conn:
                conn.execute(text(f"DROP OWNED BY {user}"))
            owner.dispose()
            with admin.connect() as conn:
                conn.execute(text(f"DROP ROLE IF EXISTS {user}"))
            admin.dispose()


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
