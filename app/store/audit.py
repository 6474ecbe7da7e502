"""The audit trail (SPEC §1): who changed what, when, with old and new values.

Every ORM insert, update and delete is recorded by a session listener installed with `install`.
Bulk paths (imports, the demo) write their records with Core and call `record_bulk`, one row per
record, so they stay fast.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.store.models import AuditLog, Base

_PENDING = "clausekeeper_audit_pending"
ACTOR = "clausekeeper_actor"
IMPORT_ID = "clausekeeper_import_id"  # session.info: the import being recorded (import_log)


def default_actor(db_user: str | None = None) -> str:
    """The database user when the URL names one, else the operating-system user."""
    if db_user:
        return db_user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _describe(obj: Any) -> tuple[str, str, str | None]:
    entity = type(obj).__name__
    try:
        key = str(obj.audit_key)
    except Exception:  # a half-built object: fall back to its identity
        key = f"#{getattr(obj, 'id', '?')}"
    try:
        contract = getattr(obj, "audit_contract", None)
    except Exception:
        contract = None
    return entity, key, contract


NOT_AUDITED = frozenset({"version"})
"""Columns that are bookkeeping, not data: the version counter changes with every update."""


def _columns(obj: Any) -> list[str]:
    return [attr.key for attr in inspect(type(obj)).column_attrs if attr.key not in NOT_AUDITED]


def _changes(obj: Any) -> dict[str, list[Any]]:
    state = inspect(obj)
    changed: dict[str, list[Any]] = {}
    for name in _columns(obj):
        if name == "content" and name in state.unloaded:
            continue
        hist = state.attrs[name].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
    return changed


def _old_values(obj: Any) -> dict[str, list[Any]]:
    state = inspect(obj)
    return {
        name: [_plain(getattr(obj, name)), None]
        for name in _columns(obj)
        if name not in state.unloaded and name != "id"
    }


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    now = datetime.now().replace(microsecond=0)
    actor = session.info.get(ACTOR) or default_actor()
    import_id = session.info.get(IMPORT_ID)
    for obj in session.dirty:
        if isinstance(obj, AuditLog) or not isinstance(obj, Base):
            continue
        changes = _changes(obj)
        if not changes:
            continue
        entity, key, contract = _describe(obj)
        pending.append(
            _row(now, actor, entity, key, "update", changes, contract, import_id, _id(obj))
        )
    for obj in session.deleted:
        if isinstance(obj, AuditLog) or not isinstance(obj, Base):
            continue
        entity, key, contract = _describe(obj)
        pending.append(
            _row(now, actor, entity, key, "delete", _old_values(obj), contract, import_id, _id(obj))
        )
    session.info["clausekeeper_audit_new"] = [
        obj for obj in session.new if isinstance(obj, Base) and not isinstance(obj, AuditLog)
    ]


def _after_flush(session: Session, _ctx: Any) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    new_objects = session.info.pop("clausekeeper_audit_new", [])
    now = datetime.now().replace(microsecond=0)
    actor = session.info.get(ACTOR) or default_actor()
    import_id = session.info.get(IMPORT_ID)
    for obj in new_objects:
        entity, key, contract = _describe(obj)
        pending.append(_row(now, actor, entity, key, "insert", None, contract, import_id, _id(obj)))
    if pending:
        session.connection().execute(insert(AuditLog), pending)


def _row(
    at: datetime,
    actor: str,
    entity: str,
    key: str,
    action: str,
    changes: dict[str, list[Any]] | None,
    contract: str | None,
    import_id: int | None = None,
    record_id: int | None = None,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "entity": entity,
        "entity_key": key[:400],
        "action": action,
        "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else None,
        "contract_ref": contract,
        "import_id": import_id,
        "record_id": record_id,
    }


def _id(obj: Any) -> int | None:
    ident = inspect(obj).identity
    return ident[0] if ident and len(ident) == 1 and isinstance(ident[0], int) else None


def install(factory: sessionmaker[Session]) -> None:
    """Record every ORM change made through sessions of this factory."""
    from sqlalchemy import event

    event.listen(factory, "before_flush", _before_flush)
    # After the flush has finished, new rows are persistent: their relationships can load.
    event.listen(factory, "after_flush_postexec", _after_flush)


def record_bulk(
    session: Session,
    entity: str,
    keys: Iterable[str | tuple[str, str | None]],
    action: str = "insert",
) -> int:
    """One audit row per record for a bulk Core write. A key may be (key, contract reference)."""
    now = datetime.now().replace(microsecond=0)
    actor = session.info.get(ACTOR) or default_actor()
    import_id = session.info.get(IMPORT_ID)
    rows = []
    for item in keys:
        key, contract = item if isinstance(item, tuple) else (item, None)
        rows.append(_row(now, actor, entity, key, action, None, contract, import_id))
    if rows:  # Core, as _after_flush writes them: the ORM's bulk insert costs twice as much
        session.connection().execute(insert(AuditLog), rows)
    return len(rows)


def contract_changes(session: Session, references: Iterable[str]) -> dict[str, int]:
    """How many times each named contract's own record was inserted or updated (audited)."""
    wanted = set(references)
    if not wanted:
        return {}
    query = (
        select(AuditLog.entity_key, func.count())
        .where(AuditLog.entity == "Contract", AuditLog.action != "delete")
        .group_by(AuditLog.entity_key)
    )
    return {key: count for key, count in session.execute(query) if key in wanted}
