"""Stock receptions: donations and purchases scanned line by line, confirmed into lots.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from grocery.audit.services import record_event
from grocery.errors import Conflict, FieldErrors, NotFound, ValidationError
from grocery.extensions import db
from grocery.stock.models import (
    Donation,
    DonationLine,
    Donor,
    Lot,
    Product,
)
from grocery.stock.services.ledger import record_movement
from grocery.stock.services.pricing import retail_value_cents
from grocery.stock.services.quantities import _round_div
from grocery.timeutil import local_today, utcnow

# --- receptions ---------------------------------------------------------------------------------------------------


def start_donation(actor, donor: Donor | None, received_on: date | None, programme: str = "") -> Donation:
    """Open a reception for a donor on a day; lines are added by scanning, lots are written on confirmation."""
    errors = FieldErrors()
    if donor is None:
        errors.add("donor_id", _l("Choose the donor."))
    if received_on is None:
        errors.add("received_on", _l("Enter the reception date."))
    elif received_on > local_today():
        errors.add("received_on", _l("A reception cannot be dated in the future."))
    errors.raise_if_any()
    donation = Donation(donor_id=donor.id, received_on=received_on, programme=(programme or "").strip()[:120],
                        created_by_id=getattr(actor, "id", None))
    db.session.add(donation)
    db.session.flush()
    return donation


def _require_draft(donation: Donation) -> None:
    if donation.status != "draft":
        raise Conflict(_l("This reception is already confirmed: start a new one."))


def check_donation_line(donation: Donation, product: Product, *, quantity: int | None = None,
                        measure: int | None = None, use_by_on: date | None = None) -> int:
    """The quantity of a reception line in the product's base unit (pieces, grams, ml), checked: pieces take a
    quantity, never a weight; kg/litre products take a measure or a number of packs of their net weight; a
    use-by date already past is refused. Every wrong field is reported at once; writes nothing (the product may be
    one not created yet)."""
    errors = FieldErrors()
    base = None
    if product.unit_kind == "piece":
        if measure is not None:
            errors.add("measure", _l("“%(name)s” is counted by the piece: enter a number of pieces, not a weight.",
                                     name=product.name))
        elif quantity is None:
            errors.add("quantity", _l("Enter the number of pieces."))
        else:
            base = quantity
    elif measure is not None:
        base = measure
    elif quantity is not None and product.net_weight_g:
        base = quantity * product.net_weight_g
    else:
        errors.add("measure", _l("“%(name)s” is sold by weight or volume: enter the kg or litres.", name=product.name))
    if base is not None and base <= 0:
        errors.add("measure" if product.is_by_measure and measure is not None else "quantity",
                   _l("The quantity must be more than zero."))
    if use_by_on is not None and use_by_on < donation.received_on:
        errors.add("use_by_on", _l("The use-by date is already past: these goods cannot be received. "
                                   "Record them as waste if needed."))
    errors.raise_if_any()
    return base


def check_unit_cost(donation: Donation, unit_cost_cents: int | None) -> None:
    """A purchase (donor kind "purchase") records its cost price, in cents (required, not negative); a donation
    has none."""
    if donation.donor.kind == "purchase":
        if unit_cost_cents is None:
            raise ValidationError("unit_cost", _l("Enter the cost price paid, per piece, per kg or per litre."))
        if unit_cost_cents < 0:
            raise ValidationError("unit_cost", _l("The cost price cannot be negative."))
    elif unit_cost_cents is not None:
        raise ValidationError("unit_cost", _l("Only purchases have a cost price: donations are valued at the "
                                              "reference price. Leave the cost price empty."))


def add_donation_line(donation: Donation, product: Product, *, quantity: int | None = None,
                      measure: int | None = None, use_by_on: date | None = None,
                      best_before_on: date | None = None, lot_number: str = "",
                      unit_cost_cents: int | None = None) -> DonationLine:
    """Add a line to a draft reception. Pieces take a quantity, never a weight; kg/litre products take a
    measure (grams or ml) or a number of packs of their net weight. A use-by date already past is refused.
    A purchase (donor kind "purchase") records its cost price per piece / kg / litre, in cents (required); a
    donation has none (refused: donations are valued at the reference price). Every wrong field is reported at
    once."""
    _require_draft(donation)
    errors = FieldErrors()
    base = None
    with errors.collect():
        base = check_donation_line(donation, product, quantity=quantity, measure=measure, use_by_on=use_by_on)
    with errors.collect():
        check_unit_cost(donation, unit_cost_cents)
    errors.raise_if_any()
    line = DonationLine(donation_id=donation.id, product_id=product.id, quantity=base, use_by_on=use_by_on,
                        best_before_on=best_before_on, lot_number=(lot_number or "").strip()[:40],
                        unit_cost_cents=unit_cost_cents)
    db.session.add(line)
    db.session.flush()
    db.session.refresh(donation, ["lines"])
    return line


def remove_donation_line(donation: Donation, line: DonationLine) -> None:
    _require_draft(donation)
    if line.donation_id != donation.id:
        raise NotFound()
    db.session.delete(line)
    db.session.flush()
    db.session.refresh(donation, ["lines"])


def confirm_donation(actor, donation: Donation) -> list[Lot]:
    """Turn every line of a draft reception into a lot with its receipt movement, in the caller's transaction.
    Each lot keeps the line's cost price (purchases) and the day from which, past its best-before date and its
    category's grace days, it waits for a stock manager's decision."""
    from grocery.stock.ddm import grace_days_by_category, hold_from

    _require_draft(donation)
    if not donation.lines:
        raise ValidationError(None, _l("Scan at least one product before confirming."))
    lots = []
    grace = grace_days_by_category()
    for line in donation.lines:
        lot = Lot(site_id=donation.site_id, product_id=line.product_id, donation_id=donation.id,
                  source=donation.donor.kind,
                  received_on=donation.received_on, use_by_on=line.use_by_on, best_before_on=line.best_before_on,
                  lot_number=line.lot_number, quantity_received=line.quantity, quantity_on_hand=0,
                  unit_cost_cents=line.unit_cost_cents,
                  ddm_hold_from=hold_from(line.best_before_on, grace[line.product.category_id]))
        db.session.add(lot)
        db.session.flush()
        record_movement(lot, line.quantity, "receipt", actor=actor, donation=donation)
        lots.append(lot)
    donation.status = "confirmed"
    donation.confirmed_at = utcnow()
    donation.confirmed_by_id = getattr(actor, "id", None)
    db.session.flush()
    totals = donation_totals(donation)
    record_event(actor, "stock.donation_confirm", donation,
                 {"donor": donation.donor.name, "lines": len(lots), "retail_cents": totals["retail_cents"]})
    return lots


def cost_value_cents(product: Product, quantity_base_units: int, unit_cost_cents: int) -> int:
    """Value at cost of a quantity in base units: pieces x cost, or grams/ml x cost per kg/litre / 1000."""
    if product.unit_kind == "piece":
        return unit_cost_cents * quantity_base_units
    return _round_div(unit_cost_cents * quantity_base_units, 1000)


def donation_totals(donation: Donation) -> dict:
    """Pieces, kilograms (grams) and estimated retail value of a reception, for the donor receipt; for a purchase,
    also its cost (cost_cents, None for a donation)."""
    pieces = grams = retail = 0
    cost = None
    unknown_weight = False
    for line in donation.lines:
        if line.unit_cost_cents is not None:
            cost = (cost or 0) + cost_value_cents(line.product, line.quantity, line.unit_cost_cents)
        if line.product.unit_kind == "piece":
            pieces += line.quantity
        weight = line.product.weight_g(line.quantity)
        if weight is None:
            unknown_weight = True
        else:
            grams += weight
        retail += retail_value_cents(line.product, line.quantity)
    return {"pieces": pieces, "grams": grams, "retail_cents": retail, "unknown_weight": unknown_weight,
            "cost_cents": cost}
