"""Low-stock thresholds per site: a site may override the installation's threshold of a product.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.audit.services import record_event
from grocery.errors import ValidationError
from grocery.extensions import db
from grocery.sites.context import current_site_id
from grocery.stock.models import Product, SiteProductThreshold

#: The largest threshold accepted (base units: 10 tonnes, 10,000 litres or 10 million pieces).
MAX_THRESHOLD = 10_000_000


def site_thresholds(site_id: int | None = None) -> dict[int, int]:
    """The site's own low-stock thresholds (by default the current site's), per product id."""
    site_id = site_id or current_site_id()
    return dict(db.session.execute(select(SiteProductThreshold.product_id, SiteProductThreshold.low_stock_threshold)
                                   .where(SiteProductThreshold.site_id == site_id)).all())


def site_threshold(product: Product, site_id: int | None = None) -> int | None:
    """The site's own threshold for the product, or None when the site follows the product's."""
    site_id = site_id or current_site_id()
    return db.session.scalar(select(SiteProductThreshold.low_stock_threshold).where(
        SiteProductThreshold.site_id == site_id, SiteProductThreshold.product_id == product.id))


def set_site_threshold(actor, product: Product, threshold: int | None, *, site_id: int | None = None) -> bool:
    """Give the site (by default the current one) its own low-stock threshold for the product, in base units, or
    with None follow the product's threshold again. A threshold is zero (never low) or more. Returns whether
    anything changed; a change is audited."""
    site_id = site_id or current_site_id()
    if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
        raise ValidationError("site_threshold", _l("A threshold is zero or more, or left empty to follow the "
                                                   "product's threshold."))
    row = db.session.scalar(select(SiteProductThreshold).where(SiteProductThreshold.site_id == site_id,
                                                               SiteProductThreshold.product_id == product.id))
    before = None if row is None else row.low_stock_threshold
    if before == threshold:
        return False
    if threshold is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(SiteProductThreshold(site_id=site_id, product_id=product.id, low_stock_threshold=threshold))
    else:
        row.low_stock_threshold = threshold
    db.session.flush()
    from grocery.sites.models import Site

    record_event(actor, "stock.site_threshold", product, {
        "site": db.session.get(Site, site_id).name, "before": before, "after": threshold,
        "product_threshold": product.low_stock_threshold})
    return True
