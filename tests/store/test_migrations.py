"""Schema versions: create at head, upgrade old databases after a backup, refuse newer ones."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from app.errors import DatabaseError
from app.store.engine import open_database
from app.store.migrate import alembic_config, head_revision
from app.store.models import Base

pytestmark = pytest.mark.sqlite_only  # SQLite files and their upgrades


def _make_old_database(path: Path) -> None:
    """A database at the first revision, filled through plain SQL as that version would."""
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
    engine.dispose()
    con = sqlite3.connect(path)
    con.executescript(
        """
        INSERT INTO vendors (id, name) VALUES (1, 'Acme Outsourcing');
        INSERT INTO people (id, name, email) VALUES (1, 'Ann Berger', 'ann@example.com');
        INSERT INTO contracts (id, reference, title, vendor_id, owner_id, start_date,
            initial_term_months, renewal, renewal_term_months, options_exercised, notice_value,
            notice_unit, annual_value, currency, credit_claim_days, reminder_days)
          VALUES (1, 'C-2021-014', 'Service desk', 1, 1, '2021-01-31', 36, 'auto', 12, 0, 3,
            'months', '1200000.10', 'EUR', 30, '180,90,30,7');
        INSERT INTO clauses (id, contract_id, number, title, criticality)
          VALUES (1, 1, '7.10', 'Knowledge transfer', 4);
        INSERT INTO knowledge (id, person_id, clause_id, level, verified_on)
          VALUES (1, 1, 1, 3, '2025-05-01');
        INSERT INTO audit_log (id, at, actor, entity, entity_key, action)
          VALUES (1, '2025-01-01 10:00:00', 'ann', 'Contract', 'C-2021-014', 'insert');
        """
    )
    con.commit()
    con.close()


def test_new_database_is_created_at_head(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "new.db"))
    assert db.created
    con = sqlite3.connect(tmp_path / "new.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    db.close()


def test_new_database_file_is_private(tmp_path: Path) -> None:
    open_database(str(tmp_path / "private.db")).close()
    assert (tmp_path / "private.db").stat().st_mode & 0o777 == 0o600


def test_old_database_is_backed_up_then_upgraded_with_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "portfolio.db"
    _make_old_database(path)
    db = open_database(str(path))
    try:
        assert db.backup_path is not None and db.backup_path.exists()
        assert "0001" in db.backup_path.name
        # The backup is the old database, untouched.
        old = sqlite3.connect(db.backup_path)
        assert old.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        old.close()
        con = sqlite3.connect(path)
        version = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert version == head_revision()
        assert con.execute(
            "SELECT reference, annual_value, start_date FROM contracts"
        ).fetchall() == [("C-2021-014", "1200000.10", "2021-01-31")]
        assert con.execute("SELECT number FROM clauses").fetchall() == [("7.10",)]
        assert con.execute("SELECT level, verified_on FROM knowledge").fetchall() == [
            (3, "2025-05-01")
        ]
        # The new column was filled for the old contract audit row.
        assert con.execute("SELECT contract_ref FROM audit_log").fetchall() == [("C-2021-014",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        con.close()
    finally:
        db.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    open_database(str(path)).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="newer version of Clausekeeper"):
        open_database(str(path))


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    with pytest.raises(DatabaseError, match="not a Clausekeeper database"):
        open_database(str(path))


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "head.db"))
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the expression index on people; it is created by 0001.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == []


def test_schema_head_constant_follows_the_scripts() -> None:
    from app.store.migrate import SCHEMA_HEAD

    assert SCHEMA_HEAD == head_revision()


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    open_database(str(tmp_path / "current.db")).close()
    code = (
        "import sys\n"
        "from app.store.engine import open_database\n"
        f"open_database({str(tmp_path / 'current.db')!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
