"""One direction of dependency: the core and the reports never import Qt."""

from __future__ import annotations

import subprocess
import sys


def _imports_after(module: str) -> set[str]:
    code = (
        f"import sys, {module}, pkgutil, importlib, app\n"
        f"pkg = {module}\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_core_imports_neither_qt_nor_sqlalchemy() -> None:
    loaded = _imports_after("app.core")
    assert not any(m.startswith("PySide6") for m in loaded)
    assert not any(m.startswith("sqlalchemy") for m in loaded)


def test_reports_and_store_do_not_import_qt() -> None:
    for package in ("app.reports", "app.store", "app.services"):
        assert not any(m.startswith("PySide6") for m in _imports_after(package)), package
