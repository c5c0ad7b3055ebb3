"""The optional link between a participant and a household member: social workers only, never blocking."""

from datetime import date

import pytest
from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.volunteers.household_link import link_household_member, member_candidates
from grocery.volunteers.models import Participant
from tests.factories import make_household, make_participant
from tests.utils import text_of


def test_candidates_and_link(db):
    """Does the page propose members with the same last name (same first name first), and is the link logged?"""
    household = make_household(person={"first_name": "Awa", "last_name": "Diallo", "birth_on": date(1990, 2, 3)})
    make_household(person={"first_name": "Moussa", "last_name": "DIALLO"})
    make_household(person={"first_name": "Awa", "last_name": "Martin"})
    participant = make_participant(first_name="Awa", last_name="Diallo")
    candidates = member_candidates(participant)
    assert [m.first_name for m in candidates] == ["Awa", "Moussa"]
    member = household.reference_person
    assert link_household_member(None, participant, member.id) is True
    assert participant.household_member_id == member.id
    assert link_household_member(None, participant, member.id) is False
    assert link_household_member(None, participant, None) is True and participant.household_member_id is None
    events = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "volunteers.participant_household_link")).all()
    assert events == [{"linked": True}, {"linked": False}]


def test_unknown_member_is_refused(db):
    participant = make_participant()
    with pytest.raises(ValidationError):
        link_household_member(None, participant, 999999)
    assert participant.household_member_id is None


def test_social_worker_links_and_coordinator_never_sees_the_link(client, db, login):
    household = make_household(person={"first_name": "Awa", "last_name": "Diallo"})
    participant = make_participant(first_name="Awa", last_name="Diallo")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/volunteers/participants/{participant.id}/household-link",
                                {"member_id": str(household.reference_person.id)})
    assert response.status_code == 302
    page = text_of(client.get(f"/volunteers/participants/{participant.id}"))
    assert household.reference in page
    db.session.expire_all()
    assert db.session.get(Participant, participant.id).household_member_id == household.reference_person.id
    client.post_form("/logout")
    login(Role.COORDINATOR)
    page = text_of(client.get(f"/volunteers/participants/{participant.id}"))
    assert household.reference not in page
    refused = client.post_form(f"/volunteers/participants/{participant.id}/household-link", {"member_id": ""})
    assert refused.status_code == 403
