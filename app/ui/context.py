"""What every window and view shares: the open database, the as-of date, the undo stack.

Views listen to `data_changed` (with the entity that changed: "Contract", "Vendor", "Person",
"Clause", "Knowledge", "Sla", "Measurement", "CreditNote", "Document", "Setting", or "*" for
everything) and refresh only what they show. Workers never touch widgets: they take plain data or
ids, open their own session through `ctx.db`, and report back through signals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

if TYPE_CHECKING:  # the shell shows its window before SQLAlchemy is imported
    from sqlalchemy.orm import Session

    from app.store.engine import Database


class AppContext(QObject):
    data_changed = Signal(str)
    as_of_changed = Signal(object)
    database_changed = Signal()

    def __init__(self, db: Database, as_of: date | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._db = db
        self._as_of = as_of or date.today()
        self._pinned = as_of is not None
        self.undo_stack = QUndoStack(self)

    @property
    def db(self) -> Database:
        return self._db

    def set_database(self, db: Database) -> None:
        """Switch to another database; the old one is closed and the undo history cleared."""
        old = self._db
        self._db = db
        self.undo_stack.clear()
        if old is not db:
            old.close()
        self.database_changed.emit()
        self.data_changed.emit("*")

    @property
    def as_of(self) -> date:
        return self._as_of

    def set_as_of(self, value: date) -> None:
        if value != self._as_of:
            self._as_of = value
            self._pinned = True
            self.as_of_changed.emit(value)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._db.session() as s:
            yield s

    def changed(self, entity: str = "*") -> None:
        self.data_changed.emit(entity)
