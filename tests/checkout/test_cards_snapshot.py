"""The offline card snapshot: only the cards valid today, only the till summary's fields plus what the till needs to
apply the quota rules (products' and categories') offline, a fixed number of statements whatever the number of
households or rules, no-store, only for the holder of an open till."""

import json
import uuid
from datetime import date, timedelta

from sqlalchemy import event

from grocery.auth.roles import Role
from grocery.checkout.services import record_sale, till_household
from grocery.checkout.snapshot import CARD_FIELDS, QUOTA_FIELDS, cards_snapshot
from grocery.extensions import db as _db
from grocery.sites.context import current_site_id
from grocery.timeutil import local_today
from tests.factories import (
    make_category,
    make_decision,
    make_household,
    make_lot,
    make_member,
    make_product,
    make_shopper,
    make_till,
)

FIELDS = set(CARD_FIELDS)
SUMMARY_QUOTA = ("name", "limit", "left", "left_label")


def _sell(till, card, lines):
    return record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines,
                       payment={"method": "card"})[0]


def _as_summary(entry: dict) -> dict:
    """A snapshot card as the till's card lookup shows it (the quotas without the rule and the use; the lookup's
    appointment of the day, which the snapshot does not carry, is None: these households have none)."""
    return {**entry, "quotas": [{key: quota[key] for key in SUMMARY_QUOTA} for quota in entry["quotas"]],
            "appointment": None}


def _baby_hygiene():
    category = make_category(name="Hygiène bébé", quota_quantity=2, quota_scope="per_child_under_3",
                             quota_period="week")
    diapers = make_product(name="Couches taille 3", category=category, price_rule="fixed", social_price_cents=100)
    wipes = make_product(name="Lingettes", category=category, price_rule="fixed", social_price_cents=100)
    cotton = make_product(name="Coton en vrac", category=category, unit_kind="kg", net_weight_g=None,
                          price_rule="fixed", social_price_cents=100)
    for product in (diapers, wipes, cotton):
        make_lot(product, 5000)
    return category, diapers, wipes, cotton


def test_snapshot_holds_the_valid_cards_with_the_till_summary_only(db):
    till = make_till()
    household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100, quota_quantity=3, quota_scope="household",
                           quota_period="week")
    make_lot(product, 10)
    _sell(till, card, [{"product_id": product.id, "quantity": 2}])
    ended = make_household()
    today = local_today()
    make_decision(ended, valid_from=today - timedelta(days=30), valid_until=today - timedelta(days=1),
                  budget_cents=1000, budget_override_motive="Test")
    from grocery.households.services import issue_card

    ended_card = issue_card(None, ended).code
    snapshot = cards_snapshot(today)
    assert set(snapshot) == {"day", "expires_at", "quota_rules", "quota_periods", "cards"}
    cards = {entry["card_code"]: entry for entry in snapshot["cards"]}
    assert ended_card not in cards and set(cards) == {card}
    assert set(cards[card]) == FIELDS
    assert _as_summary(cards[card]) == till_household(card, today)  # the same as the till's card lookup
    assert cards[card]["budget_left_cents"] == 800
    assert cards[card]["quotas"] == [{"kind": "product", "id": product.id, "name": product.name, "unit": "piece",
                                      "period": "week", "limit": 3, "used": 2, "left": 1, "left_label": "1"}]
    assert "household_id" not in cards[card] and household.reference not in str(snapshot)


def test_snapshot_holds_no_other_personal_data(db):
    """Address, phone, e-mail, notes, national number, income, birth dates and last names (beyond the initial of
    the name to greet) stay on the server: the quota limits come already scaled to the household's composition."""
    household = make_household(street="Rue des Tilleuls 12", phone="0470 11 22 33", email="f.benali@example.org",
                               notes="Suivi CPAS: dettes", person={"first_name": "Fatima", "last_name": "Benali",
                                                                  "birth_on": date(1984, 2, 29)})
    baby_birth = local_today().replace(day=1) - timedelta(days=200)
    make_member(household, first_name="Yanis", last_name="Benali", birth_on=baby_birth, relation="child")
    make_decision(household, budget_cents=4000, budget_override_motive="Revenus sous le seuil")
    household.members[0].national_number = "84022912345"
    _baby_hygiene()
    _db.session.flush()

    text = json.dumps(cards_snapshot(local_today()), ensure_ascii=False)
    entry = json.loads(text)["cards"][0]
    assert set(entry) == FIELDS and all(set(quota) == set(QUOTA_FIELDS) for quota in entry["quotas"])
    assert entry["display_name"] == "Fatima B."
    for secret in ("Tilleuls", "0470", "example.org", "dettes", "84022912345", "1984", baby_birth.isoformat(),
                   "Benali", "Yanis", "Revenus", household.reference, "income", "adults", "children"):
        assert secret not in text, secret


def test_snapshot_carries_category_quotas_with_what_each_household_took(db):
    """2 pieces of baby hygiene per child under 3 per week, all the category's piece products together: a household
    with one baby that bought one pack sees 1 left; one with two babies 4; one without a baby does not get the rule
    (listed in quota_rules: it may take none); goods sold by weight do not count; a refund gives back."""
    from grocery.checkout.refunds import refund_sale

    till = make_till()
    _one, card_one = make_shopper(children_under_3=1)
    _two, card_two = make_shopper(children_under_3=2)
    _none, card_none = make_shopper()
    category, diapers, wipes, cotton = _baby_hygiene()
    _sell(till, card_one, [{"product_id": diapers.id, "quantity": 1}, {"product_id": cotton.id, "quantity": 750}])
    sale = _sell(till, card_two, [{"product_id": diapers.id, "quantity": 1}, {"product_id": wipes.id, "quantity": 2}])
    wipes_line = next(line for line in sale.lines if line.product_id == wipes.id)
    refund_sale(till.opened_by, sale, {wipes_line.id: 1}, reason="Erreur", till_session=till)

    today = local_today()
    snapshot = cards_snapshot(today)
    assert {"kind": "category", "id": category.id, "name": "Hygiène bébé", "unit": "piece",
            "period": "week"} in snapshot["quota_rules"]
    week_start = today - timedelta(days=today.weekday())
    assert snapshot["quota_periods"]["week"] == {"start": week_start.isoformat(),
                                                 "end": (week_start + timedelta(days=6)).isoformat()}
    cards = {entry["card_code"]: entry for entry in snapshot["cards"]}
    baby = {card: [q for q in cards[card]["quotas"] if q["kind"] == "category"] for card in cards}
    assert baby[card_one] == [{"kind": "category", "id": category.id, "name": "Hygiène bébé", "unit": "piece",
                               "period": "week", "limit": 2, "used": 1, "left": 1, "left_label": "1"}]
    assert [(q["limit"], q["used"], q["left"]) for q in baby[card_two]] == [(4, 2, 2)]
    assert baby[card_none] == []
    for card in (card_one, card_two, card_none):
        assert _as_summary(cards[card]) == till_household(card, today)


def test_snapshot_budget_of_a_decision_starting_mid_period_is_the_tills(db):
    """A decision starting today: its first week is cut (and prorated); the snapshot's budget left is the one the
    till's card lookup gives, whatever the weekday."""
    till = make_till()
    household = make_household()
    today = local_today()
    make_decision(household, valid_from=today, budget_cents=7000,
                  budget_override_motive="Test")
    card = household.active_card.code
    product = make_product(price_rule="fixed", social_price_cents=250)
    make_lot(product, 10)
    _sell(till, card, [{"product_id": product.id, "quantity": 1}])
    entry = cards_snapshot(today)["cards"][0]
    assert _as_summary(entry) == till_household(card, today)
    assert entry["budget_left_cents"] == till_household(card, today)["budget_left_cents"]


def _statements(day) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = _db.engine
    site_id = current_site_id()  # the till's site, known before the snapshot (its till session's)
    event.listen(engine, "before_cursor_execute", count)
    try:
        cards_snapshot(day, site_id=site_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_snapshot_reads_a_fixed_number_of_statements(db):
    make_product(quota_quantity=2, quota_scope="household", quota_period="week")
    make_product(quota_quantity=2, quota_scope="per_adult", quota_period="month")
    make_category(quota_quantity=2, quota_scope="per_child_under_3", quota_period="week")
    for _ in range(2):
        make_shopper(children_under_3=1)
    db.session.flush()
    few = _statements(local_today())
    for _ in range(8):
        make_shopper(children_under_3=1)
    make_category(quota_quantity=1, quota_scope="household", quota_period="month")
    make_product(quota_quantity=5, quota_scope="per_child", quota_period="week")
    db.session.flush()
    assert _statements(local_today()) == few


def test_api_snapshot_needs_an_open_till(client, db, login):
    make_shopper()
    db.session.commit()
    login(Role.CASHIER)
    response = client.get("/api/till/cards-snapshot")
    assert response.status_code == 409 and response.json["error"] == "till_closed"


def test_api_snapshot_answers_the_holder(client, db, till):
    _household, card = make_shopper()
    db.session.commit()
    response = client.get("/api/till/cards-snapshot")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert [entry["card_code"] for entry in response.json["cards"]] == [card]
    assert set(response.json["cards"][0]) == FIELDS and response.json["expires_at"]


def test_api_snapshot_carries_the_category_quotas(client, db, till):
    """Through the API: a household with a baby gets the category's rule with its limit and use; the rules list
    names it for the till."""
    _household, card = make_shopper(children_under_3=1)
    category, diapers, _wipes, _cotton = _baby_hygiene()
    _sell(till, card, [{"product_id": diapers.id, "quantity": 2}])
    db.session.commit()
    body = client.get("/api/till/cards-snapshot").json
    assert {"kind": "category", "id": category.id, "name": "Hygiène bébé", "unit": "piece",
            "period": "week"} in body["quota_rules"]
    quotas = body["cards"][0]["quotas"]
    assert [(q["kind"], q["id"], q["limit"], q["used"], q["left"]) for q in quotas] == [
        ("category", category.id, 2, 2, 0)]
    assert set(quotas[0]) == set(QUOTA_FIELDS)
