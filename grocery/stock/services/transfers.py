"""Stock transfers between the sites of one installation: quantities of lots sent from the current site to another.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from grocery.audit.services import record_event
from grocery.errors import FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.sites.context import current_site_id
from grocery.sites.models import Site
from grocery.stock.models import Lot, StockMovement, StockTransfer, StockTransferLine
from grocery.stock.services.ledger import record_movement
from grocery.stock.services.quantities import format_quantity, parse_quantity
from grocery.timeutil import local_today

#: The most lines one transfer holds (a van load; a form beyond it is not one a person filled in).
MAX_LINES = 200


class NotAllowed(GroceryError):
    """The user does not manage the stock of the sending site."""

    code = "forbidden"
    status = 403


def line_field(index: int) -> str:
    """The form field a refusal of the transfer's line `index` (from 0) is shown next to."""
    return f"line-{index}"


def check_transfer_line(lot: Lot | None, quantity: int | str | None, *, from_site_id: int, day: date,
                        field: str = "quantity", already: int = 0) -> int:
    """The base units of a line to send from `lot`, checked: a lot of the sending site (none other's), not past
    its use-by date, a quantity above zero and within what the lot holds (minus `already`, what other lines of the
    same transfer take from it). Writes nothing."""
    if lot is None or lot.site_id != from_site_id:
        raise ValidationError(field, _l("This lot is not in this site's stock: choose one of the lots offered."))
    if lot.use_by_on is not None and lot.use_by_on < day:
        raise ValidationError(field, _l("“%(name)s”: this lot is past its use-by date and cannot be sent. Discard "
                                        "it from the expired lots.", name=lot.product.name))
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        amount = quantity
        if amount <= 0:
            raise ValidationError(field, _l("The quantity must be more than zero."))
    else:
        amount = parse_quantity(lot.product, quantity, field=field)
    left = lot.quantity_on_hand - already
    if amount > left:
        raise ValidationError(field, _l("“%(name)s”: only %(available)s left in this lot.", name=lot.product.name,
                                        available=format_quantity(lot.product, max(left, 0))))
    return amount


def check_destination(to_site: Site | None, from_site_id: int) -> None:
    """The receiving site: another active site of the installation."""
    if to_site is None:
        raise ValidationError("to_site_id", _l("Choose the site the goods go to."))
    if to_site.id == from_site_id:
        raise ValidationError("to_site_id", _l("The goods are already at this site: choose another site."))
    if not to_site.is_active:
        raise ValidationError("to_site_id", _l("The site “%(name)s” is closed: choose an open site.",
                                               name=to_site.name))


def transfer_stock(actor, to_site: Site | None, lines: list[tuple[Lot | None, int | str | None]], *,
                   note: str = "", day: date | None = None, from_site_id: int | None = None) -> StockTransfer:
    """Send quantities of lots of the current site (or `from_site_id`) to another active site, in the caller's
    transaction: for each line, a transfer movement out of the lot and a new lot at the receiving site keeping the
    product, the use-by and best-before dates, the received date, the source, the donation and the cost, filled by
    a transfer movement in. Only a stock manager, coordinator or administrator of the sending site sends. Refused,
    with every wrong line at once and nothing written: the same, a closed or an unknown site; no line; a lot of
    another site or past its use-by date; a quantity of zero, negative or above what the lot holds."""
    from grocery.sites.services import role_at
    from grocery.stock import STOCK_ROLES

    day = day or local_today()
    from_site_id = from_site_id or current_site_id()
    if actor is not None and role_at(actor, from_site_id) not in STOCK_ROLES:
        raise NotAllowed(_l("Only the stock managers, coordinators and administrators of this site send its goods "
                            "to another site."))
    errors = FieldErrors()
    with errors.collect():
        check_destination(to_site, from_site_id)
    if not lines:
        errors.add(None, _l("Add at least one lot to send."))
    elif len(lines) > MAX_LINES:
        errors.add(None, _l("A transfer holds at most %(num)d lines: send the rest in another one.", num=MAX_LINES))
    amounts: list[int] = []
    taken: dict[int, int] = {}
    for index, (lot, quantity) in enumerate(lines[:MAX_LINES]):
        with errors.collect():
            amount = check_transfer_line(lot, quantity, from_site_id=from_site_id, day=day, field=line_field(index),
                                         already=taken.get(lot.id, 0) if lot is not None else 0)
            taken[lot.id] = taken.get(lot.id, 0) + amount
            amounts.append(amount)
    errors.raise_if_any()

    transfer = StockTransfer(from_site_id=from_site_id, to_site_id=to_site.id, note=(note or "").strip()[:1000],
                             created_by_id=getattr(actor, "id", None))
    db.session.add(transfer)
    db.session.flush()
    reference = f"transfer:{transfer.id}"
    # Lots written in id order, the order every writer takes them in (grocery.stock.services.ledger).
    for (lot, _typed), amount in sorted(zip(lines, amounts, strict=True), key=lambda pair: pair[0][0].id):
        out = record_movement(lot, -amount, "transfer", actor=actor, reference=reference,
                              reason=to_site.name[:200])
        arrived = Lot(site_id=to_site.id, product_id=lot.product_id, donation_id=lot.donation_id, source=lot.source,
                      received_on=lot.received_on, use_by_on=lot.use_by_on, best_before_on=lot.best_before_on,
                      lot_number=lot.lot_number, quantity_received=amount, quantity_on_hand=0,
                      unit_cost_cents=lot.unit_cost_cents, ddm_hold_from=lot.ddm_hold_from,
                      ddm_decision=lot.ddm_decision, ddm_decided_at=lot.ddm_decided_at)
        db.session.add(arrived)
        db.session.flush()
        came = record_movement(arrived, amount, "transfer", actor=actor, reference=reference,
                               reason=transfer.from_site.name[:200])
        db.session.add(StockTransferLine(transfer_id=transfer.id, product_id=lot.product_id, from_lot_id=lot.id,
                                         to_lot_id=arrived.id, quantity=amount, out_movement_id=out.id,
                                         in_movement_id=came.id))
    db.session.flush()
    db.session.refresh(transfer, ["lines"])
    record_event(actor, "stock.transfer", transfer, {
        "from": transfer.from_site.name, "to": to_site.name, "note": transfer.note[:200],
        "lines": [{"lot": line.from_lot_id, "new_lot": line.to_lot_id, "product": line.product.name,
                   "quantity": line.quantity} for line in transfer.lines]})
    return transfer


def site_transfers(site_id: int | None = None, limit: int = 100) -> list[StockTransfer]:
    """The transfers the site (by default the current one) sent or received, the latest first."""
    site_id = site_id or current_site_id()
    return list(db.session.scalars(
        select(StockTransfer).where(or_(StockTransfer.from_site_id == site_id, StockTransfer.to_site_id == site_id))
        .order_by(StockTransfer.created_at.desc(), StockTransfer.id.desc()).limit(limit)))


def lot_transfers(lot: Lot) -> list[StockTransfer]:
    """The transfers a lot was sent by or made by."""
    return list(db.session.scalars(
        select(StockTransfer).join(StockTransferLine)
        .where(or_(StockTransferLine.from_lot_id == lot.id, StockTransferLine.to_lot_id == lot.id))
        .distinct().order_by(StockTransfer.created_at)))


def destination_sites(from_site_id: int | None = None) -> list[Site]:
    """The active sites goods may be sent to from the site (by default the current one)."""
    from_site_id = from_site_id or current_site_id()
    return list(db.session.scalars(select(Site).where(Site.is_active.is_(True), Site.id != from_site_id)
                                   .order_by(Site.name)))


@dataclass
class TransferMismatch:
    """A transfer line whose two movements disagree with it (quantity, lots or sites)."""

    transfer_id: int
    line_id: int
    #: Units its movement out took from the sending lot (its quantity, negated).
    out_quantity: int
    #: Units its movement in put into the new lot.
    in_quantity: int
    quantity: int


def transfer_mismatches(site_id: int | None = None) -> list[TransferMismatch]:
    """Transfer lines (of transfers sent or received by the site, or all) whose movement out is not minus their
    quantity from the sending lot at the sending site, or whose movement in is not their quantity into the new lot
    at the receiving site."""
    out_move, in_move = aliased(StockMovement), aliased(StockMovement)
    query = (select(StockTransferLine, StockTransfer, out_move, in_move)
             .join(StockTransfer, StockTransfer.id == StockTransferLine.transfer_id)
             .join(out_move, out_move.id == StockTransferLine.out_movement_id)
             .join(in_move, in_move.id == StockTransferLine.in_movement_id))
    if site_id is not None:
        query = query.where(or_(StockTransfer.from_site_id == site_id, StockTransfer.to_site_id == site_id))
    found = []
    for line, transfer, out, came in db.session.execute(query.order_by(StockTransferLine.id)):
        if (out.quantity != -line.quantity or came.quantity != line.quantity or out.lot_id != line.from_lot_id
                or came.lot_id != line.to_lot_id or out.site_id != transfer.from_site_id
                or came.site_id != transfer.to_site_id or out.kind != "transfer" or came.kind != "transfer"):
            found.append(TransferMismatch(transfer.id, line.id, -out.quantity, came.quantity, line.quantity))
    return found
