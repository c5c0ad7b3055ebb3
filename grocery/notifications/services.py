"""The outbox: queue a message once, deliver the due ones (retry, give up, never twice), cancel, retry, forget."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from grocery.audit.services import record_event
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.notifications.delivery import ChannelUnavailable, DeliveryError
from grocery.notifications.models import CHANNELS, OutboxMessage, StaffAddress
from grocery.settings.services import get_setting
from grocery.timeutil import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The longest wait between two tries, whatever the number of failures.
MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class Draft:
    """A message a producer wants sent. `dedupe_key` names it uniquely (kind, ids, day): queueing the same draft again
    changes nothing. `household_id`: the household it is written to, whose consent is checked (see queue_message)."""

    kind: str
    dedupe_key: str
    recipient: str
    language: str
    subject: str
    body: str
    channel: str = "email"
    about_type: str | None = None
    about_id: int | None = None
    household_id: int | None = None


def household_may_be_emailed(household) -> bool:
    """A household is e-mailed only when it is active, gave an e-mail address and agreed to reminders."""
    return bool(household is not None and household.status == "active" and household.email
                and household.accepts_reminders)


def queue_message(draft: Draft, *, now: datetime | None = None) -> OutboxMessage | None:
    """Put a message in the outbox once: a draft whose dedupe_key is already there (whatever its status) is not
    queued again. A message to a household without its consent to reminders, or without an address, is never
    queued. Returns the new message, or None when nothing was queued."""
    if draft.channel not in CHANNELS:
        raise ValueError(f"unknown channel {draft.channel!r}")
    if not (draft.recipient or "").strip():
        return None
    if draft.household_id is not None:
        from grocery.households.models import Household

        household = db.session.get(Household, draft.household_id)
        if not household_may_be_emailed(household) or (draft.channel == "email"
                                                        and household.email != draft.recipient):
            return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == draft.dedupe_key)) is not None:
        return None
    message = OutboxMessage(
        dedupe_key=draft.dedupe_key[:200], kind=draft.kind, about_type=draft.about_type, about_id=draft.about_id,
        household_id=draft.household_id, channel=draft.channel, recipient=draft.recipient.strip()[:200],
        language=draft.language, subject=draft.subject[:200], body=draft.body, status="pending", tries=0,
        next_attempt_at=now or utcnow(), last_error="")
    try:
        with db.session.begin_nested():  # another run queued the same key a moment ago: theirs stands
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        return None
    return message


def due_message_ids(now: datetime, limit: int = 500) -> list[int]:
    """The pending messages whose time has come, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def backoff(tries: int) -> timedelta:
    """The wait after the `tries`-th failure: notifications.retry_minutes, doubled at each further failure."""
    first = int(get_setting("notifications.retry_minutes"))
    return min(timedelta(minutes=first * 2 ** max(0, tries - 1)), MAX_BACKOFF)


#: kind -> check(message) giving a reason to cancel a message that is no longer true (a cancelled shift), or None.
#: Each producer registers its own (grocery.notifications.producers.register_producer).
STILL_TRUE: dict[str, Callable[[OutboxMessage], str | None]] = {}


#: How long a message taken by a run is hidden from other runs before its result is written (SQLite, where the run
#: commits its claim before sending rather than hold the database's only write lock while the server answers).
CLAIM_LEASE = timedelta(minutes=15)


def claim_message(message_id: int, now: datetime) -> OutboxMessage | None:
    """Take a due message for this run, or None when another run has it or it is no longer due. PostgreSQL: the row
    is locked FOR UPDATE SKIP LOCKED until the caller commits the result (a concurrent run passes over it). SQLite
    (no row locks; the caller has taken the write lock with dbutil.begin_write): the message's next attempt moves
    CLAIM_LEASE ahead, so that once this claim is committed no other run finds it due."""
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                                    OutboxMessage.next_attempt_at <= now)
        .with_for_update(skip_locked=True)).first()
    if message is None:
        return None
    message.next_attempt_at = now + CLAIM_LEASE
    db.session.flush()
    return message


def deliver_claimed(message: OutboxMessage, now: datetime, senders: dict[str, Callable]) -> str:
    """Deliver a message taken by claim_message through the sender of its channel, and write the result in the
    transaction the caller commits right after the send: a message is sent once. After a failure the next try waits
    backoff(tries); after notifications.max_tries failures the message is failed. A channel not set up (no SMTP
    server, no SMS provider) leaves the message pending with the reason, without counting a try. A message that no
    longer holds (consent withdrawn, shift cancelled) is cancelled unsent. Returns what happened: sent, retry,
    failed, waiting or cancelled."""
    # The reasons the outbox writes itself are stored in English (the message ids): the outbox page shows them in
    # its reader's language (views.reason_text), whatever the language of the run that wrote them.
    with force_locale("en"):
        reason = _no_longer_true(message)
    if reason:
        message.status, message.last_error = "cancelled", reason
        db.session.flush()
        return "cancelled"
    try:
        with force_locale("en"):
            senders[message.channel](message)
    except ChannelUnavailable as error:
        message.last_error, message.next_attempt_at = str(error), now
        db.session.flush()
        return "waiting"
    except Exception as error:  # any failure of the channel is recorded and tried again later
        message.tries += 1
        message.last_error = str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}"
        if message.tries >= int(get_setting("notifications.max_tries")):
            message.status, message.next_attempt_at = "failed", now
        else:
            message.next_attempt_at = now + backoff(message.tries)
        db.session.flush()
        return "failed" if message.status == "failed" else "retry"
    message.tries += 1
    message.status, message.sent_at, message.last_error = "sent", now, ""
    db.session.flush()
    return "sent"


def _no_longer_true(message: OutboxMessage) -> str | None:
    if message.household_id is not None or message.about_type == "households":
        from grocery.households.models import Household

        household = db.session.get(Household, message.household_id) if message.household_id else None
        if not household_may_be_emailed(household) or (message.channel == "email"
                                                        and household.email != message.recipient):
            return str(_l("Cancelled before sending: the household no longer agrees to reminders at this address."))
    check = STILL_TRUE.get(message.kind)
    return check(message) if check is not None else None


def cancel_message(actor, message: OutboxMessage, reason: str = "") -> OutboxMessage:
    """Cancel a pending or failed message: it is never sent. Logged."""
    if message.status not in ("pending", "failed"):
        raise Conflict(_l("Only a message waiting or failed can be cancelled."))
    message.status = "cancelled"
    with force_locale("en"):
        message.last_error = reason or str(_l("Cancelled by %(name)s.", name=getattr(actor, "display_name", "")))
    db.session.flush()
    record_event(actor, "outbox.cancel", message, {"kind": message.kind, "recipient": message.recipient})
    return message


def retry_message(actor, message: OutboxMessage, *, now: datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the outbox, due now, for one more try: its tries are kept, so a new failure
    fails it again rather than starting a new series of tries. Logged."""
    if message.status != "failed":
        raise Conflict(_l("Only a failed message can be tried again."))
    message.status, message.next_attempt_at = "pending", now or utcnow()
    db.session.flush()
    record_event(actor, "outbox.retry", message, {"kind": message.kind, "recipient": message.recipient,
                                                  "last_error": message.last_error})
    return message


def forget_old_messages(now: datetime) -> int:
    """Delete the sent, failed and cancelled messages older than notifications.keep_days: the outbox keeps the
    addresses and texts it sent no longer than that."""
    limit = now - timedelta(days=int(get_setting("notifications.keep_days")))
    result = db.session.execute(delete(OutboxMessage).where(OutboxMessage.status != "pending",
                                                            OutboxMessage.created_at < limit))
    return result.rowcount or 0


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}


def outbox_messages(status: str | None, *, limit: int = 200) -> list[OutboxMessage]:
    """The messages of one status (all when None), newest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------------------------------------------
# Staff addresses
# --------------------------------------------------------------------------------------------------------------

def staff_address(user) -> str:
    row = db.session.get(StaffAddress, user.id)
    return row.email if row is not None else ""


def set_staff_address(actor, user, email: str) -> bool:
    """Record (or remove, when empty) the address where `user` receives their reminders. Returns whether it
    changed. Logged."""
    email = (email or "").strip()
    if email and (len(email) > 200 or not _EMAIL.match(email)):
        raise ValidationError("email", _l("This is not an e-mail address."))
    row = db.session.get(StaffAddress, user.id)
    if (row.email if row is not None else "") == email:
        return False
    if not email:
        db.session.delete(row)
    elif row is None:
        db.session.add(StaffAddress(user_id=user.id, email=email))
    else:
        row.email = email
    db.session.flush()
    record_event(actor, "outbox.staff_address", user, {"email": email or None})
    return True
