"""Rows of bulk selects straight from the database driver: no per-row SQLAlchemy work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, TypeVarTuple, cast

from sqlalchemy import Select
from sqlalchemy.orm import Session

_Ts = TypeVarTuple("_Ts")
_V = TypeVar("_V")

MMAP_BYTES = 1 << 30
"""How much of a SQLite file bulk reads map into memory (address space, not memory used)."""


def fetch(session: Session, query: Select[*_Ts]) -> list[tuple[*_Ts]]:
    """The rows of a select of ids, numbers, dates and text, as the driver's plain tuples.

    For hundreds of thousands of rows, building SQLAlchemy Row objects and running result
    processors costs more than the query, so the statement is compiled (with its bound values,
    which are only numbers, dates and texts of our own, written inline) and run on the
    session's driver connection, in the session's transaction. The values come as the driver
    gives them: on SQLite dates and exact decimals are text (see app.store.types), so use it
    for such columns only where the caller converts them.
    """
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    return fetch_sql(session, sql)


def fetch_sql(session: Session, sql: str) -> list[Any]:
    """All rows of a statement without parameters, as fetch gives them."""
    map_file(session)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def map_file(session: Session) -> None:
    """On SQLite, let the session's connection read the file through a memory map.

    Bulk reads then take pages straight from the operating system's cache instead of copying
    each into SQLite's own small one (a third less time for the clauses of the portfolio,
    whose rows carry long summaries). Set once per connection; other databases are untouched.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    record = connection.connection
    if not record.info.get("mapped"):
        connection.exec_driver_sql(f"PRAGMA mmap_size={MMAP_BYTES}")
        record.info["mapped"] = True


class TextValues(Generic[_V]):
    """Driver values converted, with a cache of the texts: SQLite hands dates and exact decimals
    back as text, and a portfolio shares few distinct ones (months, targets, percents).

    Values of other types (PostgreSQL's own dates and decimals) go through `other`, by default
    as they are; they are not cached (equal numbers such as Decimal("5.0") and 5 may differ in
    form).
    """

    def __init__(
        self, convert: Callable[[str], _V], other: Callable[[Any], _V] | None = None
    ) -> None:
        self.convert = convert
        self.other = other
        self.cache: dict[str, _V] = {}

    def get(self, value: Any) -> _V:
        if value.__class__ is not str:
            return cast(_V, value) if self.other is None else self.other(value)
        found = self.cache.get(value)
        if found is None:
            found = self.cache[value] = self.convert(value)
        return found
