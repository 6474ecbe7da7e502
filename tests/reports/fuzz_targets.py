"""The import fuzzers' targets: what each importer is fed and what it must hold to.

A target is a valid file's rows (from the hand-built portfolio), a way to write rows to a file,
the importer, and its own check of a success. `tests/reports/test_import_fuzz.py` mutates the
rows (junk cells, near-valid rows, broken structure) and holds every target to the same rules:
no traceback, an error names the place, nothing partly imported. Adding an importer (the
attestation workbook, say) is one more `Target` in `TARGETS`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy.orm import Session

from app.reports.attestations import import_attestations
from app.reports.foreign_register import import_foreign_register
from app.reports.measurements_import import import_measurements
from app.reports.register_import import import_register_workbook
from app.reports.xlsx_safe import escape_text

Sheets = dict[str, list[list[Any]]]
"""A file's content: sheet title -> rows (a CSV is one sheet; its title is not written)."""


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return escape_text(value)  # as our writer stores control characters
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(path: Path, sheets: Sheets) -> Path:
    workbook = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    workbook.save(path)
    return path


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, sheets: Sheets) -> Path:
    rows = next(iter(sheets.values()), [])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[_csv_value(v) for v in row] for row in rows])
    return path


@dataclass(frozen=True)
class Target:
    """An importer under test."""

    name: str
    suffix: str
    write: Callable[[Path, Sheets], Path]
    run: Callable[[Session, Path], Any]
    valid: Sheets
    all_or_nothing: bool = True
    """False for the foreign register, which imports the good rows and reports the others."""


REGISTER_FILE: Sheets = {}
"""Filled from the portfolio's register export by the fuzz test's fixture."""

MEASUREMENTS: Sheets = {
    "Measurements": [
        ["Contract", "SLA", "Period", "Value", "Note"],
        ["C-2021-014", "Availability", "2025-05", Decimal("99.7"), "ok"],
        ["C-2021-014", "availability", "Jun 2025", "99.1", None],
        ["C-2022-003", "Resolution time", "Q2 2025", 6.5, "fast"],
        ["C-2022-003", "Resolution time", date(2025, 7, 15), 9, None],
    ]
}

FOREIGN: Sheets = {
    "Register": [
        ["Supplier", "Contract No", "Description", "Start Date", "End Date", "Annual Value",
         "Renewal Type", "Notice Period", "Owner"],
        ["Acme", "F-1", "Desk", "01/15/2024", "01/14/2027", "$1,317,169.92 CAD", "auto",
         "3 months", "Ann Archer"],
        ["Globex", "F-2", "Print", date(2024, 3, 1), date(2024, 8, 15), 999999, None,
         "90 days", None],
        ["Initech", "F-3", "Hosting", "2024-02-29", None, "£1,234", "evergreen", 1,
         "bob@nowhere.example"],
    ]
}


def targets(register: Sheets, attestations: Sheets, as_of: date) -> list[Target]:
    def register_run(session: Session, path: Path) -> Any:
        return import_register_workbook(session, path)

    def attestations_run(session: Session, path: Path) -> Any:
        return import_attestations(session, path, as_of)

    def measurements_run(session: Session, path: Path) -> Any:
        return import_measurements(session, path)

    def foreign_run(session: Session, path: Path) -> Any:
        return import_foreign_register(session, path)

    return [
        Target("register", ".xlsx", write_xlsx, register_run, register),
        Target("measurements-csv", ".csv", write_csv, measurements_run, MEASUREMENTS),
        Target("measurements-xlsx", ".xlsx", write_xlsx, measurements_run, MEASUREMENTS),
        Target("foreign-csv", ".csv", write_csv, foreign_run, FOREIGN, all_or_nothing=False),
        Target("foreign-xlsx", ".xlsx", write_xlsx, foreign_run, FOREIGN, all_or_nothing=False),
        Target("attestations", ".xlsx", write_xlsx, attestations_run, attestations),
    ]


# --- junk ------------------------------------------------------------------------------------

HOSTILE_TEXTS = (
    "=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1+1)", "#N/A", "=1/0", "\x1b[31mred", "\x07bell",
    "line\nbreak", "tab\there", "\r", "_x0041_", "\ufeff", "\u202eevil", "'", '"', ",", ";",
    "NaN", "inf", "-0", "1e999999", "0x10", "9" * 400, " ", "null", "None", "true",
    "x" * 40_000, "💥", "\ud7ff", "nul\x00byte", "2025-02-30", "2025-13", "Q5 2025", "31/31/2031",
)
EXTREMES: tuple[Any, ...] = (
    0, -1, 2**63, -(2**63) - 1, 10**30, 1e308, -1e-308, float("nan"), float("inf"),
    True, False, date(1, 1, 1), date(9999, 12, 31), datetime(1900, 1, 1, 0, 0),
    time(12, 30), timedelta(days=3),
)
