"""What the desktop application remembers between runs (QSettings): databases, window layout.

These are preferences of the person at this computer, not of the portfolio: the portfolio's own
settings (SPEC §3) live in the database.

Passwords are never written here: a database URL is remembered without its password (a password
read back from an older settings file is dropped too). The password of a server that asks for one
is typed when connecting and kept in memory only; libpq's ~/.pgpass and service files still work,
because a URL without a password is kept exactly as it was given.
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


def without_password(target: str) -> str:
    """A database URL without its password (a file path, or a URL without one, as it is)."""
    if "://" not in target:
        return target
    scheme, _, rest = target.partition("://")
    authority, slash, path = rest.partition("/")
    if "?" in path:  # libpq takes ?password=… too
        path, _, query = path.partition("?")
        kept = [p for p in query.split("&") if p.split("=", 1)[0].lower() != "password"]
        path = f"{path}?{'&'.join(kept)}" if kept else path
    if "@" in authority:
        credentials, _, host = authority.rpartition("@")
        authority = f"{credentials.split(':', 1)[0]}@{host}"
    return f"{scheme}://{authority}{slash}{path}"


def recent_databases() -> list[str]:
    """Recently opened databases, most recent first (files that vanished are left out)."""
    items: list[str] = []
    for item in _as_list(settings().value(_RECENT)):
        safe = without_password(item)
        if safe not in items and ("://" in safe or Path(safe).exists()):
            items.append(safe)
    return items


def remember_database(target: str) -> None:
    """Record `target` as the last database and put it first in the recent list (a URL
    without its password)."""
    target = without_password(target)
    store = settings()
    items = [without_password(item) for item in _as_list(store.value(_RECENT))]
    items = [item for item in dict.fromkeys(items) if item != target]
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
    value = without_password(value)
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
