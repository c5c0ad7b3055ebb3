"""The outbox (messages to send, one row per message whatever the number of runs) and the staff's e-mail addresses."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

CHANNELS = ("email", "sms")
STATUSES = ("pending", "sent", "failed", "cancelled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OutboxMessage(db.Model):
    """One message to send. The send-reminders command queues it once (its dedupe_key is unique) and delivers it:
    pending until sent, retried after a failure with a growing delay, failed after the last try, or cancelled."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint("tries >= 0", name="tries_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What makes the message unique, e.g. "volunteer_shift:42:2026-12-03": a second run finds it and queues nothing.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: The producer's kind: staff_digest, volunteer_shift (appointment later), see grocery.notifications.producers.
    kind: Mapped[str] = mapped_column(String(40))
    #: What the message is about (a table name and a row id: "users" 3, "volunteer_assignments" 42).
    about_type: Mapped[str | None] = mapped_column(String(60))
    about_id: Mapped[int | None] = mapped_column(Integer)
    #: The household the message is written to, if any: its consent is checked again just before sending.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(8), default="email")
    #: An e-mail address, or a phone number for sms.
    recipient: Mapped[str] = mapped_column(String(200))
    #: The language the message was written in (fr, nl, en).
    language: Mapped[str] = mapped_column(String(5), default="fr")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: Delivery attempts made (a failed connection counts as one).
    tries: Mapped[int] = mapped_column(Integer, default=0)
    #: Not delivered before this time (the back-off after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last failure, or why the message waits (no SMTP server, no SMS provider), or why it was cancelled.
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class StaffAddress(db.Model):
    """The e-mail address where a member of staff receives their reminders (the social workers' weekly digest).
    Accounts have no e-mail address of their own: each person gives this one on the Reminders page."""

    __tablename__ = "staff_email_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
