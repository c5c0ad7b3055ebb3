"""The appointment reminder against the real local SMTP server: the day before, once over two runs, in the
household's language, never without consent, cancelled or re-keyed when the appointment is cancelled or moved."""

from datetime import time, timedelta

from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.extensions import db
from grocery.notifications.models import OutboxMessage
from grocery.notifications.runner import RunReport, queue_due_messages, run_reminders
from grocery.settings.services import update_settings
from grocery.sites.context import current_site_id
from grocery.sites.models import Site
from grocery.timeutil import local_today
from tests.appointments.helpers import eligible_household, open_day
from tests.notifications.helpers import today_at


def booked_tomorrow(*, email="famille@example.be", consent=True, language="fr", slots=None):
    """A household with an address and its consent, booked at 9:15 tomorrow at the current site (committed); the
    day is opened unless its `slots` are given."""
    site = db.session.get(Site, current_site_id())
    site.address, site.postcode, site.city = "Rue Haute 12", "1000", "Bruxelles"
    slots = slots or open_day(local_today() + timedelta(days=1), start=time(9), end=time(10))
    household = eligible_household()
    household.email, household.accepts_reminders, household.preferred_language = email, consent, language
    appointment = aps.book_appointment(None, household, slots[1])
    db.session.commit()
    return appointment, slots


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "appointment_reminder")))


def test_the_reminder_is_sent_once_over_two_runs_with_the_site_and_the_time(smtp):
    """Two runs of send-reminders: one e-mail, to the household, with the site's name and address, the day and the
    time, what to bring, and nothing of its budget or decision."""
    update_settings(None, {"appointments.what_to_bring": "votre carte et vos sacs"})
    db.session.commit()
    appointment, _slots = booked_tomorrow()
    first = run_reminders(today_at(10))
    second = run_reminders(today_at(10, 30))
    assert first.queued["appointment_reminder"] == 1 and second.queued["appointment_reminder"] == 0
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received["To"] == "famille@example.be" and received["Content-Language"] == "fr"
    body = received.get_content()
    site = db.session.get(Site, appointment.site_id)
    assert site.name in body and "Rue Haute 12" in body and "1000 Bruxelles" in body
    assert "09:15" in body and "votre carte et vos sacs" in body
    assert "budget" not in body.lower() and "€" not in body
    assert _messages()[0].household_id == appointment.household_id


def test_the_reminder_is_written_in_the_households_language(smtp):
    booked_tomorrow(language="nl")
    run_reminders(today_at(10))
    received = smtp.messages[0]
    assert received["Content-Language"] == "nl"
    assert "afspraak" in received["Subject"].lower() and "09:15" in received.get_content()


def test_no_reminder_without_consent_or_without_an_address(smtp):
    """A household that did not agree to reminders, or gave no address: nothing queued, nothing sent."""
    _appointment, slots = booked_tomorrow(consent=False)
    booked_tomorrow(email="", consent=True, slots=slots)
    report = run_reminders(today_at(10))
    assert report.queued.get("appointment_reminder", 0) == 0
    assert smtp.messages == [] and _messages() == []


def test_a_cancelled_appointment_cancels_its_pending_reminder(smtp):
    """Cancelled after its reminder was queued: the reminder is cancelled rather than sent."""
    appointment, _slots = booked_tomorrow()
    queue_due_messages(today_at(10), RunReport())
    aps.cancel_appointment(None, appointment, "La famille a téléphoné")
    db.session.commit()
    report = run_reminders(today_at(10, 5))
    assert report.delivered["cancelled"] == 1
    assert smtp.messages == []
    assert [m.status for m in _messages()] == ["cancelled"]


def test_a_moved_appointment_is_reminded_at_its_new_time_only(smtp):
    """Moved after its reminder was queued: the old one is cancelled, the new time is sent once."""
    appointment, slots = booked_tomorrow()
    queue_due_messages(today_at(10), RunReport())
    aps.move_appointment(None, appointment, slots[3])
    db.session.commit()
    run_reminders(today_at(10, 5))
    run_reminders(today_at(10, 10))
    assert len(smtp.messages) == 1 and "09:45" in smtp.messages[0].get_content()
    assert sorted(m.status for m in _messages()) == ["cancelled", "sent"]


def test_the_reminder_can_be_turned_off(smtp):
    update_settings(None, {"notifications.appointment_reminders": False})
    db.session.commit()
    booked_tomorrow()
    run_reminders(today_at(10))
    assert smtp.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
