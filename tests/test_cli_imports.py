"""`clausekeeper imports` and `clausekeeper undo-import ID` (SPEC §6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


def test_imports_listed_then_one_taken_back_under_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.db")
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("Contract No,Supplier,Start Date,End Date\n"
                      "L-1,Acme,2024-01-01,2024-12-31\nL-2,Acme,2024-03-01,\n", encoding="utf-8")
    assert main(["--db", db, "import-register", str(legacy)]) == 0
    assert main(["--db", db, "imports", "--json"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "imports", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert set(entry) >= {"id", "kind", "file", "sha256", "at", "by", "created", "updated",
                          "skipped", "shortened", "undone"}
    assert (entry["kind"], entry["file"], entry["created"], entry["undone"]) == (
        "foreign", "legacy.csv", 3, False)

    # A later edit through the register workbook blocks the undo, naming the record.
    from app.reports.register_export import write_register
    from app.store.engine import open_database

    database = open_database(db)
    with database.session() as session:
        write_register(session, tmp_path / "register.xlsx")
    database.close()
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "register.xlsx")
    wb["Contracts"]["B2"] = "Retitled"
    wb.save(tmp_path / "register.xlsx")
    assert main(["--db", db, "import", str(tmp_path / "register.xlsx")]) == 0
    capsys.readouterr()
    assert main(["--db", db, "undo-import", str(entry["id"])]) == 1
    err = capsys.readouterr().err
    assert "contract L-1: changed by" in err and "(import 2)" in err

    assert main(["--db", db, "undo-import", "2"]) == 0
    assert "import 2 (register.xlsx) was taken back: 0 records deleted, 1 restored" in (
        capsys.readouterr().out)
    assert main(["--db", db, "undo-import", str(entry["id"])]) == 0
    capsys.readouterr()
    assert main(["--db", db, "imports"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["id", "kind", "file", "at", "by", "created", "updated",
                                "skipped", "shortened", "undone"]
    assert [line.split()[0] for line in table[1:]] == ["2", "1"]
    assert main(["--db", db, "undo-import", "7"]) == 1
    assert "there is no import 7" in capsys.readouterr().err
