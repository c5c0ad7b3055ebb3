"""Cost price of purchases, and best-before (DDM) lots past their grace days waiting for a decision."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.catalogue import catalogue_snapshot
from grocery.checkout.services import quote_sale, record_sale
from grocery.errors import Conflict, InsufficientStock, ValidationError
from grocery.settings.registry import DEFINITIONS
from grocery.settings.services import update_settings
from grocery.stock import ddm
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import (
    add_donation_line,
    confirm_donation,
    donation_totals,
    ledger_mismatches,
    save_category,
    sellable_quantities,
    start_donation,
    till_products_with_lots,
    update_product,
)
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor, make_product, make_shopper, make_till
from tests.utils import text_of


def _receive(product, quantity, *, kind="supermarket", cost=None, **dates):
    donation = start_donation(None, make_donor(kind=kind), local_today())
    add_donation_line(donation, product, quantity=quantity, unit_cost_cents=cost, **dates)
    return confirm_donation(None, donation)[0]


# --- cost price ---------------------------------------------------------------------------------------------------


def test_a_purchase_records_its_cost_price_and_a_donation_has_none(db):
    """Does a purchase line need its cost per unit, is a cost on a donation refused, and does the lot keep it?"""
    rice = make_product(retail_price_cents=250)
    apples = make_product(unit_kind="kg", net_weight_g=None, retail_price_cents=300)
    purchase = start_donation(None, make_donor(kind="purchase"), local_today())
    with pytest.raises(ValidationError) as error:
        add_donation_line(purchase, rice, quantity=10)
    assert error.value.field == "unit_cost"
    with pytest.raises(ValidationError):
        add_donation_line(purchase, rice, quantity=10, unit_cost_cents=-1)
    add_donation_line(purchase, rice, quantity=10, unit_cost_cents=120)
    add_donation_line(purchase, apples, measure=2500, unit_cost_cents=180)  # 1,80 € per kg
    assert donation_totals(purchase)["cost_cents"] == 10 * 120 + 450
    lots = confirm_donation(None, purchase)
    assert [lot.unit_cost_cents for lot in lots] == [120, 180]

    gift = start_donation(None, make_donor(kind="supermarket"), local_today())
    with pytest.raises(ValidationError) as error:
        add_donation_line(gift, rice, quantity=3, unit_cost_cents=100)
    assert error.value.field == "unit_cost" and len(gift.lines) == 0
    add_donation_line(gift, rice, quantity=3)
    assert donation_totals(gift)["cost_cents"] is None


def test_reception_page_asks_the_cost_of_a_purchase_only(db, client, login):
    login(Role.STOCK_MANAGER)
    rice = make_product(name="Riz acheté")
    purchase = start_donation(None, make_donor(kind="purchase"), local_today())
    gift = start_donation(None, make_donor(kind="supermarket"), local_today())
    db.session.commit()
    assert "Prix d'achat" in text_of(client.get(f"/stock/receptions/{purchase.id}", query_string={
        "product_id": rice.id}))
    assert "Prix d'achat" not in text_of(client.get(f"/stock/receptions/{gift.id}", query_string={
        "product_id": rice.id}))
    response = client.post_form(f"/stock/receptions/{purchase.id}/lines",
                                {"product_id": rice.id, "quantity": "4", "unit_cost": ""})
    assert response.status_code == 422 and "Indiquez le prix d'achat" in text_of(response)
    response = client.post_form(f"/stock/receptions/{purchase.id}/lines",
                                {"product_id": rice.id, "quantity": "4", "unit_cost": "1,35"},
                                follow_redirects=True)
    assert "coût 1,35" in text_of(response).replace("\xa0", " ")
    db.session.expire_all()
    assert [line.unit_cost_cents for line in db.session.get(type(purchase), purchase.id).lines] == [135]


# --- best-before (DDM) ---------------------------------------------------------------------------------------------


def _till_sells(product, day):
    _products, lots = till_products_with_lots([product.id], day)
    return sum(lot.quantity_on_hand for lot in lots[product.id])


def test_a_lot_past_its_grace_days_waits_and_the_till_does_not_sell_it(db):
    """Past its best-before date plus its category's days (30 dry, 0 fresh, else the setting), is a lot left out
    of the till (card lookup, catalogue, quote, sale) and listed as waiting, while one within its days still sells?"""
    today = local_today()
    dry = make_category(name="Épicerie sèche")
    save_category(None, dry, name=dry.name, default_social_percent=20, ddm_grace_days=30)
    fresh = make_category(name="Frais")
    save_category(None, fresh, name=fresh.name, default_social_percent=20, ddm_grace_days=0)
    update_settings(None, {"stock.ddm_grace_days": 10})
    pasta = make_product(name="Pâtes", category=dry)
    yoghurt = make_product(name="Yaourt", category=fresh)
    biscuits = make_product(name="Biscuits", category=make_category(name="Divers"))  # the setting: 10 days
    within = _receive(pasta, 4, best_before_on=today - timedelta(days=30))
    waiting = _receive(pasta, 6, best_before_on=today - timedelta(days=31))
    fresh_lot = _receive(yoghurt, 5, best_before_on=today - timedelta(days=1))
    fresh_today = _receive(yoghurt, 2, best_before_on=today)
    old_biscuits = _receive(biscuits, 3, best_before_on=today - timedelta(days=11))
    assert within.ddm_hold_from == today + timedelta(days=1) and waiting.ddm_hold_from == today

    assert {lot.id for lot in ddm.waiting_lots(today)} == {waiting.id, fresh_lot.id, old_biscuits.id}
    quantities = sellable_quantities(today)
    assert quantities[pasta.id] == 4 and quantities[yoghurt.id] == 2 and biscuits.id not in quantities
    assert _till_sells(pasta, today) == 4
    units = {row[0]: row[6] for row in catalogue_snapshot(today)["products"]}
    assert (units[pasta.id], units[yoghurt.id], units[biscuits.id]) == (4, 2, 0)
    assert fresh_today.ddm_hold_from == today + timedelta(days=1)

    _household, card = make_shopper(budget_cents=100000)
    assert quote_sale(card, [{"product_id": pasta.id, "quantity": 4}], today).violations == []
    violations = quote_sale(card, [{"product_id": pasta.id, "quantity": 5}], today).violations
    assert [v["product_id"] for v in violations] == [pasta.id]
    till = make_till()
    with pytest.raises(InsufficientStock):
        record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                    lines=[{"product_id": pasta.id, "quantity": 5}], payment={"method": "cash",
                                                                              "tendered_cents": 10000})
    assert waiting.quantity_on_hand == 6


def test_changing_a_category_days_moves_its_waiting_lots(db):
    today = local_today()
    category = make_category()
    save_category(None, category, name=category.name, default_social_percent=20, ddm_grace_days=30)
    lot = _receive(make_product(category=category), 3, best_before_on=today - timedelta(days=40))
    assert lot.ddm_hold_from <= today
    save_category(None, category, name=category.name, default_social_percent=20, ddm_grace_days=60)
    assert lot.ddm_hold_from == today + timedelta(days=21) and ddm.waiting_lots(today) == []
    with pytest.raises(ValidationError):
        save_category(None, category, name=category.name, default_social_percent=20, ddm_grace_days=-1)
    fresh = make_category()
    save_category(None, fresh, name=fresh.name, default_social_percent=20, ddm_grace_days=0)
    update_product(None, lot.product, name=lot.product.name, category=fresh, unit_kind="piece", net_weight_g=500,
                   retail_price_cents=200, price_rule="category")
    assert lot.ddm_hold_from == today - timedelta(days=39) and ddm.waiting_lots(today) == [lot]


def test_changing_the_default_days_moves_the_lots_that_follow_it_and_never_a_decision(db):
    """When the setting stock.ddm_grace_days changes, does a lot past the new days wait and one within them sell
    again, while a category with its own days and a lot a stock manager already decided on stay as they are?"""
    today = local_today()
    follows = make_product(name="Biscuits", category=make_category(name="Divers"))  # the setting: 30 by default
    own = make_category(name="Épicerie sèche")
    save_category(None, own, name=own.name, default_social_percent=20, ddm_grace_days=30)
    recent = _receive(follows, 4, best_before_on=today - timedelta(days=20))
    old = _receive(follows, 3, best_before_on=today - timedelta(days=40))
    sold_for_good = _receive(follows, 2, best_before_on=today - timedelta(days=45))
    sold_until = _receive(follows, 5, best_before_on=today - timedelta(days=45))
    ddm.decide(None, sold_for_good, "sell")
    ddm.decide(None, sold_until, "sell", until=today + timedelta(days=3))
    own_lot = _receive(make_product(name="Pâtes", category=own), 6, best_before_on=today - timedelta(days=20))
    assert ddm.waiting_lots(today) == [old]

    update_settings(None, {"stock.ddm_grace_days": 10})
    assert recent.ddm_hold_from == today - timedelta(days=9)
    assert {lot.id for lot in ddm.waiting_lots(today)} == {recent.id, old.id}
    assert _till_sells(follows, today) == 2 + 5 and own_lot.ddm_hold_from == today + timedelta(days=11)

    update_settings(None, {"stock.ddm_grace_days": 60})
    assert (recent.ddm_hold_from, old.ddm_hold_from) == (today + timedelta(days=41), today + timedelta(days=21))
    assert ddm.waiting_lots(today) == [] and _till_sells(follows, today) == 4 + 3 + 2 + 5
    # the decisions taken stay: sold for good, and sold until a date that the new days do not move
    assert sold_for_good.ddm_hold_from is None and sold_for_good.ddm_decision == "sell"
    assert sold_until.ddm_hold_from == today + timedelta(days=4) and sold_until.ddm_decision == "sell"
    assert own_lot.ddm_hold_from == today + timedelta(days=11)


def test_saving_the_default_days_on_the_settings_page_holds_the_lots(db, client, login):
    """Does a coordinator who lowers the default days on the settings page see a lot past them wait at once?"""
    today = local_today()
    lot = _receive(make_product(name="Riz", category=make_category()), 4, best_before_on=today - timedelta(days=20))
    login(Role.COORDINATOR)
    db.session.commit()
    assert lot.ddm_hold_from == today + timedelta(days=11)
    data = {d.field_name: d.display(d.default) for d in DEFINITIONS.values() if d.kind != "bool"}
    data.update({d.field_name: "y" for d in DEFINITIONS.values() if d.kind == "bool" and d.default})
    assert client.post_form("/admin/settings/", {**data, "stock__ddm_grace_days": "5"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).ddm_hold_from == today - timedelta(days=14)
    assert [waiting.id for waiting in ddm.waiting_lots(today)] == [lot.id]


@pytest.fixture()
def waiting(db):
    category = make_category()
    save_category(None, category, name=category.name, default_social_percent=20, ddm_grace_days=0)
    return _receive(make_product(name="Conserves", category=category), 8,
                    best_before_on=local_today() - timedelta(days=5))


def test_sell_again_until_a_date_or_for_good(db, waiting):
    """Does "sell" make the lot sellable again until the date chosen (it waits again the day after), or for good?"""
    today = local_today()
    product = waiting.product
    with pytest.raises(ValidationError):
        ddm.decide(None, waiting, "sell", until=today - timedelta(days=1))
    ddm.decide(None, waiting, "sell", until=today + timedelta(days=3))
    assert _till_sells(product, today) == 8 and _till_sells(product, today + timedelta(days=3)) == 8
    assert _till_sells(product, today + timedelta(days=4)) == 0
    assert waiting in ddm.waiting_lots(today + timedelta(days=4))
    with pytest.raises(Conflict):  # not waiting today: nothing to decide
        ddm.decide(None, waiting, "sell")
    ddm.decide(None, waiting, "sell", day=today + timedelta(days=4))
    assert waiting.ddm_hold_from is None and waiting.ddm_decision == "sell"
    assert _till_sells(product, today + timedelta(days=400)) == 8


def test_give_moves_the_lot_out_and_discard_wastes_it(db, waiting):
    """Does "give" take the whole lot out as given away (not waste), with its recipient, and "discard" waste a lot
    with its reason? Are a gift without a recipient and an unknown decision refused, writing nothing?"""
    movements = select(func.count(StockMovement.id))
    before = db.session.scalar(movements)
    with pytest.raises(ValidationError):
        ddm.decide(None, waiting, "give", recipient="  ")
    with pytest.raises(ValidationError):
        ddm.decide(None, waiting, "burn")
    assert db.session.scalar(movements) == before and waiting.quantity_on_hand == 8
    ddm.decide(None, waiting, "give", recipient="Resto du cœur de Namur")
    gift = db.session.scalars(select(StockMovement).where(StockMovement.lot_id == waiting.id)
                              .order_by(StockMovement.id.desc())).first()
    assert (gift.kind, gift.quantity, gift.reason) == ("adjustment", -8, "given: Resto du cœur de Namur")
    assert waiting.quantity_on_hand == 0 and waiting.ddm_decision == "give"

    other = _receive(waiting.product, 2, best_before_on=local_today() - timedelta(days=2))
    with pytest.raises(ValidationError):
        ddm.decide(None, other, "discard", reason="boring")
    ddm.decide(None, other, "discard", reason="damaged", note="boîtes bosselées")
    waste = db.session.scalars(select(StockMovement).where(StockMovement.lot_id == other.id,
                                                           StockMovement.kind == "waste")).one()
    assert (waste.quantity, waste.reason) == (-2, "damaged") and other.ddm_decision == "discard"
    assert ddm.waiting_lots(local_today()) == [] and ledger_mismatches() == []


def test_waiting_lots_page_and_its_three_actions(db, client, login, waiting):
    """Does the page list the waiting lot with the three actions, and do the actions and refusals work?"""
    login(Role.STOCK_MANAGER)
    db.session.commit()
    page = text_of(client.get("/stock/best-before"))
    assert "Conserves" in page and "Vendre" in page and "Donner" in page and "Jeter" in page
    response = client.post_form(f"/stock/best-before/{waiting.id}", {"decision": "give", "recipient": ""},
                                follow_redirects=True)
    assert "à qui" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Lot, waiting.id).quantity_on_hand == 8
    response = client.post_form(f"/stock/best-before/{waiting.id}", {"decision": "sell", "until": ""},
                                follow_redirects=True)
    assert "de nouveau en vente" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Lot, waiting.id).ddm_hold_from is None
    assert "Aucun lot n'attend" in text_of(client.get("/stock/best-before"))


def test_a_cashier_cannot_decide(db, client, login, waiting):
    login(Role.CASHIER)
    db.session.commit()
    assert client.post_form(f"/stock/best-before/{waiting.id}", {"decision": "sell"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Lot, waiting.id).ddm_decision is None
