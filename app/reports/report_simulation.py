"""The off-boarding simulation (SPEC §3) as an Excel workbook, from `simulate-leave --json` data.

Sheets: Contracts (coverage and truck factor before → after), Newly orphaned (the clauses nobody
would understand any more) and People (who was simulated as leaving). Each starts with a title
row naming the as-of date; every text is written as a literal (xlsx_safe), never as a formula.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import IO, Any

from app.reports.export import write_workbook
from app.reports.xlsx_safe import Column, ReportSheet, fit_widths, write_only_workbook

CONTRACT_COLUMNS = (
    Column("Contract"), Column("Coverage before", "percent"), Column("Coverage after", "percent"),
    Column("Truck factor before", "int"), Column("Truck factor after", "int"),
)
ORPHANED_COLUMNS = (
    Column("Contract"), Column("Clause"), Column("Title"), Column("Criticality", "int"),
)
PEOPLE_COLUMNS = (Column("Name"), Column("E-mail"))
RED = "F8CBAD"


def simulation_title(data: dict[str, Any]) -> str:
    return f"Off-boarding simulation as of {date.fromisoformat(data['as_of']).isoformat()}"


def _who(data: dict[str, Any]) -> str:
    names = [p["name"] for p in data["people"]]
    shown = ", ".join(names[:10])
    if len(names) > 10:
        shown += f" and {len(names) - 10} more"
    return f"If these people left the day before: {shown}."


def export_simulation(data: dict[str, Any], path: Path) -> Path:
    """Write the simulation to `path` (replaced only once complete); returns the path."""
    return write_workbook(path, lambda out: write_simulation_report(data, out))


def write_simulation_report(data: dict[str, Any], out: Path | IO[bytes]) -> None:
    """Write the simulation (the dict of simulate_leave_json) to `out`."""
    title = simulation_title(data)
    with write_only_workbook() as wb:
        contracts = [
            (c["reference"], c["coverage_before"], c["coverage_after"],
             c["truck_factor_before"], c["truck_factor_after"])
            for c in data["contracts"]
        ]
        sheet = ReportSheet(
            wb, "Contracts", title, CONTRACT_COLUMNS,
            note=_who(data) + " Contracts whose truck factor falls are in red.",
            table="Contracts", widths=fit_widths(CONTRACT_COLUMNS, contracts),
            rows=len(contracts),
        )
        for row in contracts:
            sheet.append(row)
        before, after = sheet.letter("Truck factor before"), sheet.letter("Truck factor after")
        first = sheet.first_row
        sheet.highlight(
            f"A{first}:{after}{sheet.last_row}",
            f"AND(ISNUMBER(${after}{first}),${after}{first}<${before}{first})", RED,
        )
        sheet.finish()

        orphaned = [(c["contract"], c["number"], c["title"], c["criticality"])
                    for c in data["newly_orphaned"]]
        sheet = ReportSheet(
            wb, "Newly orphaned", title, ORPHANED_COLUMNS,
            note=f"{len(orphaned)} clauses nobody in-house would understand any more.",
            table="NewlyOrphaned", widths=fit_widths(ORPHANED_COLUMNS, orphaned),
            rows=len(orphaned),
        )
        for row in orphaned:
            sheet.append(row)
        sheet.finish()

        people = [(p["name"], p["email"]) for p in data["people"]]
        sheet = ReportSheet(
            wb, "People", title, PEOPLE_COLUMNS, note="Treated as inactive on the as-of date.",
            table="People", widths=fit_widths(PEOPLE_COLUMNS, people), rows=len(people),
        )
        for row in people:
            sheet.append(row)
        sheet.finish()
        wb.save(out)
