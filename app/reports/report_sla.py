"""The SLA report (SPEC §4, §6 `sla`): compliance and service credits, as an Excel workbook.

Sheets: Summary (key figures, credits by currency, the compliance trend of the last 12 months
with a chart), Compliance (per SLA over the range), Credits (per contract and month), Breaches
(every breached period in the range, with the credit it earned before any cap). The range is the
one of `clausekeeper sla` without --from/--to: from the first period to the month of the as-of
date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import IO, Any

from openpyxl.chart import LineChart, Reference
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.glossary import DIRECTION_WORDS, words
from app.core.months import month_index, period_months
from app.core.progress import Progress, null_progress, step
from app.core.sla import meets
from app.reports.xlsx_safe import (
    Column,
    ReportSheet,
    SummarySheet,
    fit_widths,
    show_axes,
    write_only_workbook,
)
from app.services.sla import SlaReport, compliance_trend, sla_report
from app.store.models import Contract, Measurement, Sla, Vendor

RED, AMBER = "F8CBAD", "FFF2CC"
COMPLIANCE_COLUMNS = (
    Column("Contract"), Column("Vendor"), Column("SLA"), Column("Unit"),
    Column("Target", "number"), Column("Direction"), Column("Period"),
    Column("Measured", "int"), Column("Met", "int"), Column("Breached", "int"),
    Column("Missing", "int"), Column("Compliance", "percent"),
)
CREDIT_COLUMNS = (
    Column("Contract"), Column("Vendor"), Column("Month", "month"), Column("Due", "money"),
    Column("Received", "money"), Column("Outstanding", "money"), Column("Claim by", "date"),
    Column("Lost", "bool"), Column("Currency"),
)
BREACH_COLUMNS = (
    Column("Contract"), Column("Vendor"), Column("SLA"), Column("Period start", "date"),
    Column("Period"), Column("Value", "number"), Column("Target", "number"), Column("Unit"),
    Column("Direction"), Column("Credit earned", "money"), Column("Currency"),
)


def _title(as_of: date) -> str:
    return f"SLA compliance and service credits as of {as_of.isoformat()}"


def write_sla_report(
    session: Session, out: IO[bytes], as_of: date, progress: Progress = null_progress
) -> None:
    """Write the SLA report for the as-of date to `out`."""
    step(progress, 0, 1, "computing SLA compliance")
    report = sla_report(session, as_of)
    trend = compliance_trend(session, as_of, months=12)
    info = _ContractInfo.load(session)
    with write_only_workbook() as wb:
        _summary(wb, report, trend, info)
        _compliance(wb, report, info)
        _credits(wb, report, info)
        _breaches(wb, session, report, info, progress)
        wb.save(out)


class _ContractInfo:
    """Vendor, currency and annual value of every contract; unit of every SLA."""

    def __init__(self) -> None:
        self.vendor: dict[int, str] = {}
        self.currency: dict[int, str] = {}
        self.annual: dict[int, Decimal | None] = {}
        self.unit: dict[int, str | None] = {}

    @classmethod
    def load(cls, session: Session) -> _ContractInfo:
        info = cls()
        stmt = select(Contract.id, Vendor.name, Contract.currency, Contract.annual_value).join(
            Vendor, Contract.vendor_id == Vendor.id
        )
        for cid, vendor, currency, annual in session.execute(stmt):
            info.vendor[cid], info.currency[cid], info.annual[cid] = vendor, currency, annual
        info.unit = {sid: unit for sid, unit in session.execute(select(Sla.id, Sla.unit))}
        return info


def _range_text(report: SlaReport) -> str:
    start = f"{report.from_month:%Y-%m}" if report.from_month else "the first period"
    return f"{start} to {report.to_month:%Y-%m}"


def _summary(
    wb: Any, report: SlaReport, trend: list[tuple[date, Any]], info: _ContractInfo
) -> None:
    sheet = SummarySheet(
        wb, _title(report.as_of),
        f"Periods from {_range_text(report)}; a period counts in its last month. Credits are "
        "due per contract and month, capped, rounded to cents; lost when unclaimed after the "
        "claim-by date.",
        widths=(40, 18, 18, 18, 18),
    )
    measured = sum(s.measured for s in report.slas)
    met = sum(s.met for s in report.slas)
    sheet.blank()
    sheet.heading("Key figures")
    sheet.figure("SLAs", len(report.slas))
    sheet.figure("Periods measured", measured)
    sheet.figure("Periods met", met)
    sheet.figure("Periods breached", sum(s.breached for s in report.slas))
    sheet.figure("Periods missing", sum(s.missing for s in report.slas))
    sheet.figure("Compliance (met / measured)", Fraction(met, measured) if measured else None,
                 "percent")
    sheet.figure("SLAs with a breach", sum(1 for s in report.slas if s.breached))
    sheet.blank()
    sheet.heading("Credits by currency", "Due", "Received", "Outstanding", "Lost")
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for c in report.credits:
        entry = totals[info.currency.get(c.contract.id, "EUR")]
        entry[0] += c.due
        entry[1] += c.received
        entry[2] += c.outstanding
        if c.lost:
            entry[3] += c.outstanding
    for currency in sorted(totals):
        sheet.values(((currency, "text"), *((v, "money") for v in totals[currency])),
                     currency=currency)
    if not totals:
        sheet.values((("(no credits)", "text"),))
    sheet.blank()
    header = sheet.heading("Month", "Compliance")
    last = header
    for month, ratio in trend:
        last = sheet.values(((month, "month"), (ratio, "percent")))

    chart = LineChart()
    chart.title = "Compliance, last 12 months"
    chart.y_axis.title = "Periods met"
    chart.y_axis.number_format = "0%"
    chart.legend = None
    chart.add_data(Reference(sheet.ws, min_col=2, min_row=header, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    show_axes(chart)
    chart.width, chart.height = 20, 9
    sheet.add_chart(chart, "G4")


def _compliance(wb: Any, report: SlaReport, info: _ContractInfo) -> None:
    rows = [
        (s.sla.contract_ref, info.vendor.get(s.sla.contract_id), s.sla.name,
         info.unit.get(s.sla.id), s.sla.target, words(s.sla.direction, DIRECTION_WORDS),
         s.sla.period, s.measured,
         s.met, s.breached, s.missing, s.compliance)
        for s in report.slas
    ]
    sheet = ReportSheet(
        wb, "Compliance", _title(report.as_of), COMPLIANCE_COLUMNS,
        note=f"Periods from {_range_text(report)}. SLAs with breached periods in red; "
        "missing measurements in yellow.",
        table="Compliance", widths=fit_widths(COMPLIANCE_COLUMNS, rows), rows=len(rows),
    )
    for row in rows:
        sheet.append(row)
    first = sheet.first_row
    breached = f"${sheet.letter('Breached')}{first}"
    sheet.highlight(f"A{first}:{sheet.letter('Compliance')}{sheet.last_row}",
                    f"{breached}>0", RED)
    missing = sheet.column_range("Missing")
    sheet.highlight(missing, f"{missing.split(':')[0]}>0", AMBER)
    sheet.finish()


def _credits(wb: Any, report: SlaReport, info: _ContractInfo) -> None:
    rows = [
        (c.contract.reference, info.vendor.get(c.contract.id), c.month, c.due, c.received,
         c.outstanding, c.claim_by, c.lost, info.currency.get(c.contract.id, "EUR"))
        for c in report.credits
    ]
    sheet = ReportSheet(
        wb, "Credits", _title(report.as_of), CREDIT_COLUMNS,
        note="Lost credits in red; outstanding credits to claim within 30 days in yellow.",
        table="Credits", widths=fit_widths(CREDIT_COLUMNS, rows), rows=len(rows),
    )
    for row in rows:
        sheet.append(row, currency=row[-1])
    first = sheet.first_row
    everything = f"A{first}:{sheet.letter('Currency')}{sheet.last_row}"
    lost = f"${sheet.letter('Lost')}{first}"
    outstanding = f"${sheet.letter('Outstanding')}{first}"
    claim_by = f"${sheet.letter('Claim by')}{first}"
    as_of = report.as_of
    sheet.highlight(everything, f"{lost}=TRUE", RED)
    sheet.highlight(
        everything,
        f"AND({outstanding}>0,{claim_by}>=DATE({as_of.year},{as_of.month},{as_of.day}),"
        f"{claim_by}-DATE({as_of.year},{as_of.month},{as_of.day})<=30)",
        AMBER,
    )
    sheet.finish()


def breached_periods(
    session: Session, report: SlaReport, info: _ContractInfo
) -> Iterator[tuple[Any, ...]]:
    """Every breached period of the report's range, by contract, SLA and period."""
    slas = {s.sla.id: s.sla for s in report.slas if s.breached}
    low = month_index(report.from_month) if report.from_month else None
    high = month_index(report.to_month)
    ids = sorted(slas)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = select(Measurement.sla_id, Measurement.period_start, Measurement.value).where(
            Measurement.sla_id.in_(chunk)
        )
        for sla_id, period_start, value in session.execute(stmt):
            sla = slas[sla_id]
            length = period_months(sla.period)
            last = month_index(period_start) + length - 1
            if last > high or (low is not None and last < low):
                continue
            if meets(value, sla.target, sla.direction):
                continue
            annual = info.annual.get(sla.contract_id)
            credit = annual * length * sla.credit_percent / 1200 if annual else Decimal(0)
            found.append((
                sla.contract_ref, info.vendor.get(sla.contract_id), sla.name, period_start,
                sla.period, value, sla.target, info.unit.get(sla_id),
                words(sla.direction, DIRECTION_WORDS), credit,
                info.currency.get(sla.contract_id, "EUR"),
            ))
    found.sort(key=lambda r: (r[0], r[2], r[3]))
    yield from found


def _breaches(
    wb: Any, session: Session, report: SlaReport, info: _ContractInfo, progress: Progress
) -> None:
    rows = list(breached_periods(session, report, info))
    sheet = ReportSheet(
        wb, "Breaches", _title(report.as_of), BREACH_COLUMNS,
        note="Each breached period; its credit is period fee x credit % (before the monthly "
        "cap). Periods that earned a credit in red.",
        table="Breaches", widths=fit_widths(BREACH_COLUMNS, rows), rows=len(rows),
    )
    for index, row in enumerate(rows, start=1):
        sheet.append(row, currency=row[-1])
        if index % 5000 == 0:
            step(progress, index, len(rows), "writing breaches")
    first = sheet.first_row
    credit = f"${sheet.letter('Credit earned')}{first}"
    sheet.highlight(f"A{first}:{sheet.letter('Currency')}{sheet.last_row}", f"{credit}>0", RED)
    sheet.finish()
