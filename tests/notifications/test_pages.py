"""The outbox page (managers) with its audited "retry now", the Reminders page, and the household's agreement."""

import pytest
from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.extensions import db
from grocery.households.models import Household
from grocery.notifications.models import OutboxMessage, StaffAddress
from grocery.notifications.runner import run_reminders
from grocery.notifications.services import Draft, queue_message
from grocery.settings.services import update_settings
from tests.factories import make_household
from tests.notifications.helpers import today_at
from tests.utils import text_of


def _failed_message(port_down: bool = True) -> OutboxMessage:
    update_settings(None, {"notifications.max_tries": 1})
    message = queue_message(Draft(kind="staff_digest", dedupe_key="page:1", recipient="marie@example.be",
                                  language="fr", subject="Votre créneau de demain", body="Bonjour Marie\n"))
    db.session.commit()
    run_reminders(today_at(10))
    db.session.refresh(message)
    assert message.status == "failed"
    return message


def test_a_coordinator_sees_the_failed_message_with_its_error_and_retries_it(client, login, smtp_down):
    """Does the outbox show a failed message with its error, and does "retry now" send it once, logged?"""
    message = _failed_message()
    user = login(Role.COORDINATOR)
    page = text_of(client.get("/reminders/outbox?status=failed"))
    assert "Votre créneau de demain" in page and "marie@example.be" in page
    assert "ConnectionRefusedError" in page
    smtp_down.start()
    response = client.post_form(f"/reminders/outbox/{message.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent"
    assert len(smtp_down.messages) == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).one()
    assert event.actor_id == user.id and event.target_id == str(message.id)
    assert client.post_form(f"/reminders/outbox/{message.id}/retry").status_code == 302  # sent: refused, no resend
    assert len(smtp_down.messages) == 1


def test_a_coordinator_cancels_a_waiting_message(client, login, db):
    """Is a cancelled message never sent, and the cancellation logged?"""
    message = queue_message(Draft(kind="staff_digest", dedupe_key="page:2", recipient="sw@example.be",
                                  language="fr", subject="Renouvellements", body="x\n"))
    db.session.commit()
    login(Role.ADMIN)
    assert client.post_form(f"/reminders/outbox/{message.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "cancelled"
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.cancel")).one()


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.CASHIER, Role.STOCK_MANAGER])
def test_only_managers_open_the_outbox(client, login, db, role):
    login(role)
    assert client.get("/reminders/outbox").status_code == 403


def test_unknown_messages_and_statuses_are_refused_plainly(client, login, db):
    login(Role.COORDINATOR)
    assert client.get("/reminders/outbox?status=nonsense").status_code == 200
    assert client.post_form("/reminders/outbox/99999999999999999999/retry").status_code in (400, 404)
    assert client.post_form("/reminders/outbox/12345/cancel").status_code == 404


def test_a_social_worker_gives_the_address_for_their_digest(client, login, db):
    """Does the Reminders page record the social worker's address, refuse a wrong one, and remove it when empty?"""
    user = login(Role.SOCIAL_WORKER)
    page = text_of(client.get("/reminders/"))
    assert "Rappels" in page
    bad = client.post_form("/reminders/", {"email": "pas une adresse"})
    assert bad.status_code == 200 and "adresse e-mail" in text_of(bad)
    assert db.session.get(StaffAddress, user.id) is None
    assert client.post_form("/reminders/", {"email": "sw@cpas.example.be"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffAddress, user.id).email == "sw@cpas.example.be"
    assert client.post_form("/reminders/", {"email": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffAddress, user.id) is None


def test_the_household_form_records_the_agreement_to_reminders(client, login, db):
    """Is the agreement to reminders ticked on the household's form, kept, and shown on its page?"""
    household = make_household(email="famille@example.be")
    db.session.commit()
    assert household.accepts_reminders is False
    login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/households/{household.id}/edit", {
        "postcode": "5000", "preferred_language": "nl", "email": "famille@example.be", "accepts_reminders": "y"})
    assert response.status_code == 302, text_of(response)
    db.session.expire_all()
    assert db.session.get(Household, household.id).accepts_reminders is True
    page = text_of(client.get(f"/households/{household.id}"))
    assert "Rappels par e-mail" in page
    client.post_form(f"/households/{household.id}/edit", {"postcode": "5000", "preferred_language": "nl",
                                                          "email": "famille@example.be"})
    db.session.expire_all()
    assert db.session.get(Household, household.id).accepts_reminders is False


def test_the_reason_a_message_waits_is_shown_in_the_readers_language(client, login, db):
    """A message waiting for an SMTP server: is the reason stored once and shown in French and in Dutch?"""
    update_settings(None, {"notifications.queue_from_hour": 0})
    message = queue_message(Draft(kind="staff_digest", dedupe_key="page:3", recipient="sw@example.be",
                                  language="fr", subject="Renouvellements", body="x\n"))
    db.session.commit()
    run_reminders(today_at(10))
    db.session.refresh(message)
    assert message.last_error.startswith("No SMTP server is set")
    user = login(Role.COORDINATOR)
    assert "Aucun serveur SMTP n'est indiqué" in text_of(client.get("/reminders/outbox"))
    user.preferred_language = "nl"
    db.session.commit()
    assert "Er is geen SMTP-server ingesteld" in text_of(client.get("/reminders/outbox"))
