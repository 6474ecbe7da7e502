"""Undoable knowledge edits: set a level, add an owner, remove a link, re-verify links.

One command changes one or many links. Each link is named by its natural key (person key,
contract reference, clause number) and the command remembers its state before (level and
verified_on, or no link) so that undo puts every link back as it was. Every write goes through
the audited store actions of app.store.knowledge_actions.

Two desks: a command is given the state each link had when the user saw it (the matrix's cell,
`seen`); a link another desk changed since is refused with the ConflictError that names them,
before anything is written. Every write hands the store the link's version (`link_version`,
0 = no link), and each step remembers the versions it left, so an undo or redo never overwrites
what another desk saved in between (the store refuses, the step is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.errors import ConflictError
from app.services.knowledge_views import MatrixCell
from app.store import knowledge_actions as actions
from app.store.conflicts import last_change
from app.ui.context import AppContext
from app.ui.undo import StoreCommand, execute

State = tuple[int, date] | None  # (level, verified_on), or no link


@dataclass(frozen=True)
class LinkKey:
    """A knowledge link by its natural key, with the names shown in the undo history."""

    person_key: str
    person_name: str
    contract: str
    number: str

    def describe(self) -> str:
        return f"{self.person_name} on {self.contract} §{self.number}"


_UNSEEN = object()  # no state was shown to the user: nothing to compare


def _write(session: Session, key: LinkKey, now: State, target: State, version: int) -> int:
    """Move one link from `now` (at `version`) to `target`; returns the version it leaves."""
    args = (session, key.person_key, key.contract, key.number)
    if target == now:
        return version
    if target is None:
        actions.remove_knowledge(*args, expected_version=version)
    elif now is not None and now[0] == target[0]:
        actions.reverify(*args, target[1], expected_version=version)
    else:
        actions.set_knowledge(*args, target[0], target[1], expected_version=version)
    return actions.link_version(*args)


def _changed_meanwhile(session: Session, key: LinkKey, now: State) -> ConflictError:
    """The link is not what the user saw: who changed it, and when (the audit trail)."""
    name = f"{key.person_key} @ {key.contract} §{key.number}"
    who, when, found = last_change(session, "Knowledge", None, name)
    return ConflictError("Knowledge", found or name, who, when, deleted=now is None)


class LinksCommand(StoreCommand):
    """Give each of the links its target state (None removes it); undo restores them."""

    entity = "Knowledge"

    def __init__(
        self, ctx: AppContext, text: str, changes: Sequence[tuple[LinkKey, State]],
        seen: Sequence[State | object] | None = None,
    ) -> None:
        super().__init__(ctx, text)
        shown = list(seen) if seen is not None else [_UNSEEN] * len(changes)
        self.changes: list[tuple[LinkKey, State, State]] = []
        self.versions: list[int] = []  # what the next step (apply, then undo, redo) expects
        with ctx.session() as session:
            for (key, target), was in zip(changes, shown, strict=True):
                args = (session, key.person_key, key.contract, key.number)
                now = actions.link_state(*args)
                if was is not _UNSEEN and was != now:
                    raise _changed_meanwhile(session, key, now)
                self.changes.append((key, now, target))
                self.versions.append(actions.link_version(*args))

    def apply(self, session: Session) -> None:
        self.versions = [
            _write(session, key, before, after, version)
            for (key, before, after), version in zip(self.changes, self.versions, strict=True)
        ]

    def revert(self, session: Session) -> None:
        versions = list(self.versions)
        for index in reversed(range(len(self.changes))):
            key, before, after = self.changes[index]
            versions[index] = _write(session, key, after, before, versions[index])
        self.versions = versions


def set_level(
    ctx: AppContext, keys: Sequence[LinkKey], level: int,
    seen: Sequence[State | object] | None = None,
) -> StoreCommand:
    """Set (or create) the links at this level, verified on the as-of date (`seen`: the
    states the user saw, checked against the stored ones)."""
    target = (level, ctx.as_of)
    text = (
        f"Set level {level}: {keys[0].describe()}" if len(keys) == 1
        else f"Set level {level} on {len(keys)} links"
    )
    return execute(ctx, LinksCommand(ctx, text, [(k, target) for k in keys], seen))


def add_owner(
    ctx: AppContext, keys: Sequence[LinkKey], level: int,
    seen: Sequence[State | object] | None = None,
) -> StoreCommand:
    """A person takes over clauses: a link at `level`, verified on the as-of date."""
    first = keys[0]
    text = (
        f"Add {first.person_name} to {first.contract} §{first.number}" if len(keys) == 1
        else f"Add {first.person_name} to {len(keys)} clauses"
    )
    target = (level, ctx.as_of)
    return execute(ctx, LinksCommand(ctx, text, [(k, target) for k in keys], seen))


def remove_links(
    ctx: AppContext, keys: Sequence[LinkKey], seen: Sequence[State | object] | None = None,
) -> StoreCommand:
    text = (
        f"Remove the link of {keys[0].describe()}" if len(keys) == 1
        else f"Remove {len(keys)} links"
    )
    return execute(ctx, LinksCommand(ctx, text, [(k, None) for k in keys], seen))


def reverify(
    ctx: AppContext, keys: Sequence[LinkKey], levels: Sequence[int],
    seen: Sequence[State | object] | None = None,
) -> StoreCommand:
    """Confirm the links (their levels stay) as verified on the as-of date."""
    text = (
        f"Re-verify {keys[0].describe()}" if len(keys) == 1
        else f"Re-verify {len(keys)} links"
    )
    changes = [(k, (level, ctx.as_of)) for k, level in zip(keys, levels, strict=True)]
    return execute(ctx, LinksCommand(ctx, text, changes, seen))


def seen_state(cell: MatrixCell | None) -> State:
    """The state a matrix cell showed the user (None: no link)."""
    return None if cell is None else (cell.level, cell.verified_on)
