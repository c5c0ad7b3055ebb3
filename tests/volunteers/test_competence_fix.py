"""The competences form after a kiosk confirmation, and on a validated day sheet."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.errors import Conflict
from grocery.timeutil import local_to_utc, local_today
from grocery.volunteers import services
from grocery.volunteers.models import Assignment, CompetenceConfirmation
from tests.factories import make_activity, make_competence, make_participant, make_shift
from tests.utils import text_of


def _checked_out_today(confirmed_at_kiosk):
    """A participant who checked in and out today and confirmed competences at the kiosk."""
    competences = [make_competence("Tenue de caisse"), make_competence("Accueil du public")]
    person = make_participant(first_name="Élise")
    shift = make_shift(activity=make_activity("Caisse", competences), start_time=time(0, 0),
                       end_time=time(23, 59))
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "present", checked_in=time(0, 5), checked_out=time(0, 30))
    services.confirm_own_competences(person.badge_code, assignment.id, [c.id for c in confirmed_at_kiosk(competences)],
                                     now=local_to_utc(local_today(), time(0, 31)))
    return assignment, competences


def test_supervisor_confirms_what_the_participant_already_confirmed_at_the_kiosk(db):
    """Can the coordinator save the participant's side again after a kiosk confirmation? (it was a UNIQUE error)"""
    assignment, (caisse, accueil) = _checked_out_today(lambda cs: cs[:1])
    services.confirm_competences(None, assignment, supervisor_ids=[caisse.id],
                                 participant_ids=[caisse.id, accueil.id])
    db.session.commit()
    rows = db.session.scalars(select(CompetenceConfirmation).where(
        CompetenceConfirmation.assignment_id == assignment.id)).all()
    assert sorted((r.confirmed_by, r.competence_id) for r in rows) == sorted(
        [("supervisor", caisse.id), ("participant", caisse.id), ("participant", accueil.id)])


def test_participant_confirms_the_same_competence_twice_at_the_kiosk(db):
    """Does confirming the same competence again at the kiosk keep one row, not fail?"""
    assignment, (caisse, _accueil) = _checked_out_today(lambda cs: cs[:1])
    services.confirm_own_competences(assignment.participant.badge_code, assignment.id, [caisse.id],
                                     now=local_to_utc(local_today(), time(0, 40)))
    db.session.commit()
    assert [(c.confirmed_by, c.competence_id) for c in assignment.confirmations] == [("participant", caisse.id)]


def test_competences_form_after_kiosk_is_saved_not_a_500(client, login, db):
    """Does the day-sheet form save after a kiosk confirmation of the same competence? (it was a 500)"""
    assignment, (caisse, _accueil) = _checked_out_today(lambda cs: cs[:1])
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/assignments/{assignment.id}/competences",
                                {"supervisor_ids": [caisse.id], "participant_ids": [caisse.id]},
                                follow_redirects=True)
    assert response.status_code == 200
    assert "Compétences enregistrées" in text_of(response)


def test_competences_on_a_validated_day_are_refused(client, login, db):
    """Is the competences form refused on a validated day sheet, with a clear message, writing nothing?"""
    person = make_participant()
    caisse = make_competence()
    shift = make_shift(held_on=local_today() - timedelta(days=1), activity=make_activity("Caisse", [caisse]))
    assignment = services.book_shift(None, shift, person)
    services.mark_attendance(None, assignment, "present")
    services.validate_day(None, shift.held_on)
    with pytest.raises(Conflict) as error:
        services.confirm_competences(None, assignment, supervisor_ids=[caisse.id], participant_ids=[])
    assert "validée" in error.value.message or "validated" in error.value.message
    db.session.commit()
    login(Role.COORDINATOR)
    response = client.post_form(f"/volunteers/assignments/{assignment.id}/competences",
                                {"supervisor_ids": [caisse.id]}, follow_redirects=True)
    assert "ne peuvent plus changer" in text_of(response) or "can no longer change" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).confirmations == []
