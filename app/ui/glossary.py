"""Tooltips in plain words for every figure and status: the one place the windows get them.

The definitions live in app.core.glossary (the reports use the same words); this module turns
them into tooltips that wrap inside the window (rich text, so Qt word-wraps them at a readable
width instead of drawing one line across the screen).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from app.core.glossary import (
    CLAUSE_STATUS_WORDS,
    DEADLINE_WORDS,
    RENEWAL_WORDS,
    STATUS_WORDS,
    define,
    term_name,
    words,
)

__all__ = [
    "CLAUSE_STATUS_WORDS", "DEADLINE_WORDS", "RENEWAL_WORDS", "STATUS_WORDS", "TooltipWrapper",
    "define", "header_tip", "install_after_start", "install_tooltip_wrapping", "set_tip",
    "term_name", "tip", "words", "wrap",
]
WRAP_AT = 80  # characters: a longer plain tooltip is shown wrapped

# Column headers of the lists and the glossary words that explain them: a list's header tooltip.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "Status": ("status",), "Renewal": ("term",), "Cancel by": ("cancel_by",),
    "Exercise by": ("exercise_by",), "Deadline": ("deadline",), "Next deadline": ("deadline",),
    "Days left": ("days_left",), "Ends on": ("ends_on",), "Earliest end": ("earliest_end",),
    "Notice": ("notice",), "Criticality": ("criticality",), "Crit.": ("criticality",),
    "Coverage": ("coverage",), "Truck factor": ("truck_factor",), "Compliance": ("compliance",),
    "Breached": ("breached",), "Missing": ("missing",), "Outstanding": ("outstanding",),
    "Due": ("service_credit",), "Claim by": ("claim_by",), "Lost": ("lost",),
    "Leaves on": ("leaves_on",), "Orphaned": ("orphaned",), "At risk": ("at_risk",),
    "Single owner": ("single",), "Covered": ("covered",),
}


def header_tip(header: str) -> str:
    """The tooltip of a list's column called `header` ("" when the glossary has no words)."""
    return tip(*HEADER_WORDS.get(header, ()))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text: str) -> str:
    """A tooltip that wraps: plain `text` as rich text, its line breaks kept ("" stays "")."""
    if not text:
        return ""
    return "<qt>" + "<br>".join(_html(line) for line in text.split("\n")) + "</qt>"


def tip(*keys: str, lead: str = "") -> str:
    """The wrapped tooltip of `lead` followed by the definitions of `keys`."""
    parts = [lead] if lead else []
    parts.extend(text for text in (define(key) for key in keys) if text)
    return wrap("\n".join(parts))


def set_tip(widget: QWidget, *keys: str, lead: str = "") -> QWidget:
    """Give `widget` the tooltip of `keys`; returns the widget."""
    widget.setToolTip(tip(*keys, lead=lead))
    return widget


class TooltipWrapper(QObject):
    """Shows any long plain-text tooltip of any widget wrapped (Qt draws plain text on one
    line, as wide as the screen); rich-text tooltips Qt wraps by itself."""

    TOOLTIP = QEvent.Type.ToolTip

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        # every event of the application passes here: the cheapest test first
        if event.type() is self.TOOLTIP and isinstance(watched, QWidget):
            text = watched.toolTip()
            if len(text) > WRAP_AT and not text.lstrip().startswith("<"):
                assert isinstance(event, QHelpEvent)
                QToolTip.showText(event.globalPos(), wrap(text), watched)
                return True
        return False


_wrapper: TooltipWrapper | None = None


def install_tooltip_wrapping(app: QApplication) -> TooltipWrapper:
    """Wrap long tooltips everywhere in the application (once).

    The filter sees every event of the application: start-up installs it once the window is
    drawn (`install_after_start`), not before its thousands of first events."""
    global _wrapper
    if _wrapper is None:
        _wrapper = TooltipWrapper(app)
        app.installEventFilter(_wrapper)
    return _wrapper


START_DELAY_MS = 400  # well before a tooltip can show (Qt waits 700 ms for one)


def install_after_start(app: QApplication) -> None:
    """install_tooltip_wrapping once start-up's first events are handled."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(START_DELAY_MS, lambda: install_tooltip_wrapping(app))
