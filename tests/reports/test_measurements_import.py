"""Importing a service desk's measurements (CSV or XLSX): forms of periods, all or nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError
from app.reports.measurements_import import import_measurements
from app.store.models import AuditLog, Contract, Measurement, Sla, Vendor

D = date


@pytest.fixture
def slas(session: Session) -> Session:
    acme = Vendor(name="Acme")
    desk = Contract(
        reference="C-1",
        title="Desk",
        vendor=acme,
        start_date=D(2024, 1, 1),
        initial_term_months=36,
        renewal="none",
    )
    host = Contract(
        reference="C-2",
        title="Hosting",
        vendor=acme,
        start_date=D(2024, 1, 1),
        initial_term_months=36,
        renewal="none",
    )
    session.add_all(
        [
            Sla(
                contract=desk,
                name="Availability",
                target=Decimal("99.5"),
                direction="higher",
                period="monthly",
            ),
            Sla(
                contract=desk,
                name="CSAT",
                target=Decimal("80"),
                direction="higher",
                period="quarterly",
            ),
            Sla(
                contract=host,
                name="Availability",
                target=Decimal("99"),
                direction="higher",
                period="monthly",
            ),
        ]
    )
    session.flush()
    return session


def _recorded(session: Session) -> list[tuple[str, str, date, Decimal, str | None]]:
    query = (
        select(
            Contract.reference,
            Sla.name,
            Measurement.period_start,
            Measurement.value,
            Measurement.note,
        )
        .join(Sla, Sla.id == Measurement.sla_id)
        .join(Contract, Contract.id == Sla.contract_id)
        .order_by(Contract.reference, Sla.name, Measurement.period_start)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def _count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _csv(tmp_path: Path, text: str, name: str = "desk.csv", encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_synonyms_and_every_period_form(slas: Session, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Contract Reference;Metric;Month;Result;Comment;Ticket count\n"
        "C-1;Availability;2025-03;99.7;;12\n"
        "C-1;Availability;Apr 2025;99.5 %;checked;3\n"
        "C-1;availability;May 2025;98.25;;1\n"  # SLA name in another case
        "C-1;Availability;June 2025;99.9;;0\n"
        "C-1;Availability;2025-07-31;100;;0\n"
        "C-1;CSAT;Q1 2025;85;;\n"
        "C-1;CSAT;2025-05-20;79;;\n"  # a day in Q2 -> Apr 1
        "C-2;Availability;08/2025;99;;\n"
        ";;;;;\n",  # blank row: skipped
    )
    summary = import_measurements(slas, path)
    assert (summary.rows, summary.imported, summary.unchanged) == (8, 8, 0)
    assert _recorded(slas) == [
        ("C-1", "Availability", D(2025, 3, 1), Decimal("99.7"), None),
        ("C-1", "Availability", D(2025, 4, 1), Decimal("99.5"), "checked"),
        ("C-1", "Availability", D(2025, 5, 1), Decimal("98.25"), None),
        ("C-1", "Availability", D(2025, 6, 1), Decimal("99.9"), None),
        ("C-1", "Availability", D(2025, 7, 1), Decimal("100"), None),
        ("C-1", "CSAT", D(2025, 1, 1), Decimal("85"), None),
        ("C-1", "CSAT", D(2025, 4, 1), Decimal("79"), None),
        ("C-2", "Availability", D(2025, 8, 1), Decimal("99"), None),
    ]
    keys = slas.scalars(
        select(AuditLog.entity_key).where(AuditLog.entity == "Measurement").order_by(AuditLog.id)
    ).all()
    assert len(keys) == 8 and keys[0] == "C-1 / Availability / 2025-03"


def test_xlsx_dates_numbers_and_percent_cells(slas: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Contract", "SLA name", "Period", "Value"])
    ws.append(["C-1", "Availability", datetime(2025, 3, 1), 99.95])
    ws.append(["C-1", "Availability", date(2025, 4, 17), 0.995])
    ws["D3"].number_format = "0.00%"  # shows 99.50 %: the value meant is 99.5
    ws.append(["C-1", "CSAT", "2025-Q3", 81])
    ws.append([None, None, None, None])
    path = tmp_path / "desk.xlsx"
    wb.save(path)
    summary = import_measurements(slas, path)
    assert (summary.rows, summary.imported) == (3, 3)
    assert _recorded(slas) == [
        ("C-1", "Availability", D(2025, 3, 1), Decimal("99.95"), None),
        ("C-1", "Availability", D(2025, 4, 1), Decimal("99.500"), None),
        ("C-1", "CSAT", D(2025, 7, 1), Decimal("81"), None),
    ]


def test_all_or_nothing_with_every_problem_on_its_own_line(slas: Session, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "contract,sla,period,value\n"
        "C-1,Availability,2025-03,99.7\n"  # fine, but not written
        "C-9,Availability,2025-03,99\n"
        "C-1,Uptime,2025-03,99\n"
        "C-1,Availability,Maart 2025,99\n"
        "C-1,Availability,2025-04,n/a\n"
        "C-1,Availability,Q2 2025,99\n"
        ",Availability,2025-05,99\n"
        "C-1,Availability,2025-03-31,99.1\n"  # the same month as row 2
        "C-1,CSAT,2025-13,\n",
        name="bad.csv",
    )
    before = (_count(slas, Measurement), _count(slas, AuditLog))
    with pytest.raises(ClausekeeperError) as caught:
        import_measurements(slas, path)
    assert caught.value.lines() == [
        "bad.csv!3 contract: no contract with the reference 'C-9' has SLAs",
        "bad.csv!4 sla: contract C-1 has no SLA 'Uptime' (Availability, CSAT)",
        "bad.csv!5 period: 'Maart 2025' is not a month "
        "(2025-03, Mar 2025, March 2025, Q1 2025 or a date)",
        "bad.csv!6 value: 'n/a' is not a number",
        "bad.csv!7 period: 'Q2 2025' is a quarter, but Availability is monthly",
        "bad.csv!8 contract: a contract reference is required",
        "bad.csv!9 period: 2025-03 of C-1 / Availability is also in row 2",
        "bad.csv!10 period: '2025-13' is not a month "
        "(2025-03, Mar 2025, March 2025, Q1 2025 or a date)",
        "bad.csv!10 value: a value is required",
    ]
    assert (_count(slas, Measurement), _count(slas, AuditLog)) == before


def test_recorded_periods_same_value_unchanged_other_value_refused(
    slas: Session, tmp_path: Path
) -> None:
    first = _csv(tmp_path, "contract,sla,period,value\nC-1,Availability,2025-03,99.70\n")
    import_measurements(slas, first)
    again = _csv(
        tmp_path,
        "contract,sla,period,value\nC-1,Availability,2025-03,99.7\nC-1,Availability,2025-04,99\n",
        name="again.csv",
    )
    summary = import_measurements(slas, again)  # 99.7 == 99.70: already recorded
    assert (summary.imported, summary.unchanged) == (1, 1)
    changed = _csv(
        tmp_path, "contract,sla,period,value\nC-1,Availability,2025-04,98\n", name="changed.csv"
    )
    with pytest.raises(ClausekeeperError) as caught:
        import_measurements(slas, changed)
    assert caught.value.lines() == [
        "changed.csv!2 value: 2025-04 of C-1 / Availability is already recorded as 99"
    ]


def test_dry_run_writes_nothing(slas: Session, tmp_path: Path) -> None:
    path = _csv(tmp_path, "contract,sla,period,value\nC-1,Availability,2025-03,99.7\n")
    summary = import_measurements(slas, path, dry_run=True)
    assert (summary.imported, summary.dry_run) == (1, True)
    assert summary.summary_lines() == [
        "measurements: 1 imported, 0 already recorded",
        "dry run: nothing was written",
    ]
    assert _count(slas, Measurement) == 0


def test_file_level_problems(slas: Session, tmp_path: Path) -> None:
    latin = _csv(
        tmp_path,
        "contract,sla,period,value\nC-1,Disponibilité,2025-03,99\n",
        name="latin.csv",
        encoding="latin-1",
    )
    with pytest.raises(ClausekeeperError, match=r"latin.csv: not UTF-8 text \(byte 0xe9"):
        import_measurements(slas, latin)
    headers = _csv(tmp_path, "contract,name,when,value\n", name="headers.csv")
    with pytest.raises(ClausekeeperError) as caught:
        import_measurements(slas, headers)
    assert caught.value.lines() == [
        "headers.csv!1: no sla column (a header such as sla, sla name, metric, service level, kpi)",
        "headers.csv!1: no period column (a header such as period, month, period start)",
    ]
    with pytest.raises(ClausekeeperError, match="empty.csv: the file is empty"):
        import_measurements(slas, _csv(tmp_path, "", name="empty.csv"))
    with pytest.raises(ClausekeeperError, match=r"data.json: not a .csv or .xlsx file"):
        import_measurements(slas, _csv(tmp_path, "{}", name="data.json"))
    with pytest.raises(ClausekeeperError, match="no such file"):
        import_measurements(slas, tmp_path / "missing.csv")


def test_formula_without_a_saved_value_is_named(slas: Session, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Contract", "SLA name", "Period", "Value"])
    ws.append(["C-1", "Availability", datetime(2025, 3, 1), "=AVERAGE(99,100)"])
    ws.append(["C-1", "Availability", datetime(2025, 4, 1), 99.9])
    path = tmp_path / "scripted.xlsx"
    wb.save(path)
    with pytest.raises(ClausekeeperError) as caught:
        import_measurements(slas, path)
    assert caught.value.lines() == ["scripted.xlsx!2 Value: formula without a saved value"]
    assert _recorded(slas) == []
