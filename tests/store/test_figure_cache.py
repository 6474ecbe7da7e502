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
