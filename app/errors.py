"""Errors a user can fix. Anything else is a bug and is logged with its traceback."""

from __future__ import annotations

from datetime import datetime


class ClausekeeperError(Exception):
    """An error with a message written for users (one line per problem)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems else [message]

    def lines(self) -> list[str]:
        """The problems, one line each (for stderr or a dialog)."""
        return self.problems


class ValidationError(ClausekeeperError):
    """Input that breaks a rule of the specification (bad date, value out of range, ...)."""


class NotFoundError(ClausekeeperError):
    """A key (contract reference, person key, ...) that names nothing in the database."""


class DatabaseError(ClausekeeperError):
    """The database cannot be opened, is locked, corrupt, or from a newer version."""


class DatabaseBusyError(DatabaseError):
    """Another program holds the database's write lock longer than we wait for it."""


def _when(at: datetime | None) -> str:
    return f" on {at:%Y-%m-%d} at {at:%H:%M}" if at is not None else ""


_ENTITY_WORDS = {
    "Contract": "contract",
    "Clause": "clause",
    "Sla": "SLA",
    "Person": "person",
    "Vendor": "vendor",
    "Knowledge": "knowledge link",
    "Measurement": "measurement",
}


class ConflictError(ClausekeeperError):
    """A record another desk changed (or deleted) after this one read it: nothing was saved.

    entity is the model's name ("Contract", "Clause", "Sla", "Person", "Vendor", "Knowledge"),
    key the record's natural key as users know it (a contract reference, "C-1 §7.2", ...);
    changed_by and changed_at come from the newest audit row of the record (None when unknown).
    """

    def __init__(
        self,
        entity: str,
        key: str,
        changed_by: str | None,
        changed_at: datetime | None,
        *,
        deleted: bool = False,
    ) -> None:
        self.entity = entity
        self.key = key
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.deleted = deleted
        word = _ENTITY_WORDS.get(entity, entity.lower())
        who = changed_by or "someone else"
        if deleted:
            message = (
                f"{word} {key} was deleted by {who}{_when(changed_at)} after you opened it; "
                "nothing was saved"
            )
        else:
            message = (
                f"{word} {key} was changed by {who}{_when(changed_at)} after you opened it; "
                "reload it to see their changes"
            )
        super().__init__(message)


class ReadOnlyError(DatabaseError):
    """A write on a database this user may only read (PostgreSQL grants, a read-only file)."""

    def __init__(self, user: str, what: str = "saving") -> None:
        self.user = user
        self.what = what
        super().__init__(f"the database is read-only for user '{user}'; {what} needs write access")


class ConnectionLostError(DatabaseError):
    """The database server cannot be reached (down, restarting, network gone).

    What was committed before is safe; the change in progress was rolled back.
    """
