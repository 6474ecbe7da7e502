"""`clausekeeper export KIND --out FILE`: write a workbook atomically.

The workbook is written to a temporary file in the destination folder and moved into place only
when complete, so a failed or cancelled export leaves nothing half-written (and an existing file
untouched).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from app.core.progress import Progress, null_progress
from app.errors import ClausekeeperError
from app.services.collector import collector_paused

KINDS = ("register", "renewals", "knowledge", "sla")

Writer = Callable[[Session, IO[bytes], date, Progress], Any]


def _register(session: Session, out: IO[bytes], as_of: date, progress: Progress) -> Any:
    from app.reports.register_export import write_register

    return write_register(session, out, progress)


def _renewals(session: Session, out: IO[bytes], as_of: date, progress: Progress) -> Any:
    from app.reports.report_renewals import write_renewals_report

    return write_renewals_report(session, out, as_of, progress)


def _knowledge(session: Session, out: IO[bytes], as_of: date, progress: Progress) -> Any:
    from app.reports.report_knowledge import write_knowledge_report

    return write_knowledge_report(session, out, as_of, progress)


def _sla(session: Session, out: IO[bytes], as_of: date, progress: Progress) -> Any:
    from app.reports.report_sla import write_sla_report

    return write_sla_report(session, out, as_of, progress)


WRITERS: dict[str, Writer] = {
    "register": _register,
    "renewals": _renewals,
    "knowledge": _knowledge,
    "sla": _sla,
}


def export_report(
    session: Session,
    kind: str,
    path: Path,
    as_of: date,
    progress: Progress = null_progress,
) -> Path:
    """Write the `kind` workbook to `path` (replacing it only on success); returns the path."""
    if kind not in WRITERS:
        raise ClausekeeperError(f"unknown report {kind!r} (expected one of {', '.join(KINDS)})")
    writer = WRITERS[kind]
    return write_workbook(path, lambda out: writer(session, out, as_of, progress))


def write_workbook(path: Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Run `write(out)` on a temporary .xlsx next to `path`, then move it into place; returns the
    path. A failure or cancellation leaves nothing half-written (and an existing file as it
    was)."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise ClausekeeperError(f"--out: {path.name} must end in .xlsx")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ClausekeeperError(f"--out: the folder {folder} does not exist")
    if path.is_dir():
        raise ClausekeeperError(f"--out: {path} is a folder")
    fd, temp = _create_temp(folder, path.stem)
    try:
        with os.fdopen(fd, "wb") as out, collector_paused():
            write(out)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ClausekeeperError(f"--out: cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def _create_temp(folder: Path, stem: str) -> tuple[int, Path]:
    """A new file next to the destination, with the permissions the umask gives new files."""
    for _ in range(100):
        temp = folder / f".{stem}-{secrets.token_hex(6)}.xlsx.part"
        try:
            return os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise ClausekeeperError(f"--out: cannot write in {folder}: {exc.strerror}") from None
    raise ClausekeeperError(f"--out: cannot create a temporary file in {folder}")
