"""Defining SLAs, recording measurements and credit notes: validation at the edge, audit trail."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, ValidationError
from app.store.models import AuditLog, Contract, CreditNote, Measurement, Sla, Vendor
from app.store.sla_actions import define_sla, record_credit_note, record_measurement

D = date


@pytest.fixture
def contract(session: Session) -> Contract:
    c = Contract(
        reference="C-1",
        title="Service desk",
        vendor=Vendor(name="Acme"),
        start_date=D(2024, 1, 1),
        initial_term_months=36,
        renewal="none",
    )
    session.add(c)
    session.flush()
    return c


def _audit(session: Session, entity: str) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id))
    )


def test_define_sla_from_text(session: Session, contract: Contract) -> None:
    sla = define_sla(session, "C-1", " Availability ", "%", "99.5", "Higher", "monthly", "5")
    assert (sla.name, sla.unit, sla.target, sla.direction, sla.period, sla.credit_percent) == (
        "Availability",
        "%",
        Decimal("99.5"),
        "higher",
        "monthly",
        Decimal("5"),
    )
    quarterly = define_sla(session, "C-1", "CSAT", None, Decimal(80), "lower", "quarterly")
    assert quarterly.credit_percent == 0  # default
    assert [a.entity_key for a in _audit(session, "Sla")] == ["C-1 / Availability", "C-1 / CSAT"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Avail", "%", "ninety", "higher", "monthly", "5"), "target: 'ninety' is not a number"),
        (("Avail", "%", "99", "up", "monthly", "5"), "direction: 'up' is not one of higher, lower"),
        (("Avail", "%", "99", "higher", "weekly", "5"), "period: 'weekly' is not one of"),
        (("Avail", "%", "99", "higher", "monthly", "-1"), "credit_percent: -1 must be 0 or more"),
        (("  ", "%", "99", "higher", "monthly", "5"), "name: a value is required"),
    ],
)
def test_define_sla_rejects_bad_values(
    session: Session, contract: Contract, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        define_sla(session, "C-1", *args)
    assert session.scalars(select(Sla)).all() == []


def test_define_sla_name_is_unique_within_its_contract(
    session: Session, contract: Contract
) -> None:
    define_sla(session, "C-1", "Availability", "%", "99.5", "higher", "monthly", "5")
    with pytest.raises(ValidationError, match="C-1 already has an SLA 'Availability'"):
        define_sla(session, "C-1", "Availability", "%", "99", "higher", "monthly", "1")
    with pytest.raises(NotFoundError, match="'C-404'"):
        define_sla(session, "C-404", "Availability", "%", "99", "higher", "monthly", "1")


def test_record_measurement_checks_the_period_start(session: Session, contract: Contract) -> None:
    define_sla(session, "C-1", "Availability", "%", "99.5", "higher", "monthly", "5")
    define_sla(session, "C-1", "CSAT", None, "80", "higher", "quarterly", "10")
    assert record_measurement(session, "C-1", "Availability", "2025-03-01", "99.7").value == (
        Decimal("99.7")
    )
    assert record_measurement(
        session, "C-1", "CSAT", D(2025, 4, 1), Decimal("81")
    ).period_start == (D(2025, 4, 1))
    # "YYYY-MM" names the month's first day.
    assert record_measurement(session, "C-1", "CSAT", "2025-07", "79").period_start == D(2025, 7, 1)
    with pytest.raises(ValidationError, match=r"period_start: 2025-03-15 is not the first day"):
        record_measurement(session, "C-1", "Availability", "2025-03-15", "99")
    with pytest.raises(ValidationError, match=r"2025-05-01 is not the first day of a quarter"):
        record_measurement(session, "C-1", "CSAT", "2025-05-01", "90")
    with pytest.raises(ValidationError, match=r"period_start: '2025-02-30' is not a date"):
        record_measurement(session, "C-1", "Availability", "2025-02-30", "99")
    with pytest.raises(ValidationError, match=r"period_start: '2025-13' is not a month"):
        record_measurement(session, "C-1", "Availability", "2025-13", "99")
    with pytest.raises(ValidationError, match=r"value: '99,5%' is not a number"):
        record_measurement(session, "C-1", "Availability", "2025-04-01", "99,5%")
    with pytest.raises(NotFoundError, match="C-1 has no SLA 'Uptime'"):
        record_measurement(session, "C-1", "Uptime", "2025-04-01", "99")
    assert len(session.scalars(select(Measurement)).all()) == 3


def test_duplicate_period_is_refused_unless_replaced(session: Session, contract: Contract) -> None:
    define_sla(session, "C-1", "Availability", "%", "99.5", "higher", "monthly", "5")
    first = record_measurement(session, "C-1", "Availability", "2025-03-01", "99.7")
    with pytest.raises(ValidationError, match=r"already has a measurement for 2025-03 \(99.7\)"):
        record_measurement(session, "C-1", "Availability", "2025-03-01", "98")
    again = record_measurement(
        session, "C-1", "Availability", "2025-03-01", "98.2", note="corrected", replace=True
    )
    assert again.id == first.id
    assert (again.value, again.note) == (Decimal("98.2"), "corrected")
    assert [(a.action, a.entity_key) for a in _audit(session, "Measurement")] == [
        ("insert", "C-1 / Availability / 2025-03"),
        ("update", "C-1 / Availability / 2025-03"),
    ]
    changes = json.loads(_audit(session, "Measurement")[1].changes or "{}")
    assert changes == {"note": [None, "corrected"], "value": ["99.7", "98.2"]}


def test_record_credit_note(session: Session, contract: Contract) -> None:
    note = record_credit_note(session, "C-1", "2025-03", "150.25", "2025-05-02", " CN-7 ")
    assert (note.month, note.amount, note.received_on, note.reference) == (
        D(2025, 3, 1),
        Decimal("150.25"),
        D(2025, 5, 2),
        "CN-7",
    )
    plain = record_credit_note(session, "C-1", D(2025, 4, 1), Decimal("10"))
    assert (plain.received_on, plain.reference) == (None, None)
    assert [a.entity_key for a in _audit(session, "CreditNote")] == [
        "C-1 / 2025-03 / CN-7",
        "C-1 / 2025-04 / 10",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2025-03-15", "10"), "month: 2025-03-15 is not the first day of a month"),
        (("March", "10"), "month: 'March' is not a date"),
        (("2025-03", "-5"), "amount: -5 must be 0 or more"),
        (("2025-03", "ten"), "amount: 'ten' is not a number"),
        (("2025-03", "10", "yesterday"), "received_on: 'yesterday' is not a date"),
    ],
)
def test_record_credit_note_rejects_bad_values(
    session: Session, contract: Contract, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        record_credit_note(session, "C-1", *args)
    assert session.scalars(select(CreditNote)).all() == []
