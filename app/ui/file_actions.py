"""Ask where to save, then run the export on a worker: shared by the menus and the views."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.ui import settings_store, workers

if TYPE_CHECKING:
    from app.ui.context import AppContext


def ask_save_path(parent: QWidget, caption: str, name: str, file_filter: str) -> Path | None:
    """A file to write, starting in the last folder used; the filter's suffix is added."""
    from PySide6.QtWidgets import QFileDialog

    start = str(Path(settings_store.last_folder()) / name)
    path, _ = QFileDialog.getSaveFileName(parent, caption, start, file_filter)
    if not path:
        return None
    chosen = Path(path)
    suffix = file_filter.rsplit("*", 1)[-1].rstrip(")").strip()
    if suffix.startswith(".") and chosen.suffix.lower() != suffix:
        chosen = chosen.with_name(chosen.name + suffix)
    settings_store.remember_folder(str(chosen.parent))
    return chosen


def export_workbook(parent: QWidget, ctx: AppContext, kind: str) -> workers.Op | None:
    """Export the `kind` workbook (register or a report) for the as-of date."""
    name = f"{kind}-{ctx.as_of.isoformat()}.xlsx"
    path = ask_save_path(parent, f"Export the {kind} workbook", name, "Excel workbook (*.xlsx)")
    if path is None:
        return None
    return workers.export_report_op(parent, ctx, kind, path)


def export_calendar(parent: QWidget, ctx: AppContext) -> workers.Op | None:
    """Export the renewal deadlines as an iCalendar file."""
    name = f"renewals-{ctx.as_of.isoformat()}.ics"
    path = ask_save_path(
        parent, "Export the deadlines as a calendar", name, "iCalendar (*.ics)"
    )
    if path is None:
        return None
    return workers.calendar_op(parent, ctx, path)


def ask_open_path(parent: QWidget, caption: str, file_filter: str) -> Path | None:
    """A file to read, starting in the last folder used (which it then becomes)."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, caption, settings_store.last_folder(),
                                          file_filter)
    if not path:
        return None
    settings_store.remember_folder(str(Path(path).parent))
    return Path(path)
