"""Natural ordering of clause numbers (SPEC §1): 7.2 before 7.10, numbers before letters."""

from __future__ import annotations

import re
from functools import lru_cache

_CHUNKS = re.compile(r"(\d+)")

NaturalKey = tuple[tuple[tuple[int, int, str], ...], str]


@lru_cache(maxsize=65536)
def natural_key(number: str) -> NaturalKey:
    """Sort key of a clause number: runs of digits compare as numbers, the rest as text.

    A run of digits sorts before text at the same position, so "7.2" < "7.10" < "7a" < "a";
    text compares without regard to case, and the original string breaks any remaining tie
    ("7" and "07", "a" and "A") so the order is total.
    """
    parts: list[tuple[int, int, str]] = []
    for index, chunk in enumerate(_CHUNKS.split(number.strip())):
        if not chunk:
            continue
        if index % 2:  # re.split puts the captured digit runs at odd positions
            parts.append((0, int(chunk), ""))
        else:
            parts.append((1, 0, chunk.casefold()))
    return tuple(parts), number
