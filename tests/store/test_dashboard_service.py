"""The dashboard's figures as plain data (app.services.dashboard) and the SLA workspace's data
(app.services.sla_workspace), on a real database, worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError
from app.services import dashboard, dashboard_figures
from app.services.sla_workspace import contract_detail, overview, sla_contracts
from app.store import sla_actions
from app.store.models import AuditLog, Clause, Contract, Knowledge, Measurement, Person, Sla
from tests.ui.conftest import AS_OF, add_portfolio


def _with_sla(session: Session) -> Sla:
    add_portfolio(session)
    c001 = session.scalars(select(Contract).where(Contract.reference == "C-001")).one()
    sla = Sla(contract=c001, name="Availability", unit="%", target=Decimal("99.5"),
              direction="higher", period="monthly", credit_percent=Decimal("5"))
    session.add(sla)
    session.flush()
    session.add_all([
        Measurement(sla=sla, period_start=date(2025, 10, 1), value=Decimal("98.0")),
        Measurement(sla=sla, period_start=date(2025, 11, 1), value=Decimal("99.9")),
        Measurement(sla=sla, period_start=date(2025, 12, 1), value=Decimal("99.0")),
    ])
    session.flush()
    return sla


def test_parts_depend_on_what_changed() -> None:
    assert dashboard_figures.parts_for("Measurement") == {"sla"}
    assert dashboard_figures.parts_for("CreditNote") == {"sla"}
    assert dashboard_figures.parts_for("Knowledge") == {"renewals", "knowledge"}
    assert dashboard_figures.parts_for("Document") == set()
    assert dashboard_figures.parts_for("*") == set(dashboard_figures.PARTS)


def test_deadlines_per_month_by_kind(session: Session) -> None:
    add_portfolio(session)
    figures = dashboard.collect(session, AS_OF, {"renewals"})
    assert figures.parts == {"renewals"}
    months = figures.deadline_months
    assert [m.month for m in months][:3] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert len(months) == 12
    # C-001 cancel-by 2026-01-30, C-002 exercise-by 2026-03-31; C-003 ends 2027-12-31 (later)
    assert months[0].counts == {"cancel_by": 1, "exercise_by": 0, "end": 0}
    assert months[2].counts == {"cancel_by": 0, "exercise_by": 1, "end": 0}
    assert sum(m.total for m in months) == 2
    assert figures.escalated == 1 and figures.within_30 == 1 and figures.within_90 == 2


def test_merging_keeps_the_parts_not_recomputed(session: Session) -> None:
    _with_sla(session)
    everything = dashboard.collect(session, AS_OF)
    sla_actions.record_credit_note(session, "C-001", "2025-12", "200")
    fresh = dashboard.collect(session, AS_OF, {"sla"})
    merged = everything.merged(fresh)
    assert merged.parts == set(dashboard_figures.PARTS)
    assert merged.escalated == everything.escalated == 1
    assert everything.sla is not None and merged.sla is not None
    assert everything.sla.outstanding == {"EUR": Decimal("500.00")}
    assert merged.sla.outstanding == {"EUR": Decimal("300.00")}
    # twelve months of compliance up to January 2026: Oct breached, Nov met, Dec breached
    trend = dict(merged.sla.trend)
    assert len(merged.sla.trend) == 12
    assert trend[date(2025, 10, 1)] == 0 and trend[date(2025, 11, 1)] == 1
    assert trend[date(2026, 1, 1)] is None


def test_leavers_with_the_clauses_they_alone_understand(session: Session) -> None:
    add_portfolio(session)
    c001 = session.scalars(select(Contract).where(Contract.reference == "C-001")).one()
    shared = Clause(contract=c001, number="3.1", title="Service levels", criticality=2)
    alone = Clause(contract=c001, number="4.2", title="Pricing", criticality=4)
    other = Clause(contract=c001, number="5.1", title="Audit rights", criticality=3)
    session.add_all([shared, alone, other])
    ana = Person(name="Ana", email="ana@example.com", leaves_on=date(2026, 2, 10))
    namesake = Person(name="Ana", email="ana2@example.com")  # same name, staying
    bob = Person(name="Bob", email="bob@example.com")
    late = Person(name="Carl", email="carl@example.com", leaves_on=date(2026, 9, 1))
    session.add_all([ana, namesake, bob, late])
    session.flush()
    fresh = date(2025, 12, 1)
    session.add_all([
        Knowledge(person=ana, clause=shared, level=3, verified_on=fresh),
        Knowledge(person=bob, clause=shared, level=3, verified_on=fresh),
        Knowledge(person=ana, clause=alone, level=4, verified_on=fresh),
        Knowledge(person=namesake, clause=other, level=2, verified_on=fresh),
        Knowledge(person=late, clause=other, level=1, verified_on=fresh),
    ])
    session.flush()
    figures = dashboard.collect(session, AS_OF, {"knowledge"})
    assert figures.leaving_window == 90
    # Carl leaves after the window; "Ana" who stays owns 5.1, which is not the leaver's
    assert [(p.key, p.leaves_on, [c.number for c in p.clauses]) for p in figures.leavers] == [
        ("ana@example.com", date(2026, 2, 10), ["4.2"]),
    ]
    assert figures.leavers[0].critical == 1
    assert figures.leavers_total == 1


def test_workspace_contract_detail_strip_and_credits(session: Session) -> None:
    sla = _with_sla(session)
    contracts = sla_contracts(session)
    assert [(c.reference, c.slas) for c in contracts] == [("C-001", 1)]
    detail = contract_detail(session, contracts[0].contract_id, AS_OF)
    (item,) = detail.slas
    assert (item.measured, item.met, item.breached) == (3, 1, 2)
    # periods 2024-05 .. 2025-12 ended before D: 20, three measured
    assert item.missing == 17
    assert len(item.strip) == 24
    assert item.strip[-1].start == date(2026, 1, 1) and item.strip[-1].state == "not_due"
    assert [c.state for c in item.strip[-4:-1]] == ["breached", "met", "breached"]
    assert item.strip[-5].state == "missing"  # 2025-09
    assert item.strip[0].start == date(2024, 2, 1) and item.strip[0].state == "not_due"
    assert detail.months[0] == date(2026, 1, 1) and detail.months[-1] == date(2024, 5, 1)
    assert detail.values[(sla.id, date(2025, 12, 1))] == (Decimal("99.0"), None)
    # December claimable (claim-by 2026-01-30, 15 days left) first, then October, lost
    assert [(c.month, c.outstanding, c.claimable, c.lost, c.days_left) for c in detail.credits] == [
        (date(2025, 12, 1), Decimal("500.00"), True, False, 15),
        (date(2025, 10, 1), Decimal("500.00"), False, True, -46),
    ]
    whole = overview(session, AS_OF)
    assert [(c.reference, c.month) for c in whole.credits] == [
        ("C-001", date(2025, 12, 1)), ("C-001", date(2025, 10, 1))]
    standing = whole.standings[contracts[0].contract_id]
    assert (standing.breached, standing.outstanding, standing.lost, standing.claimable) == (
        2, Decimal("500.00"), Decimal("500.00"), 1)


def test_measurements_and_credit_notes_are_removed_with_an_audit_row(session: Session) -> None:
    _with_sla(session)
    sla_actions.delete_measurement(session, "C-001", "Availability", "2025-11")
    note = sla_actions.record_credit_note(session, "C-001", "2025-12", "100.50")
    sla_actions.delete_credit_note(session, note.id)
    session.flush()
    actions = [(row.entity, row.action) for row in session.scalars(
        select(AuditLog).where(AuditLog.action == "delete").order_by(AuditLog.id))]
    assert ("Measurement", "delete") in actions and ("CreditNote", "delete") in actions
    with pytest.raises(NotFoundError, match="no measurement for 2025-11"):
        sla_actions.delete_measurement(session, "C-001", "Availability", "2025-11")
    with pytest.raises(NotFoundError, match="no credit note"):
        sla_actions.delete_credit_note(session, note.id)
