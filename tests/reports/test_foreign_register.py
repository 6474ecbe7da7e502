"""Importing a foreign register (SPEC §5): recognised columns, forgiving values, skipped rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError, ValidationError
from app.reports.foreign_register import (
    import_foreign_register,
    parse_amount,
    parse_date,
    parse_notice,
    term_from_end,
)
from app.store.models import AuditLog, Contract, Vendor
from tests.reports.conftest import table_counts

D = date

REGISTER = """\
Supplier,Contract No,Description,Start Date,End Date,Annual Value,Renewal Type,Notice Period,Phone
Acme,F-1,Desk,01/15/2024,01/14/2027,"$1,317,169.92 CAD",auto,3 months,555
Globex,F-2,Print,2024-03-01,2024-08-15,"999,999 ",,90 days,
Initech,,No reference,2024-01-01,,,,,
,F-3,No vendor,2024-01-01,,,,,
Acme,F-4,No start,,,,,,
Acme,F-1,Again,2024-01-01,,,,,
Acme,C-2021-014,Known,2024-01-01,,,,,
acme outsourcing,F-5,Payroll,2024-02-29,,"£1,234",evergreen,1,
Acme,F-6,Odd,2024-01-01,,12 apples,,,
"""


def _write(tmp_path: Path, text: str, name: str = "register.csv",
           encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _contract(session: Session, reference: str) -> Contract:
    return session.scalars(select(Contract).where(Contract.reference == reference)).one()


def test_csv_with_common_headers(portfolio: Session, tmp_path: Path) -> None:
    before = table_counts(portfolio)
    summary = import_foreign_register(portfolio, _write(tmp_path, REGISTER))
    portfolio.commit()
    assert summary.summary_lines() == [
        "columns: Contract No -> reference, Supplier -> vendor, Description -> title, "
        "Start Date -> start_date, End Date -> end_date, Annual Value -> annual_value, "
        "Renewal Type -> renewal, Notice Period -> notice",
        "ignored columns: Phone",
        "imported: 3 contracts, 1 new vendors, 1 need review",
        "skipped: 6 rows",
        "line 4: no reference",
        "line 5: no vendor",
        "line 6: no start date",
        "line 7: reference F-1 appears earlier in the file (line 2)",
        "line 8: reference C-2021-014 is already in the database",
        "line 10: annual_value: '12 apples' is not an amount",
        "line 2: note: no renewal term for auto renewal: 12 months assumed",
        "line 3: note: end date 2024-08-15 is not a whole number of months after the start "
        "2024-03-01: initial term to be completed",
    ]
    # 2024-01-15 + 36 months = 2027-01-15, the day after the end date: a 36-month term
    f1 = _contract(portfolio, "F-1")
    assert (f1.title, f1.start_date, f1.initial_term_months, f1.renewal,
            f1.renewal_term_months) == ("Desk", D(2024, 1, 15), 36, "auto", 12)
    assert (f1.annual_value, f1.currency, f1.notice_value, f1.notice_unit) == (
        Decimal("1317169.92"), "CAD", 3, "months")
    assert f1.vendor.name == "Acme"
    # no whole number of months: needs review, the end date kept in the notes
    f2 = _contract(portfolio, "F-2")
    assert f2.needs_review and f2.renewal == "none"  # no renewal type: none
    assert f2.notes is not None and "end date 2024-08-15" in f2.notes
    assert (f2.annual_value, f2.currency, f2.notice_value, f2.notice_unit) == (
        Decimal("999999"), "EUR", 90, "days")
    # an existing vendor matched whatever the case; £ means GBP; a bare notice is in months
    f5 = _contract(portfolio, "F-5")
    assert f5.vendor.name == "Acme Outsourcing"
    assert (f5.annual_value, f5.currency, f5.renewal, f5.notice_value, f5.notice_unit) == (
        Decimal("1234"), "GBP", "evergreen", 1, "months")
    assert not f5.needs_review
    after = table_counts(portfolio)
    assert after["contracts"] == before["contracts"] + 3
    assert after["vendors"] == before["vendors"] + 1
    # one audit row per record written
    assert after["audit_log"] == before["audit_log"] + 4
    keys = set(portfolio.scalars(select(AuditLog.entity_key).where(AuditLog.id > 0)))
    assert {"F-1", "F-2", "F-5", "Acme"} <= keys


def test_dry_run_writes_nothing(portfolio: Session, tmp_path: Path) -> None:
    before = table_counts(portfolio)
    summary = import_foreign_register(portfolio, _write(tmp_path, REGISTER), dry_run=True)
    portfolio.commit()
    lines = summary.summary_lines()
    assert "would import: 3 contracts, 1 new vendors, 1 need review" in lines
    assert lines[-1] == "dry run: nothing was written"
    assert table_counts(portfolio) == before


def test_dayfirst_and_explicit_mapping(session: Session, tmp_path: Path) -> None:
    text = "Lieferant;Vertragsnummer;Beginn;Wert\nHansa AG;V-7;03/04/2025;1.234,50\n"
    path = _write(tmp_path, text)
    summary = import_foreign_register(
        session, path, mapping="Lieferant=vendor, Vertragsnummer=reference,Beginn=start_date,"
        "Wert=annual_value", dayfirst=True,
    )
    assert summary.summary_lines()[1] == "imported: 1 contracts, 1 new vendors, 1 need review"
    v7 = _contract(session, "V-7")
    # 03/04/2025 read day first: 3 April; "1.234,50": the comma is the decimal separator
    assert (v7.start_date, v7.annual_value, v7.title) == (D(2025, 4, 3), Decimal("1234.50"),
                                                          "V-7")


def test_windows_1252_file_is_read_and_said_so(session: Session, tmp_path: Path) -> None:
    text = "Vendor,Reference,Start\nSociété Générale,S-1,2025-01-01\n"
    summary = import_foreign_register(session, _write(tmp_path, text, encoding="cp1252"))
    assert summary.summary_lines()[0] == (
        "register.csv is not UTF-8: read it as Windows-1252 (cp1252) text")
    assert _contract(session, "S-1").vendor.name == "Société Générale"


def test_utf8_with_bom(session: Session, tmp_path: Path) -> None:
    text = "Vendor,Reference,Start\nÅngström AB,S-2,2025-01-01\n"
    summary = import_foreign_register(session, _write(tmp_path, text, encoding="utf-8-sig"))
    assert summary.summary_lines()[0] == "columns: Reference -> reference, Vendor -> vendor, " \
        "Start -> start_date"
    assert _contract(session, "S-2").vendor.name == "Ångström AB"


def test_xlsx_register(session: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Contracts of the IT department"])  # a title row is passed over
    ws.append([])
    ws.append(["Vendor", "Ref", "Effective Date", "Expiry", "Contract Value", "Currency"])
    ws.append(["Umbrella", "X-1", datetime(2023, 1, 31), datetime(2024, 1, 30), 250000.5, "usd"])
    wb.save(tmp_path / "reg.xlsx")
    summary = import_foreign_register(session, tmp_path / "reg.xlsx")
    assert summary.summary_lines()[1] == "imported: 1 contracts, 1 new vendors"
    x1 = _contract(session, "X-1")
    # 2023-01-31 + 12 months = 2024-01-31, the day after 2024-01-30
    assert (x1.initial_term_months, x1.annual_value, x1.currency) == (
        12, Decimal("250000.5"), "USD")


def test_problems_with_the_whole_file(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ClausekeeperError, match=r"^register.csv: no column recognised as "
                       r"reference \(its columns: Vendor, Start\); map them with --map "
                       r"'Header=reference'$"):
        import_foreign_register(session, _write(tmp_path, "Vendor,Start\nA,2025-01-01\n"))
    with pytest.raises(ClausekeeperError, match=r"^--map: 'colour' is not a field"):
        import_foreign_register(session, _write(tmp_path, "a\n"), mapping="Paint=colour")
    with pytest.raises(ClausekeeperError, match=r"^--map: register.csv has no column 'kind'"):
        import_foreign_register(session, _write(tmp_path, "Vendor,Ref,Start\n"),
                                mapping="Kind=renewal")
    with pytest.raises(ClausekeeperError, match=r"^--map: 'vendor' is not Header=field$"):
        import_foreign_register(session, _write(tmp_path, "a\n"), mapping="vendor")
    (tmp_path / "empty.csv").write_text("\n\n")
    with pytest.raises(ClausekeeperError, match=r"^empty.csv is empty$"):
        import_foreign_register(session, tmp_path / "empty.csv")


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$1,317,169.92 CAD", "1317169.92", "CAD"),
        ("999,999 ", "999999", None),
        ("£1,234", "1234", "GBP"),
        ("1,5", "1.5", None),  # not three digits after the comma: a decimal comma
        ("1.234.567,89 €", "1234567.89", "EUR"),
        ("1,2345", "1.2345", None),
        ("EUR 12000", "12000", "EUR"),
        ("(1,000.00)", "-1000.00", None),
    ],
)
def test_amounts(text: str, amount: str, currency: str | None) -> None:
    assert parse_amount(text) == (Decimal(amount), currency)


def test_dates() -> None:
    assert parse_date("2025-03-04", dayfirst=True) == D(2025, 3, 4)  # ISO is never day first
    assert parse_date("2025/3/4", dayfirst=False) == D(2025, 3, 4)
    assert parse_date("03/04/2025", dayfirst=False) == D(2025, 3, 4)
    assert parse_date("03/04/2025", dayfirst=True) == D(2025, 4, 3)
    assert parse_date("4.3.25", dayfirst=True) == D(2025, 3, 4)
    assert parse_date("1 March 2025", dayfirst=False) == D(2025, 3, 1)
    assert parse_date(datetime(2025, 1, 2, 13, 5), dayfirst=False) == D(2025, 1, 2)
    with pytest.raises(ValidationError):
        parse_date("13/13/2025", dayfirst=False)
    with pytest.raises(ValidationError):
        parse_date("soon", dayfirst=False)


def test_notice_and_terms() -> None:
    assert parse_notice("3 months", "Notice") == (3, "months")
    assert parse_notice("90 days", "Notice") == (90, "days")
    assert parse_notice("6 Weeks", "Notice") == (6, "weeks")
    assert parse_notice("30", "Notice (days)") == (30, "days")
    # end + 1 day = start + n months, months computed from the start (clamped to month ends)
    assert term_from_end(D(2024, 1, 31), D(2024, 2, 28)) == 1  # 2024-01-31 + 1 month = 02-29
    assert term_from_end(D(2024, 1, 1), D(2026, 12, 31)) == 36
    assert term_from_end(D(2024, 3, 1), D(2024, 8, 15)) is None
    assert term_from_end(D(2024, 3, 1), D(2024, 2, 1)) is None


def test_vendor_names_differing_in_case_become_one_vendor(
    session: Session, tmp_path: Path
) -> None:
    text = "Vendor,Reference,Start\nNorthwind,N-1,2025-01-01\nNORTHWIND,N-2,2025-01-01\n"
    summary = import_foreign_register(session, _write(tmp_path, text))
    # (no initial term nor end date: both need review)
    assert summary.summary_lines()[1] == "imported: 2 contracts, 1 new vendors, 2 need review"
    assert session.scalars(select(Vendor.name)).all() == ["Northwind"]


def test_register_workbook_as_a_foreign_register(portfolio: Session, tmp_path: Path) -> None:
    """The sheet that names the most contract fields is read: here the Contracts sheet."""
    from app.reports.export import export_report
    from tests.reports.conftest import AS_OF

    path = export_report(portfolio, "register", tmp_path / "register.xlsx", AS_OF)
    summary = import_foreign_register(portfolio, path, dry_run=True)
    lines = summary.summary_lines()
    assert lines[0].startswith("columns: reference -> reference, vendor -> vendor, title -> "
                               "title, start_date -> start_date")
    assert "would import: 0 contracts" in lines
    assert "skipped: 4 rows" in lines  # every reference is already in the database
    assert "line 2: reference C-2019-100 is already in the database" in lines


def test_command_line_import_register(
    portfolio: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_target: str
) -> None:
    from app.cli import main

    database = db_target  # the portfolio's database (conftest's db fixture)
    path = _write(tmp_path, REGISTER)
    assert main(["--db", database, "import-register", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2:4] == ["would import: 3 contracts, 1 new vendors, 1 need review",
                        "skipped: 6 rows"]
    assert main(["--db", database, "import-register", str(path), "--map", "Nope=vendor"]) == 1
    assert capsys.readouterr().err.startswith("clausekeeper: --map: register.csv has no column")


def test_xlsx_formula_without_a_saved_value_is_named(session: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["Vendor", "Ref", "Effective Date", "Contract Value"])
    ws.append(["Umbrella", "X-1", datetime(2023, 1, 31), "=1000*12"])  # saved without its value
    ws.append(["Umbrella", "X-2", datetime(2023, 1, 31), 5])
    wb.save(tmp_path / "scripted.xlsx")
    with pytest.raises(ClausekeeperError) as caught:
        import_foreign_register(session, tmp_path / "scripted.xlsx")
    assert caught.value.lines() == ["Register!2 Contract Value: formula without a saved value"]
    assert session.query(Contract).count() == 0  # nothing written


def test_long_text_never_loses_a_row(session: Session, tmp_path: Path) -> None:
    # A public register's award descriptions run to many hundreds of characters (SPEC §5).
    description = " ".join(["Provision of managed network services for the regional offices"] * 8)
    assert len(description) > 300
    vendor = "Very Long Name " * 20  # 300 characters, more than a vendor name holds (200)
    text = (
        "Ref,Supplier,Description,Start Date,Notes\n"
        f'X-1,{vendor},"{description}",2024-01-01,awarded after tender\n'
        "X-2,Short Ltd,Short,2024-01-01,\n"
    )
    summary = import_foreign_register(session, _write(tmp_path, text))
    assert summary.imported == 2 and summary.skipped == [] and summary.shortened == 1
    assert any(line.startswith("shortened: 1 rows") for line in summary.summary_lines())
    x1 = _contract(session, "X-1")
    assert len(x1.title) <= 300 and x1.title.endswith("…")
    assert description.startswith(x1.title[:-1])  # what fits, unchanged
    assert x1.title[:-1] + " " in description + " "  # cut at a word boundary
    assert len(x1.vendor.name) <= 200 and x1.vendor.name.endswith("…")
    assert x1.notes is not None
    assert description in x1.notes and vendor.strip() in x1.notes
    assert "awarded after tender" in x1.notes
    assert _contract(session, "X-2").notes is None
