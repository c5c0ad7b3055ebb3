"""The ledger (conditional updates, consistency check), FEFO allocation and prices by source."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from grocery.errors import InsufficientStock, ValidationError
from grocery.settings.services import update_settings
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import (
    allocate_fefo,
    estimated_price_cents,
    ledger_mismatches,
    price_for_quantity_cents,
    record_movement,
    record_movements,
    sellable_quantities,
    unit_price_cents,
)
from tests.factories import make_category, make_lot, make_product

DAY = date(2026, 11, 23)


def _movement_sum(db, lot) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(StockMovement.quantity), 0))
                             .where(StockMovement.lot_id == lot.id))


def test_movements_move_the_cached_quantity(db):
    """Does each movement change quantity_on_hand by its signed quantity, the sum always equal to the cache?"""
    lot = make_lot(quantity=10)
    record_movement(lot, -3, "sale", actor=None, reference="sale-1")
    record_movement(lot, 1, "return", actor=None, reference="sale-1")
    assert lot.quantity_on_hand == 8 == _movement_sum(db, lot)
    assert ledger_mismatches() == []


def test_a_decrement_below_zero_is_refused_and_writes_nothing(db, app):
    """Can a sale take a lot below zero? No: InsufficientStock says what is left, no movement is written."""
    lot = make_lot(quantity=2)
    with app.test_request_context(), pytest.raises(InsufficientStock) as error:
        record_movement(lot, -3, "sale", actor=None)
    assert "2" in error.value.message and error.value.details["available"] == 2
    assert lot.quantity_on_hand == 2
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 1


def test_zero_quantity_and_unknown_kind_are_refused(db):
    lot = make_lot(quantity=2)
    with pytest.raises(ValidationError):
        record_movement(lot, 0, "sale", actor=None)
    with pytest.raises(ValidationError):
        record_movement(lot, -1, "theft", actor=None)


def test_the_database_refuses_a_negative_quantity(db):
    """Does the database itself refuse a negative quantity on hand (CHECK constraint)?"""
    lot = make_lot(quantity=1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE lots SET quantity_on_hand = -1 WHERE id = :id"), {"id": lot.id})
        db.session.flush()
    db.session.rollback()


def test_stock_check_command_finds_a_tampered_lot(db, runner):
    """Does `flask stock-check` pass on a consistent ledger and fail when a cached quantity was tampered with?"""
    lot = make_lot(quantity=5)
    db.session.commit()
    result = runner.invoke(args=["stock-check"])
    assert result.exit_code == 0, result.output
    db.session.execute(text("UPDATE lots SET quantity_on_hand = 4 WHERE id = :id"), {"id": lot.id})
    db.session.commit()
    result = runner.invoke(args=["stock-check"])
    assert result.exit_code == 1 and f"lot {lot.id}" in result.output


def test_fefo_skips_use_by_allows_best_before_earliest_first(db):
    """FEFO: past use-by skipped; past best-before allowed and flagged; earliest expiry, then oldest reception."""
    product = make_product()
    make_lot(product, 5, use_by_on=DAY - timedelta(days=1))  # past use-by: never
    ddm = make_lot(product, 2, best_before_on=DAY - timedelta(days=3))  # past best-before: first, flagged
    late = make_lot(product, 5, use_by_on=DAY + timedelta(days=10))
    old = make_lot(product, 1, use_by_on=DAY + timedelta(days=4), received_on=date(2026, 10, 1))
    new = make_lot(product, 1, use_by_on=DAY + timedelta(days=4), received_on=date(2026, 11, 20))
    today = make_lot(product, 1, use_by_on=DAY)  # use-by today: still sellable
    allocations = allocate_fefo(product, 7, DAY)
    assert [(a.lot.id, a.quantity, a.past_best_before) for a in allocations] == [
        (ddm.id, 2, True), (today.id, 1, False), (old.id, 1, False), (new.id, 1, False), (late.id, 2, False)]
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 6  # reads only


def test_fefo_refuses_more_than_sellable_and_says_how_many(db, app):
    product = make_product(name="Lait demi-écrémé")
    make_lot(product, 3, use_by_on=DAY + timedelta(days=2))
    make_lot(product, 9, use_by_on=DAY - timedelta(days=2))
    with app.test_request_context(), pytest.raises(InsufficientStock) as error:
        allocate_fefo(product, 4, DAY)
    assert error.value.details["available"] == 3 and "3" in error.value.message


def test_sellable_quantities_in_one_query(db):
    a, b = make_product(), make_product()
    make_lot(a, 3)
    make_lot(a, 4, use_by_on=DAY)
    make_lot(a, 4, use_by_on=DAY - timedelta(days=1))
    make_lot(b, 0)
    assert sellable_quantities(DAY) == {a.id: 7}


def test_prices_follow_the_source_of_the_lot(db):
    """FEAD free, food bank capped at 10 % of retail, others the product rule (category 20 % by default)."""
    category = make_category(default_social_percent=30)
    product = make_product(category=category, retail_price_cents=250)
    fead, bank, shop = (make_lot(product, 1, source=s) for s in ("fead", "food_bank", "supermarket"))
    assert unit_price_cents(product, fead) == 0
    assert unit_price_cents(product, bank) == 25
    assert unit_price_cents(product, shop) == 75
    update_settings(None, {"stock.cap_percent.food_bank": 20, "stock.cap_percent.supermarket": 10})
    assert unit_price_cents(product, bank) == 50
    assert unit_price_cents(product, shop) == 25


def test_fixed_and_percent_rules(db):
    fixed = make_product(retail_price_cents=400, price_rule="fixed", social_price_cents=60)
    percent = make_product(retail_price_cents=199, price_rule="percent", social_percent=25)
    assert unit_price_cents(fixed, make_lot(fixed, 1)) == 60
    assert unit_price_cents(percent, make_lot(percent, 1)) == 50  # 49.75 rounded half up


def test_price_per_kg_is_explicit_and_rounds_half_up(db):
    """A kg product is priced per kg: 375 g at 1,30 €/kg social price = 0,4875 € -> 0,49 €."""
    product = make_product(unit_kind="kg", net_weight_g=None, retail_price_cents=650, price_rule="fixed",
                           social_price_cents=130)
    lot = make_lot(product, 2000)
    assert price_for_quantity_cents(product, lot, 375) == 49
    assert price_for_quantity_cents(product, lot, 1000) == 130


def test_estimated_price_is_the_next_fefo_unit(db):
    product = make_product(retail_price_cents=200)
    assert estimated_price_cents(product, DAY) == 40  # no stock: the product rule
    make_lot(product, 5, source="supermarket", use_by_on=DAY + timedelta(days=9))
    make_lot(product, 5, source="fead", use_by_on=DAY + timedelta(days=2))
    assert estimated_price_cents(product, DAY) == 0


@pytest.mark.postgres_only
def test_concurrent_decrements_never_oversell(app, db):
    """PostgreSQL: 20 threads each take 1 of the last 5 units: exactly 5 succeed, the lot ends at 0."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    lot_id = make_lot(quantity=5).id
    db.session.commit()
    barrier = threading.Barrier(20, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sell():
        barrier.wait()  # before taking a pooled connection: the pool holds fewer than 20
        with app.app_context():
            try:
                lot = db.session.get(Lot, lot_id)
                record_movement(lot, -1, "sale", actor=None, reference="thread")
                db.session.commit()
                result = "ok"
            except InsufficientStock:
                db.session.rollback()
                result = "refused"
            except Exception as error:  # reported in the assertion below
                result = repr(error)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=sell) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 15, outcomes
    db.session.expire_all()
    lot = db.session.get(Lot, lot_id)
    assert lot.quantity_on_hand == 0 == _movement_sum(db, lot)
    assert ledger_mismatches() == []




def test_bulk_movements_weigh_like_weight_of_and_refuse_to_take_a_lot_below_zero(db, app):
    """record_movements (a sale's lines): lots go down, one movement each weighed as weight_of; a lot that would go
    below zero is refused with what it holds, and no movement is written."""
    pieces = make_lot(make_product(unit_kind="piece", net_weight_g=400), 5)
    loose = make_lot(make_product(unit_kind="kg", net_weight_g=None), 3000)
    unweighed = make_lot(make_product(unit_kind="piece", net_weight_g=None), 5)
    record_movements([(lot.id, lot.product, -2) for lot in (pieces, loose, unweighed)], "sale",
                     site_id=pieces.site_id, actor_id=None, reference="s-1")
    assert (pieces.quantity_on_hand, loose.quantity_on_hand, unweighed.quantity_on_hand) == (3, 2998, 3)
    rows = db.session.execute(select(StockMovement.lot_id, StockMovement.quantity, StockMovement.weight_g)
                              .where(StockMovement.reference == "s-1").order_by(StockMovement.lot_id)).all()
    assert rows == [(pieces.id, -2, -800), (loose.id, -2, -2), (unweighed.id, -2, None)]
    with app.test_request_context(), pytest.raises(InsufficientStock) as error:
        record_movements([(pieces.id, pieces.product, -4)], "sale", site_id=pieces.site_id, actor_id=None,
                         reference="s-2")
    assert error.value.details["available"] == 3
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.reference == "s-2")) == 0
    assert ledger_mismatches() == []


def test_fefo_order_in_sql_is_the_one_of_fefo_sort_key(db):
    """The till sorts lots in the database, the stock lists in Python (fefo_sort_key): the same order, ties
    included (same expiry: oldest reception first; same reception: lot id)."""
    from grocery.stock.services import fefo_sort_key

    product = make_product()
    lots = [make_lot(product, 1, use_by_on=DAY + timedelta(days=4), best_before_on=DAY + timedelta(days=2)),
            make_lot(product, 1, best_before_on=DAY + timedelta(days=2), received_on=date(2026, 10, 1)),
            make_lot(product, 1),  # no date: last
            make_lot(product, 1, use_by_on=DAY + timedelta(days=1)),
            make_lot(product, 1, best_before_on=DAY - timedelta(days=5)),  # past best-before: still sold, first
            make_lot(product, 1, use_by_on=DAY + timedelta(days=1), received_on=date(2026, 9, 1)),
            make_lot(product, 1)]
    in_python = [lot.id for lot in sorted(lots, key=lambda lot: fefo_sort_key(
        lot.use_by_on, lot.best_before_on, lot.received_on, lot.id))]
    assert [allocation.lot.id for allocation in allocate_fefo(product, len(lots), DAY)] == in_python
