"""Run a view's background computations one after the other, and after the one that matters most.

Portfolio-wide computations pause Python's cyclic collector while they build their records
(app.services.collector). Two of them at once on the enterprise portfolio make the second run
with the collector switched back on by the first, walking a heap of millions of objects, which
stalls every thread — the GUI's too — for a second. The knowledge page's forecast and successors
therefore wait for the clause list's computation and then run one at a time.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from app.ui import workers


class Sequencer(QObject):
    """Start submitted computations one at a time, by priority, while `held()` is False."""

    def __init__(
        self, held: Callable[[], bool], priority: tuple[str, ...] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._held = held
        self._priority = priority
        self._waiting: dict[str, Callable[[], workers.Op]] = {}
        self._running: workers.Op | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.release)

    def submit(self, key: str, start: Callable[[], workers.Op]) -> None:
        """Run `start()` (which starts a worker and returns its Op) when its turn comes; a key
        submitted again before its turn runs once. Nothing starts before control returns to the
        event loop, so that every view told of the same change has had its say (the clause list
        has started its computation and holds the others)."""
        self._waiting[key] = start
        self._timer.start()

    def release(self) -> None:
        """Start the next computation, if none runs and nothing holds them."""
        while self._running is None and self._waiting and not self._held():
            key = min(self._waiting, key=self._rank)
            start = self._waiting.pop(key)
            op = start()
            if not op.done:  # a synchronous run (tests) is over already
                self._running = op
                op.finished.connect(self._finished)

    def _finished(self) -> None:
        self._running = None
        self.release()

    def _rank(self, key: str) -> int:
        return self._priority.index(key) if key in self._priority else len(self._priority)

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._waiting)


def request(sequencer: Sequencer | None, key: str, start: Callable[[], workers.Op]) -> None:
    """Start now without a sequencer, else when the sequencer's turn comes."""
    if sequencer is None:
        start()
    else:
        sequencer.submit(key, start)
