"""The change feed (issue #15): open views learn within 5 s that another desk committed something.

On one SQLite file (PRAGMA data_version) and one PostgreSQL database (LISTEN/NOTIFY), with the
other desk a second connection or another process (the command line).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.store import portfolio_actions as actions
from app.store.change_feed import ChangeFeed
from app.store.engine import Database, open_database
from app.store.models import Vendor
from tests.conftest import pg_database_url
from tests.store.processes import run_cli

WITHIN = 5.0


def _reports_change(feed: ChangeFeed, within: float = WITHIN) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if feed.changed():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """(the --db target, this desk's open database); other desks open the same target."""
    if request.param == "sqlite":
        target = str(tmp_path / "shared.db")
        db = open_database(target)
        yield target, db
        db.close()
        return
    with pg_database_url() as target:
        db = open_database(target)
        yield target, db
        db.close()


def test_another_connection_commits_and_the_feed_says_so_once(
    shared: tuple[str, Database],
) -> None:
    target, mine = shared
    other = open_database(target)
    try:
        with ChangeFeed(mine) as feed:
            assert not feed.changed()
            with other.session() as s:
                actions.create_vendor(s, {"name": "Northwind IT"})
            assert _reports_change(feed)
            assert not feed.changed()  # reported once, not on every poll
            assert not _reports_change(feed, within=0.5)
    finally:
        other.close()


def test_reading_and_rolling_back_are_no_changes(shared: tuple[str, Database]) -> None:
    target, mine = shared
    other = open_database(target)
    try:
        with ChangeFeed(mine) as feed:
            with other.session() as s:
                s.execute(select(Vendor.id)).all()
            with pytest.raises(RuntimeError), other.session() as s:
                actions.create_vendor(s, {"name": "Rolled back"})
                raise RuntimeError("the user cancelled")
            assert not _reports_change(feed, within=1.0)
    finally:
        other.close()


def test_another_process_commits(shared: tuple[str, Database]) -> None:
    target, mine = shared
    with ChangeFeed(mine) as feed:
        result = run_cli("--db", target, "demo", "--seed", "2")
        assert result.returncode == 0, result.stderr
        assert _reports_change(feed)


def test_polled_from_a_worker_thread(shared: tuple[str, Database]) -> None:
    target, mine = shared
    seen = threading.Event()
    stop = threading.Event()
    feed = ChangeFeed(mine)

    def poll() -> None:
        while not stop.is_set():
            if feed.changed():
                seen.set()
            time.sleep(0.1)

    worker = threading.Thread(target=poll)
    worker.start()
    try:
        with mine.session() as s:
            actions.create_person(s, {"name": "Ann Berger"})
        assert seen.wait(WITHIN)
    finally:
        stop.set()
        worker.join()
        feed.close()
    assert not feed.changed()  # closed: quiet
