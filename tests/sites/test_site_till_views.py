"""The till and the households' pages at several sites, through the client: another site's objects answer 404, lists
show the current site's, the till refuses a household of another site, the decide form names sites, the tablet
remembers its site, and the till's hot paths cost the same statements as with one site."""

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, TillSession
from grocery.checkout.services import record_sale
from grocery.checkout.tablet import COOKIE
from grocery.checkout.till import open_till
from grocery.households.models import Decision
from grocery.sites.context import SESSION_KEY, current_site_id, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role
from tests.checkout.test_till_cost import Statements
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_user

CARD = {"method": "card"}


@pytest.fixture()
def sites(db):
    site_a = current_site_id()
    site_b = create_site(None, name="Antenne Nord", city="Namur").id
    db.session.commit()
    return site_a, site_b


def _work_at(client, site_id):
    with client.session_transaction() as browser:
        browser[SESSION_KEY] = site_id


def _post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def _site_b_objects(db, site_b):
    """At site B: an open till session with a sale, a closed one, an offline sale waiting for review."""
    cashier = make_user(Role.CASHIER)
    product = make_product(price_rule="fixed", social_price_cents=100)
    with using_site(site_b):
        make_lot(product, 20)
    _household, card = make_shopper(budget_cents=5000)
    till = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b)
    sale, _created = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                                 lines=[{"product_id": product.id, "quantity": 1}], payment=CARD)
    sale.review_status = "pending"  # as an offline sale that failed a check
    sale.offline = True
    db.session.commit()
    return till, sale


def test_a_coordinator_of_site_a_gets_404_for_every_till_object_of_site_b(client, db, login, sites):
    """Every page and POST reached by an id answers 404 for site B's till session, sale, receipt and offline sale;
    nothing is written."""
    site_a, site_b = sites
    till, sale = _site_b_objects(db, site_b)
    coordinator = login(Role.COORDINATOR)
    grant_site_role(None, coordinator, db.session.get(Site, site_a), "coordinator")
    db.session.commit()
    token = client.csrf_token()
    for url in (f"/till/sessions/{till.id}/screen", f"/till/sessions/{till.id}/cash",
                f"/till/sessions/{till.id}/close", f"/till/sessions/{till.id}/report",
                f"/till/sales/{sale.id}/receipt", f"/till/sales/{sale.id}"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/till/sessions/{till.id}/cash", {"kind": "cash_in", "amount_cents": "10,00", "reason": "x"}),
                      (f"/till/sessions/{till.id}/close", {"counted_cents": "0,00"}),
                      (f"/till/sessions/{till.id}/handover", {"user_id": str(coordinator.id)}),
                      (f"/till/sessions/{till.id}/explanation", {"explanation": "x"}),
                      (f"/till/sales/{sale.id}/printed", {}),
                      (f"/till/sales/{sale.id}", {"action": "void", "reason": "x"}),
                      (f"/till/offline-sales/{sale.id}/reviewed", {})):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    db.session.expire_all()
    till, sale = db.session.get(TillSession, till.id), db.session.get(Sale, sale.id)
    assert (till.status, till.held_by_id, sale.status, sale.review_status, sale.receipt_prints) == (
        "open", till.opened_by_id, "completed", "pending", 0)


def test_the_till_lists_show_the_current_sites_only(client, db, login, sites):
    """The sessions list, the offline sales to review and the tills' page show site A's, not B's: "Caisse 1" is
    open at B, and free at A."""
    site_a, site_b = sites
    till_b, sale_b = _site_b_objects(db, site_b)
    coordinator = login(Role.COORDINATOR)
    grant_site_role(None, coordinator, db.session.get(Site, site_a), "coordinator")
    own = open_till(coordinator, "Caisse 1", float_cents=0, site_id=site_a)
    db.session.commit()
    sessions = client.get("/till/sessions").get_data(as_text=True)
    assert f"/till/sessions/{own.id}/" in sessions and f"/till/sessions/{till_b.id}/" not in sessions
    review = client.get("/till/offline-sales").get_data(as_text=True)
    assert sale_b.uuid[:8] not in review
    index = client.get("/till/").get_data(as_text=True)
    assert f"/till/sessions/{own.id}/screen" in index and f"/till/sessions/{till_b.id}/" not in index


def test_the_till_refuses_a_household_of_another_site_with_a_clear_message_and_no_social_data(client, db, login,
                                                                                             sites):
    """At a till of site B, the card of a household whose decision names site A only: 403 with where it shops; no
    budget, name or validity; the quote and the sale are refused too, and nothing is written."""
    site_a, site_b = sites
    cashier = login(Role.CASHIER)
    product = make_product(price_rule="fixed", social_price_cents=100)
    with using_site(site_b):
        make_lot(product, 5)
    household = make_household()
    make_decision(household, budget_cents=5000, budget_override_motive="Test", site_ids=[site_a])
    card = household.active_card.code
    till = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b)
    db.session.commit()
    _work_at(client, site_b)
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
    response = client.get(f"/till/households/{card}".replace("/till/", "/api/till/"))
    assert response.status_code == 403
    body = response.json
    assert body["error"] == "not_eligible" and site_a_name(db, site_a) in body["message"]  # where it shops
    assert set(body) <= {"error", "message", "field", "details"}
    person = household.members[0]
    assert person.first_name not in json.dumps(body) and "budget" not in body
    lines = [{"product_id": product.id, "quantity": 1}]
    assert _post_json(client, "/api/till/quote", {"household_card": card, "lines": lines}).status_code == 403
    sale = _post_json(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card,
                                                  "lines": lines, "payment": CARD})
    assert sale.status_code == 403
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    snapshot = client.get("/api/till/cards-snapshot").json
    assert card not in {entry["card_code"] for entry in snapshot["cards"]}


def site_a_name(db, site_id) -> str:
    return db.session.get(Site, site_id).name


def test_a_sale_at_each_site_spends_the_one_budget(client, db, login, sites):
    """The tills of A and B see the same budget left: a sale at A is at once taken from what B's till shows."""
    site_a, site_b = sites
    cashier = login(Role.CASHIER)
    product = make_product(price_rule="fixed", social_price_cents=400)
    make_lot(product, 5)
    with using_site(site_b):
        make_lot(product, 5)
    _household, card = make_shopper(budget_cents=1000)
    till_a = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_a)
    till_b = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b)
    db.session.commit()
    lines = [{"product_id": product.id, "quantity": 2}]
    _work_at(client, site_a)
    assert client.get(f"/till/sessions/{till_a.id}/screen").status_code == 200
    assert _post_json(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card,
                                                  "lines": lines, "payment": CARD}).status_code == 201
    _work_at(client, site_b)
    assert client.get(f"/till/sessions/{till_b.id}/screen").status_code == 200
    assert client.get(f"/api/till/households/{card}").json["budget_left_cents"] == 200
    refused = _post_json(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card,
                                                     "lines": lines, "payment": CARD})
    assert refused.status_code == 409 and refused.json["error"] == "over_budget"


def test_the_till_screen_names_its_site_when_there_are_several(client, db, login, sites):
    _site_a, site_b = sites
    cashier = login(Role.CASHIER)
    till = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b)
    db.session.commit()
    _work_at(client, site_b)
    page = client.get(f"/till/sessions/{till.id}/screen").get_data(as_text=True)
    assert 'id="till-site"' in page and "Antenne Nord" in page


def test_one_site_shows_no_site_on_the_till_nor_on_the_decide_form(client, db, login):
    till = open_till(login(Role.CASHIER), "Caisse 1", float_cents=0)
    db.session.commit()
    page = client.get(f"/till/sessions/{till.id}/screen").get_data(as_text=True)
    assert 'id="till-site"' not in page
    login(Role.SOCIAL_WORKER)
    household = make_household()
    db.session.commit()
    assert 'name="site"' not in client.get(f"/households/{household.id}/decide").get_data(as_text=True)


# --------------------------------------------------------------------------------------------------------------
# The decide form and the household page
# --------------------------------------------------------------------------------------------------------------


def test_the_decide_form_offers_the_sites_and_records_those_ticked(client, db, login, sites):
    _site_a, site_b = sites
    login(Role.SOCIAL_WORKER)
    household = make_household()
    db.session.commit()
    form = client.get(f"/households/{household.id}/decide").get_data(as_text=True)
    assert form.count('name="site"') == 2 and "Antenne Nord" in form
    response = client.post_form(f"/households/{household.id}/decide", {
        "outcome": "granted", "valid_from": "2026-12-01", "motive": "", "site": str(site_b)})
    assert response.status_code == 302, response.get_data(as_text=True)
    decision = db.session.scalar(select(Decision).where(Decision.household_id == household.id))
    assert [site.id for site in decision.sites] == [site_b]
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert re.search(r"Sites\s*:?\s*Antenne Nord|Sites: Antenne Nord", page) or "Antenne Nord" in page
    again = client.get(f"/households/{household.id}/decide").get_data(as_text=True)  # proposed again
    assert re.search(rf'value="{site_b}"\s+checked', again)


def test_the_decide_form_refuses_a_site_that_does_not_exist_and_writes_nothing(client, db, login, sites):
    login(Role.SOCIAL_WORKER)
    household = make_household()
    db.session.commit()
    for wrong in ("99999999999999999999", "abc", "2147483647"):
        response = client.post_form(f"/households/{household.id}/decide", {
            "outcome": "granted", "valid_from": "2026-12-01", "site": wrong})
        assert response.status_code == 200
        assert "Unknown site" in response.get_data(as_text=True) or "Site inconnu" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Decision.id)).where(Decision.household_id == household.id)) == 0


# --------------------------------------------------------------------------------------------------------------
# The tablet remembers its site
# --------------------------------------------------------------------------------------------------------------


def _logout(client):
    client.post("/logout", data={"csrf_token": client.csrf_token()})


def test_the_next_cashier_on_a_tablet_lands_on_the_site_its_till_was_opened_at(client, db, login, sites):
    """A till opened at site B on this tablet: the next cashier who signs in here and opens the till works at B,
    without choosing; one who does not work at B stays at their own site; a forged cookie counts for nothing."""
    site_a, site_b = sites
    first = login(Role.CASHIER, display_name="Première Caissière")
    _work_at(client, site_b)
    opened = client.post_form("/till/open", {"till_name": "Caisse 1", "float_cents": "40,00"})
    assert opened.status_code == 302
    assert COOKIE in opened.headers.get("Set-Cookie", "")
    till = db.session.scalar(select(TillSession).order_by(TillSession.id.desc()))
    assert till.site_id == site_b
    _logout(client)
    login(Role.CASHIER)
    page = client.get("/till/").get_data(as_text=True)
    with client.session_transaction() as browser:
        assert browser[SESSION_KEY] == site_b
    assert "Antenne Nord" in re.search(r"<h1>.*?</h1>", page, re.S).group(0)
    assert first.display_name in page  # B's Caisse 1, open, held by the first cashier
    _logout(client)
    only_a = login(Role.CASHIER)
    grant_site_role(None, only_a, db.session.get(Site, site_a), "cashier")
    db.session.commit()
    page = client.get("/till/").get_data(as_text=True)
    with client.session_transaction() as browser:
        assert SESSION_KEY not in browser
    assert first.display_name not in page and "Antenne Nord" not in page
    _logout(client)
    client.set_cookie(COOKIE, "9999.forged")
    login(Role.CASHIER)
    client.get("/till/")
    with client.session_transaction() as browser:
        assert SESSION_KEY not in browser


# --------------------------------------------------------------------------------------------------------------
# The till's hot paths
# --------------------------------------------------------------------------------------------------------------


def test_the_tills_hot_paths_cost_the_same_statements_at_the_second_site(client, db, login, sites):
    """Card lookup, quote and sale at a till of site B, with two sites: 5, 4 and 11 statements (12 on PostgreSQL),
    as with one site (tests/checkout/test_till_cost.py): the site comes with the till's status."""
    _site_a, site_b = sites
    cashier = login(Role.CASHIER)
    products = [make_product(price_rule="fixed", social_price_cents=100) for _ in range(3)]
    with using_site(site_b):
        for product in products:
            make_lot(product, 50)
    _household, card = make_shopper(budget_cents=5000)
    till = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b)
    db.session.commit()
    _work_at(client, site_b)
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
    lines = [{"product_id": product.id, "quantity": 1} for product in products]
    postgres = db.engine.dialect.name == "postgresql"

    def sale_body():
        return {"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines, "payment": CARD}

    client.get(f"/api/till/households/{card}")  # warm: the settings, the till's contact
    _post_json(client, "/api/till/quote", {"household_card": card, "lines": lines})
    _post_json(client, "/api/till/sales", sale_body())
    counted = {}
    with Statements(db.engine) as statements:
        for name in ("lookup", "quote", "sale"):
            token = client.csrf_token()
            statements.clear()
            if name == "lookup":
                response = client.get(f"/api/till/households/{card}")
            else:
                body = sale_body() if name == "sale" else {"household_card": card, "lines": lines}
                response = client.post(f"/api/till/{'sales' if name == 'sale' else 'quote'}", data=json.dumps(body),
                                       content_type="application/json", headers={"X-CSRFToken": token})
            assert response.status_code in (200, 201), response.json
            counted[name] = len(statements.sent)
    assert counted == {"lookup": 5, "quote": 4, "sale": 12 if postgres else 11}
    assert set(db.session.scalars(select(Sale.site_id))) == {site_b}


def test_a_coordinator_account_with_a_cashier_grant_is_a_cashier_at_that_sites_till(client, db, login, sites):
    """An account made as coordinator but granted only "cashier" at site B: at B's till it is a cashier, not a
    manager. It sees neither a sale of a till session it does not hold, nor the list of every till session, nor the
    offline sales to review; a coordinator of B sees all three."""
    _site_a, site_b = sites
    _till, sale = _site_b_objects(db, site_b)
    user = login(Role.COORDINATOR)
    grant_site_role(None, user, db.session.get(Site, site_b), "cashier")
    db.session.commit()
    for url in (f"/till/sales/{sale.id}/receipt", f"/till/sales/{sale.id}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/till/sessions").status_code == 403
    assert client.get("/till/offline-sales").status_code == 403
    assert client.get("/till/").status_code == 200  # a cashier's own page
    grant_site_role(None, user, db.session.get(Site, site_b), "coordinator")
    db.session.commit()
    for url in (f"/till/sales/{sale.id}/receipt", f"/till/sales/{sale.id}", "/till/sessions", "/till/offline-sales"):
        assert client.get(url).status_code == 200, url
