"""PostgreSQL race: 20 sales at the same moment, at two sites, on the last budget of one household. Exactly what
exists is spent, never more; the budget ledger and both sites' stock ledgers agree afterwards."""

import uuid
from functools import partial

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, SaleLine
from grocery.checkout.services import record_sale
from grocery.checkout.till import open_till
from grocery.households.models import BudgetMovement, Household
from grocery.households.services import budget_left
from grocery.sites.context import current_site_id, using_site
from grocery.sites.services import create_site
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import ledger_mismatches
from grocery.timeutil import local_today
from tests.checkout.races import race, till_and_cashier
from tests.factories import make_lot, make_product, make_shopper, make_user

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the in-memory SQLite test database has a single connection")


def test_twenty_sales_at_two_sites_spend_exactly_the_last_budget(app, db):
    """Budget 1000, each sale 300 (three products of 100, in different orders), ten sales at each site's till: three
    sales go through whichever site they are made at, 100 stay, the others are refused over budget; each site's
    lots lost exactly what its own sales took."""
    site_a = current_site_id()
    site_b = create_site(None, name="Antenne Nord").id
    products = [make_product(price_rule="fixed", social_price_cents=100) for _ in range(3)]
    lots = {site_a: [make_lot(product, 50) for product in products]}
    with using_site(site_b):
        lots[site_b] = [make_lot(product, 50) for product in products]
    household, card = make_shopper(budget_cents=1000)
    tills = {site: open_till(make_user(Role.CASHIER), "Caisse 1", float_cents=0, site_id=site).id
             for site in (site_a, site_b)}
    db.session.commit()
    product_ids = [product.id for product in products]  # read here: the threads have sessions of their own
    lot_ids = {site: [lot.id for lot in site_lots] for site, site_lots in lots.items()}
    household_id = household.id

    def sell(till_id, order):
        till, cashier = till_and_cashier(till_id)
        lines = [{"product_id": product_ids[index], "quantity": 1} for index in order]
        sale, _created = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines,
                                     payment={"method": "card"})
        return sale.id

    orders = [(0, 1, 2), (2, 1, 0), (1, 2, 0), (0, 2, 1)]
    jobs = [partial(sell, tills[site_a if n % 2 == 0 else site_b], orders[n % len(orders)]) for n in range(THREADS)]
    made, refused = race(app, jobs)
    assert len(made) == 3
    assert sorted(refused) == ["over_budget"] * (THREADS - 3)
    db.session.expire_all()
    assert budget_left(db.session.get(Household, household_id), local_today()) == 100
    spent = db.session.scalar(select(func.sum(BudgetMovement.amount_cents))
                              .where(BudgetMovement.household_id == household_id))
    paid = db.session.scalar(select(func.sum(Sale.paid_cents)).where(Sale.household_id == household_id))
    assert (spent, paid) == (-900, 900)
    assert ledger_mismatches() == []
    for site in (site_a, site_b):
        sold = db.session.scalar(select(func.coalesce(func.sum(SaleLine.quantity), 0))
                                 .join(Sale, Sale.id == SaleLine.sale_id).where(Sale.site_id == site))
        moved = db.session.scalar(select(func.coalesce(func.sum(StockMovement.quantity), 0))
                                  .where(StockMovement.site_id == site, StockMovement.kind == "sale"))
        on_hand = sum(db.session.get(Lot, lot_id).quantity_on_hand for lot_id in lot_ids[site])
        assert moved == -sold and on_hand == 150 - sold
        # Every line of a site's sale took a lot of that site.
        assert db.session.scalar(select(func.count(SaleLine.id)).join(Sale, Sale.id == SaleLine.sale_id)
                                 .join(Lot, Lot.id == SaleLine.lot_id)
                                 .where(Sale.site_id == site, Lot.site_id != site)) == 0
