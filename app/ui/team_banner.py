"""The strip above the pages that says why editing is off: a read-only database, a lost server.

Not a dialog: it stays while the state lasts and goes by itself, however many calls fail.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

READ_ONLY_STYLE = ("#teamBanner { background: #e8f0fe; border-bottom: 1px solid #9ab4e8; }"
                   " QLabel { color: #1a3d7c; }")
LOST_STYLE = ("#teamBanner { background: #fde7ea; border-bottom: 1px solid #e0a0a8; }"
              " QLabel { color: #8a0016; }")


class TeamBanner(QFrame):
    """One line: what is going on, in words (hidden while everything is normal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel(self)
        self.label.setObjectName("teamBannerText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.label, 1)
        self.kind = ""
        self.hide()

    def show_read_only(self, text: str) -> None:
        self._show("read-only", text, READ_ONLY_STYLE)

    def show_lost(self, text: str) -> None:
        self._show("lost", text, LOST_STYLE)

    def _show(self, kind: str, text: str, style: str) -> None:
        self.kind = kind
        self.label.setText(text)
        self.setStyleSheet(style)
        self.show()

    def clear(self) -> None:
        self.kind = ""
        self.label.setText("")
        self.hide()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
