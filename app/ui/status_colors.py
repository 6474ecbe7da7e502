"""The colours and labels of the knowledge statuses (SPEC §3), the same in every view.

Red for orphaned, orange for at risk, yellow for a single owner, green for covered: the order of
urgency reads at a glance, and the text stays dark on every one of them.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor

STATUS_COLORS = {
    "orphaned": "#f4b4b4",
    "at_risk": "#ffcf94",
    "single": "#fff1a8",
    "covered": "#c9e8c0",
}
STATUS_LABELS = {
    "orphaned": "Orphaned",
    "at_risk": "At risk",
    "single": "Single owner",
    "covered": "Covered",
}
REASON_LABELS = {
    "never_owned": "never owned",
    "owners_left": "owners left",
    "stale": "gone stale",
}
TEXT_COLOR = "#1f1f1f"

_brushes: dict[str, QBrush] = {}


def status_color(status: str | None) -> QColor | None:
    """The background colour of a status (None for an unknown one)."""
    value = STATUS_COLORS.get(status or "")
    return QColor(value) if value else None


def status_brush(status: str | None) -> QBrush | None:
    """status_color as a brush, for BackgroundRole (one brush per status, shared)."""
    if status not in STATUS_COLORS:
        return None
    brush = _brushes.get(status or "")
    if brush is None:
        brush = _brushes[status or ""] = QBrush(QColor(STATUS_COLORS[status or ""]))
    return brush


def text_brush() -> QBrush:
    return QBrush(QColor(TEXT_COLOR))


def status_label(status: str | None, reason: str | None = None) -> str:
    """'Orphaned (owners left)', 'At risk', ...: the words shown for a status."""
    label = STATUS_LABELS.get(status or "", status or "")
    if reason:
        label += f" ({REASON_LABELS.get(reason, reason)})"
    return label


def swatch_style(status: str) -> str:
    """A style sheet for a small legend label in the status's colour."""
    return (
        f"background: {STATUS_COLORS[status]}; color: {TEXT_COLOR}; "
        "border: 1px solid #b0b0b0; border-radius: 3px; padding: 1px 6px;"
    )
