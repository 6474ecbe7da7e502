"""Import of the register workbook (SPEC §5): all or nothing, every problem on its own line.

Three phases: read every sheet into typed rows (collecting problems), check keys and rules
against the file and the database (collecting problems), then — only when there is no problem and
it is not a dry run — write: new records with bulk Core inserts and one audit row each, changed
records through the ORM (so the audit trail gets each changed field with its old and new value).
An empty optional cell keeps the value of an existing record, or takes the default on a new one.
"""

from __future__ import annotations

import sys
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, aliased

from app.core import fields
from app.core.months import is_period_start
from app.core.progress import Progress, null_progress, step
from app.core.records import contract_problems
from app.core.settings import DEFAULTS as SETTING_DEFAULTS
from app.core.settings import validate_setting
from app.errors import ClausekeeperError, ValidationError
from app.reports.import_errors import refused_by_database
from app.reports.register_export import SHEETS
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
    CLAUSE_CATEGORIES,
    DEFAULT_REMINDER_DAYS,
    DIRECTIONS,
    NOTICE_UNITS,
    PERIODS,
    RENEWAL_TYPES,
    Base,
    Clause,
    Contract,
    CreditNote,
    Knowledge,
    Measurement,
    Person,
    Sla,
    Vendor,
)
from app.store.settings import load_settings, save_settings

Parser = Callable[[object, str], object]
Values = tuple[Any, ...]
BATCH = 10_000


# --- columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A column of a register sheet: how a non-empty cell is parsed, whether it is required."""

    name: str
    parse: Parser
    required: bool = False


def _text(max_len: int | None = None) -> Parser:
    def parse(value: object, name: str) -> object:
        if value.__class__ is str:  # the common case, as fields.text takes it, sooner
            result = value.strip()  # type: ignore[attr-defined]
            if result and "\x00" not in result and (max_len is None or len(result) <= max_len):
                return result
        return fields.text(value, name, max_len=max_len)

    return parse


def _key(max_len: int) -> Parser:
    text = _text(max_len)

    def parse(value: object, name: str) -> object:
        result = text(value, name)
        return sys.intern(result) if result is not None else None  # type: ignore[arg-type]

    return parse


def _int(minimum: int | None = None, maximum: int | None = None) -> Parser:
    return lambda v, f: fields.integer(v, f, minimum=minimum, maximum=maximum)


def _dec(minimum: Decimal | None = None) -> Parser:
    return lambda v, f: fields.decimal(v, f, minimum=minimum)


def _choice(options: Sequence[str]) -> Parser:
    return lambda v, f: fields.choice(v, f, options)


def _day(value: object, name: str) -> object:
    if value.__class__ is datetime:  # an Excel date, as fields.day takes it, sooner
        return value.date()  # type: ignore[attr-defined]
    return fields.day(value, name)


def _month(value: object, name: str) -> object:
    """The first day of a month: a date, YYYY-MM-DD, or YYYY-MM."""
    if isinstance(value, str) and len(value.strip()) <= 7:
        from app.core.months import parse_month

        try:
            return parse_month(value)
        except ValidationError:
            raise ValidationError(f"{name}: {value!r} is not a month (YYYY-MM-01)") from None
    result = fields.day(value, name)
    if result is not None and result.day != 1:
        raise ValidationError(f"{name}: {result.isoformat()} is not the first day of a month")
    return result


def _email(value: object, name: str) -> object:
    return fields.email(value, name)


def _clause_number(value: object, name: str) -> object:
    return sys.intern(fields.clause_number(value, name))


def _currency(value: object, name: str) -> object:
    return fields.currency(value, name)


def _reminders(value: object, name: str) -> object:
    return fields.reminder_days(value, name)


COLUMNS: dict[str, tuple[Col, ...]] = {
    "Vendors": (
        Col("name", _key(200), True), Col("country", _text(100)),
        Col("contact_name", _text(200)), Col("contact_email", _email), Col("notes", _text()),
    ),
    "People": (
        Col("name", _key(200), True), Col("email", _email), Col("department", _text(200)),
        Col("role", _text(200)), Col("leaves_on", _day), Col("notes", _text()),
    ),
    "Contracts": (
        Col("reference", _key(100), True), Col("title", _text(300), True),
        Col("vendor", _key(200), True), Col("owner", _key(254)), Col("category", _text(100)),
        Col("start_date", _day, True), Col("initial_term_months", _int(1)),
        Col("renewal", _choice(RENEWAL_TYPES), True), Col("renewal_term_months", _int(1)),
        Col("max_renewals", _int(0)), Col("options_exercised", _int(0)),
        Col("notice_value", _int(0)), Col("notice_unit", _choice(NOTICE_UNITS)),
        Col("terminated_on", _day), Col("annual_value", _dec(Decimal(0))),
        Col("currency", _currency), Col("credit_cap_percent", _dec(Decimal(0))),
        Col("credit_claim_days", _int(0)), Col("reminder_days", _reminders),
        Col("notes", _text()),
    ),
    "Clauses": (
        Col("contract", _key(100), True), Col("number", _clause_number, True),
        Col("title", _text(300), True), Col("summary", _text()),
        Col("category", _choice(CLAUSE_CATEGORIES)), Col("criticality", _int(1, 5)),
    ),
    "Knowledge": (
        Col("person", _key(254), True), Col("contract", _key(100), True),
        Col("clause", _clause_number, True), Col("level", _int(1, 4), True),
        Col("verified_on", _day, True),
    ),
    "SLAs": (
        Col("contract", _key(100), True), Col("name", _key(200), True), Col("unit", _text(40)),
        Col("target", _dec(), True), Col("direction", _choice(DIRECTIONS), True),
        Col("period", _choice(PERIODS), True), Col("credit_percent", _dec(Decimal(0))),
    ),
    "Measurements": (
        Col("contract", _key(100), True), Col("sla", _key(200), True),
        Col("period_start", _day, True), Col("value", _dec(), True), Col("note", _text()),
    ),
    "CreditNotes": (
        Col("contract", _key(100), True), Col("month", _month, True),
        Col("amount", _dec(Decimal(0)), True), Col("received_on", _day),
        Col("reference", _text(100)),
    ),
    "Settings": (
        Col("key", _choice(tuple(SETTING_DEFAULTS)), True), Col("value", _text(100), True),
    ),
}
assert all(tuple(c.name for c in COLUMNS[s]) == SHEETS[s] for s in SHEETS)

SHEET_ORDER = {name: index for index, name in enumerate(SHEETS)}
_IDX = {sheet: {c: i for i, c in enumerate(cols)} for sheet, cols in SHEETS.items()}

_CONTRACT_DEFAULTS: dict[str, Any] = {
    "owner": None, "category": None, "initial_term_months": None, "renewal_term_months": None,
    "max_renewals": None, "options_exercised": 0, "notice_value": 0, "notice_unit": "months",
    "terminated_on": None, "annual_value": None, "currency": "EUR",
    "credit_cap_percent": None, "credit_claim_days": 30, "reminder_days": DEFAULT_REMINDER_DAYS,
    "notes": None,
}


# --- summary and problems ---------------------------------------------------------------------


@dataclass
class SheetCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    """What an import did (or, for a dry run, would do), per sheet."""

    sheets: dict[str, SheetCounts] = field(default_factory=dict)
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        lines = []
        for sheet, counts in self.sheets.items():
            line = f"{sheet}: {counts.added} added, {counts.updated} updated"
            if counts.unchanged:
                line += f", {counts.unchanged} unchanged"
            lines.append(line)
        if not self.sheets:
            lines.append("the workbook holds no register sheets")
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines


class _Problems:
    """Problems found so far, reported in sheet, row and column order."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, int, str]] = []

    def add(self, sheet: str, row: int, column: str | None, reason: str) -> None:
        columns = SHEETS.get(sheet, ())
        col_index = columns.index(column) if column in columns else -1
        where = (f"{sheet}!{row}" if row else sheet) + (f" {column}" if column else "")
        self.items.append((SHEET_ORDER.get(sheet, -1), row, col_index, f"{where}: {reason}"))

    def error(self, exc: ValidationError, sheet: str, row: int, column: str) -> None:
        message = str(exc)
        if message.startswith(f"{column}: "):
            message = message[len(column) + 2 :]
        self.add(sheet, row, column, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def lines(self) -> list[str]:
        return [text for *_, text in sorted(self.items, key=lambda item: item[:3])]


# --- reading the workbook ---------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_and_check(
    session: Session, path: Path, problems: _Problems, progress: Progress
) -> _Checked:
    """Read the sheets in register order, checking each as soon as it is read.

    A sheet's rows are dropped once checked: only what will be written is kept.
    """
    by_lower = {name.lower(): name for name in SHEETS}
    with open_workbook(path) as workbook, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found: dict[str, str] = {}
        for title in workbook.sheetnames:
            name = by_lower.get(title.strip().lower())
            if name is None:
                problems.add(
                    title, 0, None, f"unknown sheet (the register has {', '.join(SHEETS)})"
                )
            elif name in found:
                problems.add(title, 0, None, f"a second {name} sheet")
            else:
                found[name] = title
        sizes = {name: workbook[title].max_row or 0 for name, title in found.items()}
        total = max(sum(sizes.values()), 1)
        done = 0
        checker = _Checker(session, problems, set(found))
        for name in SHEETS:
            if name not in found:
                continue
            rows = _read_sheet(
                name, sheet_rows(workbook[found[name]], f"{path.name}, sheet {found[name]}"),
                problems, progress, done, total,
            )
            checker.check(name, rows)  # streamed: a sheet's rows are never all in memory
            done += sizes[name]
    return checker.out


def _read_sheet(
    name: str,
    rows: Iterator[tuple[Any, ...]],
    problems: _Problems,
    progress: Progress,
    done: int,
    total: int,
) -> Iterator[tuple[int, Values]]:
    """The typed rows of a sheet (row number, values in the order of SHEETS[name]).

    Empty or missing cells are None; problems are recorded as they are met.
    """
    spec = COLUMNS[name]
    header = next(rows, None)
    if header is None or all(_blank(v) for v in header):
        for row_number, raw_row in enumerate(rows, start=2):
            if not all(_blank(v) for v in raw_row):
                problems.add(name, 1, None, f"row 1 must hold the column names (row "
                             f"{row_number} has values)")
                break
        return
    positions: dict[str, int] = {}
    known = {c.name: c for c in spec}
    unnamed: list[int] = []
    for index, raw in enumerate(header):
        if _blank(raw):
            unnamed.append(index)
            continue
        label = unescape_text(str(raw)).strip()
        column = label.lower()
        if column not in known:
            problems.add(name, 1, label, f"unknown column (the {name} sheet has "
                         f"{', '.join(SHEETS[name])})")
        elif column in positions:
            problems.add(name, 1, column, "the column appears twice")
        else:
            positions[column] = index
    for col in spec:
        if col.required and col.name not in positions:
            problems.add(name, 1, col.name, "required column is missing")
    order = [(i, c, positions.get(c.name)) for i, c in enumerate(spec)]
    width = len(spec)
    for row_number, raw_row in enumerate(rows, start=2):
        if row_number % 2000 == 0:
            step(progress, min(done + row_number, total), total, f"reading {name}")
        cells = len(raw_row)
        if not cells or (_blank(raw_row[0]) and all(_blank(v) for v in raw_row)):
            continue
        for index in unnamed:
            if index < cells and not _blank(raw_row[index]):
                problems.add(name, row_number, None, f"a value in column {index + 1}, "
                             "which has no name in row 1")
        values: list[Any] = [None] * width
        for i, col, position in order:
            raw = None if position is None or position >= cells else raw_row[position]
            if raw is None:
                blank = True
            elif isinstance(raw, str):
                if "_x" in raw:
                    raw = unescape_text(raw)
                blank = not raw.strip()
            elif raw is FORMULA_WITHOUT_VALUE:
                problems.add(name, row_number, col.name, FormulaWithoutValue.REASON)
                continue
            else:
                blank = False
            if blank:
                if col.required:
                    problems.add(name, row_number, col.name, "a value is required")
                continue
            try:
                values[i] = col.parse(raw, col.name)
            except ValidationError as exc:
                problems.error(exc, name, row_number, col.name)
        yield row_number, tuple(values)


# --- the database as it is ----------------------------------------------------------------------


def _person_key() -> Any:
    return func.coalesce(Person.email, Person.name)


def _db_vendors(session: Session) -> dict[str, tuple[Any, ...]]:
    stmt = select(Vendor.id, Vendor.name, Vendor.country, Vendor.contact_name,
                  Vendor.contact_email, Vendor.notes)
    return {r[1]: tuple(r) for r in session.execute(stmt)}


def _db_people(session: Session) -> dict[str, tuple[Any, ...]]:
    stmt = select(_person_key(), Person.id, Person.name, Person.email, Person.department,
                  Person.role, Person.leaves_on, Person.notes)
    return {r[0]: tuple(r[1:]) for r in session.execute(stmt)}


def _db_contracts(session: Session) -> dict[str, dict[str, Any]]:
    owner = aliased(Person)
    cols = SHEETS["Contracts"]
    stmt = (
        select(
            Contract.id, Contract.reference, Contract.title, Vendor.name,
            func.coalesce(owner.email, owner.name), *[getattr(Contract, c) for c in cols[4:]],
        )
        .join(Vendor, Contract.vendor_id == Vendor.id)
        .outerjoin(owner, Contract.owner_id == owner.id)
    )
    return {
        r[1]: {"id": r[0], **dict(zip(cols[1:], r[2:], strict=True))}
        for r in session.execute(stmt)
    }


def _db_clauses(session: Session) -> dict[tuple[str, str], tuple[Any, ...]]:
    stmt = select(
        Contract.reference, Clause.number, Clause.id, Clause.title, Clause.summary,
        Clause.category, Clause.criticality,
    ).join(Contract, Clause.contract_id == Contract.id)
    return {(r[0], r[1]): tuple(r[2:]) for r in session.execute(stmt)}


def _db_clause_keys(session: Session) -> set[tuple[str, str]]:
    stmt = select(Contract.reference, Clause.number).join(
        Contract, Clause.contract_id == Contract.id
    )
    return {(r[0], r[1]) for r in session.execute(stmt)}


def _db_knowledge(session: Session) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    stmt = (
        select(_person_key(), Contract.reference, Clause.number, Knowledge.id,
               Knowledge.level, Knowledge.verified_on)
        .join(Clause, Knowledge.clause_id == Clause.id)
        .join(Contract, Clause.contract_id == Contract.id)
        .join(Person, Knowledge.person_id == Person.id)
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in session.execute(stmt)}


def _db_slas(session: Session) -> dict[tuple[str, str], tuple[Any, ...]]:
    stmt = select(
        Contract.reference, Sla.name, Sla.id, Sla.unit, Sla.target, Sla.direction,
        Sla.period, Sla.credit_percent,
    ).join(Contract, Sla.contract_id == Contract.id)
    return {(r[0], r[1]): tuple(r[2:]) for r in session.execute(stmt)}


def _db_measurements(session: Session) -> dict[tuple[str, str, date], tuple[Any, ...]]:
    stmt = (
        select(Contract.reference, Sla.name, Measurement.period_start, Measurement.id,
               Measurement.value, Measurement.note)
        .join(Sla, Measurement.sla_id == Sla.id)
        .join(Contract, Sla.contract_id == Contract.id)
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in session.execute(stmt)}


def _db_credit_notes(session: Session) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    stmt = (
        select(Contract.reference, CreditNote.month, CreditNote.amount,
               CreditNote.received_on, CreditNote.reference, CreditNote.id)
        .join(Contract, CreditNote.contract_id == Contract.id)
        .order_by(CreditNote.id)
    )
    notes: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for ref, month, amount, received, reference, note_id in session.execute(stmt):
        notes[_note_key(ref, month, amount, received, reference)].append(
            (note_id, amount, received)
        )
    return notes


def _note_key(
    ref: str, month: date, amount: Decimal, received: date | None, reference: str | None
) -> tuple[Any, ...]:
    """How a credit note is matched (SPEC §5): by its reference, else by amount and date."""
    if reference:
        return (ref, month, "ref", reference)
    return (ref, month, "amount", amount, received)


# --- checking keys and rules --------------------------------------------------------------------


class _Resolver:
    """Keys named in the file resolved against the file and the database."""

    def __init__(self, exact: Iterable[str], problems: _Problems, what: str) -> None:
        self.exact: set[str] = set(exact)
        self.what = what
        self.problems = problems
        self._folded: dict[str, list[str]] | None = None
        self.alias: dict[str, list[str]] = defaultdict(list)

    def add_alias(self, alias: str, key: str) -> None:
        self.alias[alias].append(key)

    def resolve(self, value: str, sheet: str, row: int, column: str) -> str | None:
        if value in self.exact:
            return value
        candidates = sorted(set(self.alias.get(value, ())))
        if not candidates:
            if self._folded is None:
                folded: dict[str, list[str]] = defaultdict(list)
                for key in self.exact:
                    folded[key.casefold()].append(key)
                self._folded = folded
            candidates = sorted(self._folded.get(value.casefold(), ()))
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            shown = ", ".join(repr(c) for c in candidates[:5])
            self.problems.add(sheet, row, column, f"{self.what} {value!r} is ambiguous ({shown})")
        else:
            self.problems.add(sheet, row, column, f"unknown {self.what} {value!r}")
        return None


@dataclass
class _Plan:
    """What the import will write for one sheet."""

    inserts: list[Values] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> SheetCounts:
        return SheetCounts(len(self.inserts), len(self.updates), self.unchanged)

    def record(self, ident: int, changed: dict[str, Any]) -> None:
        if changed:
            self.updates.append((ident, changed))
        else:
            self.unchanged += 1

    def compare(
        self, ident: int, names: Sequence[str], new: Sequence[Any], old: Sequence[Any],
        skip: int = 0,
    ) -> None:
        """Record the given (non-empty) values that differ from the current ones."""
        changed = {
            names[i]: new[i]
            for i in range(skip, len(names))
            if new[i] is not None and new[i] != old[i]
        }
        self.record(ident, changed)


class _Seen:
    """Keys already met in a sheet: the same record twice is a problem."""

    def __init__(self, sheet: str, problems: _Problems) -> None:
        self.sheet = sheet
        self.problems = problems
        self.first: dict[tuple[Any, ...], int] = {}

    def again(self, key: tuple[Any, ...], row: int, column: str) -> bool:
        first = self.first.setdefault(key, row)
        if first != row:
            self.problems.add(self.sheet, row, column, f"the same record as row {first}")
            return True
        return False


def _sla_name(ref: str, name: str, names: dict[str, set[str]]) -> str | None:
    """The SLA of the contract with this name (exactly, else the only one matching its case)."""
    known = names.get(ref, set())
    if name in known:
        return name
    folded = [n for n in known if n.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


@dataclass
class _Checked:
    plans: dict[str, _Plan] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


class _Checker:
    """Checks the sheets in order; each sheet's keys become known to the sheets after it."""

    def __init__(self, session: Session, problems: _Problems, present: set[str]) -> None:
        self.session = session
        self.problems = problems
        self.out = _Checked()
        self.db_vendors = _db_vendors(session)
        self.db_people = _db_people(session)
        self.vendors = _Resolver(self.db_vendors, problems, "vendor")
        self.people = _Resolver(self.db_people, problems, "person")
        for key, current in self.db_people.items():
            if current[2] and current[1] != key:  # known by e-mail; the name also finds them
                self.people.add_alias(current[1], key)
        needs_contracts = bool(present - {"Vendors", "People", "Settings"})
        self.db_contracts = _db_contracts(session) if needs_contracts else {}
        self.contracts = _Resolver(self.db_contracts, problems, "contract")
        self.clause_keys: set[tuple[str, str]] | None = None
        self.sla_periods: dict[tuple[str, str], str | None] | None = None

    def check(self, name: str, rows: Iterable[tuple[int, Values]]) -> None:
        """Check one sheet; the sheets come in the order of SHEETS.

        What the database holds is loaded sheet by sheet and dropped after it, so that a large
        re-import does not keep every table in memory at once.
        """
        steps: dict[str, Callable[[Iterable[tuple[int, Values]]], _Plan]] = {
            "Vendors": self.vendor_rows, "People": self.people_rows,
            "Contracts": self.contract_rows, "Clauses": self.clause_rows,
            "Knowledge": self.knowledge_rows, "SLAs": self.sla_rows,
            "Measurements": self.measurement_rows, "CreditNotes": self.credit_note_rows,
            "Settings": self.setting_rows,
        }
        self.out.plans[name] = steps[name](rows)

    def vendor_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Vendors", self.problems)
        for row, v in rows:
            if v[0] is None or seen.again((v[0],), row, "name"):
                continue
            current = self.db_vendors.get(v[0])
            if current is None:
                plan.inserts.append(v)
            else:
                plan.compare(current[0], SHEETS["Vendors"], v, current[1:], skip=1)
            self.vendors.exact.add(v[0])
        return plan

    def people_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("People", self.problems)
        for row, v in rows:
            if v[0] is None:
                continue
            key = v[1] or v[0]
            if seen.again((key,), row, "email" if v[1] else "name"):
                continue
            current = self.db_people.get(key)
            if current is None:
                plan.inserts.append(v)
            else:  # the e-mail is part of the key, so it never changes here
                plan.compare(current[0], SHEETS["People"], v, current[1:], skip=0)
            self.people.exact.add(key)
            if v[1]:
                self.people.add_alias(v[0], key)
        return plan

    def contract_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Contracts", self.problems)
        names = SHEETS["Contracts"]
        for row, v in rows:
            ref = v[0]
            if ref is None or seen.again((ref,), row, "reference"):
                continue
            values = list(v)
            if v[2] is not None:
                values[2] = self.vendors.resolve(v[2], "Contracts", row, "vendor")
            if v[3] is not None:
                values[3] = self.people.resolve(v[3], "Contracts", row, "owner")
            current = self.db_contracts.get(ref)
            if current is not None:
                merged = dict(current)
            else:
                merged = {"id": None, **dict.fromkeys(names), **_CONTRACT_DEFAULTS}
            merged["reference"] = ref
            for name, value in zip(names[1:], values[1:], strict=True):
                if value is not None:
                    merged[name] = value
            for message in contract_problems(merged):
                column, _, reason = message.partition(": ")
                self.problems.add("Contracts", row, column if reason else None, reason or message)
            self.contracts.exact.add(ref)
            if current is None:
                plan.inserts.append(tuple(merged[n] for n in names))
            else:
                changed = {n: merged[n] for n in names[1:] if merged[n] != current[n]}
                plan.record(current["id"], changed)
        return plan

    def clause_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Clauses", self.problems)
        existing = _db_clauses(self.session)
        self.clause_keys = keys = set(existing)
        for row, v in rows:
            if v[0] is None or v[1] is None:
                continue
            ref = self.contracts.resolve(v[0], "Clauses", row, "contract")
            if ref is None or seen.again((ref, v[1]), row, "number"):
                continue
            current = existing.get((ref, v[1]))
            if current is None:
                plan.inserts.append((ref, *v[1:5], 3 if v[5] is None else v[5]))
            else:
                plan.compare(current[0], SHEETS["Clauses"], v, (None, None, *current[1:]), 2)
            keys.add((ref, v[1]))
        return plan

    def knowledge_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Knowledge", self.problems)
        existing = _db_knowledge(self.session)
        if self.clause_keys is None:
            self.clause_keys = _db_clause_keys(self.session)
        clause_keys = self.clause_keys
        for row, v in rows:
            if v[0] is None or v[1] is None or v[2] is None:
                continue
            person = self.people.resolve(v[0], "Knowledge", row, "person")
            ref = self.contracts.resolve(v[1], "Knowledge", row, "contract")
            if person is None or ref is None:
                continue
            if (ref, v[2]) not in clause_keys:
                self.problems.add(
                    "Knowledge", row, "clause", f"contract {ref} has no clause {v[2]!r}"
                )
                continue
            key = (person, ref, v[2])
            if seen.again(key, row, "clause"):
                continue
            current = existing.get(key)
            if current is None:
                plan.inserts.append((person, ref, v[2], v[3], v[4]))
            else:
                plan.compare(current[0], ("level", "verified_on"), v[3:], current[1:])
        return plan

    def sla_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("SLAs", self.problems)
        existing = _db_slas(self.session)
        self.sla_periods = periods = {key: current[4] for key, current in existing.items()}
        for row, v in rows:
            if v[0] is None or v[1] is None:
                continue
            ref = self.contracts.resolve(v[0], "SLAs", row, "contract")
            if ref is None or seen.again((ref, v[1]), row, "name"):
                continue
            current = existing.get((ref, v[1]))
            if current is None:
                plan.inserts.append((ref, *v[1:6], Decimal(0) if v[6] is None else v[6]))
            else:
                plan.compare(current[0], SHEETS["SLAs"], v, (None, None, *current[1:]), 2)
            if v[5] is not None or (ref, v[1]) not in periods:
                periods[(ref, v[1])] = v[5]
        return plan

    def measurement_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Measurements", self.problems)
        if self.sla_periods is None:
            self.sla_periods = {k: c[4] for k, c in _db_slas(self.session).items()}
        periods = self.sla_periods
        existing = _db_measurements(self.session)
        sla_names: dict[str, set[str]] = defaultdict(set)
        for sla_ref, sla_name in periods:
            sla_names[sla_ref].add(sla_name)
        for row, v in rows:
            if v[0] is None or v[1] is None:
                continue
            ref = self.contracts.resolve(v[0], "Measurements", row, "contract")
            if ref is None:
                continue
            name = _sla_name(ref, v[1], sla_names)
            if name is None:
                self.problems.add(
                    "Measurements", row, "sla", f"contract {ref} has no SLA {v[1]!r}"
                )
                continue
            period = periods[(ref, name)]
            start: date | None = v[2]
            if start is None:
                continue
            if period is not None and not is_period_start(start, period):
                what = "month" if period == "monthly" else "quarter (Jan, Apr, Jul or Oct 1)"
                self.problems.add("Measurements", row, "period_start",
                                  f"{start.isoformat()} is not the first day of a {what}")
                continue
            key = (ref, name, start)
            if seen.again(key, row, "period_start"):
                continue
            current = existing.get(key)
            if current is None:
                plan.inserts.append((ref, name, start, v[3], v[4]))
            else:
                plan.compare(current[0], ("value", "note"), v[3:], current[1:])
        return plan

    def credit_note_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        """Each row takes the first not-yet-matched note with its match key (SPEC §5)."""
        plan = _Plan()
        available = _db_credit_notes(self.session)
        for row, v in rows:
            if v[0] is None or v[1] is None or v[2] is None:
                continue
            ref = self.contracts.resolve(v[0], "CreditNotes", row, "contract")
            if ref is None:
                continue
            matches = available.get(_note_key(ref, v[1], v[2], v[3], v[4]))
            if not matches:
                plan.inserts.append((ref, *v[1:]))
                continue
            note_id, amount, received = matches.pop(0)
            plan.compare(note_id, ("amount", "received_on"), v[2:4], (amount, received))
        return plan

    def setting_rows(self, rows: Iterable[tuple[int, Values]]) -> _Plan:
        plan, seen = _Plan(), _Seen("Settings", self.problems)
        current = load_settings(self.session).as_mapping()
        for row, v in rows:
            if v[0] is None or v[1] is None or seen.again((v[0],), row, "key"):
                continue
            try:
                value = validate_setting(v[0], str(v[1]))
            except ValidationError as exc:
                self.problems.add("Settings", row, "value", str(exc))
                continue
            if value != current[v[0]]:
                self.out.settings[v[0]] = value
            plan.record(0, {v[0]: value} if value != current[v[0]] else {})
        return plan


# --- writing ----------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    def __init__(self, session: Session, progress: Progress, total: int) -> None:
        self.session = session
        self.progress = progress
        self.total = max(total, 1)
        self.done = 0

    def advance(self, count: int, message: str) -> None:
        self.done += count
        step(self.progress, min(self.done, self.total), self.total, message)

    def insert(
        self,
        model: type[Base],
        rows: Sequence[Values],
        build: Callable[[Values], dict[str, Any]],
        audit_key: Callable[[Values], str | tuple[str, str | None]],
    ) -> None:
        # Core, not the ORM's bulk insert: the same statement without its per-row bookkeeping.
        # The ORM leaves a None out where the column has a default (for the default to apply):
        # a chunk with such a None still goes through it.
        table = cast(Table, model.__table__)
        statement = insert(table)
        defaulted = [c.key for c in table.columns if c.default is not None
                     or c.server_default is not None]
        connection = self.session.connection()
        for chunk in _chunks(rows):
            built = [build(r) for r in chunk]
            if any(row.get(key, 0) is None for row in built for key in defaulted):
                self.session.execute(insert(model), built)
            else:
                connection.execute(statement, built)
            audit.record_bulk(self.session, model.__name__, [audit_key(r) for r in chunk])
            self.advance(len(chunk), f"writing {model.__tablename__}")

    def update(
        self,
        model: Any,
        updates: Sequence[tuple[int, dict[str, Any]]],
        convert: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c,
    ) -> None:
        for chunk in _chunks(updates, 500):
            ids = [item[0] for item in chunk]
            found = self.session.scalars(select(model).where(model.id.in_(ids)))
            objects = {o.id: o for o in found}
            for object_id, changes in chunk:
                obj = objects[object_id]
                for name, value in convert(changes).items():
                    setattr(obj, name, value)
            self.session.flush()
            self.advance(len(chunk), f"updating {model.__tablename__}")


def _ids(session: Session, stmt: Any) -> dict[Any, int]:
    result: dict[Any, int] = {}
    for row in session.execute(stmt):
        *key, ident = row
        result[key[0] if len(key) == 1 else tuple(key)] = ident
    return result


def _write(session: Session, checked: _Checked, progress: Progress) -> None:
    plans = checked.plans
    total = sum(len(p.inserts) + len(p.updates) for p in plans.values())
    w = _Writer(session, progress, total)
    empty = _Plan()

    p = plans.get("Vendors", empty)
    cols = SHEETS["Vendors"]
    w.insert(Vendor, p.inserts, lambda r: dict(zip(cols, r, strict=True)), lambda r: r[0])
    w.update(Vendor, p.updates)

    p = plans.get("People", empty)
    cols = SHEETS["People"]
    w.insert(Person, p.inserts, lambda r: dict(zip(cols, r, strict=True)),
             lambda r: r[1] or r[0])
    w.update(Person, p.updates)

    vendor_ids: dict[Any, int] = _ids(session, select(Vendor.name, Vendor.id))
    person_ids: dict[Any, int] = _ids(session, select(_person_key(), Person.id))

    def contract_row(r: Values) -> dict[str, Any]:
        row = dict(zip(SHEETS["Contracts"], r, strict=True))
        row["vendor_id"] = vendor_ids[row.pop("vendor")]
        owner = row.pop("owner")
        row["owner_id"] = person_ids[owner] if owner is not None else None
        return row

    def contract_changes(changes: dict[str, Any]) -> dict[str, Any]:
        out = dict(changes)
        if "vendor" in out:
            out["vendor_id"] = vendor_ids[out.pop("vendor")]
        if "owner" in out:
            owner = out.pop("owner")
            out["owner_id"] = person_ids[owner] if owner is not None else None
        return out

    p = plans.get("Contracts", empty)
    w.insert(Contract, p.inserts, contract_row, lambda r: (r[0], r[0]))
    w.update(Contract, p.updates, contract_changes)

    contract_ids: dict[Any, int] = {}
    if set(plans) - {"Vendors", "People", "Contracts", "Settings"}:
        contract_ids = _ids(session, select(Contract.reference, Contract.id))

    p = plans.get("Clauses", empty)
    w.insert(
        Clause, p.inserts,
        lambda r: {"contract_id": contract_ids[r[0]], "number": r[1], "title": r[2],
                   "summary": r[3], "category": r[4], "criticality": r[5]},
        lambda r: (f"{r[0]} §{r[1]}", r[0]),
    )
    w.update(Clause, p.updates)

    p = plans.get("Knowledge", empty)
    if p.inserts:
        clause_ids = _ids(
            session,
            select(Contract.reference, Clause.number, Clause.id).join(
                Contract, Clause.contract_id == Contract.id
            ),
        )
        w.insert(
            Knowledge, p.inserts,
            lambda r: {"person_id": person_ids[r[0]], "clause_id": clause_ids[(r[1], r[2])],
                       "level": r[3], "verified_on": r[4]},
            lambda r: (f"{r[0]} @ {r[1]} §{r[2]}", r[1]),
        )
    w.update(Knowledge, p.updates)

    p = plans.get("SLAs", empty)
    w.insert(
        Sla, p.inserts,
        lambda r: {"contract_id": contract_ids[r[0]], "name": r[1], "unit": r[2],
                   "target": r[3], "direction": r[4], "period": r[5], "credit_percent": r[6]},
        lambda r: (f"{r[0]} / {r[1]}", r[0]),
    )
    w.update(Sla, p.updates)

    p = plans.get("Measurements", empty)
    if p.inserts:
        sla_ids = _ids(
            session,
            select(Contract.reference, Sla.name, Sla.id).join(
                Contract, Sla.contract_id == Contract.id
            ),
        )
        w.insert(
            Measurement, p.inserts,
            lambda r: {"sla_id": sla_ids[(r[0], r[1])], "period_start": r[2], "value": r[3],
                       "note": r[4]},
            lambda r: (f"{r[0]} / {r[1]} / {r[2]:%Y-%m}", r[0]),
        )
    w.update(Measurement, p.updates)

    p = plans.get("CreditNotes", empty)
    w.insert(
        CreditNote, p.inserts,
        lambda r: {"contract_id": contract_ids[r[0]], "month": r[1], "amount": r[2],
                   "received_on": r[3], "reference": r[4]},
        lambda r: (f"{r[0]} / {r[1]:%Y-%m} / {r[4] or r[2]}", r[0]),
    )
    w.update(CreditNote, p.updates)

    if checked.settings:
        save_settings(session, checked.settings)  # through the ORM: audited
    session.flush()


# --- entry point ---------------------------------------------------------------------------------


def import_register_workbook(
    session: Session, path: Path, dry_run: bool = False, progress: Progress = null_progress
) -> ImportSummary:
    """Import a register workbook; raises ClausekeeperError listing every problem, writing nothing.

    The caller owns the transaction (nothing is committed here).
    """
    path = Path(path)
    if not dry_run:
        hold_write_lock(session)  # what is checked below cannot change before it is written
    problems = _Problems()
    checked = _read_and_check(session, path, problems, progress)
    if problems:
        lines = problems.lines()
        noun = "problem" if len(lines) == 1 else "problems"
        raise ClausekeeperError(
            f"{path.name}: the workbook has {len(lines)} {noun}; nothing was imported", lines
        )
    summary = ImportSummary(
        {name: checked.plans[name].counts() for name in SHEETS if name in checked.plans},
        dry_run=dry_run,
    )
    if not dry_run:
        with refused_by_database(path.name), import_log.recording(session, "register", path):
            _write(session, checked, progress)
    return summary


def is_register_workbook(path: Path) -> bool:
    """True when every sheet of the workbook is a register sheet (SPEC §5) and Contracts or
    Vendors is one of them: such a file is imported as a register, not as a foreign list."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    with open_workbook(path) as wb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = list(wb.sheetnames)
        if not names or not set(names) <= set(SHEETS) or not {"Contracts", "Vendors"} & set(names):
            return False
        for name in names:  # row 1 names register columns only (a sheet called Contracts
            first = next(iter(sheet_rows(wb[name])), ())  # may be someone's own list)
            headers = {str(v).strip().lower() for v in first if not _blank(v)}
            if not headers <= set(SHEETS[name]):
                return False
    return True
