"""Calendar-month and SLA-period arithmetic (SPEC §4): months, quarters, month indices."""

from __future__ import annotations

import calendar
import re
from datetime import date

from app.errors import ValidationError

PERIODS: dict[str, int] = {"monthly": 1, "quarterly": 3}
"""Each SLA period and its length in months."""

_MONTH_TEXT = re.compile(r"\s*(\d{4})-(\d{1,2})\s*")


def month_start(d: date) -> date:
    """The first day of the month of d."""
    return d.replace(day=1)


def month_end(d: date) -> date:
    """The last day of the month of d."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(d: date, n: int) -> date:
    """d + relativedelta(months=n): the day clamps to the target month's length.

    Written out because the renewals engine calls it for every term boundary of every contract.
    """
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    day = d.day
    if day > 28:
        last = 29 if month0 == 1 and calendar.isleap(year) else _MONTH_DAYS[month0]
        day = min(day, last)
    return date(year, month0 + 1, day)


def month_index(d: date) -> int:
    """A running month number (year × 12 + month − 1), for arithmetic on months."""
    return d.year * 12 + d.month - 1


def from_month_index(index: int) -> date:
    """The first day of the month with this running month number (inverse of month_index)."""
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def parse_month(text: str) -> date:
    """Parse `YYYY-MM` into the first day of that month; ValidationError naming the text."""
    match = _MONTH_TEXT.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValidationError(f"{text!r} is not a month (expected YYYY-MM, e.g. 2025-03)")
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_months(period: str) -> int:
    """The length of an SLA period in months (1 monthly, 3 quarterly); ValidationError otherwise."""
    try:
        return PERIODS[period]
    except KeyError:
        raise ValidationError(
            f"{period!r} is not an SLA period (expected monthly or quarterly)"
        ) from None


def period_start_of(d: date, period: str) -> date:
    """The first day of the period containing d (quarters start Jan/Apr/Jul/Oct 1)."""
    length = period_months(period)
    index = month_index(d)
    return from_month_index(index - index % length)


def period_last_month(start: date, period: str) -> date:
    """The first day of the last month of the period that contains start."""
    length = period_months(period)
    index = month_index(start)
    return from_month_index(index - index % length + length - 1)


def is_period_start(d: date, period: str) -> bool:
    """True when d is the first day of a period (a month, or a quarter for quarterly)."""
    return d.day == 1 and month_index(d) % period_months(period) == 0
