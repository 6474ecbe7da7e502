"""The reports print well: one page wide, headers repeated, landscape when wide, a footer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from app.reports.export import export_report
from tests.reports.conftest import AS_OF

DATA_SHEETS = {
    "renewals": ("Renewals",),
    "knowledge": ("Clauses", "Contracts", "Vendors", "Forecast", "Successors"),
    "sla": ("Compliance", "Credits", "Breaches"),
}


@pytest.fixture
def reports(portfolio: Session, tmp_path: Path) -> dict[str, Path]:
    return {
        kind: export_report(portfolio, kind, tmp_path / f"{kind}.xlsx", AS_OF)
        for kind in DATA_SHEETS
    }


@pytest.mark.parametrize("kind", sorted(DATA_SHEETS))
def test_data_sheets_print_one_page_wide_with_the_header_row_repeated(
    reports: dict[str, Path], kind: str
) -> None:
    wb = openpyxl.load_workbook(reports[kind])
    for name in DATA_SHEETS[kind]:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert ws.page_setup.fitToWidth == 1, name
        assert ws.page_setup.paperSize == 9, name  # A4
        assert ws.page_setup.fitToHeight == 0, name  # as many pages tall as the rows need
        assert ws.print_title_rows == "$3:$3", name  # row 3: the column names
        footer = ws.oddFooter
        assert footer.left.text == f"{ws['A1'].value}"  # the title, with the as-of date
        assert "as of 2025-06-15" in footer.left.text
        assert footer.center.text == "Page &P of &N"
        assert footer.right.text == "&A"  # the sheet's name
        assert ws.page_margins.left == 0.4 and ws.page_margins.top == 0.5


def test_wide_sheets_print_landscape_narrow_ones_portrait(reports: dict[str, Path]) -> None:
    renewals = openpyxl.load_workbook(reports["renewals"])["Renewals"]
    # 19 columns: the headers alone are more than 100 characters wide (the portrait limit)
    assert sum(len(str(c.value)) + 2 for c in renewals[3]) > 100
    assert renewals.page_setup.orientation == "landscape"
    vendors = openpyxl.load_workbook(reports["knowledge"])["Vendors"]
    # Vendor "Acme Outsourcing" 16 + 2 = 18, then "Contracts" 11, "Coverage" 10,
    # "Truck factor" 14, "Orphaned" 10, "At risk" 9, "Single" 8, "Covered" 9, "Clauses" 9:
    # 98 characters, at most 100: portrait
    widths = [vendors.column_dimensions[c.column_letter].width for c in vendors[3]]
    assert sum(widths) == 98
    assert vendors.page_setup.orientation == "portrait"


@pytest.mark.parametrize("kind", sorted(DATA_SHEETS))
def test_summary_prints_on_one_landscape_page(reports: dict[str, Path], kind: str) -> None:
    ws = openpyxl.load_workbook(reports[kind])["Summary"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.page_setup.orientation == "landscape"  # the chart sits beside the figures
    assert ws.print_title_rows is None
    assert ws.oddFooter.center.text == "Page &P of &N"


def test_footer_escapes_ampersands() -> None:
    from app.reports.xlsx_safe import footer_text

    assert footer_text("R&D as of 2025-06-15") == "R&&D as of 2025-06-15"


def test_truck_threshold_is_a_number(reports: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(reports["knowledge"])["Summary"]
    settings = {r[0].value: r[1] for r in ws.iter_rows(min_row=18, max_row=21)}
    cell = settings["Truck threshold"]
    assert cell.data_type == "n" and cell.value == 0.5  # the default setting
    assert settings["Understanding level (1-4)"].data_type == "n"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_every_report_prints_to_pdf_in_libreoffice(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    """LibreOffice 7.4 crashed printing TRUE/FALSE cells under a conditional format."""
    out = tmp_path / "pdf"
    for kind, path in reports.items():
        result = subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        pdf = out / (path.stem + ".pdf")
        assert result.returncode == 0 and pdf.exists(), f"{kind}: {result.stderr[-300:]}"
        assert pdf.read_bytes().startswith(b"%PDF")
