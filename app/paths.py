"""Where the folders that ship inside the package live: db/ and resources/ at the top of a checkout.

In a built wheel (or a bundle) they are the packages app.migrations and app.resources
(pyproject.toml maps them); in a source checkout the top-level folders of that checkout win, so a
second checkout (a git worktree) never runs the migrations of the one that was pip-installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def shipped_dir(package: str, folder: str) -> Path:
    """The checkout's top-level `folder` in a source checkout, else the folder of `package`."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / folder).is_dir():
        return _CHECKOUT / folder
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _CHECKOUT / folder
