"""SLA compliance and service credits (SPEC §4, §6 `sla`): load, compute, shape for JSON."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, localcontext
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from app.core.months import from_month_index, month_index, parse_month
from app.core.sla import (
    MonthCredit,
    SlaCompliance,
    month_range,
    sla_windows,
    summarise,
)
from app.errors import ValidationError
from app.services.collector import collector_paused
from app.services.json_values import ratio_json
from app.store.sla_queries import (
    load_contract_money,
    load_credit_notes,
    load_slas,
    monthly_compliance,
    tally_in_database,
)


@dataclass(frozen=True)
class SlaReport:
    """Compliance per SLA and credits per contract and month over a month range."""

    as_of: date
    from_month: date | None
    to_month: date
    slas: list[SlaCompliance]
    credits: list[MonthCredit]


def sla_report(
    session: Session,
    as_of: date,
    from_month: date | None = None,
    to_month: date | None = None,
    *,
    contracts: Collection[int] | None = None,
) -> SlaReport:
    """The whole portfolio's SLA compliance and credits (see app.core.sla.compute).

    With `contracts` (contract ids), only those contracts' SLAs and credits: the same rows as
    in the whole report, loaded and computed for them alone (a few milliseconds for a few).
    """
    with collector_paused():
        return _sla_report(session, as_of, from_month, to_month, contracts)


def _sla_report(
    session: Session,
    as_of: date,
    from_month: date | None,
    to_month: date | None,
    only: Collection[int] | None = None,
) -> SlaReport:
    if only is not None:
        only = set(only)
    slas = load_slas(session, only)
    contracts = load_contract_money(session, ids=only, as_of=as_of)
    rng = month_range(as_of, from_month, to_month)
    windows = sla_windows(contracts, slas, rng)
    tallies, weights = tally_in_database(session, windows)
    notes = load_credit_notes(session, only)
    compliance, credits = summarise(contracts, slas, windows, tallies, weights, notes, rng, as_of)
    end = to_month.replace(day=1) if to_month is not None else as_of.replace(day=1)
    start = from_month.replace(day=1) if from_month is not None else None
    return SlaReport(as_of, start, end, compliance, credits)


def parse_range(from_text: str | None, to_text: str | None) -> tuple[date | None, date | None]:
    """--from / --to (YYYY-MM) as first days of months; ValidationError naming a bad one."""
    months: list[date | None] = []
    for option, raw in (("--from", from_text), ("--to", to_text)):
        if raw is None or not raw.strip():
            months.append(None)
            continue
        try:
            months.append(parse_month(raw))
        except ValidationError as exc:
            raise ValidationError(f"{option}: {exc}") from None
    return months[0], months[1]


def sla_json(
    session: Session, as_of: date, from_text: str | None = None, to_text: str | None = None
) -> dict[str, Any]:
    """The `sla` JSON of SPEC §6: {slas: [...], credits: [...]}.

    A --from after the end of the range (--to, or the month of the as-of date) is an error.
    """
    from_month, to_month = parse_range(from_text, to_text)
    end = to_month if to_month is not None else as_of.replace(day=1)
    if from_month is not None and from_month > end:
        what = f"--to {end:%Y-%m}" if to_month else f"the as-of month {end:%Y-%m}"
        raise ValidationError(f"--from {from_month:%Y-%m} is after {what}")
    with collector_paused():
        return _sla_dict(_sla_report(session, as_of, from_month, to_month))


def _sla_dict(report: SlaReport) -> dict[str, Any]:
    # Texts shared by many rows (ratios, months, claim-by dates) are formatted once.
    ratios: dict[tuple[int, int], float | None] = {}
    slas = []
    for sla, measured, met, breached, missing, compliance in report.slas:
        shown = ratios.get((met, measured))
        if shown is None and compliance is not None:
            shown = ratios[(met, measured)] = ratio_json(compliance)
        slas.append(
            {
                "contract": sla.contract_ref,
                "name": sla.name,
                "measured": measured,
                "met": met,
                "breached": breached,
                "missing": missing,
                "compliance": shown,
            }
        )
    days: dict[date, str] = {}
    months: dict[date, str] = {}
    # A contract's months share few due amounts, and the core hands out the same object for
    # each: by identity (the report keeps them alive), a "-0.00" is never mistaken for "0.00".
    dues: dict[int, str] = {}
    credits = []
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP  # the "{:.2f}" format rounds with the context's mode
        for contract, month, due, received, outstanding, claim_by, lost in report.credits:
            month_text = months.get(month)
            if month_text is None:
                month_text = months[month] = f"{month:%Y-%m}"
            claim_text = days.get(claim_by)
            if claim_text is None:
                claim_text = days[claim_by] = claim_by.isoformat()
            due_text = dues.get(id(due))
            if due_text is None:
                due_text = dues[id(due)] = f"{due:.2f}"
            if received:
                received_text = f"{received:.2f}"
                outstanding_text = f"{outstanding:.2f}"
            else:  # the common case: nothing received, all of it outstanding
                received_text = "0.00"
                outstanding_text = due_text
            credits.append(
                {
                    "contract": contract.reference,
                    "month": month_text,
                    "due": due_text,
                    "received": received_text,
                    "outstanding": outstanding_text,
                    "claim_by": claim_text,
                    "lost": lost,
                }
            )
    return {"slas": slas, "credits": credits}


def compliance_trend(
    session: Session, as_of: date, months: int = 12, *, contracts: Collection[int] | None = None
) -> list[tuple[date, Fraction | None]]:
    """Portfolio-wide met / measured for each of the last `months` months up to that of as_of.

    A period counts in its last month (SPEC §4); None for a month without measurements. With
    `contracts` (contract ids), over those contracts' SLAs only.
    """
    return [
        (month, Fraction(met, measured) if measured else None)
        for month, measured, met in compliance_counts(session, as_of, months, contracts=contracts)
    ]


def compliance_counts(
    session: Session, as_of: date, months: int = 12, *, contracts: Collection[int] | None = None
) -> list[tuple[date, int, int]]:
    """(month, measured, met) for each of the last `months` months up to that of as_of, over
    all SLAs or those of the given contracts (ids): what compliance_trend divides, and what
    adds up over contracts (a month without measurements has (0, 0))."""
    last = month_index(as_of)
    first = last - months + 1
    counts = monthly_compliance(session, first, last, contracts)
    return [(from_month_index(m), *counts.get(m, (0, 0))) for m in range(first, last + 1)]
