"""Issue 17: every export and backup says where its file went, with Open and Show in folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from app.ui import workers
from app.ui.main_window import MainWindow
from app.ui.saved_file import SavedFileBar, announce
from tests.ui.conftest import open_dialogs, save_path_patch


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs the desktop was asked to open (nothing really opens)."""
    urls: list[str] = []

    def record(url: QUrl) -> bool:
        urls.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(record))
    return urls


def _bar(window: MainWindow) -> SavedFileBar:
    bar = window.findChild(SavedFileBar, "savedFileBar")
    assert bar is not None
    return bar


@pytest.mark.parametrize(
    ("action", "name", "words"),
    [
        ("calendar", "deadlines.ics", "deadlines were saved as a calendar"),
        ("export_renewals", "renewals.xlsx", "renewals workbook was saved"),
        ("backup", "copy.db", "backup was saved"),
    ],
)
def test_a_written_file_is_shown_where_the_user_sees_it(
    main_window: MainWindow, monkeypatch, tmp_path: Path, opened: list[str],  # type: ignore[no-untyped-def]
    action: str, name: str, words: str,
) -> None:
    target = tmp_path / name
    save_path_patch(monkeypatch, target)
    bar = _bar(main_window)
    assert not bar.isVisible()
    trigger = {"calendar": main_window.calendar_action,
               "backup": main_window.backup_action}.get(action)
    (trigger or main_window.export_actions["renewals"]).trigger()
    assert workers.wait_for_ops(60)
    assert target.exists()
    # visible, above the pages, with the file's full path, at the default window size
    assert bar.isVisible() and bar.visibleRegion().boundingRect().height() == bar.height()
    text = bar.label.text()
    assert words in text and str(target) in text
    assert bar.open_button.isVisible() and bar.folder_button.isVisible()
    bar.open_button.click()
    bar.folder_button.click()
    assert opened == [str(target), str(tmp_path)]
    bar.close_button.click()
    assert not bar.isVisible()
    assert not open_dialogs()


def test_without_a_main_window_a_dialog_offers_open_and_folder(
    qtbot, tmp_path: Path, opened: list[str]  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtWidgets import QMessageBox, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "report.xlsx"
    box = announce(parent, target, "The report was saved.")
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert str(target) in box.informativeText()
    buttons = {b.text(): b for b in box.buttons()}
    buttons["Show in folder"].click()
    assert opened == [str(tmp_path)]
    box.close()
