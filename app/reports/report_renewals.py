"""The renewals report (SPEC §2, §6 `renewals`): deadlines and notice, as an Excel workbook.

Sheets: Summary (key figures, annual value facing a decision by currency, deadlines per month
for the next 12 months with a chart) and Renewals (the renewals list, soonest deadline first).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import IO, Any

from openpyxl.chart import BarChart, Reference
from sqlalchemy.orm import Session

from app.core.glossary import DEADLINE_WORDS, RENEWAL_WORDS, STATUS_WORDS, term_name, words
from app.core.months import add_months, month_index
from app.core.progress import Progress, null_progress, step
from app.reports.xlsx_safe import (
    Column,
    ReportSheet,
    SummarySheet,
    fit_widths,
    show_axes,
    write_only_workbook,
)
from app.services.renewals import RenewalRow, renewals

RED, AMBER, BLUE = "F8CBAD", "FFF2CC", "DDEBF7"
DEADLINE_KINDS = (
    ("cancel_by", "Cancel by"),
    ("exercise_by", "Exercise option by"),
    ("end", "Contract ends"),
)
COLUMNS = (
    Column("Reference"),
    Column("Vendor"),
    Column("Title"),
    Column("Renewal"),
    Column("Status"),
    Column("Deadline kind"),
    Column("Deadline", "date"),
    Column("Days left", "int"),
    Column("Cancel by", "date"),
    Column("Ends on", "date"),
    Column("Earliest end", "date"),
    Column("Term"),
    Column("Term start", "date"),
    Column("Term end", "date"),
    Column("Missed notice", "bool"),
    Column("Escalated", "bool"),
    Column("Needs review", "bool"),
    Column("Annual value", "money"),
    Column("Currency"),
    Column("How the dates come about"),
)


def _title(as_of: date) -> str:
    return f"Renewals and notice deadlines as of {as_of.isoformat()}"


def _row(r: RenewalRow) -> tuple[Any, ...]:
    return (
        r.reference,
        r.vendor,
        r.title,
        words(r.renewal, RENEWAL_WORDS),
        words(r.status, STATUS_WORDS),
        words(r.deadline_kind, DEADLINE_WORDS) or None,
        r.deadline,
        r.days_left,
        r.cancel_by,
        r.ends_on,
        r.earliest_end,
        term_name(r.term_number) or None,
        r.term_start,
        r.term_end,
        _yes(r.missed_notice),
        _yes(r.escalated),
        _yes(r.needs_review),
        r.annual_value,
        r.currency,
        r.explanation,
    )


def _yes(flag: bool) -> str:
    """Flags read as words ("yes", or an empty cell) rather than TRUE/FALSE."""
    return "yes" if flag else ""


def months_ahead(rows: list[RenewalRow], as_of: date, months: int = 12) -> list[dict[str, int]]:
    """Deadlines (cancel_by, or ends_on) per calendar month, from the month of as_of on."""
    first = month_index(as_of)
    counts = [{key: 0 for key, _ in DEADLINE_KINDS} for _ in range(months)]
    for r in rows:
        deadline = r.deadline
        if deadline is None or deadline < as_of or r.deadline_kind is None:
            continue
        offset = month_index(deadline) - first
        if 0 <= offset < months:
            counts[offset][r.deadline_kind] += 1
    return counts


def write_renewals_report(
    session: Session, out: IO[bytes], as_of: date, progress: Progress = null_progress
) -> None:
    """Write the renewals report for the as-of date to `out`."""
    step(progress, 0, 1, "computing renewals")
    rows = renewals(session, as_of)
    with write_only_workbook() as wb:
        _summary(wb, rows, as_of)
        _renewals(wb, rows, as_of, progress)
        wb.save(out)


def _summary(wb: Any, rows: list[RenewalRow], as_of: date) -> None:
    sheet = SummarySheet(
        wb,
        _title(as_of),
        "Contracts not started, active or terminating. The deadline is the cancel-by date "
        "(tacit renewal), the exercise-by date (option), or the last day in force.",
        widths=(42, 16, 16, 16, 12),
    )
    left = [(r, r.days_left) for r in rows if r.days_left is not None and r.days_left >= 0]
    soon = [r for r, days in left if days <= 90]
    sheet.blank()
    sheet.heading("Key figures")
    sheet.figure("Contracts listed", len(rows))
    sheet.figure("Deadlines within 30 days", sum(1 for _, days in left if days <= 30))
    sheet.figure("Deadlines within 90 days", len(soon))
    sheet.figure(
        "Notice missed (renewal locked in or option lapsed)",
        sum(1 for r in rows if r.missed_notice),
    )
    sheet.figure(
        "Escalated (deadline near, critical clause orphaned)", sum(1 for r in rows if r.escalated)
    )
    sheet.figure("Needs review (initial term unknown)", sum(1 for r in rows if r.needs_review))
    sheet.blank()
    sheet.heading("Annual value with a deadline within 90 days", "Annual value", "Contracts")
    totals: dict[str, list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    for r in soon:
        entry = totals[r.currency]
        entry[0] += r.annual_value or Decimal(0)
        entry[1] += 1
    for currency in sorted(totals):
        amount, count = totals[currency]
        sheet.values(((currency, "text"), (amount, "money"), (count, "int")), currency=currency)
    if not totals:
        sheet.values((("(none)", "text"),))
    sheet.blank()
    header = sheet.heading("Month", *(label for _, label in DEADLINE_KINDS), "Total")
    per_month = months_ahead(rows, as_of)
    last = header
    for offset, counts in enumerate(per_month):
        month = add_months(as_of.replace(day=1), offset)
        last = sheet.values(
            (
                (month, "month"),
                *((counts[k], "int") for k, _ in DEADLINE_KINDS),
                (sum(counts.values()), "int"),
            )
        )

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Deadlines per month, next 12 months"
    chart.y_axis.title = "Contracts"
    chart.add_data(
        Reference(
            sheet.ws, min_col=2, max_col=1 + len(DEADLINE_KINDS), min_row=header, max_row=last
        ),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    show_axes(chart)
    chart.width, chart.height = 20, 9
    sheet.ws.add_chart(chart, "G4")


def _renewals(wb: Any, rows: list[RenewalRow], as_of: date, progress: Progress) -> None:
    data = [_row(r) for r in rows]
    sheet = ReportSheet(
        wb,
        "Renewals",
        _title(as_of),
        COLUMNS,
        note="Deadline within 30 days in red, within 90 days in yellow; missed notice and "
        "escalation in red; needs review in blue.",
        table="Renewals",
        widths=fit_widths(COLUMNS, data),
        rows=len(data),
    )
    for index, (row, r) in enumerate(zip(data, rows, strict=True), start=1):
        sheet.append(row, currency=r.currency)
        if index % 2000 == 0:
            step(progress, index, len(rows), "writing renewals")
    first = sheet.first_row
    everything = f"A{first}:{sheet.letter('Currency')}{sheet.last_row}"
    days = f"${sheet.letter('Days left')}{first}"
    sheet.highlight(everything, f"AND(ISNUMBER({days}),{days}>=0,{days}<=30)", RED)
    sheet.highlight(everything, f"AND(ISNUMBER({days}),{days}>30,{days}<=90)", AMBER)
    for flag in ("Missed notice", "Escalated"):
        cells = sheet.column_range(flag)
        sheet.highlight(cells, f'{cells.split(":")[0]}="yes"', RED, font="9C0006")
    cells = sheet.column_range("Needs review")
    sheet.highlight(cells, f'{cells.split(":")[0]}="yes"', BLUE)
    sheet.finish()
