"""Offline sales (issue #13, server side): recorded even when a check now fails, flagged with what failed; stock
shortfalls; budget consumed as sold; the abuse guard (the flag counts only for a time the till was silent)."""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, StockShortfall, TillSession
from grocery.checkout.offline import (
    WRITE_EVERY,
    Contact,
    mark_reviewed,
    note_contact,
    offline_accepted,
    record_offline_sale,
)
from grocery.checkout.services import UnknownCard, UuidConflict
from grocery.checkout.till import TillClosed, close_till
from grocery.errors import ValidationError
from grocery.households.services import budget_left
from grocery.stock.models import Lot
from grocery.stock.services import ledger_mismatches, open_count, post_count, set_count_line
from grocery.stock.shortfalls import open_shortfalls
from grocery.timeutil import local_today, utcnow
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_till

CARD = {"method": "card"}


def _offline(till, card, lines, charged, *, sale_uuid=None, payment=None, at=None):
    return record_offline_sale(till.opened_by, till, sale_uuid=sale_uuid or str(uuid.uuid4()), card_code=card,
                               lines=lines, payment=payment or CARD, charged=charged,
                               client_created_at=at or utcnow() - timedelta(minutes=5))


def _codes(sale) -> list[str]:
    return [reason["code"] for reason in sale.review_reasons or []]


# --------------------------------------------------------------------------------------------------------------
# Recorded whatever fails now
# --------------------------------------------------------------------------------------------------------------


def test_offline_sale_within_every_rule_is_recorded_without_review(db):
    till = make_till()
    household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    sale, created = _offline(till, card, [{"product_id": product.id, "quantity": 2}], 200)
    assert created and sale.offline and sale.review_status is None and sale.review_reasons is None
    assert sale.total_cents == sale.paid_cents == 200
    assert budget_left(household, local_today()) == 800


def test_late_sale_over_budget_is_recorded_flagged_and_overspends_the_period(db):
    """The budget was spent meanwhile at another till: the sale is recorded, the period shows it overspent."""
    till = make_till()
    household, card = make_shopper(budget_cents=300)
    product = make_product(price_rule="fixed", social_price_cents=200)
    make_lot(product, 5)
    _offline(till, card, [{"product_id": product.id, "quantity": 1}], 200)
    sale, created = _offline(till, card, [{"product_id": product.id, "quantity": 1}], 200)
    assert created and sale.review_status == "pending" and _codes(sale) == ["over_budget"]
    assert budget_left(household, local_today()) == -100
    assert sale.budget_left_cents == -100


def test_late_sale_over_quota_is_recorded_and_flagged(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=0, quota_quantity=2, quota_scope="household",
                           quota_period="week")
    make_lot(product, 10)
    sale, _ = _offline(till, card, [{"product_id": product.id, "quantity": 3}], 0)
    assert _codes(sale) == ["quota_exceeded"] and sale.review_reasons[0]["product_id"] == product.id
    assert sum(line.quantity for line in sale.lines) == 3


def test_late_sale_over_a_category_quota_is_recorded_and_flagged(db):
    """A category quota (two pieces of baby goods a week, whichever product) is checked on a late sale too: the
    sale is recorded and flagged, like a product quota."""
    from tests.factories import make_category

    till = make_till()
    _household, card = make_shopper()
    baby = make_category(name="Hygiène bébé", quota_quantity=2, quota_scope="household", quota_period="week")
    wipes = make_product(category=baby, price_rule="fixed", social_price_cents=0)
    diapers = make_product(category=baby, price_rule="fixed", social_price_cents=0)
    make_lot(wipes, 10)
    make_lot(diapers, 10)
    sale, created = _offline(till, card, [{"product_id": wipes.id, "quantity": 2},
                                          {"product_id": diapers.id, "quantity": 1}], 0)
    assert created and _codes(sale) == ["quota_exceeded"] and sale.review_reasons[0]["category_id"] == baby.id
    assert sum(line.quantity for line in sale.lines) == 3


def test_late_sale_over_stock_records_a_shortfall_never_negative_stock(db, runner):
    """Two units were left, the household took three: the lots give two, the third is a shortfall on the
    product; the ledger stays consistent (flask stock-check passes); a posted count settles the shortfall."""
    till = make_till()
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 2)
    sale, created = _offline(till, card, [{"product_id": product.id, "quantity": 3, "price_cents": 300}], 300)
    assert created and _codes(sale) == ["insufficient_stock", "price_differs"]
    assert [(line.lot_id, line.quantity) for line in sale.lines] == [(lot.id, 2)]
    assert sale.paid_cents == 300  # what the cashier charged is what was paid
    assert db.session.get(Lot, lot.id).quantity_on_hand == 0
    assert [(s.product_id, s.quantity) for s in sale.shortfalls] == [(product.id, 1)]
    assert [(row.product.id, row.quantity, row.sales) for row in open_shortfalls()] == [(product.id, 1, 1)]
    assert ledger_mismatches() == []
    db.session.commit()
    result = runner.invoke(args=["stock-check"])
    assert result.exit_code == 0, result.output
    count = open_count(None, product.category)
    set_count_line(count, lot, 0)
    post_count(None, count, "Comptage après la coupure")
    assert open_shortfalls() == []
    shortfall = db.session.scalar(select(StockShortfall))
    assert shortfall.settled_by_count_id == count.id and shortfall.settled_at is not None


def test_late_sale_without_any_stock_left_is_all_shortfall(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    sale, created = _offline(till, card, [{"product_id": product.id, "quantity": 2}], 200)
    assert created and sale.lines == [] and [(s.product_id, s.quantity) for s in sale.shortfalls] == [(product.id, 2)]
    assert "insufficient_stock" in _codes(sale)


def test_late_sale_after_the_decision_ended_is_recorded_and_flagged(db):
    """Access ended that day (the decision was valid until yesterday from the server's view): recorded, flagged
    with the reason the till would have shown."""
    till = make_till()
    household = make_household()
    today = local_today()
    make_decision(household, valid_from=today - timedelta(days=30), valid_until=today - timedelta(days=1),
                  budget_cents=1000, budget_override_motive="Test")
    from grocery.households.services import issue_card

    card = issue_card(None, household).code
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    sale, created = _offline(till, card, [{"product_id": product.id, "quantity": 1}], 100)
    assert created and sale.review_status == "pending"
    assert _codes(sale)[0] not in ("over_budget", "quota_exceeded", "insufficient_stock")
    assert "over_budget" in _codes(sale)  # no budget granted that day: consumed all the same
    assert ledger_mismatches() == []


def test_offline_sale_is_idempotent_and_a_changed_content_conflicts(db):
    till = make_till()
    household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 1)
    sale_uuid = str(uuid.uuid4())
    lines = [{"product_id": product.id, "quantity": 3}]
    first, created = _offline(till, card, lines, 300, sale_uuid=sale_uuid)
    again, created_again = _offline(till, card, lines, 300, sale_uuid=sale_uuid)
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(select(func.count(StockShortfall.id))) == 1
    assert budget_left(household, local_today()) == 700
    with pytest.raises(UuidConflict):
        _offline(till, card, [{"product_id": product.id, "quantity": 2}], 200, sale_uuid=sale_uuid)


def test_offline_sale_still_refuses_what_cannot_be_recorded(db):
    """An unknown card, a closed till, a malformed line or payment: refused, nothing written."""
    till = make_till()
    _household, card = make_shopper()
    product = make_product()
    make_lot(product, 5)
    line = [{"product_id": product.id, "quantity": 1}]
    with pytest.raises(UnknownCard):
        _offline(till, "2999999999999", line, 40)
    with pytest.raises(ValidationError):
        _offline(till, card, [{"product_id": product.id, "quantity": 0}], 40)
    with pytest.raises(ValidationError):
        _offline(till, card, line, 40, payment={"method": "cash", "tendered_cents": 10})
    close_till(till.opened_by, till, counted_cents=5000)
    with pytest.raises(TillClosed):
        _offline(till, card, line, 40)
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_a_flagged_sale_is_marked_reviewed_once_and_logged(db):
    from grocery.audit.models import AuditEvent

    till = make_till()
    _household, card = make_shopper(budget_cents=100)
    product = make_product(price_rule="fixed", social_price_cents=200)
    make_lot(product, 5)
    sale, _ = _offline(till, card, [{"product_id": product.id, "quantity": 1}], 200)
    assert sale.review_status == "pending"
    mark_reviewed(till.opened_by, sale)
    assert sale.review_status == "reviewed" and sale.reviewed_by_id == till.opened_by.id and sale.reviewed_at
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checkout.offline_sale_reviewed"))
    assert event.details == {"reasons": ["over_budget"]}
    with pytest.raises(ValidationError):
        mark_reviewed(till.opened_by, sale)


# --------------------------------------------------------------------------------------------------------------
# The abuse guard
# --------------------------------------------------------------------------------------------------------------


def test_offline_flag_counts_only_within_a_silence_of_the_till(db):
    till = make_till()
    opened = till.opened_at
    contact = Contact(opened_at=opened, last_contact_at=opened + timedelta(minutes=1), gaps=())
    now = opened + timedelta(minutes=1, seconds=10)
    # The till asked something ten seconds ago: it is online, the flag does not count.
    assert not offline_accepted(contact, now - timedelta(seconds=5), now)
    # It was silent for ten minutes: a sale made during that silence is offline; one from the future is not,
    # nor one from before the till was opened.
    later = opened + timedelta(minutes=11)
    assert offline_accepted(contact, opened + timedelta(minutes=6), later)
    assert not offline_accepted(contact, later + timedelta(minutes=10), later)
    assert not offline_accepted(contact, opened - timedelta(minutes=1), later)
    assert not offline_accepted(contact, None, later)
    assert not offline_accepted(None, opened + timedelta(minutes=6), later)


def test_note_contact_keeps_the_silences_of_the_till(db):
    till = make_till()
    start = till.opened_at + timedelta(seconds=10)
    note_contact(till.id, start)
    note_contact(till.id, start + timedelta(seconds=20))
    back = start + timedelta(minutes=15)
    before = note_contact(till.id, back)  # the network is back after 15 minutes
    assert before.last_contact_at == start + timedelta(seconds=20)
    after = note_contact(till.id, back + timedelta(seconds=5))
    assert after.gaps == ((start + timedelta(seconds=20), back),)
    # The queue is replayed after the first request that came back: its sales fall within the recorded gap.
    assert offline_accepted(after, start + timedelta(minutes=5), back + timedelta(seconds=6))
    # A sale claimed for a time the till was answering is not.
    later = note_contact(till.id, back + timedelta(seconds=50))
    assert not offline_accepted(later, back + timedelta(seconds=45), back + timedelta(seconds=55))


def test_note_contact_writes_at_most_every_ten_seconds(db):
    """Does every request of the till write its contact? No: once every WRITE_EVERY, and the silence after it is
    still measured from what was written (exact to WRITE_EVERY, within GRACE)."""
    till = make_till()
    start = till.opened_at + timedelta(seconds=5)
    note_contact(till.id, start)
    note_contact(till.id, start + timedelta(seconds=4))  # within WRITE_EVERY: nothing written
    db.session.refresh(till)
    assert till.last_contact_at == start
    note_contact(till.id, start + WRITE_EVERY)
    db.session.refresh(till)
    assert till.last_contact_at == start + WRITE_EVERY
    assert not till.contact_gaps
    back = start + WRITE_EVERY + timedelta(minutes=3)
    note_contact(till.id, back)
    db.session.refresh(till)
    assert till.contact_gaps == [[(start + WRITE_EVERY).isoformat(), back.isoformat()]]


def test_a_till_request_does_not_write_its_contact_each_time(db, client, login):
    """Do the till's API requests each take the till session's write lock? Only the first in ten seconds does."""
    from sqlalchemy import event

    user = login(Role.CASHIER)
    till = make_till(user)
    db.session.commit()
    with client.session_transaction() as browser:
        browser["till_session_id"] = till.id
    updates = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TILL_SESSIONS"):
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert client.get("/api/till/catalogue").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(updates) == 1


def _post(client, body):
    return client.post("/api/till/sales", data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def _sale_body(card, product, quantity, total, *, at, offline=True):
    return {"uuid": str(uuid.uuid4()), "household_card": card, "offline": offline, "total_cents": total,
            "client_created_at": at.isoformat(), "payment": CARD,
            "lines": [{"product_id": product.id, "quantity": quantity, "price_cents": total}]}


def test_api_online_till_cannot_use_the_flag_to_pass_a_refusal(client, db, till):
    """The till is answering (it just asked for a card): a sale over budget sent with "offline": true is refused
    as an online sale, nothing written."""
    _household, card = make_shopper(budget_cents=100)
    product = make_product(price_rule="fixed", social_price_cents=200)
    make_lot(product, 5)
    db.session.commit()
    assert client.get(f"/api/till/households/{card}").status_code == 200
    response = _post(client, _sale_body(card, product, 1, 200, at=utcnow()))
    assert response.status_code == 409 and response.json["error"] == "over_budget"
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_api_sale_made_during_a_silence_is_recorded_flagged(client, db, till):
    """The till was silent for ten minutes (its last request recorded ten minutes ago): the queued sale over
    budget and stock, made five minutes ago, is recorded (201), flagged, and its replay is the same sale."""
    household, card = make_shopper(budget_cents=100)
    product = make_product(price_rule="fixed", social_price_cents=200)
    make_lot(product, 1)
    db.session.commit()
    session = db.session.get(TillSession, till.id)
    session.opened_at = utcnow() - timedelta(hours=1)
    session.last_contact_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    body = _sale_body(card, product, 2, 400, at=utcnow() - timedelta(minutes=5))
    response = _post(client, body)
    assert response.status_code == 201, response.json
    assert response.json["offline"] is True and response.json["review_status"] == "pending"
    assert response.json["paid_cents"] == 400
    again = _post(client, body)  # the till did not get the answer: replayed later, now online
    assert again.status_code == 200 and again.json["id"] == response.json["id"]
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert budget_left(household, local_today()) == -300
    assert ledger_mismatches() == []


def test_api_offline_sale_needs_the_total_paid(client, db, till):
    _household, card = make_shopper()
    product = make_product()
    make_lot(product, 5)
    session = db.session.get(TillSession, till.id)
    session.last_contact_at = utcnow() - timedelta(minutes=10)
    session.opened_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    body = _sale_body(card, product, 1, 40, at=utcnow() - timedelta(minutes=5))
    body["lines"][0]["price_cents"] = 30
    response = _post(client, body)
    assert response.status_code == 422 and response.json["error"] == "invalid"
    assert db.session.scalar(select(func.count(Sale.id))) == 0


# --------------------------------------------------------------------------------------------------------------
# The review list and the shortfalls page
# --------------------------------------------------------------------------------------------------------------


def test_coordinator_lists_flagged_offline_sales_and_marks_one_reviewed(client, db, login):
    from grocery.audit.models import AuditEvent

    till = make_till()
    _household, card = make_shopper(budget_cents=100)
    product = make_product(price_rule="fixed", social_price_cents=200)
    make_lot(product, 5)
    flagged, _ = _offline(till, card, [{"product_id": product.id, "quantity": 1}], 200)
    db.session.commit()
    login(Role.COORDINATOR)
    page = client.get("/till/offline-sales")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert card in text and flagged.review_reasons[0]["message"].split("(")[0].strip() in text
    response = client.post_form(f"/till/offline-sales/{flagged.id}/reviewed")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Sale, flagged.id).review_status == "reviewed"
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "checkout.offline_sale_reviewed")) == 1
    assert card not in client.get("/till/offline-sales").get_data(as_text=True)


def test_cashier_cannot_reach_the_review_list(client, db, login):
    login(Role.CASHIER)
    assert client.get("/till/offline-sales").status_code == 403


def test_stock_manager_sees_the_shortfalls_until_a_count(client, db, login):
    till = make_till()
    _household, card = make_shopper()
    product = make_product(name="Lait demi-écrémé", price_rule="fixed", social_price_cents=50)
    lot = make_lot(product, 1)
    _offline(till, card, [{"product_id": product.id, "quantity": 3}], 150)
    db.session.commit()
    login(Role.STOCK_MANAGER)
    text = client.get("/stock/shortfalls").get_data(as_text=True)
    assert "Lait demi-écrémé" in text
    count = open_count(None, product.category)
    set_count_line(count, lot, 0)
    post_count(None, count, "Comptage")
    db.session.commit()
    assert "Lait demi-écrémé" not in client.get("/stock/shortfalls").get_data(as_text=True)
