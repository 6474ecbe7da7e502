"""Progress without Qt (after dupeGuru's Job): a callback that may ask to cancel."""

from __future__ import annotations

from typing import Protocol

from app.errors import ClausekeeperError


class Cancelled(ClausekeeperError):
    """The user cancelled a long operation; nothing was written."""

    def __init__(self) -> None:
        super().__init__("cancelled; nothing was changed")


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> bool:
        """Report progress; return False to ask the operation to stop."""
        ...


def null_progress(done: int, total: int, message: str = "") -> bool:
    """For callers that do not care: never cancels."""
    return True


def step(progress: Progress, done: int, total: int, message: str = "") -> None:
    """Report progress and raise Cancelled when the callback asks to stop."""
    if progress(done, total, message) is False:
        raise Cancelled()
