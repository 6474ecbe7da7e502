"""README "Team set-up" works as written: its SQL, run as it stands (names made unique), gives an
owner who creates the tables, read-write people who save, and a read-only person who reads."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from app.errors import ReadOnlyError
from app.store import portfolio_actions as actions
from app.store.engine import open_database
from tests.conftest import pg_admin_url

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = ("clausekeeper_admin", "clausekeeper_rw", "clausekeeper_ro", "alice", "bob", "carol")


def _readme_sql() -> str:
    section = README.read_text(encoding="utf-8").split("## Team set-up", 1)[1]
    return section.split("```sql\n", 1)[1].split("```", 1)[0]


def _statements(sql: str) -> Iterator[str]:
    """Statements, and psql's `\\c DATABASE` lines as they are."""
    pending = ""
    for line in sql.splitlines():
        line = line.split("--", 1)[0].rstrip()
        if line.startswith("\\c "):
            yield line
            continue
        pending += " " + line
        if pending.strip().endswith(";"):
            yield pending.strip().rstrip(";")
            pending = ""


@contextmanager
def _server_as_readme_says() -> Iterator[tuple[str, dict[str, str]]]:
    admin = make_url(pg_admin_url())
    suffix = uuid.uuid4().hex[:8]
    names = {role: f"{role}_{suffix}" for role in ROLES}
    database = f"ck_readme_{suffix}"
    sql = re.sub(r"\b(" + "|".join(ROLES) + r")\b", lambda m: names[m.group(1)], _readme_sql())
    sql = re.sub(r"\bclausekeeper\b", database, sql)
    current: URL = admin
    try:
        for statement in _statements(sql):
            if statement.startswith("\\c "):
                current = admin.set(database=statement.split()[1])
                continue
            engine = create_engine(current, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with engine.connect() as conn:
                conn.execute(text(statement))
            engine.dispose()
        yield database, names
    finally:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in reversed(ROLES):
                conn.execute(text(f"DROP ROLE IF EXISTS {names[role]}"))
        engine.dispose()


def _url(database: str, user: str, password: str) -> str:
    return make_url(pg_admin_url()).set(
        database=database, username=user, password=password
    ).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_the_readme_sql_sets_up_owner_writers_and_a_reader() -> None:
    passwords = dict(re.findall(r"CREATE ROLE (\w+)\s+LOGIN PASSWORD '([^']+)'", _readme_sql()))
    assert set(passwords) == {"clausekeeper_admin", "alice", "bob", "carol"}
    with _server_as_readme_says() as (database, names):
        owner = open_database(_url(database, names["clausekeeper_admin"],
                                   passwords["clausekeeper_admin"]))
        assert owner.created and not owner.read_only
        owner.close()
        alice = open_database(_url(database, names["alice"], passwords["alice"]))
        try:
            assert not alice.read_only and alice.user == names["alice"]
            with alice.session() as s:
                actions.create_vendor(s, {"name": "Northwind IT"})
        finally:
            alice.close()
        carol = open_database(_url(database, names["carol"], passwords["carol"]))
        try:
            assert carol.read_only
            with carol.session() as s:
                assert actions.find_vendor(s, "Northwind IT") == 1
            with pytest.raises(ReadOnlyError, match=f"read-only for user '{names['carol']}'"):
                with carol.session() as s:
                    actions.create_vendor(s, {"name": "Not allowed"})
        finally:
            carol.close()
