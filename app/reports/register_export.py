"""The register workbook (SPEC §5): the whole portfolio, one sheet per entity, streamed out.

Row 1 holds the column names, one record per row below. Dates are Excel dates (yyyy-mm-dd),
clause numbers and all other text are string cells, reminder_days is text (`none` for an empty
list), and decimals are numbers when Excel keeps them exactly, else text (see
`xlsx_safe.excel_number`), so money comes back exactly as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from app.core.natural import natural_key
from app.core.progress import Progress, null_progress, step
from app.errors import ClausekeeperError
from app.reports.xlsx_safe import (
    CellTextTooLong,
    cell_text,
    declare_dimension,
    excel_number,
    plain_text,
    write_only_workbook,
)
from app.reports.xlsx_write import fast_rows
from app.store.models import (
    Clause,
    Contract,
    CreditNote,
    Knowledge,
    Measurement,
    Person,
    Sla,
    Vendor,
)
from app.store.settings import load_settings

SHEETS: dict[str, tuple[str, ...]] = {
    "Vendors": ("name", "country", "contact_name", "contact_email", "notes"),
    "People": ("name", "email", "department", "role", "leaves_on", "notes"),
    "Contracts": (
        "reference", "title", "vendor", "owner", "category", "start_date",
        "initial_term_months", "renewal", "renewal_term_months", "max_renewals",
        "options_exercised", "notice_value", "notice_unit", "terminated_on", "annual_value",
        "currency", "credit_cap_percent", "credit_claim_days", "reminder_days", "notes",
    ),
    "Clauses": ("contract", "number", "title", "summary", "category", "criticality"),
    "Knowledge": ("person", "contract", "clause", "level", "verified_on"),
    "SLAs": ("contract", "name", "unit", "target", "direction", "period", "credit_percent"),
    "Measurements": ("contract", "sla", "period_start", "value", "note"),
    "CreditNotes": ("contract", "month", "amount", "received_on", "reference"),
    "Settings": ("key", "value"),
}
"""The sheets of the register, in order, with their columns in order (SPEC §5)."""

MONEY_COLUMNS = frozenset({"annual_value", "amount"})
MONEY_FORMAT = "#,##0.00##########"
"""Two decimals at least, and every further digit the value has."""

_WIDTHS = {
    "name": 28, "title": 36, "notes": 40, "summary": 48, "vendor": 28, "email": 28,
    "contact_email": 28, "owner": 28, "person": 28, "reference": 14, "contract": 14,
    "reminder_days": 14, "sla": 24, "note": 30,
}

Row = tuple[Any, ...]


def person_key_column() -> Any:
    """SQL for a person's key (SPEC §1): the e-mail, or the name when there is none."""
    return func.coalesce(Person.email, Person.name)


def _stream(session: Session, stmt: Select[*tuple[Any, ...]]) -> Iterator[Row]:
    result = session.execute(stmt.execution_options(yield_per=5000))
    try:
        for row in result:
            yield tuple(row)
    finally:  # also when the writer stops early (PostgreSQL: a server-side cursor to close)
        result.close()


def _natural_within_contract(rows: Iterable[Row], sort: Callable[[Row], Any]) -> Iterator[Row]:
    """Rows arriving grouped by contract (column 0), each group put in natural clause order."""
    group: list[Row] = []
    current: object = object()
    for row in rows:
        if row[0] != current:
            if group:
                group.sort(key=sort)
                yield from group
            group = []
            current = row[0]
        group.append(row)
    if group:
        group.sort(key=sort)
        yield from group


def _reminders_text(stored: str) -> str:
    return stored if stored else "none"


def _vendors(session: Session) -> Iterator[Row]:
    stmt = select(
        Vendor.name, Vendor.country, Vendor.contact_name, Vendor.contact_email, Vendor.notes
    ).order_by(Vendor.name)
    return _stream(session, stmt)


def _people(session: Session) -> Iterator[Row]:
    stmt = select(
        Person.name, Person.email, Person.department, Person.role, Person.leaves_on, Person.notes
    ).order_by(person_key_column())
    return _stream(session, stmt)


def _contracts(session: Session) -> Iterator[Row]:
    owner = aliased(Person)
    stmt = (
        select(
            Contract.reference, Contract.title, Vendor.name,
            func.coalesce(owner.email, owner.name), Contract.category, Contract.start_date,
            Contract.initial_term_months, Contract.renewal, Contract.renewal_term_months,
            Contract.max_renewals, Contract.options_exercised, Contract.notice_value,
            Contract.notice_unit, Contract.terminated_on, Contract.annual_value,
            Contract.currency, Contract.credit_cap_percent, Contract.credit_claim_days,
            Contract.reminder_days, Contract.notes,
        )
        .join(Vendor, Contract.vendor_id == Vendor.id)
        .outerjoin(owner, Contract.owner_id == owner.id)
        .order_by(Contract.reference)
    )
    for row in _stream(session, stmt):
        yield row[:18] + (_reminders_text(row[18]),) + row[19:]


def _clauses(session: Session) -> Iterator[Row]:
    stmt = (
        select(
            Contract.reference, Clause.number, Clause.title, Clause.summary, Clause.category,
            Clause.criticality,
        )
        .join(Contract, Clause.contract_id == Contract.id)
        .order_by(Contract.reference, Clause.id)
    )
    return _natural_within_contract(_stream(session, stmt), lambda r: natural_key(r[1]))


def _knowledge(session: Session) -> Iterator[Row]:
    stmt = (
        select(
            Contract.reference, Clause.number, person_key_column(), Knowledge.level,
            Knowledge.verified_on,
        )
        .join(Clause, Knowledge.clause_id == Clause.id)
        .join(Contract, Clause.contract_id == Contract.id)
        .join(Person, Knowledge.person_id == Person.id)
        .order_by(Contract.reference)
    )
    ordered = _natural_within_contract(
        _stream(session, stmt), lambda r: (natural_key(r[1]), r[2])
    )
    for ref, number, person, level, verified in ordered:
        yield (person, ref, number, level, verified)


def _slas(session: Session) -> Iterator[Row]:
    stmt = (
        select(
            Contract.reference, Sla.name, Sla.unit, Sla.target, Sla.direction, Sla.period,
            Sla.credit_percent,
        )
        .join(Contract, Sla.contract_id == Contract.id)
        .order_by(Contract.reference, Sla.name)
    )
    return _stream(session, stmt)


def _measurements(session: Session) -> Iterator[Row]:
    stmt = (
        select(
            Contract.reference, Sla.name, Measurement.period_start, Measurement.value,
            Measurement.note,
        )
        .join(Sla, Measurement.sla_id == Sla.id)
        .join(Contract, Sla.contract_id == Contract.id)
        .order_by(Contract.reference, Sla.name, Measurement.period_start)
    )
    return _stream(session, stmt)


def _credit_notes(session: Session) -> Iterator[Row]:
    stmt = (
        select(
            Contract.reference, CreditNote.month, CreditNote.amount, CreditNote.received_on,
            CreditNote.reference,
        )
        .join(Contract, CreditNote.contract_id == Contract.id)
        .order_by(Contract.reference, CreditNote.month, CreditNote.id)
    )
    return _stream(session, stmt)


def _settings(session: Session) -> Iterator[Row]:
    """Every setting with the value in force (stored, or the default)."""
    yield from load_settings(session).as_mapping().items()


_LOADERS: dict[str, Callable[[Session], Iterable[Row]]] = {
    "Vendors": _vendors,
    "People": _people,
    "Contracts": _contracts,
    "Clauses": _clauses,
    "Knowledge": _knowledge,
    "SLAs": _slas,
    "Measurements": _measurements,
    "CreditNotes": _credit_notes,
    "Settings": _settings,
}

_COUNTED = {
    "Vendors": Vendor.id, "People": Person.id, "Contracts": Contract.id, "Clauses": Clause.id,
    "Knowledge": Knowledge.id, "SLAs": Sla.id, "Measurements": Measurement.id,
    "CreditNotes": CreditNote.id,
}


def _count_rows(session: Session) -> dict[str, int]:
    """The records each sheet will hold (Settings always lists the four settings)."""
    counts = {
        sheet: session.execute(select(func.count(column))).scalar_one()
        for sheet, column in _COUNTED.items()
    }
    counts["Settings"] = 4
    return counts


class _CellMaker:
    """Turns one sheet's values into cells, with the formats of its columns.

    The sheet has fast rows (`xlsx_write.fast_rows`): every str is a string cell, so text
    needs only escaping, and only the rare text that needs it (`plain_text`); a row without
    such text or a decimal is written as it came.
    """

    def __init__(self, ws: Any, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.money: list[Any] = []
        for name in columns:
            template = None
            if name in MONEY_COLUMNS:
                template = WriteOnlyCell(ws)
                template.number_format = MONEY_FORMAT
            self.money.append(template)

    def cells(self, row: Row) -> Row | list[Any]:
        out: list[Any] | None = None
        for index, value in enumerate(row):
            cls = value.__class__
            if cls is str or (cls is not Decimal and isinstance(value, str)):
                if plain_text(value):
                    continue
                try:
                    value = cell_text(value, truncate=False)
                except CellTextTooLong as exc:
                    raise CellTextTooLong(f"{self.columns[index]}: {exc}") from None
            elif cls is Decimal:
                number = excel_number(value)
                template = self.money[index]
                if isinstance(number, str):
                    value = number
                elif template is not None:  # reused: appending writes it at once
                    template._value = number
                    template.data_type = "n"
                    value = template
                else:
                    value = number
            else:
                continue
            if out is None:
                out = list(row)
            out[index] = value
        return row if out is None else out


def _header(ws: Any, columns: tuple[str, ...]) -> None:
    bold = Font(bold=True)
    cells = []
    for name in columns:
        cell = WriteOnlyCell(ws, name)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)


def write_register(
    session: Session, target: Path | IO[bytes], progress: Progress = null_progress
) -> dict[str, int]:
    """Write the register workbook; returns the number of records per sheet."""
    expected = _count_rows(session)
    counts: dict[str, int] = {}
    with write_only_workbook() as wb:
        _write_sheets(session, wb, expected, progress, counts)
        wb.save(target)
    return counts


def _write_sheets(
    session: Session, wb: Any, expected: dict[str, int], progress: Progress,
    counts: dict[str, int],
) -> None:
    total = max(sum(expected.values()), 1)
    done = 0
    for sheet, columns in SHEETS.items():
        ws = fast_rows(wb.create_sheet(sheet))
        ws.freeze_panes = "A2"
        declare_dimension(ws, len(columns), expected[sheet] + 1)
        for index, name in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 16)
        _header(ws, columns)
        maker = _CellMaker(ws, columns)
        written = 0
        append, shape = ws.append, maker.cells
        for row in _LOADERS[sheet](session):
            try:
                append(shape(row))
            except CellTextTooLong as exc:
                raise ClausekeeperError(
                    f"{sheet}!{written + 2} {exc} (shorten it in the application first)"
                ) from None
            written += 1
            if written % 5000 == 0:
                step(progress, done + written, total, f"writing {sheet}")
        done += written
        counts[sheet] = written
        step(progress, min(done, total), total, f"writing {sheet}")
