"""Receptions (lots written on confirmation), waste, discarding expired lots, stock counts and the lists."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.errors import Conflict, ValidationError
from grocery.stock.models import DonationLine, Lot, StockCountLine, StockMovement
from grocery.stock.services import (
    add_donation_line,
    confirm_donation,
    discard_expired,
    donation_totals,
    expired_lots,
    ledger_mismatches,
    low_stock,
    near_expiry_lots,
    open_count,
    parse_quantity,
    post_count,
    record_waste,
    set_count_line,
    start_donation,
    stock_on_hand,
)
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor, make_lot, make_product


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def reception(db):
    return start_donation(None, make_donor(kind="food_bank"), local_today(), "Banque alimentaire novembre")


def test_confirming_a_reception_writes_lots_and_receipts(db, reception):
    """Does confirmation turn each line into a lot from the donor's source with its receipt movement?"""
    today = local_today()
    rice = make_product(net_weight_g=1000, retail_price_cents=250)
    apples = make_product(unit_kind="kg", net_weight_g=None, retail_price_cents=300)
    add_donation_line(reception, rice, quantity=12, best_before_on=today + timedelta(days=200), lot_number="L42")
    add_donation_line(reception, apples, measure=2500, use_by_on=today + timedelta(days=6))
    assert _count(db, Lot) == 0
    lots = confirm_donation(None, reception)
    assert [(lot.source, lot.quantity_on_hand) for lot in lots] == [("food_bank", 12), ("food_bank", 2500)]
    assert reception.status == "confirmed"
    assert _count(db, StockMovement) == 2 and ledger_mismatches() == []
    assert donation_totals(reception) == {"pieces": 12, "grams": 14500, "retail_cents": 12 * 250 + 750,
                                          "unknown_weight": False, "cost_cents": None}
    with pytest.raises(Conflict):
        confirm_donation(None, reception)


def test_packs_of_a_kg_product_count_by_net_weight(db, reception):
    flour = make_product(unit_kind="kg", net_weight_g=1000)
    assert add_donation_line(reception, flour, quantity=3).quantity == 3000


@pytest.mark.parametrize(("kind", "values", "field", "words"), [
    ("piece", {"measure": 500}, "measure", "pas un poids"),
    ("piece", {"quantity": 0}, "quantity", "plus que zéro"),
    ("piece", {"quantity": -2}, "quantity", "plus que zéro"),
    ("kg", {}, "measure", "au poids"),
    ("piece", {"quantity": 1, "use_by_on": date(2020, 1, 1)}, "use_by_on", "déjà dépassée"),
])
def test_bad_reception_lines_are_refused_and_write_nothing(db, app, reception, kind, values, field, words):
    """Weight on a piece product, zero or negative quantity, use-by already past: clear French message, no line."""
    product = make_product(unit_kind=kind, net_weight_g=None)
    with app.test_request_context(), pytest.raises(ValidationError) as error:
        add_donation_line(reception, product, **values)
    assert error.value.field == field and words in error.value.message
    assert _count(db, DonationLine) == 0


def test_an_empty_reception_cannot_be_confirmed(db, reception):
    with pytest.raises(ValidationError):
        confirm_donation(None, reception)


@pytest.mark.parametrize(("unit", "text", "expected"), [("piece", "12", 12), ("kg", "1,250", 1250),
                                                        ("litre", "0.75", 750), ("kg", "2", 2000)])
def test_parse_quantity_in_display_units(db, unit, text, expected):
    assert parse_quantity(make_product(unit_kind=unit), text) == expected


@pytest.mark.parametrize(("unit", "text"), [("piece", "1,5"), ("piece", "-3"), ("kg", "abc"), ("kg", "0"),
                                            ("kg", "1,2345"), ("piece", "")])
def test_parse_quantity_refusals(db, unit, text):
    with pytest.raises(ValidationError):
        parse_quantity(make_product(unit_kind=unit), text)


def test_waste_takes_stock_out_with_reason_and_weight(db):
    """Is waste recorded by lot with its reason and weight, and refused beyond what the lot holds?"""
    lot = make_lot(make_product(net_weight_g=400), 5)
    movement = record_waste(None, lot, 2, "damaged")
    assert (movement.quantity, movement.weight_g, movement.reason) == (-2, -800, "damaged")
    assert lot.quantity_on_hand == 3
    for quantity, reason in ((4, "damaged"), (0, "damaged"), (1, "lost")):
        with pytest.raises(ValidationError):
            record_waste(None, lot, quantity, reason)
    assert lot.quantity_on_hand == 3 and _count(db, StockMovement) == 2


def test_discard_expired_in_one_action(db):
    """Are all lots past their use-by date discarded as expired, and nothing else?"""
    today = local_today()
    product = make_product()
    expired = [make_lot(product, 3, use_by_on=today - timedelta(days=d)) for d in (1, 5)]
    fresh = make_lot(product, 4, use_by_on=today)
    ddm = make_lot(product, 2, best_before_on=today - timedelta(days=10))
    assert {lot.id for lot in expired_lots(today)} == {lot.id for lot in expired}
    movements = discard_expired(None, today)
    assert len(movements) == 2 and all(m.reason == "expired" and m.kind == "waste" for m in movements)
    assert [lot.quantity_on_hand for lot in (*expired, fresh, ddm)] == [0, 0, 4, 2]
    assert expired_lots(today) == []


def test_partial_count_touches_only_counted_lots(db):
    """Does posting a count adjust only the counted lots, by counted minus on hand, with the reason?"""
    category = make_category()
    product = make_product(category=category)
    counted_lot, other_lot = make_lot(product, 10), make_lot(product, 7)
    outside = make_lot(make_product(), 3)
    count = open_count(None, category)
    set_count_line(count, counted_lot, 8)
    with pytest.raises(ValidationError):
        set_count_line(count, outside, 1)
    with pytest.raises(ValidationError):
        set_count_line(count, other_lot, -1)
    movements = post_count(None, count, "Inventaire de novembre")
    assert [(m.lot_id, m.quantity, m.kind, m.reason) for m in movements] == [
        (counted_lot.id, -2, "count", "Inventaire de novembre")]
    assert (counted_lot.quantity_on_hand, other_lot.quantity_on_hand, outside.quantity_on_hand) == (8, 7, 3)
    assert count.lines[0].expected == 10
    with pytest.raises(Conflict):
        set_count_line(count, counted_lot, 1)


def test_a_count_needs_a_reason(db):
    count = open_count(None)
    set_count_line(count, make_lot(quantity=2), 3)
    with pytest.raises(ValidationError):
        post_count(None, count, " ")
    assert count.status == "open" and _count(db, StockCountLine) == 1


def test_lists_on_hand_near_expiry_low_stock(db):
    today = local_today()
    product = make_product(net_weight_g=250, retail_price_cents=300, low_stock_threshold=10)
    soon = make_lot(product, 4, use_by_on=today + timedelta(days=3))
    make_lot(product, 2, best_before_on=today + timedelta(days=60))
    well_stocked = make_product(low_stock_threshold=1)
    make_lot(well_stocked, 5)
    row = next(r for r in stock_on_hand() if r.product.id == product.id)
    assert (row.quantity, row.weight_g, row.retail_cents) == (6, 1500, 1800)
    assert [lot.id for lot in near_expiry_lots(today, 7)] == [soon.id]
    assert [r.product.id for r in low_stock()] == [product.id]
