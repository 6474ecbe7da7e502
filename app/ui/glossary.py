"""Tooltips in plain words for every figure and status: the one place the windows get them.

The definitions live in app.core.glossary (the reports use the same words); this module turns
them into tooltips that wrap inside the window (rich text, so Qt word-wraps them at a readable
width instead of drawing one line across the screen).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

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
    "CLAUSE_STATUS_WORDS", "DEADLINE_WORDS", "RENEWAL_WORDS", "STATUS_WORDS", "define",
    "header_tip", "plain_tip", "set_tip", "term_name", "tip", "words", "wrap",
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


def plain_tip(text: str) -> str:
    """A tooltip of plain `text` as Qt wraps it inside the window when it is long (Qt draws plain
    text on one line, as wide as the screen; rich text it wraps by itself). Every widget
    tooltip of the windows is set through it, tip() or set_tip(): an application-wide event
    filter doing the same would see every event of the application, and each would wait for
    the interpreter while a worker computes."""
    if len(text) > WRAP_AT and not text.lstrip().startswith("<"):
        return wrap(text)
    return text
