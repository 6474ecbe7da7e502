"""The knowledge report (SPEC §3, §5): who understands which clause, as an Excel workbook.

Sheets: Summary (key figures, clauses by status with a chart, the settings in force), Clauses
(every in-scope clause with its status and current owners), Contracts and Vendors (coverage,
truck factor and counts), Forecast (the next 12 months if nothing is done, with a chart of coverage
and orphaned critical clauses) and Successors (who could take over each clause at risk, and what
the succession plan would do; SPEC §3a). Streamed in write-only mode: memory does not grow with
the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl.chart import BarChart, LineChart, Reference
from sqlalchemy.orm import Session

from app.core.continuity import MAX_CANDIDATES, ForecastPoint
from app.core.glossary import ACTION_WORDS, CLAUSE_STATUS_WORDS, ORPHAN_REASON_WORDS, words
from app.core.progress import Progress, null_progress, step
from app.reports.xlsx_safe import (
    Column,
    ReportSheet,
    SummarySheet,
    fit_widths,
    show_axes,
    write_only_workbook,
)
from app.services.continuity import (
    ListedClause,
    SuccessorsResult,
    find_successors,
    knowledge_forecast,
)
from app.services.knowledge import ClauseGap, Figures, GapsResult, gaps

RED, ORANGE, AMBER, GREEN = "F8CBAD", "FCE4D6", "FFF2CC", "E2EFDA"
STATUS_LABELS = (
    ("orphaned", "Orphaned (nobody in-house understands it)"),
    ("at_risk", "At risk (every owner leaves soon)"),
    ("single", "Single owner"),
    ("covered", "Covered (two or more owners)"),
)
CLAUSE_COLUMNS = (
    Column("Contract"), Column("Vendor"), Column("Clause"), Column("Title"),
    Column("Criticality", "int"), Column("Status"), Column("Reason"),
    Column("Current owners"), Column("Owners", "int"),
)
FIGURE_COLUMNS = (
    Column("Coverage", "percent"), Column("Truck factor", "int"), Column("Orphaned", "int"),
    Column("At risk", "int"), Column("Single", "int"), Column("Covered", "int"),
    Column("Clauses", "int"),
)


def _title(as_of: date) -> str:
    return f"Knowledge of contract clauses as of {as_of.isoformat()}"


def _clause_row(c: ClauseGap) -> tuple[Any, ...]:
    return (c.contract, c.vendor, c.number, c.title, c.criticality,
            words(c.status, CLAUSE_STATUS_WORDS), words(c.reason, ORPHAN_REASON_WORDS) or None,
            ", ".join(c.owners), len(c.owners))


def _figure_values(f: Figures) -> tuple[Any, ...]:
    return (f.coverage, f.truck_factor, f.orphaned, f.at_risk, f.single, f.covered, f.clauses)


@dataclass(frozen=True)
class KnowledgeFigures:
    """What the report shows, computed: the gaps, the forecast and the successors."""

    result: GapsResult
    points: list[ForecastPoint]
    successors: SuccessorsResult


def knowledge_figures(
    session: Session, as_of: date, progress: Progress = null_progress
) -> KnowledgeFigures:
    """Compute everything the knowledge report shows for the as-of date."""
    step(progress, 0, 1, "assessing knowledge")
    result = gaps(session, as_of)
    step(progress, 0, 1, "forecasting")
    points = knowledge_forecast(session, as_of)
    step(progress, 0, 1, "finding successors")
    successors = find_successors(session, as_of)
    return KnowledgeFigures(result, points, successors)


def write_knowledge_workbook(
    out: IO[bytes], figures: KnowledgeFigures, progress: Progress = null_progress
) -> None:
    """Write the workbook of computed figures to `out` (streamed, write-only)."""
    result = figures.result
    with write_only_workbook() as wb:
        _summary(wb, result)
        _clauses(wb, result, progress)
        _contracts(wb, result)
        _vendors(wb, result)
        _forecast(wb, result.as_of, figures.points)
        _successors(wb, figures.successors)
        wb.save(out)


def write_knowledge_report(
    session: Session, out: IO[bytes], as_of: date, progress: Progress = null_progress
) -> None:
    """Write the knowledge report for the as-of date to `out`."""
    write_knowledge_workbook(out, knowledge_figures(session, as_of, progress), progress)


def _summary(wb: Any, result: GapsResult) -> None:
    s = result.settings
    sheet = SummarySheet(
        wb, _title(result.as_of),
        f"In scope: the clauses of contracts not started, active or terminating on "
        f"{result.as_of.isoformat()}. A current owner understands a clause at level "
        f"{s.understanding_level} or more, is still employed and confirmed it within "
        f"{s.stale_after_months} months.",
        widths=(44, 14, 16),
    )
    sheet.blank()
    sheet.heading("Key figures")
    sheet.figure("Coverage (criticality-weighted)", result.coverage, "percent")
    sheet.figure("Truck factor", result.truck_factor)
    sheet.figure("Clauses in scope", result.figures.clauses)
    sheet.figure("Contracts in scope", len(result.contracts))
    sheet.figure("Contracts with orphaned clauses",
                 sum(1 for c in result.contracts if c.figures.orphaned))
    sheet.blank()
    first = sheet.heading("Status", "Clauses") + 1
    counts = {
        "orphaned": result.figures.orphaned, "at_risk": result.figures.at_risk,
        "single": result.figures.single, "covered": result.figures.covered,
    }
    for key, label in STATUS_LABELS:
        last = sheet.values(((label, "text"), (counts[key], "int")))
    sheet.blank()
    sheet.heading("Settings in force", "Value")
    sheet.figure("Understanding level (1-4)", s.understanding_level)
    sheet.figure("Stale after (months)", s.stale_after_months)
    sheet.figure("Leaving window (days)", s.leaving_window_days)
    sheet.figure("Truck threshold", s.truck_threshold, "number")

    chart = BarChart()
    chart.type = "bar"
    chart.title = "Clauses by knowledge status"
    chart.y_axis.title = "Clauses"
    chart.legend = None
    chart.add_data(Reference(sheet.ws, min_col=2, min_row=first - 1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first, max_row=last))
    show_axes(chart)
    chart.width, chart.height = 18, 8
    sheet.add_chart(chart, "E4")


def _clauses(wb: Any, result: GapsResult, progress: Progress) -> None:
    rows = result.clauses
    sheet = ReportSheet(
        wb, "Clauses", _title(result.as_of), CLAUSE_COLUMNS,
        note="Orphaned clauses in red, at risk in orange, single-owner clauses in yellow.",
        table="Clauses",
        widths=fit_widths(CLAUSE_COLUMNS, (_clause_row(c) for c in rows[:2000])),
        rows=len(rows),
    )
    total = len(rows)
    append = sheet.append
    for index, clause in enumerate(rows, start=1):
        append(_clause_row(clause))
        if index % 5000 == 0:
            step(progress, index, total, "writing clauses")
    step(progress, total, total, "writing clauses")
    everything = f"A{sheet.first_row}:{sheet.letter('Owners')}{sheet.last_row}"
    status = f"${sheet.letter('Status')}{sheet.first_row}"
    shown = CLAUSE_STATUS_WORDS
    sheet.highlight(everything, f'{status}="{shown["orphaned"]}"', RED)
    sheet.highlight(everything, f'{status}="{shown["at_risk"]}"', ORANGE)
    sheet.highlight(everything, f'{status}="{shown["single"]}"', AMBER)
    sheet.finish()


def _figure_highlights(sheet: ReportSheet) -> None:
    orphaned = sheet.column_range("Orphaned")
    sheet.highlight(orphaned, f"{orphaned.split(':')[0]}>0", RED)
    coverage = sheet.column_range("Coverage")
    start = coverage.split(":")[0]
    sheet.highlight(coverage, f"AND(ISNUMBER({start}),{start}<0.5)", RED)
    truck = sheet.column_range("Truck factor")
    start = truck.split(":")[0]
    sheet.highlight(truck, f"AND(ISNUMBER({start}),{start}<=1)", AMBER)
    single = sheet.column_range("Single")
    sheet.highlight(single, f"{single.split(':')[0]}>0", AMBER)


def _contracts(wb: Any, result: GapsResult) -> None:
    columns = (Column("Reference"), Column("Vendor"), Column("Title"), *FIGURE_COLUMNS)
    rows = [(c.reference, c.vendor, c.title, *_figure_values(c.figures)) for c in result.contracts]
    sheet = ReportSheet(
        wb, "Contracts", _title(result.as_of), columns,
        note="Orphaned clauses and coverage below 50 % in red; truck factor 0 or 1 and "
        "single-owner clauses in yellow.",
        table="Contracts", widths=fit_widths(columns, rows), rows=len(rows),
    )
    for row in rows:
        sheet.append(row)
    _figure_highlights(sheet)
    sheet.finish()


def _vendors(wb: Any, result: GapsResult) -> None:
    columns = (Column("Vendor"), Column("Contracts", "int"), *FIGURE_COLUMNS)
    rows = [(v.vendor, v.contracts, *_figure_values(v.figures)) for v in result.vendors]
    sheet = ReportSheet(
        wb, "Vendors", _title(result.as_of), columns,
        note="Figures over all in-scope clauses of each vendor's contracts.",
        table="Vendors", widths=fit_widths(columns, rows), rows=len(rows),
    )
    for row in rows:
        sheet.append(row)
    _figure_highlights(sheet)
    sheet.finish()


FORECAST_COLUMNS = (
    Column("Date", "date"), Column("Clauses", "int"), Column("Orphaned", "int"),
    Column("Orphaned critical", "int"), Column("At risk", "int"), Column("Single", "int"),
    Column("Covered", "int"), Column("Coverage", "percent"), Column("Truck factor", "int"),
)


def _forecast(wb: Any, as_of: date, points: list[ForecastPoint]) -> None:
    rows = [
        (p.date, p.clauses, p.orphaned, p.orphaned_critical, p.at_risk, p.single, p.covered,
         p.coverage, p.truck_factor)
        for p in points
    ]
    sheet = ReportSheet(
        wb, "Forecast", _title(as_of), FORECAST_COLUMNS,
        note="If nothing is done: people leave on their last working day, confirmations go "
        "stale, contracts end. Critical: criticality 4 or 5. Coverage below 50 % in red.",
        table="Forecast", widths=fit_widths(FORECAST_COLUMNS, rows), rows=len(rows),
    )
    for row in rows:
        sheet.append(row)
    coverage = sheet.column_range("Coverage")
    start = coverage.split(":")[0]
    sheet.highlight(coverage, f"AND(ISNUMBER({start}),{start}<0.5)", RED)
    sheet.finish()

    first, last = sheet.first_row, sheet.last_row
    bars = BarChart()
    bars.title = "Coverage and orphaned critical clauses"
    bars.y_axis.title = "Orphaned critical clauses"
    bars.add_data(Reference(sheet.ws, min_col=4, min_row=first - 1, max_row=last),
                  titles_from_data=True)
    dates = Reference(sheet.ws, min_col=1, min_row=first, max_row=last)
    bars.set_categories(dates)
    line = LineChart()
    line.add_data(Reference(sheet.ws, min_col=8, min_row=first - 1, max_row=last),
                  titles_from_data=True)
    line.set_categories(dates)
    line.y_axis.axId = 200
    line.y_axis.title = "Coverage"
    line.y_axis.number_format = "0%"
    line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
    line.y_axis.crosses = "max"
    line.y_axis.delete = False
    show_axes(bars)
    bars += line
    bars.width, bars.height = 20, 9
    sheet.ws.add_chart(bars, f"A{last + 3}")


def _successor_columns() -> tuple[Column, ...]:
    candidates = []
    for number in range(1, MAX_CANDIDATES + 1):
        candidates += [Column(f"Candidate {number}"), Column(f"Action {number}"),
                       Column(f"Load {number}", "int")]
    return (
        Column("Contract"), Column("Clause"), Column("Title"), Column("Criticality", "int"),
        Column("Status"), Column("Reason"), *candidates,
    )


def _successor_row(clause: ListedClause, names: dict[int, str]) -> tuple[Any, ...]:
    cells: list[Any] = [clause.contract, clause.number, clause.title, clause.criticality,
                        words(clause.status, CLAUSE_STATUS_WORDS),
                        words(clause.reason, ORPHAN_REASON_WORDS) or None]
    for index in range(MAX_CANDIDATES):
        if index < len(clause.candidates):
            found = clause.candidates[index]
            cells += [names[found.person_id], words(found.action, ACTION_WORDS), found.load]
        else:
            cells += [None, None, None]
    return tuple(cells)


def _successors(wb: Any, result: SuccessorsResult) -> None:
    columns = _successor_columns()
    names = {pid: person.name for pid, person in result.people.items()}
    plan = result.portfolio

    def shown(value: Any) -> str:
        return "none" if value is None else f"{float(value):.1%}"

    sheet = ReportSheet(
        wb, "Successors", _title(result.as_of), columns,
        note=f"Candidates prefer a re-check of what they know, then deepening what they have "
        f"read, then learning a clause of a contract they know; lighter load first. The plan (each "
        f"first candidate confirmed today) takes coverage from {shown(plan.coverage_before)} to "
        f"{shown(plan.coverage_after)} and the truck factor from {plan.truck_factor_before} to "
        f"{plan.truck_factor_after}. Clauses without a candidate (red) need someone from outside.",
        table="Successors",
        widths=fit_widths(columns, (_successor_row(c, names) for c in result.clauses[:2000])),
        rows=len(result.clauses),
    )
    for clause in result.clauses:
        sheet.append(_successor_row(clause, names))
    everything = f"A{sheet.first_row}:{sheet.letter(columns[-1].header)}{sheet.last_row}"
    first = f"${sheet.letter('Candidate 1')}{sheet.first_row}"
    sheet.highlight(everything, f'LEN({first})=0', RED)
    status = f"${sheet.letter('Status')}{sheet.first_row}"
    sheet.highlight(everything, f'{status}="{CLAUSE_STATUS_WORDS["orphaned"]}"', ORANGE)
    sheet.finish()
