"""Stock lists: stock on hand, low stock, lots near or past their dates.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from grocery.extensions import db
from grocery.settings.services import get_setting
from grocery.sites.context import current_site_id
from grocery.stock.models import (
    Lot,
    Product,
    ProductCategory,
)
from grocery.stock.services.ledger import _fefo_key
from grocery.stock.services.pricing import retail_value_cents

# --- lists --------------------------------------------------------------------------------------------------------


@dataclass
class StockRow:
    product: Product
    quantity: int
    weight_g: int | None
    retail_cents: int
    #: The low-stock threshold that applies at the site (low_stock fills it).
    threshold: int | None = None


def stock_on_hand(category_id: int | None = None, *, site_id: int | None = None) -> list[StockRow]:
    """Quantity on hand per active product (units, weight, retail value) at the site (by default the current
    one), ordered by category and name."""
    total = func.coalesce(func.sum(Lot.quantity_on_hand), 0)
    site_id = site_id or current_site_id()
    query = (select(Product, total).outerjoin(Lot, and_(Lot.product_id == Product.id, Lot.site_id == site_id))
             .join(ProductCategory, ProductCategory.id == Product.category_id)
             .where(Product.is_active.is_(True)).group_by(Product.id, ProductCategory.id)
             .order_by(ProductCategory.sort_order, ProductCategory.name, Product.name))
    if category_id:
        query = query.where(Product.category_id == category_id)
    return [StockRow(product, int(quantity), product.weight_g(int(quantity)),
                     retail_value_cents(product, int(quantity)))
            for product, quantity in db.session.execute(query).unique()]


def low_stock(category_id: int | None = None, *, site_id: int | None = None) -> list[StockRow]:
    """Active products with a threshold whose quantity on hand at the site is below it: the site's own threshold
    when it set one (grocery.stock.services.thresholds), else the product's."""
    from grocery.stock.services.thresholds import site_thresholds

    site_id = site_id or current_site_id()
    own = site_thresholds(site_id)
    rows = []
    for row in stock_on_hand(category_id, site_id=site_id):
        row.threshold = own.get(row.product.id, row.product.low_stock_threshold)
        if row.threshold and row.quantity < row.threshold:
            rows.append(row)
    return rows


def near_expiry_lots(day: date, days: int | None = None, *, site_id: int | None = None) -> list[Lot]:
    """Lots of the site (by default the current one) with stock whose use-by or best-before date falls within the
    next `days` days (setting)."""
    if days is None:
        days = get_setting("stock.near_expiry_days")
    end = day + timedelta(days=days)
    lots = db.session.scalars(select(Lot).where(
        Lot.site_id == (site_id or current_site_id()), Lot.quantity_on_hand > 0,
        or_(and_(Lot.use_by_on >= day, Lot.use_by_on <= end),
            and_(Lot.best_before_on >= day, Lot.best_before_on <= end)),
    )).all()
    return sorted(lots, key=_fefo_key)


def expired_lots(day: date, *, site_id: int | None = None) -> list[Lot]:
    """Lots of the site (by default the current one) with stock past their use-by date: they must not be sold and
    are offered for discard."""
    lots = db.session.scalars(select(Lot).where(Lot.site_id == (site_id or current_site_id()),
                                                Lot.quantity_on_hand > 0, Lot.use_by_on < day)).all()
    return sorted(lots, key=_fefo_key)


def product_lots(product: Product, *, site_id: int | None = None) -> list[Lot]:
    """The product's lots with stock at the site (by default the current one), in FEFO order."""
    lots = db.session.scalars(select(Lot).where(Lot.site_id == (site_id or current_site_id()),
                                                Lot.product_id == product.id, Lot.quantity_on_hand > 0)).all()
    return sorted(lots, key=_fefo_key)
