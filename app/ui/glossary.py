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
    "set_tip", "term_name", "tip", "words", "wrap",
]


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
