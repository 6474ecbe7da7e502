"""Say where a written file went, with "Open" and "Show in folder", where the user sees it.

Every export and backup ends in `announce()`: in the main window the message goes to a bar above
the pages that stays until it is closed or replaced (the status bar is hidden behind the database
path); without a main window a small dialog says the same. Opening uses `QDesktopServices`, so the
file opens in whatever the desktop associates with it (Excel, the calendar, a file manager).
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.ui.glossary import plain_tip

BAR_STYLE = (
    "#savedFileBar { background: #e8f4ea; border: 1px solid #7cb387; border-radius: 3px; }"
)


def open_file(path: Path) -> bool:
    """Open the file with the desktop's application for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def show_in_folder(path: Path) -> bool:
    """Open the folder holding the file in the desktop's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


class SavedFileBar(QFrame):
    """"Saved renewals.xlsx in /home/…" with Open, Show in folder and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savedFileBar")
        self.setStyleSheet(BAR_STYLE)
        self.path: Path | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setObjectName("savedFileText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("savedFileOpen")
        self.open_button.clicked.connect(self.open_file)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setObjectName("savedFileFolder")
        self.folder_button.clicked.connect(self.show_in_folder)
        self.close_button = QToolButton()
        self.close_button.setObjectName("savedFileClose")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide this message")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.folder_button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_file(self, path: Path, headline: str) -> None:
        """Show `headline` and the file's full path until closed or replaced."""
        self.path = path
        self.label.setText(f"{headline}<br><span style='color:#333'>{_html(str(path))}</span>")
        self.label.setToolTip(plain_tip(str(path)))
        self.show()

    def open_file(self) -> bool:
        return self.path is not None and open_file(self.path)

    def show_in_folder(self) -> bool:
        return self.path is not None and show_in_folder(self.path)


def announce(parent: QWidget | None, path: Path, headline: str) -> QWidget | None:
    """Tell the user `path` was written: the main window's bar, or a dialog without one."""
    if parent is not None and not shiboken6.isValid(parent):
        parent = None
    window = parent.window() if parent is not None else None
    bar = getattr(window, "saved_bar", None)
    if isinstance(bar, SavedFileBar):
        bar.show_file(path, _html(headline))
        return bar
    box = QMessageBox(QMessageBox.Icon.Information, "File saved", headline,
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("savedFileDialog")
    box.setInformativeText(str(path))
    opener = box.addButton("Open", QMessageBox.ButtonRole.ActionRole)
    folder = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
    opener.clicked.connect(lambda: open_file(path))
    folder.clicked.connect(lambda: show_in_folder(path))
    box.open()
    return box


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
