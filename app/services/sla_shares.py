"""The dashboard's SLA figures as the sum of each contract's share.

Every SLA figure of the dashboard (SLAs, periods measured, met, breached and missing, credits
outstanding and lost per currency, claimable months, and the 12-month compliance trend) is a sum
over contracts. Kept per contract, a change to one contract's SLAs, measurements or credit notes
only needs that contract's share computed again (app.services.dashboard_preview does so at
start-up, before the database library is loaded), not the whole portfolio's.

Only the standard library and the figures' own modules are loaded here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from app.core.months import from_month_index
from app.core.sla import MonthCredit, SlaCompliance
from app.services.dashboard_figures import SlaFigures

ZERO = Decimal(0)
TrendCounts = Mapping[int, Mapping[int, tuple[int, int]]]  # contract -> month -> measured, met


class Share(NamedTuple):
    """One contract's part of the SLA figures."""

    currency: str
    slas: int
    measured: int
    met: int
    breached: int
    missing: int
    outstanding: Decimal  # still claimable
    lost: Decimal  # claim period passed
    claimable: int  # months with an outstanding, claimable credit
    trend: tuple[int, ...]  # measured, met of each trend month, oldest first (flat)


def shares(
    compliance: Iterable[SlaCompliance],
    credits: Iterable[MonthCredit],
    currencies: Mapping[str, str],
    trend_counts: TrendCounts,
    first: int,
    months: int,
) -> dict[int, Share]:
    """Each contract's share (by contract id), from the SLA report of the contracts (`compliance`
    and `credits`), their currencies (reference -> currency, EUR when not given) and their
    trend counts for the `months` months from month number `first` on."""
    sums: dict[int, list[int]] = {}
    money: dict[int, list[Decimal]] = {}
    refs: dict[int, str] = {}
    for item in compliance:
        cid = item.sla.contract_id
        refs[cid] = item.sla.contract_ref
        entry = sums.get(cid)
        if entry is None:
            entry = sums[cid] = [0, 0, 0, 0, 0, 0]
        entry[0] += 1
        entry[1] += item.measured
        entry[2] += item.met
        entry[3] += item.breached
        entry[4] += item.missing
    for credit in credits:
        if not credit.outstanding:
            continue
        cid = credit.contract.id
        refs[cid] = credit.contract.reference
        entry = sums.get(cid)
        if entry is None:
            entry = sums[cid] = [0, 0, 0, 0, 0, 0]
        owed = money.get(cid)
        if owed is None:
            owed = money[cid] = [ZERO, ZERO]
        if credit.lost:
            owed[1] += credit.outstanding
        else:
            owed[0] += credit.outstanding
            entry[5] += 1
    result: dict[int, Share] = {}
    for cid, (slas, measured, met, breached, missing, claimable) in sums.items():
        counts = trend_counts.get(cid, {})
        trend: list[int] = []
        for m in range(first, first + months):
            trend.extend(counts.get(m, (0, 0)))
        outstanding, lost = money.get(cid, (ZERO, ZERO))
        result[cid] = Share(
            currencies.get(refs[cid], "EUR"), slas, measured, met, breached, missing,
            outstanding, lost, claimable, tuple(trend),
        )
    return result


def total(all_shares: Iterable[Share], first: int, months: int) -> SlaFigures:
    """The SLA figures of the portfolio: the sum of the contracts' shares (money per currency,
    never mixed; a currency appears when something in it is owed)."""
    slas = measured = met = breached = missing = claimable = 0
    outstanding: dict[str, Decimal] = {}
    lost: dict[str, Decimal] = {}
    trend = [0] * (2 * months)
    for share in all_shares:
        slas += share.slas
        measured += share.measured
        met += share.met
        breached += share.breached
        missing += share.missing
        claimable += share.claimable
        if share.outstanding:
            outstanding[share.currency] = outstanding.get(share.currency, ZERO) + share.outstanding
        if share.lost:
            lost[share.currency] = lost.get(share.currency, ZERO) + share.lost
        if any(share.trend):
            for i, count in enumerate(share.trend):
                trend[i] += count
    points = tuple(
        (
            from_month_index(first + i),
            Fraction(trend[2 * i + 1], trend[2 * i]) if trend[2 * i] else None,
        )
        for i in range(months)
    )
    return SlaFigures(
        slas=slas, measured=measured, met=met, breached=breached, missing=missing,
        outstanding=outstanding, lost=lost, claimable_months=claimable, trend=points,
    )
