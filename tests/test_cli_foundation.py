"""The command line's contract (SPEC §6): exit codes, one-line errors, global options anywhere."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_demo_then_check(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    first = run("--db", db, "demo", "--as-of", "2026-11-29")
    assert first.returncode == 0, first.stderr
    assert "40 contracts" in first.stdout
    checked = run("check", "--db", db)
    assert checked.returncode == 0 and checked.stdout.startswith("ok")


def test_demo_on_a_non_empty_database_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert main(["--db", db, "demo", "--as-of", "2026-11-29"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "demo"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds data" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/no/such/folder/x.db", "does not exist"),
        ("mysql://u@h/db", "not supported"),
        ("postgresql://nobody@127.0.0.1:9/none", "cannot connect to .* 127.0.0.1:9: it is not"),
    ],
)
def test_bad_db_values(value: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", value, "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err) and err.count("\n") == 1 and "Traceback" not in err


def test_db_that_is_a_folder_or_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path), "check"]) == 1
    assert "is a folder" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text that is long enough" * 40)
    assert main(["--db", str(junk), "check"]) == 1
    assert "not a database" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("--db", str(tmp_path / "x.db"), "--as-of", "2025-02-30", "check").returncode == 2
    assert run("frobnicate").returncode == 2


def test_env_var_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("CLAUSEKEEPER_DB", str(target))
    assert main(["check"]) == 0
    assert str(target) in capsys.readouterr().out


def test_backup_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    assert main(["--db", db, "demo", "--as-of", "2026-11-29"]) == 0
    out = tmp_path / "backup.db"
    assert main(["--db", db, "backup", "--out", str(out)]) == 0
    assert main(["--db", str(out), "check"]) == 0
    assert main(["--db", db, "backup", "--out", str(tmp_path / "nope" / "b.db")]) == 1
