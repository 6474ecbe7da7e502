"""Property-based fuzzing of the imports: junk and near-valid rows, cells and files.

Whatever the file holds, an import either succeeds (and writes what its summary says) or raises
a ClausekeeperError whose every line names the place (the file, or a sheet and row of it), and the
database is left exactly as it was. Any other exception is a bug (hypothesis shows the traceback).

CI runs CI_EXAMPLES per target (1,050 in all with the raw files, about 40 s); the long campaign
(`pytest -m fuzz_long`, deselected by default) runs FUZZ_LONG_EXAMPLES per target (default 5,000;
set the environment variable for more).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports.attestations import export_attestations
from app.reports.export import export_report
from app.reports.register_export import SHEETS
from app.store.engine import Database, open_database
from tests.conftest import pg_database
from tests.reports.conftest import AS_OF, build_portfolio, read_values, table_counts
from tests.reports.fuzz_targets import EXTREMES, HOSTILE_TEXTS, Sheets, Target, targets

CI_EXAMPLES = {
    "register": 100, "measurements-csv": 250, "measurements-xlsx": 150, "foreign-csv": 250,
    "foreign-xlsx": 150, "attestations": 100,
}
RAW_EXAMPLES = 150
LONG_EXAMPLES = int(os.environ.get("FUZZ_LONG_EXAMPLES", "5000"))

_FUZZ = {
    "deadline": None,
    "database": None,  # CI starts clean; a failure prints its reproducing example
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

SHEET_TABLES = {
    "Vendors": "vendors", "People": "people", "Contracts": "contracts", "Clauses": "clauses",
    "Knowledge": "knowledge", "SLAs": "slas", "Measurements": "measurements",
    "CreditNotes": "credit_notes",
}


# --- the database and the valid files ------------------------------------------------------


class _World:
    def __init__(self, db: Database, folder: Path, register: Sheets, attest: Sheets) -> None:
        self.db = db
        self.folder = folder
        self.targets = {t.name: t for t in targets(register, attest, AS_OF)}
        self.examples = 0


def _filled(db: Database, folder: Path) -> _World:
    with db.session() as session:
        build_portfolio(session)
    with db.session() as session:
        exported = export_report(session, "register", folder / "valid.xlsx", AS_OF)
    register = {
        title: [list(row) for row in rows] for title, rows in read_values(exported).items()
    }
    with db.session() as session:
        filled, _ = export_attestations(session, folder / "attestations.xlsx", AS_OF)
    attest = {title: [list(row) for row in rows] for title, rows in read_values(filled).items()}
    rows = attest["Attestations"]
    header = [str(name) for name in rows[0]]
    for row, level in zip(rows[1:], (3, 0, 4), strict=False):  # a filled campaign
        row[header.index("new_level")] = level
    return _World(db, folder, register, attest)


@pytest.fixture(scope="module")
def world() -> Iterator[_World]:
    with tempfile.TemporaryDirectory(prefix="ck-fuzz-") as name:
        db = open_database(str(Path(name) / "fuzz.db"))
        try:
            yield _filled(db, Path(name))
        finally:
            db.close()


@pytest.fixture(scope="module")
def pg_world() -> Iterator[_World]:
    with tempfile.TemporaryDirectory(prefix="ck-fuzz-") as name, pg_database() as db:
        yield _filled(db, Path(name))


# --- strategies -------------------------------------------------------------------------------

junk_cell = st.one_of(
    st.none(),
    st.sampled_from(HOSTILE_TEXTS),
    st.sampled_from(EXTREMES),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
)

MUTATIONS = (
    "cell", "cell", "cell", "blank", "row", "duplicate", "header", "truncate", "widen", "swap",
    "drop_sheet", "extra_sheet", "drop_row",
)


def _mutate(data: st.DataObject, valid: Sheets) -> Sheets:
    """The valid content with one to four changes, each a near miss or plain junk."""
    sheets = {title: [list(row) for row in rows] for title, rows in valid.items()}
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        if not sheets:
            break
        title = data.draw(st.sampled_from(sorted(sheets)), label="sheet")
        rows = sheets[title]
        kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
        if kind == "drop_sheet":
            del sheets[title]
            continue
        if kind == "extra_sheet":
            name = data.draw(st.sampled_from([*SHEETS, "Notes", "Sheet1"]), label="new sheet")
            sheets.setdefault(name, []).extend(
                data.draw(st.lists(st.lists(junk_cell, max_size=6), max_size=4), label="rows")
            )
            continue
        if not rows:
            rows.append([])
        index = data.draw(st.integers(0, len(rows) - 1), label="row")
        row = rows[index]
        if kind == "header":
            index = 0
            row = rows[0]
        if kind in ("cell", "blank", "header"):
            if not row:
                row.append(None)
            column = data.draw(st.integers(0, len(row) - 1), label="column")
            row[column] = None if kind == "blank" else data.draw(junk_cell, label="value")
        elif kind == "row":
            rows.insert(
                data.draw(st.integers(0, len(rows)), label="at"),
                data.draw(st.lists(junk_cell, max_size=len(row) + 2), label="junk row"),
            )
        elif kind == "duplicate":
            rows.append(list(row))
        elif kind == "truncate":
            del row[data.draw(st.integers(0, len(row)), label="keep") :]
        elif kind == "widen":
            row.extend(data.draw(st.lists(junk_cell, min_size=1, max_size=3), label="extra"))
        elif kind == "swap" and len(row) > 1:
            a, b = data.draw(st.permutations(range(len(row))), label="order")[:2]
            row[a], row[b] = row[b], row[a]
        elif kind == "drop_row":
            del rows[index]
    return sheets


# --- the rules every import is held to ---------------------------------------------------------

def _names_the_place(line: str, path: Path, sheets: Sheets) -> bool:
    """The line names the file, or starts with a sheet (`Contracts!5 title: ...`)."""
    if path.name in line or str(path) in line:
        return True
    return any(line.startswith((f"{s}!", f"{s}:", f"{s} ")) for s in {*sheets, *SHEETS})


def _counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return table_counts(session)


def _import_once(world: _World, target: Target, path: Path, sheets: Sheets) -> str:
    """Run the import as the CLI does and check the rules; 'imported' or 'refused'."""
    world.examples += 1
    db = world.db
    before = _counts(db)
    session: Session = db.factory()
    try:
        try:
            summary = target.run(session, path)
        except ClausekeeperError as exc:
            session.rollback()
            lines = exc.lines()
            assert lines, "an error without a message"
            for line in lines:
                assert line.strip() and "Traceback" not in line
                assert _names_the_place(line, path, sheets), f"no place named in {line!r}"
            assert _counts(db) == before, "a refused import changed the database"
            return "refused"
        after = table_counts(session)  # inside the import's own transaction
        _check_summary(target, summary, before, after)
        return "imported"
    finally:
        session.rollback()  # every example starts from the same database
        session.close()


def _check_summary(target: Target, summary: Any, before: dict[str, int],
                   after: dict[str, int]) -> None:
    if target.name == "register":
        for sheet, counts in summary.sheets.items():
            table = SHEET_TABLES.get(sheet)
            if table is not None:
                assert after[table] - before[table] == counts.added, (sheet, counts)
    elif target.name.startswith("measurements"):
        assert after["measurements"] - before["measurements"] == summary.imported
    elif target.name == "attestations":
        created = sum(1 for c in summary.changes if c.outcome == "created")
        removed = sum(1 for c in summary.changes if c.outcome == "removed")
        assert after["knowledge"] - before["knowledge"] == created - removed
    else:
        assert after["contracts"] - before["contracts"] == summary.imported
        for line, reason in summary.skipped:
            assert line >= 1 and reason.strip()


def _fuzz(world: _World, name: str, data: st.DataObject) -> None:
    target = world.targets[name]
    sheets = _mutate(data, target.valid)
    with tempfile.NamedTemporaryFile(suffix=target.suffix, dir=world.folder, delete=False) as fh:
        path = Path(fh.name)
    try:
        target.write(path, sheets)
        _import_once(world, target, path, sheets)
    finally:
        path.unlink(missing_ok=True)


def _raw(world: _World, name: str, content: bytes) -> None:
    target = world.targets[name]
    path = world.folder / f"raw{target.suffix}"
    path.write_bytes(content)
    _import_once(world, target, path, {})


# --- CI budget ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CI_EXAMPLES))
def test_imports_survive_junk_and_near_misses(world: _World, name: str) -> None:
    @settings(max_examples=CI_EXAMPLES[name], **_FUZZ)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, name, data)

    start = world.examples
    run()
    assert world.examples - start >= CI_EXAMPLES[name] * 0.9  # hypothesis ran the budget


def _raw_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=400),
        st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xff\xfe",
                         b"\xef\xbb\xbf", b"contract,sla\n\x00\x00"]).flatmap(
            lambda head: st.binary(max_size=200).map(lambda tail: head + tail)
        ),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


@settings(max_examples=RAW_EXAMPLES, **_FUZZ)
@given(name=st.sampled_from(sorted(CI_EXAMPLES)), content=_raw_bytes())
@example(name="foreign-csv", content=b"\xff\xfe\x00")  # found: a UTF-16 BOM, then odd bytes
def test_imports_refuse_raw_junk_files(world: _World, name: str, content: bytes) -> None:
    _raw(world, name, content)


PG_EXAMPLES = 40
"""Per target on PostgreSQL (its own types and limits: NUL in text, 32-bit integers)."""


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(CI_EXAMPLES))
def test_imports_survive_junk_on_postgresql(pg_world: _World, name: str) -> None:
    @settings(max_examples=PG_EXAMPLES, **_FUZZ)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(pg_world, name, data)

    run()


def test_the_ci_budget_is_at_least_a_thousand_examples() -> None:
    assert sum(CI_EXAMPLES.values()) + RAW_EXAMPLES >= 1000


# --- the long campaign (pytest -m fuzz_long) ----------------------------------------------------


@pytest.mark.fuzz_long
@pytest.mark.parametrize("name", sorted(CI_EXAMPLES))
def test_long_campaign(world: _World, name: str) -> None:
    @settings(max_examples=LONG_EXAMPLES, **_FUZZ)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        _fuzz(world, name, data)

    run()


@pytest.mark.fuzz_long
@settings(max_examples=LONG_EXAMPLES, **_FUZZ)
@given(name=st.sampled_from(sorted(CI_EXAMPLES)), content=_raw_bytes())
def test_long_campaign_raw_files(world: _World, name: str, content: bytes) -> None:
    _raw(world, name, content)
