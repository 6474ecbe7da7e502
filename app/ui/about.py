"""Help ▸ About: the version, the open database and the libraries underneath."""

from __future__ import annotations

import platform

import PySide6
import sqlalchemy
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app import __version__
from app.ui import icons


def about_text(database: str) -> str:
    return (
        f"<h2>Clausekeeper {__version__}</h2>"
        "<p>Outsourcing contracts under control: renewals and notice deadlines, the in-house "
        "knowledge of every clause, SLA compliance and service credits.</p>"
        f"<p><b>Database:</b> {_escape(database)}</p>"
        f"<p style='color:gray'>Python {platform.python_version()} · Qt {qVersion()} · "
        f"PySide6 {PySide6.__version__} · SQLAlchemy {sqlalchemy.__version__}</p>"
    )


class AboutDialog(QDialog):
    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Clausekeeper")
        layout = QVBoxLayout(self)
        logo = QLabel()
        logo.setPixmap(icons.app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(logo)
        self.text = QLabel(about_text(database))
        self.text.setObjectName("aboutText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setMinimumWidth(420)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
