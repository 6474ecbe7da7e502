"""Two desks, one record: a save that started from an older version is refused, never merged.

Every record people edit carries a version (models: SQLAlchemy's version counter). An editor
reads it when it opens the record (`record_version`) and hands it back with the save
(`expected_version=`); the actions call `check_version` / `get_checked`, which compare it with
the stored version and raise ConflictError naming who changed (or deleted) the record and when,
from the newest audit row about it. A change that slips in between that check and the write is
caught by the version counter itself (StaleDataError at flush), translated by `stale_conflict`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ConflictError, NotFoundError
from app.store.models import AuditLog, Base, Clause, Contract, Knowledge, Person, Sla, Vendor

_T = TypeVar("_T", bound=Base)

VERSIONED: dict[str, type[Base]] = {
    "Vendor": Vendor,
    "Person": Person,
    "Contract": Contract,
    "Clause": Clause,
    "Sla": Sla,
    "Knowledge": Knowledge,
}
"""The entities with a version, by the names ConflictError and the audit trail use."""
_BY_TABLE = {model.__tablename__: name for name, model in VERSIONED.items()}
_WORDS = {"Vendor": "vendor", "Person": "person", "Contract": "contract", "Clause": "clause",
          "Sla": "SLA", "Knowledge": "knowledge link"}


def _model(entity: str) -> Any:
    try:
        return VERSIONED[entity]
    except KeyError:
        raise ValueError(f"{entity!r} has no version (one of {', '.join(VERSIONED)})") from None


def record_version(session: Session, entity: str, record_id: int) -> int:
    """The stored version of a record ("Contract", 12): what an editor hands back on save."""
    model = _model(entity)
    found = session.scalar(select(model.version).where(model.id == record_id))
    if found is None:
        raise NotFoundError(f"{_WORDS[entity]} #{record_id} no longer exists")
    return int(found)


def last_change(
    session: Session, entity: str, record_id: int | None, key: str | None = None
) -> tuple[str | None, datetime | None, str | None]:
    """(who, when, key) of the newest audit row about a record, by its id or its key."""
    wanted = []
    if record_id is not None:
        wanted.append(AuditLog.record_id == record_id)
    if key:
        wanted.append(AuditLog.entity_key == key)
    if not wanted:
        return None, None, None
    row = session.execute(
        select(AuditLog.actor, AuditLog.at, AuditLog.entity_key)
        .where(AuditLog.entity == entity, or_(*wanted))
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


def _identity(obj: Any) -> int | None:
    """The primary key of a mapped object, without loading anything."""
    if obj is None:
        return None
    identity = inspect(obj).identity
    return identity[0] if identity and isinstance(identity[0], int) else None


def _key_of(obj: Any) -> str | None:
    try:
        return str(obj.audit_key)
    except Exception:  # relations not loaded in a failed session: the audit row names it
        return None


def conflict(session: Session, obj: Base) -> ConflictError:
    """The error for a record whose stored version is newer than the one the editor read."""
    entity = type(obj).__name__
    record_id = _identity(obj)
    key = _key_of(obj)
    who, at, logged_key = last_change(session, entity, record_id, key)
    return ConflictError(entity, key or logged_key or f"#{record_id}", who, at)


def deleted(session: Session, entity: str, record_id: int) -> ConflictError:
    """The error for a record another desk deleted after this one read it."""
    who, at, key = last_change(session, entity, record_id)
    return ConflictError(entity, key or f"#{record_id}", who, at, deleted=True)


def check_version(session: Session, obj: Base, expected_version: int | None) -> None:
    """ConflictError when the stored version of `obj` is not `expected_version` (None: no check).

    The stored version is read from the database, not from the session's copy of the object.
    """
    if expected_version is None:
        return
    model: Any = type(obj)
    record_id = getattr(obj, "id", None)
    stored = session.scalar(select(model.version).where(model.id == record_id))
    if stored is None:
        raise deleted(session, type(obj).__name__, record_id or 0)
    if stored != expected_version:
        raise conflict(session, obj)


def get_checked(
    session: Session, model: type[_T], ident: int, what: str, expected_version: int | None = None
) -> _T:
    """The record `ident`, checked against `expected_version`.

    Missing: ConflictError (deleted) when a version was expected, else NotFoundError.
    """
    obj = session.get(model, ident)
    if obj is None:
        if expected_version is not None:
            raise deleted(session, model.__name__, ident)
        raise NotFoundError(f"{what} #{ident} no longer exists (deleted by someone else?)")
    check_version(session, obj, expected_version)
    return obj


def stale_conflict(
    session: Session, error: StaleDataError, candidates: Iterable[object] = ()
) -> ConflictError:
    """Roll the session back and describe the record a failed versioned write was about.

    `candidates` are the objects the write may have been about (else the session's changed
    objects of the table the error names).
    """
    message = str(error)
    table = message.split("table '", 1)[1].split("'", 1)[0] if "table '" in message else ""
    # A failed flush leaves its objects expired (not dirty): the identity map still holds them.
    pool = [*candidates, *session.dirty, *session.deleted, *session.identity_map.values()]
    found: Any = None
    for obj in pool:
        if isinstance(obj, Base) and (not table or obj.__tablename__ == table):
            found = obj
            break
    entity = type(found).__name__ if found is not None else _BY_TABLE.get(table, "record")
    record_id = _identity(found)
    key = _key_of(found) if found is not None else None
    session.rollback()
    who, at, logged_key = last_change(session, entity, record_id, key)
    gone = False
    if record_id is not None and entity in VERSIONED:
        model = _model(entity)
        gone = session.scalar(select(model.id).where(model.id == record_id)) is None
    return ConflictError(entity, key or logged_key or "(unknown)", who, at, deleted=gone)
