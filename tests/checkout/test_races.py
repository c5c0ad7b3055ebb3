"""PostgreSQL races: 20 threads buy the last 5 units; 20 threads spend the last budget of one household; 10 double
taps of one sale."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from grocery.checkout.models import Sale
from grocery.checkout.services import record_sale
from grocery.dbutil import begin_write
from grocery.errors import GroceryError
from grocery.extensions import db as _db
from grocery.households.models import Household
from grocery.households.services import budget_left
from grocery.stock.models import Lot
from grocery.stock.services import ledger_mismatches
from grocery.timeutil import local_today
from tests.factories import make_lot, make_product, make_shopper, make_till

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")


def _race(app, till_id, jobs):
    """Run one sale per job in its own thread, session and transaction; returns (sales made, error codes). A job
    may give the sale's uuid (double taps); `created` collects whether each call created its sale."""
    barrier = threading.Barrier(len(jobs))
    made, refused, crashed = [], [], []

    def worker(card, lines, sale_uuid=None):
        with app.app_context():
            try:
                barrier.wait()
                begin_write()
                from grocery.auth.models import User
                from grocery.checkout.models import TillSession

                till = _db.session.get(TillSession, till_id)
                cashier = _db.session.get(User, till.opened_by_id)
                sale, created = record_sale(cashier, till, sale_uuid=sale_uuid or str(uuid.uuid4()),
                                            card_code=card, lines=lines, payment={"method": "card"})
                _db.session.commit()
                made.append(sale.id)
                if created:
                    made_new.append(sale.id)
            except GroceryError as error:
                _db.session.rollback()
                refused.append(error.code)
            except Exception as error:  # pragma: no cover - reported by the assertion below
                _db.session.rollback()
                crashed.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == []
    return made, refused


made_new: list[int] = []


def test_twenty_threads_buy_the_last_five_units(app, db):
    till = make_till()
    product = make_product(price_rule="fixed", social_price_cents=10)
    lot = make_lot(product, 5)
    cards = [make_shopper(budget_cents=1000)[1] for _ in range(THREADS)]
    db.session.commit()
    made, refused = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 1}]) for card in cards])
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
    made, refused = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 1}])] * THREADS)
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
    made_new.clear()
    made, refused = _race(app, till.id, [(card, [{"product_id": product.id, "quantity": 3}], sale_uuid)] * 10)
    assert refused == [] and len(made) == 10 and len(set(made)) == 1 and len(made_new) == 1
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(BudgetMovement.id)).where(BudgetMovement.reference == sale_uuid)) == 1
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "sale")) == 1
    assert ledger_mismatches() == []
