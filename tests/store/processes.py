"""Running the command line in child processes (for the crash and concurrency tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout under test: children import its `app`, not another installed copy."""


def cli(*args: str) -> subprocess.Popen[str]:
    """`python -m app ARGS` in a child process (stdout and stderr captured as text)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    child = cli(*args)
    out, err = child.communicate(timeout=timeout)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def kill_when(
    child: subprocess.Popen[str], ready: Callable[[], bool], delay: float, limit: float = 60
) -> bool:
    """SIGKILL the child `delay` seconds after `ready()` holds; False if it ended before."""
    end = time.monotonic() + limit
    while not ready():
        if child.poll() is not None:
            child.communicate()
            return False
        if time.monotonic() > end:
            break
        time.sleep(0.002)
    time.sleep(delay)
    if child.poll() is not None:
        child.communicate()
        return False
    child.send_signal(signal.SIGKILL)
    child.communicate()
    return True


def wal_written(path: Path) -> Callable[[], bool]:
    """True once the database's write-ahead log holds a page: the writing has begun."""
    wal = path.with_name(path.name + "-wal")
    return lambda: wal.exists() and wal.stat().st_size > 0
