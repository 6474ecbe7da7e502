"""Untrusted workbooks too big to read are refused clearly, in bounded time and memory.

A million empty rows, a value far below (openpyxl pads every row up to it) or far to the right,
a CSV too large: each importer stops at the bound of `xlsx_safe.bounded_rows` (or the CSV size
limit) with a message naming the file. Entity and zip bombs: see test_xlsx_safety.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports import import_errors
from app.reports.foreign_register import import_foreign_register
from app.reports.measurements_import import import_measurements
from app.reports.register_import import import_register_workbook
from app.reports.xlsx_safe import MAX_COLUMNS, MAX_EMPTY_RUN
from tests.reports.conftest import table_counts

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 30
"""The bound on refusing a million empty rows, start-up included (about 3 s on a quiet machine)."""
MEGABYTES = 250
"""The bound on the memory of the process that refuses them (about 80 MB)."""

HEADERS = {
    "register": ("Vendors", ["name", "country", "contact_name", "contact_email", "notes"]),
    "foreign": ("Register", ["Supplier", "Contract No", "Description", "Start Date"]),
    "measurements": ("Data", ["contract", "sla", "period", "value"]),
}
IMPORTS: dict[str, Callable[[Session, Path], object]] = {
    "register": lambda s, p: import_register_workbook(s, p),
    "foreign": lambda s, p: import_foreign_register(s, p),
    "measurements": lambda s, p: import_measurements(s, p),
}


def _workbook(path: Path, kind: str, extra_rows: Callable[[], Iterable[bytes]]) -> Path:
    """The kind's header row, then the rows `extra_rows` writes as sheet XML (streamed)."""
    title, header = HEADERS[kind]
    plain = path.with_suffix(".plain.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.title = title
    workbook.active.append(header)
    workbook.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info, data)
                continue
            head, tail = data.decode().split("</row>", 1)
            with zout.open(info.filename, "w") as fh:
                fh.write((head + "</row>").encode())
                for chunk in extra_rows():
                    fh.write(chunk)
                fh.write(tail.encode())
    plain.unlink()
    return path


def _million_empty_rows() -> Iterable[bytes]:
    for start in range(2, 1_048_577, 10_000):
        yield "".join(f'<row r="{i}"/>' for i in range(start, min(start + 10_000, 1_048_577))
                      ).encode()


def _value_at(cell: str) -> Callable[[], Iterable[bytes]]:
    row = "".join(ch for ch in cell if ch.isdigit())
    return lambda: [f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row>'
                    .encode()]


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("million")
    return {kind: _workbook(folder / f"{kind}.xlsx", kind, _million_empty_rows)
            for kind in HEADERS}


MEASURE = """
import json, resource, sys, time
from app.errors import ClausekeeperError
from app.store.engine import open_database
from tests.reports.test_import_bounds import IMPORTS
start = time.monotonic()
db = open_database(sys.argv[1])
try:
    with db.session() as session:
        IMPORTS[sys.argv[2]](session, sys.argv[3])
    message = None
except ClausekeeperError as exc:
    message = str(exc)
print(json.dumps({"message": message, "seconds": time.monotonic() - start,
                  "megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="measures memory with resource")
@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_a_million_empty_rows_is_refused_in_bounded_time_and_memory(
    million: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path / "db.sqlite"), kind, str(million[kind])],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
        timeout=120, check=True,
    )
    seconds = time.monotonic() - start
    result = json.loads(done.stdout)
    assert result["message"] is not None and million[kind].name in result["message"]
    assert f"more than {MAX_EMPTY_RUN:,} empty rows in a row after row 1" in result["message"]
    assert seconds < SECONDS, result
    assert result["megabytes"] < MEGABYTES, result


@pytest.mark.parametrize("kind", sorted(HEADERS))
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("A1048576", f"more than {MAX_EMPTY_RUN:,} empty rows in a row after row 1"),
        ("XFD2", f"row 2: a value in column 16,384 (XFD); at most {MAX_COLUMNS:,} columns"),
    ],
    ids=["far-below", "far-right"],
)
def test_a_value_far_away_is_refused(
    session: Session, tmp_path: Path, kind: str, cell: str, expected: str
) -> None:
    path = _workbook(tmp_path / f"{kind}.xlsx", kind, _value_at(cell))
    assert path.stat().st_size < 10_000  # a tiny file that would read as a huge sheet
    before = table_counts(session)
    start = time.monotonic()
    with pytest.raises(ClausekeeperError) as caught:
        IMPORTS[kind](session, path)
    assert time.monotonic() - start < SECONDS
    assert path.name in str(caught.value) and expected in str(caught.value)
    session.rollback()
    assert table_counts(session) == before


def test_blank_cells_at_a_rows_end_do_not_count(session: Session, tmp_path: Path) -> None:
    """Formatting a row to its end (empty cells up to XFD) is not a value far to the right."""
    last = get_column_letter(MAX_COLUMNS + 50)

    def styled_row() -> Iterable[bytes]:
        yield f'<row r="2"><c r="A2" t="inlineStr"><is><t>Initech</t></is></c><c r="{last}2" s="0"/></row>'.encode()  # noqa: E501

    path = _workbook(tmp_path / "register.xlsx", "register", styled_row)
    summary = import_register_workbook(session, path)
    assert summary.sheets["Vendors"].added == 1


@pytest.mark.parametrize("kind", ["foreign", "measurements"])
def test_a_csv_too_large_is_refused_before_it_is_read(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(import_errors, "MAX_CSV_BYTES", 1024)  # the real limit is 200 MB
    path = tmp_path / "big.csv"
    path.write_text("contract,sla,period,value\n" + "C-1,Availability,2025-01,99\n" * 100)
    with pytest.raises(ClausekeeperError, match=r"^big\.csv is 0 MB; at most 0 MB accepted$"):
        IMPORTS[kind](session, path)


def test_numbers_beyond_any_contract_are_refused_where_they_enter(
    session: Session, tmp_path: Path
) -> None:
    """Found by fuzzing: 2**63 as a notice failed the SQLite write (OverflowError); a term of
    3,000,000,000 months imported, then every renewals view failed (year out of range)."""
    from app.services.renewals import renewals
    from tests.reports.conftest import AS_OF

    foreign = tmp_path / "huge.csv"
    foreign.write_text(
        "Supplier,Contract No,Start Date,Renewal Type,Renewal Term,Max Renewals,Notice Period,"
        "End Date\n"
        "Acme,H-1,2024-01-01,option,1200,100,3 months\n"
        f"Acme,H-2,2024-01-01,auto,12,,{2**63}\n"
        "Acme,H-3,2024-01-01,auto,12,,3 months\n"
    )
    with foreign.open("a") as fh:  # and an end date on the last day there is
        fh.write("Acme,H-4,2024-01-01,,,,,9999-12-31\n")
    summary = import_foreign_register(session, foreign)
    assert summary.imported == 1
    assert [line for line, _ in summary.skipped] == [2, 3, 5]
    session.commit()
    register = tmp_path / "register.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Vendors"
    workbook.active.append(["name"])
    workbook.active.append(["Acme"])
    contracts = workbook.create_sheet("Contracts")
    contracts.append(["reference", "title", "vendor", "start_date", "renewal",
                      "initial_term_months", "annual_value"])
    contracts.append(["C-1", "Desk", "Acme", "2024-01-01", "none", 3_000_000_000, "1e999999"])
    workbook.save(register)
    with pytest.raises(ClausekeeperError) as caught:
        import_register_workbook(session, register)
    assert caught.value.lines() == [
        "Contracts!2 initial_term_months: 3000000000 is more than 1,200",
        "Contracts!2 annual_value: '1e999999' is too large (at most 15 digits before the "
        "decimal point)",
    ]
    session.rollback()
    assert [row.reference for row in renewals(session, AS_OF)] == ["H-3"]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_nul_in_text_is_refused(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    """Found by fuzzing on PostgreSQL: a NUL in a cell failed the write there (DataError)."""
    db = request.getfixturevalue("db" if backend == "sqlite" else "pg_db")
    path = tmp_path / "register.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Vendors"
    workbook.active.append(["name", "notes"])
    workbook.active.append(["Nul_x0000_Vendor", "fine"])
    workbook.save(path)
    with pytest.raises(ClausekeeperError) as caught, db.session() as session:
        import_register_workbook(session, path)
    assert caught.value.lines() == ["Vendors!2 name: the text holds a NUL character (\\x00)"]
