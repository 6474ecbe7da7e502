"""Figures are reused only while nothing they depend on was written since (SPEC §7, issue 12)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.figure_cache import FigureCache, Part, database_key
from app.store.engine import Database, open_database
from app.store.models import Contract, Measurement, Sla, Vendor

D = date(2025, 6, 15)


def _count(model: Any) -> Any:
    return lambda session, _values: session.scalar(select(func.count()).select_from(model))


def _parts(calls: list[str]) -> list[Part]:
    def contracts(session: Session, values: Mapping[str, Any]) -> int:
        calls.append("contracts")
        return int(_count(Contract)(session, values))

    def measurements(session: Session, values: Mapping[str, Any]) -> int:
        calls.append("measurements")
        return int(_count(Measurement)(session, values))

    def summary(session: Session, values: Mapping[str, Any]) -> str:
        calls.append("summary")
        return f"{values['contracts']} contracts"

    return [
        Part("contracts", frozenset({"Contract"}), contracts),
        Part("measurements", frozenset({"Measurement", "Sla"}), measurements),
        Part("summary", frozenset(), summary, uses=("contracts",)),
    ]


@pytest.fixture
def filled(db: Database) -> Database:
    with db.session() as s:
        vendor = Vendor(name="Acme")
        contract = Contract(reference="C-1", title="Desk", vendor=vendor, start_date=D,
                            initial_term_months=12, renewal="none")
        s.add(Sla(contract=contract, name="Uptime", target=Decimal(99), direction="higher",
                  period="monthly"))
    return db


def _figures(db: Database, cache: FigureCache, calls: list[str], as_of: date = D) -> Any:
    with db.session() as s:
        return cache.figures(s, "test", as_of, _parts(calls))


def test_unchanged_data_is_served_from_the_cache(filled: Database, tmp_path: Path) -> None:
    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    first = _figures(filled, cache, calls)
    assert first.values == {"contracts": 1, "measurements": 0, "summary": "1 contracts"}
    assert calls == ["contracts", "measurements", "summary"]
    calls.clear()
    again = _figures(filled, FigureCache(database_key(filled), tmp_path), calls)  # a new start
    assert again.from_cache and calls == [] and again.values == first.values
    # Another as-of date is another set of figures.
    _figures(filled, cache, calls, date(2025, 7, 1))
    assert calls == ["contracts", "measurements", "summary"]


def test_an_edit_recomputes_what_it_touches_and_what_uses_that(
    filled: Database, tmp_path: Path
) -> None:
    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    _figures(filled, cache, calls)
    with filled.session() as s:
        sla = s.scalars(select(Sla)).one()
        s.add(Measurement(sla=sla, period_start=date(2025, 5, 1), value=Decimal("99.5")))
    calls.clear()
    after = _figures(filled, cache, calls)
    assert calls == ["measurements"]  # contracts and the summary are still current
    assert after.values["measurements"] == 1
    with filled.session() as s:
        s.scalars(select(Contract)).one().title = "Service desk"
    calls.clear()
    _figures(filled, cache, calls)
    assert calls == ["contracts", "summary"]


def test_another_process_writing_is_never_hidden(filled: Database, tmp_path: Path) -> None:
    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    assert _figures(filled, cache, calls).values["contracts"] == 1
    target = str(filled.path) if filled.is_sqlite else filled.url.render_as_string(
        hide_password=False
    )
    script = (
        "import sys; from datetime import date; from app.store.engine import open_database;"
        "from app.store.models import Contract, Vendor;"
        "db = open_database(sys.argv[1]);"
        "s = db.factory(); v = s.query(Vendor).one();"
        "s.add(Contract(reference='C-2', title='Other desk', vendor=v,"
        " start_date=date(2025, 1, 1), initial_term_months=12, renewal='none')); s.commit()"
    )
    subprocess.run([sys.executable, "-c", script, target], check=True)
    calls.clear()
    assert _figures(filled, cache, calls).values["contracts"] == 2
    assert calls == ["contracts", "summary"]


@pytest.mark.sqlite_only  # replaces the database file
def test_a_restored_backup_or_another_database_at_the_same_place_misses(
    filled: Database, tmp_path: Path
) -> None:
    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    _figures(filled, cache, calls)
    path = filled.path
    assert path is not None
    filled.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    fresh = open_database(str(path))  # empty: its audit trail is not the cached one's
    try:
        calls.clear()
        assert _figures(fresh, cache, calls).values["contracts"] == 0
        assert calls == ["contracts", "measurements", "summary"]
    finally:
        fresh.close()


def test_a_damaged_cache_file_is_recomputed(filled: Database, tmp_path: Path) -> None:
    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    _figures(filled, cache, calls)
    (cached,) = tmp_path.glob("*.pickle")
    assert cached.stat().st_mode & 0o077 == 0  # the user's only
    cached.write_bytes(b"not a pickle")
    calls.clear()
    assert _figures(filled, cache, calls).values["contracts"] == 1
    assert calls == ["contracts", "measurements", "summary"]


@pytest.mark.sqlite_only  # start-up looks at SQLite files only
def test_a_look_before_opening_serves_only_the_figures_of_the_data_as_it_is(
    filled: Database, tmp_path: Path
) -> None:
    """Start-up peeks at the cache with the standard library only (app.store.quick_look):
    figures are served while the file is at the revision and schema they were computed at."""
    from app.store.quick_look import Look, look, sqlite_file

    path = sqlite_file(str(filled.path))
    assert path is not None
    cache = FigureCache(str(path), tmp_path)
    assert str(path) == database_key(filled)  # the key start-up computes is the engine's
    calls: list[str] = []
    computed = _figures(filled, cache, calls).values
    now = look(path)
    assert now is not None and now.schema
    assert cache.peek("test", D, now) == computed
    assert cache.peek("test", date(2025, 6, 16), now) is None  # another as-of date
    assert cache.peek("test", D, Look("0000", now.last_id, now.at)) is None  # another schema
    with filled.session() as s:
        s.add(Vendor(name="Beta"))
    later = look(path)
    assert later is not None and later != now
    assert cache.peek("test", D, later) is None  # a write since: never the older figures


@pytest.mark.sqlite_only  # start-up looks at SQLite files only
def test_a_look_reads_only_plain_figure_data(filled: Database, tmp_path: Path) -> None:
    from app.store.quick_look import look

    cache = FigureCache(database_key(filled), tmp_path)
    parts = [Part("where", frozenset(), lambda _s, _v: Path("/elsewhere"))]
    with filled.session() as s:
        assert cache.figures(s, "odd", D, parts).values == {"where": Path("/elsewhere")}
    assert filled.path is not None
    now = look(filled.path)
    assert now is not None
    assert cache.peek("odd", D, now) is None  # pathlib is not figure data: no peek


def test_only_an_existing_sqlite_file_is_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.store.quick_look import look, sqlite_file

    assert sqlite_file("postgresql://desk@server/portfolio") is None
    assert sqlite_file(str(tmp_path / "missing.db")) is None
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert sqlite_file(str(junk)) == junk.resolve()
    assert look(junk) is None
    monkeypatch.setenv("CLAUSEKEEPER_DB", str(junk))
    assert sqlite_file(None) == junk.resolve()


@pytest.mark.sqlite_only  # start-up looks at SQLite files only
def test_figures_reused_after_an_unrelated_write_are_kept_at_the_new_revision(
    filled: Database, tmp_path: Path
) -> None:
    """A write that changes no part still moves the revision: the parts it did not touch are
    kept again at the new one, so the next start-up's look still finds them current."""
    from app.store.quick_look import look

    cache = FigureCache(database_key(filled), tmp_path)
    parts = [Part("contracts", frozenset({"Contract"}), _count(Contract))]
    with filled.session() as s:
        cache.figures(s, "only", D, parts)
    with filled.session() as s:
        s.add(Vendor(name="Beta"))  # not a contract: nothing to recompute
    with filled.session() as s:
        outcome = cache.figures(s, "only", D, parts)
    assert outcome.from_cache
    assert filled.path is not None
    now = look(filled.path)
    assert now is not None and cache.peek("only", D, now) == {"contracts": 1}


@pytest.mark.sqlite_only  # start-up looks at SQLite files only
def test_an_import_is_never_hidden(filled: Database, tmp_path: Path) -> None:
    """A bulk import writes its audit rows like any edit: the figures it touches are computed
    again, and start-up's look no longer serves the ones kept before it."""
    from app.reports.measurements_import import import_measurements
    from app.store.quick_look import look

    cache = FigureCache(database_key(filled), tmp_path)
    calls: list[str] = []
    assert _figures(filled, cache, calls).values["measurements"] == 0
    assert filled.path is not None
    before = look(filled.path)
    assert before is not None and cache.peek("test", D, before) is not None
    measurements = tmp_path / "desk.csv"
    measurements.write_text("contract,sla,period,value\nC-1,Uptime,2025-05,99.5\n")
    with filled.session() as s:
        import_measurements(s, measurements)
    after = look(filled.path)
    assert after is not None and cache.peek("test", D, after) is None
    calls.clear()
    assert _figures(filled, cache, calls).values["measurements"] == 1
    assert calls == ["measurements"]  # the contracts part did not depend on it


@pytest.mark.sqlite_only  # start-up looks at SQLite files only
def test_a_look_tells_what_kinds_of_record_were_written_since(filled: Database) -> None:
    """The standard-library twin of app.store.revision.changed_since, for start-up."""
    from app.store.quick_look import changed_since, look
    from app.store.revision import changed_since as changed_since_orm
    from app.store.revision import current_revision

    assert filled.path is not None
    before = look(filled.path)
    assert before is not None
    with filled.session() as s:
        s.add(Vendor(name="Beta"))
        revision = current_revision(s)
    assert changed_since(filled.path, before.last_id, before.at) == {"Vendor"}
    with filled.session() as s:
        old = type(revision)(before.last_id, before.at)
        assert changed_since_orm(s, old) == {"Vendor"}
    assert changed_since(filled.path, before.last_id, date(2001, 1, 1)) is None  # not this state
    assert changed_since(filled.path, revision.last_id, revision.at) == set()
