"""The audit log table: append-only events about sensitive changes."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for events caused by the system or a CLI command without a user.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Dotted verb, e.g. "user.create", "settings.update", "household.anonymise".
    action: Mapped[str] = mapped_column(String(64))
    #: The table of the changed record ("users", "households", ...) or a free label.
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    #: What changed: {"field": [old, new]} or other facts; never passwords.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")
