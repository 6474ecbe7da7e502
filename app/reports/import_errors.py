"""What every import says when the database refuses its writes (all or nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from app.errors import ClausekeeperError


@contextmanager
def refused_by_database(file_name: str) -> Iterator[None]:
    """Turn a unique key or reference the database enforces into the import's error.

    Nothing of the import stays: the caller rolls its transaction back.
    """
    try:
        yield
    except IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ClausekeeperError(
            f"{file_name}: the database refused the import ({reason}); nothing was imported"
        ) from None


MAX_CSV_BYTES = 200 * 1024 * 1024
"""The largest CSV file read (it is read whole; the enterprise measurements are about 30 MB)."""


def refuse_oversized_csv(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ClausekeeperError(
            f"{path.name} is {size / 2**20:,.0f} MB; at most {MAX_CSV_BYTES // 2**20} MB accepted"
        )
