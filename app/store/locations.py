"""Where databases live by default: the user data folder, and the variable that names another.

Only the standard library and platformdirs, so start-up can find the database file before the
database library is loaded (app.store.quick_look).
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir

ENV_VAR = "CLAUSEKEEPER_DB"
APP_NAME = "Clausekeeper"


def data_dir() -> Path:
    """The user data folder (created on demand)."""
    path = Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "clausekeeper.db"


def demo_database_path() -> Path:
    return data_dir() / "demo.db"
