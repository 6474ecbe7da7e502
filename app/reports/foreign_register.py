"""Import of a foreign contract register (SPEC §5): a CSV or XLSX some other system wrote.

Columns are mapped to contract fields explicitly (`--map 'Header=field,…'`) or recognised from
common header names. Parsing is forgiving (dates with separators, amounts like `$1,317,169.92 CAD`)
and row by row: a row that cannot be imported is skipped and reported with its line and reason;
the others are written in one transaction, with the vendors they need.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core import fields
from app.core.progress import Progress, null_progress, step
from app.core.records import LAST_YEAR, range_problems
from app.core.terms import month_boundary
from app.errors import ClausekeeperError, ValidationError
from app.reports.import_errors import refuse_oversized_csv, refused_by_database
from app.reports.xlsx_safe import (
    FORMULA_WITHOUT_VALUE,
    FormulaWithoutValue,
    open_workbook,
    sheet_rows,
    unescape_text,
)
from app.store import audit, import_log
from app.store.engine import hold_write_lock
from app.store.models import (
    DEFAULT_REMINDER_DAYS,
    NOTICE_UNITS,
    RENEWAL_TYPES,
    Contract,
    Person,
    Vendor,
)

ASSUMED_RENEWAL_TERM = 12
NOTES_MAX = 100_000  # what a contract's notes hold from a foreign register
OWNER_MAX = 10_000  # longer than any person key: such an owner is just not found

# field -> header names that mean it, most specific first (compared after _normalise)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "contract reference", "contract ref", "contract number",
                  "contract no", "contract id", "agreement number", "agreement no", "ref",
                  "id", "number", "no"),
    "vendor": ("vendor", "supplier", "vendor name", "supplier name", "provider", "contractor",
               "counterparty", "company"),
    "title": ("title", "contract title", "contract name", "description", "name", "subject",
              "service", "services"),
    "start_date": ("start date", "start", "effective date", "commencement date",
                   "contract start", "start of contract", "valid from", "from"),
    "end_date": ("end date", "end", "expiry date", "expiry", "expiration date", "expiration",
                 "expires", "contract end", "end of contract", "valid to", "valid until", "to"),
    "annual_value": ("annual value", "value", "amount", "contract value", "annual amount",
                     "yearly value", "annual cost", "cost", "price"),
    "currency": ("currency", "ccy", "currency code"),
    "renewal": ("renewal type", "renewal", "auto renewal", "renewal terms"),
    "renewal_term_months": ("renewal term months", "renewal term", "renewal period",
                            "renewal months"),
    "max_renewals": ("max renewals", "maximum renewals", "renewals allowed"),
    "initial_term_months": ("initial term months", "initial term", "term months", "term",
                            "duration months", "duration"),
    "notice": ("notice period", "notice", "notice required", "termination notice"),
    "notice_value": ("notice value",),
    "notice_unit": ("notice unit",),
    "owner": ("owner", "contract owner", "contract manager", "manager", "responsible"),
    "category": ("category", "type", "contract type"),
    "notes": ("notes", "comments", "comment", "remarks"),
}
FIELDS = tuple(SYNONYMS)
REQUIRED = ("reference", "vendor", "start_date")
_KNOWN_HEADERS = {h for name, names in SYNONYMS.items() for h in (name.replace("_", " "), *names)}

_RENEWAL_WORDS = {
    "none": "none", "no": "none", "n": "none", "fixed": "none", "fixed term": "none",
    "no renewal": "none", "false": "none",
    "auto": "auto", "automatic": "auto", "auto renew": "auto", "auto renewal": "auto",
    "autorenew": "auto", "tacit": "auto", "tacit renewal": "auto", "yes": "auto", "y": "auto",
    "true": "auto", "rolling renewal": "auto",
    "option": "option", "optional": "option", "option to renew": "option",
    "extension option": "option", "express": "option", "renewal option": "option",
    "evergreen": "evergreen", "rolling": "evergreen", "indefinite": "evergreen",
    "open ended": "evergreen", "until terminated": "evergreen", "perpetual": "evergreen",
}
_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})")
_NOTICE = re.compile(r"(\d+)\s*(d|day|days|w|wk|wks|week|weeks|m|mo|mos|month|months)?\.?")


def _normalise(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


# --- summary ---------------------------------------------------------------------------------


@dataclass
class ForeignSummary:
    """What the import did (or, for a dry run, would do)."""

    file: str
    imported: int = 0
    vendors_created: int = 0
    needs_review: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    shortened: int = 0  # rows with a text cut to fit its field (the whole text is in the notes)
    notes: list[tuple[int, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    decoded_as: str | None = None
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        lines = []
        if self.decoded_as:
            lines.append(f"{self.file} is not UTF-8: read it as {self.decoded_as}")
        lines.append(
            "columns: " + ", ".join(f"{header} -> {name}" for name, header in self.mapping.items())
        )
        if self.ignored:
            lines.append("ignored columns: " + ", ".join(self.ignored))
        verb = "would import" if self.dry_run else "imported"
        created = f", {self.vendors_created} new vendors" if self.vendors_created else ""
        review = f", {self.needs_review} need review" if self.needs_review else ""
        lines.append(f"{verb}: {self.imported} contracts{created}{review}")
        lines.append(f"skipped: {len(self.skipped)} rows")
        if self.shortened:
            lines.append(
                f"shortened: {self.shortened} rows (a text longer than its field keeps what "
                "fits, ending in …; the whole text is in the contract's notes)"
            )
        lines.extend(f"line {line}: {reason}" for line, reason in self.skipped)
        lines.extend(f"line {line}: note: {text}" for line, text in self.notes)
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines


class _Skip(Exception):
    """This row cannot be imported, for the reason given."""


# --- reading the file --------------------------------------------------------------------------


@dataclass
class _Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (line number, values)
    decoded_as: str | None = None
    header_line: int = 1  # the line (CSV) or sheet row (XLSX) of the header
    sheet: str | None = None  # the sheet read, for a workbook
    sheets: list[str] = field(default_factory=list)  # every sheet of a workbook
    top: list[tuple[int, list[Any]]] = field(default_factory=list)  # the first non-empty rows


ForeignTable = _Table


def _read_table(path: Path, sheet: str | None = None, header_line: int | None = None) -> _Table:
    if not path.exists():
        raise ClausekeeperError(f"{path}: no such file")
    if path.is_dir():
        raise ClausekeeperError(f"{path}: is a folder, not a file")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, header_line)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ClausekeeperError(
            f"{path.name} is an old .xls (or protected) workbook: save it as .xlsx or CSV"
        )
    return _read_csv(path, header_line)


def _numbered(ws: Any, where: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(sheet_rows(ws, where), start=1):
        yield number, [unescape_text(v) if isinstance(v, str) else v for v in row]


def _header_score(ws: Any, where: str) -> int:
    """How many fields the best of a sheet's first 20 rows names."""
    best = 0
    for _, row in itertools.islice(_numbered(ws, where), 20):
        names = {_normalise(str(v)) for v in row if not _blank(v)} & _KNOWN_HEADERS
        best = max(best, len(names))
    return best


def _read_xlsx(path: Path, sheet: str | None = None, header_line: int | None = None) -> _Table:
    """The sheet named, else the one whose header names most contract fields (first on a tie)."""
    with open_workbook(path) as wb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheets = list(wb.worksheets)
        if not sheets:
            raise ClausekeeperError(f"{path.name}: the workbook has no sheets")
        names = [ws.title for ws in sheets]
        if sheet is not None:
            if sheet not in names:
                raise ClausekeeperError(f"{path.name} has no sheet {sheet!r} "
                                        f"(its sheets: {', '.join(names)})")
            chosen = sheets[names.index(sheet)]
        else:
            scores = [_header_score(ws, f"{path.name}, sheet {ws.title}") for ws in sheets]
            chosen = sheets[scores.index(max(scores))]
        where = f"{path.name}, sheet {chosen.title}"
        table = _first_row_as_header(_numbered(chosen, where), header_line)
    if table is None:
        raise ClausekeeperError(f"{path.name}: the sheet {chosen.title} holds no rows")
    _refuse_unsaved_formulas(table, chosen.title)
    table.sheet, table.sheets = chosen.title, names
    return table


def _refuse_unsaved_formulas(table: _Table, sheet: str) -> None:
    """SPEC §5: a formula cell without a saved value is an error that names it (no row of the
    register is guessed at or skipped for it)."""
    def column(i: int) -> str:
        return table.headers[i] if i < len(table.headers) and table.headers[i] else str(i + 1)

    problems = [
        f"{sheet}!{line} {column(i)}: {FormulaWithoutValue.REASON}"
        for line, row in table.rows
        for i, value in enumerate(row)
        if value is FORMULA_WITHOUT_VALUE
    ]
    if problems:
        raise ClausekeeperError(problems[0], problems)


def _decode(path: Path, data: bytes) -> tuple[str, str | None]:
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), None
            except UnicodeDecodeError as exc:
                raise ClausekeeperError(
                    f"{path.name} starts as UTF-16 text but is not ({exc.reason} at offset "
                    f"{exc.start}): save it as UTF-8 CSV"
                ) from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (cp1252) text"
    except UnicodeDecodeError as exc:
        raise ClausekeeperError(
            f"{path.name} is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start}): save it as UTF-8 CSV"
        ) from None


def _read_csv(path: Path, header_line: int | None = None) -> _Table:
    refuse_oversized_csv(path)
    text, decoded_as = _decode(path, path.read_bytes())
    if "\x00" in text:
        raise ClausekeeperError(f"{path.name} is not a text (CSV) file")
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        line = 1
        try:
            for row in reader:
                yield line, row
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ClausekeeperError(f"{path.name} line {line}: {exc}") from None

    table = _first_row_as_header(numbered(), header_line)
    if table is None:
        raise ClausekeeperError(f"{path.name} is empty")
    table.decoded_as = decoded_as
    return table


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(rows: Sequence[tuple[int, list[Any]]]) -> int:
    """The index of the header among non-empty rows: the first of 20 that names two fields.

    People's registers often open with a title row or two: those are passed over. When no row
    names two fields, the first row is the header (and the mapping will say what is missing).
    """
    for index, (_, row) in enumerate(rows[:20]):
        recognised = {_normalise(str(v)) for v in row if not _blank(v)} & _KNOWN_HEADERS
        if len(recognised) >= 2:
            return index
    return 0


def _first_row_as_header(
    rows: Iterator[tuple[int, list[Any]]], header_line: int | None = None
) -> _Table | None:
    """The non-empty rows below the header (found, or the one on `header_line`)."""
    found = [(line, row) for line, row in rows if not all(_blank(v) for v in row)]
    if not found:
        return None
    if header_line is None:
        start = find_header(found)
    else:
        lines = [line for line, _ in found]
        if header_line not in lines:
            raise ClausekeeperError(f"line {header_line} is empty or past the end: it cannot "
                                    "be the header")
        start = lines.index(header_line)
    header = ["" if v is None else str(v).strip() for v in found[start][1]]
    return _Table(header, [(line, list(row)) for line, row in found[start + 1 :]],
                  header_line=found[start][0], top=found[:30])


# --- mapping columns -------------------------------------------------------------------------


def parse_mapping(text: str | None) -> dict[str, str]:
    """`Header=field,…` as {normalised header: field}; ClausekeeperError on a bad item."""
    if not text or not text.strip():
        return {}
    result: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        header, sep, name = item.partition("=")
        name = name.strip().lower()
        if not sep or not header.strip() or not name:
            raise ClausekeeperError(f"--map: {item.strip()!r} is not Header=field")
        if name not in FIELDS:
            raise ClausekeeperError(
                f"--map: {name!r} is not a field (fields: {', '.join(FIELDS)})"
            )
        result[_normalise(header)] = name
    return result


def recognise_columns(
    headers: Sequence[str], explicit: dict[str, str] | None = None
) -> dict[str, int]:
    """Which column holds each field: explicit {normalised header: field} first, then recognised.

    Explicit headers the file lacks are left out (map_columns reports them).
    """
    normalised = [_normalise(h) for h in headers]
    columns: dict[str, int] = {}
    for header, name in (explicit or {}).items():
        if header in normalised:
            columns[name] = normalised.index(header)
    taken = set(columns.values())
    for name in FIELDS:
        if name in columns:
            continue
        for synonym in (name.replace("_", " "), *SYNONYMS[name]):
            matches = [i for i, h in enumerate(normalised) if h == synonym and i not in taken]
            if matches:
                columns[name] = matches[0]
                taken.add(matches[0])
                break
    return columns


def map_columns(
    headers: Sequence[str], explicit: dict[str, str], file_name: str
) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field (explicit first, then recognised), and ignored headers."""
    normalised = [_normalise(h) for h in headers]
    for header in explicit:
        if header not in normalised:
            shown = ", ".join(h for h in headers if h)
            raise ClausekeeperError(f"--map: {file_name} has no column {header!r} "
                                    f"(its columns: {shown})")
    columns = recognise_columns(headers, explicit)
    return columns, check_columns(headers, columns, file_name)


def check_columns(headers: Sequence[str], columns: dict[str, int], file_name: str) -> list[str]:
    """The ignored headers of a mapping; ClausekeeperError when a required field is unmapped."""
    taken = set(columns.values())
    missing = [n for n in REQUIRED if n not in columns]
    if missing:
        hints = ", ".join(f"'Header={n}'" for n in missing)
        raise ClausekeeperError(
            f"{file_name}: no column recognised as {', '.join(missing)} "
            f"(its columns: {', '.join(h for h in headers if h)}); map them with --map {hints}"
        )
    return [h for i, h in enumerate(headers) if h and i not in taken]


# --- forgiving values ----------------------------------------------------------------------


def parse_date(value: object, *, dayfirst: bool) -> date | None:
    """A date from a cell: ISO or Y/M/D, else D/M/Y or M/D/Y (month first unless dayfirst)."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        match = _YMD.fullmatch(text.split("T")[0].split(" ")[0])
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _DMY.fullmatch(text.split(" ")[0])
        if match:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            if year < 100:
                year += 2000 if year < 70 else 1900
            day, month = (first, second) if dayfirst else (second, first)
            return date(year, month, day)
        if re.search(r"[A-Za-z]{3}", text) and re.search(r"\d{4}", text):
            from dateutil import parser as date_parser

            return date_parser.parse(text, dayfirst=dayfirst).date()
    except (ValueError, OverflowError):
        pass
    raise ValidationError(f"{text!r} is not a date")


# The amount parser is the one of the forms too (app.core.fields): "120.000,00" and
# "120,000.00" read the same everywhere.
parse_amount = fields.amount_and_currency


def parse_renewal(value: object, default: str = "none") -> str:
    if _blank(value):
        return default
    key = _normalise(str(value))
    if key in _RENEWAL_WORDS:
        return _RENEWAL_WORDS[key]
    raise ValidationError(
        f"{str(value).strip()!r} is not a renewal type (none, auto, option or evergreen)"
    )


def parse_notice(value: object, header: str) -> tuple[int, str] | None:
    """`3 months`, `90 days`, `6 weeks`; a bare number takes the unit the header names."""
    if _blank(value):
        return None
    text = str(value).strip().lower()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    match = _NOTICE.fullmatch(text)
    if not match:
        raise ValidationError(f"{str(value).strip()!r} is not a notice period like 3 months")
    unit_text = match[2] or ""
    hint = _normalise(header)
    if unit_text.startswith("d") or (not unit_text and "day" in hint):
        unit = "days"
    elif unit_text.startswith("w") or (not unit_text and "week" in hint):
        unit = "weeks"
    else:
        unit = "months"
    return int(match[1]), unit


def term_from_end(start: date, end: date) -> int | None:
    """n when start + n months is the day after end (a whole number of months), else None."""
    after = end + timedelta(days=1)
    guess = (after.year - start.year) * 12 + after.month - start.month
    for n in (guess - 1, guess, guess + 1):
        if n >= 1 and month_boundary(start, n) == after:
            return n
    return None


# --- rows to contracts -------------------------------------------------------------------------


@dataclass
class _Context:
    columns: dict[str, int]
    headers: list[str]
    dayfirst: bool
    known_refs: set[str]
    people: dict[str, int]
    people_by_name: dict[str, list[int]]
    seen: dict[str, int] = field(default_factory=dict)
    currency: str = "EUR"  # for rows that name none
    renewal: str = "none"  # for rows without a renewal type


def _cell(row: list[Any], ctx: _Context, name: str) -> Any:
    index = ctx.columns.get(name)
    if index is None or index >= len(row):
        return None
    value = row[index]
    return value.strip() if isinstance(value, str) else value


def _text(
    row: list[Any], ctx: _Context, name: str, max_len: int, cut: list[str] | None = None
) -> str | None:
    """The cell as text. Longer than the field allows, it keeps what fits (SPEC §5: long text
    never loses a row) and, when `cut` is given, the whole text goes there for the notes."""
    try:
        value = fields.text(_cell(row, ctx, name), name)
    except ValidationError as exc:  # a NUL character: no database can store it
        raise _Skip(str(exc)) from None
    if value is None or len(value) <= max_len:
        return value
    if cut is not None:
        cut.append(f"{name} shortened to {max_len} characters; in full: {value}")
    return fields.shorten(value, max_len)


def _convert(line: int, row: list[Any], ctx: _Context, notes: list[str]) -> dict[str, Any]:
    cut: list[str] = []
    values = _convert_cut(line, row, ctx, notes, cut)
    if cut:
        whole = "\n".join([*cut, *([values["notes"]] if values["notes"] else [])])
        values["notes"] = fields.shorten(whole, NOTES_MAX)
        values["shortened"] = True
    return values


def _convert_cut(
    line: int, row: list[Any], ctx: _Context, notes: list[str], cut: list[str]
) -> dict[str, Any]:
    reference = _text(row, ctx, "reference", 100, cut)
    if reference is None:
        raise _Skip("no reference")
    if reference in ctx.known_refs:
        raise _Skip(f"reference {reference} is already in the database")
    if reference in ctx.seen:
        raise _Skip(f"reference {reference} appears earlier in the file (line "
                    f"{ctx.seen[reference]})")
    ctx.seen[reference] = line
    vendor = _text(row, ctx, "vendor", 200, cut)
    if vendor is None:
        raise _Skip("no vendor")
    try:
        start = parse_date(_cell(row, ctx, "start_date"), dayfirst=ctx.dayfirst)
    except ValidationError as exc:
        raise _Skip(f"start_date: {exc}") from None
    if start is None:
        raise _Skip("no start date")
    values: dict[str, Any] = {
        "reference": reference, "vendor": vendor, "start_date": start,
        "title": _text(row, ctx, "title", 300, cut) or reference,
        "category": _text(row, ctx, "category", 100, cut), "owner_id": None,
        "renewal_term_months": None, "max_renewals": None, "options_exercised": 0,
        "notice_value": 0, "notice_unit": "months", "terminated_on": None,
        "annual_value": None, "currency": ctx.currency, "credit_cap_percent": None,
        "credit_claim_days": 30, "reminder_days": DEFAULT_REMINDER_DAYS,
    }
    try:
        values["renewal"] = parse_renewal(_cell(row, ctx, "renewal"), ctx.renewal)
    except ValidationError as exc:
        raise _Skip(f"renewal: {exc}") from None
    for name, minimum in (("renewal_term_months", 1), ("max_renewals", 0),
                          ("initial_term_months", 1)):
        try:
            values[name] = fields.integer(_cell(row, ctx, name), name, minimum=minimum)
        except ValidationError as exc:
            raise _Skip(str(exc)) from None
    _notice(row, ctx, values)
    _money(row, ctx, values)
    _end_date(row, ctx, values, notes)
    if values["renewal"] in ("auto", "option") and values["renewal_term_months"] is None:
        values["renewal_term_months"] = ASSUMED_RENEWAL_TERM
        notes.append(f"no renewal term for {values['renewal']} renewal: "
                     f"{ASSUMED_RENEWAL_TERM} months assumed")
    too_large = range_problems(values)
    if too_large:
        raise _Skip(too_large[0])
    owner = _text(row, ctx, "owner", OWNER_MAX)  # a key to look up: never cut
    if owner is not None:
        values["owner_id"] = _owner(owner, ctx, notes)
    own_notes = _text(row, ctx, "notes", NOTES_MAX, cut)
    values["notes"] = "\n".join([*([own_notes] if own_notes else []), *notes]) or None
    return values


def _notice(row: list[Any], ctx: _Context, values: dict[str, Any]) -> None:
    try:
        if "notice" in ctx.columns:
            found = parse_notice(_cell(row, ctx, "notice"), ctx.headers[ctx.columns["notice"]])
            if found is not None:
                values["notice_value"], values["notice_unit"] = found
        value = fields.integer(_cell(row, ctx, "notice_value"), "notice_value", minimum=0)
        if value is not None:
            values["notice_value"] = value
        unit = fields.choice(_cell(row, ctx, "notice_unit"), "notice_unit", NOTICE_UNITS)
        if unit is not None:
            values["notice_unit"] = unit
    except ValidationError as exc:
        raise _Skip(f"notice: {exc}") from None


def _money(row: list[Any], ctx: _Context, values: dict[str, Any]) -> None:
    try:
        amount, named = parse_amount(_cell(row, ctx, "annual_value"))
    except ValidationError as exc:
        raise _Skip(f"annual_value: {exc}") from None
    if amount is not None and amount < 0:
        raise _Skip(f"annual_value: {amount} is negative")
    values["annual_value"] = amount
    currency = _cell(row, ctx, "currency")
    try:
        if not _blank(currency):
            values["currency"] = fields.currency(currency)
        elif named is not None:
            values["currency"] = named
    except ValidationError as exc:
        raise _Skip(str(exc)) from None


def _end_date(
    row: list[Any], ctx: _Context, values: dict[str, Any], notes: list[str]
) -> None:
    try:
        end = parse_date(_cell(row, ctx, "end_date"), dayfirst=ctx.dayfirst)
    except ValidationError as exc:
        raise _Skip(f"end_date: {exc}") from None
    if end is None or values["initial_term_months"] is not None:
        return
    if end.year > LAST_YEAR:
        raise _Skip(f"end_date: {end.isoformat()} is after {LAST_YEAR}")
    months = term_from_end(values["start_date"], end)
    if months is not None:
        values["initial_term_months"] = months
    elif values["renewal"] != "evergreen":
        notes.append(f"end date {end.isoformat()} is not a whole number of months after the "
                     f"start {values['start_date'].isoformat()}: initial term to be completed")


def _owner(owner: str, ctx: _Context, notes: list[str]) -> int | None:
    if owner in ctx.people:
        return ctx.people[owner]
    found = ctx.people_by_name.get(owner.casefold(), [])
    if len(found) == 1:
        return found[0]
    notes.append(f"owner {owner} is {'ambiguous' if found else 'not a known person'}: "
                 "left empty")
    return None


# --- entry point ---------------------------------------------------------------------------


def import_foreign_register(
    session: Session, path: Path, mapping: str | None = None, dayfirst: bool = False,
    dry_run: bool = False, *, sheet: str | None = None, header_line: int | None = None,
    columns: dict[str, int] | None = None, currency: str = "EUR", renewal: str = "none",
    progress: Progress = null_progress,
) -> ForeignSummary:
    """Import the rows that can be imported (one transaction, owned by the caller).

    `columns` ({field: column index}) replaces the mapping recognised from the headers (the
    wizard's); `sheet` and `header_line` replace the ones found; `currency` and `renewal` are
    what rows naming none get. An import that writes is recorded (app.store.import_log).
    """
    path = Path(path)
    table = _read_table(path, sheet, header_line)
    if columns is None:
        columns, ignored = map_columns(table.headers, parse_mapping(mapping), path.name)
    else:
        ignored = check_columns(table.headers, columns, path.name)
    if not dry_run:
        hold_write_lock(session)  # the references and vendors read below stay as read
    summary = ForeignSummary(
        file=path.name, decoded_as=table.decoded_as, ignored=ignored, dry_run=dry_run,
        mapping={name: table.headers[index] for name, index in columns.items()},
    )
    ctx = _context(session, table, columns, dayfirst, currency, renewal)
    contracts: list[dict[str, Any]] = []
    total = len(table.rows)
    for done, (line, row) in enumerate(table.rows, start=1):
        if done % 500 == 0:
            step(progress, done, total * 2 if not dry_run else total, "reading the rows")
        notes: list[str] = []
        try:
            values = _convert(line, row, ctx, notes)
        except _Skip as skip:
            summary.skipped.append((line, str(skip)))
            continue
        if values.pop("shortened", False):
            summary.shortened += 1
        summary.notes.extend((line, note) for note in notes)
        contracts.append(values)
    step(progress, total, total * 2 if not dry_run else total, "checked")
    summary.imported = len(contracts)
    summary.needs_review = sum(
        1 for c in contracts if c["initial_term_months"] is None and c["renewal"] != "evergreen"
    )
    vendors = _vendor_ids(session, contracts)
    summary.vendors_created = len({n.casefold() for n, v in vendors.items() if v is None})
    if not dry_run:
        with refused_by_database(path.name), import_log.recording(
            session, "foreign", path, skipped=len(summary.skipped), shortened=summary.shortened
        ):
            _write(session, contracts, vendors, progress, total)
    return summary


def _context(
    session: Session, table: _Table, columns: dict[str, int], dayfirst: bool, currency: str,
    renewal: str,
) -> _Context:
    people: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for pid, name, email in session.execute(select(Person.id, Person.name, Person.email)):
        people[email or name] = pid
        by_name.setdefault(name.casefold(), []).append(pid)
    return _Context(
        columns, table.headers, dayfirst,
        set(session.scalars(select(Contract.reference))), people, by_name,
        currency=fields.currency(currency) or "EUR",
        renewal=fields.choice(renewal, "renewal", RENEWAL_TYPES) or "none",
    )


# --- for the import wizard ------------------------------------------------------------------------


def read_source(path: Path, sheet: str | None = None, header_line: int | None = None) -> _Table:
    """The file as the import reads it: sheets, the header (found or given), the rows below."""
    return _read_table(Path(path), sheet, header_line)


def normalise_header(header: str) -> str:
    """A header as the mapping compares it (lower case, punctuation as spaces)."""
    return _normalise(header)


@dataclass
class RowPreview:
    """One row as it would be stored, or why it would be skipped."""

    line: int
    values: dict[str, Any] | None  # the contract's fields (vendor by name); None when skipped
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        v = self.values
        return v is not None and v["initial_term_months"] is None and v["renewal"] != "evergreen"


def preview_rows(
    session: Session, table: _Table, columns: dict[str, int], *, dayfirst: bool = False,
    currency: str = "EUR", renewal: str = "none", limit: int = 20,
) -> list[RowPreview]:
    """The first `limit` rows exactly as the import would convert them (nothing is written)."""
    ctx = _context(session, table, columns, dayfirst, currency, renewal)
    result = []
    for line, row in table.rows[:limit]:
        notes: list[str] = []
        try:
            result.append(RowPreview(line, _convert(line, row, ctx, notes), None, notes))
        except _Skip as skip:
            result.append(RowPreview(line, None, str(skip)))
    return result


def _vendor_ids(session: Session, contracts: list[dict[str, Any]]) -> dict[str, int | None]:
    """Each vendor name of the rows: an existing vendor's id (same name, any case) or None."""
    existing = {name: vid for vid, name in session.execute(select(Vendor.id, Vendor.name))}
    folded: dict[str, list[str]] = {}
    for name in existing:
        folded.setdefault(name.casefold(), []).append(name)
    result: dict[str, int | None] = {}
    for contract in contracts:
        name = contract["vendor"]
        if name in result:
            continue
        if name in existing:
            result[name] = existing[name]
            continue
        same = folded.get(name.casefold(), [])
        result[name] = existing[same[0]] if len(same) == 1 else None
    return result


def _write(
    session: Session, contracts: list[dict[str, Any]], vendors: dict[str, int | None],
    progress: Progress = null_progress, checked: int = 0,
) -> None:
    new_names: dict[str, str] = {}
    for name, vid in vendors.items():
        if vid is None:
            new_names.setdefault(name.casefold(), name)
    if new_names:
        session.execute(insert(Vendor), [{"name": n} for n in new_names.values()])
        audit.record_bulk(session, "Vendor", list(new_names.values()))
        created = dict(
            session.execute(
                select(Vendor.name, Vendor.id).where(Vendor.name.in_(list(new_names.values())))
            ).all()
        )
        for name, vid in vendors.items():
            if vid is None:
                vendors[name] = created[new_names[name.casefold()]]
    rows = []
    for contract in contracts:
        row = {k: v for k, v in contract.items() if k != "vendor"}
        row["vendor_id"] = vendors[contract["vendor"]]
        rows.append(row)
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        session.execute(insert(Contract), chunk)
        audit.record_bulk(session, "Contract", [(r["reference"], r["reference"]) for r in chunk])
        done = checked + round((start + len(chunk)) * checked / max(len(rows), 1))
        step(progress, done, checked * 2, "writing the contracts")
    session.flush()
