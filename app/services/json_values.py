"""How SPEC §6 writes values in JSON: money as text with 2 decimals, ratios to 4 places.

Both round half-up, exactly (from the Decimal or the fraction, never through a float).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import overload

_CENT = Decimal("0.01")


def ratio_of(part: int, whole: int) -> float | None:
    """part / whole rounded half-up to 4 places; None when whole is 0."""
    if not whole:
        return None
    return (part * 20000 + whole) // (2 * whole) / 10000


def ratio_json(value: Fraction | None) -> float | None:
    """A ratio for JSON: rounded half-up to 4 places; None stays None."""
    return None if value is None else ratio_of(value.numerator, value.denominator)


@overload
def money_text(value: Decimal) -> str: ...
@overload
def money_text(value: None) -> None: ...
@overload
def money_text(value: Decimal | None) -> str | None: ...
def money_text(value: Decimal | None) -> str | None:
    """Money for JSON: a string rounded half-up to 2 decimals ("1234.50"); None stays None."""
    return None if value is None else format(value.quantize(_CENT, ROUND_HALF_UP), "f")
