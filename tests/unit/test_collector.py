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


def test_records_built_during_a_pause_do_not_start_a_collection_when_it_ends() -> None:
    """What a pause lets through is counted as old: the first allocations after it do not
    walk the records just built (and kept)."""
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(seen)
    try:
        with collector_paused():
            kept = [[i] for i in range(50_000)]  # tracked containers, far over the threshold
        assert gc.get_count()[0] < gc.get_threshold()[0]
        more = [[i] for i in range(10)]
        assert collections == []
    finally:
        gc.callbacks.remove(seen)
    assert len(kept) == 50_000 and len(more) == 10
    assert gc.isenabled()


def test_the_long_lived_set_stays_frozen_through_later_pauses(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gc

    from app.services import collector

    monkeypatch.setattr(collector, "_frozen", False)
    collector.freeze_long_lived()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with collector.collector_paused():
        rows = [[i] for i in range(10_000)]
    assert gc.get_freeze_count() >= frozen  # not let back into the collector's passes
    assert len(rows) == 10_000
