"""Two runs of send-reminders at the same moment send a message once (PostgreSQL: SKIP LOCKED; SQLite: the claim)."""

import threading
import time

import pytest

from grocery.notifications.models import OutboxMessage
from grocery.notifications.runner import _deliver_one
from grocery.notifications.services import Draft, claim_message, due_message_ids, queue_message
from tests.checkout.races import race
from tests.notifications.helpers import today_at


def test_a_claimed_message_is_no_longer_due_for_another_run(db):
    """Once a run has claimed a message (and, on SQLite, committed the claim), does another run find it not due?"""
    message = queue_message(Draft(kind="test", dedupe_key="race:0", recipient="a@example.be", language="fr",
                                  subject="s", body="b\n"))
    db.session.commit()
    now = today_at(10)
    assert due_message_ids(now) == [message.id]
    assert claim_message(message.id, now) is not None
    db.session.commit()
    assert due_message_ids(now) == []
    assert claim_message(message.id, now) is None


def test_two_runs_at_once_send_a_message_once(app, db):
    """Two deliveries of the same due message started together, the send taking a moment: is it sent once, and
    does the run that lost pass over it?"""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")
    message = queue_message(Draft(kind="test", dedupe_key="race:1", recipient="a@example.be", language="fr",
                                  subject="s", body="b\n"))
    db.session.commit()
    message_id, now = message.id, today_at(10)
    sent, lock = [], threading.Lock()

    def slow_send(outbox_message):
        time.sleep(0.5)  # the SMTP server answering: the other run arrives meanwhile
        with lock:
            sent.append(outbox_message.id)

    senders = {"email": slow_send}
    results, refused = race(app, [lambda: _deliver_one(message_id, now, senders)] * 2)
    assert refused == []
    assert sorted(results) == ["sent", "skipped"]
    assert sent == [message_id]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).status == "sent"
