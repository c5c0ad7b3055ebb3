"""Article 60 is employment: its own formalities, working-time absences, never touching grocery access."""

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.households.services import budget_left, eligibility_on
from grocery.timeutil import local_today
from grocery.volunteers import services
from grocery.volunteers.household_link import link_household_member
from grocery.volunteers.models import FORMALITIES_BY_ENGAGEMENT, Formality
from tests.factories import make_decision, make_household, make_participant, make_shift, make_user
from tests.utils import text_of


@pytest.mark.parametrize("engagement, expected", [
    ("volunteer", {"c45b", "cpas", "medical", "fedasil", "insurance", "organisation_note"}),
    ("article60", {"employment_contract", "dimona", "work_regulations", "occupational_health",
                   "accident_insurance"}),
    ("social_activation", {"activation_agreement", "medical", "insurance", "organisation_note"}),
    ("internship", {"internship_agreement", "internship_insurance", "employment_service"}),
])
def test_checklist_depends_on_the_engagement_type(db, engagement, expected):
    """Does each engagement type get its own checklist, article 60 without C45B nor volunteer insurance?"""
    person = make_participant(engagement_type=engagement)
    assert {f.kind for f in person.formalities} == expected == set(FORMALITIES_BY_ENGAGEMENT[engagement])
    if engagement == "article60":
        assert not {"c45b", "insurance"} & {f.kind for f in person.checklist}


def test_a_formality_of_another_type_is_refused(db):
    """Is a C45B refused for an article 60 worker, writing nothing?"""
    person = make_participant(engagement_type="article60")
    with pytest.raises(ValidationError) as error:
        services.update_formality(None, person, "c45b", "done", local_today())
    assert error.value.field == "kind"
    assert db.session.scalar(select(Formality).where(Formality.kind == "c45b")) is None


def test_changing_the_type_keeps_recorded_items_and_adds_the_new_checklist(db):
    """Does a volunteer who becomes an article 60 worker keep the C45B recorded, apart, and get the new items?"""
    person = make_participant(engagement_type="volunteer")
    services.update_formality(None, person, "c45b", "done", local_today(), "Envoyé")
    values = {c: getattr(person, c) for c in ("first_name", "last_name", "started_on", "ended_on")}
    services.update_participant(None, person, **values, engagement_type="article60")
    kinds = {f.kind for f in person.formalities}
    assert "c45b" in kinds and "employment_contract" in kinds
    assert [f.kind for f in person.checklist] == list(FORMALITIES_BY_ENGAGEMENT["article60"])
    assert [f.kind for f in person.other_formalities] == ["c45b"]  # recorded, shown apart; "to do" ones hidden


def test_article60_page_says_working_time_not_volunteering(client, login, db):
    """Does an article 60 worker's page show the employment checklist and working-time absences, and never say
    that shifts count as volunteering or that absence is never a sanction?"""
    person = make_participant(first_name="Karim", engagement_type="article60")
    shift = make_shift(held_on=local_today() - timedelta(days=1))
    services.mark_attendance(None, services.book_shift(None, shift, person), "absent")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/volunteers/participants/{person.id}"))
    assert "Contrat de travail signé" in page and "Dimona" in page
    assert "C45B" not in page and "Assurance volontariat" not in page
    assert "comptent quand même comme volontariat" not in page
    assert "jamais une sanction" not in page
    assert "Absence injustifiée : 1" in page and "temps de travail" in page
    volunteer = make_participant(engagement_type="volunteer")
    db.session.commit()
    page = text_of(client.get(f"/volunteers/participants/{volunteer.id}"))
    assert "C45B" in page and "Assurance volontariat" in page and "comptent quand même comme volontariat" in page


def test_day_sheet_marks_article60_absences_as_justified_or_not(client, login, db):
    """Does the day sheet offer justified / unjustified absence for an article 60 worker only?"""
    worker = make_participant(first_name="Karim", engagement_type="article60")
    volunteer = make_participant(first_name="Lina")
    shift = make_shift(capacity=3)
    services.book_shift(None, shift, worker)
    services.book_shift(None, shift, volunteer)
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get(f"/volunteers/days/{shift.held_on.isoformat()}"))
    assert page.count("Absence injustifiée") == 1 and page.count("Absence justifiée") == 1
    assert "Article 60 : temps de travail" in page


@pytest.mark.parametrize("engagement", ["article60", "volunteer", "social_activation", "internship"])
def test_absences_never_touch_grocery_access(db, engagement):
    """Do unjustified absences of a person linked to a household leave its eligibility and budget unchanged,
    whatever the engagement type? (yes)"""
    coordinator = make_user(Role.COORDINATOR)
    household = make_household(person={"first_name": "Awa", "last_name": "Diallo"})
    make_decision(household, budget_cents=4000, budget_override_motive="Test")
    participant = make_participant(first_name="Awa", last_name="Diallo", engagement_type=engagement)
    link_household_member(None, participant, household.members[0].id)
    day = local_today() - timedelta(days=1)
    before = (eligibility_on(household, local_today()), budget_left(household, local_today()))
    for start_hour in (9, 14):
        shift = make_shift(held_on=day, start_time=time(start_hour, 0), end_time=time(start_hour + 2, 0))
        services.mark_attendance(coordinator, services.book_shift(coordinator, shift, participant), "absent")
    services.validate_day(coordinator, day)
    after = (eligibility_on(household, local_today()), budget_left(household, local_today()))
    assert after == before
    assert after[0].eligible and after[1] == 4000


def test_every_formality_kind_fits_its_column():
    """Does every formality key fit the 20 characters of volunteer_formalities.kind (PostgreSQL truncates)?"""
    length = Formality.__table__.c.kind.type.length
    assert all(len(kind) <= length for kinds in FORMALITIES_BY_ENGAGEMENT.values() for kind in kinds)
