"""The till shows and enforces the prorated first budget of a decision that starts within a week (issue #17)."""

import json
import uuid
from datetime import date

import pytest

from grocery.auth.roles import Role
from tests.factories import make_decision, make_household, make_lot, make_product, make_till

SUNDAY = date(2026, 11, 29)


@pytest.fixture()
def on_sunday(monkeypatch):
    import grocery.checkout.api
    import grocery.checkout.services

    for module in (grocery.checkout.api, grocery.checkout.services):
        monkeypatch.setattr(module, "local_today", lambda: SUNDAY)


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def test_the_till_shows_and_enforces_the_prorated_first_week(client, db, login, on_sunday):
    """A weekly decision (10 €) starting on Sunday: the till shows 1,43 € left that day, quotes a cart above it as
    over budget and refuses its sale; 1,00 € passes and leaves 0,43 €."""
    session = make_till(login(Role.CASHIER))
    household = make_household()  # one adult: 10 € per week
    make_decision(household, valid_from=SUNDAY, decided_on=SUNDAY)
    card = household.active_card.code
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=100)
    make_lot(product, 10)
    db.session.commit()
    assert client.get(f"/till/sessions/{session.id}/screen").status_code == 200
    summary = client.get(f"/api/till/households/{card}").json
    assert summary["eligible"] and summary["budget_left_cents"] == 143
    lines = [{"product_id": product.id, "quantity": 2}]
    quote = _post(client, "/api/till/quote", {"household_card": card, "lines": lines}).json
    assert [v["code"] for v in quote["violations"]] == ["over_budget"]
    refused = _post(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines,
                                                 "payment": {"method": "card"}})
    assert 400 <= refused.status_code < 500 and refused.json["error"] == "over_budget"
    sold = _post(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card,
                                              "lines": [{"product_id": product.id, "quantity": 1}],
                                              "payment": {"method": "card"}})
    assert sold.status_code == 201, sold.json
    assert sold.json["budget_left_cents"] == 43
    assert client.get(f"/api/till/households/{card}").json["budget_left_cents"] == 43


def test_the_till_rounds_a_prorated_budget_with_the_settings(client, db, login, on_sunday):
    from grocery.settings.services import update_settings

    session = make_till(login(Role.CASHIER))
    household = make_household()
    make_decision(household, valid_from=SUNDAY, decided_on=SUNDAY)
    update_settings(None, {"households.budget_rounding_cents": 10})
    db.session.commit()
    client.get(f"/till/sessions/{session.id}/screen")
    card = household.active_card.code
    assert client.get(f"/api/till/households/{card}").json["budget_left_cents"] == 140
    update_settings(None, {"households.budget_partial_period": "full"})
    db.session.commit()
    assert client.get(f"/api/till/households/{card}").json["budget_left_cents"] == 1000
