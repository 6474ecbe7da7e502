"""What the pages of the import wizard share: the file, how it is read and mapped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The field picker: each field of a foreign register, as a person reads it (* = required).
FIELD_LABELS: dict[str, str] = {
    "reference": "reference *",
    "vendor": "vendor *",
    "title": "title",
    "start_date": "start date *",
    "end_date": "end date (gives the term)",
    "initial_term_months": "initial term (months)",
    "annual_value": "annual value",
    "currency": "currency",
    "renewal": "renewal type",
    "renewal_term_months": "renewal term (months)",
    "max_renewals": "max renewals",
    "notice": "notice period (e.g. 3 months)",
    "notice_value": "notice value",
    "notice_unit": "notice unit",
    "owner": "owner",
    "category": "category",
    "notes": "notes",
}
IGNORED = "— ignored —"


@dataclass
class WizardState:
    path: Path
    register: bool = False  # a register workbook of SPEC §5: imported as such
    table: Any = None  # app.reports.foreign_register.ForeignTable
    sheet: str | None = None
    header_line: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    dayfirst: bool = False
    currency: str = "EUR"
    renewal: str = "none"

    def signature(self) -> str:
        """The header set of the table: a mapping is remembered per signature."""
        from app.reports.foreign_register import normalise_header

        headers = self.table.headers if self.table is not None else []
        text = "\x1f".join(normalise_header(h) for h in headers)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]

    def import_options(self) -> dict[str, Any]:
        """The keyword arguments of import_foreign_register for what the pages chose."""
        return {
            "sheet": self.sheet, "header_line": self.header_line, "columns": dict(self.columns),
            "dayfirst": self.dayfirst, "currency": self.currency, "renewal": self.renewal,
        }

    def memory(self) -> dict[str, object]:
        return {"columns": dict(self.columns), "dayfirst": self.dayfirst,
                "currency": self.currency, "renewal": self.renewal}
