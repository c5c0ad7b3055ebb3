"""Reading and changing settings; every change is written to the audit log."""

import threading
import time
from typing import Any

from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from grocery.audit.services import record_event
from grocery.dbutil import run
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.settings.models import Setting, StoredFile
from grocery.settings.registry import DEFINITIONS

LOGO_KEY = "org.logo"
LOGO_MAX_BYTES = 512 * 1024
_LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


_SETTINGS_QUERY = select(Setting.key, Setting.value)
#: Session.info key: this session changed settings and has not committed yet (its reads bypass the process cache).
_CHANGED = "grocery.settings_changed"


class StoredSettings:
    """The stored values as this process last read them, kept at most SETTINGS_CACHE_SECONDS (one per application):
    every request reads the settings, and most of them would otherwise cost a statement. update_settings clears it,
    and again when its transaction commits or rolls back, so the process that made a change sees it at once; other
    processes (the other gunicorn workers, a `flask` command) see it within SETTINGS_CACHE_SECONDS."""

    def __init__(self) -> None:
        self.values: dict[str, Any] | None = None
        self.read_at = 0.0
        #: Bumped by clear(): a read that started before a clear does not store what it read (gthread workers).
        self.generation = 0
        self.lock = threading.Lock()

    def get(self, max_age: float) -> dict[str, Any]:
        values, now = self.values, time.monotonic()
        if values is not None and now - self.read_at < max_age:
            return values
        generation = self.generation
        values = dict(run(_SETTINGS_QUERY).all())
        with self.lock:
            if generation == self.generation:
                self.values, self.read_at = values, now
        return values

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.values = None


def stored_settings(app=None) -> StoredSettings:
    """The application's cache of stored settings."""
    extensions = (app or current_app).extensions
    cache = extensions.get("grocery.settings")
    if cache is None:
        cache = extensions["grocery.settings"] = StoredSettings()
    return cache


def forget_stored_settings() -> None:
    """Read the settings again at the next use (after settings rows were written without update_settings, e.g. the
    test suite deleting every row)."""
    stored_settings().clear()
    g.pop("_grocery_settings", None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _settings_transaction_ended(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        stored_settings().clear()


def _stored_values() -> dict[str, Any]:
    """The stored values, read once per request: from the process cache (StoredSettings), or from the database when
    this session has changed settings it has not committed yet."""
    if not has_app_context():
        return dict(run(_SETTINGS_QUERY).all())
    cache = g.get("_grocery_settings")
    if cache is None:
        if db.session.info.get(_CHANGED):
            cache = dict(run(_SETTINGS_QUERY).all())
        else:
            cache = stored_settings().get(current_app.config.get("SETTINGS_CACHE_SECONDS", 0))
        g._grocery_settings = cache
    return cache


def get_setting(key: str) -> Any:
    """The stored value of a registered setting, or its default."""
    definition = DEFINITIONS[key]
    return _stored_values().get(key, definition.default)


def all_settings() -> dict[str, Any]:
    stored = _stored_values()
    return {key: stored.get(key, d.default) for key, d in DEFINITIONS.items()}


def update_settings(actor, values: dict[str, Any]) -> dict[str, list]:
    """Store changed values (already parsed by SettingDef.parse) and log each change; returns the changes. A changed
    setting with an on_change hook then runs it (once), so what depends on it follows in the same transaction."""
    changed: dict[str, list] = {}
    current = all_settings()
    for key, value in values.items():
        if key not in DEFINITIONS:
            raise ValidationError(key, _l("Unknown setting."))
        if current[key] == value:
            continue
        row = db.session.get(Setting, key)
        if row is None:
            row = Setting(key=key, value=value)
            db.session.add(row)
        else:
            row.value = value
        row.updated_by_id = getattr(actor, "id", None)
        changed[key] = [current[key], value]
    if changed:
        # This session reads from the database until it commits or rolls back; the process cache is cleared now
        # and again then.
        db.session.info[_CHANGED] = True
        stored_settings().clear()
        db.session.flush()
        record_event(actor, "settings.update", "settings", {"changes": changed})
        g.pop("_grocery_settings", None)
        for key in changed:
            if DEFINITIONS[key].on_change is not None:
                DEFINITIONS[key].on_change()
    return changed


def sniff_image(data: bytes) -> str | None:
    for signature, content_type in _LOGO_SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def set_logo(actor, data: bytes) -> StoredFile:
    """Replace the organisation logo: a PNG or JPEG image of at most 512 kB."""
    if not data:
        raise ValidationError("logo", _l("The file is empty."))
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError("logo", _l("The logo must be smaller than 512 kB."))
    content_type = sniff_image(data)
    if content_type is None:
        raise ValidationError("logo", _l("The logo must be a PNG or JPEG image."))
    stored = db.session.get(StoredFile, LOGO_KEY)
    if stored is None:
        stored = StoredFile(key=LOGO_KEY, content_type=content_type, data=data)
        db.session.add(stored)
    else:
        stored.content_type, stored.data = content_type, data
    db.session.flush()
    record_event(actor, "settings.logo", "settings", {"bytes": len(data), "content_type": content_type})
    return stored


def remove_logo(actor) -> bool:
    stored = db.session.get(StoredFile, LOGO_KEY)
    if stored is None:
        return False
    db.session.delete(stored)
    db.session.flush()
    record_event(actor, "settings.logo_removed", "settings")
    return True


def get_logo() -> StoredFile | None:
    return db.session.get(StoredFile, LOGO_KEY)
