"""Two programs writing one database at once: both succeed, or one is told the database is busy.

Never a lost write (every write a program reported is in the database), never a damaged file,
never an internal error.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app import cli as cli_module
from app.errors import DatabaseBusyError
from app.reports.foreign_register import import_foreign_register
from app.store import engine as engine_module
from app.store.backup import check
from app.store.engine import Database, open_database
from app.store.models import Contract, Vendor
from tests.store.processes import ROOT, cli

pytestmark = pytest.mark.slow

BUSY = "the database is busy, try again"
ROWS = 1500


def _register_csv(path: Path, tag: str, rows: int = ROWS) -> Path:
    """A foreign register whose vendors (Vendor 0 .. 39) every other file names too."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Supplier", "Contract No", "Description", "Start Date", "Annual Value"])
        for i in range(rows):
            writer.writerow([f"Vendor {i % 40}", f"{tag}-{i}", "Desk", "2024-01-01", "1000"])
    return path


def _finished(child: Any) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=180)
    return child.returncode, out, err


def _assert_ok_or_busy(result: tuple[int, str, str]) -> bool:
    """True when the program wrote; else it was told, in one line, that the database was busy."""
    code, _out, err = result
    assert "internal error" not in err and "Traceback" not in err, err
    if code == 0:
        return True
    assert code == 1 and err.startswith(f"clausekeeper: {BUSY}"), err
    return False


def _references(target: str) -> set[str]:
    db = open_database(target)
    try:
        report = check(db)
        assert report.ok, report.problems
        with db.session() as session:
            return set(session.scalars(select(Contract.reference)))
    finally:
        db.close()


@pytest.mark.sqlite_only  # SQLite's write lock
@pytest.mark.parametrize("rounds", [2])
def test_two_imports_at_once(tmp_path: Path, rounds: int) -> None:
    target = str(tmp_path / "shared.db")
    open_database(target).close()
    expected: set[str] = set()
    for number in range(rounds):
        files = [_register_csv(tmp_path / f"{tag}{number}.csv", f"{tag}{number}")
                 for tag in ("A", "B")]
        children = [cli("--db", target, "import-register", str(f)) for f in files]
        for path, child in zip(files, children, strict=True):
            if _assert_ok_or_busy(_finished(child)):
                expected |= {f"{path.stem}-{i}" for i in range(ROWS)}
    assert _references(target) == expected  # no lost write, nothing half-imported
    assert expected, "neither import ever got through"


GUI_OPERATION = """
import json, sys, time
from app.errors import ClausekeeperError
from app.store.engine import open_database
from app.store.portfolio_actions import create_vendor
db = open_database(sys.argv[1])
done, busy = [], []
end = time.monotonic() + float(sys.argv[2])
i = 0
while time.monotonic() < end:  # edits for as long as the import runs
    i += 1
    name = f"Desk vendor {i}"
    try:
        with db.session() as session:  # one command of the window: its own transaction
            create_vendor(session, {"name": name})
        done.append(name)
    except ClausekeeperError as exc:
        assert str(exc).startswith("the database is busy, try again"), exc
        busy.append(name)
print(json.dumps({"done": done, "busy": busy}))
"""


@pytest.mark.sqlite_only  # SQLite's write lock
def test_a_window_edit_during_a_command_line_import(tmp_path: Path) -> None:
    target = str(tmp_path / "shared.db")
    open_database(target).close()
    register = _register_csv(tmp_path / "big.csv", "BIG", rows=4000)
    importer = cli("--db", target, "import-register", str(register))
    window = _python(GUI_OPERATION, target, "4")
    edits = _finished(window)
    assert edits[0] == 0, edits[2]
    imported = _assert_ok_or_busy(_finished(importer))
    report = json.loads(edits[1])
    db = open_database(target)
    try:
        with db.session() as session:
            names = set(session.scalars(select(Vendor.name)))
            contracts = session.scalar(select(func.count()).select_from(Contract))
    finally:
        db.close()
    assert set(report["done"]) <= names  # every edit the window reported is there
    assert not set(report["busy"]) & names  # and an edit it refused is not
    assert contracts == (4000 if imported else 0)
    assert len(report["done"]) > 10


def _python(script: str, *args: str) -> Any:
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-c", script, *args], cwd=ROOT, text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


# --- a lock held too long ------------------------------------------------------------------------


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_SECONDS", 1)


@pytest.mark.sqlite_only  # SQLite's write lock
def test_an_import_told_the_database_is_busy(
    tmp_path: Path, short_wait: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "shared.db"
    open_database(str(path)).close()
    register = _register_csv(tmp_path / "r.csv", "R", rows=10)
    holder = sqlite3.connect(path, isolation_level=None)  # another program, mid-write
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO vendors (name) VALUES ('Held')")
    try:
        code = cli_module.main(["--db", str(path), "import-register", str(register)])
        err = capsys.readouterr().err
        assert code == 1
        assert err == (f"clausekeeper: {BUSY}: another program is writing to {path} "
                       "(waited 1 s)\n")
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert _references(str(path)) == set()  # nothing of the import
    # once the other program is done, the same import goes through
    assert cli_module.main(["--db", str(path), "import-register", str(register)]) == 0
    assert len(_references(str(path))) == 10


@pytest.mark.sqlite_only  # SQLite's write lock
def test_a_window_edit_told_the_database_is_busy(tmp_path: Path, short_wait: None) -> None:
    from app.store.portfolio_actions import create_vendor

    path = tmp_path / "shared.db"
    db = open_database(str(path))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusyError, match=f"^{BUSY}"), db.session() as session:
            create_vendor(session, {"name": "Initech"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with db.session() as session:
        create_vendor(session, {"name": "Initech"})
    db.close()


@pytest.mark.postgres
def test_postgresql_imports_queue_and_time_out_clearly(
    pg_db: Database, tmp_path: Path, short_wait: None
) -> None:
    url = pg_db.url.render_as_string(hide_password=False)
    files = [_register_csv(tmp_path / f"{tag}.csv", tag, rows=800) for tag in ("PA", "PB")]
    children = [cli("--db", url, "import-register", str(f)) for f in files]
    expected: set[str] = set()
    for path, child in zip(files, children, strict=True):
        if _assert_ok_or_busy(_finished(child)):
            expected |= {f"{path.stem}-{i}" for i in range(800)}
    assert _references(url) == expected and expected
    # a second program holding the import lock: the next import gives up after the wait
    with pg_db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": engine_module.WRITE_LOCK_KEY})
        with pytest.raises(DatabaseBusyError, match=f"^{BUSY}"), pg_db.session() as session:
            import_foreign_register(session, _register_csv(tmp_path / "PC.csv", "PC", rows=5))
        other.rollback()
    assert _references(url) == expected
