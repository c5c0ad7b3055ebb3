"""Recording and querying audit events."""

from datetime import date

from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.extensions import db
from grocery.timeutil import local_day_bounds


def _target_key(target) -> tuple[str | None, str | None]:
    if target is None:
        return None, None
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), None if ident is None else str(ident)
    if isinstance(target, str):
        return target, None
    table = getattr(target, "__tablename__", type(target).__name__)
    return table, str(getattr(target, "id", "")) or None


def record_event(actor, action: str, target=None, details: dict | None = None) -> AuditEvent:
    """Append an event to the audit log. The caller's transaction commits it with the change it describes."""
    target_type, target_id = _target_key(target)
    actor_id = getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    event = AuditEvent(
        actor_id=actor_id, action=action, target_type=target_type, target_id=target_id, details=details or {}
    )
    db.session.add(event)
    db.session.flush()
    return event


def changes(obj, fields: list[str], values: dict) -> dict:
    """Apply `values` to `obj` for the given fields and return {field: [old, new]} for those that changed."""
    changed = {}
    for name in fields:
        if name not in values:
            continue
        old, new = getattr(obj, name), values[name]
        if old != new:
            setattr(obj, name, new)
            changed[name] = [_jsonable(old), _jsonable(new)]
    return changed


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def search_events(*, action: str | None = None, actor_id: int | None = None, target_type: str | None = None,
                  target_id: str | None = None, date_from: date | None = None, date_to: date | None = None):
    """The select() for events matching the filters, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    if date_from:
        query = query.where(AuditEvent.occurred_at >= local_day_bounds(date_from)[0])
    if date_to:
        query = query.where(AuditEvent.occurred_at < local_day_bounds(date_to)[1])
    return query
