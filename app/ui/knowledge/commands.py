"""Undoable knowledge edits: set a level, add an owner, remove a link, re-verify links.

One command changes one or many links. Each link is named by its natural key (person key,
contract reference, clause number) and the command remembers its state before (level and
verified_on, or no link) so that undo puts every link back as it was. Every write goes through
the audited store actions of app.store.knowledge_actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.store import knowledge_actions as actions
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


def _write(session: Session, key: LinkKey, now: State, target: State) -> None:
    """Move one link from `now` to `target` with the matching audited action."""
    if target == now:
        return
    if target is None:
        actions.remove_knowledge(session, key.person_key, key.contract, key.number)
    elif now is not None and now[0] == target[0]:
        actions.reverify(session, key.person_key, key.contract, key.number, target[1])
    else:
        actions.set_knowledge(
            session, key.person_key, key.contract, key.number, target[0], target[1]
        )


class LinksCommand(StoreCommand):
    """Give each of the links its target state (None removes it); undo restores them."""

    entity = "Knowledge"

    def __init__(
        self, ctx: AppContext, text: str, changes: Sequence[tuple[LinkKey, State]]
    ) -> None:
        super().__init__(ctx, text)
        with ctx.session() as session:
            self.changes = [
                (key, actions.link_state(session, key.person_key, key.contract, key.number),
                 target)
                for key, target in changes
            ]

    def apply(self, session: Session) -> None:
        for key, before, after in self.changes:
            _write(session, key, before, after)

    def revert(self, session: Session) -> None:
        for key, before, after in reversed(self.changes):
            _write(session, key, after, before)


def set_level(ctx: AppContext, keys: Sequence[LinkKey], level: int) -> StoreCommand:
    """Set (or create) the links at this level, verified on the as-of date."""
    target = (level, ctx.as_of)
    text = (
        f"Set level {level}: {keys[0].describe()}" if len(keys) == 1
        else f"Set level {level} on {len(keys)} links"
    )
    return execute(ctx, LinksCommand(ctx, text, [(k, target) for k in keys]))


def add_owner(ctx: AppContext, keys: Sequence[LinkKey], level: int) -> StoreCommand:
    """A person takes over clauses: a link at `level`, verified on the as-of date."""
    first = keys[0]
    text = (
        f"Add {first.person_name} to {first.contract} §{first.number}" if len(keys) == 1
        else f"Add {first.person_name} to {len(keys)} clauses"
    )
    target = (level, ctx.as_of)
    return execute(ctx, LinksCommand(ctx, text, [(k, target) for k in keys]))


def remove_links(ctx: AppContext, keys: Sequence[LinkKey]) -> StoreCommand:
    text = (
        f"Remove the link of {keys[0].describe()}" if len(keys) == 1
        else f"Remove {len(keys)} links"
    )
    return execute(ctx, LinksCommand(ctx, text, [(k, None) for k in keys]))


def reverify(ctx: AppContext, keys: Sequence[LinkKey], levels: Sequence[int]) -> StoreCommand:
    """Confirm the links (their levels stay) as verified on the as-of date."""
    text = (
        f"Re-verify {keys[0].describe()}" if len(keys) == 1
        else f"Re-verify {len(keys)} links"
    )
    changes = [(k, (level, ctx.as_of)) for k, level in zip(keys, levels, strict=True)]
    return execute(ctx, LinksCommand(ctx, text, changes))
