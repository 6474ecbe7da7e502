"""Backup, integrity check and the demo portfolio."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.errors import ClausekeeperError
from app.store.backup import backup, check
from app.store.demo import generate
from app.store.engine import Database, open_database
from app.store.models import AuditLog, Clause, Contract, Knowledge, Measurement, Person

AS_OF = date(2026, 11, 29)


def _dump(path: Path) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    rows = []
    for table in (
        "vendors",
        "people",
        "contracts",
        "clauses",
        "knowledge",
        "slas",
        "measurements",
        "credit_notes",
    ):
        rows.extend(con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall())
    con.close()
    return rows


def test_demo_small_is_believable(db: Database) -> None:
    with db.session() as s:
        counts = generate(s, "small", seed=3, as_of=AS_OF)
    assert counts["vendors"] == 12 and counts["contracts"] == 40
    assert counts["people"] == 60 and counts["clauses"] == 1000
    with db.session() as s:
        renewals = set(s.scalars(select(Contract.renewal)))
        assert renewals == {"none", "auto", "option", "evergreen"}
        left = s.scalar(select(func.count()).where(Person.leaves_on < AS_OF))
        leaving = s.scalar(
            select(func.count()).where(Person.leaves_on.between(AS_OF, AS_OF + timedelta(days=90)))
        )
        assert left and leaving
        # Clause numbers sort naturally and include 7.10 next to 7.2.
        assert "7.10" in set(s.scalars(select(Clause.number)))
        unowned = s.scalar(
            select(func.count())
            .select_from(Clause)
            .where(~Clause.id.in_(select(Knowledge.clause_id)))
        )
        assert unowned, "the demo must leave real knowledge gaps"
        assert s.scalar(select(func.count()).select_from(Measurement)) > 500
        assert s.scalar(
            select(func.count()).select_from(Contract).where(Contract.terminated_on.is_not(None))
        )
        # One audit row per record written.
        assert s.scalar(select(func.count()).select_from(AuditLog)) == sum(counts.values())


def test_demo_is_reproducible_for_a_seed(tmp_path: Path) -> None:
    paths = []
    for name, seed in (("a.db", 5), ("b.db", 5), ("c.db", 6)):
        db = open_database(str(tmp_path / name))
        with db.session() as s:
            generate(s, "small", seed=seed, as_of=AS_OF)
        db.close()
        paths.append(tmp_path / name)
    assert _dump(paths[0]) == _dump(paths[1])
    assert _dump(paths[0]) != _dump(paths[2])


def test_demo_refuses_a_database_with_data(db: Database) -> None:
    with db.session() as s:
        generate(s, "small", seed=1, as_of=AS_OF)
    with pytest.raises(ClausekeeperError, match="already holds data"), db.session() as s:
        generate(s, "small", seed=1, as_of=AS_OF)


@pytest.mark.sqlite_only  # compares SQLite files (PostgreSQL: test_postgres)
def test_backup_passes_check_and_holds_the_data(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        generate(s, "small", seed=2, as_of=AS_OF)
    target = backup(db, tmp_path / "copy.db")
    copy = open_database(str(target))
    try:
        report = check(copy)
        assert report.ok, report.problems
        assert report.counts["contracts"] == 40
        assert _dump(target) == _dump(Path(str(db.path)))
    finally:
        copy.close()


@pytest.mark.sqlite_only  # PostgreSQL cannot be made to hold broken references
def test_check_reports_broken_references(db: Database) -> None:
    with db.session() as s:
        generate(s, "small", seed=2, as_of=AS_OF)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(text("UPDATE clauses SET contract_id = 9999 WHERE id = 1"))
        conn.commit()
    report = check(db)
    assert not report.ok
    assert any("clauses" in p for p in report.problems)


def test_enterprise_shape_measures_every_sla_over_its_life(db: Database) -> None:
    """The enterprise generator at a fiftieth of its size: the SPEC §7 averages exactly (3 SLAs
    a contract, 24 measurements an SLA), and every SLA measured over its contract's life, so
    hardly any period is missing (it reported more missing periods than measured ones)."""
    import random

    from app.core.progress import null_progress
    from app.services.sla import sla_report
    from app.store.demo import Scale, _Builder

    as_of = date(2026, 11, 29)
    scale = Scale(30, 200, 2, 40, 1.0, 3.0, 24)
    with db.session() as session:
        builder = _Builder(random.Random(7), scale, as_of, "enterprise")
        counts = builder.write(session, null_progress)
        session.commit()
        assert (counts["SLAs"], counts["measurements"]) == (600, 14_400)
        assert (counts["clauses"], counts["knowledge links"]) == (400, 400)  # 1.0 a clause
        report = sla_report(session, as_of)
    measured = sum(s.measured for s in report.slas)
    missing = sum(s.missing for s in report.slas)
    assert measured == 14_400
    assert missing <= 14_400 // 100 + 60  # about 1 % left unreported, no more


def test_records_added_after_the_demo_get_new_ids(db: Database) -> None:
    """The demo writes its own ids: on PostgreSQL the id sequences move past them, so the next
    vendor or person added by hand does not collide (SQLite and PostgreSQL alike)."""
    from app.store import portfolio_actions as actions
    from app.store.models import Vendor

    with db.session() as s:
        generate(s, scale="small", seed=3, as_of=date(2025, 6, 15))
    with db.session() as s:
        vendor = actions.create_vendor(s, {"name": "Added after the demo"})
        person = actions.create_person(s, {"name": "Hand Added", "email": "hand@corp.example"})
    with db.session() as s:
        assert vendor == s.scalar(select(func.max(Vendor.id)))
        assert person == s.scalar(select(func.max(Person.id)))
