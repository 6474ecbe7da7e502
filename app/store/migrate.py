"""Schema versions: create at head, back up then upgrade an older database, refuse a newer one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from app.errors import DatabaseError
from app.paths import shipped_dir

if TYPE_CHECKING:
    from alembic.config import Config

    from app.store.engine import Database

# The newest revision in db/versions. Opening a current database compares against it with one
# query and never imports Alembic (about 100 ms of every start-up); a test keeps it in step.
SCHEMA_HEAD = "0005_covering_indexes"


def migrations_dir() -> Path:
    """The Alembic scripts: `db/` in a checkout, `app/migrations` in an installed wheel."""
    return shipped_dir("app.migrations", "db")


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class SchemaResult:
    created: bool
    upgraded_from: str | None
    backup: Path | None


def ensure_schema(db: Database) -> SchemaResult:
    """Bring the database to the head revision, or refuse it with a clear message."""
    if _stored_revision(db) == SCHEMA_HEAD:
        return SchemaResult(False, None, None)
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    if current == head:
        return SchemaResult(False, None, None)
    if current is None:
        if tables:
            raise DatabaseError(
                f"{db.describe()} is not a Clausekeeper database "
                f"(it holds other tables: {', '.join(sorted(tables)[:5])})"
            )
        _upgrade(db, "head")
        return SchemaResult(True, None, None)
    try:
        script.get_revision(current)
    except Exception:
        raise DatabaseError(
            f"{db.describe()} was written by a newer version of Clausekeeper "
            f"(schema {current}; this version knows up to {head}). "
            "Install the newer version to open it."
        ) from None
    backup = None
    if db.is_sqlite:
        from app.store.backup import backup_sqlite

        path = db.path
        assert path is not None
        _remove_partial_backups(path)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(
            f"{path.stem}.before-upgrade-{current}-{stamp}{path.suffix or '.db'}"
        )
        backup_sqlite(db, backup)
    _upgrade(db, "head")
    return SchemaResult(False, current, backup)


def check_schema_readable(db: Database) -> None:
    """A database opened read-only is used as it is: refuse one that is not at the head revision
    (it cannot be upgraded without write access)."""
    stored = _stored_revision(db)
    if stored == SCHEMA_HEAD:
        return
    if stored is None:
        raise DatabaseError(
            f"{db.describe()} holds no Clausekeeper portfolio yet, and this user may only read it"
        )
    from alembic.script import ScriptDirectory

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(stored)
    except Exception:
        raise DatabaseError(
            f"{db.describe()} was written by a newer version of Clausekeeper "
            f"(schema {stored}). Install the newer version to open it."
        ) from None
    raise DatabaseError(
        f"{db.describe()}: the database needs an upgrade; ask someone with write access to "
        "open it once"
    )


def _stored_revision(db: Database) -> str | None:
    """The revision recorded in the database, read with plain SQL (None when there is none)."""
    try:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def _upgrade(db: Database, target: str) -> None:
    """Run the migrations to `target` in one transaction: a crash leaves the old schema whole.

    SQLite's driver runs DDL (ALTER TABLE, CREATE INDEX) outside any transaction of its own,
    so a process killed half-way would leave a half-upgraded file that no later upgrade can
    finish; the upgrade therefore runs inside an explicit BEGIN IMMEDIATE ... COMMIT.
    """
    from alembic import command

    config = alembic_config()
    with db.engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        saved_level = None
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # (no effect inside a transaction)
            saved_level = raw.isolation_level
            raw.isolation_level = None  # the driver opens and commits nothing by itself now
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, target)
            if db.is_sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise DatabaseError(
                        f"{db.describe()}: the upgrade would leave {len(problems)} broken "
                        "references; nothing was changed"
                    )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if db.is_sqlite:
                raw.isolation_level = saved_level
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(text("SELECT 1"))


def _remove_partial_backups(path: Path) -> None:
    """Backups a killed upgrade left half-written (`*.before-upgrade-*.partial*`)."""
    for leftover in path.parent.glob(f"{path.stem}.before-upgrade-*.partial*"):
        leftover.unlink(missing_ok=True)
