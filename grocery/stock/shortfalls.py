"""Stock shortfalls: units an offline sale handed over that no lot covered, listed for the stock manager and settled
by the next posted count of the product."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from grocery.checkout.models import Sale, StockShortfall
from grocery.extensions import db
from grocery.sites.context import current_site_id
from grocery.stock.models import Lot, Product
from grocery.timeutil import utcnow


@dataclass
class OpenShortfall:
    product: Product
    quantity: int
    sales: int
    since: datetime


def open_shortfalls(site_id: int | None = None) -> list[OpenShortfall]:
    """Per product, the units offline sales of the site (by default the current one) handed over beyond the stock
    recorded, not yet settled by a count (oldest first): the shelf had them, the records did not; count the
    product to settle them."""
    site_id = site_id or current_site_id()
    rows = db.session.execute(
        select(StockShortfall.product_id, func.sum(StockShortfall.quantity), func.count(StockShortfall.id),
               func.min(StockShortfall.created_at))
        .join(Sale, Sale.id == StockShortfall.sale_id)
        .where(StockShortfall.settled_at.is_(None), Sale.site_id == site_id).group_by(StockShortfall.product_id)
        .order_by(func.min(StockShortfall.created_at))).all()
    products = {product.id: product for product in db.session.scalars(
        select(Product).where(Product.id.in_([row[0] for row in rows])))}
    return [OpenShortfall(products[product_id], int(quantity), int(sales), since)
            for product_id, quantity, sales, since in rows]


def settle_shortfalls(count) -> int:
    """A posted stock count settles the open shortfalls of every product it counted, left by sales of the count's
    site (the count says what is really on that site's shelf, whatever its offline sales took). Returns how many
    were settled."""
    counted = select(Lot.product_id).where(Lot.id.in_([line.lot_id for line in count.lines]))
    site_sales = select(Sale.id).where(Sale.site_id == count.site_id)
    result = db.session.execute(
        update(StockShortfall).where(StockShortfall.settled_at.is_(None), StockShortfall.product_id.in_(counted),
                                     StockShortfall.sale_id.in_(site_sales))
        .values(settled_at=count.posted_at or utcnow(), settled_by_count_id=count.id)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
