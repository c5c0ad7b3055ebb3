"""The volunteers' forms show every error at once, next to each field: an empty or wrong form is answered with all
its errors in one go, and nothing is written."""

from datetime import timedelta

from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.timeutil import local_today
from grocery.volunteers.models import Allowance, Participant, Shift, ShiftTemplate, Workshop, WorkshopSession
from tests.factories import make_activity, make_participant
from tests.utils import invalid_fields, text_of


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_empty_participant_form_shows_names_and_start_at_once(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/volunteers/participants/new", {"engagement_type": "volunteer", "referent_id": 0,
                                                                  "preferred_language": "fr"})
    assert invalid_fields(response) == ["first_name", "last_name", "started_on"]
    assert _count(db, Participant) == 0


def test_participant_with_no_name_and_an_end_before_its_start_shows_both(client, login, db):
    """The service's rule (end before start) shows with the form's own refusal (missing first name)."""
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/volunteers/participants/new", {
        "last_name": "Haddad", "engagement_type": "volunteer", "referent_id": 0, "preferred_language": "fr",
        "started_on": "2026-10-01", "ended_on": "2026-09-01"})
    assert invalid_fields(response) == ["first_name", "ended_on"]
    assert "La date de fin est avant la date de début" in text_of(response)
    assert _count(db, Participant) == 0


def test_empty_weekly_slot_shows_times_and_capacity_at_once(client, login, db):
    activity = make_activity("Accueil")
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form("/volunteers/templates", {"weekday": 0, "activity_id": activity.id,
                                                          "capacity": "", "required_capability": ""})
    assert invalid_fields(response) == ["start_time", "end_time", "capacity"]
    wrong = client.post_form("/volunteers/templates", {"weekday": 0, "activity_id": activity.id, "capacity": "",
                                                       "start_time": "12:00", "end_time": "09:00",
                                                       "required_capability": ""})
    assert invalid_fields(wrong) == ["end_time", "capacity"]
    assert "L'heure de fin est avant l'heure de début" in text_of(wrong).replace("’", "'")
    assert _count(db, ShiftTemplate) == 0


def test_empty_period_to_plan_shows_both_days_on_the_page(client, login, db):
    login(Role.COORDINATOR)
    response = client.post_form("/volunteers/generate", {"date_from": "", "date_to": ""})
    assert response.status_code == 422
    assert invalid_fields(response) == ["date_from", "date_to"]
    too_long = client.post_form("/volunteers/generate", {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    assert too_long.status_code == 422 and invalid_fields(too_long) == ["date_to"]
    assert _count(db, Shift) == 0


def test_empty_workshop_form_shows_its_title(client, login, db):
    login(Role.COORDINATOR)
    response = client.post_form("/volunteers/workshops", {"title": "", "proposed_by_id": 0})
    assert invalid_fields(response) == ["title"]
    assert _count(db, Workshop) == 0


def test_empty_workshop_session_shows_every_field_on_the_workshop_page(client, login, db):
    login(Role.COORDINATOR)
    client.post_form("/volunteers/workshops", {"title": "Cuisine de saison", "proposed_by_id": 0})
    workshop = db.session.scalar(select(Workshop))
    response = client.post_form(f"/volunteers/workshops/{workshop.id}/sessions",
                                {"held_on": "", "start_time": "", "end_time": "", "capacity": ""})
    assert response.status_code == 422
    assert invalid_fields(response) == ["held_on", "capacity", "start_time", "end_time"]
    assert "Cuisine de saison" in text_of(response)
    backwards = client.post_form(f"/volunteers/workshops/{workshop.id}/sessions", {
        "held_on": local_today().isoformat(), "start_time": "16:00", "end_time": "14:00", "capacity": "0"})
    assert invalid_fields(backwards) == ["capacity", "end_time"]
    assert _count(db, WorkshopSession) == 0


def test_empty_allowance_shows_day_and_amount_on_the_participant_page(client, login, db):
    person = make_participant(first_name="Lina")
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/participants/{person.id}/allowances", {"day": "", "amount": ""})
    assert response.status_code == 422
    assert invalid_fields(response) == ["day", "amount"]
    assert "Lina" in text_of(response)
    wrong = client.post_form(f"/volunteers/participants/{person.id}/allowances", {
        "day": (local_today() + timedelta(days=3)).isoformat(), "amount": "abc"})
    assert wrong.status_code == 422 and invalid_fields(wrong) == ["day", "amount"]
    assert "Le jour est dans le futur" in text_of(wrong)
    assert _count(db, Allowance) == 0
