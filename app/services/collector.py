"""Pausing Python's cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_holders = 0  # pauses in progress (all threads)
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector while hundreds of thousands of records are built or written.

    The records hold no reference cycles and are freed by reference counting; without the
    pause the collector walks the growing heap again and again (a fifth to a half of the time
    of a portfolio-wide computation or export). The collector is process-wide: it is turned
    back on when the last pause ends (a full collection while another thread still builds
    records would walk its whole heap), and only if it was on before.
    """
    global _holders, _was_enabled
    with _lock:  # several workers may pause it at once: the last one out turns it back on
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                _age_what_was_built()
                gc.enable()


def _age_what_was_built() -> None:
    """Count the records built during the pause as old.

    The collector runs when allocations outnumber deallocations by its threshold: after a
    pause, the very next allocation would start a collection that walks every record the
    pause let through (the portfolio's 250,000 `gaps` rows: 50 ms, in the caller's time, for
    records that are kept). Freezing and unfreezing moves them to the oldest generation and
    resets that count; they are looked at again by the next full collection. Once the
    application's long-lived objects are frozen for good (freeze_long_lived), what the pause
    built is frozen with them: unfreezing cannot spare the others, and these records hold no
    cycles (see collector_paused), so reference counting still frees them.
    """
    gc.freeze()
    if not _frozen:  # else unfreezing would let the long-lived set back in too: they stay
        gc.unfreeze()


def release(*lists: list[Any], chunk: int = 2_000) -> None:
    """Empty large lists a chunk at a time.

    Freeing a million records in one go is one long C call that holds the interpreter: the GUI
    thread stalls meanwhile. Between chunks the interpreter can switch threads.
    """
    for items in lists:
        while items:
            del items[-chunk:]


_frozen = False


def freeze_long_lived() -> None:
    """Leave every object alive now out of the cyclic collector's passes (gc.freeze), once.

    A running application's modules, classes and windows live as long as it does; a full pass
    of the collector, started by whatever thread allocates next (a worker building a view's
    rows), would walk them all and hold the interpreter meanwhile — the GUI thread waits for
    it. Frozen, they are not walked again; objects made later are collected as before. Once
    per process: what is frozen is never collected, so only the first, long-lived set is.
    """
    global _frozen
    with _lock:
        if not _frozen:
            _frozen = True
            gc.freeze()
