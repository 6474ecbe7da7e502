"""The off-boarding simulation workbook: the answers of `simulate-leave --json`, a title row
with the as-of date, text never a live formula."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports.report_simulation import export_simulation
from app.services.knowledge import simulate_leave_json
from app.store.models import Clause, Contract, Knowledge, Person, Vendor

D = date(2026, 3, 1)


def _portfolio(session: Session) -> None:
    ann = Person(name="Ann", email="ann@x")
    bob = Person(name="=HYPERLINK(\"http://x\",\"Bob\")", email="bob@x")
    cat = Person(name="Cat", email="cat@x")

    def clause(number: str, title: str, criticality: int, *people: Person) -> Clause:
        return Clause(number=number, title=title, criticality=criticality,
                      knowledge=[Knowledge(person=p, level=3, verified_on=D) for p in people])

    session.add(Contract(
        reference="C-1", title="Desk", vendor=Vendor(name="Acme"), start_date=date(2026, 1, 1),
        initial_term_months=24, renewal="none",
        clauses=[clause("1", "=SUM(A1:A9)", 5, ann), clause("2", "Price", 3, ann, bob),
                 clause("3", "Exit", 4, cat), clause("4", "Audit", 2, bob, cat)],
    ))
    session.flush()


def test_the_workbook_holds_the_simulation(session: Session, tmp_path: Path) -> None:
    _portfolio(session)
    data = simulate_leave_json(session, D, ["ann@x", "bob@x"])
    assert [c["number"] for c in data["newly_orphaned"]] == ["1", "2"]
    path = export_simulation(data, tmp_path / "simulation.xlsx")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Contracts", "Newly orphaned", "People"]
    for ws in wb.worksheets:
        assert ws["A1"].value == "Off-boarding simulation as of 2026-03-01"
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    contracts = wb["Contracts"]
    assert [c.value for c in contracts[3]] == [
        "Contract", "Coverage before", "Coverage after", "Truck factor before",
        "Truck factor after",
    ]
    (entry,) = data["contracts"]
    assert [c.value for c in contracts[4]] == [
        "C-1", entry["coverage_before"], entry["coverage_after"],
        entry["truck_factor_before"], entry["truck_factor_after"],
    ]
    assert contracts["B4"].number_format.endswith("%")
    orphaned = wb["Newly orphaned"]
    assert [[c.value for c in row] for row in orphaned.iter_rows(min_row=4)] == [
        ["C-1", "1", "=SUM(A1:A9)", 5], ["C-1", "2", "Price", 3],
    ]
    people = wb["People"]
    assert [[c.value for c in row] for row in people.iter_rows(min_row=4)] == [
        ["Ann", "ann@x"], ['=HYPERLINK("http://x","Bob")', "bob@x"],
    ]


def test_a_folder_that_does_not_exist_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    _portfolio(session)
    data = simulate_leave_json(session, D, ["cat@x"])
    with pytest.raises(ClausekeeperError, match="does not exist"):
        export_simulation(data, tmp_path / "missing" / "simulation.xlsx")
    assert not (tmp_path / "missing").exists()
