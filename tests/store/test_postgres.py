"""The same store on PostgreSQL, the team database: schema, constraints, exact money, results."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.store.backup import backup, check
from app.store.demo import generate
from app.store.engine import Database
from app.store.migrate import current_revision, head_revision
from app.store.models import AuditLog, Base, Contract, Person, Vendor

AS_OF = date(2026, 11, 29)


def test_created_at_head_and_matching_the_models(pg_db: Database) -> None:
    assert current_revision(pg_db) == head_revision()
    with pg_db.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Numeric vs. our ExactDecimal type is the same column on PostgreSQL.
    assert [d for d in diff if d[0] != "modify_type"] == []


def test_constraints_and_exact_money(pg_db: Database) -> None:
    with pg_db.session() as s:
        vendor = Vendor(name="Acme")
        s.add(vendor)
        s.flush()
        s.add(Contract(reference="C-1", title="Desk", vendor_id=vendor.id,
                       start_date=date(2024, 1, 31), initial_term_months=12, renewal="none",
                       annual_value=Decimal("1234567890123.456789")))
    with pg_db.session() as s:
        assert s.scalars(select(Contract.annual_value)).one() == Decimal("1234567890123.456789")
    with pytest.raises(IntegrityError, match="ck_contracts_annual_value"), pg_db.session() as s:
        s.add(Contract(reference="C-2", title="Desk", vendor_id=1, start_date=date(2024, 1, 1),
                       initial_term_months=12, renewal="none", annual_value=Decimal("-1")))
    with pg_db.session() as s:
        s.add(Person(name="Bob"))
    with pytest.raises(IntegrityError, match="uq_people_key"), pg_db.session() as s:
        s.add(Person(name="Bob"))
    with pg_db.session() as s:
        actions = list(s.scalars(select(AuditLog.action)))
        assert actions.count("insert") == 3  # vendor, contract, person; failures left none


def test_same_results_as_sqlite(pg_db: Database, db: Database) -> None:
    from app.services.renewals import renewals_json

    for database in (pg_db, db):
        with database.session() as s:
            generate(s, "small", seed=4, as_of=AS_OF)
    results = []
    for database in (pg_db, db):
        with database.session() as s:
            results.append(renewals_json(s, AS_OF, None))
    assert results[0] == results[1]
    assert len(results[0]) > 20


def test_backup_of_postgres_is_a_checked_sqlite_file(pg_db: Database, tmp_path: Path) -> None:
    with pg_db.session() as s:
        generate(s, "small", seed=4, as_of=AS_OF)
    target = backup(pg_db, tmp_path / "team-backup.db")
    from app.store.engine import open_database

    copy = open_database(str(target))
    try:
        report = check(copy)
        assert report.ok and report.counts["contracts"] == 40
    finally:
        copy.close()
