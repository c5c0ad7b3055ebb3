"""GS1 variable-measure labels: item reference + price/weight verifier digit + 4-digit value (EAN-13, prefix 21/22).

Layout (13 digits): prefix (2) + item reference (5) + verifier digit (1) + value (4) + EAN-13 check digit.
Prefix 21: the value is a weight in grams; prefix 22: a price in cents.
"""

from dataclasses import dataclass

from grocery.barcodes import PREFIX_PRICE_LABEL, PREFIX_WEIGHT_LABEL, gtin_check_digit, is_valid_gtin

MAX_ITEM_NUMBER = 99_999
MAX_VALUE = 9_999

# GS1 General Specifications 7.9.3, products of a digit by each weighting factor:
# "2-": units digit of 2d minus its tens digit; "3": units digit of 3d; "5-": units digit of 5d minus its tens digit.
_WEIGHT_2_MINUS = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_WEIGHT_3 = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_WEIGHT_5_MINUS = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)
#: Weighting factors of the 4-digit price/weight field, left to right: 2-, 2-, 3, 5-.
_FOUR_DIGIT_FACTORS = (_WEIGHT_2_MINUS, _WEIGHT_2_MINUS, _WEIGHT_3, _WEIGHT_5_MINUS)


def price_verifier_digit(value: str) -> str:
    """The GS1 price/weight verifier digit of a 4-digit field: sum of the weighted products, times 3, units digit.

    GS1's own example: 2875 -> 9.
    """
    if len(value) != 4 or not value.isdigit():
        raise ValueError("a 4-digit value")
    total = sum(table[int(digit)] for table, digit in zip(_FOUR_DIGIT_FACTORS, value, strict=True))
    return str(total * 3 % 10)


@dataclass(frozen=True)
class MeasureLabel:
    """What a variable-measure label says: which item, and a weight (grams) or a price (cents)."""

    kind: str  # "weight" or "price"
    item_number: int
    value: int


def encode_measure_label(kind: str, item_number: int, value: int) -> str:
    """The EAN-13 of a weight label (grams) or a price label (cents) for an in-store item number."""
    prefix = {"weight": PREFIX_WEIGHT_LABEL, "price": PREFIX_PRICE_LABEL}[kind]
    if not 1 <= item_number <= MAX_ITEM_NUMBER:
        raise ValueError("item number out of range")
    if not 1 <= value <= MAX_VALUE:
        raise ValueError("value out of range")
    digits = f"{value:04d}"
    body = f"{prefix}{item_number:05d}{price_verifier_digit(digits)}{digits}"
    return body + gtin_check_digit(body)


def decode_measure_label(code: str) -> MeasureLabel | None:
    """Read a weight or price label; None when the code is not one (or its check or verifier digit is wrong)."""
    if len(code) != 13 or not is_valid_gtin(code):
        return None
    kind = {PREFIX_WEIGHT_LABEL: "weight", PREFIX_PRICE_LABEL: "price"}.get(code[:2])
    if kind is None:
        return None
    digits = code[8:12]
    if price_verifier_digit(digits) != code[7]:
        return None
    return MeasureLabel(kind, int(code[2:7]), int(digits))


@dataclass(frozen=True)
class ShelfPrices:
    """What a shelf label prints next to the barcode: the social price and the reference (retail) price, per piece,
    per kg or per litre as the product is sold."""

    social_cents: int
    reference_cents: int
    #: "piece", "kg" or "litre": what the prices are for.
    unit_kind: str


def shelf_prices(product) -> ShelfPrices:
    """The product's own social price (its rule: fixed, percent of retail or the category's) and its reference price.

    A lot from a capped source (FEAD goods, free) may sell for less at the till; the label shows the product's
    price, the till's receipt the price paid."""
    from grocery.stock.services import rule_price_cents  # services imports this module for the label codes

    return ShelfPrices(rule_price_cents(product), product.retail_price_cents, product.unit_kind)
