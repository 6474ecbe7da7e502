"""Online backup and integrity check."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text

from app.errors import ClausekeeperError, DatabaseError

if TYPE_CHECKING:
    from app.store.engine import Database


def backup_sqlite(db: Database, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent while in use)."""
    source_path = db.path
    if source_path is None:
        raise DatabaseError("the SQLite online backup needs a SQLite database")
    return _sqlite_backup_file(source_path, target)


def _sqlite_backup_file(source_path: Path, target: Path) -> Path:
    target = target.expanduser()
    if target.exists() and target.is_dir():
        raise ClausekeeperError(f"--out: {target} is a folder")
    if not target.parent.exists():
        raise ClausekeeperError(f"--out: the folder {target.parent} does not exist")
    if target.resolve() == source_path.resolve():
        raise ClausekeeperError("--out: the backup cannot overwrite the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    src = sqlite3.connect(str(source_path))
    dst = sqlite3.connect(str(partial))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise DatabaseError(f"backup failed: {exc}") from None
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
    return target


def backup(db: Database, target: Path) -> Path:
    """A backup file of any database: SQLite online backup, or a SQLite copy of PostgreSQL data."""
    if db.is_sqlite:
        return backup_sqlite(db, target)
    return _copy_to_sqlite(db, target)


def _copy_to_sqlite(db: Database, target: Path) -> Path:
    from app.store.engine import open_database
    from app.store.models import Base

    target = target.expanduser()
    if target.exists():
        raise ClausekeeperError(f"--out: {target} exists already; choose a new file")
    copy = open_database(str(target))
    try:
        with db.engine.connect() as src, copy.engine.begin() as dst:
            for table in Base.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in src.execute(select(table))]
                if rows:
                    dst.execute(table.insert(), rows)
    finally:
        copy.close()
    return target


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(db: Database) -> CheckReport:
    """Integrity check: SQLite's own checks, references, schema revision, row counts."""
    from app.store.migrate import current_revision, head_revision
    from app.store.models import Base

    report = CheckReport()
    revision, head = current_revision(db), head_revision()
    if revision != head:
        report.problems.append(f"schema revision is {revision}, expected {head}")
    with db.engine.connect() as conn:
        if db.is_sqlite:
            result = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                report.problems.extend(f"integrity: {line}" for line in result[:20])
            broken = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            for row in broken[:20]:
                report.problems.append(f"broken reference in {row[0]} row {row[1]} to {row[2]}")
        for table in Base.metadata.sorted_tables:
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            report.counts[table.name] = int(count)
    return report
