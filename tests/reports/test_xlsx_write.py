"""Fast rows (app/reports/xlsx_write.py) write exactly what openpyxl's write-only cells wrote.

Each workbook is written twice: with fast rows, as the application does, and with openpyxl's own
write-only cells (the way it was written before fast rows; each text a string cell, as
`forced_text_cell` makes it). The two files must hold the same bytes in every part but the
timestamp, and read back — with openpyxl in normal and in read-only mode — the same values of the
same types with the same number formats and fonts.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import ERROR_CODES, WriteOnlyCell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.table import Table, TableStyleInfo
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reports import register_export, xlsx_safe
from app.reports.export import export_report
from app.reports.xlsx_safe import (
    discard_workbook,
    forced_text_cell,
    safe_text,
    write_only_workbook,
)
from app.reports.xlsx_write import fast_rows
from app.store.demo import generate
from app.store.models import Contract
from tests.reports.conftest import AS_OF, build_portfolio

AWKWARD_TEXTS = [
    'a & b < c > d "quoted" \'single\'',
    "&#13; &amp; literal entities",
    " leading space",
    "trailing line feed\n",
    "tab\tinside\nand lines",
    "carriage\rreturn",
    "é € 😀 \u2028 \x85 ünïcödé",
    "=HYPERLINK(\"http://evil.example\")",
    "=1+1",
    "+1", "-2", "@SUM(A1)", "#N/A", "#DIV/0!",
    "_x0041_ literal escape",
    "",
    "x" * 32_767,
    "y" * 40_000,  # openpyxl cuts it to 32,767
]
"""Texts appended as they are (fast rows and openpyxl must agree on each)."""


def openpyxl_rows(ws: Any) -> Any:
    """The reference: openpyxl's own write-only cells, each text a string cell (what
    `xlsx_safe.forced_text_cell` does; fast rows make every str one)."""
    append = type(ws).append.__get__(ws)

    def as_openpyxl(row: Any) -> None:
        append([
            forced_text_cell(ws, v)
            if isinstance(v, str) and (v.startswith("=") or v in ERROR_CODES) else v
            for v in row
        ])

    ws.append = as_openpyxl
    return ws


def parts(data: bytes) -> dict[str, bytes]:
    """Every part of a workbook but docProps/core.xml (it holds the time it was written)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


def cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's cells as openpyxl reads them: coordinate, value, its type, data type,
    number format, bold, font size, fill."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        ws.title: [
            (c.coordinate, c.value, type(c.value), c.data_type, c.number_format, c.font.b,
             c.font.sz, c.fill.fgColor.rgb)
            for row in ws.iter_rows() for c in row if c.value is not None or c.has_style
        ]
        for ws in workbook.worksheets
    }


def read_only_values(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {
            ws.title: [tuple((v, type(v)) for v in row) for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets
        }
    finally:
        workbook.close()


def assert_same_workbook(fast: bytes, reference: bytes) -> None:
    assert parts(fast).keys() == parts(reference).keys()
    for name, content in parts(reference).items():
        assert parts(fast)[name] == content, name
    assert cells(fast) == cells(reference)
    assert read_only_values(fast) == read_only_values(reference)


def _awkward_workbook(install: Callable[[Any], Any]) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = install(wb.create_sheet("Awkward"))
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 30
    bold = WriteOnlyCell(ws, "text")
    bold.font = Font(bold=True)
    ws.append([bold, "value", "number"])
    for text in AWKWARD_TEXTS:
        ws.append([text, len(text)])
    money = WriteOnlyCell(ws)
    money.number_format = '#,##0.00 "EUR"'
    percent = WriteOnlyCell(ws)
    percent.number_format = "0.0%"
    when = WriteOnlyCell(ws)
    when.number_format = "yyyy-mm"
    for amount, ratio, day in ((Decimal("1.10"), 0.25, date(2025, 6, 1)),
                               (Decimal("-1234567.5"), 1, date(2030, 12, 1))):
        money.value, percent.value, when.value = amount, ratio, day  # a template, reused
        ws.append([money, percent, when])
    ws.append([])
    ws.append([None, None, "after gaps"])
    ws.append([0, -7, 12_345_678_901_234_567, 2.5, 1e20, 0.1, -0.0, float("nan"),
               Decimal("Infinity"), Decimal("0.1"), True, False])
    ws.append([date(2025, 6, 15), datetime(2025, 6, 15, 13, 45, 30), date(1900, 1, 5),
               time(8, 30), timedelta(days=2, hours=3)])
    ws.append(value for value in ["a generator", 1])
    ws.append(["wide", *range(40)])  # columns past Z
    ws.conditional_formatting.add(
        "B2:B20", CellIsRule(operator="greaterThan", formula=["100"],
                             fill=PatternFill(start_color="F8CBAD", end_color="F8CBAD",
                                              fill_type="solid")))
    table = Table(displayName="Awkward", ref="A1:C20",
                  tableStyleInfo=TableStyleInfo(name="TableStyleLight9"))
    table._initialise_columns()
    for column, name in zip(table.tableColumns, ("text", "value", "number"), strict=True):
        column.name = name
    with warnings.catch_warnings():  # openpyxl reminds write-only users to name the columns
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns")
        ws.add_table(table)
    install(wb.create_sheet("Empty"))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_awkward_cells_are_written_as_openpyxl_writes_them() -> None:
    fast = _awkward_workbook(fast_rows)
    assert_same_workbook(fast, _awkward_workbook(openpyxl_rows))
    ws = openpyxl.load_workbook(io.BytesIO(fast))["Awkward"]
    assert ws["A1"].font.b
    formula = ws.cell(row=2 + AWKWARD_TEXTS.index("=1+1"), column=1)
    assert formula.value == "=1+1" and formula.data_type == "s"  # text, never a formula
    long_cut = ws.cell(row=2 + AWKWARD_TEXTS.index("y" * 40_000), column=1)
    assert long_cut.value == "y" * 32_767
    assert ws.cell(row=2 + AWKWARD_TEXTS.index(""), column=1).value is None
    spaced = ws.cell(row=2 + AWKWARD_TEXTS.index(" leading space"), column=1)
    assert spaced.value == " leading space"
    money = ws.cell(row=2 + len(AWKWARD_TEXTS), column=1)
    assert money.value == 1.1 and money.number_format == '#,##0.00 "EUR"'
    day = ws.cell(row=2 + len(AWKWARD_TEXTS) + 5, column=1)
    assert day.value == datetime(2025, 6, 15) and day.is_date
    assert day.number_format == "yyyy-mm-dd"


def test_a_character_xml_cannot_hold_is_refused_as_openpyxl_refuses_it() -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = fast_rows(wb.create_sheet("S"))
    with pytest.raises(IllegalCharacterError):
        ws.append(["bell\x07"])
    # what the application writes goes through safe_text first: escaped, never refused
    ws.append([safe_text(ws, "bell\x07")])
    out = io.BytesIO()
    wb.save(out)
    assert openpyxl.load_workbook(out)["S"]["A1"].value == "bell_x0007_"


def test_a_sheet_with_rows_already_cannot_get_fast_rows() -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(["openpyxl's own"])
    try:
        with pytest.raises(ValueError, match="new write-only sheet"):
            fast_rows(ws)
    finally:
        discard_workbook(wb)


def test_a_failed_workbook_leaves_no_temporary_file() -> None:
    written: list[Path] = []
    with pytest.raises(RuntimeError), write_only_workbook() as wb:
        ws = fast_rows(wb.create_sheet("S"))
        ws.append(["row"])
        written.append(Path(ws._writer.out))
        assert written[0].exists()
        raise RuntimeError("the export fails half way")
    assert not written[0].exists()


# --- the application's workbooks --------------------------------------------------------


@pytest.fixture
def as_openpyxl(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Call it to have the register and the report sheets written by openpyxl's cells."""

    def switch() -> None:
        monkeypatch.setattr(register_export, "fast_rows", openpyxl_rows)
        monkeypatch.setattr(xlsx_safe, "fast_rows", openpyxl_rows)

    yield switch


def _export_both(
    session: Session, kind: str, tmp_path: Path, as_openpyxl: Callable[[], None], as_of: date
) -> tuple[bytes, bytes]:
    fast = export_report(session, kind, tmp_path / f"{kind}-fast.xlsx", as_of).read_bytes()
    as_openpyxl()
    reference = export_report(session, kind, tmp_path / f"{kind}-ref.xlsx", as_of).read_bytes()
    return fast, reference


HOSTILE = {
    "vendor": "=cmd|' /C calc'!A0\x1b[31m & <Co>",
    "person": "@SUM(1+1)\x07",
    "title": "+1\r\nBEGIN:VEVENT\r\n _x0041_ ",
    "clause": "-2+3\x1b]0;pwned\x07",
    "sla": "#N/A",
    "note": '=HYPERLINK("http://evil.example")\t\x9b31m\x7f',
}


@pytest.mark.parametrize("kind", ["register", "knowledge", "renewals", "sla"])
def test_hostile_texts_are_written_as_before(
    session: Session, tmp_path: Path, as_openpyxl: Callable[[], None], kind: str
) -> None:
    build_portfolio(session, names=HOSTILE)
    desk = session.execute(select(Contract).where(Contract.reference == "C-2021-014")).scalar_one()
    desk.notes = "very long " * 3_000 + "end"  # 30,003 characters: fits a cell
    session.commit()
    fast, reference = _export_both(session, kind, tmp_path, as_openpyxl, AS_OF)
    assert_same_workbook(fast, reference)
    if kind == "register":
        wb = openpyxl.load_workbook(io.BytesIO(fast))
        vendors = [row[0] for row in wb["Vendors"].iter_rows(min_row=2, values_only=True)]
        assert HOSTILE["vendor"].replace("\x1b", "_x001B_") in vendors
        notes = [row[19] for row in wb["Contracts"].iter_rows(min_row=2, values_only=True)]
        assert "very long " * 3_000 + "end" in notes


@pytest.mark.parametrize("kind", ["register", "knowledge", "renewals", "sla"])
def test_the_demo_portfolio_is_written_as_before(
    session: Session, tmp_path: Path, as_openpyxl: Callable[[], None], kind: str
) -> None:
    as_of = date(2026, 11, 29)
    generate(session, scale="small", seed=7, as_of=as_of)
    session.commit()
    fast, reference = _export_both(session, kind, tmp_path, as_openpyxl, as_of)
    assert_same_workbook(fast, reference)
