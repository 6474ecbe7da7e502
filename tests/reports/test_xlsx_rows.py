"""The fast sheet reader gives exactly the rows openpyxl's read-only reader gives.

Each case is a sheet's XML (cells of every kind, gaps, odd structure) in a real workbook with
date, time, duration and date-time styles and a shared string table; the rows of
`xlsx_rows.sheet_values` are compared, value and type, with openpyxl's
`iter_rows(values_only=True)` (with its dimensions reset, as every import reads).
"""

from __future__ import annotations

import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ClausekeeperError
from app.reports.xlsx_rows import fast_rows_available, sheet_values
from app.reports.xlsx_safe import FORMULA_WITHOUT_VALUE, open_workbook, sheet_rows

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = ["first", "second with  spaces ", "=not a formula", ""]
"""The shared string table of the hand-written sheets (index 0 to 3)."""


def _base(path: Path) -> Path:
    """A workbook whose styles 1-4 are date, time, duration and date-time formats."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "S"
    ws["A1"] = date(2024, 1, 2)
    ws["B1"] = time(10, 30)
    ws["C1"] = timedelta(hours=5)
    ws["D1"] = datetime(2024, 1, 2, 3, 4)
    wb.save(path)
    return path


def _with_sheet(base: Path, target: Path, sheet_data: str) -> Path:
    """`base` with its sheet's <sheetData> replaced and a shared string table added."""
    shared = "".join(f"<si><t xml:space=\"preserve\">{s}</t></si>" for s in SHARED)
    count = len(SHARED)
    shared_xml = f'<sst xmlns="{NS}" count="{count}" uniqueCount="{count}">{shared}</sst>'
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, rest = text.split("<sheetData>", 1)
                head = head.replace('<dimension ref="A1:D1" />', "")
                data = (head + sheet_data + rest.split("</sheetData>", 1)[1]).encode()
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
                    b"/></Relationships>",
                )
            zout.writestr(info.filename, data)
        zout.writestr("xl/sharedStrings.xml", shared_xml)
    return target


def _both(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with open_workbook(path) as wb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = wb.worksheets[0]
        assert fast_rows_available(ws)
        ws.reset_dimensions()
        theirs = [tuple(r) for r in ws.iter_rows(values_only=True)]
        ours = [tuple(r) for r in sheet_values(ws)]
    return theirs, ours


def _typed(rows: list[tuple[Any, ...]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row] for row in rows]


CASES = {
    "every kind": (
        '<sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>text</t></is></c>'
        '<c r="B1" t="n"><v>42</v></c><c r="C1"><v>4.5</v></c><c r="D1"><v>1E3</v></c>'
        '<c r="E1" s="1" t="n"><v>45293</v></c><c r="F1" s="2"><v>0.4375</v></c>'
        '<c r="G1" s="3"><v>0.2083333333333333</v></c><c r="H1" s="4"><v>45293.5</v></c>'
        '<c r="I1" t="b"><v>1</v></c><c r="J1" t="b"><v>0</v></c>'
        '<c r="K1" t="e"><v>#N/A</v></c><c r="L1" t="str"><v>formula text</v></c>'
        '<c r="M1" t="s"><v>1</v></c><c r="N1" t="s"><v>2</v></c><c r="O1" t="s"><v>3</v></c>'
        '<c r="P1" t="d"><v>2024-03-04T05:06:07</v></c>'
        "</row></sheetData>"
    ),
    "formulas": (
        '<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>1+1</f></c>'
        '<c r="C1"><f>1+1</f><v /></c><c r="D1" t="str"><f>"a"</f><v>a</v></c>'
        '<c r="E1" t="inlineStr"><f>1</f><is><t>x</t></is></c>'
        '<c r="F1" t="s"><f>1</f></c></row></sheetData>'
    ),
    "inline strings": (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  a  </t>'
        '</is></c><c r="B1" t="inlineStr"><is><t/></is></c><c r="C1" t="inlineStr"><is/></c>'
        '<c r="D1" t="inlineStr"/><c r="E1" t="inlineStr"><is><r><t>rich</t></r><r><rPr><b/>'
        '</rPr><t> text</t></r></is></c><c r="F1" t="inlineStr"><is><t>a&amp;b&lt;c&#10;d</t>'
        '</is></c><c r="G1" t="inlineStr"><is><t>x</t><rPh sb="0" eb="1"><t>y</t></rPh></is></c>'
        '<c r="H1" t="inlineStr"><is><t>_x0001_ kept</t></is></c></row></sheetData>'
    ),
    "gaps and missing rows": (
        '<sheetData><row r="1"><c r="C1"><v>3</v></c></row><row r="4"><c r="A4"><v>1</v></c>'
        '<c r="E4" s="1"/></row><row r="5"/><row r="7" spans="1:3" ht="20" customHeight="1">'
        '<c r="B7" t="inlineStr"><is><t>b</t></is></c></row></sheetData>'
    ),
    "no coordinates": (
        '<sheetData><row><c><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c></row>'
        '<row><c r="C2"><v>3</v></c><c><v>4</v></c></row><row r="5.0"><c><v>5</v></c></row>'
        "</sheetData>"
    ),
    "out of order": (
        '<sheetData><row r="3"><c r="C3"><v>3</v></c><c r="A3"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>9</v></c></row><row r="3"><c r="B3"><v>2</v></c>'
        '<c r="B3"><v>7</v></c><c r="D3"><v>4</v></c></row></sheetData>'
    ),
    "odd coordinates": (
        '<sheetData><row r="1"><c r="a1"><v>1</v></c><c r="C01"><v>3</v></c>'
        '<c r="AA1"><v>27</v></c><c r="XFD1"><v>16384</v></c></row></sheetData>'
    ),
    "odd structure": (
        '<sheetData><row r="1"><c r="A1"><!-- note --><v>1</v></c><?pi x?>'
        '<c r="B1" t="weird"><v>2</v></c><c r="C1" s="1"><v></v></c>'
        '<c r="D1"><v>1</v><v>2</v></c></row></sheetData>'
    ),
    "a date out of range": (
        '<sheetData><row r="1"><c r="A1" s="1"><v>1e20</v></c><c r="B1" s="1"><v>-5</v></c>'
        "</row></sheetData>"
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_rows_are_openpyxls(tmp_path: Path, case: str) -> None:
    path = _with_sheet(_base(tmp_path / "base.xlsx"), tmp_path / "case.xlsx", CASES[case])
    theirs, ours = _both(path)
    assert _typed(ours) == _typed(theirs)
    assert ours  # every case has rows


def test_the_kinds_are_read(tmp_path: Path) -> None:
    """Not just equal to openpyxl: the values a user typed, of the types an import expects."""
    path = _with_sheet(_base(tmp_path / "base.xlsx"), tmp_path / "k.xlsx", CASES["every kind"])
    (row,) = _both(path)[1]
    assert row[:5] == ("text", 42, 4.5, 1000.0, datetime(2024, 1, 2))
    assert row[5:8] == (time(10, 30), timedelta(hours=5), datetime(2024, 1, 2, 12))
    assert row[8:] == (True, False, "#N/A", "formula text", SHARED[1], SHARED[2], "",
                       datetime(2024, 3, 4, 5, 6, 7))
    formulas = _with_sheet(_base(tmp_path / "b2.xlsx"), tmp_path / "f.xlsx", CASES["formulas"])
    (row,) = _both(formulas)[1]
    assert row[:4] == (2, FORMULA_WITHOUT_VALUE, FORMULA_WITHOUT_VALUE, "a")


BROKEN = {
    "a coordinate openpyxl cannot read": '<sheetData><row r="1"><c r="$C$1"><v>3</v></c></row>',
    "a shared string that is not there": '<sheetData><row r="1"><c r="A1" t="s"><v>9</v></c>',
    "a boolean that is not a number": '<sheetData><row r="1"><c r="A1" t="b"><v>x</v></c>',
    "a row number that is not one": '<sheetData><row r="1.5"><c r="A1"><v>1</v></c>',
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_cell_openpyxl_cannot_read_is_an_error_naming_the_sheet(
    tmp_path: Path, case: str
) -> None:
    path = _with_sheet(_base(tmp_path / "base.xlsx"), tmp_path / "b.xlsx",
                       BROKEN[case] + "</row></sheetData>")
    with open_workbook(path) as wb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        with pytest.raises((ValueError, IndexError)):
            list(ws.iter_rows(values_only=True))  # openpyxl's own reading fails too
        with pytest.raises(ClausekeeperError, match="^the sheet S cannot be read: "):
            list(sheet_rows(ws))


def test_a_syntax_error_names_the_sheet(tmp_path: Path) -> None:
    path = _with_sheet(_base(tmp_path / "base.xlsx"), tmp_path / "bad.xlsx",
                       '<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row></sheetData>')
    with open_workbook(path) as wb, pytest.raises(ClausekeeperError, match="the sheet S cannot"):
        list(sheet_rows(wb.worksheets[0]))


def test_a_document_type_in_the_sheet_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were every check before it fooled, the reader itself refuses a DTD (and expands no
    entity)."""
    from app.reports import xlsx_rows

    path = _base(tmp_path / "base.xlsx")
    with open_workbook(path) as wb:
        ws = wb.worksheets[0]
        source = (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
            f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;'
            "</t></is></c></row></sheetData></worksheet>"
        ).encode()
        monkeypatch.setattr(ws.parent._archive, "open", lambda _name: _Bytes(source))
        with pytest.raises(ClausekeeperError, match="declares a document type"):
            list(xlsx_rows.sheet_values(ws))


class _Bytes:
    def __init__(self, data: bytes) -> None:
        import io

        self._io = io.BytesIO(data)

    def __enter__(self) -> Any:
        return self._io

    def __exit__(self, *_exc: object) -> None:
        self._io.close()


CELL = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(CELL, max_size=8), max_size=12), write_only=st.booleans())
def test_any_workbook_openpyxl_writes(
    tmp_path: Path, rows: list[list[Any]], write_only: bool
) -> None:
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("Data") if write_only else wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    path = tmp_path / "any.xlsx"
    wb.save(path)
    theirs, ours = _both(path)
    assert _typed(ours) == _typed(theirs)


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every record of the register's tables, and what the audit trail says of each."""
    from sqlalchemy import select

    from app.store.engine import open_database
    from app.store.models import AuditLog
    from tests.reports.conftest import TABLES

    database = open_database(str(path))
    try:
        with database.session() as session:
            dump = {
                model.__tablename__: [
                    tuple(row) for row in session.execute(
                        select(*model.__table__.columns).order_by(*model.__table__.primary_key)
                    )
                ]
                for model in TABLES
            }
            dump["audit_log"] = [
                tuple(row) for row in session.execute(
                    select(AuditLog.entity, AuditLog.entity_key, AuditLog.action,
                           AuditLog.changes, AuditLog.contract_ref).order_by(AuditLog.id)
                )
            ]
    finally:
        database.close()
    return dump


@pytest.mark.slow
def test_an_import_reads_the_same_data_as_through_openpyxl(
    session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo portfolio's register, imported once through this reader and once through
    openpyxl's: the same records, field by field, and the same audit trail."""
    from app.reports import xlsx_rows
    from app.reports.export import export_report
    from app.reports.register_import import import_register_workbook
    from app.store.demo import generate
    from app.store.engine import open_database
    from tests.reports.conftest import AS_OF, build_portfolio

    generate(session, scale="small", seed=5, as_of=AS_OF)
    build_portfolio(session, names={"vendor": "=1+1", "title": " spaced ", "note": "_x0041_"})
    session.commit()
    register = export_report(session, "register", tmp_path / "register.xlsx", AS_OF)
    dumps = []
    for name, fast in (("fast", True), ("openpyxl", False)):
        if not fast:
            monkeypatch.setattr(xlsx_rows, "fast_rows_available", lambda _ws: False)
        database = open_database(str(tmp_path / f"{name}.db"))
        with database.session() as target:
            import_register_workbook(target, register)
        database.close()
        dumps.append(_tables(tmp_path / f"{name}.db"))
    fast_dump, openpyxl_dump = dumps
    assert fast_dump == openpyxl_dump
    assert len(fast_dump["clauses"]) > 100 and len(fast_dump["measurements"]) > 100
