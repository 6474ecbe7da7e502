"""What importing an attestation workbook would change, before anything is written (the dry run
of the GUI's import, SPEC §5: simulate, then apply)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from app.reports.attestations import AttestationImport, read_attestations
from app.store.continuity_actions import CREATED, REMOVED, LinkChange, apply_attestations


def preview_attestations(session: Session, path: Path | str, as_of: date) -> AttestationImport:
    """The filled rows checked and the changes they would make; nothing is kept: the changes
    (and their audit rows) are rolled back with the session's transaction. Raises the same
    error as the import, naming every problem."""
    attestations = read_attestations(session, Path(path), as_of)
    try:
        changes = apply_attestations(session, attestations)
    finally:
        session.rollback()
    return AttestationImport(len(attestations), True, changes)


def _state(state: tuple[int, date] | None) -> str:
    return "no link" if state is None else f"level {state[0]}, verified {state[1].isoformat()}"


def change_line(change: LinkChange) -> str:
    """'ann@x @ C-001 §1: level 3, verified 2025-06-01 → level 4, verified 2026-01-15'."""
    if change.outcome == REMOVED:
        return f"{change.key}: {_state(change.before)} → removed"
    if change.outcome == CREATED:
        return f"{change.key}: new link, {_state(change.after)}"
    return f"{change.key}: {_state(change.before)} → {_state(change.after)}"
