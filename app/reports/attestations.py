"""The attestation workbook of the re-verification campaign (SPEC §3a, §5).

One sheet `Attestations`, column names in row 1, one due row per person and clause. Only
new_level (an in-cell list 0-4) and confirmed_on are unlocked; the sheet is protected without a
password so the keys stay intact. Reading it back is all or nothing: every problem is reported
as `Attestations!row column: reason` and nothing is written unless every filled row is valid.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import fields
from app.core.progress import Progress, null_progress, step
from app.errors import ClausekeeperError, ValidationError
from app.reports.export import write_workbook
from app.reports.xlsx_safe import (
    DATE_FORMAT,
    FORMULA_WITHOUT_VALUE,
    bold_cell,
    open_workbook,
    print_setup,
    safe_text,
    sheet_rows,
    unescape_text,
    write_only_workbook,
)
from app.services.continuity import DEFAULT_WITHIN, AttestationRow, attestation_rows
from app.store.continuity_actions import (
    CREATED,
    REMOVED,
    UNCHANGED,
    UPDATED,
    Attestation,
    LinkChange,
    apply_attestations,
)
from app.store.continuity_queries import people_keys
from app.store.models import Clause, Contract

SHEET = "Attestations"
COLUMNS = (
    "person", "name", "contract", "clause", "title", "criticality", "action", "level",
    "verified_on", "stale_on", "new_level", "confirmed_on",
)  # fmt: skip
FILLED = ("new_level", "confirmed_on")  # the cells meant to be filled
READ = ("person", "contract", "clause", "new_level", "confirmed_on")
WIDTHS = (28, 22, 13, 7, 30, 11, 9, 7, 12, 12, 11, 13)
LEVEL_CHOICES = '"0,1,2,3,4"'
_UNLOCKED = Protection(locked=False)
_TO_FILL = PatternFill(start_color="FFF2CC", end_color="FFF2CC", fill_type="solid")


# --- writing -------------------------------------------------------------------------------


def write_attestations(out: IO[bytes], rows: list[AttestationRow], as_of: date) -> None:
    """Write the rows as the protected attestation sheet."""
    with write_only_workbook() as wb:
        ws = wb.create_sheet(SHEET)
        for index, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        print_setup(
            ws,
            f"Knowledge to confirm as of {as_of.isoformat()}",
            width=sum(WIDTHS),
            title_rows="1:1",
        )
        last = len(rows) + 1
        levels = DataValidation(
            type="list",
            formula1=LEVEL_CHOICES,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="new_level",
            error="Choose 0 (I no longer know it) to 4 (I can renegotiate it).",
            showInputMessage=True,
            promptTitle="new_level",
            prompt="0 removes the link; 1 read, 2 understand, 3 apply, 4 renegotiate.",
        )
        levels.add(f"K2:K{max(last, 2)}")
        dates = DataValidation(
            type="date",
            operator="lessThanOrEqual",
            formula1=f"DATE({as_of.year},{as_of.month},{as_of.day})",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="confirmed_on",
            error=f"A date on or before {as_of.isoformat()} (empty: that date).",
        )
        dates.add(f"L2:L{max(last, 2)}")
        ws.data_validations.append(levels)
        ws.data_validations.append(dates)
        protection = ws.protection
        protection.sheet = True
        protection.formatColumns = False  # widening a column is harmless
        protection.formatRows = False
        protection.autoFilter = False
        ws.append([bold_cell(ws, name) for name in COLUMNS])
        cells = _Cells(ws)
        for row in rows:
            ws.append(cells.row(row))
        wb.save(out)


class _Cells:
    """The cells of a row. A write-only row is written out when appended, so one styled cell
    per column is reused for every row (a new cell object per row costs more than the XML)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.verified_on, self.stale_on = WriteOnlyCell(ws), WriteOnlyCell(ws)
        self.new_level, self.confirmed_on = WriteOnlyCell(ws), WriteOnlyCell(ws)
        for cell in (self.verified_on, self.stale_on, self.confirmed_on):
            cell.number_format = DATE_FORMAT
        for cell in (self.new_level, self.confirmed_on):
            cell.protection = _UNLOCKED  # the two cells meant to be filled, and shown so
            cell.fill = _TO_FILL

    def _day(self, cell: Any, value: date | None) -> Any:
        if value is None:
            return None
        cell.value = value
        return cell

    def row(self, row: AttestationRow) -> list[Any]:
        ws = self.ws
        return [
            safe_text(ws, row.person),
            safe_text(ws, row.name),
            safe_text(ws, row.contract),
            safe_text(ws, row.clause),
            safe_text(ws, row.title),
            row.criticality,
            row.action,
            row.level,
            self._day(self.verified_on, row.verified_on),
            self._day(self.stale_on, row.stale_on),
            self.new_level,
            self.confirmed_on,
        ]


def export_attestations(
    session: Session,
    path: Path,
    as_of: date,
    within: int = DEFAULT_WITHIN,
    person_key: str | None = None,
    progress: Progress = null_progress,
) -> tuple[Path, int]:
    """`clausekeeper export attestations`: the due rows (one person's with person_key) to path;
    returns the path and the number of rows."""
    step(progress, 0, 1, "finding the links due for re-verification")
    rows = attestation_rows(session, as_of, within, person_key)
    written = write_workbook(path, lambda out: write_attestations(out, rows, as_of))
    step(progress, 1, 1, "written")
    return written, len(rows)


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttestationImport:
    """What an import did (or, for a dry run, would do); `changes` is for the import log."""

    rows: int  # filled rows
    dry_run: bool
    changes: list[LinkChange] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for change in self.changes if change.outcome == outcome)

    @property
    def created(self) -> list[LinkChange]:
        return [c for c in self.changes if c.outcome == CREATED]

    @property
    def updated(self) -> list[LinkChange]:
        return [c for c in self.changes if c.outcome in (UPDATED, REMOVED)]

    def summary_lines(self) -> list[str]:
        if self.dry_run:
            lines = [f"attestations: {self.rows} filled rows are valid"]
            lines.append("dry run: nothing was written")
            return lines
        return [
            f"attestations: {self.rows} filled rows: {self.count(CREATED)} links created, "
            f"{self.count(UPDATED)} updated, {self.count(REMOVED)} removed, "
            f"{self.count(UNCHANGED)} unchanged"
        ]


def import_attestations(
    session: Session, path: Path | str, as_of: date, dry_run: bool = False
) -> AttestationImport:
    """Read a filled attestation workbook and write its levels (all or nothing, audited)."""
    attestations = read_attestations(session, Path(path), as_of)
    if dry_run:
        return AttestationImport(len(attestations), True)
    return AttestationImport(len(attestations), False, apply_attestations(session, attestations))


Problem = Callable[[int, str, str], None]


def read_attestations(session: Session, path: Path, as_of: date) -> list[Attestation]:
    """The filled rows of the workbook, checked; raises one error naming every problem."""
    if not path.exists():
        raise ClausekeeperError(f"{path}: no such file")
    problems: list[tuple[int, int, str]] = []
    header, rows = _read(path)
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = str(name).strip().lower() if name is not None else ""
        if key in COLUMNS:
            columns.setdefault(key, index)
    missing = [name for name in READ if name not in columns]
    if missing:
        raise ClausekeeperError(
            f"{SHEET}!1: missing column {', '.join(missing)}",
            [f"{SHEET}!1 {name}: the column is missing" for name in missing],
        )

    def problem(row: int, column: str, reason: str) -> None:
        problems.append((row, COLUMNS.index(column), f"{SHEET}!{row} {column}: {reason}"))

    people = people_keys(session)
    clauses = _clause_ids(session)
    contracts = {reference for reference, _ in clauses}
    seen: dict[tuple[int, int], int] = {}
    found: list[Attestation] = []
    for number, values in rows:
        cells = {name: values[i] if i < len(values) else None for name, i in columns.items()}
        unsaved = [n for n in READ if cells[n] is FORMULA_WITHOUT_VALUE]
        for name in unsaved:
            problem(number, name, "formula without a saved value")
        if unsaved or _blank(cells["new_level"]):
            continue  # rows without new_level are left alone
        item = _attestation(number, cells, people, clauses, contracts, as_of, problem)
        if item is None:
            continue
        key = (item.person_id, item.clause_id)
        if key in seen:
            problem(number, "clause", f"the same person and clause as row {seen[key]}")
            continue
        seen[key] = number
        found.append(item)
    if problems:
        lines = [line for _, _, line in sorted(problems)]
        raise ClausekeeperError(lines[0], lines)
    return found


def _attestation(
    number: int,
    cells: dict[str, Any],
    people: dict[str, int],
    clauses: dict[tuple[str, str], int],
    contracts: set[str],
    as_of: date,
    problem: Problem,
) -> Attestation | None:
    """One filled row, or None after reporting its problems."""
    level = _level(cells["new_level"])
    if level is None:
        problem(number, "new_level", f"{_show(cells['new_level'])} is not a level (0 to 4)")
    person_id = clause_id = None
    key = _text(cells["person"])
    if key is None:
        problem(number, "person", "empty")
    else:
        person_id = people.get(key)
        if person_id is None:
            problem(number, "person", f"no person with the key {key!r}")
    reference = _text(cells["contract"])
    if reference is None:
        problem(number, "contract", "empty")
    elif reference not in contracts:
        problem(number, "contract", f"no contract with the reference {reference!r}")
    try:
        clause = fields.clause_number(cells["clause"], "clause")
    except ValidationError as exc:
        problem(number, "clause", str(exc).removeprefix("clause: "))
    else:
        if reference in contracts:
            clause_id = clauses.get((reference, clause))
            if clause_id is None:
                problem(number, "clause", f"contract {reference} has no clause {clause!r}")
    confirmed_on: date | None = as_of
    try:
        confirmed_on = fields.day(cells["confirmed_on"], "confirmed_on") or as_of
    except ValidationError as exc:
        problem(number, "confirmed_on", str(exc).removeprefix("confirmed_on: "))
        confirmed_on = None
    if confirmed_on is not None and confirmed_on > as_of:
        problem(
            number,
            "confirmed_on",
            f"{confirmed_on.isoformat()} is after the as-of date {as_of.isoformat()}",
        )
        confirmed_on = None
    if level is None or person_id is None or clause_id is None or confirmed_on is None:
        return None
    return Attestation(person_id, clause_id, level, confirmed_on)


def _level(value: Any) -> int | None:
    try:
        level = fields.integer(value, "new_level", minimum=0, maximum=4)
    except ValidationError:
        return None
    return level


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_text(str(value)).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _clause_ids(session: Session) -> dict[tuple[str, str], int]:
    query = select(Contract.reference, Clause.number, Clause.id).join(
        Contract, Contract.id == Clause.contract_id
    )
    return {(reference, number): cid for reference, number, cid in session.execute(query)}


def _read(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """The header and the (row number, values) below it; a formula cell without a saved value
    reads as FORMULA_WITHOUT_VALUE (app.reports.xlsx_safe)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_workbook(path) as workbook:
            sheet = _sheet(workbook, path)
            rows = [(n, list(values)) for n, values in enumerate(sheet_rows(sheet), start=1)]
    if not rows:
        raise ClausekeeperError(f"{SHEET}!1: the sheet is empty")
    return rows[0][1], rows[1:]


def _sheet(workbook: Any, path: Path) -> Any:
    if SHEET not in workbook.sheetnames:
        raise ClausekeeperError(f"{path.name}: no sheet named {SHEET}")
    return workbook[SHEET]
