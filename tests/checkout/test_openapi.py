"""The till API against its OpenAPI document: schemathesis sends generated requests, valid and invalid, as a cashier
with an open till; no answer is a 5xx and every answer (status, content type, body) is the one documented."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from grocery.auth.roles import Role
from grocery.checkout.openapi import openapi_document
from tests.factories import make_lot, make_product, make_shopper, make_till

schema = schemathesis.openapi.from_dict(openapi_document())

#: No 5xx; every status, content type and body as documented. (Not checked: that any schema-valid request gets a 2xx
#: (an unknown card may be refused) nor that every schema-invalid one gets a 4xx (extra keys are ignored).)
USER_AGENT = "till-tablet"
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance]


def test_the_document_is_served_to_the_till_roles(client, login):
    """Is the document served at /api/till/openapi.json to a cashier, and refused to a social worker?"""
    login(Role.SOCIAL_WORKER)
    assert client.get("/api/till/openapi.json").status_code == 403
    client.post_form("/logout")
    login(Role.CASHIER)
    response = client.get("/api/till/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.") and "/api/till/sales" in response.json["paths"]


def _use_real_card_and_product(case, card: str, product_id: int) -> None:
    if "card_code" in (case.path_parameters or {}):
        case.path_parameters["card_code"] = card
    if isinstance(case.body, dict):
        if isinstance(case.body.get("household_card"), str):
            case.body["household_card"] = card
        for line in case.body.get("lines") if isinstance(case.body.get("lines"), list) else []:
            if isinstance(line, dict) and isinstance(line.get("product_id"), int):
                line["product_id"] = product_id


@schema.parametrize()
@settings(max_examples=50, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_till_api_conforms_to_its_document(case, app, client, db, login):
    """Does every generated request get a documented answer, never a 5xx?"""
    if not getattr(client, "_till_ready", False):
        client.environ_base["HTTP_USER_AGENT"] = USER_AGENT  # Flask-Login's strong protection compares it
        cashier = login(Role.CASHIER)
        till = make_till(cashier)
        _household, client._card = make_shopper(budget_cents=5000)
        product = make_product(retail_price_cents=250, price_rule="fixed", social_price_cents=50)
        make_lot(product, 10)
        db.session.commit()
        client._product_id, client._calls = product.id, 0
        assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
        client._till_ready, client._csrf = True, client.csrf_token()
        client._session = client.get_cookie("session").value
    # The document's security schemes make schemathesis set (then delete) the session cookie: give it ours.
    client._calls += 1
    if client._calls % 2:  # every other request names the real card and product, so that pricing and sales run
        _use_real_card_and_product(case, client._card, client._product_id)
    # identity: the in-process transport does not decompress the catalogue's gzip body, as a browser would.
    headers = {"X-CSRFToken": client._csrf, "User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    response = case.call(app=app, session=client, headers=headers,
                         cookies={"session": client._session})
    case.validate_response(response, checks=CHECKS)
