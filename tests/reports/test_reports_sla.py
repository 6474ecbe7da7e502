"""The SLA report on the hand-built portfolio, as of 2025-06-15 (SPEC §4).

Worked out by hand (range: from the first period to 2025-06):
- Availability (C-2021-014, monthly, >= 99.5, 5 % credit): March 99.95 met, April 98.1
  breached: measured 2, met 1, compliance 50 %. Missing: the months from 2021-01 (start) that
  ended before D, 2021-01..2025-05 = 4 x 12 + 5 = 53, less the 2 measured = 51.
- Resolution time (C-2022-003, quarterly, <= 8): Q1 2025 7.25 met. Missing: Q1 2022 (start
  2022-03-31) to Q1 2025 (ends 2025-03-30) = 13 quarters, less 1 = 12.
- April's credit: 120000.50 / 12 x 5 % = 500.0020833..., under the cap (12.5 % of a month,
  1250.01): due 500.00; received 500.25 (CN-1): outstanding 0; claim by 2025-04-30 + 45 days
  = 2025-06-14. March: nothing due, 2 x 10.00 received; claim by 2025-03-31 + 45 = 2025-05-15.
- Trend: 2025-03 holds March (met) and Q1 (met): 100 %; 2025-04: 0 %; other months none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from app.reports.export import export_report
from tests.reports.conftest import AS_OF, needs_soffice


def _report(session: Session, tmp_path: Path) -> Path:
    return export_report(session, "sla", tmp_path / "sla.xlsx", AS_OF)


def test_compliance_per_sla(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    assert wb.sheetnames == ["Summary", "Compliance", "Credits", "Breaches"]
    rows = [[c.value for c in r] for r in wb["Compliance"].iter_rows(min_row=4)]
    assert rows == [
        ["C-2021-014", "Acme Outsourcing", "Availability", "%", 99.5, "higher is better", "monthly",
         2, 1, 1, 51, 0.5],
        ["C-2022-003", "Globex", "Resolution time", "hours", 8, "lower is better", "quarterly",
         1, 1, 0, 12, 1.0],
    ]


def test_credits_and_breaches(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    credits = [[c.value for c in r] for r in wb["Credits"].iter_rows(min_row=4)]
    assert credits == [
        ["C-2021-014", "Acme Outsourcing", datetime(2025, 3, 1), 0, 20, 0,
         datetime(2025, 5, 15), False, "EUR"],
        ["C-2021-014", "Acme Outsourcing", datetime(2025, 4, 1), 500, 500.25, 0,
         datetime(2025, 6, 14), False, "EUR"],
    ]
    assert wb["Credits"]["C4"].number_format == "yyyy-mm"
    assert wb["Credits"]["D4"].number_format == '#,##0.00 "EUR"'
    breaches = [[c.value for c in r] for r in wb["Breaches"].iter_rows(min_row=4)]
    assert breaches == [
        ["C-2021-014", "Acme Outsourcing", "Availability", datetime(2025, 4, 1), "monthly",
         98.1, 99.5, "%", "higher is better", 500, "EUR"],
    ]


def test_summary_and_trend(portfolio: Session, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_report(portfolio, tmp_path))["Summary"]
    assert ws["A1"].value == "SLA compliance and service credits as of 2025-06-15"
    figures = {r[0].value: r[1].value for r in ws.iter_rows(min_row=5, max_row=11)}
    assert figures == {
        "SLAs": 2, "Periods measured": 3, "Periods met": 2, "Periods breached": 1,
        "Periods missing": 63,  # 51 + 12
        "Compliance (met / measured)": 0.6667,  # 2/3 rounded half-up to 4 places
        "SLAs with a breach": 1,
    }
    assert [c.value for c in ws[14]] == ["EUR", 500, 520.25, 0, 0]  # due, received, out, lost
    trend = {r[0].value.strftime("%Y-%m"): r[1].value for r in ws.iter_rows(min_row=17)}
    assert len(trend) == 12 and min(trend) == "2024-07" and max(trend) == "2025-06"
    assert {m: v for m, v in trend.items() if v is not None} == {"2025-03": 1.0, "2025-04": 0.0}


@needs_soffice
def test_libreoffice_reads_the_sla_report(
    portfolio: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    sheets = to_csv(_report(portfolio, tmp_path))
    assert sheets["Compliance"][3][7:] == ["2", "1", "1", "51", "50.0%"]
    assert sheets["Credits"][4][2:8] == ["2025-04", "500.00 EUR", "500.25 EUR", "0.00 EUR",
                                         "2025-06-14", "FALSE"]
    assert sheets["Breaches"][3][9] == "500.00 EUR"
    assert sheets["Summary"][9] == ["Compliance (met / measured)", "66.7%", "", "", ""]
