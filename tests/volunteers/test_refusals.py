"""Every refusal of the volunteer services: a clear French message and nothing written."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.errors import Conflict, GroceryError, ValidationError
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.models import (
    Activity,
    Assignment,
    Competence,
    Evaluation,
    Goal,
    Shift,
    ShiftTemplate,
    Workshop,
    WorkshopSession,
)
from tests.factories import make_activity, make_participant, make_shift
from tests.utils import text_of


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("capacity", [0, 51, None])
def test_template_capacity_out_of_range(db, capacity):
    with pytest.raises(ValidationError) as error:
        services.create_template(None, weekday=1, start_time=time(9), end_time=time(12), activity=make_activity(),
                                 capacity=capacity)
    assert "entre 1 et 50" in error.value.message
    assert _count(db, ShiftTemplate) == 0


def test_generate_more_than_three_months_is_refused(db):
    with pytest.raises(ValidationError) as error:
        services.generate_shifts(None, local_today(), local_today() + timedelta(days=120))
    assert "trois mois" in error.value.message
    assert _count(db, Shift) == 0


def test_cancel_shift_needs_a_reason(db):
    shift = make_shift()
    with pytest.raises(ValidationError) as error:
        services.cancel_shift(None, shift, "")
    assert "motif" in error.value.message
    assert not shift.is_cancelled


def test_cancelled_shift_takes_no_booking(db):
    shift = make_shift()
    services.cancel_shift(None, shift, "Fermeture exceptionnelle")
    with pytest.raises(Conflict) as error:
        services.book_shift(None, shift, make_participant())
    assert "annulé" in error.value.message
    assert _count(db, Assignment) == 0


def test_validated_day_takes_no_booking_or_cancellation(db):
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    services.validate_day(None, shift.held_on)
    with pytest.raises(Conflict):
        services.book_shift(None, shift, make_participant())
    with pytest.raises(Conflict):
        services.cancel_shift(None, shift, "trop tard")
    assert _count(db, Assignment) == 0


def test_future_day_cannot_be_validated(db):
    with pytest.raises(ValidationError) as error:
        services.validate_day(None, local_today() + timedelta(days=1))
    assert "arrivé" in error.value.message


def test_engagement_ended_before_the_shift(db):
    person = make_participant(started_on=local_today() - timedelta(days=60),
                              ended_on=local_today() - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        services.book_shift(None, make_shift(), person)
    assert "se termine avant" in error.value.message


def test_same_person_twice_on_a_shift(db):
    shift, person = make_shift(), make_participant()
    services.book_shift(None, shift, person)
    with pytest.raises(Conflict) as error:
        services.book_shift(None, shift, person)
    assert "déjà sur ce créneau" in error.value.message


def test_walk_in_respects_double_booking(db):
    person = make_participant()
    services.book_shift(None, make_shift(start_time=time(9), end_time=time(12)), person)
    with pytest.raises(Conflict):
        services.record_walk_in(None, make_shift(start_time=time(10), end_time=time(11)), person)
    assert _count(db, Assignment) == 1


def test_unknown_attendance_mark(db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    with pytest.raises(ValidationError):
        services.mark_attendance(None, assignment, "sanction")
    assert assignment.attendance is None


def test_check_out_without_check_in(db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    with pytest.raises(ValidationError) as error:
        services.mark_attendance(None, assignment, "present", checked_out=time(11))
    assert "heure d'arrivée" in error.value.message


def test_competences_for_an_absent_person(db):
    assignment = services.book_shift(None, make_shift(), make_participant())
    services.mark_attendance(None, assignment, "absent")
    with pytest.raises(Conflict):
        services.confirm_competences(None, assignment, supervisor_ids=[1], participant_ids=[])


def test_formality_refusals(db):
    person = make_participant()
    with pytest.raises(ValidationError):
        services.update_formality(None, person, "unknown", "done", None)
    with pytest.raises(ValidationError):
        services.update_formality(None, person, "c45b", "maybe", None)
    with pytest.raises(ValidationError) as error:
        services.update_formality(None, person, "c45b", "done", local_today() + timedelta(days=2))
    assert "futur" in error.value.message
    assert all(f.status == "todo" for f in person.formalities)


def test_goal_without_text_or_with_unknown_domain(db):
    person = make_participant()
    with pytest.raises(ValidationError):
        services.create_goal(None, person, text="  ")
    with pytest.raises(ValidationError):
        services.create_goal(None, person, text="Objectif", domain="sanction")
    assert _count(db, Goal) == 0


def test_evaluation_without_date(db):
    with pytest.raises(ValidationError):
        services.record_evaluation(None, make_participant(), held_on=None, mode="meeting", notes="")
    assert _count(db, Evaluation) == 0


def test_duplicate_activity_and_competence(db):
    services.create_activity(None, "Caisse")
    services.create_competence(None, "Autonomie")
    with pytest.raises(ValidationError):
        services.create_activity(None, "caisse")
    with pytest.raises(ValidationError):
        services.create_competence(None, "AUTONOMIE")
    assert _count(db, Activity) == 1 and _count(db, Competence) == 1


def test_workshop_refusals(db):
    with pytest.raises(ValidationError):
        services.create_workshop(None, title=" ")
    assert _count(db, Workshop) == 0
    workshop = services.create_workshop(None, title="Couture")
    with pytest.raises(ValidationError):
        services.add_workshop_session(None, workshop, held_on=local_today(), start_time=time(16), end_time=time(14))
    assert _count(db, WorkshopSession) == 0
    future = services.add_workshop_session(None, workshop, held_on=local_today() + timedelta(days=3),
                                           start_time=time(14), end_time=time(16))
    with pytest.raises(ValidationError):
        services.record_workshop_attendance(None, future, [make_participant().id])
    past = services.add_workshop_session(None, workshop, held_on=local_today() - timedelta(days=3),
                                         start_time=time(14), end_time=time(16))
    with pytest.raises(GroceryError):
        services.record_workshop_attendance(None, past, [999999])


def test_kiosk_sign_up_for_a_past_or_full_shift(db):
    person = make_participant()
    with pytest.raises(ValidationError):
        services.kiosk_sign_up(person.badge_code, make_shift(held_on=local_today() - timedelta(days=1)))
    full = make_shift(held_on=local_today() + timedelta(days=1), capacity=1)
    services.book_shift(None, full, make_participant())
    with pytest.raises(services.ShiftFull):
        services.kiosk_sign_up(person.badge_code, full)
    assert _count(db, Assignment) == 1


def test_social_worker_cannot_create_a_workshop(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/volunteers/workshops", {"title": "Atelier", "proposed_by_id": 0})
    assert response.status_code == 403
    assert _count(db, Workshop) == 0


def test_participant_form_end_before_start(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/volunteers/participants/new", {
        "first_name": "Awa", "last_name": "Diop", "engagement_type": "volunteer", "referent_id": 0,
        "started_on": "2026-05-01", "ended_on": "2026-04-01"})
    assert "La date de fin est avant la date de début" in text_of(response)
    from grocery.volunteers.models import Participant

    assert _count(db, Participant) == 0
