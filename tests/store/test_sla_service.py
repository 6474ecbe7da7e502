"""The `sla` report on a real database (SPEC §4, §6), figures worked out by hand; and the SQL
tally against the pure rules on a random portfolio (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session

from app.core.months import add_months
from app.core.sla import compute, meets
from app.core.terms import evaluate
from app.errors import ValidationError
from app.services.json_values import ratio_json
from app.services.sla import compliance_counts, compliance_trend, sla_json, sla_report
from app.store.engine import Database
from app.store.models import Contract, CreditNote, Measurement, Sla, Vendor
from app.store.sla_queries import (
    load_contract_money,
    load_credit_notes,
    load_measurements,
    load_slas,
)
from app.store.terms_queries import load_terms

D = date
AS_OF = D(2025, 6, 10)


@pytest.fixture
def portfolio(session: Session) -> Session:
    acme = Vendor(name="Acme")
    # C-A: 12 months from 2024-01-15, no renewal: ends_on 2025-01-14. Monthly fee 10000.
    a = Contract(
        reference="C-A",
        title="Desk",
        vendor=acme,
        start_date=D(2024, 1, 15),
        initial_term_months=12,
        renewal="none",
        annual_value=Decimal("120000"),
    )
    # C-B: 60 months from 2023-10-01 (ends 2028-09-30); quarterly fee 1000 × 3 / 12 = 250;
    # cap 2 % of 1000 / 12 = 1.6666… a month; claims within 0 days.
    b = Contract(
        reference="C-B",
        title="Hosting",
        vendor=acme,
        start_date=D(2023, 10, 1),
        initial_term_months=60,
        renewal="none",
        annual_value=Decimal("1000.00"),
        credit_cap_percent=Decimal("2"),
        credit_claim_days=0,
    )
    # C-C: no SLA, only a credit note.
    c = Contract(
        reference="C-C",
        title="Print",
        vendor=acme,
        start_date=D(2024, 1, 1),
        initial_term_months=36,
        renewal="none",
    )
    avail = Sla(
        contract=a,
        name="Availability",
        unit="%",
        target=Decimal("99.5"),
        direction="higher",
        period="monthly",
        credit_percent=Decimal("5"),
    )
    resolve = Sla(
        contract=b,
        name="Resolution",
        unit="hours",
        target=Decimal("4"),
        direction="lower",
        period="quarterly",
        credit_percent=Decimal("10"),
    )
    session.add_all([a, b, c, avail, resolve])
    for start, value in [
        (D(2024, 1, 1), "99.7"),  # met
        (D(2024, 2, 1), "99.50"),  # met: equal to the target
        (D(2024, 3, 1), "99.49999999999999999999"),  # breached (a float would call it 99.5)
        (D(2024, 5, 1), "99.0"),  # breached
        (D(2025, 2, 1), "98"),  # breached, after the contract ended
    ]:
        session.add(Measurement(sla=avail, period_start=start, value=Decimal(value)))
    session.add(Measurement(sla=resolve, period_start=D(2024, 10, 1), value=Decimal("4.5")))
    session.add(Measurement(sla=resolve, period_start=D(2025, 1, 1), value=Decimal("4.00")))
    session.add_all(
        [
            CreditNote(contract=a, month=D(2024, 5, 1), amount=Decimal("500")),
            CreditNote(contract=b, month=D(2024, 12, 1), amount=Decimal("0.50")),
            CreditNote(contract=c, month=D(2025, 1, 1), amount=Decimal("20")),
        ]
    )
    session.flush()
    return session


def test_sla_json_whole_history(portfolio: Session) -> None:
    result = sla_json(portfolio, AS_OF, None, None)
    assert result["slas"] == [
        # Months Jan 2024 (start) .. Jan 2025 (ends_on): 13, all over by Jun 10; measured among
        # them: Jan, Feb, Mar, May -> 9 missing. 5 measured (Feb 2025 too), 2 met -> 0.4.
        {
            "contract": "C-A",
            "name": "Availability",
            "measured": 5,
            "met": 2,
            "breached": 3,
            "missing": 9,
            "compliance": 0.4,
        },
        # Quarters Q4 2023 (start) .. Q1 2025 (the last one over): 6; measured Q4 2024, Q1 2025.
        {
            "contract": "C-B",
            "name": "Resolution",
            "measured": 2,
            "met": 1,
            "breached": 1,
            "missing": 4,
            "compliance": 0.5,
        },
    ]
    assert result["credits"] == [
        # 10000 × 5 % = 500.00; claim by month end + 30 days.
        {
            "contract": "C-A",
            "month": "2024-03",
            "due": "500.00",
            "received": "0.00",
            "outstanding": "500.00",
            "claim_by": "2024-04-30",
            "lost": True,
        },
        {
            "contract": "C-A",
            "month": "2024-05",
            "due": "500.00",
            "received": "500.00",
            "outstanding": "0.00",
            "claim_by": "2024-06-30",
            "lost": False,
        },
        # Q4 2024 in December: 250 × 10 % = 25, capped at 1.6666… -> 1.67; 0.50 received.
        {
            "contract": "C-B",
            "month": "2024-12",
            "due": "1.67",
            "received": "0.50",
            "outstanding": "1.17",
            "claim_by": "2024-12-31",
            "lost": True,
        },
        {
            "contract": "C-C",
            "month": "2025-01",
            "due": "0.00",
            "received": "20.00",
            "outstanding": "0.00",
            "claim_by": "2025-03-02",
            "lost": False,
        },
        {
            "contract": "C-A",
            "month": "2025-02",
            "due": "500.00",
            "received": "0.00",
            "outstanding": "500.00",
            "claim_by": "2025-03-30",
            "lost": True,
        },
    ]


def test_sla_json_month_range(portfolio: Session) -> None:
    result = sla_json(portfolio, AS_OF, "2024-05", "2024-12")
    assert [(r["measured"], r["met"], r["missing"], r["compliance"]) for r in result["slas"]] == [
        (1, 0, 7, 0.0),  # May measured; Jun..Dec missing
        (1, 0, 2, 0.0),  # quarters ending Jun, Sep, Dec: Q4 measured, Q2 and Q3 missing
    ]
    assert [(c["contract"], c["month"], c["outstanding"]) for c in result["credits"]] == [
        ("C-A", "2024-05", "0.00"),
        ("C-B", "2024-12", "1.17"),
    ]


def test_sla_report_dates(portfolio: Session) -> None:
    report = sla_report(portfolio, AS_OF, D(2024, 5, 20))
    assert (report.from_month, report.to_month) == (D(2024, 5, 1), D(2025, 6, 1))
    assert [c.month for c in report.credits] == [
        D(2024, 5, 1),
        D(2024, 12, 1),
        D(2025, 1, 1),
        D(2025, 2, 1),
    ]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-13", None, "--from: '2025-13' is not a month"),
        (None, "May 2025", "--to: 'May 2025' is not a month"),
        ("2025-05", "2025-03", "--from 2025-05 is after --to 2025-03"),
        ("2025-07", None, "--from 2025-07 is after the as-of month 2025-06"),
    ],
)
def test_bad_range(portfolio: Session, start: str | None, end: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        sla_json(portfolio, AS_OF, start, end)


def test_empty_database(session: Session) -> None:
    assert sla_json(session, AS_OF) == {"slas": [], "credits": []}
    assert compliance_trend(session, AS_OF, 2) == [(D(2025, 5, 1), None), (D(2025, 6, 1), None)]


def test_compliance_trend(portfolio: Session) -> None:
    trend = dict(compliance_trend(portfolio, AS_OF, months=12))
    months = [D(2024, m, 1) for m in range(7, 13)] + [D(2025, m, 1) for m in range(1, 7)]
    assert list(trend) == months
    # Dec 2024: Q4 breached; Feb 2025: Availability breached; Mar 2025: Q1 met.
    assert {m: r for m, r in trend.items() if r is not None} == {
        D(2024, 12, 1): Fraction(0),
        D(2025, 2, 1): Fraction(0),
        D(2025, 3, 1): Fraction(1),
    }


def test_ratio_rounds_half_up_to_four_places() -> None:
    assert ratio_json(Fraction(2, 3)) == 0.6667
    assert ratio_json(Fraction(1, 20000)) == 0.0001  # 0.00005 -> up (half-even: 0.0)
    assert ratio_json(Fraction(1, 1)) == 1.0
    assert ratio_json(None) is None


# --- the SQL tally against the pure rules --------------------------------------------------


def _random_portfolio(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    vendor = Vendor(name="V")
    session.add(vendor)
    for i in range(12):
        start = D(2022 + rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28))
        contract = Contract(
            reference=f"C-{i:02d}",
            title="T",
            vendor=vendor,
            start_date=start,
            initial_term_months=rng.choice([6, 12, 24, None]) or 12,
            renewal=rng.choice(["none", "auto", "evergreen"]),
            renewal_term_months=12,
            annual_value=rng.choice([None, Decimal("0"), Decimal("1000.00"), Decimal("123456.78")]),
            credit_cap_percent=rng.choice([None, Decimal("1"), Decimal("7.5")]),
            credit_claim_days=rng.choice([0, 30, 60]),
        )
        session.add(contract)
        for j in range(rng.randint(0, 3)):
            target = Decimal(rng.choice(["99.5", "4", "0.1", "-2", "1e-20"]))
            sla = Sla(
                contract=contract,
                name=f"S{j}",
                target=target,
                direction=rng.choice(["higher", "lower"]),
                period=rng.choice(["monthly", "quarterly"]),
                credit_percent=Decimal(rng.choice(["0", "2.5", "10"])),
            )
            session.add(sla)
            step = 3 if sla.period == "quarterly" else 1
            for k in range(0, 36, step):
                if rng.random() < 0.25:
                    continue
                offset = rng.choice(["0", "0.1", "-0.1", "1e-25", "-1e-25", "3", "-3"])
                session.add(
                    Measurement(
                        sla=sla,
                        period_start=D(2023 + k // 12, k % 12 + 1, 1),
                        value=target + Decimal(offset),
                    )
                )
        for _ in range(rng.randint(0, 2)):
            session.add(
                CreditNote(
                    contract=contract,
                    month=D(2024, rng.randint(1, 12), 1),
                    amount=Decimal(rng.choice(["1", "10.005", "250"])),
                )
            )
    session.flush()


def _check_against_core(session: Session) -> None:
    slas = load_slas(session)
    ends_on = {row.id: evaluate(row.terms, AS_OF).ends_on for row in load_terms(session)}
    contracts = load_contract_money(session, ends_on)
    measurements = load_measurements(session)
    notes = load_credit_notes(session)
    assert len(measurements) > 100
    for start, end in [
        (None, None),
        (D(2024, 2, 1), D(2024, 11, 1)),
        (D(2025, 3, 1), None),
        (None, D(2023, 1, 1)),
    ]:
        report = sla_report(session, AS_OF, start, end)
        expected = compute(contracts, slas, measurements, notes, AS_OF, start, end)
        assert (report.slas, report.credits) == expected
        if start is None and end is None:  # the data exercise what matters
            assert any(c.due > 0 for c in report.credits)
            assert any(0 < r.met < r.measured for r in report.slas)
            assert any(r.missing for r in report.slas)
    # The trend: met / measured by the month each period ends in, over the last 30 months.
    by_id = {s.id: s for s in slas}
    counts: dict[date, list[int]] = {}
    for sla_id, period_start, value in measurements:
        sla = by_id[sla_id]
        end_month = add_months(period_start, 3 if sla.period == "quarterly" else 1) - timedelta(1)
        entry = counts.setdefault(end_month.replace(day=1), [0, 0])
        entry[0] += 1
        entry[1] += meets(value, sla.target, sla.direction)
    trend = compliance_trend(session, AS_OF, 30)
    assert [m for m, _ in trend] == [add_months(D(2023, 1, 1), i) for i in range(30)]
    assert trend == [
        (m, Fraction(counts[m][1], counts[m][0]) if m in counts else None) for m, _ in trend
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_tally_matches_the_rules(session: Session, seed: int) -> None:
    _random_portfolio(session, seed)
    _check_against_core(session)


@pytest.mark.postgres
def test_sql_tally_matches_the_rules_on_postgres(pg_db: Database) -> None:
    with pg_db.session() as session:
        _random_portfolio(session, 4)
    with pg_db.session() as session:
        _check_against_core(session)


# --- the report limited to some contracts ---------------------------------------------------


@pytest.mark.parametrize("seed", [5, 6])
def test_limited_reports_add_up_to_the_whole(session: Session, seed: int) -> None:
    """The reports of the parts of a partition of the contracts hold, together, exactly the rows
    of the whole report (credit notes of contracts without SLAs included), and their monthly
    counts add up to the whole portfolio's."""
    _random_portfolio(session, seed)
    ids = [c.id for c in session.query(Contract).order_by(Contract.id)]
    rng = random.Random(seed)
    rng.shuffle(ids)
    parts = [ids[:1], ids[1:4], ids[4:9], ids[9:]]
    for start, end in [(None, None), (D(2024, 2, 1), D(2024, 11, 1))]:
        whole = sla_report(session, AS_OF, start, end)
        limited = [sla_report(session, AS_OF, start, end, contracts=part) for part in parts]
        for part, report in zip(parts, limited, strict=True):
            assert {row.sla.contract_id for row in report.slas} <= set(part)
            assert {row.contract.id for row in report.credits} <= set(part)
        slas = sorted(
            (row for r in limited for row in r.slas),
            key=lambda c: (c.sla.contract_ref, c.sla.name),
        )
        credits = sorted(
            (row for r in limited for row in r.credits),
            key=lambda c: (c.month, c.contract.reference),
        )
        assert (slas, credits) == (whole.slas, whole.credits)
        assert len(whole.slas) > 5 and len(whole.credits) > 5
    whole_counts = compliance_counts(session, AS_OF, 30)
    assert any(measured for _, measured, _ in whole_counts)
    summed = [(month, 0, 0) for month, _, _ in whole_counts]
    for part in parts:
        counts = compliance_counts(session, AS_OF, 30, contracts=part)
        summed = [
            (month, a + measured, b + met)
            for (month, a, b), (_, measured, met) in zip(summed, counts, strict=True)
        ]
    assert summed == whole_counts
    assert [m for m, _ in compliance_trend(session, AS_OF, 30)] == [m for m, _, _ in summed]
    assert compliance_trend(session, AS_OF, 30, contracts=ids) == compliance_trend(
        session, AS_OF, 30
    )


def test_report_for_no_contract_is_empty(portfolio: Session) -> None:
    report = sla_report(portfolio, AS_OF, contracts=[])
    assert (report.slas, report.credits) == ([], [])
    assert compliance_counts(portfolio, AS_OF, 2, contracts=()) == [
        (D(2025, 5, 1), 0, 0),
        (D(2025, 6, 1), 0, 0),
    ]


def test_report_for_one_contract(portfolio: Session) -> None:
    (c_b,) = portfolio.query(Contract.id).filter(Contract.reference == "C-B").one()
    report = sla_report(portfolio, AS_OF, contracts={c_b})
    assert [(r.sla.name, r.measured, r.met, r.missing) for r in report.slas] == [
        ("Resolution", 2, 1, 4)
    ]
    assert [(c.month, c.due, c.received) for c in report.credits] == [
        (D(2024, 12, 1), Decimal("1.67"), Decimal("0.50"))
    ]
    trend = compliance_trend(portfolio, AS_OF, 12, contracts=[c_b])
    assert {m: r for m, r in trend if r is not None} == {
        D(2024, 12, 1): Fraction(0),
        D(2025, 3, 1): Fraction(1),
    }
