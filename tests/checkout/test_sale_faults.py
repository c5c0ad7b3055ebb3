"""Faults of issue #12 at the till: numbers out of range, a uuid replayed with another content, refunds of damaged
goods, and receipts that must show the figures of the time of the sale."""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, SaleRefund
from grocery.checkout.receipts import receipt_data
from grocery.checkout.refunds import refund_condition, refund_sale
from grocery.checkout.services import UuidConflict, record_sale
from grocery.errors import ValidationError
from grocery.households.services import budget_left
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import ledger_mismatches, sellable_quantities
from grocery.timeutil import local_today
from tests.factories import make_lot, make_product, make_shopper, make_till


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def _stock(product_id: int) -> int:
    return sellable_quantities(local_today()).get(product_id, 0)


# --------------------------------------------------------------------------------------------------------------
# Numbers out of range
# --------------------------------------------------------------------------------------------------------------

OUT_OF_RANGE = [10**30, 2**31, -1, 0, True, 1.0, 1.5, float("inf"), "1", "²", "١٢", None, [1], {"a": 1}]


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=repr)
def test_quote_and_sale_refuse_a_product_id_out_of_range(client, db, till, value):
    """Does a product id out of the database's range (10**30 gave a 500), a bool, a float or a string of digits
    get `invalid`, with nothing written?"""
    _household, card = make_shopper()
    db.session.commit()
    line = {"product_id": value, "quantity": 1}
    if value == float("inf"):
        line = '{"product_id": 1e999, "quantity": 1}'  # JSON has no infinity: a number too large for a double
    for url in ("/api/till/quote", "/api/till/sales"):
        body = {"uuid": str(uuid.uuid4()), "household_card": card, "lines": [line],
                "payment": {"method": "card"}}
        if isinstance(line, str):
            raw = json.dumps({**body, "lines": ["LINE"]}).replace('"LINE"', line)
            response = client.post(url, data=raw, content_type="application/json",
                                   headers={"X-CSRFToken": client.csrf_token()})
        else:
            response = _post(client, url, body)
        assert response.status_code == 422, (url, response.status_code, response.get_data(as_text=True)[:200])
        assert response.json["error"] == "invalid" and response.json["message"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0


@pytest.mark.parametrize("value", [10**30, 2**31, 100_001, 0, -5, True, 2.0, "3", "³"], ids=repr)
def test_quote_and_sale_refuse_a_quantity_out_of_range(client, db, till, value):
    _household, card = make_shopper()
    product = make_product()
    make_lot(product, 5)
    db.session.commit()
    for url in ("/api/till/quote", "/api/till/sales"):
        response = _post(client, url, {"uuid": str(uuid.uuid4()), "household_card": card,
                                       "lines": [{"product_id": product.id, "quantity": value}],
                                       "payment": {"method": "card"}})
        assert response.status_code == 422 and response.json["error"] == "invalid", response.json
    assert _stock(product.id) == 5


def test_quantities_of_one_product_add_up_within_range(client, db, till):
    """Two lines of the same product, each within range, whose sum is beyond it: invalid, not a 500."""
    _household, card = make_shopper()
    product = make_product()
    db.session.commit()
    lines = [{"product_id": product.id, "quantity": 100_000}] * 2
    response = _post(client, "/api/till/quote", {"household_card": card, "lines": lines})
    assert response.status_code == 422 and response.json["error"] == "invalid"


@pytest.mark.parametrize("tendered", [10**30, 2**31, 1_000_001, True, 12.5, "500"], ids=repr)
def test_sale_refuses_a_tendered_amount_out_of_range(client, db, till, tendered):
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    db.session.commit()
    response = _post(client, "/api/till/sales", {
        "uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 1}],
        "payment": {"method": "cash", "tendered_cents": tendered}})
    assert response.status_code == 422 and response.json["error"] == "invalid", response.json
    assert db.session.scalar(select(func.count(Sale.id))) == 0


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+00:00", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999+00:00", "2026-11-28T10:00:00+99:00", "2026-11-28T10:00:00+24:00",
    "2026-11-28T10:00:00", "not a date", "", 12345678901234567890, None], ids=repr)
def test_sale_survives_client_times_at_the_limits(client, db, till, moment):
    """A browser clock at year 1 or 9999, or with an absurd offset, must not give a 500: the sale is recorded
    with the server's time and without an implausible client time."""
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    db.session.commit()
    response = _post(client, "/api/till/sales", {
        "uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 1}],
        "payment": {"method": "card"}, "client_created_at": moment})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    sale = db.session.get(Sale, response.json["id"])
    assert sale.client_created_at is None


def test_sale_keeps_a_plausible_client_time(client, db, till):
    from zoneinfo import ZoneInfo

    from grocery.timeutil import utcnow

    moment, brussels = (utcnow() - timedelta(minutes=5)).replace(microsecond=0), ZoneInfo("Europe/Brussels")
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    db.session.commit()
    response = _post(client, "/api/till/sales", {
        "uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 1}],
        "payment": {"method": "card"}, "client_created_at": moment.astimezone(brussels).isoformat()})
    assert response.status_code == 201
    assert db.session.get(Sale, response.json["id"]).client_created_at == moment


# --------------------------------------------------------------------------------------------------------------
# A uuid replayed with another content
# --------------------------------------------------------------------------------------------------------------


def test_a_uuid_replayed_with_another_card_is_a_conflict_not_the_other_sale(client, db, till):
    """Another household's card with the uuid of a sale: 409 uuid_conflict, never that sale (it named the other
    household and its purchases); nothing is written."""
    _first, card = make_shopper(budget_cents=3000)
    _second, other_card = make_shopper(budget_cents=3000)
    product = make_product(price_rule="fixed", social_price_cents=50)
    make_lot(product, 10)
    db.session.commit()
    body = {"uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 2}],
            "payment": {"method": "card"}}
    first = _post(client, "/api/till/sales", body)
    assert first.status_code == 201
    for changed in ({"household_card": other_card},
                    {"lines": [{"product_id": product.id, "quantity": 3}]},
                    {"lines": [{"product_id": product.id, "quantity": 2}, {"product_id": product.id + 1,
                                                                           "quantity": 1}]},
                    {"lines": "garbage"},
                    {"payment": {"method": "cash", "tendered_cents": 100}}):
        response = _post(client, "/api/till/sales", {**body, **changed})
        assert response.status_code == 409, (changed, response.json)
        assert response.json["error"] == "uuid_conflict" and "lines" not in response.json
        assert str(first.json["id"]) not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert _stock(product.id) == 8


def test_the_same_uuid_with_the_same_content_stays_idempotent(client, db, till):
    """A replay with the same content (lines split or reordered the same) answers 200 with the same sale."""
    _household, card = make_shopper(budget_cents=3000)
    apple, pear = make_product(price_rule="fixed", social_price_cents=50), make_product(price_rule="fixed",
                                                                                          social_price_cents=20)
    make_lot(apple, 10)
    make_lot(pear, 10)
    db.session.commit()
    body = {"uuid": str(uuid.uuid4()), "household_card": card,
            "lines": [{"product_id": apple.id, "quantity": 2}, {"product_id": pear.id, "quantity": 1}],
            "payment": {"method": "cash", "tendered_cents": 500}}
    first = _post(client, "/api/till/sales", body)
    assert first.status_code == 201
    reordered = {**body, "lines": [{"product_id": pear.id, "quantity": 1}, {"product_id": apple.id, "quantity": 1},
                                   {"product_id": apple.id, "quantity": 1}]}
    for replay in (body, reordered):
        again = _post(client, "/api/till/sales", replay)
        assert again.status_code == 200 and again.json["id"] == first.json["id"]
        assert again.json["budget_left_cents"] == first.json["budget_left_cents"] == 3000 - 120


def test_service_conflict_when_the_uuid_collides_with_another_content(db):
    till = make_till()
    _household, card = make_shopper()
    _other, other_card = make_shopper()
    product = make_product()
    make_lot(product, 10)
    sale_uuid = str(uuid.uuid4())
    record_sale(till.opened_by, till, sale_uuid=sale_uuid, card_code=card,
                lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})
    with pytest.raises(UuidConflict):
        record_sale(till.opened_by, till, sale_uuid=sale_uuid, card_code=other_card,
                    lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})


# --------------------------------------------------------------------------------------------------------------
# Refunds: the state of the goods decides
# --------------------------------------------------------------------------------------------------------------


def _sold(quantity=3):
    till = make_till(float_cents=1000)
    household, card = make_shopper(budget_cents=2000)
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 5)
    sale, _ = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": quantity}], payment={"method": "card"})
    return till, household, product, lot, sale


@pytest.mark.parametrize("condition", ["damaged", "expired", "recalled"])
def test_damaged_or_unfit_goods_given_back_are_written_off_not_sold_again(db, condition):
    """A refund of damaged, spoiled or recalled goods gives the budget back but never puts them into sellable
    stock: they come back to their lot and go out as waste with that reason."""
    till, household, product, lot, sale = _sold()
    refund = refund_sale(till.opened_by, sale, {sale.lines[0].id: 2}, reason="Retour client", condition=condition,
                         till_session=till)
    assert refund.condition == condition
    assert lot.quantity_on_hand == 2 and _stock(product.id) == 2
    waste = db.session.scalars(select(StockMovement).where(StockMovement.kind == "waste")).all()
    assert [(m.lot_id, m.quantity, m.reason) for m in waste] == [(lot.id, -2, condition)]
    assert budget_left(household, local_today()) == 2000 - 100
    assert ledger_mismatches() == []


def test_goods_in_good_state_go_back_to_their_lot(db):
    till, _household, product, lot, sale = _sold()
    refund = refund_sale(till.opened_by, sale, None, reason="Erreur de produit", condition="resellable",
                         till_session=till)
    assert refund.condition == "resellable" and lot.quantity_on_hand == 5 and _stock(product.id) == 5
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "waste")) == 0


@pytest.mark.parametrize(("reason", "condition"), [
    ("Produit abîmé", "damaged"), ("boîte cabossée et percée", "damaged"), ("Paquet déchiré", "damaged"),
    ("Yaourt périmé", "expired"), ("pain moisi", "expired"), ("lait gâté", "expired"), ("verpakking kapot",
                                                                                        "damaged"),
    ("Rappel du fabricant", "recalled"), ("Mauvais produit", "resellable"), ("Changement d'avis", "resellable"),
    ("gâteau en trop", "resellable"), ("lekker maar te veel", "resellable")])
def test_the_reason_decides_when_no_state_was_chosen(reason, condition):
    assert refund_condition(reason) == condition


def test_a_damaged_reason_without_a_chosen_state_is_written_off(db):
    """The old call (reason only) with "abîmé" used to put the goods back on the shelf."""
    till, _household, product, lot, sale = _sold()
    refund_sale(till.opened_by, sale, {sale.lines[0].id: 1}, reason="Produit abîmé", till_session=till)
    assert lot.quantity_on_hand == 2 and _stock(product.id) == 2
    assert db.session.scalar(select(StockMovement.reason).where(StockMovement.kind == "waste")) == "damaged"


def test_an_unknown_state_is_refused_and_writes_nothing(db):
    till, _household, _product, lot, sale = _sold()
    with pytest.raises(ValidationError):
        refund_sale(till.opened_by, sale, None, reason="x", condition="fine", till_session=till)
    assert lot.quantity_on_hand == 2 and db.session.scalar(select(func.count(SaleRefund.id))) == 0


def test_refund_page_offers_the_state_of_the_goods(client, db, login):
    cashier = login(Role.CASHIER)
    till = make_till(cashier)
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 5)
    sale, _ = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 3}], payment={"method": "card"})
    db.session.commit()
    client.get(f"/till/sessions/{till.id}/screen")
    page = client.get(f"/till/sales/{sale.id}").get_data(as_text=True)
    for value in ("resellable", "damaged", "expired", "recalled"):
        assert f'name="condition" value="{value}"' in page
    response = client.post(f"/till/sales/{sale.id}", data={
        "csrf_token": client.csrf_token(), "action": "refund", f"line_{sale.lines[0].id}": "1",
        "reason": "Retour client", "condition": "damaged"})  # the words say nothing: the state chosen decides
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).quantity_on_hand == 2
    assert "Mis au rebut" in client.get(f"/till/sales/{sale.id}").get_data(as_text=True)
    for typed in ("²", "9" * 40):  # a digit isdigit() accepts but int() refuses; a number beyond any column
        response = client.post(f"/till/sales/{sale.id}", data={
            "csrf_token": client.csrf_token(), "action": "refund", f"line_{sale.lines[0].id}": typed,
            "reason": "Retour client", "condition": "resellable"})
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).quantity_on_hand == 2
    assert db.session.scalar(select(func.count(SaleRefund.id))) == 1


# --------------------------------------------------------------------------------------------------------------
# Receipts: the figures of the time of the sale
# --------------------------------------------------------------------------------------------------------------


def test_a_reprint_a_month_later_shows_the_budget_left_after_the_sale(db, monkeypatch):
    """The receipt showed the budget left today: after a second sale, or in the next period, a reprint of the
    first sale showed another figure. It shows the budget left after that sale, its names, and DUPLICATA."""
    till = make_till()
    household, card = make_shopper(budget_cents=2000)
    product = make_product(name="Riz 1 kg", price_rule="fixed", social_price_cents=300)
    make_lot(product, 10)
    sale, _ = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 2}], payment={"method": "card"})
    assert sale.budget_left_cents == 1400
    record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})
    product.name = "Riz blanc 1 kg (nouveau nom)"
    household.members[0].first_name = "Autre"
    db.session.flush()
    db.session.expire_all()
    sale = db.session.get(Sale, sale.id)
    first = receipt_data(sale)
    assert first["budget_left_cents"] == 1400 and first["budget_left_today"] is False
    assert first["lines"][0]["name"] == "Riz 1 kg" and not first["greeting"].startswith("Autre")
    assert first["reprint"] is False
    sale.receipt_prints = 1
    import grocery.timeutil

    month_later = local_today() + timedelta(days=31)
    monkeypatch.setattr(grocery.timeutil, "local_today", lambda: month_later)
    again = receipt_data(sale)
    assert again["budget_left_cents"] == 1400 and again["reprint"] is True
    assert {key: value for key, value in again.items() if key != "reprint"} == \
        {key: value for key, value in first.items() if key != "reprint"}


def test_reprint_page_says_duplicata(client, db, login):
    cashier = login(Role.CASHIER)
    till = make_till(cashier)
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    sale, _ = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})
    db.session.commit()
    assert "DUPLICATA" not in client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True)
    assert client.post(f"/till/sales/{sale.id}/printed", headers={"X-CSRFToken": client.csrf_token()}).json == \
        {"prints": 1}
    assert "DUPLICATA" in client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True)


def test_a_sale_recorded_before_the_figures_were_kept_falls_back_to_today(db):
    till = make_till()
    household, card = make_shopper(budget_cents=2000)
    product = make_product(price_rule="fixed", social_price_cents=300)
    make_lot(product, 10)
    sale, _ = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 2}], payment={"method": "card"})
    sale.budget_left_cents, sale.receipt_figures = None, None  # as migration 0010 leaves older sales
    db.session.flush()
    data = receipt_data(sale)
    assert data["budget_left_cents"] == budget_left(household, local_today()) == 1400
    assert data["budget_left_today"] is True and data["lines"][0]["name"] == product.name
