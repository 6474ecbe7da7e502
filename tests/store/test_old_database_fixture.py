"""tests/data/portfolio-0001.sql: a database of an earlier version, which the package (here) and
the desktop bundle (installer/smoke.sh) must back up and migrate to the newest schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from app.store.backup import check
from app.store.engine import open_database
from app.store.migrate import alembic_config, head_revision

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "portfolio-0001.sql"

pytestmark = pytest.mark.sqlite_only  # SQLite files and their upgrades


def _load_fixture(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(FIXTURE.read_text(encoding="utf-8"))
    con.close()


def _schema(path: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    con.close()
    return rows


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    lines = list(con.iterdump())
    con.close()
    return lines


def _revision(path: Path) -> str:
    con = sqlite3.connect(path)
    (value,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    con.close()
    return str(value)


def test_fixture_is_the_schema_revision_0001_makes(tmp_path: Path) -> None:
    made = tmp_path / "made.db"
    engine = create_engine(f"sqlite:///{made}")
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
    engine.dispose()
    fixture = tmp_path / "fixture.db"
    _load_fixture(fixture)
    assert _revision(fixture) == "0001"
    assert _schema(fixture) == _schema(made)


def test_the_package_backs_it_up_then_migrates_it_to_head(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.db"
    _load_fixture(path)
    original = _dump(path)
    db = open_database(str(path))
    try:
        assert db.backup_path is not None
        assert db.backup_path.name.startswith("portfolio.before-upgrade-0001-")
        assert _dump(db.backup_path) == original  # the old database, untouched
        assert _revision(path) == head_revision()
        report = check(db)
        assert report.ok, report.problems
        assert report.counts["contracts"] == 2 and report.counts["clauses"] == 3
        assert report.counts["measurements"] == 2
    finally:
        db.close()
    # opened again: current, so no second backup
    open_database(str(path)).close()
    assert len(list(tmp_path.glob("*.before-upgrade-*"))) == 1
