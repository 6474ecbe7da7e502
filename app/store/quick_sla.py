"""The SLA data of a few contracts from a SQLite file, without the database library.

When another desk or the command line changed the measurements (or SLAs, credit notes) of a few
contracts since the dashboard's SLA figures were kept, start-up computes those contracts' shares
again (app.services.dashboard_preview) before SQLAlchemy is even loaded. This module reads what
the SLA rules (app.core.sla.compute) need for them with the standard library's sqlite3,
read-only, into the same plain data app.store.sla_queries and app.store.terms_queries give; a
test holds the two ways equal. Anything unexpected is "cannot tell" (None): start-up then takes
the ordinary way through the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.core.sla import ContractMoney, CreditNoteInfo, MeasurementInfo, SlaInfo
from app.core.terms import ends_on_of
from app.store.quick_look import connect_read_only
from app.store.sla_trend_sql import TrendCounts, trend_by_contract
from app.store.term_rows import terms_from_row


@dataclass(frozen=True)
class SlaData:
    """What app.core.sla.compute takes, for some contracts, and their currencies and trend."""

    contracts: dict[int, ContractMoney]
    slas: list[SlaInfo]
    measurements: list[MeasurementInfo]
    credit_notes: list[CreditNoteInfo]
    currencies: dict[str, str]  # reference -> currency
    trend: TrendCounts


def _number(text: Any) -> Decimal | None:
    return None if text is None else Decimal(str(text))


_CONTRACTS_SQL = (
    "SELECT id, reference, currency, annual_value, credit_cap_percent, credit_claim_days, "
    "start_date, initial_term_months, renewal, renewal_term_months, max_renewals, "
    "options_exercised, notice_value, notice_unit, terminated_on, reminder_days "
    "FROM contracts WHERE reference IN ({})"
)


def sla_data(
    path: Path, references: Collection[str], as_of: date, first: int, last: int
) -> tuple[dict[str, int], SlaData] | None:
    """The contracts named by `references` (reference -> id) and their SLA data on `as_of`,
    with their trend for the months first..last; None when one of them is not there or the
    file cannot be read."""
    connection = connect_read_only(path)
    if connection is None:
        return None
    try:
        return _read(connection, list(references), as_of, first, last)
    except (sqlite3.Error, ValueError, TypeError, InvalidOperation):
        return None
    finally:
        connection.close()


def _read(
    connection: sqlite3.Connection, references: list[str], as_of: date, first: int, last: int
) -> tuple[dict[str, int], SlaData] | None:
    marks = ", ".join("?" * len(references))
    rows = connection.execute(_CONTRACTS_SQL.format(marks), references).fetchall()
    if len(rows) != len(set(references)):
        return None
    ids: dict[str, int] = {}
    contracts: dict[int, ContractMoney] = {}
    currencies: dict[str, str] = {}
    for cid, ref, currency, annual, cap, claim_days, *term_row in rows:
        ids[ref] = cid
        currencies[ref] = currency or "EUR"
        terms = terms_from_row(term_row)
        contracts[cid] = ContractMoney(
            cid, ref, terms.start_date, ends_on_of(terms, as_of),
            _number(annual), _number(cap), 30 if claim_days is None else int(claim_days),
        )
    inline = ", ".join(str(int(cid)) for cid in contracts) or "NULL"
    slas = [
        SlaInfo(sid, cid, ref, name, Decimal(str(target)), direction, period,
                Decimal(0) if credit is None else Decimal(str(credit)))
        for sid, cid, ref, name, target, direction, period, credit in connection.execute(
            "SELECT s.id, s.contract_id, c.reference, s.name, s.target, s.direction, s.period, "
            "s.credit_percent FROM slas s JOIN contracts c ON c.id = s.contract_id "
            f"WHERE s.contract_id IN ({inline})"
        )
    ]
    measurements = [
        MeasurementInfo(sid, date.fromisoformat(start), Decimal(str(value)))
        for sid, start, value in connection.execute(
            "SELECT m.sla_id, m.period_start, m.value FROM measurements m "
            f"JOIN slas s ON s.id = m.sla_id WHERE s.contract_id IN ({inline})"
        )
    ]
    notes = [
        CreditNoteInfo(cid, date.fromisoformat(month), Decimal(str(amount)))
        for cid, month, amount in connection.execute(
            f"SELECT contract_id, month, amount FROM credit_notes WHERE contract_id IN ({inline})"
        )
    ]
    trend = trend_by_contract(connection.execute, "sqlite", first, last, list(contracts))
    return ids, SlaData(contracts, slas, measurements, notes, currencies, trend)
