"""Giving and withdrawing notice, exercising options: validation and the audit trail."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.terms import evaluate
from app.errors import NotFoundError, ValidationError
from app.store.contract_actions import exercise_option, give_notice, withdraw_notice
from app.store.models import AuditLog, Contract, Vendor
from app.store.terms_queries import load_terms

D = date


def _add(session: Session, reference: str, **fields: Any) -> Contract:
    vendor = session.scalars(select(Vendor).where(Vendor.name == "Acme")).first()
    if vendor is None:
        vendor = Vendor(name="Acme")
        session.add(vendor)
    contract = Contract(reference=reference, title=f"Title {reference}", vendor=vendor, **fields)
    session.add(contract)
    session.flush()
    return contract


@pytest.fixture
def portfolio(session: Session) -> Session:
    # C-AUTO: 36 months from 2022-01-01, then 12-month tacit renewals, 3 months' notice:
    # term 1 = 2025, cancel_by(1) = 2025-09-30.
    _add(
        session,
        "C-AUTO",
        start_date=D(2022, 1, 1),
        initial_term_months=36,
        renewal="auto",
        renewal_term_months=12,
        notice_value=3,
        notice_unit="months",
    )
    # C-OPT: 24 months from 2023-04-01, up to 2 options of 12 months, 6 months' notice:
    # term_end_0 = 2025-03-31, exercise-by = 2024-09-30.
    _add(
        session,
        "C-OPT",
        start_date=D(2023, 4, 1),
        initial_term_months=24,
        renewal="option",
        renewal_term_months=12,
        max_renewals=2,
        notice_value=6,
    )
    # C-FIXED: 12 months from 2020-01-01, no renewal: ended 2020-12-31.
    _add(session, "C-FIXED", start_date=D(2020, 1, 1), initial_term_months=12, renewal="none")
    return session


def _updates(session: Session, reference: str) -> list[dict[str, list[Any]]]:
    rows = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity == "Contract", AuditLog.entity_key == reference)
        .where(AuditLog.action == "update")
        .order_by(AuditLog.id)
    ).all()
    return [json.loads(row.changes or "{}") for row in rows]


def _terms(session: Session, reference: str) -> Any:
    (row,) = load_terms(session, [reference])
    return row.terms


def test_give_notice_sets_terminated_on_and_is_audited(portfolio: Session) -> None:
    give_notice(portfolio, "C-AUTO", D(2025, 9, 15), D(2025, 9, 20))
    terms = _terms(portfolio, "C-AUTO")
    assert terms.terminated_on == D(2025, 9, 15)
    # Before cancel_by(1) = 2025-09-30: the contract ends with term 1 on 2025-12-31.
    position = evaluate(terms, D(2025, 10, 1))
    assert (position.status, position.ends_on) == ("terminating", D(2025, 12, 31))
    assert _updates(portfolio, "C-AUTO") == [{"terminated_on": [None, "2025-09-15"]}]
    audit = portfolio.scalars(select(AuditLog).where(AuditLog.action == "update")).one()
    assert audit.contract_ref == "C-AUTO"
    assert audit.actor


def test_give_notice_twice_is_refused(portfolio: Session) -> None:
    give_notice(portfolio, "C-AUTO", D(2025, 9, 15), D(2025, 9, 20))
    with pytest.raises(ValidationError) as error:
        give_notice(portfolio, "C-AUTO", D(2025, 9, 18), D(2025, 9, 20))
    assert error.value.lines() == ["C-AUTO: notice of termination was already given on 2025-09-15"]
    assert len(_updates(portfolio, "C-AUTO")) == 1


def test_give_notice_refuses_future_dates_and_ended_contracts(portfolio: Session) -> None:
    with pytest.raises(ValidationError, match="C-AUTO: notice date 2025-10-01 is after"):
        give_notice(portfolio, "C-AUTO", D(2025, 10, 1), D(2025, 9, 20))
    with pytest.raises(ValidationError, match="C-FIXED: the contract ended on 2020-12-31"):
        give_notice(portfolio, "C-FIXED", D(2021, 3, 1), D(2021, 3, 1))
    assert _terms(portfolio, "C-FIXED").terminated_on is None
    assert _updates(portfolio, "C-FIXED") == []


def test_unknown_reference_is_named(portfolio: Session) -> None:
    with pytest.raises(NotFoundError, match="contract 'C-NOPE' not found"):
        give_notice(portfolio, "C-NOPE", D(2025, 1, 1), D(2025, 1, 1))
    with pytest.raises(NotFoundError, match="C-NOPE"):
        withdraw_notice(portfolio, "C-NOPE")
    with pytest.raises(NotFoundError, match="C-NOPE"):
        exercise_option(portfolio, "C-NOPE", D(2025, 1, 1))


def test_withdraw_notice(portfolio: Session) -> None:
    with pytest.raises(ValidationError, match="C-AUTO: no notice of termination to withdraw"):
        withdraw_notice(portfolio, "C-AUTO")
    give_notice(portfolio, "C-AUTO", D(2025, 9, 15), D(2025, 9, 20))
    withdraw_notice(portfolio, "C-AUTO")
    assert _terms(portfolio, "C-AUTO").terminated_on is None
    assert _updates(portfolio, "C-AUTO") == [
        {"terminated_on": [None, "2025-09-15"]},
        {"terminated_on": ["2025-09-15", None]},
    ]


def test_exercise_option_adds_a_term_until_none_is_left(portfolio: Session) -> None:
    assert exercise_option(portfolio, "C-OPT", D(2024, 9, 1)) == 1
    # The new term 1 runs to M(36) - 1 = 2026-03-31.
    assert evaluate(_terms(portfolio, "C-OPT"), D(2025, 6, 1)).ends_on == D(2026, 3, 31)
    assert exercise_option(portfolio, "C-OPT", D(2025, 6, 1)) == 2
    with pytest.raises(ValidationError) as error:
        exercise_option(portfolio, "C-OPT", D(2026, 6, 1))
    assert error.value.lines() == ["C-OPT: no option left: max_renewals (2) reached"]
    assert _updates(portfolio, "C-OPT") == [
        {"options_exercised": [0, 1]},
        {"options_exercised": [1, 2]},
    ]


def test_exercise_option_is_refused_where_it_makes_no_sense(portfolio: Session) -> None:
    with pytest.raises(ValidationError, match="C-AUTO: not an option contract"):
        exercise_option(portfolio, "C-AUTO", D(2024, 9, 1))
    # After term_end_0 = 2025-03-31 the option contract has ended.
    with pytest.raises(ValidationError, match="C-OPT: the contract ended on 2025-03-31"):
        exercise_option(portfolio, "C-OPT", D(2025, 4, 1))
    give_notice(portfolio, "C-OPT", D(2024, 6, 1), D(2024, 6, 1))
    with pytest.raises(ValidationError, match="C-OPT: notice of termination was given"):
        exercise_option(portfolio, "C-OPT", D(2024, 7, 1))
    assert _terms(portfolio, "C-OPT").options_exercised == 0


def test_undo_exercise_option_takes_back_the_last_option(portfolio: Session) -> None:
    from app.store.contract_actions import undo_exercise_option

    assert exercise_option(portfolio, "C-OPT", D(2024, 9, 1)) == 1
    assert undo_exercise_option(portfolio, "C-OPT") == 0
    # Back to the initial term only: the contract ends with term 0 on 2025-03-31.
    assert evaluate(_terms(portfolio, "C-OPT"), D(2024, 10, 1)).ends_on == D(2025, 3, 31)
    with pytest.raises(ValidationError, match="no exercised option"):
        undo_exercise_option(portfolio, "C-OPT")
    assert _updates(portfolio, "C-OPT") == [
        {"options_exercised": [0, 1]},
        {"options_exercised": [1, 0]},
    ]
