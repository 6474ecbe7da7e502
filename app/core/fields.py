"""Edge validation: user, Excel and CSV input turned into typed values, or a message naming it.

Every parser takes the raw value and the field's name and raises ValidationError with a one-line
message such as ``start_date: '2025-02-30' is not a date (February 2025 has no day 30)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.errors import ValidationError

DEFAULT_REMINDERS = "180,90,30,7"
MAX_INTEGER_DIGITS = 15
"""Digits a number may have before its decimal point (money up to 999 trillion)."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _missing(field: str) -> ValidationError:
    return ValidationError(f"{field}: a value is required")


def text(
    value: object, field: str, *, required: bool = False, max_len: int | None = None
) -> str | None:
    """Text with surrounding blanks removed; empty text is None."""
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if "\x00" in result:  # no text has one; PostgreSQL cannot store it
        raise ValidationError(f"{field}: the text holds a NUL character (\\x00)")
    if max_len is not None and len(result) > max_len:
        raise ValidationError(f"{field}: longer than {max_len} characters")
    return result


ELLIPSIS = "…"


def shorten(text: str, max_len: int) -> str:
    """As much of `text` as fits in `max_len` characters, cut at a word boundary where there is
    one in the second half, ending in "…" (SPEC §5: long text never loses a row)."""
    if len(text) <= max_len:
        return text
    room = max_len - len(ELLIPSIS)
    if room <= 0:
        return ELLIPSIS[:max_len]
    head = text[: room + 1]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    kept = head[:cut] if cut >= room // 2 else text[:room]
    return kept.rstrip(" \t\n,;:-") + ELLIPSIS


def integer(
    value: object,
    field: str,
    *,
    required: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """A whole number (a whole float from Excel is accepted)."""
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field}: {_show(value)} is not a whole number")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(f"{field}: {value} is not a whole number")
        number = int(value)
    elif isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValidationError(f"{field}: {value} is not a whole number")
        number = int(value)
    else:
        raw = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValidationError(f"{field}: {_show(value)} is not a whole number")
        number = int(raw)
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field}: {number} must be {minimum} or more")
    if maximum is not None and number > maximum:
        raise ValidationError(f"{field}: {number} must be {maximum} or less")
    return number


def decimal(
    value: object, field: str, *, required: bool = False, minimum: Decimal | None = None
) -> Decimal | None:
    """An exact decimal number (floats go through their shortest repr: 0.1 stays 0.1)."""
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{field}: {_show(value)} is not a number")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidOperation
            number = Decimal(repr(value))
        else:
            number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{field}: {_show(value)} is not a number") from None
    if not number.is_finite():
        raise ValidationError(f"{field}: {_show(value)} is not a number")
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValidationError(
            f"{field}: {_show(value)} is too large (at most {MAX_INTEGER_DIGITS} digits before "
            "the decimal point)"
        )
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field}: {number} must be {minimum} or more")
    return number


CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "₹": "INR", "₣": "CHF"}
AMOUNT_EXAMPLE = "write it like 120000.00, 120,000.00 or 120.000,00"


def amount_and_currency(value: object) -> tuple[Decimal | None, str | None]:
    """An amount and the currency it names, from `$1,317,169.92 CAD`, `"999,999 "`, `£1,234`.

    A comma followed by exactly three digits separates thousands; any other comma is the
    decimal separator (and dots are then thousands separators): `120.000,00` and `120,000.00`
    are both 120000.00.
    """
    if _blank(value):
        return None, None
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not an amount")
    if isinstance(value, int | Decimal):
        return Decimal(value), None
    if isinstance(value, float):
        return decimal(value, "annual_value"), None
    raw = str(value).strip()
    words = re.findall(r"[A-Za-z]+", raw)
    if len(words) > 1 or (words and len(words[0]) != 3):
        raise ValidationError(f"{raw!r} is not an amount")
    code = words[0].upper() if words else None
    if code is None:
        code = next((c for s, c in CURRENCY_SYMBOLS.items() if s in raw), None)
    negative = raw.startswith("-") or raw.endswith("-") or (
        raw.startswith("(") and raw.endswith(")")
    )
    number = re.sub(r"[^0-9,.]", "", raw)
    if not re.search(r"\d", number):
        raise ValidationError(f"{raw!r} is not an amount")
    decimal_comma = any(
        not re.fullmatch(r"\d{3}", part[:3]) or re.match(r"\d{4}", part)
        for part in number.split(",")[1:]
    )
    if decimal_comma:
        if number.count(",") > 1:
            raise ValidationError(f"{raw!r} is not an amount")
        number = number.replace(".", "").replace(",", ".")
    else:
        number = number.replace(",", "")
        if number.count(".") > 1:
            number = number.replace(".", "")
    try:
        result = Decimal(number)
    except InvalidOperation:
        raise ValidationError(f"{raw!r} is not an amount") from None
    return (-result if negative else result), code


def money(
    value: object, field: str, *, required: bool = False, minimum: Decimal | None = None
) -> Decimal | None:
    """An amount typed by a person in their own way: `120.000,00`, `120,000.00`, `120000`.

    Read as the foreign importer reads amounts (amount_and_currency), except what two locales
    read differently: `120.000` is 120 to one and 120 thousand to another, so it is refused
    with an example rather than guessed. The currency has a field of its own.
    """
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,3}\.\d{3}\s*", value):
        raise ValidationError(
            f"{field}: {value.strip()!r} could be read two ways; {AMOUNT_EXAMPLE}")
    try:
        number, code = amount_and_currency(value)
    except ValidationError:
        raise ValidationError(
            f"{field}: {_show(value)} is not an amount; {AMOUNT_EXAMPLE}") from None
    if code is not None:
        raise ValidationError(
            f"{field}: write the amount without its currency ({code}); the currency has a "
            "field of its own")
    assert number is not None
    if not number.is_finite():
        raise ValidationError(f"{field}: {_show(value)} is not an amount; {AMOUNT_EXAMPLE}")
    if minimum is not None and number < minimum:
        raise ValidationError(f"{field}: {number} must be {minimum} or more")
    return number


def day(value: object, field: str, *, required: bool = False) -> date | None:
    """A calendar date: a date, the date part of a datetime, or text YYYY-MM-DD."""
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            reason = date_problem(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
            raise ValidationError(f"{field}: {_show(value)} is not a date ({reason})") from None
    raise ValidationError(f"{field}: {_show(value)} is not a date (YYYY-MM-DD)")


def date_problem(year: int, month: int, day_number: int) -> str:
    """Why year-month-day is not a date, in words: 'February 2025 has no day 30'."""
    if not 1 <= month <= 12:
        return f"there is no month {month}; months run from 01 to 12"
    if year < 1:
        return f"there is no year {year}"
    if day_number < 1:
        return f"there is no day {day_number}; days start at 01"
    return f"{MONTH_NAMES[month - 1]} {year} has no day {day_number}"


def choice(
    value: object, field: str, options: Sequence[str], *, required: bool = False
) -> str | None:
    """One of the options, matched without regard to case."""
    if _blank(value):
        if required:
            raise _missing(field)
        return None
    raw = str(value).strip().lower()
    for option in options:
        if option.lower() == raw:
            return option
    raise ValidationError(f"{field}: {_show(value)} is not one of {', '.join(options)}")


def reminder_days(value: object, field: str = "reminder_days") -> str:
    """The stored reminder list: empty means the default, 'none' means no reminders."""
    if _blank(value):
        return DEFAULT_REMINDERS
    if isinstance(value, int | float) and not isinstance(value, bool):
        parts: list[object] = [value]
    else:
        raw = str(value).strip()
        if raw.lower() == "none":
            return ""
        parts = [p for p in re.split(r"[,;\s]+", raw) if p]
    days = []
    for part in parts:
        try:
            number = integer(part, field, minimum=0)
        except ValidationError:
            raise ValidationError(
                f"{field}: {_show(value)} is not a list of days like 180,90,30,7 (or none)"
            ) from None
        assert number is not None
        days.append(number)
    return ",".join(str(d) for d in days)


def currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 code; empty means EUR."""
    if _blank(value):
        return "EUR"
    raw = str(value).strip()
    if not _CURRENCY.fullmatch(raw):
        raise ValidationError(f"{field}: {_show(value)} is not a currency code like EUR or USD")
    return raw.upper()


def email(value: object, field: str = "email") -> str | None:
    """An e-mail address (a light check: one @, no spaces)."""
    result = text(value, field, max_len=254)
    if result is not None and not _EMAIL.fullmatch(result):
        raise ValidationError(f"{field}: {_show(result)} is not an e-mail address")
    return result


def clause_number(value: object, field: str = "number") -> str:
    """A clause number as text; a non-whole number from Excel is refused (7.10 became 7.1)."""
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError(
            f"{field}: {value} is a number, not text (Excel turns 7.10 into 7.1): "
            "format the column as text"
        )
    result = text(value, field, required=True, max_len=50)
    assert result is not None
    return result


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control picture: ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # a C1 control (0x80-0x9f) has no picture


def visible_controls(value: str) -> str:
    """Text with its control characters shown as symbols (ESC as ␛), line breaks and tabs kept.

    For files that other programs show or print as they are (a calendar): a control sequence
    from user text must not reach a terminal or a parser as a control.
    """
    return _CONTROLS.sub(_picture, value) if _CONTROLS.search(value) else value


_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
     *(f"LPT{i}" for i in range(1, 10))]
)
_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_file_name(name: str, default: str = "document") -> str:
    """A stored file name made safe to save under: one plain name, never a path.

    Folders (`/` or `\\`), drive letters, `..`, control characters and characters Windows
    refuses are dropped or replaced, a reserved device name (CON, NUL, ...) gets a leading
    `_`, and the name is cut to 255 bytes (its extension kept). Nothing left: `default`.
    """
    base = re.split(r"[/\\]", name)[-1]
    base = _NOT_IN_NAMES.sub("_", base).strip(" .")
    if not base or set(base) <= {"_"}:
        return default
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    if stem.split(".")[0].upper() in _RESERVED_NAMES:
        base = "_" + base
    while len(base.encode("utf-8")) > 255:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            base = stem[:-1].rstrip(" .") + "." + extension
        else:
            base = base[:-1].rstrip(" .")
    return base or default
