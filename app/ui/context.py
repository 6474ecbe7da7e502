"""What every window and view shares: the open database, the as-of date, the undo stack.

Views listen to `data_changed` (with the entity that changed: "Contract", "Vendor", "Person",
"Clause", "Knowledge", "Sla", "Measurement", "CreditNote", "Document", "Setting", or "*" for
everything) and refresh only what they show. Workers never touch widgets: they take plain data or
ids, open their own session through `ctx.db`, and report back through signals.

Team use: `gate` (app.ui.editing) turns every editing control off while the database is
read-only or the connection to it is lost; `connection_changed` tells the window when the
server goes away and comes back (app.ui.connection_monitor pings it meanwhile).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.ui.editing import WriteGate

if TYPE_CHECKING:  # the shell shows its window before SQLAlchemy is imported
    from sqlalchemy.orm import Session

    from app.store.engine import Database


class AppContext(QObject):
    _open: weakref.WeakSet[AppContext] = weakref.WeakSet()

    data_changed = Signal(str)
    as_of_changed = Signal(object)
    database_changed = Signal()
    connection_changed = Signal(bool)  # False: the server went away; True: it is back

    def __init__(self, db: Database, as_of: date | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._db = db
        self._as_of = as_of or date.today()
        self._pinned = as_of is not None
        self.undo_stack = QUndoStack(self)
        self.gate = WriteGate(self)
        self._connected = True
        self._lost_reason = ""
        self._update_gate()
        AppContext._open.add(self)

    @classmethod
    def open_contexts(cls) -> list[AppContext]:
        return list(cls._open)

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
        self._connected = True
        self._update_gate()
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

    # team use: read-only databases and lost connections ----------------------------------------

    @property
    def read_only(self) -> bool:
        """The database refuses writes (a read-only role or file)."""
        return self._db.read_only

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def can_edit(self) -> bool:
        return self._connected and not self.read_only

    def where(self) -> str:
        """The database for messages: its server (host) or its file, never a password."""
        if self._db.is_sqlite:
            return self._db.describe()
        host = self._db.url.host
        if host:
            return str(host)
        from app.store.engine import server_name

        return server_name(self._db.url)

    def database_user(self) -> str:
        return self._db.user

    def connection_lost(self, reason: str = "") -> None:
        """A store call found the server gone: pause editing until it answers again."""
        self._lost_reason = reason
        if not self._connected:
            return
        self._connected = False
        self._update_gate()
        self.connection_changed.emit(False)

    def connection_restored(self) -> None:
        """The server answers again: editing goes on and every view loads what it missed."""
        if self._connected:
            return
        self._connected = True
        self._lost_reason = ""
        self._update_gate()
        self.connection_changed.emit(True)
        self.changed("*")

    @property
    def lost_reason(self) -> str:
        return self._lost_reason

    def _update_gate(self) -> None:
        if not self._connected:
            self.gate.close(f"Paused: the connection to {self.where()} is lost")
        elif self.read_only:
            user = self.database_user()
            who = f" for the database user {user}" if user else ""
            self.gate.close(f"The database is read-only{who}")
        else:
            self.gate.open()
