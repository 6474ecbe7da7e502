"""Every exported file, built from hostile names: no live formula, no raw control sequence.

The reports, the register, the attestation workbook and the calendar are written from a portfolio
whose names are formula injections and terminal escape sequences; each file is then read as bytes
and as a workbook or a calendar.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session

from app.reports.attestations import export_attestations
from app.reports.calendar_ics import write_calendar
from app.reports.export import export_report
from app.reports.register_import import import_register_workbook
from app.services.renewals import renewals
from tests.reports.conftest import AS_OF, build_portfolio, table_counts

HOSTILE = {
    "vendor": "=cmd|' /C calc'!A0\x1b[31m",
    "person": "@SUM(1+1)\x07",
    "title": "+1\r\nBEGIN:VEVENT\r\nSUMMARY:forged\r\nEND:VEVENT",
    "clause": "-2+3\x1b]0;pwned\x07",
    "sla": "=1+1\x00",
    "note": '=HYPERLINK("http://evil.example")\t\x9b31m\x7f',
}
EXPORTS = ("register", "renewals", "knowledge", "sla", "attestations")
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
"""A control byte, or a C1 control character in UTF-8 (0x9b, CSI, starts terminal sequences)."""


@pytest.fixture
def hostile(session: Session) -> Session:
    names = dict(HOSTILE)
    if session.get_bind().dialect.name == "postgresql":  # it cannot hold a NUL at all
        names["sla"] = names["sla"].replace("\x00", "\x01")
    build_portfolio(session, names=names)
    session.commit()
    return session


@pytest.mark.parametrize("kind", EXPORTS)
def test_workbooks_hold_no_formula_and_no_raw_control(
    hostile: Session, tmp_path: Path, kind: str
) -> None:
    if kind == "attestations":  # the re-verification workbook people fill in
        path, _ = export_attestations(hostile, tmp_path / f"{kind}.xlsx", AS_OF)
    else:
        path = export_report(hostile, kind, tmp_path / f"{kind}.xlsx", AS_OF)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            assert not RAW_CONTROL.search(data), (name, RAW_CONTROL.search(data))
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in data and b"<f " not in data, name
            assert b"cmd|" not in data or name.startswith("xl/worksheets/"), name
    workbook = openpyxl.load_workbook(path)
    texts = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    shown = "person" if kind == "attestations" else "vendor"  # what that workbook names
    assert any(HOSTILE[shown].split("\x07")[0].split("\x1b")[0] in t for t in texts)  # as text


def test_the_register_brings_the_hostile_texts_back_unchanged(
    session: Session, tmp_path: Path
) -> None:
    # (without the NUL: no text may hold one, the import refuses it)
    build_portfolio(session, names={k: v.replace("\x00", "") for k, v in HOSTILE.items()})
    session.commit()
    path = export_report(session, "register", tmp_path / "register.xlsx", AS_OF)
    before = table_counts(session)
    summary = import_register_workbook(session, path)
    assert all(c.added == 0 and c.updated == 0 for c in summary.sheets.values())
    assert table_counts(session) == before


def test_the_calendar_holds_no_control_and_no_forged_event(
    hostile: Session, tmp_path: Path
) -> None:
    path = tmp_path / "deadlines.ics"
    count = write_calendar(renewals(hostile, AS_OF), path, AS_OF)
    data = path.read_bytes()
    assert count > 0
    assert not RAW_CONTROL.search(data), RAW_CONTROL.search(data)
    assert b"\r" not in data.replace(b"\r\n", b"")  # every CR ends a line
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == count  # the title's lines did not become events
    assert not any(line.startswith(b"SUMMARY:forged") for line in lines)
    events = list(Calendar.from_ical(data).walk("VEVENT"))
    assert len(events) == count
    summaries = " ".join(str(e["summary"]) for e in events)
    assert "=cmd|' /C calc'!A0\u241b[31m" in summaries  # ESC shown as ␛, the rest kept
    assert "+1\nBEGIN:VEVENT" in summaries  # the line break is text in the summary
