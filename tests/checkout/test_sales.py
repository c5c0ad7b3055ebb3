"""Sales: eligibility, budget, quotas (scaled by children under 3), FEFO, prices by source, idempotency, refunds."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, SaleLine
from grocery.checkout.refunds import refund_sale
from grocery.checkout.services import (
    CardReplaced,
    UnknownCard,
    UnknownProduct,
    quote_sale,
    record_sale,
)
from grocery.checkout.till import TillClosed, close_till, expected_cash_cents
from grocery.errors import InsufficientStock, NotEligible, OverBudget, QuotaExceeded, ValidationError
from grocery.households.services import budget_left, issue_card
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import ledger_mismatches
from grocery.timeutil import local_today
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_till

CASH = {"method": "cash", "tendered_cents": 10000}


def _sell(till, card, lines, payment=None, sale_uuid=None):
    return record_sale(till.opened_by, till, sale_uuid=sale_uuid or str(uuid.uuid4()), card_code=card,
                       lines=lines, payment=payment or CASH)


def test_sale_takes_fefo_lots_prices_by_source_and_consumes_budget(db):
    """Does a sale take the earliest-expiring lot first, price FEAD units free, and consume the budget?"""
    till = make_till()
    household, card = make_shopper(budget_cents=5000)
    product = make_product(retail_price_cents=300, price_rule="percent", social_percent=30)
    today = local_today()
    fead = make_lot(product, 2, source="fead", best_before_on=today + timedelta(days=5))
    later = make_lot(product, 10, source="supermarket", best_before_on=today + timedelta(days=40))
    sale, created = _sell(till, card, [{"product_id": product.id, "quantity": 3}])
    assert created
    lines = {line.lot_id: line for line in sale.lines}
    assert lines[fead.id].quantity == 2 and lines[fead.id].price_cents == 0 and lines[fead.id].is_free_programme
    assert lines[later.id].quantity == 1 and lines[later.id].price_cents == 90
    assert sale.total_cents == 90 and sale.retail_cents == 900 and sale.change_cents == 10000 - 90
    assert budget_left(household, today) == 5000 - 90
    assert (fead.quantity_on_hand, later.quantity_on_hand) == (0, 9)
    assert ledger_mismatches() == []


def test_lot_past_use_by_is_never_sold_and_past_best_before_is_flagged(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product()
    today = local_today()
    make_lot(product, 5, use_by_on=today - timedelta(days=1))
    ddm = make_lot(product, 1, best_before_on=today - timedelta(days=3))
    sale, _ = _sell(till, card, [{"product_id": product.id, "quantity": 1}])
    assert [(line.lot_id, line.past_best_before) for line in sale.lines] == [(ddm.id, True)]
    with pytest.raises(InsufficientStock):
        _sell(till, card, [{"product_id": product.id, "quantity": 1}])


def test_replay_of_the_same_uuid_returns_the_same_sale(db):
    """Does a double tap on Pay (same uuid twice) make one sale, one stock movement, one budget use?"""
    till = make_till()
    household, card = make_shopper(budget_cents=1000)
    product = make_product()
    make_lot(product, 5)
    sale_uuid = str(uuid.uuid4())
    first, created = _sell(till, card, [{"product_id": product.id, "quantity": 2}], sale_uuid=sale_uuid)
    again, created_again = _sell(till, card, [{"product_id": product.id, "quantity": 2}], sale_uuid=sale_uuid)
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "sale")) == 1
    assert budget_left(household, local_today()) == 1000 - first.total_cents


def test_replay_after_the_budget_is_spent_returns_the_same_sale(db):
    """A replay arriving later (offline queue, retried request) when the sale itself spent the budget: the checks
    would refuse it, the uuid says it is recorded: the same sale comes back, nothing is written twice."""
    till = make_till()
    household, card = make_shopper(budget_cents=300)
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=150)
    make_lot(product, 5)
    sale_uuid = str(uuid.uuid4())
    first, created = _sell(till, card, [{"product_id": product.id, "quantity": 2}], sale_uuid=sale_uuid)
    db.session.commit()
    assert created and budget_left(household, local_today()) == 0
    again, created_again = _sell(till, card, [{"product_id": product.id, "quantity": 2}], sale_uuid=sale_uuid)
    assert not created_again and again.id == first.id
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    with pytest.raises(OverBudget):  # a new sale is refused
        _sell(till, card, [{"product_id": product.id, "quantity": 1}])


def test_over_budget_is_refused_and_nothing_written(db):
    till = make_till()
    _household, card = make_shopper(budget_cents=100)
    product = make_product(retail_price_cents=1000, price_rule="fixed", social_price_cents=60)
    lot = make_lot(product, 5)
    with pytest.raises(OverBudget):
        _sell(till, card, [{"product_id": product.id, "quantity": 2}])
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert db.session.get(Lot, lot.id).quantity_on_hand == 5


def test_quota_scaled_by_children_under_three(db):
    """Diapers: 10 per child under 3 per week; a household without a baby gets none."""
    till = make_till()
    _baby_household, baby_card = make_shopper(children_under_3=2)
    _no_baby, no_baby_card = make_shopper()
    diapers = make_product(name="Couches taille 3", quota_quantity=10, quota_scope="per_child_under_3",
                           quota_period="week")
    make_lot(diapers, 100)
    _sell(till, baby_card, [{"product_id": diapers.id, "quantity": 15}])
    with pytest.raises(QuotaExceeded):
        _sell(till, baby_card, [{"product_id": diapers.id, "quantity": 6}])
    _sell(till, baby_card, [{"product_id": diapers.id, "quantity": 5}])
    with pytest.raises(QuotaExceeded):
        _sell(till, no_baby_card, [{"product_id": diapers.id, "quantity": 1}])


def test_quote_lists_every_violation_without_writing(db):
    make_till()
    _household, card = make_shopper(budget_cents=50)
    limited = make_product(quota_quantity=1, quota_scope="household", quota_period="month", retail_price_cents=500,
                           price_rule="fixed", social_price_cents=100)
    scarce = make_product()
    make_lot(limited, 5)
    make_lot(scarce, 1)
    quote = quote_sale(card, [{"product_id": limited.id, "quantity": 2}, {"product_id": scarce.id, "quantity": 3}])
    codes = sorted(v["code"] for v in quote.violations)
    assert codes == ["insufficient_stock", "over_budget", "quota_exceeded"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_cards_and_eligibility_refusals(db):
    till = make_till()
    product = make_product()
    make_lot(product, 5)
    lines = [{"product_id": product.id, "quantity": 1}]
    with pytest.raises(UnknownCard):
        _sell(till, "2500000000017", lines)
    household, old_card = make_shopper()
    issue_card(None, household, reason="lost")
    with pytest.raises(CardReplaced):
        _sell(till, old_card, lines)
    expired = make_household()
    make_decision(expired, valid_from=date(2026, 1, 1), valid_until=date(2026, 3, 31), decided_on=date(2026, 1, 1))
    with pytest.raises(NotEligible) as refused:
        _sell(till, expired.active_card.code, lines)
    assert "expiré" in refused.value.message.lower() or "expir" in refused.value.message.lower()


def test_unknown_product_and_malformed_lines(db):
    till = make_till()
    _household, card = make_shopper()
    with pytest.raises(UnknownProduct):
        _sell(till, card, [{"product_id": 999999, "quantity": 1}])
    for lines in [[], "x", [{"product_id": "1", "quantity": 1}], [{"product_id": 1, "quantity": 0}],
                  [{"product_id": 1, "quantity": True}]]:
        with pytest.raises(ValidationError):
            _sell(till, card, lines)


def test_payment_rules(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=120)
    make_lot(product, 5)
    lines = [{"product_id": product.id, "quantity": 1}]
    with pytest.raises(ValidationError):
        _sell(till, card, lines, {"method": "cash", "tendered_cents": 100})
    with pytest.raises(ValidationError):
        _sell(till, card, lines, {"method": "free"})
    with pytest.raises(ValidationError):
        _sell(till, card, lines, {"method": "cheque"})
    sale, _ = _sell(till, card, lines, {"method": "card"})
    assert sale.payment_method == "card" and sale.tendered_cents is None


def test_free_fead_sale_is_free(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product()
    make_lot(product, 3, source="fead")
    sale, _ = _sell(till, card, [{"product_id": product.id, "quantity": 3}], {"method": "cash", "tendered_cents": 0})
    assert sale.total_cents == 0 and sale.payment_method == "free" and sale.retail_cents == 600


def test_sale_needs_an_open_till(db):
    till = make_till()
    _household, card = make_shopper()
    close_till(till.opened_by, till, counted_cents=5000)
    with pytest.raises(TillClosed):
        _sell(till, card, [{"product_id": 1, "quantity": 1}])


def test_cash_sales_count_in_the_expected_cash(db):
    till = make_till(float_cents=1000)
    _household, card = make_shopper()
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=150)
    make_lot(product, 5)
    _sell(till, card, [{"product_id": product.id, "quantity": 2}])
    assert expected_cash_cents(till) == 1300


def test_refund_limits_and_effects(db):
    """Can a refund give back more than was sold? (no) Does it restore stock, budget and cash?"""
    till = make_till(float_cents=1000)
    household, card = make_shopper(budget_cents=2000)
    product = make_product(retail_price_cents=500, price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 5)
    sale, _ = _sell(till, card, [{"product_id": product.id, "quantity": 3}])
    line = sale.lines[0]
    with pytest.raises(ValidationError):
        refund_sale(till.opened_by, sale, {line.id: 4}, reason="erreur", till_session=till)
    with pytest.raises(ValidationError):
        refund_sale(till.opened_by, sale, {line.id: 1}, reason=" ", till_session=till)
    refund_sale(till.opened_by, sale, {line.id: 2}, reason="Mauvais produit", till_session=till)
    assert lot.quantity_on_hand == 4 and line.refunded_quantity == 2
    assert budget_left(household, local_today()) == 2000 - 100
    assert expected_cash_cents(till) == 1000 + 300 - 200
    with pytest.raises(ValidationError):
        refund_sale(till.opened_by, sale, {line.id: 2}, reason="encore", till_session=till)
    refund_sale(till.opened_by, sale, None, reason="Annulation", till_session=till)
    assert sale.status == "voided" and lot.quantity_on_hand == 5
    assert budget_left(household, local_today()) == 2000
    assert ledger_mismatches() == []


def test_cashier_cannot_void_a_sale_of_another_session(db):
    till = make_till()
    _household, card = make_shopper()
    product = make_product()
    make_lot(product, 5)
    sale, _ = _sell(till, card, [{"product_id": product.id, "quantity": 1}])
    close_till(till.opened_by, till, counted_cents=5000)
    other = make_till()
    with pytest.raises(NotEligible):
        refund_sale(other.opened_by, sale, None, reason="trop tard", till_session=other)
    from tests.factories import make_user

    coordinator = make_user(Role.COORDINATOR)
    refund_sale(coordinator, sale, None, reason="Erreur de caisse", till_session=other)
    assert sale.status == "voided"
    assert db.session.scalar(select(func.sum(SaleLine.refunded_quantity))) == 1
