"""Errors a user can fix. Anything else is a bug and is logged with its traceback."""

from __future__ import annotations


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
