"""What every import says when the database refuses its writes (all or nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
