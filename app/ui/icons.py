"""Icons: the application's own (resources/) and Qt's standard ones, cached."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from app.paths import shipped_dir

RESOURCES = shipped_dir("app.resources", "resources")


@cache
def app_icon() -> QIcon:
    return QIcon(str(RESOURCES / "clausekeeper.svg"))


def standard(pixmap: QStyle.StandardPixmap) -> QIcon:
    style = QApplication.style()
    return style.standardIcon(pixmap) if style is not None else QIcon()


def warning() -> QIcon:
    return standard(QStyle.StandardPixmap.SP_MessageBoxWarning)


def critical() -> QIcon:
    return standard(QStyle.StandardPixmap.SP_MessageBoxCritical)


def information() -> QIcon:
    return standard(QStyle.StandardPixmap.SP_MessageBoxInformation)
