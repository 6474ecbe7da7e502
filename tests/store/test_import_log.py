"""Imports are recorded and taken back as a whole, unless a record they wrote changed since."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError, NotFoundError
from app.reports.foreign_register import import_foreign_register
from app.reports.measurements_import import import_measurements
from app.reports.register_export import write_register
from app.reports.register_import import import_register_workbook
from app.store import audit, import_log
from app.store.engine import Database
from app.store.models import (
    AuditLog,
    Clause,
    Contract,
    ImportRecord,
    Measurement,
    Sla,
    Vendor,
)
from app.store.portfolio_actions import update_contract
from tests.reports.conftest import TABLES, build_portfolio


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["Contract No,Supplier,Title,Start Date,End Date", *rows]) + "\n",
                    encoding="utf-8")
    return path


def _counts(session: Session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in TABLES}


def test_foreign_import_is_recorded_with_file_hash_and_counts(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path / "legacy.csv", ["L-1,Acme,Cleaning,2024-01-01,2024-12-31",
                                           "L-2,Acme,Catering,2024-02-01,",
                                           ",Acme,No reference,2024-01-01,"])
    with db.session() as session:
        session.info[audit.ACTOR] = "ann"
        import_foreign_register(session, path)
    with db.session() as session:
        [entry] = import_log.imports_json(session)
    assert entry == {
        "id": entry["id"], "kind": "foreign", "file": "legacy.csv",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "at": entry["at"],
        "by": "ann", "created": 3, "updated": 0, "skipped": 1, "shortened": 0,
        "undone": False, "undone_at": None, "undone_by": None,
    }  # created: one vendor and two contracts
    assert date.fromisoformat(entry["at"][:10]) == date.today()


def test_dry_runs_and_imports_that_write_nothing_are_not_recorded(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "legacy.csv", ["L-1,Acme,Cleaning,2024-01-01,2024-12-31"])
    with db.session() as session:
        import_foreign_register(session, path, dry_run=True)
        assert import_log.list_imports(session) == []
        import_foreign_register(session, path)
        import_foreign_register(session, path)  # every row skipped now: wrote nothing
        assert [r.skipped for r in import_log.list_imports(session)] == [0]


def test_foreign_import_taken_back_leaves_the_database_as_before(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as session:
        session.add(Vendor(name="Acme"))
    path = _csv(tmp_path / "legacy.csv", ["L-1,Acme,Cleaning,2024-01-01,2024-12-31",
                                           "L-2,Initech,Catering,2024-02-01,"])
    with db.session() as session:
        import_foreign_register(session, path)
        import_id = import_log.list_imports(session)[0].id
        assert session.scalar(select(func.count()).select_from(Contract)) == 2
    with db.session() as session:
        session.info[audit.ACTOR] = "bob"
        summary = import_log.undo_import(session, import_id)
    assert summary.deleted == 3 and summary.restored == 0  # two contracts and Initech
    with db.session() as session:
        assert list(session.scalars(select(Vendor.name))) == ["Acme"]
        assert session.scalar(select(func.count()).select_from(Contract)) == 0
        [entry] = import_log.imports_json(session)
        assert entry["undone"] is True and entry["undone_by"] == "bob"
        deletes = session.execute(
            select(AuditLog.entity, AuditLog.entity_key, AuditLog.actor)
            .where(AuditLog.action == "delete").order_by(AuditLog.id)
        ).all()
        assert deletes == [("Contract", "L-1", "bob"), ("Contract", "L-2", "bob"),
                           ("Vendor", "Initech", "bob")]
        with pytest.raises(ClausekeeperError, match="was taken back already"):
            import_log.undo_import(session, import_id)
        with pytest.raises(NotFoundError, match="there is no import 99"):
            import_log.undo_import(session, 99)


def test_an_edited_record_blocks_the_undo_and_is_named_with_who_changed_it(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "legacy.csv", ["L-1,Acme,Cleaning,2024-01-01,2024-12-31",
                                           "L-2,Acme,Catering,2024-02-01,2025-01-31"])
    with db.session() as session:
        import_foreign_register(session, path)
        import_id = import_log.list_imports(session)[0].id
    with db.session() as session:
        session.info[audit.ACTOR] = "carol"
        l2 = session.scalars(select(Contract).where(Contract.reference == "L-2")).one()
        update_contract(session, l2.id, {"title": "Catering and vending"})
        session.add(Clause(contract=session.scalars(
            select(Contract).where(Contract.reference == "L-1")).one(), number="1", title="Scope"))
    with pytest.raises(ClausekeeperError) as caught, db.session() as session:
        import_log.undo_import(session, import_id)
    message = caught.value
    assert "cannot be taken back: 2 of its records were changed since" in str(message)
    lines = message.lines()
    assert len(lines) == 3  # the headline, then one line per record
    assert any("contract L-2: changed by carol" in line for line in lines)
    assert any("contract L-1: clause L-1 §1 added by carol" in line for line in lines)
    with db.session() as session:  # nothing was taken back
        assert session.scalar(select(func.count()).select_from(Contract)) == 2
        assert import_log.imports_json(session)[0]["undone"] is False


def test_register_import_undo_restores_updated_records_and_deletes_created_ones(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as session:
        build_portfolio(session)
    with db.session() as session:
        before = _counts(session)
        write_register(session, tmp_path / "register.xlsx")
    # Change the file: a new title on one contract, a new contract, a new measurement.
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "register.xlsx")
    contracts = wb["Contracts"]
    for row in contracts.iter_rows(min_row=2):
        if row[0].value == "C-2021-014":
            row[1].value = "Service desk (renewed)"
            row[14].value = "130000.00"
    contracts.append(["C-NEW", "New one", "Globex", None, None, date(2025, 1, 1), 12, "none"])
    wb["Measurements"].append(["C-2021-014", "Availability", date(2025, 5, 1), 99.7, None])
    wb.save(tmp_path / "changed.xlsx")
    with db.session() as session:
        import_register_workbook(session, tmp_path / "changed.xlsx")
        [record] = import_log.list_imports(session)
        assert (record.kind, record.created, record.updated) == ("register", 2, 1)
    with db.session() as session:
        summary = import_log.undo_import(session, record.id)
        assert (summary.deleted, summary.restored) == (2, 1)
    with db.session() as session:
        assert _counts(session) == before
        desk = session.scalars(select(Contract).where(Contract.reference == "C-2021-014")).one()
        assert desk.title == "Service desk"
        assert desk.annual_value == Decimal("120000.50")
        update = session.scalars(
            select(AuditLog).where(AuditLog.entity == "Contract", AuditLog.action == "update")
            .order_by(AuditLog.id.desc())
        ).first()
        assert update is not None and "Service desk (renewed)" in (update.changes or "")


@pytest.mark.parametrize("by_ids", [True, False], ids=["by-id-range", "by-key"])
def test_round_trip_into_an_empty_database_taken_back_empties_it(
    db: Database, tmp_path: Path, by_ids: bool
) -> None:
    """Created records are found by the ids the import took, or (when another desk inserted
    at the same time, or the range is unknown) by their keys: both give the same result."""
    with db.session() as session:
        build_portfolio(session)
        write_register(session, tmp_path / "register.xlsx")
        written = sum(_counts(session).values())
    from app.store.engine import open_database

    other = open_database(str(tmp_path / "other.db"))
    try:
        with other.session() as session:
            import_register_workbook(session, tmp_path / "register.xlsx")
            record = import_log.list_imports(session)[0]
            import_id = record.id
            assert _counts(session)["contracts"] == 4
            if not by_ids:
                session.execute(update(ImportRecord).values(id_ranges=None))
        with other.session() as session:
            summary = import_log.undo_import(session, import_id)
            assert summary.deleted == written
        with other.session() as session:
            assert set(_counts(session).values()) == {0}  # two identical credit notes too
    finally:
        other.close()


def test_a_later_import_blocks_until_it_is_taken_back(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        build_portfolio(session)
    first = tmp_path / "march.csv"
    first.write_text("contract,sla,period,value\nC-2021-014,Availability,2025-05,99.1\n",
                     encoding="utf-8")
    with db.session() as session:
        import_measurements(session, first)
    wb_path = tmp_path / "register.xlsx"
    with db.session() as session:
        write_register(session, wb_path)
    import openpyxl

    wb = openpyxl.load_workbook(wb_path)
    for row in wb["Measurements"].iter_rows(min_row=2):
        if row[2].value is not None and str(row[2].value).startswith("2025-05"):
            row[4].value = "corrected"
    wb.save(wb_path)
    with db.session() as session:
        import_register_workbook(session, wb_path)
        second, first_id = (r.id for r in import_log.list_imports(session))
    with pytest.raises(ClausekeeperError) as caught, db.session() as session:
        import_log.undo_import(session, first_id)
    assert f"(import {second})" in caught.value.lines()[1]
    with db.session() as session:
        import_log.undo_import(session, second)
    with db.session() as session:
        import_log.undo_import(session, first_id)
    with db.session() as session:
        sla = session.scalars(select(Sla).where(Sla.name == "Availability")).one()
        months = sorted(m.period_start for m in session.scalars(
            select(Measurement).where(Measurement.sla_id == sla.id)))
        assert months == [date(2025, 3, 1), date(2025, 4, 1)]


def test_a_vendor_the_import_created_still_used_elsewhere_blocks_it(
    db: Database, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "legacy.csv", ["L-1,Initech,Cleaning,2024-01-01,2024-12-31"])
    with db.session() as session:
        import_foreign_register(session, path)
        import_id = import_log.list_imports(session)[0].id
    with db.session() as session:
        session.info[audit.ACTOR] = "dave"
        initech = session.scalars(select(Vendor).where(Vendor.name == "Initech")).one()
        session.add(Contract(reference="X-9", title="Other", vendor=initech,
                             start_date=date(2025, 1, 1), initial_term_months=12))
    with pytest.raises(ClausekeeperError) as caught, db.session() as session:
        import_log.undo_import(session, import_id)
    assert any("vendor Initech: contract X-9 refers to it (added by dave" in line
               for line in caught.value.lines())
    with db.session() as session:  # L-1, deleted before the vendor's turn came, is back
        assert set(session.scalars(select(Contract.reference))) == {"L-1", "X-9"}
        assert import_log.imports_json(session)[0]["undone"] is False


def test_recording_refuses_an_unknown_kind(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown import kind"), \
            import_log.recording(session, "bogus", path):
        pass


def test_a_person_the_import_created_who_learnt_a_clause_since_blocks_it(
    db: Database, tmp_path: Path
) -> None:
    from app.store.models import Knowledge, Person
    from tests.reports.conftest import write_workbook

    with db.session() as session:
        build_portfolio(session)
    path = write_workbook(tmp_path / "people.xlsx", {
        "People": [["name", "email"], ["Dora Dean", "dora@corp.example"]],
    })
    with db.session() as session:
        import_register_workbook(session, path)
        import_id = import_log.list_imports(session)[0].id
    with db.session() as session:
        session.info[audit.ACTOR] = "erin"
        dora = session.scalars(select(Person).where(Person.name == "Dora Dean")).one()
        clause = session.scalars(select(Clause).where(Clause.number == "7.2")).one()
        session.add(Knowledge(person=dora, clause=clause, level=2, verified_on=date(2025, 6, 1)))
    with pytest.raises(ClausekeeperError) as caught, db.session() as session:
        import_log.undo_import(session, import_id)
    assert caught.value.lines()[1].startswith(
        "person dora@corp.example: knowledge dora@corp.example @ C-2021-014 §7.2 refers to it "
        "(added by erin")
    with db.session() as session:  # the refusal rolled everything back
        assert session.scalars(select(Person.name).where(Person.name == "Dora Dean")).one()


def test_links_an_import_removed_come_back_with_their_values(db: Database, tmp_path: Path) -> None:
    """An attestation import removes a link with new_level 0: taking it back restores it."""
    from app.store.models import Knowledge, Person

    with db.session() as session:
        build_portfolio(session)
    with db.session() as session:
        ann = session.scalars(select(Person).where(Person.name == "Ann Archer")).one()
        before = sorted((k.clause.number, k.level, k.verified_on) for k in ann.knowledge)
    path = tmp_path / "attestations.xlsx"
    path.write_bytes(b"stand-in for the attestation workbook")
    with db.session() as session:
        with import_log.recording(session, "attestations", path):
            ann = session.scalars(select(Person).where(Person.name == "Ann Archer")).one()
            [link] = ann.knowledge
            link.level, link.verified_on = 4, date(2025, 6, 1)
            session.flush()
            session.delete(link)  # confirmed, then removed (level 0)
        [entry] = import_log.imports_json(session)
        assert (entry["kind"], entry["created"], entry["updated"]) == ("attestations", 0, 1)
        assert session.scalar(select(func.count()).select_from(Knowledge)) == 3
    with db.session() as session:
        summary = import_log.undo_import(session, entry["id"])
        assert summary.restored == 1
    with db.session() as session:
        ann = session.scalars(select(Person).where(Person.name == "Ann Archer")).one()
        assert sorted((k.clause.number, k.level, k.verified_on) for k in ann.knowledge) == before
