"""How dates and money look in the windows (display only; the stored values stay exact)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def show_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def show_money(value: Decimal | None, currency: str | None = None) -> str:
    """1234567.5 -> '1,234,567.50' (rounded half-up to cents), with its currency if given."""
    if value is None:
        return ""
    text = f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"
    return f"{text} {currency}" if currency else text
