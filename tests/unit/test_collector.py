"""The collector pause is shared by the workers: the last one out turns it back on."""

from __future__ import annotations

import gc
import threading

from app.services.collector import collector_paused, release


def test_overlapping_pauses_of_two_threads_end_with_the_last() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread still builds its records
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_release_empties_lists() -> None:
    big = list(range(10_001))
    small = [1]
    release(big, small, chunk=1_000)
    assert big == [] and small == []
