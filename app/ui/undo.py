"""Undoable edits: QUndoCommands that call the store actions with plain values.

Each command keeps plain data only (form text, natural keys such as a contract reference, and
for deletions a snapshot of what was removed), opens a fresh session for every do and undo, and
then announces the entity that changed through `ctx.changed`. Records are found again by their
natural key, not by id, because undoing a deletion re-creates a record under a new id.

`execute(ctx, command)` applies a command first, so a ClausekeeperError reaches the caller (the
dialog shows it inline) and nothing is pushed; only a command that succeeded goes on the stack.

Versions (two desks, one record): the first apply of an edit or deletion checks the version the
dialog loaded (`expected_version`), and every step then remembers the version it wrote, so the
next undo or redo checks that nobody changed the record since. When somebody did, the store
refuses with ConflictError and the step is dropped from the history (it is reported, nothing of
the other desk's work is overwritten).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtGui import QUndoCommand
from sqlalchemy.orm import Session

from app.errors import ClausekeeperError, ConnectionLostError
from app.store import portfolio_actions as actions
from app.store.conflicts import record_version
from app.ui.context import AppContext

Key = Any  # a natural key: a name, a reference, or (reference, number)


@dataclass(frozen=True)
class Kind:
    """How to find, read, write and re-create one kind of record."""

    entity: str
    label: str
    find: Callable[[Session, Key], int]
    key: Callable[[Session, int], Key]
    create: Callable[[Session, int | None, Mapping[str, str]], int]
    update: Callable[..., int]  # (session, id, values, *, expected_version=None)
    delete: Callable[..., Any]  # (session, id, *, expected_version=None)
    snapshot: Callable[[Session, int], Any]
    restore: Callable[[Session, int | None, Any, Any], int]
    values: Callable[[Session, int], dict[str, str]]
    in_contract: bool = False

    def describe(self, key: Key) -> str:
        if isinstance(key, tuple):
            return f"{self.label} {key[-1]} of {key[0]}"
        return f"{self.label} {key}"

    def version(self, session: Session, record_id: int) -> int:
        """The stored version of the record (what the next write must start from)."""
        return record_version(session, self.entity, record_id)


def _parent(parent: int | None) -> int:
    if parent is None:
        raise ClausekeeperError("the contract of this record is missing")
    return parent


VENDOR = Kind(
    entity="Vendor",
    label="vendor",
    find=actions.find_vendor,
    key=lambda s, i: actions.vendor_values(s, i)["name"],
    create=lambda s, _p, v: actions.create_vendor(s, v),
    update=actions.update_vendor,
    delete=actions.delete_vendor,
    snapshot=actions.vendor_values,
    restore=lambda s, _p, snap, _info: actions.create_vendor(s, snap),
    values=actions.vendor_values,
)
PERSON = Kind(
    entity="Person",
    label="person",
    find=actions.find_person,
    key=actions.person_key,
    create=lambda s, _p, v: actions.create_person(s, v),
    update=actions.update_person,
    delete=actions.delete_person,
    snapshot=actions.person_values,
    restore=lambda s, _p, snap, owned: actions.restore_person(s, snap, owned or []),
    values=actions.person_values,
)
CONTRACT = Kind(
    entity="Contract",
    label="contract",
    find=actions.find_contract,
    key=lambda s, i: actions.contract_values(s, i)["reference"],
    create=lambda s, _p, v: actions.create_contract(s, v),
    update=actions.update_contract,
    delete=actions.delete_contract,
    snapshot=actions.contract_snapshot,
    restore=lambda s, _p, snap, _info: actions.restore_contract(s, snap),
    values=actions.contract_values,
)
CLAUSE = Kind(
    entity="Clause",
    label="clause",
    find=lambda s, k: actions.find_clause(s, k[0], k[1]),
    key=actions.clause_identity,
    create=lambda s, p, v: actions.create_clause(s, _parent(p), v),
    update=actions.update_clause,
    delete=actions.delete_clause,
    snapshot=actions.clause_snapshot,
    restore=lambda s, p, snap, _info: actions.restore_clause(s, _parent(p), snap),
    values=actions.clause_values,
    in_contract=True,
)
SLA = Kind(
    entity="Sla",
    label="SLA",
    find=lambda s, k: actions.find_sla(s, k[0], k[1]),
    key=actions.sla_identity,
    create=lambda s, p, v: actions.create_sla(s, _parent(p), v),
    update=actions.update_sla,
    delete=actions.delete_sla,
    snapshot=actions.sla_snapshot,
    restore=lambda s, p, snap, _info: actions.restore_sla(s, _parent(p), snap),
    values=actions.sla_values,
    in_contract=True,
)


class StoreCommand(QUndoCommand):
    """A command whose do and undo each run in a fresh session, then announce the change."""

    entity = "*"

    def __init__(self, ctx: AppContext, text: str) -> None:
        super().__init__(text)
        self.ctx = ctx
        self._applied_once = False
        self.error: ClausekeeperError | None = None

    def apply(self, session: Session) -> None:
        raise NotImplementedError

    def revert(self, session: Session) -> None:
        raise NotImplementedError

    def run_first(self) -> None:
        """Apply now; ClausekeeperError propagates and the command must not be pushed."""
        with self.ctx.session() as session:
            self.apply(session)
        self._applied_once = True
        self.ctx.changed(self.entity)

    def redo(self) -> None:
        if self._applied_once:  # QUndoStack.push calls redo(): the work is already done
            self._applied_once = False
            return
        self._guarded(self.apply)

    def undo(self) -> None:
        self._guarded(self.revert)

    def _guarded(self, step: Callable[[Session], None]) -> None:
        try:
            with self.ctx.session() as session:
                step(session)
        except ConnectionLostError as exc:
            # Nothing was written; the step cannot be trusted any more: dropped, no dialog (the
            # window's banner says the connection is lost).
            self.error = exc
            self.ctx.connection_lost(str(exc))
            self.setObsolete(True)
            return
        except ClausekeeperError as exc:
            # The data moved on outside the undo history (an import, another user): drop the step.
            self.error = exc
            self.setObsolete(True)
            _report(exc)
        self.ctx.changed(self.entity)


def _report(exc: ClausekeeperError) -> None:
    from app.ui.workers import show_error

    show_error(None, exc, "Undo")


def execute(ctx: AppContext, command: StoreCommand) -> StoreCommand:
    """Apply the command (errors raise to the caller) and put it on the undo stack."""
    command.run_first()
    ctx.undo_stack.push(command)
    return command


class CreateCommand(StoreCommand):
    """Add a record from form values."""

    def __init__(
        self,
        ctx: AppContext,
        kind: Kind,
        values: Mapping[str, str],
        contract: str | None = None,
    ) -> None:
        super().__init__(ctx, f"Add {kind.label}")
        self.kind = kind
        self.entity = kind.entity
        self.values = dict(values)
        self.contract = contract
        self.key: Key = None
        self.record_id: int | None = None
        self.version_after: int | None = None

    def _parent_id(self, session: Session) -> int | None:
        return actions.find_contract(session, self.contract) if self.contract else None

    def apply(self, session: Session) -> None:
        self.record_id = self.kind.create(session, self._parent_id(session), self.values)
        self.key = self.kind.key(session, self.record_id)
        self.version_after = self.kind.version(session, self.record_id)
        self.setText(f"Add {self.kind.describe(self.key)}")

    def revert(self, session: Session) -> None:
        self.kind.delete(session, self.kind.find(session, self.key),
                         expected_version=self.version_after)


class UpdateCommand(StoreCommand):
    """Change a record; undo puts every field back as it was."""

    def __init__(
        self,
        ctx: AppContext,
        kind: Kind,
        record_id: int,
        after: Mapping[str, str],
        text: str | None = None,
        *,
        expected_version: int | None = None,
    ) -> None:
        super().__init__(ctx, text or f"Edit {kind.label}")
        self.kind = kind
        self.entity = kind.entity
        with ctx.session() as session:
            self.key_before: Key = kind.key(session, record_id)
            self.before = kind.values(session, record_id)
        self.after = dict(after)
        self.key_after: Key = self.key_before
        # what the next step must find: the version the dialog loaded, then the one written
        self.expected_version = expected_version
        self.version_after: int | None = None
        if text is None:
            self.setText(f"Edit {kind.describe(self.key_before)}")

    def apply(self, session: Session) -> None:
        record_id = self.kind.update(session, self.kind.find(session, self.key_before), self.after,
                                     expected_version=self.expected_version)
        self.key_after = self.kind.key(session, record_id)
        self.version_after = self.kind.version(session, record_id)

    def revert(self, session: Session) -> None:
        record_id = self.kind.update(session, self.kind.find(session, self.key_after),
                                     self.before, expected_version=self.version_after)
        self.expected_version = self.kind.version(session, record_id)  # what redo starts from


class DeleteCommand(StoreCommand):
    """Delete a record; undo re-creates it with what it held (clauses, links, documents...)."""

    def __init__(
        self, ctx: AppContext, kind: Kind, record_id: int, *, expected_version: int | None = None
    ) -> None:
        super().__init__(ctx, f"Delete {kind.label}")
        self.kind = kind
        self.entity = "*" if kind is CONTRACT else kind.entity
        with ctx.session() as session:
            self.key: Key = kind.key(session, record_id)
            self.snapshot = kind.snapshot(session, record_id)
            # the list shows the record as it is now: delete exactly that state
            self.expected_version = (
                expected_version if expected_version is not None
                else kind.version(session, record_id))
        self.info: Any = None
        self.setText(f"Delete {kind.describe(self.key)}")

    def apply(self, session: Session) -> None:
        self.info = self.kind.delete(session, self.kind.find(session, self.key),
                                     expected_version=self.expected_version)

    def revert(self, session: Session) -> None:
        parent = actions.find_contract(session, self.key[0]) if self.kind.in_contract else None
        record_id = self.kind.restore(session, parent, self.snapshot, self.info)
        self.key = self.kind.key(session, record_id)
        self.expected_version = self.kind.version(session, record_id)  # what redo deletes


class AttachDocumentCommand(StoreCommand):
    """Attach a file's bytes to a contract."""

    entity = "Document"

    def __init__(
        self, ctx: AppContext, reference: str, filename: str, content: bytes, added_on: date
    ) -> None:
        super().__init__(ctx, f"Attach {filename} to {reference}")
        self.reference = reference
        self.filename = filename
        self.content = content
        self.added_on = added_on
        self.identity: tuple[str, str, str] | None = None

    def apply(self, session: Session) -> None:
        contract_id = actions.find_contract(session, self.reference)
        doc_id = actions.attach_document(
            session, contract_id, self.filename, self.content, self.added_on
        )
        reference, filename, sha256, _added = actions.document_identity(session, doc_id)
        self.identity = (reference, filename, sha256)

    def revert(self, session: Session) -> None:
        assert self.identity is not None
        actions.delete_document(session, actions.find_document(session, *self.identity))


class RemoveDocumentCommand(StoreCommand):
    """Remove a document; undo stores its bytes again."""

    entity = "Document"

    def __init__(self, ctx: AppContext, document_id: int) -> None:
        super().__init__(ctx, "Remove document")
        with ctx.session() as session:
            self.reference, self.filename, self.sha256, self.added_on = actions.document_identity(
                session, document_id
            )
            _name, self.content = actions.document_content(session, document_id)
        self.setText(f"Remove {self.filename} from {self.reference}")

    def apply(self, session: Session) -> None:
        document_id = actions.find_document(session, self.reference, self.filename, self.sha256)
        actions.delete_document(session, document_id)

    def revert(self, session: Session) -> None:
        contract_id = actions.find_contract(session, self.reference)
        actions.attach_document(session, contract_id, self.filename, self.content, self.added_on)
