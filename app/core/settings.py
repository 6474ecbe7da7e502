"""The knowledge settings of SPEC §3, with their defaults and validation."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from app.errors import ValidationError

DEFAULTS: dict[str, str] = {
    "understanding_level": "2",
    "stale_after_months": "24",
    "leaving_window_days": "90",
    "truck_threshold": "0.5",
}


@dataclass(frozen=True)
class Settings:
    """Knowledge settings (SPEC §3)."""

    understanding_level: int = 2
    stale_after_months: int = 24
    leaving_window_days: int = 90
    truck_threshold: Decimal = Decimal("0.5")

    @classmethod
    def from_mapping(cls, values: dict[str, str]) -> Settings:
        """Build validated settings from text values; missing keys take their default."""
        unknown = sorted(set(values) - set(DEFAULTS))
        if unknown:
            raise ValidationError(f"unknown setting {unknown[0]!r}")
        merged = {**DEFAULTS, **{k: v for k, v in values.items() if v not in (None, "")}}
        return cls(
            understanding_level=_int(merged, "understanding_level", 1, 4),
            stale_after_months=_int(merged, "stale_after_months", 1, None),
            leaving_window_days=_int(merged, "leaving_window_days", 0, None),
            truck_threshold=_threshold(merged["truck_threshold"]),
        )

    def as_mapping(self) -> dict[str, str]:
        """The settings as text values, as stored in the database."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


def validate_setting(key: str, value: str) -> str:
    """Validate one setting and return its normalised text, or raise ValidationError."""
    if key not in DEFAULTS:
        raise ValidationError(f"unknown setting {key!r}")
    return Settings.from_mapping({key: value}).as_mapping()[key]


def _int(values: dict[str, str], key: str, low: int, high: int | None) -> int:
    raw = str(values[key]).strip()
    try:
        number = int(Decimal(raw))
        if Decimal(raw) != number:
            raise ValueError
    except (InvalidOperation, ValueError):
        raise ValidationError(f"setting {key}: {raw!r} is not a whole number") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationError(f"setting {key}: {number} must be {bound}")
    return number


def _threshold(raw: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(f"setting truck_threshold: {raw!r} is not a number") from None
    if not (0 < value < 1):
        raise ValidationError(
            f"setting truck_threshold: {value} must be between 0 and 1 (exclusive)"
        )
    return value
