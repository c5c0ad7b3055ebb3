"""The social workers' weekly digest: their expiring households, once a week, references and dates only."""

from datetime import timedelta

from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.extensions import db
from grocery.notifications.models import OutboxMessage
from grocery.notifications.runner import run_reminders
from grocery.notifications.services import set_staff_address
from grocery.settings.services import update_settings
from grocery.timeutil import local_today
from tests.factories import make_decision, make_household, make_user
from tests.notifications.helpers import today_at


def _expiring_household(social_worker, *, days_left: int = 5):
    household = make_household(social_worker)
    today = local_today()
    make_decision(household, social_worker, valid_from=today - timedelta(days=60),
                  valid_until=today + timedelta(days=days_left), income_cents=123456, charges_cents=65432,
                  motive="Motif très confidentiel")
    return household


def _digest_day() -> None:
    update_settings(None, {"notifications.digest_weekday": str(local_today().weekday())})
    db.session.commit()


def test_a_social_worker_gets_their_expiring_households_once_a_week(smtp):
    """Does the social worker who made the current decision get one digest this week, with the reference and end
    date, and no income, charges, motive or name?"""
    worker = make_user(Role.SOCIAL_WORKER, display_name="Sophie")
    set_staff_address(worker, worker, "sophie@cpas.example.be")
    household = _expiring_household(worker)
    far = make_household(worker)
    make_decision(far, worker, valid_from=local_today() - timedelta(days=10),
                  valid_until=local_today() + timedelta(days=60))
    _digest_day()
    run_reminders(today_at(10))
    run_reminders(today_at(16))
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received["To"] == "sophie@cpas.example.be"
    body = received.get_content()
    assert household.reference in body
    assert far.reference not in body
    for secret in ("1234", "654", "confidentiel", household.reference_person.last_name):
        assert secret not in body


def test_the_digest_reaches_only_the_social_worker_of_the_household(smtp):
    """Another social worker, and an account that no longer has a social role, get no digest for it."""
    author = make_user(Role.SOCIAL_WORKER)
    colleague = make_user(Role.SOCIAL_WORKER)
    set_staff_address(colleague, colleague, "collegue@cpas.example.be")
    _expiring_household(author)
    moved = make_user(Role.SOCIAL_WORKER)
    set_staff_address(moved, moved, "moved@cpas.example.be")
    _expiring_household(moved)
    moved.role = Role.CASHIER.value
    _digest_day()
    run_reminders(today_at(10))
    assert smtp.messages == []  # the author gave no address; the colleague made no decision; "moved" is a cashier


def test_no_digest_before_its_weekday(smtp):
    """Before the digest's weekday of the week: nothing is queued."""
    worker = make_user(Role.SOCIAL_WORKER)
    set_staff_address(worker, worker, "sw@cpas.example.be")
    _expiring_household(worker)
    tomorrow = (local_today() + timedelta(days=1)).weekday()
    if tomorrow == 0:  # today is Sunday: no later day in this ISO week
        tomorrow = 6
        update_settings(None, {"notifications.digest_weekday": "6"})
        db.session.commit()
        run_reminders(today_at(10))
        assert len(smtp.messages) == 1
        return
    update_settings(None, {"notifications.digest_weekday": str(tomorrow)})
    db.session.commit()
    run_reminders(today_at(10))
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_the_digest_is_in_the_social_workers_language(smtp):
    """A Dutch-speaking social worker: is the digest in Dutch?"""
    worker = make_user(Role.SOCIAL_WORKER, preferred_language="nl")
    set_staff_address(worker, worker, "sw@ocmw.example.be")
    _expiring_household(worker)
    _digest_day()
    run_reminders(today_at(10))
    received = smtp.messages[0]
    assert received["Content-Language"] == "nl"
    assert "Hallo" in received.get_content()
