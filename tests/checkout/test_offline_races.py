"""PostgreSQL race: the same offline sale sent five times at once (a queue replayed from two tabs, retries) is one
sale, one shortfall, one budget use."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.checkout.models import Sale, StockShortfall
from grocery.checkout.offline import record_offline_sale
from grocery.households.models import BudgetMovement
from grocery.stock.services import ledger_mismatches
from grocery.timeutil import utcnow
from tests.checkout.races import race, till_and_cashier
from tests.factories import make_lot, make_product, make_shopper, make_till


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")


def test_five_simultaneous_sends_of_one_offline_sale_make_one_sale(app, db):
    till = make_till()
    _household, card = make_shopper(budget_cents=100)
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 2)
    db.session.commit()
    till_id, product_id = till.id, product.id  # read here: the threads must not touch this session
    sale_uuid, made_at = str(uuid.uuid4()), utcnow() - timedelta(minutes=5)

    def send():
        till, cashier = till_and_cashier(till_id)
        sale, created = record_offline_sale(
            cashier, till, sale_uuid=sale_uuid, card_code=card, payment={"method": "card"},
            lines=[{"product_id": product_id, "quantity": 3}], charged=300, client_created_at=made_at)
        return sale.id, created

    answers, refused = race(app, [send] * 5)
    assert refused == []
    assert len({sale_id for sale_id, _created in answers}) == 1 and sum(created for _id, created in answers) == 1
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(StockShortfall.id))) == 1
    assert db.session.scalar(select(func.count(BudgetMovement.id)).where(BudgetMovement.reference == sale_uuid)) == 1
    assert ledger_mismatches() == []
