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


def take_price_labels(lines) -> dict[int, list[PriceLabel]]:
    """The price labels carried by a sale's or quote's lines, by product id, each read again and on a line of one
    piece; lines without a label are ignored here (the usual line parsing refuses what is malformed)."""
    labels: dict[int, list[PriceLabel]] = {}
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict) or line.get("label") is None:
            continue
        product_id, quantity = line.get("product_id"), line.get("quantity")
        if not isinstance(product_id, int) or isinstance(product_id, bool) or product_id <= 0:
            raise ValidationError("lines", _l("A line has no valid product."))
        if quantity != 1 or isinstance(quantity, bool):
            raise ValidationError("lines", _l("A price label is for one piece: scan each labelled piece."))
        labels.setdefault(product_id, []).append(read_price_label(line["label"]))
    return labels


def check_labels_for_products(labels: dict[int, list[PriceLabel]], products: dict, item_numbers: dict) -> None:
    """Every label belongs to its line's product (in-store item number) and that product is counted by the piece.
    `products`: id -> the product as the till read it (name, unit_kind); `item_numbers`: id -> item number."""
    for product_id, product_labels in labels.items():
        product = products[product_id]
        for label in product_labels:
            check_label_line(label, product_name=product.name, item_number=item_numbers.get(product_id),
                             unit_kind=product.unit_kind, quantity=1)


def item_numbers_of(product_ids) -> dict[int, int | None]:
    """The in-store item numbers of some products (one query; only for lines that carry a label)."""
    from sqlalchemy import select

    from grocery.extensions import db
    from grocery.stock.models import Product

    ids = sorted(set(product_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Product.id, Product.item_number).where(Product.id.in_(ids))).all())


def price_with_labels(labels: list[PriceLabel], quantity: int, *, retail_price_cents: int, cap_percent: int | None,
                      unit_price_cents: int) -> tuple[int, list[PriceLabel]]:
    """The price of `quantity` pieces allocated from one lot when some of the product's pieces carry a price label:
    as many labelled pieces as there are labels left, each at its label's price within the lot's source rules, the
    others at the lot's unit price. Returns the price and the labels left for the next lot."""
    used, left = labels[:quantity], labels[quantity:]
    price = sum(label_price_cents(label, retail_price_cents=retail_price_cents, cap_percent=cap_percent)
                for label in used)
    return price + unit_price_cents * (quantity - len(used)), left
