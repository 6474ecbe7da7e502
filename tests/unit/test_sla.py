"""SLA compliance and service credits (SPEC §4), with the arithmetic worked out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from app.core.months import (
    add_months,
    is_period_start,
    month_end,
    month_start,
    parse_month,
    period_last_month,
    period_start_of,
)
from app.core.sla import (
    ContractMoney,
    CreditNoteInfo,
    MeasurementInfo,
    MonthCredit,
    SlaCompliance,
    SlaInfo,
    compute,
    meets,
    period_fee,
)
from app.errors import ValidationError

D = Decimal


def contract(
    cid: int = 1,
    reference: str = "C-A",
    start: date = date(2024, 1, 1),
    ends_on: date | None = None,
    annual: str | None = "120000.00",
    cap: str | None = None,
    claim_days: int = 30,
) -> ContractMoney:
    return ContractMoney(
        id=cid,
        reference=reference,
        start_date=start,
        ends_on=ends_on,
        annual_value=None if annual is None else D(annual),
        credit_cap_percent=None if cap is None else D(cap),
        credit_claim_days=claim_days,
    )


def sla(
    sid: int,
    name: str,
    target: str,
    direction: str = "higher",
    period: str = "monthly",
    credit: str = "0",
    of: ContractMoney | None = None,
) -> SlaInfo:
    owner = of or contract()
    return SlaInfo(
        id=sid,
        contract_id=owner.id,
        contract_ref=owner.reference,
        name=name,
        target=D(target),
        direction=direction,
        period=period,
        credit_percent=D(credit),
    )


def m(sid: int, year: int, month: int, value: str) -> MeasurementInfo:
    return MeasurementInfo(sid, date(year, month, 1), D(value))


def run(
    contracts: list[ContractMoney],
    slas: list[SlaInfo],
    measurements: list[MeasurementInfo],
    as_of: date,
    notes: Sequence[CreditNoteInfo] = (),
    from_month: date | None = None,
    to_month: date | None = None,
) -> tuple[dict[str, SlaCompliance], list[MonthCredit]]:
    result, credits = compute(
        {c.id: c for c in contracts}, slas, measurements, notes, as_of, from_month, to_month
    )
    return {r.sla.name: r for r in result}, credits


def figures(r: SlaCompliance) -> tuple[int, int, int, int, Fraction | None]:
    return (r.measured, r.met, r.breached, r.missing, r.compliance)


def credit_rows(credits: list[MonthCredit]) -> list[tuple[str, str, str, str, str, str, bool]]:
    return [
        (
            c.contract.reference,
            c.month.isoformat()[:7],
            str(c.due),
            str(c.received),
            str(c.outstanding),
            c.claim_by.isoformat(),
            c.lost,
        )
        for c in credits
    ]


# --- months ---------------------------------------------------------------------------


def test_month_helpers() -> None:
    assert month_start(date(2024, 2, 29)) == date(2024, 2, 1)
    assert month_end(date(2024, 2, 3)) == date(2024, 2, 29)  # leap year
    assert month_end(date(2025, 2, 3)) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)  # clamped
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 15), -3) == date(2023, 12, 15)


def test_parse_month() -> None:
    assert parse_month("2025-03") == date(2025, 3, 1)
    for bad in ("2025-13", "March 2025", "2025-03-01", "", "25-03"):
        with pytest.raises(ValidationError, match=bad or "''"):
            parse_month(bad)


def test_periods() -> None:
    assert period_start_of(date(2025, 5, 17), "quarterly") == date(2025, 4, 1)
    assert period_start_of(date(2025, 12, 31), "quarterly") == date(2025, 10, 1)
    assert period_start_of(date(2025, 5, 17), "monthly") == date(2025, 5, 1)
    assert period_last_month(date(2025, 1, 1), "quarterly") == date(2025, 3, 1)
    assert period_last_month(date(2025, 7, 1), "monthly") == date(2025, 7, 1)
    assert is_period_start(date(2025, 10, 1), "quarterly")
    assert not is_period_start(date(2025, 11, 1), "quarterly")
    assert is_period_start(date(2025, 11, 1), "monthly")
    assert not is_period_start(date(2025, 11, 2), "monthly")
    with pytest.raises(ValidationError, match="weekly"):
        period_start_of(date(2025, 1, 1), "weekly")


# --- rules ----------------------------------------------------------------------------


def test_meets_both_directions_including_equality() -> None:
    assert meets(D("99.5"), D("99.5"), "higher")
    assert not meets(D("99.49"), D("99.5"), "higher")
    assert meets(D("4"), D("4.0"), "lower")
    assert not meets(D("4.01"), D("4"), "lower")
    with pytest.raises(ValidationError, match="sideways"):
        meets(D(1), D(1), "sideways")


def test_period_fee() -> None:
    assert period_fee(D("120000.00"), "monthly") == D("10000")  # 120000 × 1 / 12
    assert period_fee(D("120000.00"), "quarterly") == D("30000")  # 120000 × 3 / 12
    assert period_fee(None, "monthly") == 0


# --- compliance -----------------------------------------------------------------------


def test_higher_and_lower_is_better() -> None:
    avail = sla(1, "Availability", "99.5", "higher", credit="5")
    hours = sla(2, "Resolution hours", "4", "lower", credit="2")
    ms = [
        m(1, 2024, 1, "99.7"),  # met
        m(1, 2024, 2, "99.5"),  # met (equal)
        m(1, 2024, 3, "99.4"),  # breached
        m(2, 2024, 1, "4"),  # met (equal)
        m(2, 2024, 2, "5.5"),  # breached
        m(2, 2024, 3, "3.2"),  # met
    ]
    rows, credits = run([contract()], [avail, hours], ms, as_of=date(2024, 4, 15))
    # Jan, Feb, Mar ended before 2024-04-15 and all were measured: nothing missing.
    assert figures(rows["Availability"]) == (3, 2, 1, 0, Fraction(2, 3))
    assert figures(rows["Resolution hours"]) == (3, 2, 1, 0, Fraction(2, 3))
    # Monthly fee 120000 / 12 = 10000. Feb: hours breached, 10000 × 2% = 200.00,
    # claim by Feb 29 + 30 days = Mar 30. Mar: availability, 10000 × 5% = 500.00, claim by
    # Mar 31 + 30 = Apr 30. Nothing received. D = Apr 15 > Mar 30: February's is lost.
    assert credit_rows(credits) == [
        ("C-A", "2024-02", "200.00", "0", "200.00", "2024-03-30", True),
        ("C-A", "2024-03", "500.00", "0", "500.00", "2024-04-30", False),
    ]


def test_sla_list_sorted_by_contract_reference_then_name() -> None:
    b = contract(2, "C-B")
    a = contract(1, "C-A")
    slas = [sla(1, "Zeta", "1", of=b), sla(2, "Alpha", "1", of=b), sla(3, "Beta", "1", of=a)]
    result, _ = compute({1: a, 2: b}, slas, [], [], date(2024, 1, 1))
    assert [(r.sla.contract_ref, r.sla.name) for r in result] == [
        ("C-A", "Beta"),
        ("C-B", "Alpha"),
        ("C-B", "Zeta"),
    ]


def test_quarterly_credit_lands_in_the_quarters_last_month() -> None:
    csat = sla(1, "Satisfaction", "80", period="quarterly", credit="10")
    ms = [m(1, 2024, 1, "75"), m(1, 2024, 4, "85")]  # Q1 breached, Q2 met
    rows, credits = run([contract()], [csat], ms, as_of=date(2024, 7, 1))
    # Q1 and Q2 ended before Jul 1, both measured.
    assert figures(rows["Satisfaction"]) == (2, 1, 1, 0, Fraction(1, 2))
    # Quarterly fee 120000 × 3 / 12 = 30000; × 10% = 3000.00, in March (Q1's last month);
    # claim by Mar 31 + 30 = Apr 30 < Jul 1: lost.
    assert credit_rows(credits) == [
        ("C-A", "2024-03", "3000.00", "0", "3000.00", "2024-04-30", True)
    ]


def test_quarter_belongs_to_a_range_by_its_last_month() -> None:
    csat = sla(1, "Satisfaction", "80", period="quarterly", credit="10")
    ms = [m(1, 2024, 1, "75")]
    as_of = date(2024, 12, 1)
    rows, credits = run([contract()], [csat], ms, as_of, from_month=date(2024, 3, 1))
    assert rows["Satisfaction"].measured == 1  # Q1 ends in March: inside --from 2024-03
    assert [c.month for c in credits] == [date(2024, 3, 1)]
    rows, credits = run([contract()], [csat], ms, as_of, from_month=date(2024, 4, 1))
    assert rows["Satisfaction"].measured == 0 and credits == []
    rows, credits = run([contract()], [csat], ms, as_of, to_month=date(2024, 2, 1))
    assert rows["Satisfaction"].measured == 0 and credits == []  # Q1 not over by Feb


def test_cap_binds() -> None:
    capped = contract(cap="2")
    avail = sla(1, "Availability", "99.5", credit="5", of=capped)
    csat = sla(2, "Satisfaction", "80", period="quarterly", credit="10", of=capped)
    ms = [m(1, 2024, 2, "99"), m(1, 2024, 3, "99"), m(2, 2024, 1, "70")]
    _, credits = run([capped], [avail, csat], ms, as_of=date(2024, 4, 2))
    # Cap: 2 / 100 × 120000 / 12 = 200.00 a month.
    # Feb: 10000 × 5% = 500 -> capped to 200.00.
    # Mar: 500 + 30000 × 10% = 3500 -> capped to 200.00.
    assert credit_rows(credits) == [
        ("C-A", "2024-02", "200.00", "0", "200.00", "2024-03-30", True),
        ("C-A", "2024-03", "200.00", "0", "200.00", "2024-04-30", False),
    ]


def test_cap_above_the_credits_does_not_bind() -> None:
    capped = contract(cap="12.5")  # 12.5 / 100 × 10000 = 1250.00
    avail = sla(1, "Availability", "99.5", credit="5", of=capped)
    _, credits = run([capped], [avail], [m(1, 2024, 3, "99")], as_of=date(2024, 4, 2))
    assert [str(c.due) for c in credits] == ["500.00"]  # 10000 × 5% = 500 < 1250


def test_partly_received_credit() -> None:
    avail = sla(1, "Availability", "99.5", credit="5")
    notes = [
        CreditNoteInfo(1, date(2024, 3, 1), D("100.00")),
        CreditNoteInfo(1, date(2024, 3, 1), D("50.25")),
    ]
    _, credits = run([contract()], [avail], [m(1, 2024, 3, "99")], date(2024, 4, 2), notes)
    # due 500.00, received 100.00 + 50.25 = 150.25, outstanding 500.00 − 150.25 = 349.75
    assert credit_rows(credits) == [
        ("C-A", "2024-03", "500.00", "150.25", "349.75", "2024-04-30", False)
    ]


def test_over_received_credit_is_never_negative_and_never_lost() -> None:
    avail = sla(1, "Availability", "99.5", credit="5")
    notes = [CreditNoteInfo(1, date(2024, 3, 1), D("600"))]
    _, credits = run([contract()], [avail], [m(1, 2024, 3, "99")], date(2024, 9, 1), notes)
    # outstanding = max(500.00 − 600, 0) = 0; not lost although D > claim_by
    assert credit_rows(credits) == [("C-A", "2024-03", "500.00", "600", "0", "2024-04-30", False)]


def test_lost_only_after_the_claim_by_date() -> None:
    avail = sla(1, "Availability", "99.5", credit="5")
    short = contract(claim_days=10)
    quick = sla(1, "Availability", "99.5", credit="5", of=short)
    ms = [m(1, 2024, 3, "99")]
    # claim_by = Mar 31 + 30 days = Apr 30
    _, on_the_day = run([contract()], [avail], ms, as_of=date(2024, 4, 30))
    assert [(c.claim_by, c.lost) for c in on_the_day] == [(date(2024, 4, 30), False)]
    _, day_after = run([contract()], [avail], ms, as_of=date(2024, 5, 1))
    assert [(c.claim_by, c.lost) for c in day_after] == [(date(2024, 4, 30), True)]
    # claim_by = Mar 31 + 10 days = Apr 10
    _, past = run([short], [quick], ms, as_of=date(2024, 4, 11))
    assert [(c.claim_by, c.lost) for c in past] == [(date(2024, 4, 10), True)]


def test_missing_periods_for_a_contract_that_started_mid_month() -> None:
    mid = contract(start=date(2024, 2, 15))
    avail = sla(1, "Availability", "99", of=mid)
    csat = sla(2, "Satisfaction", "80", period="quarterly", of=mid)
    ms = [m(1, 2024, 3, "99.9"), m(1, 2024, 5, "99.9"), m(1, 2024, 6, "99.9")]
    rows, _ = run([mid], [avail, csat], ms, as_of=date(2024, 6, 10))
    # Monthly periods from Feb (contains Feb 15) that ended before Jun 10: Feb, Mar, Apr, May.
    # Measured among them: Mar, May -> missing Feb, Apr = 2. June is measured (3 in all)
    # but has not ended, so it never counts as missing.
    assert figures(rows["Availability"]) == (3, 3, 0, 2, Fraction(1))
    # Quarters: Q1 (contains Feb 15) ended Mar 31; Q2 ends Jun 30, not yet: 1 missing.
    assert figures(rows["Satisfaction"]) == (0, 0, 0, 1, None)


def test_missing_stops_at_the_period_containing_ends_on() -> None:
    ending = contract(start=date(2024, 2, 15), ends_on=date(2024, 5, 20))
    csat = sla(1, "Satisfaction", "80", period="quarterly", of=ending)
    avail = sla(2, "Availability", "99", of=ending)
    rows, _ = run([ending], [csat, avail], [], as_of=date(2025, 1, 1))
    assert rows["Satisfaction"].missing == 2  # Q1 (Feb 15) and Q2 (contains May 20)
    assert rows["Availability"].missing == 4  # Feb, Mar, Apr, May


def test_missing_only_within_the_range() -> None:
    avail = sla(1, "Availability", "99")
    rows, _ = run(
        [contract()],
        [avail],
        [m(1, 2024, 4, "99.9")],
        as_of=date(2025, 1, 1),
        from_month=date(2024, 3, 1),
        to_month=date(2024, 6, 1),
    )
    # Mar, Apr, May, Jun in range and ended; April measured -> 3 missing.
    assert figures(rows["Availability"]) == (1, 1, 0, 3, Fraction(1))


def test_empty_range() -> None:
    avail = sla(1, "Availability", "99.5", credit="5")
    csat = sla(2, "Satisfaction", "80", period="quarterly", credit="10")
    ms = [m(1, 2024, 3, "90"), m(1, 2024, 4, "90"), m(2, 2024, 4, "50")]
    notes = [CreditNoteInfo(1, date(2024, 4, 1), D("10"))]
    # --from after --to: nothing at all.
    rows, credits = run(
        [contract()], [avail, csat], ms, date(2025, 1, 1), notes, date(2024, 5, 1), date(2024, 3, 1)
    )
    assert figures(rows["Availability"]) == (0, 0, 0, 0, None)
    assert figures(rows["Satisfaction"]) == (0, 0, 0, 0, None)
    assert credits == []
    # Apr–May holds no quarter's last month: the quarterly SLA has nothing in range,
    # while the monthly one has April (breached, measured) and May (missing).
    # April: 10000 × 5% = 500.00 − 10 received = 490.00; claim by Apr 30 + 30 = May 30.
    rows, credits = run(
        [contract()], [avail, csat], ms, date(2025, 1, 1), notes, date(2024, 4, 1), date(2024, 5, 1)
    )
    assert figures(rows["Satisfaction"]) == (0, 0, 0, 0, None)
    assert figures(rows["Availability"]) == (1, 0, 1, 1, Fraction(0))
    assert credit_rows(credits) == [
        ("C-A", "2024-04", "500.00", "10", "490.00", "2024-05-30", True)
    ]


def test_default_range_runs_to_the_month_of_the_as_of_date() -> None:
    avail = sla(1, "Availability", "99.5", credit="5")
    ms = [m(1, 2023, 6, "90"), m(1, 2024, 3, "90"), m(1, 2024, 5, "90")]
    notes = [CreditNoteInfo(1, date(2023, 1, 1), D("1"))]
    rows, credits = run([contract()], [avail], ms, date(2024, 4, 15), notes)
    # Everything up to April 2024, however early (June 2023 precedes the contract start);
    # May 2024 is after the range.
    assert rows["Availability"].measured == 2
    assert [c.month.isoformat() for c in credits] == ["2023-01-01", "2023-06-01", "2024-03-01"]


def test_rounding_half_up_to_cents() -> None:
    odd = contract(annual="2814.00")
    avail = sla(1, "Availability", "99.5", credit="1", of=odd)
    _, credits = run([odd], [avail], [m(1, 2024, 3, "99")], as_of=date(2024, 4, 1))
    # 2814.00 / 12 = 234.50; × 1% = 2.345 -> half-up 2.35 (half-even would give 2.34)
    assert [str(c.due) for c in credits] == ["2.35"]


def test_credits_are_summed_before_rounding() -> None:
    small = contract(annual="30.00")
    slas = [
        sla(1, "A", "99.5", credit="0.1", of=small),
        sla(2, "B", "99.5", credit="0.1", of=small),
    ]
    ms = [m(1, 2024, 3, "99"), m(2, 2024, 3, "99")]
    _, credits = run([small], slas, ms, as_of=date(2024, 4, 1))
    # each 30.00 / 12 × 0.1% = 0.0025; sum 0.005 -> 0.01 (rounding each first would give 0.00)
    assert [str(c.due) for c in credits] == ["0.01"]

    thirds = contract(annual="1000.00")
    slas = [sla(1, "A", "99.5", credit="1", of=thirds), sla(2, "B", "99.5", credit="1", of=thirds)]
    _, credits = run([thirds], slas, ms, as_of=date(2024, 4, 1))
    # each 1000 / 12 × 1% = 0.8333…; sum 1.6666… -> 1.67 (0.83 + 0.83 would be 1.66)
    assert [str(c.due) for c in credits] == ["1.67"]


def test_months_with_received_only_are_listed_and_sorted_by_month_then_reference() -> None:
    a = contract(1, "C-A")
    b = contract(2, "C-B")
    slas = [sla(1, "Availability", "99.5", credit="5", of=b), sla(2, "Uptime", "99", of=a)]
    ms = [m(1, 2024, 2, "99"), m(2, 2024, 2, "90")]  # Uptime earns no credit (0%)
    notes = [
        CreditNoteInfo(1, date(2024, 2, 1), D("12.5")),
        CreditNoteInfo(2, date(2024, 1, 1), D(0)),
    ]
    _, credits = run([b, a], slas, ms, date(2024, 3, 1), notes)
    # C-A Feb: nothing due, 12.5 received -> listed. C-B Jan: received 0 and due 0 -> not.
    assert credit_rows(credits) == [
        ("C-A", "2024-02", "0.00", "12.5", "0", "2024-03-30", False),
        ("C-B", "2024-02", "500.00", "0", "500.00", "2024-03-30", False),
    ]


def test_no_annual_value_earns_no_credit() -> None:
    free = contract(annual=None)
    avail = sla(1, "Availability", "99.5", credit="5", of=free)
    rows, credits = run([free], [avail], [m(1, 2024, 3, "99")], as_of=date(2024, 4, 1))
    assert rows["Availability"].breached == 1
    assert credits == []


def test_plain_tuples_are_accepted_and_unknown_slas_ignored() -> None:
    avail = sla(1, "Availability", "99.5")
    result, _ = compute(
        {1: contract()},
        [avail],
        [(1, date(2024, 1, 1), D("99.6")), (7, date(2024, 1, 1), D("1"))],
        [],
        date(2024, 2, 1),
    )
    assert figures(result[0]) == (1, 1, 0, 0, Fraction(1))
