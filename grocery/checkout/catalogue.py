"""The catalogue snapshot the till loads once: products, barcodes, estimated social price, retail price,
availability and quota rules, in a compact row format."""

from datetime import date
from types import SimpleNamespace

from sqlalchemy import case, func, or_, select

from grocery.barcodes import (
    PREFIX_HOUSEHOLD_CARD,
    PREFIX_PRICE_LABEL,
    PREFIX_VOLUNTEER_BADGE,
    PREFIX_WEIGHT_LABEL,
)
from grocery.extensions import db

FIELDS = ["id", "name", "category_id", "unit", "price_cents", "retail_cents", "available", "quota_quantity",
          "quota_scope", "quota_period", "item_ref"]


def _next_lot_sources(day: date) -> dict[int, str]:
    """The source of the lot FEFO would sell next, per product, in one query (a window function)."""
    from grocery.stock.models import Lot

    # The earliest of the use-by and best-before dates, as Lot.expires_on computes it.
    expiry = case((Lot.use_by_on.is_(None), Lot.best_before_on), (Lot.best_before_on.is_(None), Lot.use_by_on),
                  (Lot.use_by_on < Lot.best_before_on, Lot.use_by_on), else_=Lot.best_before_on)
    ranked = (
        select(Lot.product_id, Lot.source,
               func.row_number().over(partition_by=Lot.product_id,
                                      order_by=(expiry.is_(None), expiry, Lot.received_on, Lot.id)).label("rank"))
        .where(Lot.quantity_on_hand > 0, or_(Lot.use_by_on.is_(None), Lot.use_by_on >= day))
        .subquery()
    )
    return dict(db.session.execute(select(ranked.c.product_id, ranked.c.source).where(ranked.c.rank == 1)).all())


def catalogue_snapshot(day: date) -> dict:
    """Active products with their barcodes and the price of the next unit the till would sell; a fixed number of
    queries whatever the size of the catalogue."""
    from grocery.stock.models import Product, ProductBarcode, ProductCategory
    from grocery.stock.services import rule_price_cents, sellable_quantities, unit_price_cents

    available = sellable_quantities(day)
    sources = _next_lot_sources(day)
    rows = []
    products = db.session.scalars(select(Product).where(Product.is_active.is_(True)).order_by(Product.name)).all()
    for product in products:
        source = sources.get(product.id)
        # unit_price_cents reads only the lot's source: the next lot's source is enough here.
        price = unit_price_cents(product, SimpleNamespace(source=source)) if source else rule_price_cents(product)
        rows.append([product.id, product.name, product.category_id, product.unit_kind, price,
                     product.retail_price_cents, available.get(product.id, 0), product.quota_quantity,
                     product.quota_scope, product.quota_period, product.item_number])
    barcodes = dict(db.session.execute(
        select(ProductBarcode.code, ProductBarcode.product_id).join(Product).where(Product.is_active.is_(True))).all())
    categories = db.session.execute(select(ProductCategory.id, ProductCategory.name).where(
        ProductCategory.is_active.is_(True)).order_by(ProductCategory.sort_order, ProductCategory.name)).all()
    return {
        "day": day.isoformat(),
        "fields": FIELDS,
        "products": rows,
        "barcodes": barcodes,
        "categories": [list(row) for row in categories],
        "prefixes": {"household_card": PREFIX_HOUSEHOLD_CARD, "volunteer_badge": PREFIX_VOLUNTEER_BADGE,
                     "weight_label": PREFIX_WEIGHT_LABEL, "price_label": PREFIX_PRICE_LABEL},
    }
