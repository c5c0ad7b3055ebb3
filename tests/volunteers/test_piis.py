"""PIIS: the path references it (date, referent, reviews); a goal is written into it only with consent."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.models import Goal, GoalPiisLink, PiisReview
from tests.factories import make_participant
from tests.utils import text_of


def _count(db, model, column):
    return db.session.scalar(select(func.count(column)))


def test_piis_reference_and_reviews_are_kept(db):
    """Can a path reference the PIIS (date, referent) and keep each review date, refusing a review before it?"""
    person = make_participant()
    signed = local_today() - timedelta(days=60)
    services.record_piis(None, person, signed_on=signed, referent="M. Dupont, CPAS de Namur")
    services.add_piis_review(None, person, review_on=signed + timedelta(days=90), note="Premier bilan")
    services.add_piis_review(None, person, review_on=signed + timedelta(days=30))
    assert [r.review_on for r in services.piis_reviews(person)] == [signed + timedelta(days=30),
                                                                   signed + timedelta(days=90)]
    with pytest.raises(ValidationError) as error:
        services.add_piis_review(None, person, review_on=signed - timedelta(days=1))
    assert error.value.field == "review_on"
    with pytest.raises(ValidationError):
        services.add_piis_review(None, person, review_on=signed + timedelta(days=30))
    assert _count(db, PiisReview, PiisReview.id) == 2


def test_piis_signed_in_the_future_is_refused(db):
    person = make_participant()
    with pytest.raises(ValidationError):
        services.record_piis(None, person, signed_on=local_today() + timedelta(days=1), referent="X")
    assert person.piis_signed_on is None


def test_goal_is_written_into_the_piis_only_with_consent(db):
    """Is linking a goal to the PIIS refused without the participant's recorded consent, and without a PIIS?"""
    person = make_participant()
    with pytest.raises(ValidationError) as error:
        services.create_goal(None, person, text="Reprendre une formation", piis_linked=True, piis_consent=True)
    assert error.value.field == "piis_linked"  # no PIIS referenced yet
    services.record_piis(None, person, signed_on=date(2026, 3, 1), referent="Mme Lambert")
    with pytest.raises(ValidationError) as error:
        services.create_goal(None, person, text="Reprendre une formation", piis_linked=True, piis_consent=False)
    assert error.value.field == "piis_consent"
    assert _count(db, Goal, Goal.id) == 0
    goal = services.create_goal(None, person, text="Reprendre une formation", piis_linked=True, piis_consent=True)
    assert goal.piis_link.consent_on == local_today()
    # Shifts stay unlinked unless consented to separately.
    assert goal.has_consent is False


def test_withdrawing_consent_takes_the_goal_out_of_the_piis(db):
    person = make_participant()
    services.record_piis(None, person, signed_on=date(2026, 3, 1), referent="Mme Lambert")
    goal = services.create_goal(None, person, text="Sortir de l'isolement", piis_linked=True, piis_consent=True)
    with pytest.raises(ValidationError):
        services.record_piis(None, person, signed_on=None, referent="")  # goals are in it
    services.update_goal(None, goal, text=goal.text, domain=goal.domain, status=goal.status, has_consent=False,
                         piis_linked=False)
    db.session.flush()
    assert goal.piis_link is None and _count(db, GoalPiisLink, GoalPiisLink.goal_id) == 0
    services.record_piis(None, person, signed_on=None, referent="ignored")
    assert person.piis_signed_on is None and person.piis_referent == ""


def test_social_worker_links_a_goal_through_the_page(client, login, db):
    """Through the pages: is the link refused without consent, then shown with its consent date?"""
    person = make_participant(first_name="Nadia")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    client.post_form(f"/volunteers/participants/{person.id}/piis",
                     {"signed_on": "2026-03-01", "referent": "M. Dupont, CPAS de Namur"})
    client.post_form(f"/volunteers/participants/{person.id}/piis/reviews", {"review_on": "2026-06-01"})
    page = text_of(client.post_form(f"/volunteers/participants/{person.id}/goals",
                                    {"text": "Reprendre une formation", "domain": "training", "status": "open",
                                     "piis_linked": "y"}, follow_redirects=True))
    assert "inscrit au PIIS qu'avec le consentement" in page
    assert _count(db, Goal, Goal.id) == 0
    page = text_of(client.post_form(f"/volunteers/participants/{person.id}/goals",
                                    {"text": "Reprendre une formation", "domain": "training", "status": "open",
                                     "piis_linked": "y", "piis_consent": "y"}, follow_redirects=True))
    for expected in ("Dans le PIIS", "M. Dupont, CPAS de Namur", "1/06/2026"):
        assert expected in page, (expected, page[page.find("id=\"piis\""):][:1500])


def test_coordinator_never_sees_the_piis(client, login, db):
    """Does the coordinator (who plans shifts) see nothing of the PIIS, and cannot change it?"""
    person = make_participant(first_name="Nadia")
    services.record_piis(None, person, signed_on=date(2026, 3, 1), referent="M. Dupont, CPAS de Namur")
    services.create_goal(None, person, text="Reprendre une formation", piis_linked=True, piis_consent=True)
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get(f"/volunteers/participants/{person.id}"))
    assert "PIIS" not in page and "Dupont" not in page and "Reprendre une formation" not in page
    assert client.post_form(f"/volunteers/participants/{person.id}/piis",
                            {"signed_on": "", "referent": ""}).status_code == 403
