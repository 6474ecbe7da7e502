"""What every report workbook has: title rows, frozen headers, tables, formats, charts."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from app.reports.export import export_report
from tests.reports.conftest import AS_OF, needs_soffice

REPORTS = {
    "renewals": ("Renewals",),
    "knowledge": ("Clauses", "Contracts", "Vendors", "Forecast", "Successors"),
    "sla": ("Compliance", "Credits", "Breaches"),
}


@pytest.fixture
def reports(portfolio: Session, tmp_path: Path) -> dict[str, Path]:
    return {kind: export_report(portfolio, kind, tmp_path / f"{kind}.xlsx", AS_OF)
            for kind in REPORTS}


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_title_rows_tables_and_frozen_headers(reports: dict[str, Path], kind: str) -> None:
    wb = openpyxl.load_workbook(reports[kind])
    assert wb.sheetnames == ["Summary", *REPORTS[kind]]
    for ws in wb.worksheets:
        title = ws["A1"]
        assert isinstance(title.value, str) and title.value.endswith(" as of 2025-06-15")
        assert title.font.b
    for name in REPORTS[kind]:
        ws = wb[name]
        assert ws.freeze_panes == "A4"  # title, note, then the column names stay in view
        assert list(ws.tables) == [name]
        table = ws.tables[name]
        last = ws.max_row if ws.max_row > 3 else 4
        assert table.ref == f"A3:{openpyxl.utils.get_column_letter(ws.max_column)}{last}"
        assert [c.name for c in table.tableColumns] == [c.value for c in ws[3]]
        assert table.autoFilter is not None  # the filter buttons
        assert all(c.font.b for c in ws[3])
        assert ws.conditional_formatting, name  # highlighted rows or cells
        # every column is at least as wide as its header
        for cell in ws[3]:
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= len(str(cell.value)), (name, cell.value)


def test_column_widths_fit_the_text(reports: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(reports["knowledge"])["Clauses"]
    # "Service levels" (14 characters) is the longest title: the column gets 14 + 2
    assert ws.column_dimensions["D"].width == 16
    assert ws.column_dimensions["B"].width == len("Acme Outsourcing") + 2


@pytest.mark.parametrize(
    ("kind", "chart", "series"),
    [("renewals", "barChart", 3), ("knowledge", "barChart", 1), ("sla", "lineChart", 1)],
)
def test_summary_has_a_native_chart(
    reports: dict[str, Path], kind: str, chart: str, series: int
) -> None:
    with zipfile.ZipFile(reports[kind]) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        summary = [x for n in charts if "<f>'Summary'!" in (x := z.read(n).decode())]
        assert len(summary) == 1  # (the knowledge report's Forecast sheet has one of its own)
        xml = summary[0]
        rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()  # the Summary sheet
    assert f"<{chart}>" in xml
    assert xml.count("<ser>") == series
    assert "<f>'Summary'!$B$" in xml  # its data are on the summary sheet
    assert len(re.findall(r'<delete val="0" ?/>', xml)) == 2  # both axes shown (any writer)
    assert "drawing" in rels


def test_conditional_formats_name_the_right_columns(reports: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(reports["renewals"])
    rules = {
        str(cf.sqref): [r.formula[0] for r in cf.rules]
        for cf in wb["Renewals"].conditional_formatting
    }
    # Days left is column H: red within 30 days, yellow within 90
    assert rules["A4:S6"] == [
        "AND(ISNUMBER($H4),$H4>=0,$H4<=30)", "AND(ISNUMBER($H4),$H4>30,$H4<=90)"]
    assert rules["O4:O6"] == ['O4="yes"']  # missed notice
    ws = openpyxl.load_workbook(reports["knowledge"])["Clauses"]
    formulas = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert formulas == ['$F4="orphaned"', '$F4="at risk"', '$F4="single owner"']


@needs_soffice
def test_demo_reports_open_in_libreoffice(
    session: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    """The three reports of a realistic portfolio load in LibreOffice with every row."""
    from app.services.knowledge import gaps
    from app.services.renewals import renewals
    from app.store.demo import generate

    generate(session, scale="small", seed=2, as_of=AS_OF)
    session.commit()
    sheets = {
        kind: to_csv(export_report(session, kind, tmp_path / f"demo-{kind}.xlsx", AS_OF))
        for kind in REPORTS
    }
    for kind, names in REPORTS.items():
        assert sorted(sheets[kind]) == sorted(["Summary", *names])
    # title, note and header rows, then one row per record
    assert len(sheets["renewals"]["Renewals"]) == 3 + len(renewals(session, AS_OF))
    assert len(sheets["knowledge"]["Clauses"]) == 3 + len(gaps(session, AS_OF).clauses)
