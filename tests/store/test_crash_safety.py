"""SIGKILL at random points of a large import and of a schema upgrade.

After every kill the database passes `check`, holds all of the import or none of it, and a
backup taken before an upgrade opens as the old database, whole. The kills are seeded: a failure
names its seed and delay, and the same run repeats it.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from app.reports.export import export_report
from app.store.backup import check
from app.store.demo import generate
from app.store.engine import Database, open_database
from app.store.migrate import alembic_config, head_revision
from tests.store.processes import cli, kill_when, run_cli, wal_written

pytestmark = pytest.mark.slow

SEED = 14
IMPORTED = ("vendors", "people", "contracts", "clauses", "knowledge", "slas", "measurements",
            "credit_notes")
KILLS_AT_RANDOM = 3
"""Kills at a random moment of the whole run (start-up, reading, checking, writing)."""
KILLS_WHILE_WRITING = 3
"""Kills within 10 ms of the first page reaching the write-ahead log: during the commit."""
UPGRADE_KILLS = 5
AUDIT_ROWS = 40_000
"""History rows of the old database: its upgrade (0002 fills a new column) takes a while."""


@dataclass
class Register:
    workbook: Path
    empty: Path  # a migrated, empty database to copy
    full: dict[str, int]  # rows per table after a complete import
    seconds: float  # how long the complete import took, start-up included


def _counts(target: str) -> dict[str, int]:
    db = open_database(target)
    try:
        report = check(db)
        assert report.ok, report.problems
        return report.counts
    finally:
        db.close()


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Register:
    """The small demo (about 4,300 records) as a register workbook, and its complete import."""
    folder = tmp_path_factory.mktemp("crash")
    source = open_database(str(folder / "source.db"))
    try:
        with source.session() as session:
            generate(session, scale="small", seed=3, as_of=date(2026, 11, 1))
        with source.session() as session:
            workbook = export_report(session, "register", folder / "register.xlsx",
                                     date(2026, 11, 1))
    finally:
        source.close()
    empty = folder / "empty.db"
    open_database(str(empty)).close()
    reference = folder / "reference.db"
    shutil.copy(empty, reference)
    start = time.monotonic()
    done = run_cli("--db", str(reference), "import", str(workbook))
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    return Register(workbook, empty, _counts(str(reference)), seconds)


def _all_or_none(counts: dict[str, int], full: dict[str, int]) -> str:
    imported = {t: counts[t] for t in IMPORTED}
    if all(n == 0 for n in imported.values()):
        return "none"
    assert imported == {t: full[t] for t in IMPORTED}, "a killed import left part of its rows"
    return "all"


@pytest.mark.sqlite_only  # SQLite's own crash safety
def test_sigkill_during_a_large_import_leaves_all_or_none(
    register: Register, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    outcomes: list[str] = []
    # Within the first 70 % of the reference run: a later run can be faster than that cold one,
    # and a kill after the end would not test anything.
    plans = [("random", rng.uniform(0.2, register.seconds * 0.7)) for _ in range(KILLS_AT_RANDOM)]
    plans += [("writing", rng.uniform(0.0, 0.01)) for _ in range(KILLS_WHILE_WRITING)]
    killed = 0
    rerun = False
    for number, (moment, delay) in enumerate(plans):
        path = tmp_path / f"kill-{number}.db"
        shutil.copy(register.empty, path)
        child = cli("--db", str(path), "import", str(register.workbook))
        ready = wal_written(path) if moment == "writing" else (lambda: True)
        killed += kill_when(child, ready, delay)
        state = _all_or_none(_counts(str(path)), register.full)  # check() passes, too
        outcomes.append(f"{moment}+{delay:.3f}s: {state}")
        if state == "none" and not rerun:  # the import can simply be run again
            rerun = True
            again = run_cli("--db", str(path), "import", str(register.workbook))
            assert again.returncode == 0, (outcomes[-1], again.stderr)
            assert _all_or_none(_counts(str(path)), register.full) == "all"
    print(f"import: {killed} kills survived, 0 rows lost ({'; '.join(outcomes)})")
    assert killed >= len(plans) - 2, outcomes  # the kills did land during the import


@pytest.mark.postgres
def test_sigkill_during_an_import_into_postgresql(register: Register, pg_db: Database) -> None:
    url = pg_db.url.render_as_string(hide_password=False)
    rng = random.Random(SEED)
    before = _counts(url)
    full = {t: before[t] + register.full[t] for t in IMPORTED}
    states = []
    for _ in range(3):
        child = cli("--db", url, "import", str(register.workbook))
        kill_when(child, lambda: True, rng.uniform(0.5, 2.5))
        counts = _counts(url)
        states.append(_all_or_none({t: counts[t] - before[t] for t in IMPORTED},
                                   {t: full[t] - before[t] for t in IMPORTED}))
        if states[-1] == "all":
            break
    assert set(states) <= {"none", "all"}


# --- upgrades ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def old_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at revision 0001 with a contract and a long history."""
    path = tmp_path_factory.mktemp("old") / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.commit()
        conn.execute(text("INSERT INTO vendors (id, name) VALUES (1, 'Acme')"))
        conn.execute(
            text("INSERT INTO audit_log (at, actor, entity, entity_key, action, changes) "
                 "VALUES ('2025-01-01 10:00:00', 'ann', 'Contract', :key, 'insert', :changes)"),
            [{"key": f"C-{i:05d}", "changes": '{"title": [null, "Desk"]}'}
             for i in range(AUDIT_ROWS)],
        )
        conn.commit()
    engine.dispose()
    return path


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.stem}.before-upgrade-*"))


def _assert_backup_opens(backup: Path) -> None:
    con = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (AUDIT_ROWS,)
    finally:
        con.close()
    assert backup.stat().st_mode & 0o777 == 0o600


@pytest.mark.sqlite_only  # SQLite's own crash safety
def test_sigkill_during_an_upgrade_leaves_the_old_or_the_new_schema(
    old_database: Path, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    start = time.monotonic()
    whole = tmp_path / "whole.db"
    shutil.copy(old_database, whole)
    assert run_cli("--db", str(whole), "check").returncode == 0
    duration = time.monotonic() - start
    outcomes = []
    killed = 0
    limit = duration
    attempts = 0
    # Until enough kills have landed: an upgrade that finished before its kill (the machine was
    # faster than the first, cold run) is checked all the same, and the next kill comes sooner.
    while killed < UPGRADE_KILLS and attempts < UPGRADE_KILLS * 4:
        attempts += 1
        folder = tmp_path / f"kill-{attempts}"
        folder.mkdir()
        path = folder / "old.db"
        shutil.copy(old_database, path)
        delay = rng.uniform(0.1, limit)
        landed = kill_when(cli("--db", str(path), "check"), lambda: True, delay)
        killed += landed
        if not landed:
            limit = max(0.2, delay * 0.8)
        con = sqlite3.connect(path)
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        con.close()
        assert revision in ("0001", head_revision())  # never a schema in between
        finished = [b for b in _backups(path) if ".partial" not in b.name]
        stage = "after the backup" if finished else "before or during the backup"
        for backup in _backups(path):
            if not backup.name.endswith((".partial", ".partial-journal")):
                _assert_backup_opens(backup)  # a finished backup is the whole old database
        db = open_database(str(path))  # upgrades again when the kill came first
        try:
            report = check(db)
            assert report.ok, report.problems
            assert report.counts["audit_log"] == AUDIT_ROWS
            assert report.counts["vendors"] == 1
        finally:
            db.close()
        assert not [b for b in _backups(path) if ".partial" in b.name], "half backups remain"
        assert any(True for _ in _backups(path)), "no backup of the old database"
        for backup in _backups(path):
            _assert_backup_opens(backup)
        outcomes.append(f"+{delay:.2f}s {stage}: left at {revision}")
    print(f"upgrade: {killed} kills survived ({'; '.join(outcomes)})")
    assert killed >= UPGRADE_KILLS - 2, outcomes


@pytest.mark.sqlite_only  # SQLite's own crash safety
def test_the_upgrade_is_one_transaction(old_database: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration failing half-way (as a kill would stop it) leaves revision 0001 intact."""
    from app.store import migrate

    path = tmp_path / "old.db"
    shutil.copy(old_database, path)
    real = command.upgrade

    def upgrade_then_fail(config: object, target: str) -> None:
        real(config, target)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # after every statement of the upgrade ran, before COMMIT

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(KeyboardInterrupt):
        open_database(str(path))
    monkeypatch.setattr(command, "upgrade", real)
    con = sqlite3.connect(path)
    columns = [row[1] for row in con.execute("PRAGMA table_info(audit_log)")]
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    con.close()
    assert "contract_ref" not in columns  # the ALTER TABLE was rolled back with the rest
    db = open_database(str(path))
    try:
        assert migrate.current_revision(db) == head_revision()
        assert check(db).ok
    finally:
        db.close()

