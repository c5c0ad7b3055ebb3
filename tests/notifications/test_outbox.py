"""The outbox against a real local SMTP server: delivered once, retried after a failure, never without consent."""

from datetime import timedelta

from sqlalchemy import func, select

from grocery.extensions import db
from grocery.notifications.models import OutboxMessage
from grocery.notifications.runner import run_reminders
from grocery.notifications.services import Draft, backoff, queue_message
from grocery.settings.services import update_settings
from tests.factories import make_household
from tests.notifications.helpers import today_at, volunteer_booked_tomorrow


def _draft(**overrides) -> Draft:
    values = {"kind": "test", "dedupe_key": "test:1", "recipient": "alice@example.be", "language": "fr",
              "subject": "Rappel", "body": "Bonjour\n"}
    values.update(overrides)
    return Draft(**values)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_queued_message_is_delivered_and_received(smtp):
    """Does a queued message reach the SMTP server, in its language, and is it marked sent?"""
    message = queue_message(_draft(language="nl", subject="Herinnering", body="Hallo Alice\n"))
    db.session.commit()
    report = run_reminders(today_at(10))
    assert report.delivered["sent"] == 1
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received["To"] == "alice@example.be"
    assert received["Subject"] == "Herinnering"
    assert received["Content-Language"] == "nl"
    assert "epicerie@example.be" in received["From"]
    assert received.get_content().replace("\r\n", "\n") == "Hallo Alice\n"
    db.session.refresh(message)
    assert (message.status, message.tries, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None


def test_queueing_the_same_message_twice_keeps_one(db):
    """Is a message queued once whatever the number of runs (its dedupe key)?"""
    assert queue_message(_draft()) is not None
    assert queue_message(_draft(body="autre\n")) is None
    assert _count() == 1


def test_running_the_command_twice_sends_one_email(smtp):
    """Does send-reminders, run twice, queue the volunteer's reminder once and send one e-mail?"""
    volunteer_booked_tomorrow()
    first = run_reminders(today_at(10))
    second = run_reminders(today_at(10, 15))
    assert first.queued["volunteer_shift"] == 1
    assert second.queued["volunteer_shift"] == 0
    assert len(smtp.messages) == 1
    assert _count() == 1
    assert "Marie" in smtp.messages[0].get_content()


def test_a_refusing_server_is_tried_again_later_without_duplicates(smtp):
    """A server answering 451: is the message kept, not retried before its back-off, then sent once?"""
    smtp.mailbox.refuse = True
    message = queue_message(_draft())
    db.session.commit()
    now = today_at(10)
    assert run_reminders(now).delivered["retry"] == 1
    db.session.refresh(message)
    assert (message.status, message.tries) == ("pending", 1)
    assert "451" in message.last_error
    assert message.next_attempt_at == now + backoff(1)
    smtp.mailbox.refuse = False
    assert run_reminders(now + timedelta(minutes=1)).delivered["sent"] == 0  # not due yet
    assert smtp.messages == []
    assert run_reminders(message.next_attempt_at).delivered["sent"] == 1
    run_reminders(message.next_attempt_at + timedelta(hours=1))
    assert len(smtp.messages) == 1
    db.session.refresh(message)
    assert (message.status, message.tries, message.last_error) == ("sent", 2, "")


def test_a_server_that_is_down_is_tried_again_once_it_is_up(smtp_down):
    """Connection refused: is the message retried later and sent once the server is up?"""
    message = queue_message(_draft())
    db.session.commit()
    now = today_at(10)
    assert run_reminders(now).delivered["retry"] == 1
    db.session.refresh(message)
    assert message.status == "pending" and "Connection" in message.last_error
    smtp_down.start()
    later = message.next_attempt_at
    assert run_reminders(later).delivered["sent"] == 1
    assert run_reminders(later + timedelta(days=1)).delivered["sent"] == 0
    assert len(smtp_down.messages) == 1


def test_a_message_is_given_up_after_the_last_try(smtp_down):
    """Does the outbox stop after notifications.max_tries failures and mark the message failed?"""
    update_settings(None, {"notifications.max_tries": 2})
    message = queue_message(_draft())
    db.session.commit()
    now = today_at(10)
    run_reminders(now)
    db.session.refresh(message)
    report = run_reminders(message.next_attempt_at)
    assert report.delivered["failed"] == 1
    db.session.refresh(message)
    assert (message.status, message.tries) == ("failed", 2)
    smtp_down.start()
    run_reminders(now + timedelta(days=2))
    assert smtp_down.messages == []  # a failed message waits for a person to retry it


def test_without_an_smtp_server_messages_wait(runner):
    """No SMTP host set: is nothing sent, no try counted, and does the command say why?"""
    update_settings(None, {"notifications.queue_from_hour": 0})
    message = queue_message(_draft())
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "SMTP" in result.output
    db.session.refresh(message)
    assert (message.status, message.tries) == ("pending", 0)
    assert "SMTP" in message.last_error


def test_an_sms_waits_for_a_provider(smtp):
    """An SMS with no provider configured: pending, no try, a clear reason; e-mail still goes."""
    sms = queue_message(_draft(channel="sms", recipient="0470 12 34 56", dedupe_key="test:sms"))
    queue_message(_draft(dedupe_key="test:mail"))
    db.session.commit()
    report = run_reminders(today_at(10))
    assert report.delivered["sent"] == 1
    db.session.refresh(sms)
    assert (sms.status, sms.tries) == ("pending", 0)
    assert "SMS" in sms.last_error
    assert len(smtp.messages) == 1


def test_a_household_without_consent_is_never_queued(db):
    """A household with an address but no agreement to reminders: is nothing queued?"""
    household = make_household(email="famille@example.be", accepts_reminders=False)
    assert queue_message(_draft(recipient=household.email, household_id=household.id)) is None
    assert _count() == 0


def test_a_household_without_an_address_is_never_queued(db):
    """A household that agreed but gave no e-mail address: is nothing queued?"""
    household = make_household(email=None, accepts_reminders=True)
    assert queue_message(_draft(recipient="", household_id=household.id)) is None
    assert queue_message(_draft(recipient="autre@example.be", household_id=household.id)) is None
    assert _count() == 0


def test_consent_withdrawn_after_queueing_cancels_the_message(smtp):
    """A household that withdraws its agreement before the send: is the message cancelled, not sent?"""
    household = make_household(email="famille@example.be", accepts_reminders=True)
    message = queue_message(_draft(recipient="famille@example.be", household_id=household.id))
    assert message is not None
    household.accepts_reminders = False
    db.session.commit()
    assert run_reminders(today_at(10)).delivered["cancelled"] == 1
    assert smtp.messages == []
    db.session.refresh(message)
    assert message.status == "cancelled"


def test_a_volunteer_without_an_address_gets_nothing(smtp):
    """A volunteer booked tomorrow without an e-mail address: is nothing queued?"""
    volunteer_booked_tomorrow(email="")
    assert run_reminders(today_at(10)).queued["volunteer_shift"] == 0
    assert _count() == 0


def test_a_cancelled_shift_cancels_its_reminder(smtp):
    """A shift cancelled after its reminder was queued: is the reminder cancelled rather than sent?"""
    from grocery.notifications.runner import RunReport, queue_due_messages

    assignment = volunteer_booked_tomorrow()
    queue_due_messages(today_at(10), RunReport())
    assignment.status = "cancelled"
    db.session.commit()
    report = run_reminders(today_at(10, 5))
    assert report.delivered["cancelled"] == 1
    assert smtp.messages == []


def test_nothing_is_queued_before_the_hour(smtp):
    """Before notifications.queue_from_hour: is tomorrow's reminder not yet written?"""
    update_settings(None, {"notifications.queue_from_hour": 9})
    db.session.commit()
    volunteer_booked_tomorrow()
    assert run_reminders(today_at(7)).too_early
    assert _count() == 0
    assert run_reminders(today_at(9)).queued["volunteer_shift"] == 1


def test_the_shift_reminder_is_written_in_the_volunteers_language(smtp):
    """A Dutch-speaking volunteer: is the reminder in Dutch, with the day, hours and activity?"""
    assignment = volunteer_booked_tomorrow(language="nl")
    run_reminders(today_at(10))
    received = smtp.messages[0]
    assert received["Content-Language"] == "nl"
    body = received.get_content()
    assert "09:00" in body and "12:00" in body and assignment.shift.activity.name in body
    assert "Hallo Marie" in body


class RecordingSmsProvider:
    """A provider as an installation would plug one in (tests only: the product ships none)."""

    sent: list = []

    def send_sms(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


def test_an_sms_provider_plugged_in_by_its_name_receives_the_message(db, monkeypatch):
    """GROCERY_SMS_PROVIDER names a factory: is the SMS handed to it once and marked sent?"""
    monkeypatch.setenv("GROCERY_SMS_PROVIDER", "tests.notifications.test_outbox:RecordingSmsProvider")
    RecordingSmsProvider.sent = []
    sms = queue_message(_draft(channel="sms", recipient="0470 12 34 56", body="Rappel\n"))
    db.session.commit()
    run_reminders(today_at(10))
    run_reminders(today_at(11))
    assert RecordingSmsProvider.sent == [("0470 12 34 56", "Rappel\n")]
    db.session.refresh(sms)
    assert sms.status == "sent"


def test_a_mistyped_sms_provider_leaves_the_message_waiting_with_the_reason(db, monkeypatch):
    monkeypatch.setenv("GROCERY_SMS_PROVIDER", "nowhere.to.be:found")
    sms = queue_message(_draft(channel="sms", recipient="0470 12 34 56"))
    db.session.commit()
    run_reminders(today_at(10))
    db.session.refresh(sms)
    assert (sms.status, sms.tries) == ("pending", 0)
    assert "nowhere.to.be:found" in sms.last_error


def test_the_households_export_holds_its_messages(db):
    """Does a household's data export list the messages the outbox holds for it?"""
    from grocery.households.services import export_household

    household = make_household(email="famille@example.be", accepts_reminders=True)
    queue_message(_draft(recipient="famille@example.be", household_id=household.id, subject="Rendez-vous demain"))
    data = export_household(None, household)
    assert data["accepts_reminders"] is True
    assert [(m["subject"], m["status"]) for m in data["reminders"]] == [("Rendez-vous demain", "pending")]
