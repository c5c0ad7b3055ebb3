"""Price-embedded labels (prefix 22) on a till line: read, checked against the line's product, priced within the rules.

A price label is stuck on one piece (a cut of cheese, a tray of meat) and prints its price. The browser shows that
price on the line and sends the label with it ({"product_id", "quantity": 1, "label": "22..."}); the server reads the
label again (never the browser's price) and sells the piece at the printed price, within the usual rules: goods of a
capped source are never sold above the cap (FEAD/FSE+ goods stay free), and never above the retail price.
Pure functions: no database, no request.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from grocery.barcodes import PREFIX_PRICE_LABEL
from grocery.errors import ValidationError
from grocery.stock.labels import decode_measure_label


@dataclass(frozen=True)
class PriceLabel:
    """What a price label says: the in-store item number of the product and the price of the piece, in cents."""

    code: str
    item_number: int
    price_cents: int


def read_price_label(code) -> PriceLabel:
    """The price label in a line's "label" field; refused unless it is a 13-digit price label whose check digit and
    price verifier digit are right (the same reading as grocery.stock.labels)."""
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) != 13:
        raise ValidationError("lines", _l("A price label must be its 13 digits: scan it again."))
    if not code.startswith(PREFIX_PRICE_LABEL):
        raise ValidationError("lines", _l("%(code)s is not a price label: scan it again.", code=code))
    label = decode_measure_label(code)
    if label is None or label.kind != "price":
        raise ValidationError("lines", _l("The price on label %(code)s is misread: scan it again.", code=code))
    return PriceLabel(code=code, item_number=label.item_number, price_cents=label.value)


def check_label_line(label: PriceLabel, *, product_name: str, item_number: int | None, unit_kind: str,
                     quantity: int) -> None:
    """A price label belongs to the line's product (its in-store item number), to a product counted by the piece,
    and to one piece: the line carrying it has quantity 1."""
    if item_number is None or label.item_number != item_number:
        raise ValidationError("lines", _l("Label %(code)s is not a label of %(name)s: scan it again.",
                                          code=label.code, name=product_name))
    if unit_kind != "piece":
        raise ValidationError("lines", _l("A price label on a product sold by weight: reprint the label."))
    if quantity != 1:
        raise ValidationError("lines", _l("A price label is for one piece: scan each labelled piece."))


def label_price_cents(label: PriceLabel, *, retail_price_cents: int, cap_percent: int | None) -> int:
    """The price of the labelled piece from a lot of a source: the printed price, never above the source's cap
    (cap_percent of the retail price; 0 for FEAD/FSE+ goods, which stay free; None for no cap) nor above the retail
    price."""
    from grocery.stock.services import capped_price

    return max(0, capped_price(min(label.price_cents, retail_price_cents), retail_price_cents, cap_percent))
