"""The first-run dialog, offered when the database holds no contracts and no vendors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

DEMO = "demo"
IMPORT = "import"
EMPTY = "empty"


class FirstRunDialog(QDialog):
    """Three ways to begin: the demo portfolio, an existing register, or nothing."""

    def __init__(self, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Welcome to Clausekeeper")
        self.choice = EMPTY
        layout = QVBoxLayout(self)
        intro = QLabel(
            "<h3>This database is empty</h3>"
            f"<p>{_escape(database)}</p>"
            "<p>How would you like to begin?</p>"
        )
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.demo_button = self._choice_button(
            "Load the demo portfolio",
            "A realistic sample: vendors, contracts, clauses, people, SLAs and measurements.",
            DEMO,
        )
        self.import_button = self._choice_button(
            "Import a register…",
            "A CSV or Excel list from another system, or a register workbook: mapped, "
            "previewed and checked before anything is written.",
            IMPORT,
        )
        self.empty_button = self._choice_button(
            "Start empty", "Add vendors, people and contracts yourself.", EMPTY
        )
        for button in (self.demo_button, self.import_button, self.empty_button):
            layout.addWidget(button)
        self.demo_button.setDefault(True)
        self.demo_button.setFocus()

    def _choice_button(self, text: str, description: str, choice: str) -> QCommandLinkButton:
        button = QCommandLinkButton(text, description, self)
        button.setObjectName(f"firstRun_{choice}")
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def reject(self) -> None:  # Escape or the close button: start empty
        self.choice = EMPTY
        super().reject()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ask(parent: QWidget | None, database: str) -> str:
    """Show the dialog and return the choice: DEMO, IMPORT or EMPTY."""
    dialog = FirstRunDialog(database, parent)
    dialog.exec()
    return dialog.choice
