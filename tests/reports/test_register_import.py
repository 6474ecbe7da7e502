"""Importing the register workbook (SPEC §5): round trip, updates by key, all-or-nothing errors."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports.export import export_report
from app.reports.register_import import import_register_workbook
from app.store.engine import open_database
from app.store.models import AuditLog, Contract, CreditNote, Knowledge, Person, Setting, Vendor
from tests.reports.conftest import AS_OF, read_values, table_counts, write_workbook

D = date


def _export(session: Session, path: Path) -> Path:
    return export_report(session, "register", path, AS_OF)


def test_round_trip_gives_identical_workbooks(portfolio: Session, tmp_path: Path) -> None:
    first = _export(portfolio, tmp_path / "first.xlsx")
    other = open_database(str(tmp_path / "other.db"))
    try:
        with other.session() as session:
            summary = import_register_workbook(session, first)
        assert summary.summary_lines() == [
            "Vendors: 2 added, 0 updated",
            "People: 3 added, 0 updated",
            "Contracts: 4 added, 0 updated",
            "Clauses: 4 added, 0 updated",
            "Knowledge: 4 added, 0 updated",
            "SLAs: 2 added, 0 updated",
            "Measurements: 3 added, 0 updated",
            "CreditNotes: 3 added, 0 updated",
            # stale_after_months 18 differs from the default 24 of an empty database
            "Settings: 0 added, 1 updated, 3 unchanged",
        ]
        with other.session() as session:
            second = _export(session, tmp_path / "second.xlsx")
            contracts = {c.reference: c for c in session.scalars(select(Contract))}
            # exact money, the needs_review contract and its notes came through
            assert contracts["C-2022-003"].annual_value == Decimal("1234567.891234567891")
            assert contracts["C-2020-007"].annual_value == Decimal("0.1")
            assert contracts["C-2019-100"].needs_review
            assert contracts["C-2022-003"].reminder_days == ""
            assert contracts["C-2021-014"].owner is not None
            assert contracts["C-2021-014"].owner.email == "ann@corp.example"
            assert session.get(Setting, "stale_after_months").value == "18"  # type: ignore[union-attr]
    finally:
        other.close()
    a, b = read_values(first), read_values(second)
    assert list(a) == list(b)
    for sheet in a:  # every sheet, cell by cell
        assert a[sheet] == b[sheet], sheet


def test_reimport_of_an_export_changes_nothing(portfolio: Session, tmp_path: Path) -> None:
    path = _export(portfolio, tmp_path / "register.xlsx")
    before = table_counts(portfolio)
    summary = import_register_workbook(portfolio, path)
    portfolio.commit()
    assert summary.summary_lines()[2] == "Contracts: 0 added, 0 updated, 4 unchanged"
    # the two identical credit notes without a reference each match one stored note
    assert summary.summary_lines()[7] == "CreditNotes: 0 added, 0 updated, 3 unchanged"
    assert table_counts(portfolio) == before  # not even an audit row


def test_update_by_key_keeps_empty_cells_and_audits_changes(
    portfolio: Session, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "edit.xlsx", {
        # headers in any case; optional columns missing
        "contracts": [
            ["Reference", "TITLE", "vendor", "start_date", "renewal", "annual_value", "notes"],
            # title and value changed; notes empty: the stored notes stay
            ["C-2021-014", "Service desk 24/7", "Acme Outsourcing", D(2021, 1, 1), "auto",
             "130000.00", None],
            # a new contract: defaults apply (notice 0 months, EUR, reminders 180,90,30,7)
            ["C-2025-001", "Print", "Globex", "2025-02-01", "none", None, None],
        ],
    })
    before = table_counts(portfolio)
    summary = import_register_workbook(portfolio, path)
    portfolio.commit()
    assert summary.summary_lines() == ["Contracts: 1 added, 1 updated"]
    desk = portfolio.scalars(select(Contract).where(Contract.reference == "C-2021-014")).one()
    assert desk.title == "Service desk 24/7"
    assert desk.annual_value == Decimal("130000.00")
    assert desk.notes == "checked"  # empty cell: kept
    assert desk.credit_cap_percent == Decimal("12.5")  # missing column: kept
    new = portfolio.scalars(select(Contract).where(Contract.reference == "C-2025-001")).one()
    assert (new.notice_value, new.notice_unit, new.currency, new.reminder_days) == (
        0, "months", "EUR", "180,90,30,7")
    assert new.initial_term_months is None and new.needs_review
    after = table_counts(portfolio)
    assert after["contracts"] == before["contracts"] + 1
    audit = portfolio.scalars(
        select(AuditLog).where(AuditLog.entity_key == "C-2021-014", AuditLog.action == "update")
    ).one()
    assert json.loads(audit.changes or "{}") == {
        "title": ["Service desk", "Service desk 24/7"],
        "annual_value": ["120000.50", "130000.00"],
    }
    inserted = portfolio.scalars(
        select(AuditLog).where(AuditLog.entity_key == "C-2025-001")
    ).one()
    assert (inserted.action, inserted.entity, inserted.contract_ref) == (
        "insert", "Contract", "C-2025-001")


def test_references_resolve_by_key_or_unique_name(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "k.xlsx", {
        "People": [["name", "email"], ["Dee Dunn", "dee@corp.example"]],
        "Knowledge": [
            ["person", "contract", "clause", "level", "verified_on"],
            ["Ann Archer", "C-2021-014", "a", 2, D(2025, 1, 2)],  # by name: ann@corp.example
            ["Dee Dunn", "C-2021-014", "7.10", 3, D(2025, 1, 3)],  # new in this file
            ["ann@corp.example", "C-2021-014", "7.2", 4, D(2025, 1, 4)],  # existing: updated
        ],
    })
    summary = import_register_workbook(portfolio, path)
    portfolio.commit()
    assert summary.summary_lines() == [
        "People: 1 added, 0 updated", "Knowledge: 2 added, 1 updated"]
    levels = {
        (k.person.key, k.clause.number): k.level for k in portfolio.scalars(select(Knowledge))
    }
    assert levels[("ann@corp.example", "a")] == 2
    assert levels[("dee@corp.example", "7.10")] == 3
    assert levels[("ann@corp.example", "7.2")] == 4


def test_credit_notes_match_on_reference_or_amount_and_date(
    portfolio: Session, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "cn.xlsx", {
        "CreditNotes": [
            ["contract", "month", "amount", "received_on", "reference"],
            # same reference: the amount is updated
            ["C-2021-014", D(2025, 4, 1), 600, D(2025, 5, 20), "CN-1"],
            # no reference: matches one of the two stored 10.00 notes of March
            ["C-2021-014", "2025-03", 10, None, None],
            # no reference, different amount: a new note
            ["C-2021-014", "2025-03-01", 11, None, None],
        ],
    })
    summary = import_register_workbook(portfolio, path)
    portfolio.commit()
    assert summary.summary_lines() == ["CreditNotes: 1 added, 1 updated, 1 unchanged"]
    amounts = sorted(n.amount for n in portfolio.scalars(select(CreditNote)))
    assert amounts == [Decimal(10), Decimal(10), Decimal(11), Decimal(600)]


def test_dry_run_checks_everything_and_writes_nothing(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "v.xlsx", {
        "Vendors": [["name", "country"], ["Initech", "US"], ["Globex", "FR"]],
    })
    before = table_counts(portfolio)
    summary = import_register_workbook(portfolio, path, dry_run=True)
    portfolio.commit()
    assert summary.summary_lines() == [
        "Vendors: 1 added, 1 updated", "dry run: nothing was written"]
    assert table_counts(portfolio) == before
    assert portfolio.scalars(select(Vendor).where(Vendor.name == "Globex")).one().country is None


def _problems(session: Session, path: Path) -> list[str]:
    before = table_counts(session)
    with pytest.raises(ClausekeeperError) as caught:
        import_register_workbook(session, path)
    session.rollback()
    assert table_counts(session) == before  # all or nothing
    return caught.value.lines()


def test_every_problem_is_reported_on_its_own_line(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "bad.xlsx", {
        "Vendors": [["name", "colour"], ["Initech", "red"]],
        "Contracts": [
            ["reference", "title", "vendor", "start_date", "renewal", "renewal_term_months"],
            ["C-1", "Ok", "Initech", D(2025, 1, 1), "none", None],  # fine on its own
            ["C-2", "Bad date", "Globex", "2025-02-30", "none", None],
            ["C-3", "Who?", "Nobody Ltd", D(2025, 1, 1), "auto", None],
            ["C-1", "Again", "Globex", D(2025, 1, 1), "none", None],
        ],
        "Clauses": [
            ["contract", "number", "title", "criticality"],
            ["C-2021-014", 7.1, "Typed as a number", 3],
            ["C-2021-014", "8", "", 9],
            ["C-404", "1", "Unknown contract", 3],
        ],
        "Measurements": [
            ["contract", "sla", "period_start", "value"],
            ["C-2022-003", "Resolution time", D(2025, 2, 1), 5],  # quarterly: not a quarter start
            ["C-2021-014", "Uptime", D(2025, 2, 1), 5],
        ],
        "Summary": [["anything"]],
    })
    assert _problems(portfolio, path) == [
        # a sheet the register does not have comes first, then sheet, row and column order
        "Summary: unknown sheet (the register has Vendors, People, Contracts, Clauses, "
        "Knowledge, SLAs, Measurements, CreditNotes, Settings)",
        "Vendors!1 colour: unknown column (the Vendors sheet has name, country, contact_name, "
        "contact_email, notes)",
        "Contracts!3 start_date: '2025-02-30' is not a date (February 2025 has no day 30)",
        "Contracts!4 vendor: unknown vendor 'Nobody Ltd'",
        "Contracts!4 renewal_term_months: required for auto renewal",
        "Contracts!5 reference: the same record as row 2",
        "Clauses!2 number: 7.1 is a number, not text (Excel turns 7.10 into 7.1): format the "
        "column as text",
        "Clauses!3 title: a value is required",
        "Clauses!3 criticality: 9 must be 5 or less",
        "Clauses!4 contract: unknown contract 'C-404'",
        "Measurements!2 period_start: 2025-02-01 is not the first day of a quarter "
        "(Jan, Apr, Jul or Oct 1)",
        "Measurements!3 sla: contract C-2021-014 has no SLA 'Uptime'",
    ]


def test_missing_required_column_and_ambiguous_person(portfolio: Session, tmp_path: Path) -> None:
    portfolio.add(Person(name="Ann Archer", email="ann2@corp.example"))
    portfolio.commit()
    path = write_workbook(tmp_path / "cols.xlsx", {
        "SLAs": [["contract", "name", "target", "direction"], ["C-2021-014", "X", 1, "higher"]],
        "Contracts": [
            ["reference", "title", "vendor", "owner", "start_date", "renewal"],
            ["C-9", "T", "Globex", "Ann Archer", D(2025, 1, 1), "none"],
        ],
    })
    assert _problems(portfolio, path) == [
        "Contracts!2 owner: person 'Ann Archer' is ambiguous ('ann2@corp.example', "
        "'ann@corp.example')",
        "SLAs!1 period: required column is missing",
        "SLAs!2 period: a value is required",
    ]


def test_settings_are_validated(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "s.xlsx", {
        "Settings": [["key", "value"], ["understanding_level", 7], ["colour", "red"]],
    })
    assert _problems(portfolio, path) == [
        "Settings!2 value: setting understanding_level: 7 must be between 1 and 4",
        "Settings!3 key: 'colour' is not one of understanding_level, stale_after_months, "
        "leaving_window_days, truck_threshold",
    ]


def test_first_row_must_hold_the_column_names(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "title.xlsx", {
        "Vendors": [[None], ["name"], ["Initech"]],
    })
    assert _problems(portfolio, path) == [
        "Vendors!1: row 1 must hold the column names (row 2 has values)"]


def test_missing_sheets_and_blank_rows_are_fine(portfolio: Session, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "blank.xlsx", {
        "Vendors": [["name"], [None], ["  "], ["Initech"]],
        "People": [],
    })
    assert import_register_workbook(portfolio, path).summary_lines() == [
        "Vendors: 1 added, 0 updated", "People: 0 added, 0 updated"]


def test_texts_come_back_unchanged(session: Session, tmp_path: Path) -> None:
    """Control characters, a carriage return and a literal OOXML escape survive."""
    from tests.reports.conftest import build_portfolio

    odd = "a\rb\x01c _x0041_ d\te"
    build_portfolio(session, names={"note": odd, "title": "=1+1"})
    session.commit()
    path = _export(session, tmp_path / "odd.xlsx")
    other = open_database(str(tmp_path / "odd.db"))
    try:
        with other.session() as s2:
            import_register_workbook(s2, path)
        with other.session() as s2:
            desk = s2.scalars(select(Contract).where(Contract.reference == "C-2021-014")).one()
            assert desk.notes == odd
            assert desk.title == "=1+1"
    finally:
        other.close()


def test_not_a_register_file_is_refused(portfolio: Session, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("just text")
    assert _problems(portfolio, bad) == ["notes.xlsx is not an .xlsx workbook"]


def test_numbers_typed_by_people_are_accepted(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Contracts"
    ws.append(["reference", "title", "vendor", "start_date", "renewal", "initial_term_months",
               "annual_value", "reminder_days", "currency"])
    # 12.0 from Excel is a whole number; 0.1 stays 0.1; "none" empties the reminders
    ws.append(["C-7", "T", "Globex", D(2025, 1, 1), "NONE", 12.0, 0.1, "none", "usd"])
    wb.save(tmp_path / "typed.xlsx")
    import_register_workbook(portfolio, tmp_path / "typed.xlsx")
    portfolio.commit()
    c7 = portfolio.scalars(select(Contract).where(Contract.reference == "C-7")).one()
    assert (c7.renewal, c7.initial_term_months, c7.annual_value, c7.reminder_days,
            c7.currency) == ("none", 12, Decimal("0.1"), "", "USD")


def test_cancelled_import_writes_nothing(portfolio: Session, tmp_path: Path) -> None:
    from app.core.progress import Cancelled

    path = write_workbook(tmp_path / "v.xlsx", {
        "Vendors": [["name"], *[[f"Vendor {i}"] for i in range(2500)]],
    })
    before = table_counts(portfolio)
    with pytest.raises(Cancelled):
        import_register_workbook(portfolio, path, progress=lambda done, total, msg="": False)
    portfolio.rollback()
    assert table_counts(portfolio) == before


def test_command_line_reports_every_problem(
    portfolio: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_target: str
) -> None:
    from app.cli import main

    database = db_target  # the portfolio's database (conftest's db fixture)
    bad = write_workbook(tmp_path / "bad.xlsx", {
        "Vendors": [["name", "colour"], ["Initech", "red"]],
        "Clauses": [["contract", "number", "title"], ["C-404", "1", "x"]],
    })
    assert main(["--db", database, "import", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "clausekeeper: Vendors!1 colour: unknown column (the Vendors sheet has name, country, "
        "contact_name, contact_email, notes)",
        "clausekeeper: Clauses!2 contract: unknown contract 'C-404'",
    ]
    out = tmp_path / "out.xlsx"
    assert main(["--db", database, "export", "register", "--out", str(out)]) == 0
    assert main(["--db", database, "import", str(out), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"register workbook written to {out}"
    assert lines[-1] == "dry run: nothing was written"


def test_demo_portfolio_round_trip(session: Session, tmp_path: Path) -> None:
    """A realistic portfolio (the small demo) survives export -> import -> export unchanged."""
    from app.store.demo import generate

    generate(session, scale="small", seed=3, as_of=AS_OF)
    session.commit()
    first = _export(session, tmp_path / "demo1.xlsx")
    other = open_database(str(tmp_path / "demo2.db"))
    try:
        with other.session() as s2:
            import_register_workbook(s2, first)
        with other.session() as s2:
            second = _export(s2, tmp_path / "demo2.xlsx")
            assert table_counts(s2) | {"audit_log": 0} == table_counts(session) | {
                "audit_log": 0}
    finally:
        other.close()
    a, b = read_values(first), read_values(second)
    for sheet in a:
        assert a[sheet] == b[sheet], sheet
    assert len(a["Clauses"]) > 100


def test_a_formula_without_a_saved_value_is_named(portfolio: Session, tmp_path: Path) -> None:
    # openpyxl (like any script) saves formulas without their values: reading values only, the
    # cell would look empty and be reported as missing. SPEC §5 says to name it.
    path = write_workbook(tmp_path / "scripted.xlsx", {
        "Vendors": [["name", "country"], ["=UPPER(\"initech\")", "DE"]],
        "Clauses": [
            ["contract", "number", "title", "criticality"],
            ["C-2021-014", "9", "Scripted", "=2+1"],
        ],
    })
    assert _problems(portfolio, path) == [
        "Vendors!2 name: formula without a saved value",
        "Clauses!2 criticality: formula without a saved value",
    ]


def test_a_register_workbook_is_told_from_a_list_on_a_sheet_called_contracts(
    portfolio: Session, tmp_path: Path
) -> None:
    from app.reports.register_import import is_register_workbook

    assert is_register_workbook(_export(portfolio, tmp_path / "register.xlsx"))
    own = write_workbook(tmp_path / "own.xlsx", {
        "Contracts": [["Contract No", "Supplier", "Start"], ["X-1", "Acme", "2024-01-01"]],
    })
    assert not is_register_workbook(own)
    other = write_workbook(tmp_path / "other.xlsx", {
        "Contracts": [["reference", "title", "vendor"]], "Notes": [["anything"]],
    })
    assert not is_register_workbook(other)
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("reference,vendor\n", encoding="utf-8")
    assert not is_register_workbook(csv_file)
