"""Seeing each other's work: what another desk (or the command line) commits appears here.

A thread of its own asks the store's change feed (`app.store.change_feed.ChangeFeed`: SQLite's
data_version, PostgreSQL's LISTEN/NOTIFY) about once a second whether another connection
committed. When one did, it reads which kinds of record were written since the revision this
window has shown (`app.store.revision.changed_since`: every write leaves audit rows) and the GUI
thread announces them through `ctx.changed`, so the open views refresh what they show (each
keeps its page, selection, scroll position, sort and filter) and the dashboard's figure cache
sees the new revision.

The window's own writes are announced by the code that made them; the watcher notes the revision
after each of them, so they are not refreshed a second time. While the user is typing into a
table cell (the knowledge matrix, the SLA grid), the refresh waits until the cell is left, so
nothing typed is thrown away. A poll that finds the server gone
reports it (`ctx.connection_lost`), and so does a ping every few polls that gets no answer (the
feed itself reconnects quietly); the connection monitor takes over until the server is back.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from app.errors import ConnectionLostError

if TYPE_CHECKING:
    from app.store.engine import Database
    from app.store.revision import Revision
    from app.ui.context import AppContext

log = logging.getLogger("clausekeeper.ui")

POLL_SECONDS = 1.0
PING_EVERY = 3  # polls: the feed reconnects quietly, so the server is asked itself this often


class ChangeWatcher(QObject):
    """Polls the change feed off the GUI thread; announces other desks' writes."""

    external_change = Signal(str)  # the entity announced ("*" for several)
    _found = Signal(object, object, object)  # database, entities (None: unknown), Revision
    _lost = Signal(object, str)  # database, reason

    def __init__(
        self, ctx: AppContext, interval: float = POLL_SECONDS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.interval = interval
        self._lock = threading.Lock()
        self._seen: Revision | None = None  # the newest revision this window has shown
        self._own_token = ""
        self._announcing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._db: Database | None = None
        self.polls = 0
        self.announced = 0
        self._waiting: set[str] | None = set()  # entities held back while a cell is edited
        self._held = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(500)
        self._retry.timeout.connect(self._announce_held)
        self._found.connect(self._on_found)
        self._lost.connect(self._on_lost)
        ctx.data_changed.connect(self._own_change)
        ctx.database_changed.connect(self.restart)

    # running ----------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        db = self.ctx.db
        self._db = db
        self._stop = threading.Event()
        with self._lock:
            self._seen = None
        self._thread = threading.Thread(
            target=self._run, args=(db, self._stop), name="change-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop polling (a poll stuck on a server that is gone is left behind: a daemon)."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout)

    def restart(self) -> None:
        """Another database: watch that one."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # the thread -------------------------------------------------------------------------------

    def _run(self, db: Database, stop: threading.Event) -> None:
        feed: Any = None
        try:
            while not stop.is_set():
                try:
                    if feed is None:
                        from app.store.change_feed import ChangeFeed
                        from app.store.revision import current_revision

                        feed = ChangeFeed(db)
                        with db.session() as session:
                            first = current_revision(session)
                        with self._lock:
                            if self._seen is None:
                                self._seen = first
                    self.polls += 1
                    if feed.changed():
                        self._look(db)
                    elif self.polls % PING_EVERY == 0 and self.ctx.connected and not db.ping():
                        self._emit(self._lost, db, "the database server does not answer")
                except ConnectionLostError as exc:
                    self._emit(self._lost, db, str(exc))
                    feed = self._close(feed)
                except Exception:  # noqa: BLE001 - a poll that fails is tried again
                    log.debug("change watcher: poll failed", exc_info=True)
                    feed = self._close(feed)
                stop.wait(self.interval)
        finally:
            self._close(feed)

    def _look(self, db: Database) -> None:
        from app.store.revision import changed_since, current_revision

        with self._lock:
            base = self._seen
        with db.session() as session:
            revision = current_revision(session)
            if base is not None and revision.token == base.token:
                return  # our own write, already shown
            entities = changed_since(session, base) if base is not None else None
        with self._lock:
            self._seen = revision
        self._emit(self._found, db, entities, revision)

    @staticmethod
    def _close(feed: Any) -> None:
        if feed is not None:
            try:
                feed.close()
            except Exception:  # noqa: BLE001 - closing a feed whose server is gone
                log.debug("change watcher: closing the feed failed", exc_info=True)

    def _emit(self, signal: Any, *values: Any) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:  # the application is shutting down
            self._stop.set()

    # the GUI thread ---------------------------------------------------------------------------

    def _own_change(self, _entity: str) -> None:
        """This window wrote (or refreshed): what is stored now has been shown."""
        if self._announcing or not self.ctx.connected or self._thread is None:
            return
        from app.store.revision import current_revision

        try:
            with self.ctx.session() as session:
                revision = current_revision(session)
        except Exception:  # noqa: BLE001 - the watcher's next poll finds out what is wrong
            log.debug("change watcher: reading the revision failed", exc_info=True)
            return
        with self._lock:
            self._seen = revision
        self._own_token = revision.token

    def _on_found(self, db: Database, entities: set[str] | None, revision: Revision) -> None:
        if db is not self.ctx.db or revision.token == self._own_token:
            return
        if entities is not None and not entities:
            return
        self._hold(entities)
        self._announce_held()

    def _hold(self, entities: set[str] | None) -> None:
        self._held = True
        if entities is None or self._waiting is None:
            self._waiting = None  # unknown: everything
        else:
            self._waiting |= entities

    def _announce_held(self) -> None:
        if not self._held:
            return
        if _editing_a_cell():
            self._retry.start()  # the user is typing into a table: after they leave the cell
            return
        entities, self._waiting, self._held = self._waiting, set(), False
        entity = next(iter(entities)) if entities is not None and len(entities) == 1 else "*"
        self.announced += 1
        self._announcing = True
        try:
            self.ctx.changed(entity)
        finally:
            self._announcing = False
        self.external_change.emit(entity)

    def _on_lost(self, db: Database, reason: str) -> None:
        if db is self.ctx.db:
            self.ctx.connection_lost(reason)


def _editing_a_cell() -> bool:
    """The keyboard is in a table cell's editor (its typed value not saved yet)."""
    widget: QWidget | None = QApplication.focusWidget()
    while widget is not None:
        if isinstance(widget, QAbstractItemView):
            return widget.state() == QAbstractItemView.State.EditingState
        widget = widget.parentWidget()
    return False
