"""Stock counts: counted quantities posted as count movements.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from grocery.audit.services import record_event
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.i18n import sort_key
from grocery.stock.models import (
    Lot,
    Product,
    ProductCategory,
    StockCount,
    StockCountLine,
    StockMovement,
)
from grocery.stock.services.ledger import _fefo_key, record_movement
from grocery.timeutil import utcnow

# --- counts -------------------------------------------------------------------------------------------------------


def open_count(actor, category: ProductCategory | None = None) -> StockCount:
    """Open a stock count of the whole stock or of one category, at the current site: it covers that site's lots
    only."""
    count = StockCount(category_id=getattr(category, "id", None), opened_by_id=getattr(actor, "id", None))
    db.session.add(count)
    db.session.flush()
    record_event(actor, "stock.count_open", count, {"category": getattr(category, "name", None)})
    return count


def _require_open(count: StockCount) -> None:
    if count.status != "open":
        raise Conflict(_l("This count is closed: open a new one."))


def count_lots(count: StockCount) -> list[Lot]:
    """The lots in the scope of a count: those of its site with stock in its category, and those already counted."""
    counted_ids = select(StockCountLine.lot_id).where(StockCountLine.count_id == count.id)
    query = select(Lot).join(Product).where(Lot.site_id == count.site_id,
                                            or_(Lot.quantity_on_hand > 0, Lot.id.in_(counted_ids)))
    if count.category_id is not None:
        query = query.where(Product.category_id == count.category_id)
    lots = db.session.scalars(query).all()
    return sorted(lots, key=lambda lot: (sort_key(lot.product.name), _fefo_key(lot)))


def set_count_line(count: StockCount, lot: Lot, counted: int) -> StockCountLine:
    """Record the counted quantity of a lot of the count's site in an open count (a negative count, or a lot of
    another site, is refused)."""
    _require_open(count)
    if lot.site_id != count.site_id:
        raise ValidationError("counted", _l("This lot is not in the stock of this count's site."))
    if counted is None or counted < 0:
        raise ValidationError("counted", _l("A counted quantity cannot be negative."))
    if count.category_id is not None and lot.product.category_id != count.category_id:
        raise ValidationError("counted", _l("This lot is not in the category of this count."))
    line = db.session.scalar(select(StockCountLine).where(StockCountLine.count_id == count.id,
                                                          StockCountLine.lot_id == lot.id))
    if line is None:
        line = StockCountLine(count_id=count.id, lot_id=lot.id, counted=counted)
        db.session.add(line)
    else:
        line.counted = counted
    db.session.flush()
    return line


def post_count(actor, count: StockCount, reason: str) -> list[StockMovement]:
    """Post an open count: for each counted lot (and only those, all of the count's site), a count movement for
    counted - on hand, written on that site; the open stock shortfalls of the counted products left by the site's
    sales are settled (grocery.stock.shortfalls)."""
    _require_open(count)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", _l("Give the reason of the differences (e.g. monthly inventory)."))
    movements = []
    for line in count.lines:
        db.session.refresh(line.lot, ["quantity_on_hand"])
        line.expected = line.lot.quantity_on_hand
        difference = line.counted - line.expected
        if difference:
            movements.append(record_movement(line.lot, difference, "count", actor=actor, reason=reason[:200],
                                             count=count))
    count.status = "posted"
    count.reason = reason[:200]
    count.posted_at = utcnow()
    count.posted_by_id = getattr(actor, "id", None)
    db.session.flush()
    from grocery.stock.shortfalls import settle_shortfalls

    settled = settle_shortfalls(count)  # the count says what is on the shelf: offline sales' shortfalls are settled
    record_event(actor, "stock.count_post", count, {"lines": len(count.lines), "adjusted": len(movements),
                                                    "shortfalls_settled": settled})
    return movements
