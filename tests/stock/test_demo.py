"""The stock demo data loads through the services, on SQLite and PostgreSQL, with a consistent ledger."""

from sqlalchemy import func, select

from grocery.stock.demo import load_stock_demo
from grocery.stock.models import Donor, Lot, Product, ProductBarcode
from grocery.stock.services import expired_lots, ledger_mismatches, near_expiry_lots
from grocery.timeutil import local_today


def test_demo_has_products_donors_and_varied_expiry(db):
    """About 150 products (some with in-store codes), a food bank and FEAD, expired and near-expiry lots."""
    load_stock_demo()
    assert db.session.scalar(select(func.count()).select_from(Product)) >= 150
    assert db.session.scalar(select(func.count()).where(ProductBarcode.is_instore.is_(True))) > 0
    assert {"food_bank", "fead"} <= set(db.session.scalars(select(Donor.kind)))
    assert db.session.scalar(select(func.count()).select_from(Lot)) > 100
    assert expired_lots(local_today()) and near_expiry_lots(local_today(), 7)
    assert ledger_mismatches() == []
    assert "nl" in set(db.session.scalars(select(Donor.preferred_language)))  # a Dutch receipt can be shown
