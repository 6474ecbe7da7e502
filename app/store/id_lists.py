"""`column IN (ids)` for long lists of ids.

On SQLite the ids travel as one JSON text read with json_each: binding or inlining thousands of
separate values costs more than the query (compiling such a statement takes milliseconds per
thousand values), and one statement replaces many chunks. Elsewhere it is a plain IN list.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import Integer, column, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement


def id_in(
    target: ColumnElement[Any] | InstrumentedAttribute[int], ids: Collection[int], sqlite: bool
) -> ColumnElement[bool]:
    """`target IN ids`, for any number of ids."""
    if sqlite:
        listed = func.json_each(json.dumps(sorted(ids)))
        return target.in_(select(column("value", Integer)).select_from(listed).scalar_subquery())
    return target.in_(sorted(ids))


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"
