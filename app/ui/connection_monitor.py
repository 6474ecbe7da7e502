"""While the server is away: ask it every few seconds whether it is back (`db.ping()`).

`ctx.connection_lost` closes the write gate and the window shows its banner; this monitor then
pings the database off the GUI thread (a ping to a server that is gone may take the network's
time to fail) every PING_SECONDS, and the first answer calls `ctx.connection_restored`: editing
goes on and every view loads what it missed.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from app.ui.context import AppContext

log = logging.getLogger("clausekeeper.ui")

PING_SECONDS = 3.0


class ConnectionMonitor(QObject):
    """Pings the database while the connection is lost; reports when it is back."""

    _answered = Signal(object, bool)  # database, answered

    def __init__(
        self, ctx: AppContext, interval: float = PING_SECONDS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval * 1000))
        self.timer.timeout.connect(self.ping)
        self._pinging = False
        self.pings = 0
        self._answered.connect(self._on_answer)
        ctx.connection_changed.connect(self._connection_changed)
        if not ctx.connected:
            self.timer.start()

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()

    def ping(self) -> None:
        """Ask the server (on a thread of its own; one ping at a time)."""
        if self._pinging:
            return
        self._pinging = True
        self.pings += 1
        db = self.ctx.db
        threading.Thread(target=self._ping, args=(db,), name="ping-database",
                         daemon=True).start()

    def _ping(self, db: Any) -> None:
        try:
            answered = bool(db.ping())
        except Exception:  # noqa: BLE001 - not back yet
            log.debug("ping failed", exc_info=True)
            answered = False
        try:
            self._answered.emit(db, answered)
        except RuntimeError:  # shutting down
            pass

    def _on_answer(self, db: Any, answered: bool) -> None:
        self._pinging = False
        if answered and db is self.ctx.db:
            self.ctx.connection_restored()

    def stop(self) -> None:
        self.timer.stop()
