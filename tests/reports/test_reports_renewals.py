"""The renewals report on the hand-built portfolio, as of 2025-06-15 (SPEC §2, §5).

Worked out by hand:
- C-2020-007 (evergreen, no minimum term, 2 months' notice given 2025-05-01): terminating, ends
  2025-05-01 + 2 months = 2025-07-01, 16 days left (15 days of June + 1); earliest end on D:
  D + 2 months = 2025-08-15.
- C-2021-014 (36 months from 2021-01-01, then yearly, 3 months' notice): term 2 is 2025;
  cancel_by 2025-12-31 - 3 months = 2025-09-30, 15 + 31 + 31 + 30 = 107 days left.
- C-2019-100 needs review (no initial term): listed last, no deadline.
- C-2022-003 (option, 1 of 2 exercised) ended 2025-03-30: expired, not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from app.reports.export import export_report
from app.reports.report_renewals import COLUMNS
from tests.reports.conftest import AS_OF, needs_soffice


def _report(session: Session, tmp_path: Path) -> Path:
    return export_report(session, "renewals", tmp_path / "renewals.xlsx", AS_OF)


def test_renewals_sheet_rows_and_formats(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    assert wb.sheetnames == ["Summary", "Renewals"]
    ws = wb["Renewals"]
    assert ws["A1"].value == "Renewals and notice deadlines as of 2025-06-15"
    assert [c.value for c in ws[3]] == [c.header for c in COLUMNS]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["C-2020-007", "C-2021-014", "C-2019-100"]
    payroll = dict(zip([c.header for c in COLUMNS], rows[0], strict=True))
    assert payroll["Status"] == "terminating"
    assert payroll["Deadline kind"] == "ends"
    assert payroll["Deadline"] == datetime(2025, 7, 1)
    assert payroll["Days left"] == 16
    assert payroll["Earliest end"] == datetime(2025, 8, 15)
    desk = dict(zip([c.header for c in COLUMNS], rows[1], strict=True))
    assert (desk["Cancel by"], desk["Days left"], desk["Term"]) == (
        datetime(2025, 9, 30), 107, "term 2")
    assert desk["Annual value"] == 120000.5
    legacy = dict(zip([c.header for c in COLUMNS], rows[2], strict=True))
    # Flags read as words: "yes", or an empty cell.
    assert legacy["Needs review"] == "yes" and legacy["Deadline"] is None
    assert desk["Needs review"] is None and desk["Missed notice"] is None
    # real formats: dates, money with its currency code
    assert ws["G4"].number_format == "yyyy-mm-dd" and ws["G4"].is_date
    value_cell = ws.cell(row=5, column=[c.header for c in COLUMNS].index("Annual value") + 1)
    assert value_cell.number_format == '#,##0.00 "EUR"'


def test_summary_counts_and_months(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    ws = wb["Summary"]
    assert ws["A1"].value == "Renewals and notice deadlines as of 2025-06-15"
    figures = {r[0].value: r[1].value for r in ws.iter_rows(min_row=5, max_row=10)}
    assert figures == {
        "Contracts listed": 3,
        "Deadlines within 30 days": 1,  # C-2020-007, 16 days
        "Deadlines within 90 days": 1,  # C-2021-014 is 107 days away
        "Notice missed (renewal locked in or option lapsed)": 0,
        "Escalated (deadline near, critical clause orphaned)": 0,
        "Needs review (initial term unknown)": 1,
    }
    months = {
        r[0].value.strftime("%Y-%m"): [c.value for c in r[1:5]]
        for r in ws.iter_rows(min_row=16, max_row=27)
    }
    assert len(months) == 12 and min(months) == "2025-06" and max(months) == "2026-05"
    assert months["2025-07"] == [0, 0, 1, 1]  # C-2020-007 ends
    assert months["2025-09"] == [1, 0, 0, 1]  # C-2021-014 cancel-by
    assert sum(m[3] for m in months.values()) == 2


@needs_soffice
def test_libreoffice_reads_the_renewals_report(
    portfolio: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    sheets = to_csv(_report(portfolio, tmp_path))
    renewals = sheets["Renewals"]
    assert renewals[0][0] == "Renewals and notice deadlines as of 2025-06-15"
    assert renewals[3][:8] == ["C-2020-007", "Acme Outsourcing", "Payroll", "evergreen",
                               "terminating", "ends", "2025-07-01", "16"]
    assert renewals[4][8] == "2025-09-30"
    # the annual value facing a decision, with the currency in the number format
    assert sheets["Summary"][12][:3] == ["EUR", "0.10 EUR", "1"]
