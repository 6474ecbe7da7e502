"""The attestation workbook (SPEC §3a, §5): export, fill, import, and a bad file that changes
nothing. The portfolio is the hand-built one of conftest (stale after 18 months), on AS_OF:

- C-2021-014 is in scope with clauses 7.2 (Ann current, Bob stale and leaving soon), 7.10 (Cyd
  current) and a (never owned); C-2022-003 has expired.
- Due for re-verification within 90 days: Ann's 7.2 (stale on 2025-07-10) and Bob's 7.2 (stale).
- The plan: 7.2 → Cyd (learn), 7.10 → Ann (learn), a → Cyd (learn; load 4 before Ann's 5).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.errors import ClausekeeperError
from app.reports.attestations import COLUMNS, export_attestations, import_attestations
from app.services.continuity import attestation_rows
from app.services.knowledge import gaps_json
from app.store.models import AuditLog, Clause, Contract, Knowledge, Person
from tests.reports.conftest import AS_OF, table_counts

EXPECTED = [
    # person, contract, clause, action, level, verified_on, stale_on
    ("ann@corp.example", "C-2021-014", "7.2", "reverify", 3, date(2024, 1, 10), date(2025, 7, 10)),
    ("ann@corp.example", "C-2021-014", "7.10", "learn", None, None, None),
    ("Bob Baker", "C-2021-014", "7.2", "reverify", 2, date(2022, 1, 10), date(2023, 7, 10)),
    ("cyd@corp.example", "C-2021-014", "7.2", "learn", None, None, None),
    ("cyd@corp.example", "C-2021-014", "a", "learn", None, None, None),
]


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    wb = openpyxl.load_workbook(path)
    try:
        return [tuple(row) for row in wb["Attestations"].iter_rows(values_only=True)]
    finally:
        wb.close()


def fill(path: Path, values: dict[tuple[int, str], Any]) -> Path:
    """Fill cells by (row, column name), as a person (or a script) would."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Attestations"]
    for (row, column), value in values.items():
        ws.cell(row=row, column=COLUMNS.index(column) + 1).value = value
    wb.save(path)
    return path


def links(session: Session) -> dict[tuple[str, str], tuple[int, date]]:
    query = (
        select(Person.name, Clause.number, Knowledge.level, Knowledge.verified_on)
        .join(Person, Person.id == Knowledge.person_id)
        .join(Clause, Clause.id == Knowledge.clause_id)
        .join(Contract, Contract.id == Clause.contract_id)
        .where(Contract.reference == "C-2021-014")
    )
    return {(name, number): (level, on) for name, number, level, on in session.execute(query)}


def test_the_due_rows(portfolio: Session) -> None:
    rows = attestation_rows(portfolio, AS_OF)
    assert [
        (r.person, r.contract, r.clause, r.action, r.level, r.verified_on, r.stale_on) for r in rows
    ] == EXPECTED
    assert [r.name for r in rows] == ["Ann Archer"] * 2 + ["Bob Baker"] + ["Cyd Clark"] * 2
    # within 0 days: only what is stale today, plus the plan
    assert [(r.person, r.clause) for r in attestation_rows(portfolio, AS_OF, within=0)] == [
        ("ann@corp.example", "7.10"),
        ("Bob Baker", "7.2"),
        ("cyd@corp.example", "7.2"),
        ("cyd@corp.example", "a"),
    ]
    only = attestation_rows(portfolio, AS_OF, person_key="cyd@corp.example")
    assert [(r.person, r.clause) for r in only] == [
        ("cyd@corp.example", "7.2"),
        ("cyd@corp.example", "a"),
    ]


def test_the_workbook_is_protected_apart_from_the_two_cells(
    portfolio: Session, tmp_path: Path
) -> None:
    path, count = export_attestations(portfolio, tmp_path / "att.xlsx", AS_OF)
    assert count == 5
    rows = sheet_rows(path)
    assert rows[0] == COLUMNS
    assert [(r[0], r[2], r[3], r[6], r[7], _day(r[8]), _day(r[9])) for r in rows[1:]] == EXPECTED
    assert rows[1][1] == "Ann Archer" and rows[1][4] == "Service levels" and rows[1][5] == 5
    assert all(r[10] is None and r[11] is None for r in rows[1:])
    wb = openpyxl.load_workbook(path)
    ws = wb["Attestations"]
    assert wb.sheetnames == ["Attestations"]
    assert ws.protection.sheet and not ws.protection.password
    for row in range(2, 7):
        for column in range(1, 13):
            cell = ws.cell(row=row, column=column)
            assert cell.protection.locked == (
                COLUMNS[column - 1] not in ("new_level", "confirmed_on")
            )
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"0,1,2,3,4"'
    assert str(lists[0].sqref) == "K2:K6"
    wb.close()


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def test_round_trip_changes_links_audit_and_gaps(portfolio: Session, tmp_path: Path) -> None:
    before = gaps_json(portfolio, AS_OF)
    assert before["coverage"] == 0.75  # 7.2 (5) and 7.10 (4) of 12
    path, _ = export_attestations(portfolio, tmp_path / "att.xlsx", AS_OF)
    fill(
        path,
        {
            (2, "new_level"): 4,  # Ann, 7.2: a new level, confirmed on a date
            (2, "confirmed_on"): date(2025, 6, 1),
            # row 3 (Ann, 7.10) stays empty: left alone
            (4, "new_level"): 0,  # Bob, 7.2: no longer knows it
            (6, "new_level"): "2",  # Cyd learned clause a; confirmed_on empty: the as-of date
        },
    )
    portfolio.commit()
    audit_before = portfolio.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    summary = import_attestations(portfolio, path, AS_OF)
    portfolio.commit()
    assert summary.summary_lines() == [
        "attestations: 3 filled rows: 1 links created, 1 updated, 1 removed, 0 unchanged"
    ]
    assert [c.key for c in summary.created] == ["cyd@corp.example @ C-2021-014 §a"]
    assert {c.outcome: c.before for c in summary.updated} == {
        "updated": (3, date(2024, 1, 10)),
        "removed": (2, date(2022, 1, 10)),
    }
    assert links(portfolio) == {
        ("Ann Archer", "7.2"): (4, date(2025, 6, 1)),
        ("Cyd Clark", "7.10"): (4, date(2025, 2, 1)),
        ("Cyd Clark", "a"): (2, AS_OF),
    }
    audit = portfolio.execute(
        select(AuditLog.entity, AuditLog.entity_key, AuditLog.action, AuditLog.changes)
        .where(AuditLog.id > (audit_before or 0))
        .order_by(AuditLog.id)
    ).all()
    by_action = {action: (entity, key, changes) for entity, key, action, changes in audit}
    assert len(audit) == 3
    assert by_action["update"][:2] == ("Knowledge", "ann@corp.example @ C-2021-014 §7.2")
    assert json.loads(by_action["update"][2]) == {
        "level": [3, 4],
        "verified_on": ["2024-01-10", "2025-06-01"],
    }
    assert by_action["delete"][1] == "Bob Baker @ C-2021-014 §7.2"
    assert by_action["insert"][1] == "cyd@corp.example @ C-2021-014 §a"
    after = gaps_json(portfolio, AS_OF)
    assert after["coverage"] == 1.0
    statuses = {c["number"]: (c["status"], c["owners"]) for c in after["clauses"]}
    assert statuses["a"] == ("single", ["Cyd Clark"])


def test_a_bad_file_changes_nothing_and_names_every_problem(
    portfolio: Session, tmp_path: Path
) -> None:
    path, _ = export_attestations(portfolio, tmp_path / "att.xlsx", AS_OF)
    fill(
        path,
        {
            (2, "new_level"): 7,
            (3, "new_level"): 1,
            (3, "clause"): "9.9",
            (4, "new_level"): 3,
            (4, "confirmed_on"): date(2025, 7, 1),
            (5, "new_level"): "=1+1",  # a formula a script wrote: no saved value
            (6, "new_level"): 2,
            (6, "person"): "nobody@corp.example",
        },
    )
    portfolio.commit()
    counts = table_counts(portfolio)
    with pytest.raises(ClausekeeperError) as error:
        import_attestations(portfolio, path, AS_OF)
    assert error.value.lines() == [
        "Attestations!2 new_level: 7 is not a level (0 to 4)",
        "Attestations!3 clause: contract C-2021-014 has no clause '9.9'",
        "Attestations!4 confirmed_on: 2025-07-01 is after the as-of date 2025-06-15",
        "Attestations!5 new_level: formula without a saved value",
        "Attestations!6 person: no person with the key 'nobody@corp.example'",
    ]
    portfolio.rollback()
    assert table_counts(portfolio) == counts


def test_unknown_contract_duplicates_and_missing_columns(
    portfolio: Session, tmp_path: Path
) -> None:
    path, _ = export_attestations(portfolio, tmp_path / "att.xlsx", AS_OF)
    fill(
        path,
        {
            (2, "new_level"): 3,
            (2, "contract"): "C-NOPE",
            (5, "new_level"): 2,
            (6, "new_level"): 2,
            (6, "clause"): "7.2",  # Cyd 7.2 again
        },
    )
    with pytest.raises(ClausekeeperError) as error:
        import_attestations(portfolio, path, AS_OF)
    assert error.value.lines() == [
        "Attestations!2 contract: no contract with the reference 'C-NOPE'",
        "Attestations!6 clause: the same person and clause as row 5",
    ]
    wb = openpyxl.Workbook()
    wb.active.title = "Attestations"
    wb.active.append(["person", "contract", "clause", "level"])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(ClausekeeperError) as error:
        import_attestations(portfolio, tmp_path / "bad.xlsx", AS_OF)
    assert error.value.lines() == [
        "Attestations!1 new_level: the column is missing",
        "Attestations!1 confirmed_on: the column is missing",
    ]


def test_cli_export_and_import(
    portfolio: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = portfolio.get_bind().url.render_as_string(hide_password=False)
    portfolio.close()
    out = tmp_path / "cyd.xlsx"
    args = ["--db", url, "--as-of", "2025-06-15"]
    assert (
        main([*args, "export", "attestations", "--out", str(out), "--person", "cyd@corp.example"])
        == 0
    )
    assert "(2 rows)" in capsys.readouterr().out
    assert [r[3] for r in sheet_rows(out)[1:]] == ["7.2", "a"]
    fill(out, {(2, "new_level"): 9, (3, "new_level"): 3})
    assert main([*args, "import-attestations", str(out)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "clausekeeper: Attestations!2 new_level: 9 is not a level (0 to 4)"
    ]
    fill(out, {(2, "new_level"): None})
    assert main([*args, "import-attestations", str(out), "--dry-run"]) == 0
    assert "dry run: nothing was written" in capsys.readouterr().out
    assert main([*args, "import-attestations", str(out)]) == 0
    assert "1 links created" in capsys.readouterr().out
    assert (
        main([*args, "export", "renewals", "--out", str(tmp_path / "r.xlsx"), "--within", "3"]) == 1
    )
    assert "--within and --person" in capsys.readouterr().err
    assert main([*args, "export", "attestations", "--out", str(out), "--person", "nobody"]) == 1
    assert "no person with the key 'nobody'" in capsys.readouterr().err
