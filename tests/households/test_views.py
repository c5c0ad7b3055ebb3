"""Household screens: who may open them, and what a social worker can do with them."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.households.models import Decision, Household, HouseholdCard
from tests.factories import make_criterion, make_decision, make_household
from tests.utils import text_of


def _pages(household) -> list[tuple[str, str]]:
    h = household.id
    m = household.members[0].id
    return [("GET", "/households/"), ("GET", "/households/new"), ("POST", "/households/new"),
            ("GET", f"/households/{h}"), ("GET", f"/households/{h}/edit"), ("POST", f"/households/{h}/close"),
            ("POST", f"/households/{h}/reopen"), ("GET", f"/households/{h}/members/new"),
            ("GET", f"/households/{h}/members/{m}"), ("GET", f"/households/{h}/decide"),
            ("POST", f"/households/{h}/decide"), ("POST", f"/households/{h}/card/reissue"),
            ("GET", f"/households/{h}/card"), ("GET", f"/households/{h}/export"),
            ("POST", f"/households/{h}/anonymise"), ("GET", "/households/criteria")]


@pytest.mark.parametrize("role", [Role.CASHIER, Role.STOCK_MANAGER])
def test_cashier_and_stock_manager_get_403_on_every_household_page(client, login, db, role):
    """Can a cashier or a stock manager open any household page (with a real household)? No: 403, no data."""
    household = make_household(person={"first_name": "Fatima", "last_name": "Benali"}, notes="Dettes")
    db.session.commit()
    login(role)
    for method, url in _pages(household):
        response = client.open(url, method=method)
        assert response.status_code == 403, (method, url)
        assert "Benali" not in text_of(response)
    assert "/households" not in text_of(client.get("/"))


def test_social_worker_creates_a_household_and_sees_it(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/households/new", {
        "first_name": "Marie", "last_name": "Dubois", "birth_on": "1980-01-01", "street": "Rue de Fer 1",
        "postcode": "5000", "municipality": "Namur", "preferred_language": "fr", "phone": "081 22 33 44"})
    assert response.status_code == 302, text_of(response)
    page = text_of(client.get(response.headers["Location"]))
    assert "Dubois Marie" in page and "Aucune décision d'accès" in page
    assert db.session.scalar(select(func.count(HouseholdCard.id))) == 1
    assert "Ménages" in text_of(client.get("/"))


def test_bad_postcode_shows_french_error_and_writes_nothing(client, login, db):
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/households/new", {
        "first_name": "Marie", "last_name": "Dubois", "birth_on": "1980-01-01", "postcode": "50",
        "preferred_language": "fr"})
    assert response.status_code == 200
    assert "Un code postal belge a 4 chiffres" in text_of(response)
    assert db.session.scalar(select(func.count(Household.id))) == 0


def test_duplicate_warning_on_the_form_then_confirmed(client, login, db):
    existing = make_household(person={"first_name": "Marie", "last_name": "Dubois", "birth_on": date(1980, 1, 1)})
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    data = {"first_name": "Maria", "last_name": "Dubois", "birth_on": "1980-01-01", "postcode": "5000",
            "preferred_language": "fr"}
    page = text_of(client.post_form("/households/new", data))
    assert "Doublon possible" in page and existing.reference in page
    assert db.session.scalar(select(func.count(Household.id))) == 1
    response = client.post_form("/households/new", {**data, "confirm_duplicates": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Household.id))) == 2


def test_decide_shows_remaining_income_then_records(client, login, db):
    household = make_household()
    criterion = make_criterion(name="Reste à vivre sous le seuil")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    url = f"/households/{household.id}/decide"
    assert "Reste à vivre" in text_of(client.get(url))
    data = {"outcome": "granted", "valid_from": "2026-11-01", "line_type_0": "salary", "line_amount_0": "900,00",
            "line_proof_0": "fiche de paie", "line_type_1": "alimony", "line_amount_1": "300,00", "line_proof_1": "",
            "line_type_2": "rent", "line_amount_2": "850,00", "line_proof_2": "bail", "line_type_3": "",
            "line_amount_3": "", "line_proof_3": "",
            "criterion": str(criterion.id), f"proof_on_{criterion.id}": "2026-10-20", "motive": ""}
    preview = text_of(client.post_form(url, {**data, "action": "preview"})).replace("\xa0", " ")
    assert "11,67 €" in preview and "sous le seuil" in preview
    assert db.session.scalar(select(func.count(Decision.id))) == 0
    response = client.post_form(url, data)
    assert response.status_code == 302, text_of(response)
    decision = db.session.scalars(select(Decision)).one()
    assert decision.remaining_per_day_cents == 1167 and decision.budget_cents == 1000
    assert (decision.income_cents, decision.charges_cents) == (120000, 85000)
    assert [(line.line_type, line.amount_cents, line.proof) for line in decision.lines] == [
        ("salary", 90000, "fiche de paie"), ("alimony", 30000, ""), ("rent", 85000, "bail")]
    page = text_of(client.get(f"/households/{household.id}")).replace("\xa0", " ")
    assert "Salaire — 900,00 €" in page and "preuve : bail" in page


def test_decide_refuses_override_without_motive_and_unknown_criterion(client, login, db):
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    url = f"/households/{household.id}/decide"
    page = text_of(client.post_form(url, {"outcome": "granted", "valid_from": "2026-11-01", "budget_cents": "50"}))
    assert "diffère du barème" in page
    page = text_of(client.post_form(url, {"outcome": "granted", "valid_from": "2026-11-01", "criterion": "999"}))
    assert "Critère inconnu" in page
    page = text_of(client.post_form(url, {"outcome": "granted", "valid_from": "2026-11-10",
                                          "valid_until": "2026-11-01"}))
    assert "La fin de validité ne peut pas précéder son début" in page
    page = text_of(client.post_form(url, {"outcome": "granted", "valid_from": "2026-11-01", "line_type_0": "salary",
                                          "line_amount_0": "-5"}))
    assert "négatif" in page
    assert db.session.scalar(select(func.count(Decision.id))) == 0


def test_card_sheet_has_no_income_or_address(client, login, db):
    household = make_household(person={"first_name": "Fatima", "last_name": "Benali"}, street="Rue Secrète 4",
                               notes="Dettes")
    make_decision(household, income_cents=143210, charges_cents=1000)
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/households/{household.id}/card"))
    assert "Fatima" in page and household.reference in page and "data:image/svg+xml" in page
    for secret in ("Benali", "Secrète", "Dettes", "1 432"):
        assert secret not in page


def test_reissue_export_close_and_anonymise_through_the_screens(client, login, db):
    household = make_household(person={"first_name": "Jean", "last_name": "Peeters"})
    db.session.commit()
    old_code = household.active_card.code
    login(Role.SOCIAL_WORKER)
    base = f"/households/{household.id}"
    assert client.post_form(f"{base}/card/reissue", {"reason": "lost"}).status_code == 302
    db.session.expire_all()
    cards = db.session.scalars(select(HouseholdCard).order_by(HouseholdCard.id)).all()
    assert [c.is_active for c in cards] == [False, True] and cards[0].code == old_code
    export = client.get(f"{base}/export")
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert export.get_json()["members"][0]["last_name"] == "Peeters"
    assert "Fermez le ménage" in text_of(client.post_form(f"{base}/anonymise", {}, follow_redirects=True))
    client.post_form(f"{base}/close", {})
    client.post_form(f"{base}/anonymise", {})
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert household.status == "anonymised" and household.members[0].last_name != "Peeters"


def test_criteria_page_for_coordinator_only(client, login, db):
    login(Role.SOCIAL_WORKER)
    assert client.get("/households/criteria").status_code == 403


def test_coordinator_adds_a_criterion(client, login, db):
    login(Role.COORDINATOR)
    response = client.post_form("/households/criteria", {"name": "Médiation de dettes", "required_proof": "Attestation",
                                                         "proof_validity_days": "180", "is_active": "y"})
    assert response.status_code == 302
    page = text_of(client.get("/households/criteria"))
    assert "Médiation de dettes" in page
    response = client.post_form("/households/criteria", {"name": "médiation de dettes", "proof_validity_days": "1"})
    assert "existe déjà" in text_of(response)


def test_edit_household_refuses_bad_postcode_and_keeps_the_old_one(client, login, db):
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    response = client.post_form(f"/households/{household.id}/edit", {"postcode": "ABCD", "preferred_language": "fr"})
    assert "Un code postal belge a 4 chiffres" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Household, household.id).postcode == "5000"


def test_add_member_with_future_birth_date_is_refused(client, login, db):
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    before = len(household.members)
    page = text_of(client.post_form(f"/households/{household.id}/members/new", {
        "first_name": "Bébé", "last_name": "Futur", "birth_on": "2099-01-01", "relation": "child"}))
    assert "La date de naissance ne peut pas être dans le futur" in page
    db.session.expire_all()
    assert len(db.session.get(Household, household.id).members) == before


def test_member_in_another_household_is_explained_with_a_link(client, login, db):
    other = make_household(person={"first_name": "Marie", "last_name": "Dubois", "birth_on": date(1980, 1, 1)})
    household = make_household()
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.post_form(f"/households/{household.id}/members/new", {
        "first_name": "Marie", "last_name": "Dubois", "birth_on": "1980-01-01", "relation": "partner",
        "confirm_duplicates": "y"}))
    assert "déjà membre actif du ménage" in page and f"/households/{other.id}" in page


def test_household_page_shows_status_budget_and_history(client, login, db):
    household = make_household(notes="Note confidentielle")
    make_decision(household, income_cents=100000, charges_cents=80000)
    make_decision(household, outcome="suspended", motive="Documents manquants")
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.get(f"/households/{household.id}"))
    assert "Ne peut pas faire ses courses aujourd'hui" in page and "Accès suspendu depuis" in page
    assert "Documents manquants" in page and "Note confidentielle" in page
    assert page.count("hh-decision ") == 2


def test_decide_preview_warns_about_an_old_proof_before_saving(client, login, db):
    household = make_household()
    criterion = make_criterion(proof_validity_days=30)
    db.session.commit()
    login(Role.SOCIAL_WORKER)
    page = text_of(client.post_form(f"/households/{household.id}/decide", {
        "outcome": "granted", "valid_from": "2026-11-01", "criterion": str(criterion.id),
        f"proof_on_{criterion.id}": "2020-01-01", "action": "preview"}))
    assert "preuve trop ancienne" in page
    assert db.session.scalar(select(func.count(Decision.id))) == 0
