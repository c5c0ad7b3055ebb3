"""One run of send-reminders: queue what is due, then deliver. Like a command's body, this is where it commits: each
producer's messages, then each message right after its send, so that a crash loses at most the one in flight."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import OperationalError

from grocery.dbutil import begin_write
from grocery.extensions import db
from grocery.notifications.delivery import SmtpSender, SmtpSettings, load_sms_provider
from grocery.notifications.models import OutboxMessage
from grocery.notifications.producers import active_producers
from grocery.notifications.services import (
    claim_message,
    deliver_claimed,
    due_message_ids,
    forget_old_messages,
    queue_message,
)
from grocery.settings.services import get_setting
from grocery.timeutil import to_local, utcnow


@dataclass
class RunReport:
    queued: Counter = field(default_factory=Counter)
    delivered: Counter = field(default_factory=Counter)
    #: Why messages wait without a try (no SMTP server, no SMS provider): reason -> count.
    waiting: Counter = field(default_factory=Counter)
    forgotten: int = 0
    #: The local hour is before notifications.queue_from_hour: nothing was queued this run.
    too_early: bool = False
    smtp_missing: str | None = None


def queue_due_messages(now: datetime, report: RunReport) -> None:
    """Ask every active producer for today's messages and queue them (each producer's in one commit)."""
    local = to_local(now)
    if local.hour < int(get_setting("notifications.queue_from_hour")):
        report.too_early = True
        return
    for producer in active_producers():
        for draft in producer.produce(local.date()):
            if queue_message(draft, now=now) is not None:
                report.queued[producer.kind] += 1
        db.session.commit()


def _sms_sender():
    provider = None

    def send(message: OutboxMessage) -> None:
        nonlocal provider
        if provider is None:
            provider = load_sms_provider()  # ChannelUnavailable: the message waits with the reason
        provider.send_sms(message.recipient, message.body)

    return send


def deliver_due_messages(now: datetime, report: RunReport, *, only: list[int] | None = None) -> None:
    """Deliver every due message (or those of `only`), each on its own (_deliver_one)."""
    settings = SmtpSettings.current()
    report.smtp_missing = settings.missing()
    with SmtpSender(settings) as smtp:
        senders = {"email": smtp.send, "sms": _sms_sender()}
        for message_id in due_message_ids(now) if only is None else only:
            try:
                outcome = _deliver_one(message_id, now, senders)
            except OperationalError:  # SQLite: another run held the database past its busy timeout; next run
                db.session.rollback()
                outcome = "skipped"
            if outcome == "waiting":
                report.waiting[db.session.get(OutboxMessage, message_id).last_error] += 1
            else:
                report.delivered[outcome] += 1


def _deliver_one(message_id: int, now: datetime, senders) -> str:
    """Claim, send and record one message. PostgreSQL: one transaction holding the row lock through the send.
    SQLite: the claim is committed first (the database has one write lock, which the till must not wait for while
    an SMTP server answers), then the result; a crash in between sends the message again after CLAIM_LEASE."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    if sqlite:
        begin_write()
    message = claim_message(message_id, now)
    if message is None:
        db.session.rollback()
        return "skipped"
    if sqlite:
        db.session.commit()
    outcome = deliver_claimed(message, now, senders)
    db.session.commit()
    return outcome


def run_reminders(now: datetime | None = None) -> RunReport:
    """Queue what the producers find due, deliver the due messages, forget the old finished ones."""
    now = now or utcnow()
    report = RunReport()
    queue_due_messages(now, report)
    deliver_due_messages(now, report)
    report.forgotten = forget_old_messages(now)
    db.session.commit()
    return report
