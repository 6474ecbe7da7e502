"""Recording SLA data: define an SLA, record a measurement, record a credit note (SPEC §1, §4).

Values may arrive as text typed by a user: numbers as str or Decimal, dates as `YYYY-MM-DD` text
or date (months also as `YYYY-MM`). They are validated here, and a bad one raises ValidationError
naming the field and the value. Changes go through the ORM, so the audit trail records them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import fields
from app.core.months import is_period_start
from app.errors import ConflictError, NotFoundError, ValidationError
from app.store.models import DIRECTIONS, PERIODS, Contract, CreditNote, Measurement, Sla

_MONTH = re.compile(r"\d{4}-\d{1,2}")

Seen = tuple[Decimal, str | None] | None
"""A measurement's value and note as the user saw them (None: no measurement)."""
UNCHECKED: Any = object()
"""`seen=` default: the stored measurement is not compared with anything."""


def _as_seen(session: Session, sla: Sla, start: date, existing: Measurement | None,
             seen: Seen) -> None:
    """ConflictError naming who changed the period's measurement since the user saw it as
    `seen`: another desk entered, corrected or cleared it meanwhile."""
    if seen is UNCHECKED:
        return
    stored = None if existing is None else (existing.value, existing.note)
    if stored == seen:
        return
    from app.store.conflicts import last_change

    key = f"{sla.contract.reference} / {sla.name} / {start:%Y-%m}"
    who, at, _key = last_change(session, "Measurement", None, key)
    raise ConflictError("Measurement", key, who, at, deleted=existing is None)


def define_sla(
    session: Session,
    contract_ref: str,
    name: str,
    unit: str | None,
    target: str | Decimal,
    direction: str,
    period: str,
    credit_percent: str | Decimal | None = None,
) -> Sla:
    """Add an SLA to a contract; its name must be new within the contract."""
    contract = _contract(session, contract_ref)
    sla_name = fields.text(name, "name", required=True, max_len=200)
    values = {
        "unit": fields.text(unit, "unit", max_len=40),
        "target": fields.decimal(target, "target", required=True),
        "direction": fields.choice(direction, "direction", DIRECTIONS, required=True),
        "period": fields.choice(period, "period", PERIODS, required=True),
        "credit_percent": fields.decimal(credit_percent, "credit_percent", minimum=Decimal(0))
        or Decimal(0),
    }
    taken = session.scalar(
        select(Sla.id).where(Sla.contract_id == contract.id, Sla.name == sla_name)
    )
    if taken is not None:
        raise ValidationError(
            f"name: contract {contract.reference} already has an SLA {sla_name!r}"
        )
    sla = Sla(contract=contract, name=sla_name, **values)
    session.add(sla)
    session.flush()
    return sla


def record_measurement(
    session: Session,
    contract_ref: str,
    sla_name: str,
    period_start: str | date,
    value: str | Decimal,
    note: str | None = None,
    replace: bool = False,
    seen: Seen = UNCHECKED,
) -> Measurement:
    """Record the value of an SLA for one period (`period_start`: the period's first day).

    A period that already has a measurement is an error unless `replace`, which overwrites it.
    `seen`: the measurement the user changed (ConflictError when it is no longer stored so).
    """
    sla = _sla(session, contract_ref, sla_name)
    start = _day(period_start, "period_start", month_ok=True)
    if not is_period_start(start, sla.period):
        what = "a month" if sla.period == "monthly" else "a quarter (Jan/Apr/Jul/Oct 1)"
        raise ValidationError(
            f"period_start: {start.isoformat()} is not the first day of {what} "
            f"({sla.period} SLA {sla.name!r})"
        )
    number = fields.decimal(value, "value", required=True)
    assert number is not None
    text = fields.text(note, "note")
    existing = session.scalars(
        select(Measurement).where(Measurement.sla_id == sla.id, Measurement.period_start == start)
    ).first()
    _as_seen(session, sla, start, existing, seen)
    if existing is not None:
        if not replace:
            raise ValidationError(
                f"period_start: {contract_ref} / {sla.name} already has a measurement for "
                f"{start:%Y-%m} ({existing.value}); replace it to change it"
            )
        existing.value = number
        existing.note = text
        session.flush()
        return existing
    measurement = Measurement(sla=sla, period_start=start, value=number, note=text)
    session.add(measurement)
    session.flush()
    return measurement


def record_credit_note(
    session: Session,
    contract_ref: str,
    month: str | date,
    amount: str | Decimal,
    received_on: str | date | None = None,
    reference: str | None = None,
) -> CreditNote:
    """Record a credit the vendor granted for a month (`YYYY-MM`, or the month's first day)."""
    contract = _contract(session, contract_ref)
    first = _day(month, "month", month_ok=True)
    if first.day != 1:
        raise ValidationError(
            f"month: {first.isoformat()} is not the first day of a month (use {first:%Y-%m})"
        )
    note = CreditNote(
        contract=contract,
        month=first,
        amount=fields.decimal(amount, "amount", required=True, minimum=Decimal(0)),
        received_on=fields.day(received_on, "received_on"),
        reference=fields.text(reference, "reference", max_len=100),
    )
    session.add(note)
    session.flush()
    return note



def delete_measurement(
    session: Session,
    contract_ref: str,
    sla_name: str,
    period_start: str | date,
    seen: Seen = UNCHECKED,
) -> None:
    """Remove the measurement of an SLA for one period (NotFoundError when there is none);
    `seen` as for record_measurement."""
    sla = _sla(session, contract_ref, sla_name)
    start = _day(period_start, "period_start", month_ok=True)
    existing = session.scalars(
        select(Measurement).where(Measurement.sla_id == sla.id, Measurement.period_start == start)
    ).first()
    _as_seen(session, sla, start, existing, seen)
    if existing is None:
        raise NotFoundError(
            f"period_start: {contract_ref} / {sla.name} has no measurement for {start:%Y-%m}"
        )
    session.delete(existing)
    session.flush()


def delete_credit_note(session: Session, note_id: int) -> None:
    """Remove a credit note (NotFoundError when it is gone already)."""
    note = session.get(CreditNote, note_id)
    if note is None:
        raise NotFoundError(f"credit note: no credit note with the id {note_id}")
    session.delete(note)
    session.flush()

def _contract(session: Session, reference: str) -> Contract:
    ref = fields.text(reference, "contract", required=True)
    contract = session.scalars(select(Contract).where(Contract.reference == ref)).first()
    if contract is None:
        raise NotFoundError(f"contract: no contract with the reference {ref!r}")
    return contract


def _sla(session: Session, reference: str, name: str) -> Sla:
    contract = _contract(session, reference)
    sla_name = fields.text(name, "sla", required=True)
    sla = session.scalars(
        select(Sla).where(Sla.contract_id == contract.id, Sla.name == sla_name)
    ).first()
    if sla is None:
        raise NotFoundError(f"sla: contract {contract.reference} has no SLA {sla_name!r}")
    return sla


def _day(value: object, field: str, *, month_ok: bool = False) -> date:
    """A date (YYYY-MM-DD text or a date); with month_ok, `YYYY-MM` names the month's 1st."""
    if month_ok and isinstance(value, str) and _MONTH.fullmatch(value.strip()):
        year, month = (int(part) for part in value.strip().split("-"))
        if 1 <= month <= 12 and year >= 1:
            return date(year, month, 1)
        raise ValidationError(f"{field}: {value!r} is not a month (YYYY-MM)")
    if isinstance(value, datetime):
        return value.date()
    found = fields.day(value, field, required=True)
    assert found is not None
    return found
