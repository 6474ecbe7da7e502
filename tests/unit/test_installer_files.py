"""The bundle's desktop files agree with each other and with the app (name, id, icon, command)."""

from __future__ import annotations

import ast
import configparser
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from defusedxml import ElementTree

from app import __version__

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


def _constant(path: Path, name: str) -> str:
    """A module-level string constant, read without importing the module (no Qt here)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            assert isinstance(node.value, ast.Constant)
            return str(node.value.value)
    raise AssertionError(f"{name} is not set in {path}")


APP_ID = _constant(ROOT / "app" / "ui" / "application.py", "DESKTOP_ID")
DESKTOP = INSTALLER / f"{APP_ID}.desktop"
METAINFO = INSTALLER / f"{APP_ID}.metainfo.xml"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _metainfo() -> ElementTree.Element:
    return ElementTree.parse(METAINFO).getroot()


def _listed(value: str) -> list[str]:
    return [item for item in value.split(";") if item]


def test_desktop_file_and_metainfo_name_the_same_application() -> None:
    entry = _desktop_entry()
    component = _metainfo()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert entry["Type"] == "Application"
    assert entry["Name"] == component.findtext("name") == "Clausekeeper"
    assert entry["Icon"] == APP_ID
    assert _listed(entry["Categories"]) == [c.text for c in component.iter("category")]
    assert entry["Terminal"] == "false"
    # Qt's xcb platform names the window class after the application name: the desktop matches
    # the window to this launcher (and its icon) by it; Wayland by the desktop file name.
    assert entry["StartupWMClass"] == _constant(ROOT / "app" / "ui" / "settings_store.py",
                                                "APPLICATION")


def test_the_command_is_the_bundles_program_and_the_entry_point() -> None:
    command = _desktop_entry()["Exec"].split()[0]
    assert _desktop_entry()["TryExec"] == command
    assert _metainfo().findtext("provides/binary") == command
    assert _constant(INSTALLER / "clausekeeper.spec", "NAME") == command
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command in scripts


def test_the_newest_release_is_this_version() -> None:
    releases = [release.get("version") for release in _metainfo().iter("release")]
    assert releases and releases[0] == __version__


def test_the_build_uses_the_same_id_for_files_and_icons() -> None:
    for script in ("build.sh", "smoke.sh", "install-desktop.sh", "validate-metadata.sh"):
        text = (INSTALLER / script).read_text(encoding="utf-8")
        assert re.search(rf"^APP_ID={re.escape(APP_ID)}$", text, re.MULTILINE), script
    assert _constant(INSTALLER / "render_icons.py", "DEFAULT_NAME") == APP_ID
    assert (ROOT / "resources" / "clausekeeper.svg").is_file()
    sizes = ast.literal_eval(
        re.search(r"^SIZES = (\(.*\))$", (INSTALLER / "render_icons.py").read_text(),
                  re.MULTILINE).group(1)  # type: ignore[union-attr]
    )
    assert min(sizes) == 16 and max(sizes) == 512


@pytest.mark.skipif(
    shutil.which("appstreamcli") is None or shutil.which("desktop-file-validate") is None,
    reason="needs appstreamcli (appstream) and desktop-file-validate (desktop-file-utils)",
)
def test_the_validators_accept_launcher_and_metainfo() -> None:
    result = subprocess.run(["bash", str(INSTALLER / "validate-metadata.sh")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
