"""Issue 17: the Excel reports speak the user's words; the JSON and the register keep codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from app.reports.export import export_report
from app.services.renewals import renewals_json
from tests.reports.conftest import AS_OF

CODES = {"cancel_by", "exercise_by", "not_started", "auto", "option", "none", "at_risk",
         "never_owned", "owners_left", "single", "higher", "lower"}


def _cells(path: Path) -> list[object]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [cell for ws in workbook.worksheets
                for row in ws.iter_rows(values_only=True) for cell in row]
    finally:
        workbook.close()


def test_the_three_reports_show_words_not_codes(portfolio: Session, tmp_path: Path) -> None:
    seen: dict[str, list[object]] = {}
    for kind in ("renewals", "knowledge", "sla"):
        cells = _cells(export_report(portfolio, kind, tmp_path / f"{kind}.xlsx", AS_OF))
        codes = sorted({str(c) for c in cells if isinstance(c, str) and c in CODES})
        assert codes == [], f"{kind} report shows codes: {codes}"
        seen[kind] = cells
    renewals = seen["renewals"]
    assert "tacit renewal" in renewals and "cancel by" in renewals
    assert "initial term" in renewals and "term 2" in renewals  # not "0", not "2"
    assert "nobody ever knew it" in seen["knowledge"] and "single owner" in seen["knowledge"]
    assert "higher is better" in seen["sla"]


def test_the_json_and_the_register_keep_their_codes(portfolio: Session, tmp_path: Path) -> None:
    rows = renewals_json(portfolio, AS_OF)
    assert {row["deadline_kind"] for row in rows} >= {"cancel_by", "end"}  # SPEC §6
    assert {row["renewal"] for row in rows} >= {"auto", "evergreen"}
    assert {row["term_number"] for row in rows} >= {0, 2}
    register = _cells(export_report(portfolio, "register", tmp_path / "register.xlsx", AS_OF))
    assert "renewal" in register and "notice_unit" in register  # SPEC §5 column names
    assert "auto" in register and "tacit renewal" not in register
