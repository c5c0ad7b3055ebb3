"""Workshops open to households and participants: sign-up within the places, then attendance; who proposed it."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.errors import Conflict, ValidationError
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.models import WorkshopAttendance, WorkshopSignup
from grocery.volunteers.workshops import WorkshopFull
from tests.factories import make_household, make_participant
from tests.utils import text_of


def _session(capacity=2, days=3, **workshop):
    workshop = services.create_workshop(None, title=workshop.pop("title", "Cuisine du monde"), **workshop)
    return services.add_workshop_session(None, workshop, held_on=local_today() + timedelta(days=days),
                                         start_time=time(14), end_time=time(16), capacity=capacity)


def _signups(db):
    return db.session.scalar(select(func.count(WorkshopSignup.id)))


def test_sign_up_within_the_places_then_full_is_refused_clearly(db):
    """Are sign-ups taken up to the capacity, a participant and a household member alike, then refused with a
    message that says what to do?"""
    session = _session(capacity=2)
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    services.sign_up_participant(None, session, make_participant())
    services.sign_up_member(None, session, household.members[0].id)
    with pytest.raises(WorkshopFull) as error:
        services.sign_up_participant(None, session, make_participant())
    assert "complète" in error.value.message or "full" in error.value.message
    assert "2" in error.value.message
    assert _signups(db) == 2


def test_same_person_twice_and_over_sessions_are_refused(db):
    session = _session()
    person = make_participant()
    services.sign_up_participant(None, session, person)
    with pytest.raises(Conflict):
        services.sign_up_participant(None, session, person)
    past = _session(days=-1)
    with pytest.raises(Conflict):
        services.sign_up_participant(None, past, person)
    with pytest.raises(ValidationError):
        services.sign_up_member(None, session, 999999)
    assert _signups(db) == 1


def test_capacity_is_required_between_1_and_100(db):
    workshop = services.create_workshop(None, title="Couture")
    for capacity in (0, 101, None):
        with pytest.raises(ValidationError) as error:
            services.add_workshop_session(None, workshop, held_on=local_today(), start_time=time(9),
                                          end_time=time(10), capacity=capacity)
        assert error.value.field == "capacity"


def test_attendance_after_sign_up_counts_only_participants_in_their_path(db):
    """Does a member's presence stay on the sign-up (no path, no hours) while a participant's counts?"""
    session = _session(capacity=5, days=0)
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    member = household.members[0]
    person, walk_in = make_participant(), make_participant()
    services.sign_up_participant(None, session, person)
    services.sign_up_member(None, session, member.id)
    other = make_household(person={"first_name": "Jean", "last_name": "Dury"}).members[0]
    with pytest.raises(ValidationError):
        services.record_workshop_attendance(None, session, [person.id], [other.id])  # not signed up
    assert services.record_workshop_attendance(None, session, [person.id, walk_in.id], [member.id]) == 3
    db.session.flush()
    assert {s.member_id or s.participant_id: s.is_present for s in session.signups} == {person.id: True,
                                                                                         member.id: True}
    assert db.session.scalar(select(func.count(WorkshopAttendance.id))) == 2
    assert services.path_summary(person)["total_minutes"] == 120


def test_workshop_shows_who_proposed_it(client, login, db):
    """Is the person who proposed a workshop shown, a participant or another person by name?"""
    person = make_participant(first_name="Amina", last_name="Haddad")
    by_participant = services.create_workshop(None, title="Cuisine du monde", proposed_by=person)
    by_other = services.create_workshop(None, title="Jardin partagé", proposed_by_name="Mme Leclercq")
    by_team = services.create_workshop(None, title="Budget")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    assert "Proposé par Amina Haddad" in text_of(client.get(f"/volunteers/workshops/{by_participant.id}"))
    assert "Proposé par Mme Leclercq" in text_of(client.get(f"/volunteers/workshops/{by_other.id}"))
    assert "Proposé par l’équipe" in text_of(client.get(f"/volunteers/workshops/{by_team.id}")) or \
        "Proposé par l'équipe" in text_of(client.get(f"/volunteers/workshops/{by_team.id}"))
    listing = text_of(client.get("/volunteers/workshops"))
    assert "Amina Haddad" in listing and "Mme Leclercq" in listing


def test_social_worker_signs_a_household_member_up_through_the_page(client, login, db):
    """Can a social worker find a household member and sign them up, and is a full session refused plainly?"""
    session = _session(capacity=1)
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    member = household.members[0]
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/volunteers/workshops/{session.workshop_id}?session={session.id}&q=ba"))
    assert "Fatou Ba" in page and household.reference in page
    page = text_of(client.post_form(f"/volunteers/workshop-sessions/{session.id}/signup-member",
                                    {"member_id": member.id}, follow_redirects=True))
    assert "Fatou Ba est inscrit·e" in page and "1 / 1 places prises" in page
    other = make_household(person={"first_name": "Jean", "last_name": "Dury"}).members[0]
    db.session.commit()
    page = text_of(client.post_form(f"/volunteers/workshop-sessions/{session.id}/signup-member",
                                    {"member_id": other.id}, follow_redirects=True))
    assert "Cette séance est complète (1 places)" in page
    assert _signups(db) == 1


def test_coordinator_cannot_sign_up_members_and_cashier_sees_nothing(client, login, db):
    """Is signing a household member up kept to social workers, and the workshop hidden from a cashier?"""
    session = _session()
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    services.sign_up_member(None, session, household.members[0].id)
    db.session.commit()
    login(Role.CASHIER)
    assert client.get(f"/volunteers/workshops/{session.workshop_id}").status_code == 403
    assert client.get("/volunteers/workshops").status_code == 403
    assert "Fatou" not in text_of(client.get("/volunteers/today"))
    assert client.post_form(f"/volunteers/workshop-sessions/{session.id}/signup-member",
                            {"member_id": household.members[0].id}).status_code == 403


def test_coordinator_is_refused_member_sign_up(client, login, db):
    session = _session()
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get(f"/volunteers/workshops/{session.workshop_id}?session={session.id}&q=ba"))
    assert household.reference not in page
    assert client.post_form(f"/volunteers/workshop-sessions/{session.id}/signup-member",
                            {"member_id": household.members[0].id}).status_code == 403
    assert _signups(db) == 0


def test_household_export_lists_its_members_workshop_places(db):
    """Does a household's data export show the workshop places taken for its members (and only theirs)?"""
    from grocery.households.services import export_household

    session = _session(capacity=3, title="Atelier budget")
    household = make_household(person={"first_name": "Fatou", "last_name": "Ba"})
    other = make_household(person={"first_name": "Léa", "last_name": "Roux"})
    services.sign_up_member(None, session, household.members[0].id)
    services.sign_up_member(None, session, other.members[0].id)
    exported = export_household(None, household)["workshop_signups"]
    assert [(row["member_id"], row["workshop"], row["is_present"]) for row in exported] == [
        (household.members[0].id, "Atelier budget", None)]
    assert export_household(None, make_household())["workshop_signups"] == []
