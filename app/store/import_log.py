"""Imports are recorded and can be taken back (SPEC §5).

Every importer wraps its writes in `recording(session, kind, path)`: the import gets a row in
`imports` (file name, SHA-256, when, who) and every audit row written inside the block carries its
id, so the audit trail says exactly which records it created and which it updated, with their old
values. `undo_import` takes one back as a whole — created records deleted, updated ones restored —
while none of them has been changed since (a later audit row on one of them, or a record added
under one it created); otherwise it refuses and names the changed records and who changed them.
Taking an import back is audited like every change (its audit rows carry the import's id too, so
an import undone cleanly does not count as a change to the records of an earlier one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Integer, delete, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from app.core.progress import Progress, null_progress, step
from app.errors import ClausekeeperError, NotFoundError
from app.store import audit
from app.store.models import (
    IMPORT_KINDS,
    AuditLog,
    Base,
    Clause,
    Contract,
    CreditNote,
    Document,
    ImportRecord,
    Knowledge,
    Measurement,
    Person,
    Setting,
    Sla,
    Vendor,
)
from app.store.types import ExactDecimal

CHUNK = 500

# Children before parents: the order in which created records are deleted.
_DELETE_ORDER: tuple[type[Base], ...] = (
    Knowledge, Measurement, CreditNote, Document, Clause, Sla, Contract, Person, Vendor, Setting,
)
_MODELS: dict[str, type[Base]] = {model.__name__: model for model in _DELETE_ORDER}


# --- recording ----------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ImportEntry:
    """The import being recorded; set skipped and shortened before the block ends."""

    id: int
    skipped: int = 0
    shortened: int = 0
    created: int = 0
    updated: int = 0


@contextmanager
def recording(
    session: Session, kind: str, path: Path | str, *, skipped: int = 0, shortened: int = 0
) -> Iterator[ImportEntry]:
    """Record the import whose writes happen inside the block (the caller owns the transaction).

    When the block wrote nothing, no import is recorded. On an exception nothing is recorded
    either: the caller rolls the transaction back.
    """
    if kind not in IMPORT_KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    if session.info.get(audit.IMPORT_ID) is not None:
        raise RuntimeError("an import is already being recorded in this session")
    path = Path(path)
    result: Any = session.execute(
        insert(ImportRecord).values(
            kind=kind, file=path.name[:255], sha256=file_sha256(path),
            at=datetime.now().replace(microsecond=0),
            actor=session.info.get(audit.ACTOR) or audit.default_actor(),
            created=0, updated=0, skipped=skipped, shortened=shortened,
        )
    )
    entry = ImportEntry(int(result.inserted_primary_key[0]), skipped, shortened)
    before = _highest_ids(session)
    session.info[audit.IMPORT_ID] = entry.id
    try:
        yield entry
        session.flush()  # ORM changes made in the block are audited under this import
    finally:
        session.info.pop(audit.IMPORT_ID, None)
    entry.created, entry.updated = _written(session, entry.id)
    if entry.created == 0 and entry.updated == 0:
        session.execute(delete(ImportRecord).where(ImportRecord.id == entry.id))
        return
    after = _highest_ids(session)
    ranges = {name: [before[name], after[name]] for name in after if after[name] > before[name]}
    session.execute(
        update(ImportRecord).where(ImportRecord.id == entry.id).values(
            created=entry.created, updated=entry.updated, skipped=entry.skipped,
            shortened=entry.shortened, id_ranges=json.dumps(ranges, sort_keys=True),
        )
    )


def _highest_ids(session: Session) -> dict[str, int]:
    """The highest id of each table with an integer key (0 when it is empty)."""
    return {
        model.__name__: int(session.scalar(select(func.max(sa_inspect(model).primary_key[0])))
                            or 0)
        for model in _DELETE_ORDER if model is not Setting
    }


def _written(session: Session, import_id: int) -> tuple[int, int]:
    mine = AuditLog.import_id == import_id
    created = session.scalar(
        select(func.count()).select_from(AuditLog).where(mine, AuditLog.action == "insert")
    ) or 0
    updated_keys = (
        select(AuditLog.entity, AuditLog.entity_key)
        .where(mine, AuditLog.action.in_(("update", "delete")))  # a removed link changed too
        .distinct()
        .subquery()
    )
    updated = session.scalar(select(func.count()).select_from(updated_keys)) or 0
    return int(created), int(updated)


# --- listing ------------------------------------------------------------------------------------


def list_imports(session: Session) -> list[ImportRecord]:
    """The imports recorded, newest first."""
    return list(session.scalars(select(ImportRecord).order_by(ImportRecord.id.desc())))


def import_json(record: ImportRecord) -> dict[str, Any]:
    """One import as SPEC §6 `imports` describes it (undone_at and undone_by added)."""
    return {
        "id": record.id, "kind": record.kind, "file": record.file, "sha256": record.sha256,
        "at": record.at.isoformat(), "by": record.actor, "created": record.created,
        "updated": record.updated, "skipped": record.skipped, "shortened": record.shortened,
        "undone": record.undone_at is not None,
        "undone_at": record.undone_at.isoformat() if record.undone_at else None,
        "undone_by": record.undone_by,
    }


def imports_json(session: Session) -> list[dict[str, Any]]:
    return [import_json(record) for record in list_imports(session)]


# --- taking back --------------------------------------------------------------------------------


@dataclass
class UndoSummary:
    import_id: int
    file: str
    deleted: int = 0
    restored: int = 0

    def summary_lines(self) -> list[str]:
        return [
            f"import {self.import_id} ({self.file}) was taken back: {self.deleted} records "
            f"deleted, {self.restored} restored to their earlier values"
        ]


@dataclass
class _Written:
    """What an import did to one record: created it, or updated it (first old values)."""

    entity: str
    key: str
    contract: str | None
    created: int = 0  # records created under this key (credit notes may share one)
    old: dict[str, Any] = field(default_factory=dict)
    deleted: dict[str, Any] | None = None  # the values of a record the import deleted


def undo_import(
    session: Session, import_id: int, progress: Progress = null_progress
) -> UndoSummary:
    """Take an import back as a whole, or raise ClausekeeperError naming what changed since.

    Like the importers, it leaves the transaction to the caller, who rolls it back on an error
    (a vendor or person still in use is found only when their turn to be deleted comes).
    """
    record = session.get(ImportRecord, import_id)
    if record is None:
        raise NotFoundError(f"there is no import {import_id} (see `clausekeeper imports`)")
    if record.undone_at is not None:
        raise ClausekeeperError(
            f"import {import_id} ({record.file}) was taken back already, on "
            f"{record.undone_at:%Y-%m-%d %H:%M} by {record.undone_by}"
        )
    written, last_row = _records_written(session, import_id)
    changes = _changed_since(session, written, last_row)
    if changes:
        raise _refusal(import_id, record.file, changes)
    summary = UndoSummary(import_id, record.file)
    ranges = json.loads(record.id_ranges) if record.id_ranges else {}
    session.info[audit.IMPORT_ID] = import_id
    try:
        _restore(session, written, summary, progress, ranges)
        session.flush()
    finally:
        session.info.pop(audit.IMPORT_ID, None)
    session.execute(
        update(ImportRecord).where(ImportRecord.id == import_id).values(
            undone_at=datetime.now().replace(microsecond=0),
            undone_by=session.info.get(audit.ACTOR) or audit.default_actor(),
        )
    )
    return summary


def _refusal(import_id: int, file: str, changes: list[str]) -> ClausekeeperError:
    verb = "was" if len(changes) == 1 else "were"
    headline = (f"import {import_id} ({file}) cannot be taken back: "
                f"{len(changes)} of its records {verb} changed since")
    return ClausekeeperError(headline, [headline, *changes])


def _records_written(session: Session, import_id: int) -> tuple[dict[tuple[str, str], _Written],
                                                                 int]:
    written: dict[tuple[str, str], _Written] = {}
    last_row = 0
    rows = session.execute(
        select(AuditLog.id, AuditLog.entity, AuditLog.entity_key, AuditLog.action,
               AuditLog.changes, AuditLog.contract_ref)
        .where(AuditLog.import_id == import_id)
        .order_by(AuditLog.id)
    )
    for row_id, entity, key, action, changes, contract in rows:
        last_row = max(last_row, row_id)
        item = written.setdefault((entity, key), _Written(entity, key, contract))
        if action == "insert":
            item.created += 1
        elif action == "update" and not item.created and changes:
            for name, (old, _new) in json.loads(changes).items():
                item.old.setdefault(name, old)
        elif action == "delete":  # e.g. an attestation's level 0 removes a knowledge link
            if item.created:  # created, then deleted again: nothing to take back
                item.created -= 1
                continue
            if not changes or entity not in _MODELS:
                raise ClausekeeperError(f"import {import_id} deleted {entity} {key} without "
                                        "keeping its values: it cannot be taken back")
            item.deleted = {name: old for name, (old, _new) in json.loads(changes).items()}
            item.deleted.update(item.old)  # fields it had updated before: their first values
            item.old = {}
    return written, last_row


def _undone_imports(session: Session) -> set[int]:
    return set(session.scalars(select(ImportRecord.id).where(ImportRecord.undone_at.is_not(None))))


def _changed_since(
    session: Session, written: dict[tuple[str, str], _Written], last_row: int
) -> list[str]:
    """Later audit rows on the records written, or under the ones created (one line each)."""
    if not written:
        return []
    created_contracts = {w.key for w in written.values() if w.created and w.entity == "Contract"}
    created_clauses = {w.key for w in written.values() if w.created and w.entity == "Clause"}
    created_slas = {w.key for w in written.values() if w.created and w.entity == "Sla"}
    ignored = _undone_imports(session)
    found: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(AuditLog.entity, AuditLog.entity_key, AuditLog.action, AuditLog.actor,
               AuditLog.at, AuditLog.contract_ref, AuditLog.import_id)
        .where(AuditLog.id > last_row)
        .order_by(AuditLog.id)
    )
    for entity, key, action, actor, at, contract, row_import in rows:
        if row_import is not None and row_import in ignored:
            continue
        verb = {"insert": "added", "update": "changed", "delete": "deleted"}[action]
        by = f"by {actor} on {at:%Y-%m-%d %H:%M}"
        if row_import is not None:
            by += f" (import {row_import})"
        if (entity, key) in written:
            found.setdefault((entity, key), f"{_label(entity)} {key}: {verb} {by}")
            continue
        parent = None
        if contract in created_contracts:
            parent = ("Contract", contract)
        elif entity == "Knowledge" and " @ " in key and key.split(" @ ", 1)[1] in created_clauses:
            parent = ("Clause", key.split(" @ ", 1)[1])
        elif entity == "Measurement" and key.rsplit(" / ", 1)[0] in created_slas:
            parent = ("Sla", key.rsplit(" / ", 1)[0])
        if parent is not None:
            found.setdefault(
                parent, f"{_label(parent[0])} {parent[1]}: {_label(entity)} {key} {verb} {by}"
            )
    return list(found.values())


def _label(entity: str) -> str:
    return {"Sla": "SLA", "CreditNote": "credit note"}.get(entity, entity.lower())


def _still_used(session: Session, model: type[Base], doomed: Any) -> list[str]:
    """Records the import did not create that still refer to the vendors or people it created
    (its own contracts and links are deleted by now): one line each, with who wrote them."""
    lines: list[str] = []
    if model is Vendor:
        for name, ref in session.execute(
            select(Vendor.name, Contract.reference)
            .join(Contract, Contract.vendor_id == Vendor.id).where(doomed)
        ):
            lines.append(f"vendor {name}: contract {ref} {_who(session, 'Contract', ref)}")
    elif model is Person:
        person_key = func.coalesce(Person.email, Person.name)
        for key, ref in session.execute(
            select(person_key, Contract.reference)
            .join(Contract, Contract.owner_id == Person.id).where(doomed)
        ):
            lines.append(f"person {key}: owns contract {ref} {_who(session, 'Contract', ref)}")
        links = session.scalars(
            select(Knowledge).join(Knowledge.person).join(Knowledge.clause)
            .join(Clause.contract).where(doomed)
            .options(contains_eager(Knowledge.person),
                     contains_eager(Knowledge.clause).contains_eager(Clause.contract))
        )
        for link in links:
            lines.append(f"person {link.person.key}: knowledge {link.audit_key} "
                         f"{_who(session, 'Knowledge', link.audit_key)}")
    return lines


def _who(session: Session, entity: str, key: str) -> str:
    row = session.execute(
        select(AuditLog.action, AuditLog.actor, AuditLog.at)
        .where(AuditLog.entity == entity, AuditLog.entity_key == key)
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return "refers to it"
    verb = "added" if row.action == "insert" else "changed"
    return f"refers to it ({verb} by {row.actor} on {row.at:%Y-%m-%d %H:%M})"


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _restore(
    session: Session, written: dict[tuple[str, str], _Written], summary: UndoSummary,
    progress: Progress, ranges: dict[str, list[int]],
) -> None:
    total = max(len(written), 1)
    done = 0
    by_entity: dict[str, list[_Written]] = {}
    for item in written.values():
        by_entity.setdefault(item.entity, []).append(item)
    for model in _DELETE_ORDER:
        items = [w for w in by_entity.pop(model.__name__, []) if w.created or w.old]
        if not items:
            continue
        created = [w for w in items if w.created]
        primary = sa_inspect(model).primary_key[0]
        taken = _taken_ids(session, model, created, ranges.get(model.__name__))
        if taken is not None:
            _delete(session, model, taken, created, summary)
            summary.deleted += sum(w.created for w in created)
            done += len(created)
            step(progress, done, total, f"deleting {model.__tablename__}")
            items = [w for w in items if not w.created]
            created = []
        if not items:
            continue
        found = _load(session, model, items)
        missing = [w.key for w in items if len(found.get(w.key, ())) < max(w.created, 1)]
        if missing:  # deleted since without an audit row (should not happen): refuse
            raise ClausekeeperError(
                f"{_label(model.__name__)} {missing[0]} written by import {summary.import_id} "
                "is no longer in the database; the import cannot be taken back"
            )
        for chunk_items in _chunks_of(created):
            # the newest records under a key are the ones the import created
            doomed = [obj for w in chunk_items
                      for obj in sorted(found[w.key], key=_identity)[-w.created:]]
            ids = [_identity(obj) for obj in doomed]
            for obj in doomed:
                session.expunge(obj)
            _delete(session, model, primary.in_(ids), chunk_items, summary)
            summary.deleted += len(doomed)
            done += len(chunk_items)
            step(progress, done, total, f"deleting {model.__tablename__}")
        for w in items:
            if w.created:
                continue
            obj = found[w.key][0]
            for name, value in w.old.items():
                setattr(obj, name, _from_plain(model, name, value))
            summary.restored += 1
            done += 1
            if done % CHUNK == 0:
                session.flush()
                step(progress, done, total, f"restoring {model.__tablename__}")
        session.flush()
    if by_entity:
        raise ClausekeeperError(f"import {summary.import_id} wrote {', '.join(by_entity)} "
                                "records, which cannot be taken back")
    _recreate(session, written, summary)


def _recreate(
    session: Session, written: dict[tuple[str, str], _Written], summary: UndoSummary
) -> None:
    """Put back the records the import deleted, parents first, with the values they had."""
    for model in reversed(_DELETE_ORDER):
        gone = [w for w in written.values() if w.entity == model.__name__ and w.deleted]
        if not gone:
            continue
        rows = [{name: _from_plain(model, name, value) for name, value in w.deleted.items()
                 if name in model.__table__.c} for w in gone if w.deleted]
        try:
            with session.no_autoflush:
                session.execute(insert(model), rows)
        except IntegrityError:
            raise ClausekeeperError(
                f"import {summary.import_id} cannot be taken back: {_label(model.__name__)} "
                f"{gone[0].key}, which it deleted, no longer fits the data (what it belonged "
                "to was deleted since)"
            ) from None
        audit.record_bulk(session, model.__name__, [(w.key, w.contract) for w in gone])
        summary.restored += len(gone)


def _taken_ids(
    session: Session, model: type[Base], created: list[_Written], taken: list[int] | None
) -> Any:
    """The ids the import's inserts took, as a condition, when those ids are exactly its
    records (no other desk inserted in between); None to find the records by key."""
    if not created or not taken:
        return None
    low, high = taken
    count = sum(w.created for w in created)
    primary = sa_inspect(model).primary_key[0]
    in_range = (primary > low) & (primary <= high)
    if high - low != count or session.scalar(
        select(func.count()).select_from(model).where(in_range)
    ) != count:
        return None
    return in_range


def _delete(
    session: Session, model: type[Base], doomed: Any, created: list[_Written],
    summary: UndoSummary,
) -> None:
    """Delete the records created (refused when others still refer to them), audited."""
    if model is Vendor or model is Person:
        lines = _still_used(session, model, doomed)
        if lines:
            raise _refusal(summary.import_id, summary.file, lines)
    session.execute(delete(model).where(doomed))
    keys = [(w.key, w.contract) for w in created for _ in range(w.created)]
    for start in range(0, len(keys), 10_000):
        audit.record_bulk(session, model.__name__, keys[start : start + 10_000], action="delete")


def _identity(obj: Any) -> Any:
    return sa_inspect(obj).identity[0]


def _chunks_of(items: list[_Written], size: int = CHUNK) -> Iterator[list[_Written]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(session: Session, model: type[Base], items: list[_Written]) -> dict[str, list[Any]]:
    """The records written, by their audit key (the key each model's audit_key gives)."""
    keys = {w.key for w in items}
    refs = sorted({w.contract for w in items if w.contract})
    found: dict[str, list[Any]] = {}

    def keep(objects: Iterable[Any]) -> None:
        for obj in objects:
            key = obj.audit_key
            if key in keys:
                found.setdefault(key, []).append(obj)

    key_list = sorted(keys)
    if model is Vendor:
        for chunk in _chunks(key_list):
            keep(session.scalars(select(Vendor).where(Vendor.name.in_(chunk))))
    elif model is Person:
        for chunk in _chunks(key_list):
            keep(session.scalars(
                select(Person).where(func.coalesce(Person.email, Person.name).in_(chunk))))
    elif model is Contract:
        for chunk in _chunks(key_list):
            keep(session.scalars(select(Contract).where(Contract.reference.in_(chunk))))
    elif model is Setting:
        keep(session.scalars(select(Setting).where(Setting.key.in_(key_list))))
    else:
        for chunk in _chunks(refs):
            keep(session.scalars(_under_contracts(model, chunk)).unique())
    return found


def _under_contracts(model: type[Base], refs: Sequence[str]) -> Any:
    """The records of `model` under the contracts `refs`, with what their audit key reads."""
    if model is Clause or model is Sla or model is CreditNote or model is Document:
        return (select(model).join(model.contract)
                .where(Contract.reference.in_(refs))
                .options(contains_eager(model.contract)))
    if model is Measurement:
        return (select(Measurement).join(Measurement.sla).join(Sla.contract)
                .where(Contract.reference.in_(refs))
                .options(contains_eager(Measurement.sla).contains_eager(Sla.contract)))
    if model is Knowledge:
        return (select(Knowledge).join(Knowledge.clause).join(Clause.contract)
                .join(Knowledge.person)
                .where(Contract.reference.in_(refs))
                .options(contains_eager(Knowledge.clause).contains_eager(Clause.contract),
                         contains_eager(Knowledge.person)))
    raise ValueError(f"no records under contracts for {model.__name__}")


def _from_plain(model: type[Base], name: str, value: Any) -> Any:
    """A value as the audit trail stored it (JSON), back in the column's Python type."""
    if value is None:
        return None
    column_type = model.__table__.c[name].type
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, ExactDecimal):
        return Decimal(value)
    if isinstance(column_type, Integer):
        return int(value)
    return value
