"""Import of SLA measurements from a service desk's CSV or XLSX export (SPEC §4).

The file has a header row and one measurement per row: contract reference, SLA name, period and
value (a note column is optional; other columns are ignored). Headers are matched without regard
to case, with common synonyms. A period may be `2025-03`, `2025/03`, `03/2025`, `Mar 2025`,
`March 2025`, `Q1 2025` / `2025-Q1`, or any date in the month (an Excel date, or `2025-03-15`);
it is normalised to the start of the SLA's period (a quarter for quarterly SLAs).

All or nothing: every bad row is reported as `file!row column: reason`, in one ClausekeeperError,
and nothing is written unless every row is valid. A period that is already recorded with the same
value is counted as unchanged; with another value it is an error (change it in the application).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core import fields
from app.core.months import period_start_of
from app.errors import ClausekeeperError, ValidationError
from app.reports.import_errors import refuse_oversized_csv, refused_by_database
from app.reports.xlsx_safe import (
    FORMULA_WITHOUT_VALUE,
    FormulaWithoutValue,
    bounded_rows,
    open_workbook,
)
from app.store import audit, import_log
from app.store.engine import hold_write_lock
from app.store.models import Contract, Measurement, Sla

COLUMNS: dict[str, tuple[str, ...]] = {
    "contract": ("contract", "reference", "contract reference", "contract ref", "contract no"),
    "sla": ("sla", "sla name", "metric", "service level", "kpi"),
    "period": ("period", "month", "period start"),
    "value": ("value", "measurement", "result", "measured value", "actual"),
    "note": ("note", "notes", "comment", "comments"),
}
"""Each field and the header names (compared in lower case, `_` and `-` read as spaces)."""
REQUIRED = ("contract", "sla", "period", "value")
BATCH = 5_000

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_NAMED = re.compile(r"([A-Za-z]+)\.?,?\s*(\d{4})")
_QUARTER = re.compile(r"(?:(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4}))", re.I)
_PERIOD_FORMS = "2025-03, Mar 2025, March 2025, Q1 2025 or a date"


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, for a dry run, would do)."""

    rows: int
    imported: int
    unchanged: int
    dry_run: bool

    def summary_lines(self) -> list[str]:
        lines = [f"measurements: {self.imported} imported, {self.unchanged} already recorded"]
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines


@dataclass(frozen=True)
class _Sla:
    id: int
    reference: str
    name: str
    period: str


def import_measurements(session: Session, path: Path | str, dry_run: bool = False) -> ImportSummary:
    """Import the measurements of a CSV or XLSX file; all or nothing (see the module)."""
    path = Path(path)
    where = path.name
    rows = _read(path)
    if not rows:
        raise ClausekeeperError(f"{where}: the file is empty")
    problems: list[str] = []
    header = rows[0][1]
    columns = _columns(header, where, problems)
    if problems:
        raise ClausekeeperError(problems[0], problems)
    if not dry_run:
        hold_write_lock(session)  # the recorded measurements read below stay as read

    slas = _sla_index(session)
    candidates: list[_Row] = []
    for number, values in rows[1:]:
        cells = {name: values[i] if i < len(values) else None for name, i in columns.items()}
        if all(_blank(v) for v in cells.values()):
            continue

        def problem(field: str, reason: str, row: int = number) -> None:
            problems.append(f"{where}!{row} {header[columns[field]]}: {reason}")

        formulas = [name for name, value in cells.items() if value is FORMULA_WITHOUT_VALUE]
        for name in formulas:
            problem(name, FormulaWithoutValue.REASON)
        if formulas:
            continue
        row = _parse_row(number, cells, slas, problem)
        if row is not None:
            candidates.append(row)

    existing = _recorded(session, {row.sla.id for row in candidates})
    seen: dict[tuple[int, date], int] = {}
    new: list[_Row] = []
    unchanged = 0
    for row in candidates:
        key = (row.sla.id, row.start)
        what = f"{row.start:%Y-%m} of {row.sla.reference} / {row.sla.name}"
        if key in seen:
            problems.append(
                f"{where}!{row.number} {header[columns['period']]}: {what} is also in row "
                f"{seen[key]}"
            )
            continue
        seen[key] = row.number
        old = existing.get(key)
        if old is None:
            new.append(row)
        elif old == row.value:
            unchanged += 1
        else:
            problems.append(
                f"{where}!{row.number} {header[columns['value']]}: {what} is already recorded "
                f"as {old}"
            )
    if problems:
        problems.sort(key=_row_order)
        raise ClausekeeperError(problems[0], problems)
    if not dry_run and new:
        with refused_by_database(where), import_log.recording(session, "measurements", path):
            _write(session, new)
    rows_read = len(candidates)
    return ImportSummary(rows=rows_read, imported=len(new), unchanged=unchanged, dry_run=dry_run)


@dataclass(frozen=True)
class _Row:
    number: int
    sla: _Sla
    start: date
    value: Decimal
    note: str | None


Problem = Callable[[str, str], None]


def _parse_row(
    number: int, cells: dict[str, Any], slas: dict[str, dict[str, _Sla]], problem: Problem
) -> _Row | None:
    """The row's measurement, or None after reporting its problems."""
    sla = _find_sla(slas, cells, problem)
    start, quarter = _period(cells["period"], problem)
    value = _value(cells["value"], problem)
    note = None
    if "note" in cells:
        try:
            note = fields.text(cells["note"], "note")
        except ValidationError as exc:
            problem("note", str(exc).removeprefix("note: "))
    if sla is None or start is None or value is None:
        return None
    if quarter and sla.period == "monthly":
        problem("period", f"{_show(cells['period'])} is a quarter, but {sla.name} is monthly")
        return None
    return _Row(number, sla, period_start_of(start, sla.period), value, note)


def _row_order(line: str) -> int:
    match = re.search(r"!(\d+)", line)
    return int(match[1]) if match else 0


# --- reading -------------------------------------------------------------------------------


def _read(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cell values) of the file's rows, the header first."""
    if not path.exists():
        raise ClausekeeperError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise ClausekeeperError(f"{path.name}: not a .csv or .xlsx file")


def _read_csv(path: Path) -> list[tuple[int, list[Any]]]:
    refuse_oversized_csv(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClausekeeperError(
            f"{path.name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
            "save it as 'CSV UTF-8' and import it again"
        ) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [(reader.line_num, list(row)) for row in reader]
    except csv.Error as exc:
        raise ClausekeeperError(f"{path.name}!{reader.line_num}: {exc}") from None


def _read_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    rows: list[tuple[int, list[Any]]] = []
    with open_workbook(path) as workbook, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = workbook.worksheets[0]
        reset = getattr(sheet, "reset_dimensions", None)
        if reset is not None:
            reset()
        cells_of_rows = bounded_rows(sheet.iter_rows(), path.name, blank=_blank_cell)
        for number, cells in enumerate(cells_of_rows, start=1):
            values = [_cell_value(cell) for cell in cells]
            if number == 1 or not all(_blank(v) for v in values):  # (empty rows: no memory)
                rows.append((number, values))
    return rows


def _blank_cell(cell: Any) -> bool:
    return _blank(cell.value)


def _cell_value(cell: Any) -> Any:
    """The cell's value; a number shown as a percentage (0.995 as 99.5 %) as that percentage."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = cell.number_format or ""
        if "%" in number_format:
            return Decimal(repr(float(value))) * 100
    return value


def _header_key(value: Any) -> str:
    return re.sub(r"[\s_\-]+", " ", str(value or "")).strip().lower()


def _columns(header: list[Any], where: str, problems: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = _header_key(raw)
        for name, synonyms in COLUMNS.items():
            if key in synonyms:
                if name in found:
                    problems.append(
                        f"{where}!1 {raw}: a second column for the {name} "
                        f"(after {header[found[name]]})"
                    )
                else:
                    found[name] = index
    for name in REQUIRED:
        if name not in found:
            problems.append(
                f"{where}!1: no {name} column (a header such as {', '.join(COLUMNS[name])})"
            )
    return found


# --- values --------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _sla_index(session: Session) -> dict[str, dict[str, _Sla]]:
    """The SLAs by contract reference, then by name."""
    query = select(Sla.id, Contract.reference, Sla.name, Sla.period).join(
        Contract, Contract.id == Sla.contract_id
    )
    index: dict[str, dict[str, _Sla]] = {}
    for id_, reference, name, period in session.execute(query):
        index.setdefault(reference, {})[name] = _Sla(id_, reference, name, period)
    return index


def _find_sla(
    slas: dict[str, dict[str, _Sla]], cells: dict[str, Any], problem: Problem
) -> _Sla | None:
    reference = "" if _blank(cells["contract"]) else str(cells["contract"]).strip()
    name = "" if _blank(cells["sla"]) else str(cells["sla"]).strip()
    if not reference:
        problem("contract", "a contract reference is required")
        return None
    by_name = slas.get(reference)
    if by_name is None:
        problem("contract", f"no contract with the reference {reference!r} has SLAs")
        return None
    if not name:
        problem("sla", "an SLA name is required")
        return None
    sla = by_name.get(name)
    if sla is None:  # a unique match without regard to case
        matches = [s for n, s in by_name.items() if n.lower() == name.lower()]
        sla = matches[0] if len(matches) == 1 else None
    if sla is None:
        problem("sla", f"contract {reference} has no SLA {name!r} ({', '.join(sorted(by_name))})")
    return sla


def _period(value: Any, problem: Problem) -> tuple[date | None, bool]:
    """A day in the period's first month, and whether the text named a quarter."""
    if _blank(value):
        problem("period", "a period is required")
        return None, False
    if isinstance(value, datetime):
        return value.date(), False
    if isinstance(value, date):
        return value, False
    text = str(value).strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3])), False
        if match := _YEAR_MONTH.fullmatch(text):
            return date(int(match[1]), int(match[2]), 1), False
        if match := _MONTH_YEAR.fullmatch(text):
            return date(int(match[2]), int(match[1]), 1), False
        if (match := _NAMED.fullmatch(text)) and match[1].lower() in _MONTHS:
            return date(int(match[2]), _MONTHS[match[1].lower()], 1), False
        if match := _QUARTER.fullmatch(text):
            year = int(match[1] or match[4])
            quarter = int(match[2] or match[3])
            return date(year, quarter * 3 - 2, 1), True
    except ValueError:
        pass
    problem("period", f"{_show(value)} is not a month ({_PERIOD_FORMS})")
    return None, False


def _value(value: Any, problem: Problem) -> Decimal | None:
    """A number; text may end in a percent sign ("99.5 %")."""
    if _blank(value):
        problem("value", "a value is required")
        return None
    plain = value.strip().removesuffix("%").strip() if isinstance(value, str) else value
    try:
        return fields.decimal(plain, "value", required=True)
    except ValidationError:
        problem("value", f"{_show(value)} is not a number")
        return None


def _recorded(session: Session, sla_ids: set[int]) -> dict[tuple[int, date], Decimal]:
    """The measurements already recorded for these SLAs."""
    found: dict[tuple[int, date], Decimal] = {}
    ids = sorted(sla_ids)
    for i in range(0, len(ids), 500):
        query = select(Measurement.sla_id, Measurement.period_start, Measurement.value).where(
            Measurement.sla_id.in_(ids[i : i + 500])
        )
        found.update(((s, p), v) for s, p, v in session.execute(query))
    return found


# --- writing -------------------------------------------------------------------------------


def _write(session: Session, new: list[_Row]) -> None:
    """Bulk Core inserts, one audit row per measurement."""
    for i in range(0, len(new), BATCH):
        chunk = new[i : i + BATCH]
        session.execute(
            insert(Measurement),
            [
                {"sla_id": r.sla.id, "period_start": r.start, "value": r.value, "note": r.note}
                for r in chunk
            ],
        )
        audit.record_bulk(
            session,
            "Measurement",
            (
                (f"{r.sla.reference} / {r.sla.name} / {r.start:%Y-%m}", r.sla.reference)
                for r in chunk
            ),
        )
