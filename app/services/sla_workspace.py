"""What the service manager's SLA workspace shows (SPEC §4), as plain data.

- `sla_contracts`: the contracts that have SLAs (one aggregate query: the list appears at once);
- `overview`: compliance and credits of every contract from the portfolio's SLA report, and the
  credit months, the claimable ones first (the slow part, run on a worker);
- `contract_detail`: one contract's SLAs with a strip of their last periods (met, breached,
  missing), its credit months and the measurements of its measurement grid, computed by the same
  rules (app.core.sla.compute) on that contract's data alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.months import PERIODS, from_month_index, month_index
from app.core.sla import (
    ContractMoney,
    CreditNoteInfo,
    MeasurementInfo,
    MonthCredit,
    SlaInfo,
    SlaWindow,
    compute,
    meets,
    month_range,
    sla_windows,
)
from app.core.terms import evaluate
from app.errors import NotFoundError
from app.services.collector import collector_paused, release
from app.services.dashboard import SlaFigures, currencies, sla_figures
from app.store.models import Contract, CreditNote, Measurement, Sla, Vendor
from app.store.terms_queries import load_terms

STRIP_PERIODS = 24
MET, BREACHED, MISSING, NOT_DUE = "met", "breached", "missing", "not_due"


@dataclass(frozen=True)
class SlaContract:
    """A contract of the workspace's list."""

    contract_id: int
    reference: str
    title: str
    vendor: str
    currency: str
    slas: int


def sla_contracts(session: Session) -> list[SlaContract]:
    """The contracts with at least one SLA, by reference."""
    query = (
        select(Contract.id, Contract.reference, Contract.title, Vendor.name, Contract.currency,
               func.count(Sla.id))
        .join(Sla, Sla.contract_id == Contract.id)
        .join(Vendor, Vendor.id == Contract.vendor_id)
        .group_by(Contract.id, Contract.reference, Contract.title, Vendor.name, Contract.currency)
        .order_by(Contract.reference)
    )
    return [SlaContract(*row) for row in session.execute(query)]


class CreditRow(NamedTuple):
    """A contract's credits in one month (SPEC §4) and the days left to claim them."""

    contract_id: int
    reference: str
    currency: str
    month: date
    due: Decimal
    received: Decimal
    outstanding: Decimal
    claim_by: date
    lost: bool
    days_left: int  # claim_by − D (negative once passed)

    @property
    def claimable(self) -> bool:
        return self.outstanding > 0 and not self.lost


def claim_order(row: CreditRow) -> tuple[int, int, int, str]:
    """Claimable first (by claim-by), then lost, then settled months (newest first)."""
    if row.claimable:
        return (0, row.days_left, 0, row.reference)
    return (1 if row.lost else 2, 0, -month_index(row.month), row.reference)


def credit_rows(
    credits: list[MonthCredit], as_of: date, currency_of: dict[str, str]
) -> list[CreditRow]:
    """The credit months as rows, claimable first (see claim_order)."""
    rows = [
        CreditRow(c.contract.id, c.contract.reference, currency_of.get(c.contract.reference, "EUR"),
                  c.month, c.due, c.received, c.outstanding, c.claim_by, c.lost,
                  (c.claim_by - as_of).days)
        for c in credits
    ]
    rows.sort(key=claim_order)
    return rows


@dataclass(frozen=True)
class Standing:
    """One contract's SLA figures over all its periods up to D, and its credits."""

    slas: int = 0
    measured: int = 0
    met: int = 0
    breached: int = 0
    missing: int = 0
    outstanding: Decimal = Decimal(0)
    lost: Decimal = Decimal(0)
    claimable: int = 0

    @property
    def compliance(self) -> Fraction | None:
        return Fraction(self.met, self.measured) if self.measured else None


@dataclass
class Overview:
    as_of: date
    figures: SlaFigures
    standings: dict[int, Standing] = field(default_factory=dict)  # by contract id
    credits: list[CreditRow] = field(default_factory=list)  # claimable first


def overview(session: Session, as_of: date) -> Overview:
    """The portfolio's SLA report arranged for the workspace (runs on a worker)."""
    with collector_paused():
        return _overview(session, as_of)


def _overview(session: Session, as_of: date) -> Overview:
    from app.services.sla import sla_report

    report = sla_report(session, as_of)
    currency_of = currencies(session)
    counts: dict[int, list[int]] = {}
    for item in report.slas:
        entry = counts.setdefault(item.sla.contract_id, [0, 0, 0, 0, 0])
        entry[0] += 1
        entry[1] += item.measured
        entry[2] += item.met
        entry[3] += item.breached
        entry[4] += item.missing
    money: dict[int, list[Decimal | int]] = {}
    for credit in report.credits:
        if credit.outstanding:
            entry2 = money.setdefault(credit.contract.id, [Decimal(0), Decimal(0), 0])
            if credit.lost:
                entry2[1] += credit.outstanding
            else:
                entry2[0] += credit.outstanding
                entry2[2] += 1
    standings = {}
    for cid, (slas, measured, met, breached, missing) in counts.items():
        outstanding, lost, claimable = money.get(cid, (Decimal(0), Decimal(0), 0))
        standings[cid] = Standing(slas, measured, met, breached, missing, Decimal(outstanding),
                                  Decimal(lost), int(claimable))
    result = Overview(
        as_of,
        sla_figures(report, currency_of),
        standings,
        credit_rows(report.credits, as_of, currency_of),
    )
    release(report.slas, report.credits)
    return result


# --- one contract --------------------------------------------------------------------------------


class PeriodCell(NamedTuple):
    """One period of an SLA's strip: its first day, the value measured (if any), its state."""

    start: date
    value: Decimal | None
    state: str  # MET, BREACHED, MISSING (due and not measured) or NOT_DUE


@dataclass(frozen=True)
class SlaDetail:
    sla_id: int
    name: str
    unit: str | None
    target: Decimal
    direction: str
    period: str
    credit_percent: Decimal
    measured: int
    met: int
    breached: int
    missing: int
    compliance: Fraction | None
    strip: tuple[PeriodCell, ...]
    due_from: date | None = None  # first and last start of the periods that count as missing
    due_to: date | None = None


@dataclass
class ContractDetail:
    contract_id: int
    reference: str
    title: str
    currency: str
    as_of: date
    slas: list[SlaDetail]
    credits: list[CreditRow]
    months: list[date]  # the grid's rows: period months, newest first
    values: dict[tuple[int, date], tuple[Decimal, str | None]]  # (sla id, start) -> value, note


def contract_detail(
    session: Session, contract_id: int, as_of: date, strip: int = STRIP_PERIODS
) -> ContractDetail:
    """One contract's SLAs, strips, credits and measurements on D."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(f"contract: no contract with the id {contract_id}")
    reference = contract.reference
    terms = load_terms(session, [reference])
    ends_on = evaluate(terms[0].terms, as_of).ends_on if terms else None
    money = ContractMoney(contract.id, reference, contract.start_date, ends_on,
                          contract.annual_value, contract.credit_cap_percent,
                          30 if contract.credit_claim_days is None else contract.credit_claim_days)
    slas_rows = session.execute(
        select(Sla).where(Sla.contract_id == contract_id).order_by(Sla.name)
    ).scalars().all()
    slas = [SlaInfo(s.id, contract_id, reference, s.name, s.target, s.direction, s.period,
                    s.credit_percent or Decimal(0)) for s in slas_rows]
    ids = [s.id for s in slas]
    measurements = session.execute(
        select(Measurement.sla_id, Measurement.period_start, Measurement.value, Measurement.note)
        .where(Measurement.sla_id.in_(ids))
    ).all() if ids else []
    notes = [CreditNoteInfo(cid, month, amount) for cid, month, amount in session.execute(
        select(CreditNote.contract_id, CreditNote.month, CreditNote.amount)
        .where(CreditNote.contract_id == contract_id)
    )]
    compliance, credits = compute(
        {contract_id: money}, slas,
        [MeasurementInfo(sid, start, value) for sid, start, value, _ in measurements],
        notes, as_of,
    )
    values = {(sid, start): (value, note) for sid, start, value, note in measurements}
    windows = {w.sla_id: w for w in sla_windows({contract_id: money}, slas,
                                                month_range(as_of, None, None))}
    by_id = {item.sla.id: item for item in compliance}
    details = []
    for sla, row in zip(slas, slas_rows, strict=True):
        item = by_id[sla.id]
        window = windows[sla.id]
        due = window.due_first <= window.due_last
        details.append(SlaDetail(
            sla.id, sla.name, row.unit, sla.target, sla.direction, sla.period,
            sla.credit_percent, item.measured, item.met, item.breached, item.missing,
            item.compliance, _strip(sla, window, values, as_of, ends_on, strip),
            from_month_index(window.due_first) if due else None,
            from_month_index(window.due_last) if due else None,
        ))
    return ContractDetail(
        contract_id, reference, contract.title, contract.currency, as_of, details,
        credit_rows(credits, as_of, {reference: contract.currency}),
        grid_months(money.start_date, ends_on, as_of), values,
    )


def _strip(
    sla: SlaInfo, window: SlaWindow, values: dict[tuple[int, date], tuple[Decimal, str | None]],
    as_of: date, ends_on: date | None, count: int,
) -> tuple[PeriodCell, ...]:
    """The last `count` periods whose last month is at most the month of D, oldest first;
    for a contract that ended before, the last periods up to its end."""
    k = PERIODS[sla.period]
    last_month = month_index(as_of)
    if ends_on is not None and ends_on < as_of:
        last_month = month_index(ends_on) + k - 1  # up to the period containing the end
    last_start = (last_month - k + 1) // k * k
    cells = []
    for i in range(count - 1, -1, -1):
        m = last_start - i * k
        start = from_month_index(m)
        found = values.get((sla.id, start))
        if found is not None:
            state = MET if meets(found[0], sla.target, sla.direction) else BREACHED
            cells.append(PeriodCell(start, found[0], state))
        else:
            due = window.due_first <= m <= window.due_last
            cells.append(PeriodCell(start, None, MISSING if due else NOT_DUE))
    return tuple(cells)


def grid_months(start: date, ends_on: date | None, as_of: date) -> list[date]:
    """The months of the measurement grid, newest first: from the contract's start to the
    month of D (or of its end, when it ended before)."""
    last = month_index(as_of)
    if ends_on is not None:
        last = min(last, month_index(ends_on))
    first = month_index(start)
    return [from_month_index(m) for m in range(last, first - 1, -1)]
