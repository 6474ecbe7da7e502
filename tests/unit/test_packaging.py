"""The wheel carries every package, and the migrations inside it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_under_app_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"
    assert config["package-dir"]["app.migrations"] == "db"
    assert config["package-dir"]["app.resources"] == "resources"
    assert (ROOT / "db" / "env.py").exists()


def test_shipped_folders_are_found_in_a_checkout() -> None:
    from app.store.migrate import migrations_dir
    from app.ui.icons import RESOURCES

    assert (migrations_dir() / "env.py").exists()
    assert (RESOURCES / "clausekeeper.svg").exists()
