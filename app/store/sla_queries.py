"""Loading SLA data for the compliance and credit rules (SPEC §4), fast enough for the enterprise
portfolio (30,000 SLAs, 720,000 measurements).

- Bulk selects are built with SQLAlchemy Core and their rows fetched straight from the DB-API
  cursor: no per-row SQLAlchemy work; dates and decimals are converted here (SQLite hands back
  the stored text, PostgreSQL typed values).
- The tally runs in the database: the SLA windows go into a temporary table; one aggregate query
  gives per SLA its count, the count outside the `missing` window (two short ranges of the
  unique (sla_id, period_start) index) and, in one text, the periods not clearly met (clear
  breaches, and values near the target, which are then judged exactly with Decimal).
  Measurements that are clearly met never reach Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.months import from_month_index
from app.core.sla import (
    FIRST_MONTH,
    ContractMoney,
    CreditNoteInfo,
    MeasurementInfo,
    SlaInfo,
    SlaWindow,
    Tally,
    breach_weights,
)
from app.core.terms import ends_on_of
from app.store.id_lists import id_in, is_sqlite
from app.store.models import Contract, CreditNote, Measurement, Sla
from app.store.raw_rows import TextValues, fetch, fetch_sql
from app.store.sla_trend_sql import TIE_MARGIN, TrendCounts, trend_by_contract
from app.store.terms_queries import TERM_COLUMNS, terms_from_row

_WINDOW_TABLE = "ck_sla_window"


def load_slas(session: Session, contract_ids: Collection[int] | None = None) -> list[SlaInfo]:
    """Every SLA (or those of the given contracts) with its contract's reference."""
    query = select(
        Sla.id,
        Sla.contract_id,
        Contract.reference,
        Sla.name,
        Sla.target,
        Sla.direction,
        Sla.period,
        Sla.credit_percent,
    ).join(Contract, Contract.id == Sla.contract_id)
    if contract_ids is not None:
        query = query.where(id_in(Sla.contract_id, contract_ids, is_sqlite(session)))
    rows = _fetch(session, query)
    # The same few texts (targets, percents) come back again and again: convert each once.
    texts = _decimal_texts(v for row in rows for v in (row[4], row[7]))
    new = tuple.__new__  # SlaInfo without the keyword-taking constructor
    return [
        new(
            SlaInfo,
            (
                id_,
                cid,
                ref,
                name,
                texts[target] if target.__class__ is str else _decimal(target),
                direction,
                period,
                texts[credit] if credit.__class__ is str else _zero_or_decimal(credit),
            ),
        )
        for id_, cid, ref, name, target, direction, period, credit in rows
    ]


def load_contract_money(
    session: Session,
    ends_on: Mapping[int, date | None] | None = None,
    ids: Iterable[int] | None = None,
    *,
    as_of: date | None = None,
) -> dict[int, ContractMoney]:
    """The money fields of the contracts (all, or those with the given ids), by id.

    ends_on maps a contract id to its ends_on on the as-of date (SPEC §2; missing ids get
    None); or, with as_of instead, each contract's ends_on is worked out from its terms, read
    in the same pass.
    """
    query = select(
        Contract.id,
        Contract.reference,
        Contract.start_date,
        Contract.annual_value,
        Contract.credit_cap_percent,
        Contract.credit_claim_days,
        *(TERM_COLUMNS[1:] if as_of is not None else ()),
    )
    if ids is not None:
        query = query.where(id_in(Contract.id, list(ids), is_sqlite(session)))
    result: dict[int, ContractMoney] = {}
    day = TextValues(date.fromisoformat).get
    number = TextValues(Decimal, _decimal).get
    known = ends_on or {}
    new = tuple.__new__  # ContractMoney without the keyword-taking constructor
    for row in _fetch(session, query):
        id_, ref, start, annual, cap, claim_days = row[:6]
        start = day(start)
        if as_of is not None:
            ends: date | None = ends_on_of(terms_from_row((start, *row[6:])), as_of)
        else:
            ends = known.get(id_)
        result[id_] = new(
            ContractMoney,
            (
                id_,
                ref,
                start,
                ends,
                None if annual is None else number(annual),
                None if cap is None else number(cap),
                30 if claim_days is None else int(claim_days),
            ),
        )
    return result


def load_credit_notes(
    session: Session, contract_ids: Collection[int] | None = None
) -> list[CreditNoteInfo]:
    """Every credit note (or those of the given contracts) as (contract id, month, amount)."""
    query = select(CreditNote.contract_id, CreditNote.month, CreditNote.amount)
    if contract_ids is not None:
        query = query.where(id_in(CreditNote.contract_id, contract_ids, is_sqlite(session)))
    rows = _fetch(session, query)
    days = {m: date.fromisoformat(m) for m in {row[1] for row in rows} if isinstance(m, str)}
    texts = _decimal_texts(row[2] for row in rows)
    new = tuple.__new__  # CreditNoteInfo without the keyword-taking constructor
    return [
        new(
            CreditNoteInfo,
            (
                cid,
                days[month] if month.__class__ is str else _day(month),
                texts[amount] if amount.__class__ is str else _decimal(amount),
            ),
        )
        for cid, month, amount in rows
    ]


def load_measurements(
    session: Session, sla_ids: Iterable[int] | None = None
) -> list[MeasurementInfo]:
    """Measurements (all, or those of the given SLAs), for app.core.sla.compute."""
    query = select(Measurement.sla_id, Measurement.period_start, Measurement.value)
    if sla_ids is not None:
        query = query.where(Measurement.sla_id.in_(list(sla_ids)))
    return [MeasurementInfo(s, p, v) for s, p, v in session.execute(query)]


def tally_in_database(
    session: Session, windows: Sequence[SlaWindow]
) -> tuple[dict[int, Tally], dict[tuple[int, int], Decimal]]:
    """What app.core.sla.tally computes from all measurements, with the counting done in SQL.

    Returns the tallies by SLA id and the credit weights by (contract id, month number).
    """
    live = [w for w in windows if w.first <= w.last]
    if not live:
        return {}, {}
    _fill_window_table(session, live)
    rows = _fetch(session, _tally_sql(session.connection().dialect.name))
    # Not in a `finally`: after a failed statement PostgreSQL refuses any other until the
    # rollback (which drops the table there); SQLite's is dropped before the next fill.
    session.execute(text(f"DROP TABLE IF EXISTS {_WINDOW_TABLE}"))

    return _tallies(live, rows)


def _tallies(
    live: Sequence[SlaWindow], rows: Iterable[tuple[int, Any, Any, str | None]]
) -> tuple[dict[int, Tally], dict[tuple[int, int], Decimal]]:
    """The tallies and credit weights from the rows of the tally query."""
    by_id = {w.sla_id: w for w in live}
    tallies: dict[int, Tally] = {}
    breached: list[SlaWindow] = []
    breaches: list[tuple[int, list[int]]] = []
    new = tuple.__new__  # Tally without the keyword-taking constructor
    for sla_id, measured, outside, found in rows:
        # found: "m,m:value,...": start months of clear breaches, and of values near the
        # target with the value, to be judged exactly.
        measured = int(measured)
        # outside: the measurements in the range but not in the `missing` window (None when
        # that window is empty).
        due = 0 if outside is None else measured - int(outside)
        if not found:
            tallies[sla_id] = new(Tally, (measured, measured, due))
            continue
        w = by_id[sla_id]
        if ":" not in found:
            months = [int(m) for m in found.split(",")]
        else:
            months = []
            for item in found.split(","):
                start, _, raw = item.partition(":")
                if raw:
                    value = Decimal(raw)
                    if (value >= w.target) if w.higher else (value <= w.target):
                        continue
                months.append(int(start))
        breached.append(w)
        breaches.append((sla_id, months))
        tallies[sla_id] = new(Tally, (measured, measured - len(months), due))
    return tallies, breach_weights(breached, breaches)


def trend_counts_by_contract(
    session: Session, first: int, last: int, contract_ids: Collection[int] | None = None
) -> TrendCounts:
    """app.store.sla_trend_sql.trend_by_contract on this session: (measured, met) per contract
    id and month number first..last that periods end in."""
    return trend_by_contract(
        lambda sql, params: session.execute(text(sql), params),
        session.get_bind().dialect.name, first, last, contract_ids,
    )


def monthly_compliance(
    session: Session, first: int, last: int, contract_ids: Collection[int] | None = None
) -> dict[int, tuple[int, int]]:
    """(measured, met) of all measurements (or those of the given contracts' SLAs) by the month
    their period ends in: the contracts' trend counts summed.

    For the months first..last (running month numbers); months without any are left out.
    """
    totals: dict[int, list[int]] = {}
    for months in trend_counts_by_contract(session, first, last, contract_ids).values():
        for m, (measured, met) in months.items():
            entry = totals.setdefault(m, [0, 0])
            entry[0] += measured
            entry[1] += met
    return {m: (measured, met) for m, (measured, met) in totals.items()}


# --- helpers -------------------------------------------------------------------------------


def _fetch(session: Session, query: Any) -> list[Any]:
    """All rows of a query, straight from the DB-API cursor (app.store.raw_rows)."""
    return fetch_sql(session, query) if isinstance(query, str) else fetch(session, query)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(value if isinstance(value, str) else str(value))


def _decimal_texts(values: Iterable[Any]) -> dict[str, Decimal]:
    """Each distinct text among the values as a Decimal (other types are left out: equal
    numbers such as Decimal("5.0") and 5 may differ in form, so they are not merged)."""
    return {v: Decimal(v) for v in set(values) if isinstance(v, str)}


def _zero_or_decimal(value: Any) -> Decimal:
    return Decimal(0) if value is None else _decimal(value)


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _fill_window_table(session: Session, windows: Sequence[SlaWindow]) -> None:
    """One row per SLA: its range, its `missing` window and the clear-met bound."""
    session.execute(text(f"DROP TABLE IF EXISTS {_WINDOW_TABLE}"))
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_WINDOW_TABLE} ("
            "sla_id INTEGER PRIMARY KEY, first_start DATE NOT NULL, last_start DATE NOT NULL, "
            "due_first DATE NOT NULL, due_last DATE NOT NULL, sign INTEGER NOT NULL, "
            "low FLOAT NOT NULL, high FLOAT NOT NULL)"
        )
    )
    dates: dict[int, str] = {}

    def iso(m: int) -> str:
        found = dates.get(m)
        if found is None:
            found = dates[m] = from_month_index(max(m, FIRST_MONTH)).isoformat()
        return found

    # With s = sign × value: clearly met when s > high (value > target + margin for `higher`,
    # value < target − margin for `lower`), clearly breached when s < low, and near the target
    # in between. Comparing as floats keeps the order of decimals (rounding is monotonic) and
    # the margin absorbs any conversion error. SLAs share few (target, direction) pairs and
    # windows: both are worked out once.
    bounds: dict[tuple[Decimal, bool], tuple[int, float, float]] = {}
    spans: dict[tuple[int, int, int, int], tuple[str, str, str, str]] = {}
    rows = []
    for w in windows:
        bound = bounds.get((w.target, w.higher))
        if bound is None:
            target = float(w.target)
            margin = TIE_MARGIN * (abs(target) + 1)
            sign = 1 if w.higher else -1
            bound = bounds[(w.target, w.higher)] = (
                sign,
                sign * target - margin,
                sign * target + margin,
            )
        span_key = (w.first, w.last, w.due_first, w.due_last)
        span = spans.get(span_key)
        if span is None:
            span = spans[span_key] = (iso(w.first), iso(w.last), iso(w.due_first), iso(w.due_last))
        rows.append((w.sla_id, *span, *bound))
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {_WINDOW_TABLE} VALUES ({', '.join([mark] * 8)})", rows)
    finally:
        cursor.close()


def _tally_sql(dialect: str) -> str:
    """One pass over the measurements of every SLA in its range (see _fill_window_table).

    Gives per SLA the count; the count of those outside the `missing` window (two short
    ranges of the unique (sla_id, period_start) index, NULL when that window is empty); and,
    in one text, the start months of the clear breaches and "month:value" for the values near
    the target (the FILTER skips the clearly met ones).
    """
    if dialect == "sqlite":
        # CROSS JOIN keeps the window table outside, so each SLA's measurements are read as
        # one range of the unique (sla_id, period_start) index.
        join = "CROSS JOIN"
        month = (
            "CAST(CAST(substr(m.period_start, 1, 4) AS INTEGER) * 12 "
            "+ CAST(substr(m.period_start, 6, 2) AS INTEGER) - 1 AS TEXT)"
        )
        concat = "group_concat({}, ',')"
    else:
        join = "JOIN"
        month = (
            "CAST(CAST(EXTRACT(YEAR FROM m.period_start) AS INTEGER) * 12 "
            "+ CAST(EXTRACT(MONTH FROM m.period_start) AS INTEGER) - 1 AS TEXT)"
        )
        concat = "string_agg({}, ',')"
    scaled = "w.sign * CAST(m.value AS FLOAT)"
    found = (
        f"CASE WHEN {scaled} < w.low THEN {month} ELSE {month} || ':' || CAST(m.value AS TEXT) END"
    )
    count_in = "(SELECT COUNT(*) FROM measurements o WHERE o.sla_id = w.sla_id AND {})"
    before = count_in.format("o.period_start >= w.first_start AND o.period_start < w.due_first")
    after = count_in.format("o.period_start > w.due_last AND o.period_start <= w.last_start")
    return (
        f"SELECT w.sla_id, COUNT(*), "
        f"CASE WHEN w.due_first <= w.due_last THEN {before} + {after} END, "
        f"{concat.format(found)} FILTER (WHERE {scaled} <= w.high) "
        f"FROM {_WINDOW_TABLE} w {join} measurements m ON m.sla_id = w.sla_id "
        "AND m.period_start >= w.first_start AND m.period_start <= w.last_start "
        "GROUP BY w.sla_id"
    )
