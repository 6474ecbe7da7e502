"""The register workbook as written (SPEC §5): sheets, columns, cell types, exact money."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from app.core.progress import Cancelled
from app.errors import ClausekeeperError
from app.reports import export as export_module
from app.reports.export import export_report
from app.reports.register_export import MONEY_FORMAT, SHEETS
from tests.reports.conftest import AS_OF, needs_soffice

EXPECTED_SHEETS = [
    "Vendors", "People", "Contracts", "Clauses", "Knowledge", "SLAs", "Measurements",
    "CreditNotes", "Settings",
]


def _export(session: Session, tmp_path: Path) -> Path:
    return export_report(session, "register", tmp_path / "register.xlsx", AS_OF)


def test_sheets_and_header_rows_are_exactly_the_spec(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_export(portfolio, tmp_path))
    assert wb.sheetnames == EXPECTED_SHEETS
    assert [c.value for c in wb["Contracts"][1]] == [
        "reference", "title", "vendor", "owner", "category", "start_date",
        "initial_term_months", "renewal", "renewal_term_months", "max_renewals",
        "options_exercised", "notice_value", "notice_unit", "terminated_on", "annual_value",
        "currency", "credit_cap_percent", "credit_claim_days", "reminder_days", "notes",
    ]
    for name in EXPECTED_SHEETS:
        assert tuple(c.value for c in wb[name][1]) == SHEETS[name]
    # one record per row: 2 vendors, 3 people, 4 contracts, 4 clauses, 4 knowledge links,
    # 2 SLAs, 3 measurements, 3 credit notes, the 4 settings
    sizes = {name: wb[name].max_row - 1 for name in EXPECTED_SHEETS}
    assert sizes == {"Vendors": 2, "People": 3, "Contracts": 4, "Clauses": 4, "Knowledge": 4,
                     "SLAs": 2, "Measurements": 3, "CreditNotes": 3, "Settings": 4}


def test_cells_have_real_types(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_export(portfolio, tmp_path))
    contracts = {row[0].value: row for row in wb["Contracts"].iter_rows(min_row=2)}
    desk = contracts["C-2021-014"]
    start = desk[5]
    assert start.value == datetime(2021, 1, 1) and start.is_date
    assert start.number_format == "yyyy-mm-dd"
    # money as stored: a number with the money format when Excel keeps it exactly
    assert desk[14].value == 120000.5 and desk[14].data_type == "n"
    assert desk[14].number_format == MONEY_FORMAT
    # 1234567.891234567891 has 19 significant digits, more than Excel keeps: written as text
    hosting = contracts["C-2022-003"]
    assert hosting[14].value == "1234567.891234567891" and hosting[14].data_type == "s"
    assert contracts["C-2020-007"][14].value == 0.1
    # reminder_days as text; an empty list is "none"
    assert desk[18].value == "180,90,30,7" and desk[18].data_type == "s"
    assert hosting[18].value == "none"
    # the needs_review contract has an empty initial term
    assert contracts["C-2019-100"][6].value is None
    # owner is the person's key: the e-mail, else the name
    assert desk[3].value == "ann@corp.example"
    assert hosting[3].value == "Bob Baker"


def test_sheets_state_their_size(portfolio: Session, tmp_path: Path) -> None:
    """A reader learns each sheet's size from its <dimension> instead of parsing it twice."""
    import zipfile

    with zipfile.ZipFile(_export(portfolio, tmp_path)) as z:
        contracts = z.read("xl/worksheets/sheet3.xml").decode()
        settings = z.read("xl/worksheets/sheet9.xml").decode()
    assert re.search(r'<dimension ref="A1:T5" ?/>', contracts)  # 20 columns, header + 4
    assert re.search(r'<dimension ref="A1:B5" ?/>', settings)  # header + 4 settings


def test_clause_numbers_are_text_in_natural_order(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_export(portfolio, tmp_path))
    rows = list(wb["Clauses"].iter_rows(min_row=2))
    assert [(r[0].value, r[1].value) for r in rows] == [
        ("C-2021-014", "7.2"), ("C-2021-014", "7.10"), ("C-2021-014", "a"),
        ("C-2022-003", "1"),
    ]
    assert all(r[1].data_type == "s" for r in rows)  # "1" stays text, not the number 1


def test_settings_sheet_lists_every_setting_in_force(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_export(portfolio, tmp_path))
    values = {r[0].value: r[1].value for r in wb["Settings"].iter_rows(min_row=2)}
    # stale_after_months was stored as 18; the others are the defaults of SPEC §3
    assert values == {"understanding_level": "2", "stale_after_months": "18",
                      "leaving_window_days": "90", "truck_threshold": "0.5"}


def test_failed_export_leaves_the_old_file_and_no_temporary(
    portfolio: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "register.xlsx"
    target.write_bytes(b"previous version")

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(export_module.WRITERS, "register", broken)
    with pytest.raises(RuntimeError):
        export_report(portfolio, "register", target, AS_OF)
    assert target.read_bytes() == b"previous version"
    assert not list(tmp_path.glob(".*.part"))


def test_cancelled_export_writes_nothing(portfolio: Session, tmp_path: Path) -> None:
    calls: list[str] = []

    def cancel(done: int, total: int, message: str = "") -> bool:
        calls.append(message)
        return False

    target = tmp_path / "register.xlsx"
    with pytest.raises(Cancelled):
        export_report(portfolio, "register", target, AS_OF, progress=cancel)
    assert calls  # the export asked
    assert not target.exists()
    assert not list(tmp_path.glob(".*.part"))


def test_bad_destination_is_a_clear_error(portfolio: Session, tmp_path: Path) -> None:
    with pytest.raises(ClausekeeperError, match="does not exist"):
        export_report(portfolio, "register", tmp_path / "nope" / "r.xlsx", AS_OF)
    with pytest.raises(ClausekeeperError, match=r"must end in \.xlsx"):
        export_report(portfolio, "register", tmp_path / "r.csv", AS_OF)


def test_text_too_long_for_a_cell_is_an_error_naming_it(session: Session, tmp_path: Path) -> None:
    from tests.reports.conftest import build_portfolio

    build_portfolio(session, names={"note": "x" * 40_000})
    # contracts are sorted by reference: C-2019-100 (row 2), C-2020-007 (3), C-2021-014 (4)
    with pytest.raises(ClausekeeperError, match=r"^Contracts!4 notes: text of 40,000 characters"):
        _export(session, tmp_path)
    assert not (tmp_path / "register.xlsx").exists()


@needs_soffice
def test_libreoffice_reads_the_register(
    portfolio: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    sheets = to_csv(_export(portfolio, tmp_path))
    assert sorted(sheets) == sorted(EXPECTED_SHEETS)
    contracts = {row[0]: row for row in sheets["Contracts"][1:]}
    assert contracts["C-2021-014"][5] == "2021-01-01"  # a date shown as yyyy-mm-dd
    assert contracts["C-2021-014"][14] == "120,000.50"  # shown with the money format
    assert contracts["C-2022-003"][14] == "1234567.891234567891"
    assert contracts["C-2022-003"][18] == "none"
    assert [r[1] for r in sheets["Clauses"][1:]] == ["7.2", "7.10", "a", "1"]
    assert sheets["Vendors"][2] == ["Globex", "", "", "", "second\nline"]
