"""Stock waste: goods taken out of stock with a reason.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from grocery.audit.services import record_event
from grocery.errors import FieldErrors
from grocery.stock.models import (
    WASTE_REASONS,
    Lot,
    StockMovement,
)
from grocery.stock.services.ledger import record_movement
from grocery.stock.services.lists import expired_lots
from grocery.stock.services.quantities import format_quantity, parse_quantity

# --- waste --------------------------------------------------------------------------------------------------------


def check_waste(lot: Lot, quantity: int | str | None, reason: str | None, *,
                weight_g: int | None = None) -> int:
    """The quantity of waste to take out of a lot, in base units, checked with its reason and weight; every wrong
    field is reported at once (one ValidationError) and nothing is written. `quantity` is in base units (an int)
    or as typed on the form (a str, in the product's display unit: pieces, kg or litres)."""
    errors = FieldErrors()
    amount = None
    if reason not in WASTE_REASONS:
        errors.add("reason", _l("Choose the reason: expired, damaged, recalled or other."))
    with errors.collect():
        amount = quantity if isinstance(quantity, int) else parse_quantity(lot.product, quantity)
    if amount is not None and "quantity" not in errors:
        if amount <= 0:
            errors.add("quantity", _l("The quantity must be more than zero."))
        elif amount > lot.quantity_on_hand:
            errors.add("quantity", _l("Only %(available)s left in this lot.",
                                      available=format_quantity(lot.product, lot.quantity_on_hand)))
    if weight_g is not None and weight_g <= 0:
        errors.add("weight_g", _l("The weight must be more than zero, or left empty."))
    errors.raise_if_any()
    return amount


def record_waste(actor, lot: Lot, quantity: int | str | None, reason: str, *, weight_g: int | None = None,
                 note: str = "") -> StockMovement:
    """Take a quantity of a lot out of stock as waste, with a reason (expired, damaged, recalled, other) and its
    weight (computed from the product, or given for pieces without a net weight). The checks of check_waste, all
    reported at once."""
    amount = check_waste(lot, quantity, reason, weight_g=weight_g)
    movement = record_movement(lot, -amount, "waste", actor=actor, reason=reason,
                               weight_g=-weight_g if weight_g else None)
    record_event(actor, "stock.waste", lot, {"quantity": amount, "reason": reason, "note": (note or "")[:200]})
    return movement


def discard_expired(actor, day: date) -> list[StockMovement]:
    """Discard, as waste for reason "expired", every lot with stock whose use-by date is before `day`."""
    movements = [record_movement(lot, -lot.quantity_on_hand, "waste", actor=actor, reason="expired")
                 for lot in expired_lots(day)]
    if movements:
        record_event(actor, "stock.discard_expired", "lots", {"lots": [m.lot_id for m in movements]})
    return movements
