"""Stock ledger and FEFO: movements, lots sellable on a day and their allocation, the till's stock reads.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, and_, bindparam, case, func, or_, select, type_coerce, update

from grocery.dbutil import rows_plain, run, run_plain
from grocery.errors import InsufficientStock, ValidationError
from grocery.extensions import db
from grocery.stock.models import (
    MOVEMENT_KINDS,
    Lot,
    Product,
    ProductCategory,
    StockMovement,
    weight_of,
)
from grocery.stock.services.quantities import format_quantity
from grocery.timeutil import utcnow

# --- ledger -------------------------------------------------------------------------------------------------------


def record_movement(lot: Lot, quantity_delta: int, kind: str, *, actor, reason: str | None = None,
                    reference: str | None = None, donation=None, count=None,
                    weight_g: int | None = None) -> StockMovement:
    """Append a movement to the ledger and move the lot's cached quantity with one conditional UPDATE, so that
    concurrent decrements never take a lot below zero (InsufficientStock when they would)."""
    if kind not in MOVEMENT_KINDS:
        raise ValidationError("kind", _l("Unknown movement kind."))
    if not isinstance(quantity_delta, int) or quantity_delta == 0:
        raise ValidationError("quantity", _l("The quantity must be more than zero."))
    db.session.flush()
    result = db.session.execute(
        update(Lot)
        .where(Lot.id == lot.id, Lot.quantity_on_hand + quantity_delta >= 0)
        .values(quantity_on_hand=Lot.quantity_on_hand + quantity_delta)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(lot, ["quantity_on_hand"])
    if result.rowcount != 1:
        raise InsufficientStock(
            _l("Not enough stock in this lot: %(available)s available.",
               available=format_quantity(lot.product, lot.quantity_on_hand)),
            available=lot.quantity_on_hand,
        )
    if weight_g is None:
        weight_g = _signed_weight(lot.product, quantity_delta)
    movement = StockMovement(
        lot_id=lot.id, site_id=lot.site_id, kind=kind, quantity=quantity_delta, weight_g=weight_g, reason=reason,
        actor_id=getattr(actor, "id", None), reference=reference,
        donation_id=getattr(donation, "id", None), count_id=getattr(count, "id", None),
    )
    db.session.add(movement)
    db.session.flush()
    return movement


def ledger_mismatches(site_id: int | None = None) -> list[tuple[int, int, int]]:
    """Lots (of the site, or of every site) whose cached quantity differs from the sum of their movements: (lot id,
    cached, sum)."""
    total = func.coalesce(func.sum(StockMovement.quantity), 0)
    query = (select(Lot.id, Lot.quantity_on_hand, total)
             .outerjoin(StockMovement, StockMovement.lot_id == Lot.id)
             .group_by(Lot.id, Lot.quantity_on_hand)
             .having(total != Lot.quantity_on_hand)
             .order_by(Lot.id))
    if site_id is not None:
        query = query.where(Lot.site_id == site_id)
    return [(lot_id, cached, int(summed)) for lot_id, cached, summed in db.session.execute(query)]


def misplaced_movements(site_id: int | None = None) -> list[tuple[int, int, int, int]]:
    """Movements written on another site than their lot's (a movement never crosses sites: a transfer is one
    movement out at the sending site and one in at the receiving site): (movement id, lot id, the movement's site,
    the lot's site), of the lots of the site or of every site."""
    query = (select(StockMovement.id, Lot.id, StockMovement.site_id, Lot.site_id)
             .join(Lot, Lot.id == StockMovement.lot_id).where(StockMovement.site_id != Lot.site_id)
             .order_by(StockMovement.id))
    if site_id is not None:
        query = query.where(or_(Lot.site_id == site_id, StockMovement.site_id == site_id))
    return [tuple(row) for row in db.session.execute(query)]


# --- FEFO ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    lot: Lot
    quantity: int
    #: The lot is past its best-before date (DDM): it may be sold, the cashier says so.
    past_best_before: bool


def fefo_sort_key(use_by_on: date | None, best_before_on: date | None, received_on: date, lot_id: int):
    """FEFO order: the earliest of the use-by and best-before dates first (lots without a date last), then the
    oldest reception, then the lot id."""
    dates = [d for d in (use_by_on, best_before_on) if d is not None]
    expiry = min(dates) if dates else None
    return (expiry is None, expiry or date.max, received_on, lot_id)


def _fefo_key(lot: Lot):
    return fefo_sort_key(lot.use_by_on, lot.best_before_on, lot.received_on, lot.id)


def _site(site_id: int | None) -> int:
    """The site whose lots are sold: the one given (the till session's), else the current site."""
    if site_id is not None:
        return site_id
    from grocery.sites.context import current_site_id

    return current_site_id()


@cache
def _sellable_lots_in_fefo_order():
    # Every sellable lot of a site, by product and in FEFO order: a product's first row is the lot sold next.
    return (select(Lot.product_id, Lot.quantity_on_hand, Lot.source)
            .where(_sellable(bindparam("day"), bindparam("site_id")))
            .order_by(Lot.product_id, *_fefo_order()))


def sellable_summary(day: date, *, site_id: int | None = None) -> dict[int, tuple[int, str]]:
    """Per product id: sellable base units at the site (the till's; by default the current site) and the source of
    the lot FEFO would sell next, from one plain read of the site's sellable lots in FEFO order (measured: half the
    time of an aggregate plus a read of the lots)."""
    summary: dict[int, tuple[int, str]] = {}
    for product_id, quantity, source in rows_plain(_sellable_lots_in_fefo_order(),
                                                   {"day": day, "site_id": _site(site_id)}):
        known = summary.get(product_id)
        summary[product_id] = (quantity, source) if known is None else (known[0] + quantity, known[1])
    return summary


class LotRow(NamedTuple):
    """A sellable lot as FEFO reads it: a plain row, not an ORM object."""

    id: int
    product_id: int
    source: str
    quantity_on_hand: int
    #: The lot is past its best-before date (DDM) on the day asked.
    past_best_before: bool


class TillProduct(NamedTuple):
    """A product as the till prices it: the columns rule_price_cents, unit_price_cents, weight_of,
    format_quantity and the quota rules read."""

    id: int
    name: str
    unit_kind: str
    net_weight_g: int | None
    retail_price_cents: int
    price_rule: str
    social_price_cents: int | None
    social_percent: int | None
    quota_quantity: int | None
    quota_scope: str | None
    quota_period: str | None
    is_active: bool
    category_percent: int
    #: The product's category and its quota rule (grocery.checkout.services: category quotas).
    category_id: int
    category_name: str
    category_quota_quantity: int | None
    category_quota_scope: str | None
    category_quota_period: str | None


def _sellable(day, site_id):
    """The sellable condition shared by the till (card, quote, sale), the catalogue snapshot and
    sellable_quantities: a lot of the site (a till sells only its own site's stock), stock on hand, not past the
    use-by date (DLC), and not waiting for a stock manager's decision past the best-before date (DDM) and its grace
    days (Lot.ddm_hold_from, see grocery.stock.ddm)."""
    return and_(Lot.site_id == site_id, Lot.quantity_on_hand > 0, or_(Lot.use_by_on.is_(None), Lot.use_by_on >= day),
                or_(Lot.ddm_hold_from.is_(None), Lot.ddm_hold_from > day))


def _fefo_order(lots=Lot):
    """FEFO order in SQL, as fefo_sort_key: the earliest of the use-by and best-before dates (lots without a date
    last), then the oldest reception, then the lot id (of the lots table, or of a selection of its columns)."""
    lots = getattr(lots, "c", lots)
    expiry = case((lots.use_by_on.is_(None), lots.best_before_on), (lots.best_before_on.is_(None), lots.use_by_on),
                  (lots.use_by_on < lots.best_before_on, lots.use_by_on), else_=lots.best_before_on)
    return expiry.asc().nulls_last(), lots.received_on, lots.id


def _lot_columns(day, lots=Lot):
    lots = getattr(lots, "c", lots)
    past = and_(lots.best_before_on.is_not(None), lots.best_before_on < day)
    return lots.id, lots.product_id, lots.source, lots.quantity_on_hand, type_coerce(past, Boolean)


TILL_PRODUCT_COLUMNS = (Product.id, Product.name, Product.unit_kind, Product.net_weight_g, Product.retail_price_cents,
                        Product.price_rule, Product.social_price_cents, Product.social_percent,
                        Product.quota_quantity, Product.quota_scope, Product.quota_period, Product.is_active,
                        ProductCategory.default_social_percent, Product.category_id, ProductCategory.name,
                        ProductCategory.quota_quantity, ProductCategory.quota_scope, ProductCategory.quota_period)


class TillQueries(NamedTuple):
    """The till's stock statements, built once."""

    sellable_lots: object
    products_with_lots: object
    #: The same, for a sale on PostgreSQL: the sellable lots locked first, in lot id order.
    products_with_locked_lots: object
    quota_products: object


@cache
def _till_queries() -> TillQueries:
    day, site_id = bindparam("day"), bindparam("site_id")
    lots = (select(*_lot_columns(day)).where(Lot.product_id.in_(bindparam("product_ids", expanding=True)),
                                             _sellable(day, site_id)).order_by(Lot.product_id, *_fefo_order()))
    products = select(*TILL_PRODUCT_COLUMNS).join(ProductCategory, ProductCategory.id == Product.category_id)
    # Products with their sellable lots in FEFO order (none: one row with NULL lot columns), in one statement.
    with_lots = (products.add_columns(*_lot_columns(day))
                 .outerjoin(Lot, and_(Lot.product_id == Product.id, _sellable(day, site_id)))
                 .where(Product.id.in_(bindparam("product_ids", expanding=True)))
                 .order_by(Product.id, *_fefo_order()))
    # A sale on PostgreSQL locks the sellable lots of its products (FOR NO KEY UPDATE, as an UPDATE of their
    # quantity does; the foreign keys of other sales' lines still pass) in one global order, the lot id, whatever
    # the cart's order: two sales never wait for each other in a cycle. The CTE returns each lot as it is once
    # locked (READ COMMITTED re-reads a row changed meanwhile and drops it if it no longer has stock), so FEFO
    # allocates from the lots as they are at the moment of the write.
    locked = (select(Lot.id, Lot.product_id, Lot.source, Lot.quantity_on_hand, Lot.use_by_on, Lot.best_before_on,
                     Lot.received_on)
              .where(Lot.product_id.in_(bindparam("product_ids", expanding=True)), _sellable(day, site_id))
              .order_by(Lot.id).with_for_update(key_share=True).cte("locked_lots").prefix_with("MATERIALIZED"))
    with_locked_lots = (products.add_columns(*_lot_columns(day, locked))
                        .outerjoin(locked, locked.c.product_id == Product.id)
                        .where(Product.id.in_(bindparam("product_ids", expanding=True)))
                        .order_by(Product.id, *_fefo_order(locked)))
    quota = products.where(Product.quota_quantity.is_not(None), Product.is_active.is_(True)).order_by(Product.name)
    return TillQueries(sellable_lots=lots, products_with_lots=with_lots, products_with_locked_lots=with_locked_lots,
                       quota_products=quota)


def _sellable_lots(product_ids: list[int], day: date, *, site_id: int | None = None) -> dict[int, list[LotRow]]:
    """Sellable lots (_sellable) of the given products at the site (by default the current site), in FEFO order,
    in one query."""
    db.session.flush()  # lots added through the ORM count
    lots: dict[int, list[LotRow]] = {product_id: [] for product_id in product_ids}
    for row in run(_till_queries().sellable_lots, {"product_ids": list(product_ids), "day": day,
                                                   "site_id": _site(site_id)}):
        lots[row[1]].append(LotRow(*row))
    return lots


def till_products_with_lots(product_ids: list[int], day: date, *, lock: bool = False,
                            site_id: int | None = None) -> tuple[dict[int, TillProduct], dict[int, list]]:
    """The products with these ids (absent ids are missing from the first dict) and their sellable lots at the
    site (the till session's; by default the current site) in FEFO order, for allocate_fefo_many: one statement for
    a whole sale. With lock (a sale), on PostgreSQL the lots are
    locked in lot id order and read as they are once locked (SQLite: the write transaction already serialises
    writers, dbutil.begin_write)."""
    db.session.flush()
    products: dict[int, TillProduct] = {}
    lots: dict[int, list[LotRow]] = {}
    width = len(TILL_PRODUCT_COLUMNS)
    queries = _till_queries()
    locking = lock and db.session.get_bind().dialect.name != "sqlite"
    query = queries.products_with_locked_lots if locking else queries.products_with_lots
    for row in run(query, {"product_ids": list(product_ids), "day": day, "site_id": _site(site_id)}):
        if row[0] not in products:
            products[row[0]] = TillProduct(*row[:width])
            lots[row[0]] = []
        if row[width] is not None:
            lots[row[0]].append(LotRow(*row[width:]))
    return products, lots


def till_quota_products() -> list[TillProduct]:
    """The active products with a quota rule, by name."""
    db.session.flush()
    return [TillProduct(*row) for row in run(_till_queries().quota_products)]


def allocate_fefo_many(wanted: list[tuple[Product, int]], day: date,
                       lots_by_product: dict[int, list] | None = None, *,
                       site_id: int | None = None) -> dict[int, list[Allocation]]:
    """FEFO allocation of several products at once from the lots of one site (one query for all their lots,
    unless the caller read them with till_products_with_lots); same rules as allocate_fefo. Raises
    InsufficientStock for the first product that lacks stock at the site."""
    for _product, quantity in wanted:
        if quantity <= 0:
            raise ValidationError("quantity", _l("The quantity must be more than zero."))
    if lots_by_product is None:
        lots_by_product = _sellable_lots([product.id for product, _q in wanted], day, site_id=site_id)
    result: dict[int, list[Allocation]] = {}
    for product, quantity in wanted:
        allocations: list[Allocation] = []
        remaining = quantity
        lots = lots_by_product[product.id]
        for lot in lots:
            take = min(remaining, lot.quantity_on_hand)
            allocations.append(Allocation(lot, take, bool(lot.past_best_before)))
            remaining -= take
            if remaining == 0:
                break
        if remaining:
            available = sum(lot.quantity_on_hand for lot in lots)
            raise InsufficientStock(
                _l("Not enough “%(name)s” in stock: %(available)s available.", name=product.name,
                   available=format_quantity(product, available)),
                available=available, product_id=product.id,
            )
        result[product.id] = allocations
    return result


def allocate_fefo(product: Product, quantity: int, day: date, *, site_id: int | None = None) -> list[Allocation]:
    """Choose lots of the site (by default the current site) for a quantity, first expired first out: lots past
    their use-by date are skipped, lots past their best-before date are allowed and flagged; earliest expiry first,
    then oldest reception. Reads only."""
    return allocate_fefo_many([(product, quantity)], day, site_id=site_id)[product.id]


@cache
def _insert_movements():
    return StockMovement.__table__.insert()


@cache
def _move_lot_query():
    """Move one lot's cached quantity, only if it stays at zero or more (run once per lot, as an executemany)."""
    delta = bindparam("delta")
    return (Lot.__table__.update().where(Lot.id == bindparam("lot_id"), Lot.quantity_on_hand + delta >= 0)
            .values(quantity_on_hand=Lot.quantity_on_hand + delta))


def record_movements(changes: list[tuple[int, object, int]], kind: str, *, site_id: int, actor_id: int | None,
                     reason: str | None = None, reference: str | None = None) -> None:
    """Append one movement per (lot id, product, signed quantity) and move the lots' cached quantities with one
    conditional UPDATE per lot, sent as one executemany: if any lot would go below zero, InsufficientStock is raised
    and the caller rolls the transaction back. The bulk form of record_movement, for a sale's or a return's lines;
    the product (an ORM object or a till product row) gives the weight; every lot is of the site `site_id` (the
    sale's, its till session's), written on the movements without reading the lots. (Measured: an INSERT ... SELECT
    from the sale's lines or an UPDATE ... FROM them is slower on SQLite than these two executemany.)"""
    if kind not in MOVEMENT_KINDS:
        raise ValidationError("kind", _l("Unknown movement kind."))
    deltas: dict[int, int] = {}
    for lot_id, _product, quantity_delta in changes:
        if not isinstance(quantity_delta, int) or quantity_delta == 0:
            raise ValidationError("quantity", _l("The quantity must be more than zero."))
        deltas[lot_id] = deltas.get(lot_id, 0) + quantity_delta
    if not deltas:
        return
    db.session.flush()  # pending ORM changes first (a refund's lines)
    # In lot id order, the order in which a sale locks its lots: two writers never wait for each other in a cycle.
    moved = run_plain(_move_lot_query(), [{"lot_id": lot_id, "delta": delta}
                                          for lot_id, delta in sorted(deltas.items())]).rowcount
    if moved != len(deltas):
        short = db.session.execute(select(Lot.id, Lot.quantity_on_hand).where(Lot.id.in_(list(deltas)))).all()
        lot_id, available = next(((i, q) for i, q in short if q + deltas[i] < 0), short[0])
        product = next(p for i, p, _q in changes if i == lot_id)
        raise InsufficientStock(
            _l("Not enough stock in this lot: %(available)s available.",
               available=format_quantity(product, available)),
            available=available,
        )
    # Lots loaded in this session read their quantity again (a few objects at most: the till's path loads none).
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, Lot):
            db.session.expire(loaded, ["quantity_on_hand"])
    values = {"site_id": site_id, "kind": kind, "reason": reason, "actor_id": actor_id, "reference": reference,
              "occurred_at": utcnow()}
    run_plain(_insert_movements(), [
        {**values, "lot_id": lot_id, "quantity": quantity_delta, "weight_g": _signed_weight(product, quantity_delta)}
        for lot_id, product, quantity_delta in changes
    ])


def _signed_weight(product, quantity_delta: int) -> int | None:
    weight = weight_of(product, abs(quantity_delta))
    return None if weight is None else (weight if quantity_delta > 0 else -weight)


def sellable_quantities(day: date, *, site_id: int | None = None) -> dict[int, int]:
    """Sellable base units per product id at the site (by default the current site): lots with stock, not past
    their use-by date, not waiting for a DDM decision; in one query."""
    rows = db.session.execute(
        select(Lot.product_id, func.sum(Lot.quantity_on_hand))
        .where(_sellable(day, _site(site_id)))
        .group_by(Lot.product_id)
    )
    return {product_id: int(total) for product_id, total in rows}
