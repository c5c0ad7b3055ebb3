"""The till's JSON API through the client: every error code, replays, what the till may see."""

import gzip
import json
import uuid

from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale
from grocery.checkout.till import close_till
from grocery.households.services import issue_card
from grocery.stock.models import Lot
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper


def _post(client, url, body, raw=None):
    token = client.csrf_token()
    return client.post(url, data=raw if raw is not None else json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token})


def test_sale_201_then_200_on_replay(client, db, till):
    _household, card = make_shopper(budget_cents=3000)
    product = make_product(retail_price_cents=250, price_rule="fixed", social_price_cents=50)
    make_lot(product, 10)
    db.session.commit()
    body = {"uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 4}],
            "payment": {"method": "cash", "tendered_cents": 500}}
    first = _post(client, "/api/till/sales", body)
    assert first.status_code == 201, first.json
    assert first.json["total_cents"] == 200 and first.json["change_cents"] == 300
    assert first.json["savings_cents"] == 800 and first.json["budget_left_cents"] == 2800
    again = _post(client, "/api/till/sales", body)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert db.session.scalar(select(func.count(Sale.id))) == 1


def test_every_error_code(client, db, till):
    """Is each documented error code reachable, with a 4xx status and a French message?"""
    _household, card = make_shopper(budget_cents=100)
    replaced_household, replaced_card = make_shopper()
    issue_card(None, replaced_household, reason="lost")
    expired = make_household()
    from datetime import date

    make_decision(expired, valid_from=date(2026, 1, 1), valid_until=date(2026, 3, 1), decided_on=date(2026, 1, 1))
    cheap = make_product(price_rule="fixed", social_price_cents=10)
    dear = make_product(retail_price_cents=1000, price_rule="fixed", social_price_cents=500)
    limited = make_product(price_rule="fixed", social_price_cents=1, quota_quantity=1, quota_scope="household",
                           quota_period="week")
    for product in (cheap, dear, limited):
        make_lot(product, 3)
    db.session.commit()

    def sale(card_code, product, quantity=1, **extra):
        body = {"uuid": str(uuid.uuid4()), "household_card": card_code,
                "lines": [{"product_id": product.id if hasattr(product, "id") else product, "quantity": quantity}],
                "payment": {"method": "cash", "tendered_cents": 5000}}
        body.update(extra)
        return _post(client, "/api/till/sales", body)

    cases = {
        "unknown_card": sale("2500000000017", cheap),
        "card_replaced": sale(replaced_card, cheap),
        "not_eligible": sale(expired.active_card.code, cheap),
        "over_budget": sale(card, dear),
        "quota_exceeded": sale(card, limited, 2),
        "insufficient_stock": sale(card, cheap, 4),
        "unknown_product": sale(card, 999999),
        "invalid": sale(card, cheap, uuid="not-a-uuid"),
    }
    for code, response in cases.items():
        assert 400 <= response.status_code < 500, (code, response.status_code)
        assert response.json["error"] == code, (code, response.json)
        assert response.json["message"]
    for raw in ["{not json", "[1, 2]", ""]:
        response = _post(client, "/api/till/sales", None, raw=raw)
        assert response.status_code == 422 and response.json["error"] == "invalid"
    response = _post(client, "/api/till/sales", {"uuid": str(uuid.uuid4())})
    assert response.json["error"] == "invalid"
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert [lot.quantity_on_hand for lot in db.session.scalars(select(Lot).order_by(Lot.id))] == [3, 3, 3]
    close_till(till.opened_by, db.session.merge(till), counted_cents=0, note="Drawer emptied for the test")
    db.session.commit()
    assert sale(card, cheap).json["error"] == "till_closed"


def test_household_summary_has_no_social_data(client, db, till):
    household, card = make_shopper()
    household.notes = "Dettes importantes"
    db.session.commit()
    response = client.get(f"/api/till/households/{card}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Dettes" not in body and household.street not in body and "income" not in body
    assert set(response.json) == {"card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents",
                                  "proxies", "quotas", "appointment", "renewal_warning"}


def test_forgotten_card_lookup(client, db, till):
    from datetime import date

    household = make_household(person={"last_name": "Lambert", "birth_on": date(1979, 5, 4)})
    make_decision(household)
    db.session.commit()
    found = _post(client, "/api/till/households/lookup", {"last_name": "lambert", "birth_date": "1979-05-04"})
    assert found.status_code == 200 and found.json["display_name"].endswith("L.")
    missing = _post(client, "/api/till/households/lookup", {"last_name": "Lambert", "birth_date": "1979-05-05"})
    assert missing.json["error"] == "unknown_card"


def test_quote_returns_prices_and_violations(client, db, till):
    _household, card = make_shopper(budget_cents=1000)
    product = make_product(retail_price_cents=400, price_rule="percent", social_percent=25)
    make_lot(product, 2, source="food_bank")
    db.session.commit()
    response = _post(client, "/api/till/quote", {"household_card": card,
                                                "lines": [{"product_id": product.id, "quantity": 3}]})
    assert response.status_code == 200
    assert [v["code"] for v in response.json["violations"]] == ["insufficient_stock"]
    ok = _post(client, "/api/till/quote",
               {"household_card": card, "lines": [{"product_id": product.id, "quantity": 2}]})
    assert ok.json["violations"] == [] and ok.json["total_cents"] == 80  # food bank: capped at 10 % of retail


def test_catalogue_snapshot(client, db, till):
    product = make_product(name="Riz 1 kg", barcode="5449000000996")
    make_lot(product, 7)
    db.session.commit()
    response = client.get("/api/till/catalogue", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.data))
    fields = data["fields"]
    rows = {row[0]: dict(zip(fields, row, strict=True)) for row in data["products"]}
    assert rows[product.id]["available"] == 7 and rows[product.id]["name"] == "Riz 1 kg"
    assert ["5449000000996", product.id] in data["barcodes"]
    assert all(isinstance(code, str) and isinstance(product_id, int) for code, product_id in data["barcodes"])
    assert data["prefixes"]["household_card"] == "25"


def test_stock_manager_cannot_use_the_till_api(client, db, login):
    login(Role.STOCK_MANAGER)
    assert client.get("/api/till/catalogue").status_code == 403
