"""The data revision: every write passes the audit trail, so its newest row names the state.

A figure computed at revision R is current while the newest audit row is still R. Which kinds of
record changed since R is one indexed range query, so a cache can refresh only what they touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.store.models import AuditLog


@dataclass(frozen=True)
class Revision:
    """The newest audit row: its id and when it was written (0 and None for a new database)."""

    last_id: int
    at: datetime | None

    @property
    def token(self) -> str:
        """Text that differs for any two states (a database restored from a backup included)."""
        return f"{self.last_id}@{self.at.isoformat() if self.at else '-'}"


def current_revision(session: Session) -> Revision:
    row = session.execute(
        select(AuditLog.id, AuditLog.at).order_by(AuditLog.id.desc()).limit(1)
    ).first()
    return Revision(0, None) if row is None else Revision(row[0], row[1])


def changed_since(session: Session, revision: Revision) -> set[str] | None:
    """The entities written after `revision`; None when it is not a state of this database
    (its row is gone or different: a restored backup, another database at the same place)."""
    if revision.last_id:
        row = session.execute(select(AuditLog.at).where(AuditLog.id == revision.last_id)).first()
        if row is None or row[0] != revision.at:
            return None
    entities = session.scalars(
        select(AuditLog.entity).where(AuditLog.id > revision.last_id).distinct()
    )
    return set(entities)


def schema_version(session: Session) -> str:
    """The migration the database is at (Alembic's version_num; "" when there is none)."""
    row = session.execute(text("SELECT version_num FROM alembic_version")).first()
    return "" if row is None else str(row[0])
