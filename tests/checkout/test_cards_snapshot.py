"""The offline card snapshot: only the cards valid today, only the till summary's fields, a fixed number of
statements whatever the number of households, no-store, only for the holder of an open till."""

import uuid
from datetime import timedelta

from sqlalchemy import event

from grocery.auth.roles import Role
from grocery.checkout.services import record_sale, till_household
from grocery.checkout.snapshot import cards_snapshot
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_till

FIELDS = {"card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents", "proxies", "quotas"}


def test_snapshot_holds_the_valid_cards_with_the_till_summary_only(db):
    till = make_till()
    household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100, quota_quantity=3, quota_scope="household",
                           quota_period="week")
    make_lot(product, 10)
    record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                lines=[{"product_id": product.id, "quantity": 2}], payment={"method": "card"})
    ended = make_household()
    today = local_today()
    make_decision(ended, valid_from=today - timedelta(days=30), valid_until=today - timedelta(days=1),
                  budget_cents=1000, budget_override_motive="Test")
    from grocery.households.services import issue_card

    ended_card = issue_card(None, ended).code
    snapshot = cards_snapshot(today)
    assert set(snapshot) == {"day", "expires_at", "cards"}
    cards = {entry["card_code"]: entry for entry in snapshot["cards"]}
    assert ended_card not in cards and set(cards) == {card}
    assert set(cards[card]) == FIELDS
    assert cards[card] == till_household(card, today)  # the same as the till's card lookup
    assert cards[card]["budget_left_cents"] == 800
    assert [(q["name"], q["limit"], q["left"]) for q in cards[card]["quotas"]] == [(product.name, 3, 1)]
    assert "household_id" not in cards[card] and household.reference not in str(snapshot)


def _statements(day) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        cards_snapshot(day)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_snapshot_reads_a_fixed_number_of_statements(db):
    make_product(quota_quantity=2, quota_scope="household", quota_period="week")
    make_product(quota_quantity=2, quota_scope="per_adult", quota_period="month")
    for _ in range(2):
        make_shopper()
    db.session.flush()
    few = _statements(local_today())
    for _ in range(8):
        make_shopper()
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
