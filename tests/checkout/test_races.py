"""PostgreSQL races: 20 threads buy the last 5 units; 20 threads spend the last budget of one household; 10 double
taps of one sale; carts of the same products in other orders on several tills (no deadlock); the first FEFO lot
emptied by a concurrent sale (no false "out of stock"); one retry after a deadlock."""

import uuid
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from grocery.checkout.models import Sale
from grocery.checkout.services import record_sale
from grocery.households.models import Household
from grocery.households.services import budget_left
from grocery.stock.models import Lot
from grocery.stock.services import ledger_mismatches
from grocery.timeutil import local_today
from tests.checkout.races import race, till_and_cashier
from tests.factories import make_lot, make_product, make_shopper, make_till

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")


def _race(app, till_id, jobs):
    """One sale per job (card, lines[, sale uuid (double taps)[, till id]]), all at once: returns (the id of each sale
    made, error codes, the ids of the sales each call created)."""

    def sell(card, lines, sale_uuid=None, job_till_id=None):
        till, cashier = till_and_cashier(job_till_id or till_id)
        sale, created = record_sale(cashier, till, sale_uuid=sale_uuid or str(uuid.uuid4()), card_code=card,
                                    lines=lines, payment={"method": "card"})
        return sale.id, created

    results, refused = race(app, [partial(sell, *job) for job in jobs])
    return [sale_id for sale_id, _ in results], refused, [sale_id for sale_id, created in results if created]


def test_twenty_threads_buy_the_last_five_units(app, db):
    till = make_till()
    product = make_product(price_rule="fixed", social_price_cents=10)
    lot = make_lot(product, 5)
    cards = [make_shopper(budget_cents=1000)[1] for _ in range(THREADS)]
    db.session.commit()
    made, refused, _ = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 1}]) for card in cards])
    assert len(made) == 5
    assert refused == ["insufficient_stock"] * (THREADS - 5)
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).quantity_on_hand == 0
    assert ledger_mismatches() == []


def test_twenty_threads_spend_the_last_budget(app, db):
    till = make_till()
    household, card = make_shopper(budget_cents=500)
    product = make_product(price_rule="fixed", social_price_cents=100, retail_price_cents=300)
    make_lot(product, 100)
    db.session.commit()
    made, refused, _ = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 1}])] * THREADS)
    assert len(made) == 5
    assert refused == ["over_budget"] * (THREADS - 5)
    db.session.expire_all()
    assert budget_left(db.session.get(Household, household.id), local_today()) == 0
    assert db.session.scalar(select(func.count(Sale.id))) == 5
    assert ledger_mismatches() == []


def test_ten_double_taps_of_one_sale_make_one_sale(app, db):
    """Ten requests with the same uuid at once (double taps, a retried request): one sale, one budget use, one
    stock movement; every request answers with that sale."""
    from grocery.households.models import BudgetMovement
    from grocery.stock.models import StockMovement

    till = make_till()
    _household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 10)
    db.session.commit()
    sale_uuid = str(uuid.uuid4())
    made, refused, made_new = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 3}], sale_uuid)] * 10)
    assert refused == [] and len(made) == 10 and len(set(made)) == 1 and len(made_new) == 1
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(BudgetMovement.id)).where(BudgetMovement.reference == sale_uuid)) == 1
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "sale")) == 1
    assert ledger_mismatches() == []


def _several_tills(count: int) -> list:
    from grocery.settings.services import update_settings

    names = [f"Caisse {n}" for n in range(1, count + 1)]
    update_settings(None, {"checkout.till_names": "\n".join(names)})
    return [make_till(till_name=name) for name in names]


def test_carts_of_the_same_products_in_other_orders_on_several_tills_never_deadlock(app, db):
    """Twenty tablets on four tills sell the same six products (two lots each) in shuffled orders at once. Locks
    were taken in cart order: two carts in another order deadlocked and one answered 500. Now every sale goes
    through, no stock is oversold, no budget overspent, and the ledgers match."""
    import random

    tills = _several_tills(4)
    products = [make_product(price_rule="fixed", social_price_cents=10) for _ in range(6)]
    lots = []
    for product in products:
        lots += [make_lot(product, 40), make_lot(product, 60, received_on=local_today())]
    shoppers = [make_shopper(budget_cents=1000) for _ in range(THREADS)]
    db.session.commit()
    shuffler = random.Random(11)
    jobs, sold = [], dict.fromkeys((p.id for p in products), 0)
    for index, (_household, card) in enumerate(shoppers):
        order = products[:] if index % 2 else products[::-1]
        shuffler.shuffle(order) if index % 3 == 0 else None
        lines = [{"product_id": p.id, "quantity": 1 + (index + k) % 3} for k, p in enumerate(order)]
        for line in lines:
            sold[line["product_id"]] += line["quantity"]
        jobs.append((card, lines, None, tills[index % len(tills)].id))
    made, refused, _ = _race(app, tills[0].id, jobs)
    assert refused == [] and len(made) == THREADS
    db.session.expire_all()
    for product in products:
        on_hand = db.session.scalar(select(func.sum(Lot.quantity_on_hand)).where(Lot.product_id == product.id))
        assert on_hand == 100 - sold[product.id]
    for household, _card in shoppers:
        assert budget_left(db.session.get(Household, household.id), local_today()) >= 0
    assert ledger_mismatches() == []
    checked = app.test_cli_runner().invoke(args=["stock-check"])
    assert checked.exit_code == 0, checked.output


def test_a_sale_takes_the_next_lot_when_a_concurrent_sale_empties_the_first(app, db):
    """The first FEFO lot has 5 units, the next one 90: twenty sales of 2 units at once all go through (the
    conditional update on the emptied lot refused 1 to 7 of them as out of stock)."""
    till = make_till()
    product = make_product(price_rule="fixed", social_price_cents=10)
    first = make_lot(product, 5, use_by_on=local_today() + timedelta(days=2))
    second = make_lot(product, 90, use_by_on=local_today() + timedelta(days=30))
    cards = [make_shopper(budget_cents=1000)[1] for _ in range(THREADS)]
    db.session.commit()
    made, refused, _ = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 2}]) for card in cards])
    assert refused == [] and len(made) == THREADS
    db.session.expire_all()
    assert db.session.get(Lot, first.id).quantity_on_hand == 0
    assert db.session.get(Lot, second.id).quantity_on_hand == 90 - (2 * THREADS - 5)
    assert ledger_mismatches() == []


def test_a_sale_is_refused_for_stock_only_when_the_product_truly_lacks_it(app, db):
    """Three lots of 4 units, twenty sales of 1 at once: exactly twelve go through, eight are refused."""
    till = make_till()
    product = make_product(price_rule="fixed", social_price_cents=10)
    for days in (1, 2, 3):
        make_lot(product, 4, use_by_on=local_today() + timedelta(days=days))
    cards = [make_shopper(budget_cents=1000)[1] for _ in range(THREADS)]
    db.session.commit()
    made, refused, _ = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 1}]) for card in cards])
    assert len(made) == 12 and refused == ["insufficient_stock"] * 8
    assert ledger_mismatches() == []


def test_a_sale_is_tried_once_more_after_a_deadlock(app, db, monkeypatch):
    """A deadlock (or a serialisation failure) with another writer rolls the sale's savepoint back and tries it
    once more: the till gets its sale, written once. A second one in a row is raised (the view answers 500)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    import grocery.checkout.services as services

    till = make_till()
    _household, card = make_shopper(budget_cents=1000)
    product = make_product(price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 10)
    db.session.commit()
    real, calls = services._record_sale_once, []

    def deadlocking(*args, **kwargs):
        calls.append(1)
        result = real(*args, **kwargs)  # written, then lost with the savepoint
        if len(calls) in failing:
            raise OperationalError("UPDATE lots ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))
        return result

    monkeypatch.setattr(services, "_record_sale_once", deadlocking)
    failing = {1}
    _sale, created = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                                 lines=[{"product_id": product.id, "quantity": 2}], payment={"method": "card"})
    db.session.commit()
    assert created and len(calls) == 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Sale.id))) == 1 and db.session.get(Lot, lot.id).quantity_on_hand == 8
    calls.clear()
    failing = {1, 2}
    with pytest.raises(OperationalError):
        record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                    lines=[{"product_id": product.id, "quantity": 2}], payment={"method": "card"})
    db.session.rollback()
    assert len(calls) == 2 and db.session.scalar(select(func.count(Sale.id))) == 1
    assert ledger_mismatches() == []
