"""What the desktop application remembers between runs (QSettings): databases, window layout.

These are preferences of the person at this computer, not of the portfolio: the portfolio's own
settings (SPEC §3) live in the database.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

ORGANIZATION = "Clausekeeper"
APPLICATION = "Clausekeeper"
MAX_RECENT = 8

_LAST = "database/last"
_RECENT = "database/recent"
_GEOMETRY = "window/geometry"
_STATE = "window/state"
_NAV = "window/page"
_FOLDER = "paths/last_folder"


def settings() -> QSettings:
    """The application's settings: an INI file in the user's configuration folder.

    (INI on every platform, so tests can redirect it with QSettings.setPath(IniFormat, ...).)
    """
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


def recent_databases() -> list[str]:
    """Recently opened databases, most recent first (files that vanished are left out)."""
    items = _as_list(settings().value(_RECENT))
    return [item for item in items if "://" in item or Path(item).exists()]


def remember_database(target: str) -> None:
    """Record `target` as the last database and put it first in the recent list."""
    store = settings()
    items = [item for item in _as_list(store.value(_RECENT)) if item != target]
    store.setValue(_RECENT, [target, *items][:MAX_RECENT])
    store.setValue(_LAST, target)
    store.sync()


def forget_recent() -> None:
    store = settings()
    store.remove(_RECENT)
    store.sync()


def last_database() -> str | None:
    """The database opened last time, if it is a URL or a file that still exists."""
    value = settings().value(_LAST)
    if not isinstance(value, str) or not value:
        return None
    if "://" in value or Path(value).exists():
        return value
    return None


def save_window(window: QMainWindow, page: str | None = None) -> None:
    store = settings()
    store.setValue(_GEOMETRY, window.saveGeometry())
    store.setValue(_STATE, window.saveState())
    if page:
        store.setValue(_NAV, page)
    store.sync()


def restore_window(window: QMainWindow) -> bool:
    """Restore geometry and toolbar/dock state; False when nothing was saved."""
    store = settings()
    geometry = store.value(_GEOMETRY)
    state = store.value(_STATE)
    restored = False
    if isinstance(geometry, QByteArray | bytes) and geometry:
        restored = window.restoreGeometry(QByteArray(geometry))
    if isinstance(state, QByteArray | bytes) and state:
        window.restoreState(QByteArray(state))
    return restored


def last_page() -> str | None:
    value = settings().value(_NAV)
    return value if isinstance(value, str) and value else None


def last_folder() -> str:
    """The folder of the last file chosen in a file dialog (the home folder at first)."""
    value = settings().value(_FOLDER)
    if isinstance(value, str) and value and Path(value).is_dir():
        return value
    return str(Path.home())


def remember_folder(folder: str) -> None:
    store = settings()
    store.setValue(_FOLDER, folder)
    store.sync()


def hidden_columns(view: str, default: list[str]) -> list[str]:
    """The column headers a table view hides (`default` until the user changes them)."""
    value = settings().value(f"{view}/hidden_columns")
    if value is None:
        return list(default)
    return _as_list(value)


def set_hidden_columns(view: str, names: list[str]) -> None:
    store = settings()
    store.setValue(f"{view}/hidden_columns", names if names else "")
    store.sync()


def remembered_mapping(signature: str) -> dict[str, object] | None:
    """The import mapping last used for files with this header set (see the import wizard)."""
    import json

    value = settings().value(f"import_mappings/{signature}")
    if not isinstance(value, str) or not value:
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def remember_mapping(signature: str, mapping: dict[str, object]) -> None:
    import json

    store = settings()
    store.setValue(f"import_mappings/{signature}", json.dumps(mapping, sort_keys=True))
    store.sync()
