"""Shared fixtures for the workbook tests: a small hand-built portfolio and workbook helpers."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store.models import (
    AuditLog,
    Clause,
    Contract,
    CreditNote,
    Knowledge,
    Measurement,
    Person,
    Setting,
    Sla,
    Vendor,
)

D = date
AS_OF = D(2025, 6, 15)

TABLES = (Vendor, Person, Contract, Clause, Knowledge, Sla, Measurement, CreditNote, Setting)


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table, audit log included (to prove an import wrote nothing)."""
    counts = {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in TABLES
    }
    counts["audit_log"] = session.execute(
        select(func.count()).select_from(AuditLog)
    ).scalar_one()
    return counts


def build_portfolio(session: Session, *, names: dict[str, str] | None = None) -> None:
    """Two vendors, three people, four contracts (one needs review), clauses, SLAs, credits.

    `names` replaces some texts (vendor, person, title, clause, sla, note) to test odd text.
    """
    n = {"vendor": "Acme Outsourcing", "person": "Ann Archer", "title": "Service desk",
         "clause": "Service levels", "sla": "Availability", "note": "checked"}
    n.update(names or {})
    acme = Vendor(name=n["vendor"], country="DE", contact_email="sales@acme.example")
    globex = Vendor(name="Globex", notes="second\nline")
    ann = Person(name=n["person"], email="ann@corp.example", department="IT")
    bob = Person(name="Bob Baker", leaves_on=D(2025, 7, 31))
    cyd = Person(name="Cyd Clark", email="cyd@corp.example", role="lawyer")
    session.add_all([acme, globex, ann, bob, cyd])
    desk = Contract(
        reference="C-2021-014", title=n["title"], vendor=acme, owner=ann, category="IT",
        start_date=D(2021, 1, 1), initial_term_months=36, renewal="auto",
        renewal_term_months=12, max_renewals=3, notice_value=3, notice_unit="months",
        annual_value=Decimal("120000.50"), currency="EUR", credit_cap_percent=Decimal("12.5"),
        credit_claim_days=45, reminder_days="180,90,30,7", notes=n["note"],
    )
    # Precision beyond what Excel keeps: must come back exactly (written as text).
    hosting = Contract(
        reference="C-2022-003", title="Hosting", vendor=globex, owner=bob,
        start_date=D(2022, 3, 31), initial_term_months=24, renewal="option",
        renewal_term_months=12, max_renewals=2, options_exercised=1, notice_value=90,
        notice_unit="days", annual_value=Decimal("1234567.891234567891"), currency="USD",
        reminder_days="",
    )
    # needs_review: no initial term, not evergreen (what a foreign register import leaves).
    legacy = Contract(
        reference="C-2019-100", title="Legacy print", vendor=globex, start_date=D(2019, 5, 1),
        renewal="auto", renewal_term_months=12, notes="end date 2024-04-30 from the old list",
    )
    forever = Contract(
        reference="C-2020-007", title="Payroll", vendor=acme, start_date=D(2020, 7, 1),
        renewal="evergreen", notice_value=2, terminated_on=D(2025, 5, 1),
        annual_value=Decimal("0.1"),
    )
    session.add_all([desk, hosting, legacy, forever])
    c72 = Clause(contract=desk, number="7.2", title=n["clause"], criticality=5,
                 category="service levels", summary="99.9 % monthly")
    c710 = Clause(contract=desk, number="7.10", title="Credits", criticality=4,
                  category="pricing")
    ca = Clause(contract=desk, number="a", title="Annex A")
    h1 = Clause(contract=hosting, number="1", title="Scope", category="scope")
    session.add_all([c72, c710, ca, h1])
    session.add_all([
        Knowledge(person=ann, clause=c72, level=3, verified_on=D(2024, 1, 10)),
        Knowledge(person=bob, clause=c72, level=2, verified_on=D(2022, 1, 10)),
        Knowledge(person=cyd, clause=c710, level=4, verified_on=D(2025, 2, 1)),
        Knowledge(person=bob, clause=h1, level=1, verified_on=D(2025, 3, 1)),
    ])
    avail = Sla(contract=desk, name=n["sla"], unit="%", target=Decimal("99.5"),
                direction="higher", period="monthly", credit_percent=Decimal("5"))
    resolve = Sla(contract=hosting, name="Resolution time", unit="hours", target=Decimal("8"),
                  direction="lower", period="quarterly")
    session.add_all([avail, resolve])
    session.add_all([
        Measurement(sla=avail, period_start=D(2025, 3, 1), value=Decimal("99.95")),
        Measurement(sla=avail, period_start=D(2025, 4, 1), value=Decimal("98.1"), note="outage"),
        Measurement(sla=resolve, period_start=D(2025, 1, 1), value=Decimal("7.25")),
    ])
    session.add_all([
        CreditNote(contract=desk, month=D(2025, 4, 1), amount=Decimal("500.25"),
                   received_on=D(2025, 5, 20), reference="CN-1"),
        # Two identical notes without a reference: both must survive a round trip.
        CreditNote(contract=desk, month=D(2025, 3, 1), amount=Decimal("10")),
        CreditNote(contract=desk, month=D(2025, 3, 1), amount=Decimal("10")),
    ])
    session.add(Setting(key="stale_after_months", value="18"))
    session.flush()


@pytest.fixture
def portfolio(session: Session) -> Session:
    build_portfolio(session)
    session.commit()
    return session


def write_workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook as a person might have typed it (normal openpyxl, not write-only)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def read_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows as value tuples."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def soffice_csv(path: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Convert every sheet of a workbook to CSV with LibreOffice; rows per sheet title.

    Cells are written as shown (with their number formats), as a person would see them.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir", str(outdir), str(path),
        ],
        check=True, capture_output=True, timeout=180,
    )
    result: dict[str, list[list[str]]] = {}
    prefix = path.stem + "-"
    for csv_path in outdir.glob(f"{path.stem}-*.csv"):
        with csv_path.open(encoding="utf-8", newline="") as fh:
            result[csv_path.stem[len(prefix):]] = list(csv.reader(fh))
    return result


@pytest.fixture
def to_csv(tmp_path: Path) -> Callable[[Path], dict[str, list[list[str]]]]:
    def convert(path: Path) -> dict[str, list[list[str]]]:
        return soffice_csv(path, tmp_path / f"csv-{path.stem}")

    return convert
