"""Stock quantities: base units (pieces, grams, millilitres) read from and written for people.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from grocery.errors import ValidationError
from grocery.stock.models import (
    Product,
)


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- quantities ---------------------------------------------------------------------------------------------------


def format_quantity(product: Product, quantity: int | None) -> str:
    """Base units as people read them: "12" pieces, "1,25 kg", "0,75 l"."""
    if quantity is None:
        return ""
    if product.unit_kind == "piece":
        return format_decimal(quantity)
    unit = "kg" if product.unit_kind == "kg" else "l"
    return f"{format_decimal(Decimal(quantity) / 1000, format='#,##0.###')} {unit}"


def parse_quantity(product: Product, text: str | int | None, *, field: str = "quantity",
                   allow_zero: bool = False) -> int:
    """What a person typed, in the product's display unit (pieces, kg or litres), as base units.

    Pieces are whole numbers; kg and litres take up to three decimals ("1,250" kg -> 1250 g).
    """
    raw = "" if text is None else str(text).strip().replace(" ", "")
    if not raw:
        raise ValidationError(field, _l("Enter a quantity."))
    if raw.startswith("-"):
        raise ValidationError(field, _l("A quantity cannot be negative."))
    if product.unit_kind == "piece":
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise ValidationError(field, _l("This product is counted by the piece: enter a whole number."))
        value = int(raw)
    else:
        if not re.fullmatch(r"[0-9]{1,9}([.,][0-9]{1,3})?", raw):
            raise ValidationError(field, _l("Enter a weight or volume such as 1,250 (at most three decimals)."))
        try:
            value = int(Decimal(raw.replace(",", ".")) * 1000)
        except InvalidOperation:  # pragma: no cover - the pattern above already checked it
            raise ValidationError(field, _l("Enter a quantity.")) from None
    if value > 10_000_000:
        raise ValidationError(field, _l("This quantity is too large."))
    if value == 0 and not allow_zero:
        raise ValidationError(field, _l("The quantity must be more than zero."))
    return value


def parse_whole(text: str | None, *, field: str = "quantity") -> int | None:
    """A whole number typed by a person (None when empty); the services check that it is more than zero."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        return None
    if not re.fullmatch(r"-?[0-9]{1,9}", raw):
        raise ValidationError(field, _l("Enter a whole number."))
    return int(raw)


def parse_measure(text: str | None, *, field: str = "measure") -> int | None:
    """A weight in kg or a volume in litres typed by a person ("1,250"), in grams or millilitres; None if empty."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        return None
    if not re.fullmatch(r"-?[0-9]{1,6}([.,][0-9]{1,3})?", raw):
        raise ValidationError(field, _l("Enter a weight or volume such as 1,250 (at most three decimals)."))
    return int(Decimal(raw.replace(",", ".")) * 1000)
