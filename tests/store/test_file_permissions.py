"""The database, its write-ahead log files and every backup are readable by their owner only."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from app.store.backup import backup
from app.store.engine import Database, open_database
from app.store.migrate import alembic_config
from app.store.models import Vendor

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    """The worst case: a umask that lets everybody read new files."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.sqlite_only  # SQLite file modes
def test_database_and_its_log_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.db"
    db = open_database(str(path))
    try:
        with db.session() as session:
            session.add(Vendor(name="Acme"))
        holder = db.engine.connect()  # keeps the log files while the database is open
        try:
            wal, shm = (tmp_path / "portfolio.db-wal", tmp_path / "portfolio.db-shm")
            assert wal.exists() and shm.exists()
            assert [_mode(p) for p in (path, wal, shm)] == [0o600, 0o600, 0o600]
        finally:
            holder.close()
        target = backup(db, tmp_path / "copy.db")
        assert _mode(target) == 0o600
    finally:
        db.close()
    assert not list(tmp_path.glob("*.partial*"))


@pytest.mark.sqlite_only  # SQLite file modes
def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    made = tmp_path / "made.db"
    open_database(str(made)).close()
    path = tmp_path / "copied.db"
    shutil.copy(made, path)
    os.chmod(path, 0o644)
    open_database(str(path)).close()
    assert _mode(path) == 0o600


@pytest.mark.sqlite_only  # SQLite file modes
def test_the_backup_before_an_upgrade_is_private(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
    engine.dispose()
    os.chmod(path, 0o644)
    db = open_database(str(path))
    try:
        assert db.backup_path is not None
        assert _mode(db.backup_path) == 0o600
        con = sqlite3.connect(db.backup_path)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        con.close()
    finally:
        db.close()
    assert _mode(path) == 0o600


@pytest.mark.postgres
def test_a_backup_of_postgresql_is_private(pg_db: Database, tmp_path: Path) -> None:
    target = backup(pg_db, tmp_path / "team.db")
    assert _mode(target) == 0o600
