"""The knowledge settings stored in the database (SPEC §3)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.settings import Settings, validate_setting
from app.store.models import Setting


def load_settings(session: Session) -> Settings:
    """The stored settings; keys that were never stored take their default."""
    values = {key: value for key, value in session.execute(select(Setting.key, Setting.value))}
    return Settings.from_mapping(values)


def save_settings(session: Session, values: dict[str, str]) -> Settings:
    """Validate and store settings (audited); returns the full settings after the change."""
    normalised = {key: validate_setting(key, str(value)) for key, value in values.items()}
    current = load_settings(session).as_mapping()
    merged = Settings.from_mapping({**current, **normalised})
    for key, value in normalised.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        elif row.value != value:
            row.value = value
    session.flush()
    return merged
