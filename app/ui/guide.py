"""Help ▸ User guide (F1): the short guide shipped with the app, one page per kind of user.

The pages are HTML files in resources/guide/ (app.resources/guide in a wheel or a bundle, found
through app.paths.shipped_dir), shown in a QTextBrowser: no browser, no network.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.paths import shipped_dir

PAGES = (
    ("index.html", "Start here"),
    ("procurement.html", "Procurement"),
    ("it-lead.html", "IT lead"),
    ("service-manager.html", "Service manager"),
)


def guide_dir() -> Path:
    """The folder of the guide's pages."""
    return shipped_dir("app.resources", "resources") / "guide"


class GuideDialog(QDialog):
    """The user guide: a page list on the left, the page on the right (links work offline)."""

    def __init__(self, parent: QWidget | None = None, page: str = "index.html") -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle("Clausekeeper user guide")
        self.resize(820, 600)
        folder = guide_dir()
        self.pages = QListWidget()
        self.pages.setObjectName("guidePages")
        self.pages.setFixedWidth(160)
        for name, title in PAGES:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.pages.addItem(item)
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideBrowser")
        self.browser.setOpenLinks(True)
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([str(folder)])
        self.browser.sourceChanged.connect(self._source_changed)
        self.pages.currentRowChanged.connect(self._page_chosen)
        body = QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.show_page(page)
        self.browser.setFocus()

    def show_page(self, name: str) -> None:
        self.browser.setSource(QUrl.fromLocalFile(str(guide_dir() / name)))

    def current_page(self) -> str:
        return self.browser.source().fileName()

    def _page_chosen(self, row: int) -> None:
        if 0 <= row < len(PAGES) and PAGES[row][0] != self.current_page():
            self.show_page(PAGES[row][0])

    def _source_changed(self, url: QUrl) -> None:
        current = url.fileName()
        for row, (name, _title) in enumerate(PAGES):
            if name == current and self.pages.currentRow() != row:
                self.pages.blockSignals(True)
                self.pages.setCurrentRow(row)
                self.pages.blockSignals(False)
