"""Where the folders that ship inside the package live: db/ and resources/ at the top of a checkout.

In a built wheel they are the packages app.migrations and app.resources (pyproject.toml maps
them); in a source checkout or an editable install they are the top-level folders.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def shipped_dir(package: str, folder: str) -> Path:
    """The folder of `package` when installed, else the checkout's top-level `folder`."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _CHECKOUT / folder
