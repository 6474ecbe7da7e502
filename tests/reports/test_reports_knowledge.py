"""The knowledge report on the hand-built portfolio, as of 2025-06-15 (SPEC §3).

Worked out by hand (settings: level 2, stale after 18 months as stored, window 90 days):
- In scope: C-2021-014 (active), C-2019-100 (active), C-2020-007 (terminating); C-2022-003
  expired. Only C-2021-014 has clauses: 7.2 (criticality 5), 7.10 (4), a (3).
- 7.2: Ann level 3 verified 2024-01-10, + 18 months = 2025-07-10 >= D: current; Bob's link
  (2022-01-10 + 18 months = 2023-07-10) is stale. One current owner: single.
- 7.10: Cyd level 4, 2025-02-01: single. a: no link at all: orphaned, never_owned.
- Coverage (5 + 4) / (5 + 4 + 3) = 9/12 = 75 %. Truck factor: orphaned weight 3 <= 0.5 x 12;
  removing Ann (owner of weight 5, more than Cyd's 4) orphans 7.2: 8 > 6, stop: 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from app.reports.export import export_report
from tests.reports.conftest import AS_OF, needs_soffice


def _report(session: Session, tmp_path: Path) -> Path:
    return export_report(session, "knowledge", tmp_path / "knowledge.xlsx", AS_OF)


def test_clauses_with_status_and_owners(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    assert wb.sheetnames == ["Summary", "Clauses", "Contracts", "Vendors", "Forecast", "Successors"]
    rows = [[c.value for c in r] for r in wb["Clauses"].iter_rows(min_row=4)]
    assert rows == [
        ["C-2021-014", "Acme Outsourcing", "7.2", "Service levels", 5, "single owner", None,
         "Ann Archer", 1],
        ["C-2021-014", "Acme Outsourcing", "7.10", "Credits", 4, "single owner", None,
         "Cyd Clark", 1],
        ["C-2021-014", "Acme Outsourcing", "a", "Annex A", 3, "orphaned", "nobody ever knew it",
         None, 0],
    ]


def test_contracts_and_vendors_figures(portfolio: Session, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_report(portfolio, tmp_path))
    contracts = {r[0].value: [c.value for c in r[3:]] for r in wb["Contracts"].iter_rows(min_row=4)}
    # coverage, truck factor, orphaned, at risk, single, covered, clauses
    assert contracts["C-2021-014"] == [0.75, 1, 1, 0, 2, 0, 3]
    assert contracts["C-2019-100"] == [None, None, 0, 0, 0, 0, 0]  # no clauses: undefined
    assert wb["Contracts"]["D6"].number_format == "0.0%"  # C-2021-014, the third row
    vendors = {r[0].value: [c.value for c in r[1:]] for r in wb["Vendors"].iter_rows(min_row=4)}
    assert vendors["Acme Outsourcing"] == [2, 0.75, 1, 1, 0, 2, 0, 3]
    assert vendors["Globex"] == [1, None, None, 0, 0, 0, 0, 0]


def test_summary_key_figures(portfolio: Session, tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_report(portfolio, tmp_path))["Summary"]
    assert ws["A1"].value == "Knowledge of contract clauses as of 2025-06-15"
    figures = {r[0].value: r[1].value for r in ws.iter_rows(min_row=5, max_row=9)}
    assert figures == {
        "Coverage (criticality-weighted)": 0.75,
        "Truck factor": 1,
        "Clauses in scope": 3,
        "Contracts in scope": 3,
        "Contracts with orphaned clauses": 1,
    }
    statuses = [r[1].value for r in ws.iter_rows(min_row=12, max_row=15)]
    assert statuses == [1, 0, 2, 0]  # orphaned, at risk, single, covered
    settings = {r[0].value: r[1].value for r in ws.iter_rows(min_row=18, max_row=21)}
    assert settings["Stale after (months)"] == 18


@needs_soffice
def test_libreoffice_reads_the_knowledge_report(
    portfolio: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    sheets = to_csv(_report(portfolio, tmp_path))
    assert sheets["Summary"][4] == ["Coverage (criticality-weighted)", "75.0%"]
    assert sheets["Clauses"][5][:7] == ["C-2021-014", "Acme Outsourcing", "a", "Annex A", "3",
                                       "orphaned", "nobody ever knew it"]
    assert sheets["Contracts"][5][3:5] == ["75.0%", "1"]


def test_forecast_sheet_and_its_chart(portfolio: Session, tmp_path: Path) -> None:
    """Ann's 7.2 goes stale after 2025-07-10: from the end of July 7.2 is orphaned too."""
    import zipfile
    from datetime import datetime

    path = _report(portfolio, tmp_path)
    ws = openpyxl.load_workbook(path)["Forecast"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4, max_row=16)]
    # D, then the last day of each of the 12 months after June
    assert [r[0] for r in rows[:3]] == [datetime(2025, 6, 15), datetime(2025, 7, 31),
                                        datetime(2025, 8, 31)]
    assert rows[-1][0] == datetime(2026, 6, 30)
    # date, clauses, orphaned, orphaned critical, at risk, single, covered, coverage, truck
    assert rows[0][1:] == [3, 1, 0, 0, 2, 0, 0.75, 1]
    assert rows[1][1:] == [3, 2, 1, 0, 1, 0, 0.3333, 0]
    assert all(r[1:] == rows[1][1:] for r in rows[2:])
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    forecast = [x for x in charts if "<f>'Forecast'!" in x]
    assert len(forecast) == 1
    xml = forecast[0]
    assert "<barChart>" in xml and "<lineChart>" in xml and xml.count("<ser>") == 2
    assert "'Forecast'!$D$4:$D$16" in xml and "'Forecast'!$H$4:$H$16" in xml  # both series
    assert xml.count("<valAx>") == 2  # coverage on its own axis


def test_successors_sheet(portfolio: Session, tmp_path: Path) -> None:
    """Bob's stale 7.2 would be a re-check, but he leaves within 90 days: learners only."""
    from app.core.glossary import ACTION_WORDS

    LEARN = ACTION_WORDS["learn"]  # noqa: N806 - the users' words, not the code
    ws = openpyxl.load_workbook(_report(portfolio, tmp_path))["Successors"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert rows == [
        ["C-2021-014", "7.2", "Service levels", 5, "single owner", None, "Cyd Clark", LEARN, 4,
         None, None, None, None, None, None],
        ["C-2021-014", "7.10", "Credits", 4, "single owner", None, "Ann Archer", LEARN, 5,
         None, None, None, None, None, None],
        ["C-2021-014", "a", "Annex A", 3, "orphaned", "nobody ever knew it", "Cyd Clark", LEARN,
         4, "Ann Archer", LEARN, 5, None, None, None],
    ]
    assert "takes coverage from 75.0% to 100.0% and the truck factor from 1 to 2" in ws["A2"].value
