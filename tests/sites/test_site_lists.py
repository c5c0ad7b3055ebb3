"""The lists of lots and of till sessions show the current site's only: a user of site A never sees site B's."""

from datetime import timedelta

from grocery.auth.roles import Role
from grocery.checkout.till import open_till
from grocery.settings.models import Setting
from grocery.sites.context import current_site_id, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role
from grocery.stock.services import expired_lots, low_stock, near_expiry_lots, product_lots, stock_on_hand
from grocery.timeutil import local_today
from tests.factories import make_lot, make_product, make_user


def _two_sites_with_stock_and_tills(db):
    admin = make_user(Role.ADMIN)
    db.session.add(Setting(key="checkout.till_names", value="Caisse Centre\nCaisse Nord"))
    site_a = current_site_id()
    site_b = create_site(admin, name="Antenne Nord").id
    today = local_today()
    product = make_product(name="Riz 1 kg", low_stock_threshold=5)
    lot_a = make_lot(product, 3, lot_number="LOT-CENTRE", best_before_on=today + timedelta(days=3))
    with using_site(site_b):
        lot_b = make_lot(product, 40, lot_number="LOT-NORD", best_before_on=today + timedelta(days=3))
        gone_b = make_lot(product, 2, lot_number="LOT-NORD-PERIME", use_by_on=today - timedelta(days=1))
    open_till(admin, "Caisse Centre", float_cents=0, site_id=site_a)
    open_till(admin, "Caisse Nord", float_cents=0, site_id=site_b)
    return site_a, site_b, product, lot_a, lot_b, gone_b


def test_stock_lists_count_only_the_sites_lots(db):
    """Do the stock lists (stock on hand, low stock, near expiry, expired, a product's lots) count only the lots of
    the site they are asked for?"""
    site_a, site_b, product, lot_a, lot_b, gone_b = _two_sites_with_stock_and_tills(db)
    today = local_today()
    on_hand = {row.product.id: row.quantity for row in stock_on_hand(site_id=site_a)}
    assert on_hand[product.id] == 3
    assert {row.product.id: row.quantity for row in stock_on_hand(site_id=site_b)}[product.id] == 42
    assert [row.product.id for row in low_stock(site_id=site_a)] == [product.id]
    assert low_stock(site_id=site_b) == []
    assert near_expiry_lots(today, 30, site_id=site_a) == [lot_a]
    assert near_expiry_lots(today, 30, site_id=site_b) == [lot_b]
    assert expired_lots(today, site_id=site_a) == []
    assert expired_lots(today, site_id=site_b) == [gone_b]
    assert product_lots(product, site_id=site_a) == [lot_a]
    # Without a site: the current one (the first, outside a request).
    assert product_lots(product) == [lot_a]


def test_a_user_of_site_a_sees_neither_the_lots_nor_the_tills_of_site_b(client, db, login):
    """A coordinator who works at site A only: the stock pages and the till sessions list show A's lots and tills,
    nothing of B's."""
    site_a, _site_b, product, _lot_a, _lot_b, _gone = _two_sites_with_stock_and_tills(db)
    coordinator = login(Role.COORDINATOR)
    grant_site_role(None, coordinator, db.session.get(Site, site_a), "coordinator")
    db.session.commit()
    near = client.get("/stock/near-expiry?days=30").get_data(as_text=True)
    assert "LOT-CENTRE" in near and "LOT-NORD" not in near
    expired = client.get("/stock/expired").get_data(as_text=True)
    assert "LOT-NORD-PERIME" not in expired
    lots = client.get(f"/stock/products/{product.id}").get_data(as_text=True)
    assert "LOT-CENTRE" in lots and "LOT-NORD" not in lots
    sessions = client.get("/till/sessions").get_data(as_text=True)
    assert "Caisse Centre" in sessions and "Caisse Nord" not in sessions
