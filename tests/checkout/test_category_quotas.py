"""Quotas per category (issue #17): "hygiène bébé: 2 par enfant de moins de 3 ans par semaine", on all the category's
products sold by the piece together, enforced and explained at the till like product quotas."""

import json
import uuid

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale
from grocery.checkout.refunds import refund_sale
from grocery.checkout.services import quote_sale, record_sale, till_household
from grocery.errors import QuotaExceeded, ValidationError
from grocery.stock.models import ProductCategory
from grocery.stock.services import save_category
from grocery.timeutil import local_today
from tests.factories import make_category, make_lot, make_product, make_shopper, make_till

CASH = {"method": "cash", "tendered_cents": 10000}


def _sell(till, card, lines):
    return record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines,
                       payment=CASH)[0]


def _baby_hygiene():
    """The category with its quota, two piece products and one sold by weight, all in stock."""
    category = make_category(name="Hygiène bébé", quota_quantity=2, quota_scope="per_child_under_3",
                             quota_period="week")
    diapers = make_product(name="Couches taille 3", category=category)
    wipes = make_product(name="Lingettes", category=category)
    cotton = make_product(name="Coton en vrac", category=category, unit_kind="kg", net_weight_g=None)
    for product in (diapers, wipes, cotton):
        make_lot(product, 5000)
    return category, diapers, wipes, cotton


def test_a_category_quota_counts_its_products_together(db):
    """2 per child under 3 per week: one baby, one pack of diapers and one of wipes pass, a third piece of the
    category does not, whichever product it is; a refund gives the quota back; weight goods are not counted."""
    till = make_till()
    _household, card = make_shopper(children_under_3=1)
    category, diapers, wipes, cotton = _baby_hygiene()
    quote = quote_sale(card, [{"product_id": diapers.id, "quantity": 2}, {"product_id": wipes.id, "quantity": 1}])
    assert [(v["code"], v["category_id"]) for v in quote.violations] == [("quota_exceeded", category.id)]
    assert quote.violations[0]["message"].startswith("Hygiène bébé")
    with pytest.raises(QuotaExceeded) as refused:
        _sell(till, card, [{"product_id": diapers.id, "quantity": 2}, {"product_id": wipes.id, "quantity": 1}])
    assert "Hygiène bébé" in refused.value.message and "2" in refused.value.message
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    sale = _sell(till, card, [{"product_id": diapers.id, "quantity": 1}, {"product_id": wipes.id, "quantity": 1},
                              {"product_id": cotton.id, "quantity": 750}])
    quotas = {q["name"]: q for q in till_household(card, local_today())["quotas"]}
    assert quotas["Hygiène bébé"] == {"name": "Hygiène bébé", "limit": 2, "left": 0, "left_label": "0"}
    with pytest.raises(QuotaExceeded):
        _sell(till, card, [{"product_id": wipes.id, "quantity": 1}])
    _sell(till, card, [{"product_id": cotton.id, "quantity": 500}])  # sold by weight: not in the category quota
    wipes_line = next(line for line in sale.lines if line.product_id == wipes.id)
    refund_sale(till.opened_by, sale, {wipes_line.id: 1}, reason="Erreur", till_session=till)
    assert {q["name"]: q["left"] for q in till_household(card, local_today())["quotas"]}["Hygiène bébé"] == 1
    _sell(till, card, [{"product_id": wipes.id, "quantity": 1}])


def test_a_category_quota_scaled_to_zero_refuses_and_is_not_shown(db):
    till = make_till()
    _household, card = make_shopper()  # no child under 3
    _category, diapers, _wipes, _cotton = _baby_hygiene()
    assert "Hygiène bébé" not in {q["name"] for q in till_household(card, local_today())["quotas"]}
    with pytest.raises(QuotaExceeded):
        _sell(till, card, [{"product_id": diapers.id, "quantity": 1}])


def test_product_and_category_quotas_apply_together(db):
    """A product with its own quota in a category with a quota: the tighter one refuses."""
    till = make_till()
    _household, card = make_shopper(children_under_3=2)  # category: 4 pieces
    category, diapers, _wipes, _cotton = _baby_hygiene()
    cream = make_product(name="Crème", category=category, quota_quantity=1, quota_scope="household",
                         quota_period="month")
    make_lot(cream, 10)
    with pytest.raises(QuotaExceeded) as refused:
        _sell(till, card, [{"product_id": cream.id, "quantity": 2}])
    assert "Crème" in refused.value.message
    _sell(till, card, [{"product_id": cream.id, "quantity": 1}, {"product_id": diapers.id, "quantity": 3}])
    quotas = {q["name"]: q["left"] for q in till_household(card, local_today())["quotas"]}
    assert quotas == {"Crème": 0, "Hygiène bébé": 0}


def test_save_category_checks_the_quota_rule(db):
    category = make_category()
    for quota, scope, period in ((0, "household", "week"), (2, "", "week"), (2, "household", "year")):
        with pytest.raises(ValidationError):
            save_category(None, category, name=category.name, default_social_percent=20, quota_quantity=quota,
                          quota_scope=scope, quota_period=period)
    db.session.expire_all()
    assert db.session.get(ProductCategory, category.id).quota_quantity is None
    save_category(None, category, name=category.name, default_social_percent=20, quota_quantity=2,
                  quota_scope="per_child_under_3", quota_period="week")
    assert (category.quota_quantity, category.quota_scope, category.quota_period) == (2, "per_child_under_3", "week")
    save_category(None, category, name=category.name, default_social_percent=20, quota_quantity=None,
                  quota_scope="household", quota_period="week")
    assert (category.quota_quantity, category.quota_scope, category.quota_period) == (None, None, None)


def test_the_category_page_sets_a_quota(client, db, login):
    login(Role.STOCK_MANAGER)
    category = make_category(name="Hygiène bébé")
    db.session.commit()
    form = {"name": "Hygiène bébé", "default_social_percent": "20", "sort_order": "1", "is_active": "y",
            "quota_quantity": "0", "quota_scope": "per_child_under_3", "quota_period": "week"}
    refused = client.post_form(f"/stock/categories/{category.id}", data=form)
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(ProductCategory, category.id).quota_quantity is None
    saved = client.post_form(f"/stock/categories/{category.id}", data={**form, "quota_quantity": "2"})
    assert saved.status_code == 302
    page = client.get("/stock/categories").get_data(as_text=True)
    assert "2 pièces par enfant de moins de 3 ans par semaine" in page


def test_the_till_api_explains_and_refuses_a_category_quota(client, db, login):
    session = make_till(login(Role.CASHIER))
    _household, card = make_shopper(children_under_3=1)
    _category, diapers, wipes, _cotton = _baby_hygiene()
    db.session.commit()
    assert client.get(f"/till/sessions/{session.id}/screen").status_code == 200
    summary = client.get(f"/api/till/households/{card}").json
    assert {"name": "Hygiène bébé", "limit": 2, "left": 2, "left_label": "2"} in summary["quotas"]
    token = client.csrf_token()
    lines = [{"product_id": diapers.id, "quantity": 2}, {"product_id": wipes.id, "quantity": 1}]
    quote = client.post("/api/till/quote", data=json.dumps({"household_card": card, "lines": lines}),
                        content_type="application/json", headers={"X-CSRFToken": token}).json
    assert [v["code"] for v in quote["violations"]] == ["quota_exceeded"]
    sale = client.post("/api/till/sales", content_type="application/json", headers={"X-CSRFToken": token},
                       data=json.dumps({"uuid": str(uuid.uuid4()), "household_card": card, "lines": lines,
                                        "payment": {"method": "card"}}))
    assert 400 <= sale.status_code < 500 and sale.json["error"] == "quota_exceeded"
    assert "Hygiène bébé" in sale.json["message"]
