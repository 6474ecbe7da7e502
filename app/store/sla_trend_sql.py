"""The compliance trend per contract: (measured, met) by contract and by the month a period ends
in (SPEC §4: a period counts in its last month), for the dashboard's SLA shares
(app.services.sla_shares); the portfolio's trend (app.store.sla_queries.monthly_compliance) is
their sum.

The counting is done in SQL; only the values not clearly met (breaches, and values too near the
target to tell as floating point) reach Python, where they are judged exactly with Decimal.
No database library is needed: the queries run on a SQLAlchemy session or on a standard-library
sqlite3 connection (start-up's look at the data, app.store.quick_sla) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from app.core.months import from_month_index
from app.core.sla import FIRST_MONTH, meets

TrendCounts = dict[int, dict[int, tuple[int, int]]]
Execute = Callable[[str, Mapping[str, Any]], Iterable[Any]]

_MONTH = {
    "sqlite": "(CAST(substr(m.period_start, 1, 4) AS INTEGER) * 12 "
    "+ CAST(substr(m.period_start, 6, 2) AS INTEGER) - 1)",
    "postgresql": "(CAST(EXTRACT(YEAR FROM m.period_start) AS INTEGER) * 12 "
    "+ CAST(EXTRACT(MONTH FROM m.period_start) AS INTEGER) - 1)",
}
TIE_MARGIN = 1e-9
"""Relative margin: values this close to the target are judged exactly in Python."""
_NEAR = f"{TIE_MARGIN!r} * (ABS(CAST(s.target AS FLOAT)) + 1)"
# not clearly met (breached, or too near the target to tell as floats): judged exactly in Python
_UNDECIDED = (
    "CASE WHEN s.direction = 'higher' "
    f"THEN CAST(m.value AS FLOAT) <= CAST(s.target AS FLOAT) + {_NEAR} "
    f"ELSE CAST(m.value AS FLOAT) >= CAST(s.target AS FLOAT) - {_NEAR} END"
)
_CONCAT = {"sqlite": "group_concat({}, ',')", "postgresql": "string_agg({}, ',')"}


def _sql(dialect: str, only: str) -> str:
    """One pass: per contract, period start and period length, the count and, in one text,
    "value:target:direction" of each value not clearly met."""
    concat = _CONCAT.get(dialect, _CONCAT["postgresql"])
    undecided = (
        "CAST(m.value AS TEXT) || ':' || CAST(s.target AS TEXT) || ':' || s.direction"
    )
    return (
        f"SELECT s.contract_id, m.period_start, s.period, COUNT(*), "
        f"{concat.format(undecided)} FILTER (WHERE {_UNDECIDED}) "
        "FROM slas s JOIN measurements m ON m.sla_id = s.id "
        f"WHERE m.period_start >= :lo AND m.period_start <= :hi{only} "
        "GROUP BY s.contract_id, m.period_start, s.period"
    )


def _month(start: Any) -> int:
    if isinstance(start, str):
        return int(start[:4]) * 12 + int(start[5:7]) - 1
    return int(start.year) * 12 + int(start.month) - 1


def trend_by_contract(
    execute: Execute,
    dialect: str,
    first: int,
    last: int,
    contracts: Collection[int] | None = None,
) -> TrendCounts:
    """(measured, met) per contract id and month number first..last that periods end in;
    contracts and months without measurements are left out. `execute(sql, params)` runs a
    query with named (:name) parameters; `contracts`: only these (a few ids)."""
    only = ""
    if contracts is not None:  # ids are integers: written inline
        only = f" AND s.contract_id IN ({', '.join(str(int(c)) for c in contracts) or 'NULL'})"
    params = {
        "lo": from_month_index(max(first - 2, FIRST_MONTH)).isoformat(),
        "hi": from_month_index(last).isoformat(),
    }
    totals: dict[int, dict[int, list[int]]] = {}
    ends: dict[tuple[Any, str], int] = {}
    for cid, start, period, measured, undecided in execute(_sql(dialect, only), params):
        end = ends.get((start, period))
        if end is None:
            end = ends[(start, period)] = _month(start) + (3 if period == "quarterly" else 1) - 1
        if not first <= end <= last:
            continue
        met = int(measured)
        if undecided:
            for item in undecided.split(","):
                raw, raw_target, direction = item.split(":")
                if not meets(Decimal(raw), Decimal(raw_target), direction):
                    met -= 1
        months = totals.setdefault(cid, {})
        entry = months.get(end)
        if entry is None:
            months[end] = [int(measured), met]
        else:  # the same month from another period length
            entry[0] += int(measured)
            entry[1] += met
    return {
        cid: {m: (measured, met) for m, (measured, met) in months.items()}
        for cid, months in totals.items()
    }
