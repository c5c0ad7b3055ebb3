"""Member sex and consented self-declared answers, versions of the confidential notes, and who may see them."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.households import services as hs
from grocery.households.models import Member
from grocery.timeutil import local_today
from tests.factories import make_decision, make_household, make_member, make_user
from tests.utils import text_of

ANSWERS = {"disability": "yes", "homeless": "no", "migrant_background": "yes"}


def test_a_member_is_not_stated_and_unknown_by_default(db):
    member = make_member(make_household())
    assert (member.sex, member.has_sensitive_consent, member.disability, member.homeless,
            member.migrant_background) == ("not_stated", False, "unknown", "unknown", "unknown")


def test_self_declared_answers_need_the_persons_consent(db):
    """Can a disability or background be recorded without consent? (no: refused, nothing written)"""
    household = make_household()
    with pytest.raises(ValidationError) as error:
        make_member(household, has_sensitive_consent=False, **ANSWERS)
    assert error.value.field == "has_sensitive_consent"
    assert len(household.members) == 1


def test_consent_records_its_date_and_the_answers(db):
    household = make_household()
    member = make_member(household, sex="female", has_sensitive_consent=True, **ANSWERS)
    assert (member.sex, member.sensitive_consent_on) == ("female", local_today())
    assert (member.disability, member.homeless, member.migrant_background) == ("yes", "no", "yes")
    with pytest.raises(ValidationError):
        make_member(household, has_sensitive_consent=True, sensitive_consent_on=local_today() + timedelta(days=1))


def test_withdrawn_consent_erases_the_answers(db):
    household = make_household()
    member = make_member(household, has_sensitive_consent=True, **ANSWERS)
    person = {"first_name": member.first_name, "last_name": member.last_name, "birth_on": member.birth_on,
              "relation": member.relation, "has_sensitive_consent": False}
    changed = hs.update_member(None, member, person)
    assert set(changed) >= {"has_sensitive_consent", "disability", "migrant_background"}
    assert (member.disability, member.homeless, member.migrant_background, member.sensitive_consent_on) == (
        "unknown", "unknown", "unknown", None)


def test_notes_keep_their_history_with_who_and_when(db):
    """Does each change of the notes add a version (who, when), and an unchanged save add none?"""
    first, second = make_user(Role.SOCIAL_WORKER), make_user(Role.SOCIAL_WORKER)
    household = make_household(first, notes="Dettes d'énergie")
    hs.update_household(second, household, {"notes": "Plan d'apurement signé"})
    hs.update_household(second, household, {"notes": "Plan d'apurement signé", "phone": "081 00 00 00"})
    versions = household.note_versions
    assert [(v.text, v.written_by_id) for v in versions] == [("Plan d'apurement signé", second.id),
                                                              ("Dettes d'énergie", first.id)]
    assert all(v.written_at is not None for v in versions)
    assert household.notes == "Plan d'apurement signé"


def test_the_page_shows_the_notes_history_to_social_workers(client, login, db):
    household = make_household(notes="Première note")
    db.session.commit()
    user = login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/households/{household.id}/edit", {
        "postcode": "5000", "preferred_language": "fr", "notes": "Deuxième note"})
    assert response.status_code == 302, text_of(response)
    page = text_of(client.get(f"/households/{household.id}"))
    assert "Historique des notes (2 versions)" in page
    assert "Première note" in page and "Deuxième note" in page and user.display_name in page


@pytest.mark.parametrize("role", [Role.CASHIER, Role.STOCK_MANAGER])
def test_cashiers_and_stock_managers_cannot_see_the_notes(client, login, db, role):
    household = make_household(notes="Note confidentielle")
    make_decision(household)
    db.session.commit()
    login(role)
    for path in (f"/households/{household.id}", f"/households/{household.id}/edit",
                 f"/households/{household.id}/export"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Note confidentielle" not in response.get_data(as_text=True)
    assert "notes" not in hs.till_summary(household.active_card.code, local_today())


def test_member_form_records_sex_presence_and_consented_answers(client, login, db):
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    url = f"/households/{household.id}/members/new"
    data = {"first_name": "Lina", "last_name": "Test", "birth_on": "2016-04-02", "relation": "child",
            "sex": "female", "presence_percent": "50", "disability": "yes", "homeless": "unknown",
            "migrant_background": "unknown"}
    page = text_of(client.post_form(url, data))
    assert "uniquement avec le consentement" in page
    assert db.session.scalars(select(Member).where(Member.first_name == "Lina")).first() is None
    response = client.post_form(url, {**data, "has_sensitive_consent": "y", "sensitive_consent_on": "2026-11-02"})
    assert response.status_code == 302, text_of(response)
    lina = db.session.scalars(select(Member).where(Member.first_name == "Lina")).one()
    assert (lina.sex, lina.presence_percent, lina.disability, lina.sensitive_consent_on) == (
        "female", 50, "yes", date(2026, 11, 2))
    page = text_of(client.get(f"/households/{household.id}"))
    assert "garde partagée" in page and "1,5 personne(s)" in page
