"""The dashboard's SLA figures as the sum of each contract's share.

Every SLA figure of the dashboard (SLAs, periods measured, met, breached and missing, credits
outstanding and lost per currency, claimable months, and the 12-month compliance trend) is a sum
over contracts. Kept per contract, a change to one contract's SLAs, measurements or credit notes
only needs that contract's share computed again (app.services.dashboard_preview does so at
start-up, before the database library is loaded), not the whole portfolio's.

Only the standard library and the figures' own modules are loaded here.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from app.core.months import from_month_index
from app.core.sla import MonthCredit, SlaCompliance
from app.services.dashboard_figures import SlaFigures
from app.store.sla_trend_sql import TrendCounts

ZERO = Decimal(0)


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


_FIELDS = 6  # slas, measured, met, breached, missing, claimable; then the trend's counts


@dataclass
class Shares:
    """The contracts' shares, packed for the figure cache (plain arrays load at once), with
    their sums: the portfolio's figures without adding 10,000 shares up again."""

    first: int  # month number of the trend's first month
    months: int
    ids: array[int]  # contract ids, one row each
    counts: array[int]  # per row: the _FIELDS counts, then measured, met of each trend month
    currencies: list[str]  # per row
    money: dict[int, tuple[str, str]]  # row -> outstanding, lost (rows owing something)
    sums: array[int]  # the counts summed over the rows
    owed: dict[str, tuple[Decimal, Decimal]]  # currency -> outstanding, lost summed

    @property
    def width(self) -> int:
        return _FIELDS + 2 * self.months


def _row(share: Share) -> list[int]:
    counts = [share.slas, share.measured, share.met, share.breached, share.missing,
              share.claimable]
    counts.extend(share.trend)
    return counts


def pack(per_contract: Mapping[int, Share], first: int, months: int) -> Shares:
    """The shares of every contract (by contract id), packed and summed."""
    packed = Shares(first, months, array("q"), array("q"), [], {}, array("q", [0] * (
        _FIELDS + 2 * months)), {})
    return replaced(packed, per_contract)


def replaced(shares: Shares, fresh: Mapping[int, Share | None]) -> Shares:
    """The shares with those of the contracts in `fresh` replaced (None: the contract has no
    share any more), and the sums brought up to date: the rest is not added up again."""
    width = shares.width
    ids, counts, sums = array("q", shares.ids), array("q", shares.counts), array("q", shares.sums)
    currencies, money = list(shares.currencies), dict(shares.money)
    owed = {currency: list(amounts) for currency, amounts in shares.owed.items()}
    rows = {cid: row for row, cid in enumerate(ids)} if fresh else {}
    for cid, share in fresh.items():
        row = rows.get(cid)
        if row is None:
            if share is None:
                continue
            row = rows[cid] = len(ids)
            ids.append(cid)
            counts.extend([0] * width)
            currencies.append(share.currency)
        base = row * width
        for i in range(width):  # take the old share out
            sums[i] -= counts[base + i]
        old = money.pop(row, None)
        if old is not None:
            entry = owed[currencies[row]]
            entry[0] -= Decimal(old[0])
            entry[1] -= Decimal(old[1])
        new = [0] * width if share is None else _row(share)
        counts[base:base + width] = array("q", new)
        for i in range(width):
            sums[i] += new[i]
        if share is not None:
            currencies[row] = share.currency
            if share.outstanding or share.lost:
                money[row] = (str(share.outstanding), str(share.lost))
                entry = owed.setdefault(share.currency, [ZERO, ZERO])
                entry[0] += share.outstanding
                entry[1] += share.lost
    return Shares(
        shares.first, shares.months, ids, counts, currencies, money, sums,
        {currency: (amounts[0], amounts[1]) for currency, amounts in owed.items()},
    )


def figures(shares: Shares) -> SlaFigures:
    """The SLA figures of the portfolio: the sums of the contracts' shares (money per currency,
    never mixed; a currency appears when something in it is owed)."""
    sums = shares.sums
    slas, measured, met, breached, missing, claimable = sums[:_FIELDS]
    trend = sums[_FIELDS:]
    points = tuple(
        (
            from_month_index(shares.first + i),
            Fraction(trend[2 * i + 1], trend[2 * i]) if trend[2 * i] else None,
        )
        for i in range(shares.months)
    )
    return SlaFigures(
        slas=slas, measured=measured, met=met, breached=breached, missing=missing,
        outstanding={c: amounts[0] for c, amounts in shares.owed.items() if amounts[0]},
        lost={c: amounts[1] for c, amounts in shares.owed.items() if amounts[1]},
        claimable_months=claimable, trend=points,
    )
