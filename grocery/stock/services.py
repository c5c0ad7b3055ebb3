"""Stock services: catalogue, scans, pricing by source, receptions, the ledger, FEFO, waste, counts and lists.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre products).
Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, and_, bindparam, case, func, or_, select, type_coerce, update

from grocery.audit.services import changes, record_event
from grocery.barcodes import (
    PREFIX_HOUSEHOLD_CARD,
    PREFIX_INSTORE_PRODUCT,
    PREFIX_PRICE_LABEL,
    PREFIX_VOLUNTEER_BADGE,
    PREFIX_WEIGHT_LABEL,
    is_valid_gtin,
    normalise_gtin,
    random_ean13,
)
from grocery.dbutil import rows_plain, run, run_plain
from grocery.errors import Conflict, FieldErrors, InsufficientStock, NotFound, ValidationError
from grocery.extensions import db
from grocery.i18n import DOCUMENT_LANGUAGES, sort_key
from grocery.settings.services import get_setting
from grocery.stock.labels import MAX_VALUE, decode_measure_label, encode_measure_label
from grocery.stock.models import (
    DONOR_KINDS,
    MOVEMENT_KINDS,
    PRICE_RULES,
    QUOTA_PERIODS,
    QUOTA_SCOPES,
    UNIT_KINDS,
    WASTE_REASONS,
    Donation,
    DonationLine,
    Donor,
    Lot,
    Product,
    ProductBarcode,
    ProductCategory,
    StockCount,
    StockCountLine,
    StockMovement,
    weight_of,
)
from grocery.timeutil import local_today, utcnow

#: Default categories created on first use: name and default social price in percent of retail.
DEFAULT_CATEGORIES = (
    ("Fruits et légumes", 20), ("Frais", 20), ("Épicerie sèche", 20), ("Conserves", 20), ("Boissons", 20),
    ("Hygiène", 30), ("Entretien", 30), ("Bébé", 20),
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


# --- categories ---------------------------------------------------------------------------------------------------


def ensure_default_categories() -> list[ProductCategory]:
    """The categories, creating the default list on first use (the list is then edited on the categories page)."""
    categories = list(db.session.scalars(select(ProductCategory).order_by(ProductCategory.sort_order,
                                                                          ProductCategory.name)))
    if categories:
        return categories
    for order, (name, percent) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(ProductCategory(name=name, default_social_percent=percent, sort_order=order * 10))
    db.session.flush()
    return ensure_default_categories()


def clean_quota(quota: int | None, scope: str | None, period: str | None) -> tuple[int | None, str | None, str | None]:
    """A quota rule (of a product or a category) checked: more than zero, with whom it applies to and its period;
    no quota (None) drops both."""
    scope, period = scope or None, period or None
    if quota is None:
        return None, None, None
    if quota <= 0:
        raise ValidationError("quota_quantity", _l("A quota is more than zero, or left empty for no quota."))
    if scope not in QUOTA_SCOPES:
        raise ValidationError("quota_scope", _l("Choose to whom the quota applies."))
    if period not in QUOTA_PERIODS:
        raise ValidationError("quota_period", _l("Choose the quota period."))
    return quota, scope, period


def save_category(actor, category: ProductCategory | None, *, name: str, default_social_percent: int,
                  sort_order: int = 0, is_active: bool = True, ddm_grace_days: int | None = None,
                  quota_quantity: int | None = None, quota_scope: str | None = None,
                  quota_period: str | None = None) -> ProductCategory:
    """Create or change a category; names are unique and the percentage is between 0 and 100. Its best-before
    grace days (0 to 3650, None: the setting) apply at once to its lots still waiting for no decision. A category
    quota (clean_quota) limits the pieces of all its products sold by the piece together, per household and
    period."""
    from grocery.stock.ddm import MAX_GRACE_DAYS, refresh_ddm_holds

    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Enter a name."))
    if not 0 <= default_social_percent <= 100:
        raise ValidationError("default_social_percent", _l("A percentage is between 0 and 100."))
    other = db.session.scalar(select(ProductCategory).where(func.lower(ProductCategory.name) == name.lower()))
    if other is not None and other is not category:
        raise ValidationError("name", _l("A category with this name already exists."))
    if ddm_grace_days is not None and not 0 <= ddm_grace_days <= MAX_GRACE_DAYS:
        raise ValidationError("ddm_grace_days", _l("Enter a number of days between 0 and %(max)d, or leave it "
                                                   "empty for the default.", max=MAX_GRACE_DAYS))
    quota_quantity, quota_scope, quota_period = clean_quota(quota_quantity, quota_scope, quota_period)
    values = {"name": name, "default_social_percent": default_social_percent, "sort_order": sort_order,
              "is_active": is_active, "ddm_grace_days": ddm_grace_days, "quota_quantity": quota_quantity,
              "quota_scope": quota_scope, "quota_period": quota_period}
    if category is None:
        category = ProductCategory(**values)
        db.session.add(category)
        db.session.flush()
        record_event(actor, "stock.category_create", category, {"name": name, "quota_quantity": quota_quantity,
                                                                 "quota_scope": quota_scope,
                                                                 "quota_period": quota_period})
    else:
        changed = changes(category, list(values), values)
        db.session.flush()
        if changed:
            record_event(actor, "stock.category_update", category, changed)
        if "ddm_grace_days" in changed:
            refresh_ddm_holds([category.id])
    return category


# --- barcodes and products ----------------------------------------------------------------------------------------


def validate_barcode(code: str | None, *, field: str = "barcode") -> str:
    """A manufacturer or in-store barcode, checked and normalised (UPC-A and 12-digit scans to EAN-13)."""
    code = re.sub(r"\s", "", code or "")
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13):
        raise ValidationError(field, _l("A barcode has 8, 12 or 13 digits: scan it again or type all the digits."))
    if not is_valid_gtin(code):
        raise ValidationError(field, _l("The check digit of %(code)s is wrong: scan it again or check the digits.",
                                        code=code))
    code = normalise_gtin(code)
    if len(code) == 13 and code[:2] in (PREFIX_WEIGHT_LABEL, PREFIX_PRICE_LABEL, PREFIX_HOUSEHOLD_CARD,
                                         PREFIX_VOLUNTEER_BADGE):
        raise ValidationError(field, _l("This code belongs to a range reserved for labels, cards or badges; "
                                        "it cannot be a product barcode."))
    return code


def clean_product_values(values: dict) -> dict:
    """Check the product fields shared by creation and update; returns the cleaned values. Every wrong field is
    reported at once (one ValidationError)."""
    errors = FieldErrors()
    name = (values.get("name") or "").strip()
    if not name:
        errors.add("name", _l("Enter the product name."))
    elif len(name) > 160:
        errors.add("name", _l("At most %(n)d characters.", n=160))
    category = values.get("category")
    if category is None:
        errors.add("category", _l("Choose a category."))
    unit_kind = values.get("unit_kind") or "piece"
    if unit_kind not in UNIT_KINDS:
        errors.add("unit_kind", _l("Choose piece, kg or litre."))
    net_weight_g = values.get("net_weight_g")
    if net_weight_g is not None and net_weight_g <= 0:
        errors.add("net_weight_g", _l("The weight must be more than zero, or left empty."))
    retail = values.get("retail_price_cents") or 0
    if retail < 0:
        errors.add("retail_price_cents", _l("The price cannot be negative."))
    rule = values.get("price_rule") or "category"
    if rule not in PRICE_RULES:
        errors.add("price_rule", _l("Choose a price rule."))
    social_price = values.get("social_price_cents")
    social_percent = values.get("social_percent")
    if rule == "fixed" and social_price is None:
        errors.add("social_price_cents", _l("Enter the fixed social price."))
    if rule == "percent" and social_percent is None:
        errors.add("social_percent", _l("Enter the percentage of the retail price."))
    elif social_percent is not None and not 0 <= social_percent <= 100:
        errors.add("social_percent", _l("A percentage is between 0 and 100."))
    if social_price is not None and social_price < 0 and "social_price_cents" not in errors:
        errors.add("social_price_cents", _l("The price cannot be negative."))
    quota = scope = period = None
    with errors.collect():
        quota, scope, period = clean_quota(values.get("quota_quantity"), values.get("quota_scope"),
                                           values.get("quota_period"))
    threshold = values.get("low_stock_threshold") or 0
    if threshold < 0:
        errors.add("low_stock_threshold", _l("The threshold cannot be negative."))
    errors.raise_if_any()
    return {
        "name": name, "category_id": category.id, "unit_kind": unit_kind, "net_weight_g": net_weight_g,
        "retail_price_cents": retail, "price_rule": rule,
        "social_price_cents": social_price if rule == "fixed" else None,
        "social_percent": social_percent if rule == "percent" else None,
        "quota_quantity": quota, "quota_scope": scope, "quota_period": period,
        "low_stock_threshold": threshold, "is_active": values.get("is_active", True),
    }


def create_product(actor, *, barcode: str | None = None, **values) -> Product:
    """Add a product to the catalogue, with its barcode when it has one (a barcode belongs to one product)."""
    errors = FieldErrors()
    cleaned, code = {}, None
    with errors.collect():
        cleaned = clean_product_values(values)
    with errors.collect():
        code = validate_barcode(barcode) if barcode else None
        if code:
            _refuse_used_code(code, None)
    errors.raise_if_any()
    product = Product(**cleaned)
    db.session.add(product)
    db.session.flush()
    if code:
        db.session.add(ProductBarcode(product_id=product.id, code=code, is_instore=code.startswith("20")))
        db.session.flush()
    record_event(actor, "stock.product_create", product, {"name": product.name, "barcode": code})
    return product


def update_product(actor, product: Product, **values) -> dict:
    """Change a product's catalogue fields; returns what changed (also in the audit log). A product moved to another
    category takes that category's best-before days for its lots still waiting for no decision."""
    from grocery.stock.ddm import refresh_ddm_holds

    cleaned = clean_product_values(values)
    changed = changes(product, list(cleaned), cleaned)
    db.session.flush()
    if changed:
        record_event(actor, "stock.product_update", product, changed)
    if "category_id" in changed:
        refresh_ddm_holds([product.category_id])
    return changed


def _refuse_used_code(code: str, product: Product | None) -> None:
    used = db.session.scalar(select(ProductBarcode).where(ProductBarcode.code == code))
    if used is not None and (product is None or used.product_id != product.id):
        raise ValidationError("barcode", _l("The barcode %(code)s is already used by “%(name)s”.", code=code,
                                            name=used.product.name))
    if used is not None:
        raise ValidationError("barcode", _l("This product already has the barcode %(code)s.", code=code))


def add_barcode(actor, product: Product, code: str) -> ProductBarcode:
    """Give a product one more barcode; refused when the code is invalid or already used."""
    code = validate_barcode(code)
    _refuse_used_code(code, product)
    row = ProductBarcode(product_id=product.id, code=code, is_instore=code.startswith("20"))
    db.session.add(row)
    db.session.flush()
    record_event(actor, "stock.barcode_add", product, {"code": code})
    return row


def remove_barcode(actor, row: ProductBarcode) -> None:
    record_event(actor, "stock.barcode_remove", row.product, {"code": row.code})
    db.session.delete(row)
    db.session.flush()


def generate_instore_code(actor, product: Product) -> ProductBarcode:
    """Give a product without a manufacturer barcode a unique EAN-13 in the in-store range (prefix 20)."""
    for _attempt in range(20):
        code = random_ean13(PREFIX_INSTORE_PRODUCT)
        if db.session.scalar(select(ProductBarcode.id).where(ProductBarcode.code == code)) is None:
            break
    else:  # pragma: no cover - 10^10 codes
        raise Conflict(_l("No free in-store code was found; try again."))
    row = ProductBarcode(product_id=product.id, code=code, is_instore=True)
    db.session.add(row)
    db.session.flush()
    record_event(actor, "stock.barcode_generate", product, {"code": code})
    return row


def ensure_item_number(product: Product) -> int:
    """The product's 5-digit in-store item reference for variable-measure labels, allocated on first use."""
    if product.item_number is None:
        highest = db.session.scalar(select(func.max(Product.item_number))) or 0
        if highest >= 99_999:  # pragma: no cover
            raise Conflict(_l("All in-store item numbers are used."))
        product.item_number = highest + 1
        db.session.flush()
    return product.item_number


def measure_label_code(product: Product, kind: str, value: int) -> str:
    """The EAN-13 of a variable-measure label: a weight (grams or ml) for kg/litre products, a price (cents)
    for piece products. A weight on a piece product is refused."""
    if kind == "weight" and product.unit_kind == "piece":
        raise ValidationError("value", _l("A weight cannot be put on a product counted by the piece; "
                                          "print a price label or a product barcode."))
    if kind == "price" and product.unit_kind != "piece":
        raise ValidationError("value", _l("A product sold by weight or volume gets a weight label."))
    if not 1 <= value <= MAX_VALUE:
        raise ValidationError("value", _l("The value must be between 1 and 9999 (grams or cents)."))
    return encode_measure_label(kind, ensure_item_number(product), value)


def find_product_by_code(code: str) -> Product | None:
    """The product of a scanned code: EAN-13, EAN-8 or UPC-A (12 digits: also an EAN-13 that lost its leading
    zero), or a weight/price label's item. None for an invalid or unknown code."""
    code = re.sub(r"\s", "", code or "")
    if not is_valid_gtin(code):
        return None
    label = decode_measure_label(code)
    if label is not None:
        return db.session.scalar(select(Product).where(Product.item_number == label.item_number))
    code = normalise_gtin(code)
    return db.session.scalar(select(Product).join(ProductBarcode).where(ProductBarcode.code == code))


@dataclass(frozen=True)
class ScanResult:
    """A scanned code read: the product and how much (base units), with the label's weight or price if any."""

    product: Product
    quantity: int
    weight_g: int | None
    price_cents: int | None
    #: "product" (a product barcode), "weight_label" or "price_label".
    kind: str


def parse_scan(code: str) -> ScanResult:
    """Read any scanned code into a product and a quantity, or refuse it with a clear message.

    Household cards and volunteer badges are refused (they are not products); labels carry a weight (kg/litre
    products) or a price (piece products) checked by their verifier digit.
    """
    raw = re.sub(r"\s", "", code or "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) not in (8, 12, 13):
        raise ValidationError("code", _l("“%(code)s” is not a barcode: scan it again or type its 8 or 13 digits.",
                                         code=raw or "?"))
    if not is_valid_gtin(raw):
        raise ValidationError("code", _l("The check digit of %(code)s is wrong: scan it again.", code=raw))
    if len(raw) == 13 and raw.startswith(PREFIX_HOUSEHOLD_CARD):
        raise ValidationError("code", _l("This is a household card, not a product."))
    if len(raw) == 13 and raw.startswith(PREFIX_VOLUNTEER_BADGE):
        raise ValidationError("code", _l("This is a volunteer badge, not a product."))
    if len(raw) == 13 and raw[:2] in (PREFIX_WEIGHT_LABEL, PREFIX_PRICE_LABEL):
        label = decode_measure_label(raw)
        if label is None:
            raise ValidationError("code", _l("The weight or price on this label is misread: scan it again."))
        product = db.session.scalar(select(Product).where(Product.item_number == label.item_number))
        if product is None:
            raise ValidationError("code", _l("No product has the in-store number %(n)s.", n=label.item_number))
        if label.kind == "weight":
            if product.unit_kind == "piece":
                raise ValidationError("code", _l("A weight label on a product counted by the piece: reprint the "
                                                 "label."))
            return ScanResult(product, label.value, label.value, None, "weight_label")
        if product.unit_kind != "piece":
            raise ValidationError("code", _l("A price label on a product sold by weight: reprint the label."))
        return ScanResult(product, 1, None, label.value, "price_label")
    product = find_product_by_code(raw)
    if product is None:
        raise ValidationError("code", _l("No product has the barcode %(code)s.", code=normalise_gtin(raw)))
    return ScanResult(product, 1, None, None, "product")


# --- donors -------------------------------------------------------------------------------------------------------


def save_donor(actor, donor: Donor | None, *, name: str, kind: str, contact: str = "",
               is_active: bool = True, preferred_language: str = "fr") -> Donor:
    """Create or change a donor; the type (food bank, FEAD, ...) decides the price of the goods received, the
    language that of the receipts printed for them."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Enter the donor's name."))
    if kind not in DONOR_KINDS:
        raise ValidationError("kind", _l("Choose the type of donor."))
    if preferred_language not in DOCUMENT_LANGUAGES:
        raise ValidationError("preferred_language", _l("Choose one of the proposed languages."))
    other = db.session.scalar(select(Donor).where(func.lower(Donor.name) == name.lower()))
    if other is not None and other is not donor:
        raise ValidationError("name", _l("A donor with this name already exists."))
    values = {"name": name, "kind": kind, "contact": (contact or "").strip(), "is_active": is_active,
              "preferred_language": preferred_language}
    if donor is None:
        donor = Donor(**values)
        db.session.add(donor)
        db.session.flush()
        record_event(actor, "stock.donor_create", donor, {"name": name, "kind": kind})
    else:
        changed = changes(donor, list(values), values)
        db.session.flush()
        if changed:
            record_event(actor, "stock.donor_update", donor, changed)
    return donor


# --- pricing ------------------------------------------------------------------------------------------------------


def source_cap_percent(source: str) -> int | None:
    """The highest social price of goods from this source, in percent of retail; None when uncapped.

    FEAD/FSE+ goods are free by law (0 %); other sources read the setting stock.cap_percent.<source>,
    where 100 means no cap.
    """
    if source == "fead":
        return 0
    value = get_setting(f"stock.cap_percent.{source}")
    return None if value is None or value >= 100 else int(value)


def rule_price_from(price_rule: str, social_price_cents: int | None, social_percent: int | None,
                    retail_price_cents: int, category_percent: int | None) -> int:
    """The social price rule on plain values (fixed price, percent of retail, or the category's percent)."""
    if price_rule == "fixed":
        return social_price_cents or 0
    percent = social_percent if price_rule == "percent" else category_percent
    return _round_div(retail_price_cents * (percent or 0), 100)


def rule_price_cents(product: Product) -> int:
    """The product's own social price per piece / kg / litre (fixed, percent of retail, or the category's)."""
    return rule_price_from(product.price_rule, product.social_price_cents, product.social_percent,
                           product.retail_price_cents, product.category_percent)


def capped_price(rule_price: int, retail_price_cents: int, cap_percent: int | None) -> int:
    """A rule price capped at a source's percentage of retail (None: no cap)."""
    if cap_percent is None:
        return rule_price
    return min(rule_price, _round_div(retail_price_cents * cap_percent, 100))


def unit_price_cents(product: Product, lot: Lot, caps: dict[str, int | None] | None = None) -> int:
    """Social price per piece / kg / litre of units from this lot: FEAD goods free, otherwise the product rule
    capped at the source's percentage of retail. `caps`, when given, keeps the caps read by source (a sale reads
    each setting once)."""
    if caps is None:
        cap = source_cap_percent(lot.source)
    elif lot.source in caps:
        cap = caps[lot.source]
    else:
        cap = caps[lot.source] = source_cap_percent(lot.source)
    return capped_price(rule_price_cents(product), product.retail_price_cents, cap)


def price_for_quantity_cents(product: Product, lot: Lot, quantity_base_units: int,
                             caps: dict[str, int | None] | None = None) -> int:
    """Price of a quantity in base units from one lot: pieces x unit price, or grams/ml x price per kg/litre
    / 1000, rounded half up to the cent."""
    unit = unit_price_cents(product, lot, caps)
    if product.unit_kind == "piece":
        return unit * quantity_base_units
    return _round_div(unit * quantity_base_units, 1000)


def retail_value_cents(product: Product, quantity_base_units: int) -> int:
    """Value at the retail reference price of a quantity in base units."""
    if product.unit_kind == "piece":
        return product.retail_price_cents * quantity_base_units
    return _round_div(product.retail_price_cents * quantity_base_units, 1000)


def estimated_price_cents(product: Product, day: date) -> int:
    """Social price per piece / kg / litre of the next unit FEFO would sell, or the product rule without stock."""
    lots = _sellable_lots([product.id], day)[product.id]
    return unit_price_cents(product, lots[0]) if lots else rule_price_cents(product)


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
        lot_id=lot.id, kind=kind, quantity=quantity_delta, weight_g=weight_g, reason=reason,
        actor_id=getattr(actor, "id", None), reference=reference,
        donation_id=getattr(donation, "id", None), count_id=getattr(count, "id", None),
    )
    db.session.add(movement)
    db.session.flush()
    return movement


def ledger_mismatches() -> list[tuple[int, int, int]]:
    """Lots whose cached quantity differs from the sum of their movements: (lot id, cached, sum)."""
    total = func.coalesce(func.sum(StockMovement.quantity), 0)
    rows = db.session.execute(
        select(Lot.id, Lot.quantity_on_hand, total)
        .outerjoin(StockMovement, StockMovement.lot_id == Lot.id)
        .group_by(Lot.id, Lot.quantity_on_hand)
        .having(total != Lot.quantity_on_hand)
        .order_by(Lot.id)
    )
    return [(lot_id, cached, int(summed)) for lot_id, cached, summed in rows]


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


@cache
def _sellable_lots_in_fefo_order():
    # Every sellable lot, by product and in FEFO order: a product's first row is the lot sold next.
    return (select(Lot.product_id, Lot.quantity_on_hand, Lot.source).where(_sellable(bindparam("day")))
            .order_by(Lot.product_id, *_fefo_order()))


def sellable_summary(day: date) -> dict[int, tuple[int, str]]:
    """Per product id: sellable base units and the source of the lot FEFO would sell next, from one plain read
    of the sellable lots in FEFO order (measured: half the time of an aggregate plus a read of the lots)."""
    summary: dict[int, tuple[int, str]] = {}
    for product_id, quantity, source in rows_plain(_sellable_lots_in_fefo_order(), {"day": day}):
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


def _sellable(day):
    """The sellable condition shared by the till (card, quote, sale), the catalogue snapshot and
    sellable_quantities: stock on hand, not past the use-by date (DLC), and not waiting for a stock manager's
    decision past the best-before date (DDM) and its grace days (Lot.ddm_hold_from, see grocery.stock.ddm)."""
    return and_(Lot.quantity_on_hand > 0, or_(Lot.use_by_on.is_(None), Lot.use_by_on >= day),
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
    day = bindparam("day")
    lots = (select(*_lot_columns(day)).where(Lot.product_id.in_(bindparam("product_ids", expanding=True)),
                                             _sellable(day)).order_by(Lot.product_id, *_fefo_order()))
    products = select(*TILL_PRODUCT_COLUMNS).join(ProductCategory, ProductCategory.id == Product.category_id)
    # Products with their sellable lots in FEFO order (none: one row with NULL lot columns), in one statement.
    with_lots = (products.add_columns(*_lot_columns(day))
                 .outerjoin(Lot, and_(Lot.product_id == Product.id, _sellable(day)))
                 .where(Product.id.in_(bindparam("product_ids", expanding=True)))
                 .order_by(Product.id, *_fefo_order()))
    # A sale on PostgreSQL locks the sellable lots of its products (FOR NO KEY UPDATE, as an UPDATE of their
    # quantity does; the foreign keys of other sales' lines still pass) in one global order, the lot id, whatever
    # the cart's order: two sales never wait for each other in a cycle. The CTE returns each lot as it is once
    # locked (READ COMMITTED re-reads a row changed meanwhile and drops it if it no longer has stock), so FEFO
    # allocates from the lots as they are at the moment of the write.
    locked = (select(Lot.id, Lot.product_id, Lot.source, Lot.quantity_on_hand, Lot.use_by_on, Lot.best_before_on,
                     Lot.received_on)
              .where(Lot.product_id.in_(bindparam("product_ids", expanding=True)), _sellable(day))
              .order_by(Lot.id).with_for_update(key_share=True).cte("locked_lots").prefix_with("MATERIALIZED"))
    with_locked_lots = (products.add_columns(*_lot_columns(day, locked))
                        .outerjoin(locked, locked.c.product_id == Product.id)
                        .where(Product.id.in_(bindparam("product_ids", expanding=True)))
                        .order_by(Product.id, *_fefo_order(locked)))
    quota = products.where(Product.quota_quantity.is_not(None), Product.is_active.is_(True)).order_by(Product.name)
    return TillQueries(sellable_lots=lots, products_with_lots=with_lots, products_with_locked_lots=with_locked_lots,
                       quota_products=quota)


def _sellable_lots(product_ids: list[int], day: date) -> dict[int, list[LotRow]]:
    """Sellable lots (_sellable) of the given products, in FEFO order, in one query."""
    db.session.flush()  # lots added through the ORM count
    lots: dict[int, list[LotRow]] = {product_id: [] for product_id in product_ids}
    for row in run(_till_queries().sellable_lots, {"product_ids": list(product_ids), "day": day}):
        lots[row[1]].append(LotRow(*row))
    return lots


def till_products_with_lots(product_ids: list[int], day: date, *,
                            lock: bool = False) -> tuple[dict[int, TillProduct], dict[int, list]]:
    """The products with these ids (absent ids are missing from the first dict) and their sellable lots in FEFO
    order, for allocate_fefo_many: one statement for a whole sale. With lock (a sale), on PostgreSQL the lots are
    locked in lot id order and read as they are once locked (SQLite: the write transaction already serialises
    writers, dbutil.begin_write)."""
    db.session.flush()
    products: dict[int, TillProduct] = {}
    lots: dict[int, list[LotRow]] = {}
    width = len(TILL_PRODUCT_COLUMNS)
    queries = _till_queries()
    locking = lock and db.session.get_bind().dialect.name != "sqlite"
    query = queries.products_with_locked_lots if locking else queries.products_with_lots
    for row in run(query, {"product_ids": list(product_ids), "day": day}):
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
                       lots_by_product: dict[int, list] | None = None) -> dict[int, list[Allocation]]:
    """FEFO allocation of several products at once (one query for all their lots, unless the caller read them
    with till_products_with_lots); same rules as allocate_fefo. Raises InsufficientStock for the first product
    that lacks stock."""
    for _product, quantity in wanted:
        if quantity <= 0:
            raise ValidationError("quantity", _l("The quantity must be more than zero."))
    if lots_by_product is None:
        lots_by_product = _sellable_lots([product.id for product, _q in wanted], day)
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


def allocate_fefo(product: Product, quantity: int, day: date) -> list[Allocation]:
    """Choose lots for a quantity, first expired first out: lots past their use-by date are skipped, lots past
    their best-before date are allowed and flagged; earliest expiry first, then oldest reception. Reads only."""
    return allocate_fefo_many([(product, quantity)], day)[product.id]


@cache
def _insert_movements():
    return StockMovement.__table__.insert()


@cache
def _move_lot_query():
    """Move one lot's cached quantity, only if it stays at zero or more (run once per lot, as an executemany)."""
    delta = bindparam("delta")
    return (Lot.__table__.update().where(Lot.id == bindparam("lot_id"), Lot.quantity_on_hand + delta >= 0)
            .values(quantity_on_hand=Lot.quantity_on_hand + delta))


def record_movements(changes: list[tuple[int, object, int]], kind: str, *, actor_id: int | None,
                     reason: str | None = None, reference: str | None = None) -> None:
    """Append one movement per (lot id, product, signed quantity) and move the lots' cached quantities with one
    conditional UPDATE per lot, sent as one executemany: if any lot would go below zero, InsufficientStock is raised
    and the caller rolls the transaction back. The bulk form of record_movement, for a sale's or a return's lines;
    the product (an ORM object or a till product row) gives the weight. (Measured: an INSERT ... SELECT from the
    sale's lines or an UPDATE ... FROM them is slower on SQLite than these two executemany.)"""
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
    values = {"kind": kind, "reason": reason, "actor_id": actor_id, "reference": reference, "occurred_at": utcnow()}
    run_plain(_insert_movements(), [
        {**values, "lot_id": lot_id, "quantity": quantity_delta, "weight_g": _signed_weight(product, quantity_delta)}
        for lot_id, product, quantity_delta in changes
    ])


def _signed_weight(product, quantity_delta: int) -> int | None:
    weight = weight_of(product, abs(quantity_delta))
    return None if weight is None else (weight if quantity_delta > 0 else -weight)


def sellable_quantities(day: date) -> dict[int, int]:
    """Sellable base units per product id (lots with stock, not past their use-by date, not waiting for a DDM
    decision), in one query."""
    rows = db.session.execute(
        select(Lot.product_id, func.sum(Lot.quantity_on_hand))
        .where(_sellable(day))
        .group_by(Lot.product_id)
    )
    return {product_id: int(total) for product_id, total in rows}


# --- receptions ---------------------------------------------------------------------------------------------------


def start_donation(actor, donor: Donor | None, received_on: date | None, programme: str = "") -> Donation:
    """Open a reception for a donor on a day; lines are added by scanning, lots are written on confirmation."""
    if donor is None:
        raise ValidationError("donor_id", _l("Choose the donor."))
    if received_on is None:
        raise ValidationError("received_on", _l("Enter the reception date."))
    if received_on > local_today():
        raise ValidationError("received_on", _l("A reception cannot be dated in the future."))
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


def add_donation_line(donation: Donation, product: Product, *, quantity: int | None = None,
                      measure: int | None = None, use_by_on: date | None = None,
                      best_before_on: date | None = None, lot_number: str = "",
                      unit_cost_cents: int | None = None) -> DonationLine:
    """Add a line to a draft reception. Pieces take a quantity, never a weight; kg/litre products take a
    measure (grams or ml) or a number of packs of their net weight. A use-by date already past is refused.
    A purchase (donor kind "purchase") records its cost price per piece / kg / litre, in cents (required); a
    donation has none (refused: donations are valued at the reference price)."""
    _require_draft(donation)
    if donation.donor.kind == "purchase":
        if unit_cost_cents is None:
            raise ValidationError("unit_cost", _l("Enter the cost price paid, per piece, per kg or per litre."))
        if unit_cost_cents < 0:
            raise ValidationError("unit_cost", _l("The cost price cannot be negative."))
    elif unit_cost_cents is not None:
        raise ValidationError("unit_cost", _l("Only purchases have a cost price: donations are valued at the "
                                              "reference price. Leave the cost price empty."))
    base = check_donation_line(donation, product, quantity=quantity, measure=measure, use_by_on=use_by_on)
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
        lot = Lot(product_id=line.product_id, donation_id=donation.id, source=donation.donor.kind,
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


# --- waste --------------------------------------------------------------------------------------------------------


def record_waste(actor, lot: Lot, quantity: int, reason: str, *, weight_g: int | None = None,
                 note: str = "") -> StockMovement:
    """Take a quantity of a lot out of stock as waste, with a reason (expired, damaged, recalled, other) and its
    weight (computed from the product, or given for pieces without a net weight)."""
    if reason not in WASTE_REASONS:
        raise ValidationError("reason", _l("Choose the reason: expired, damaged, recalled or other."))
    if quantity <= 0:
        raise ValidationError("quantity", _l("The quantity must be more than zero."))
    if weight_g is not None and weight_g <= 0:
        raise ValidationError("weight_g", _l("The weight must be more than zero, or left empty."))
    if quantity > lot.quantity_on_hand:
        raise ValidationError("quantity", _l("Only %(available)s left in this lot.",
                                             available=format_quantity(lot.product, lot.quantity_on_hand)))
    movement = record_movement(lot, -quantity, "waste", actor=actor, reason=reason,
                               weight_g=-weight_g if weight_g else None)
    record_event(actor, "stock.waste", lot, {"quantity": quantity, "reason": reason, "note": note[:200]})
    return movement


def discard_expired(actor, day: date) -> list[StockMovement]:
    """Discard, as waste for reason "expired", every lot with stock whose use-by date is before `day`."""
    movements = [record_movement(lot, -lot.quantity_on_hand, "waste", actor=actor, reason="expired")
                 for lot in expired_lots(day)]
    if movements:
        record_event(actor, "stock.discard_expired", "lots", {"lots": [m.lot_id for m in movements]})
    return movements


# --- counts -------------------------------------------------------------------------------------------------------


def open_count(actor, category: ProductCategory | None = None) -> StockCount:
    """Open a stock count of the whole stock or of one category."""
    count = StockCount(category_id=getattr(category, "id", None), opened_by_id=getattr(actor, "id", None))
    db.session.add(count)
    db.session.flush()
    record_event(actor, "stock.count_open", count, {"category": getattr(category, "name", None)})
    return count


def _require_open(count: StockCount) -> None:
    if count.status != "open":
        raise Conflict(_l("This count is closed: open a new one."))


def count_lots(count: StockCount) -> list[Lot]:
    """The lots in the scope of a count: those with stock in its category, and those already counted."""
    counted_ids = select(StockCountLine.lot_id).where(StockCountLine.count_id == count.id)
    query = select(Lot).join(Product).where(or_(Lot.quantity_on_hand > 0, Lot.id.in_(counted_ids)))
    if count.category_id is not None:
        query = query.where(Product.category_id == count.category_id)
    lots = db.session.scalars(query).all()
    return sorted(lots, key=lambda lot: (sort_key(lot.product.name), _fefo_key(lot)))


def set_count_line(count: StockCount, lot: Lot, counted: int) -> StockCountLine:
    """Record the counted quantity of a lot in an open count (a negative count is refused)."""
    _require_open(count)
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
    """Post an open count: for each counted lot (and only those), a count movement for counted - on hand; the open
    stock shortfalls of the counted products are settled (grocery.stock.shortfalls)."""
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


# --- lists --------------------------------------------------------------------------------------------------------


@dataclass
class StockRow:
    product: Product
    quantity: int
    weight_g: int | None
    retail_cents: int


def stock_on_hand(category_id: int | None = None) -> list[StockRow]:
    """Quantity on hand per active product (units, weight, retail value), ordered by category and name."""
    total = func.coalesce(func.sum(Lot.quantity_on_hand), 0)
    query = (select(Product, total).outerjoin(Lot, Lot.product_id == Product.id)
             .join(ProductCategory, ProductCategory.id == Product.category_id)
             .where(Product.is_active.is_(True)).group_by(Product.id, ProductCategory.id)
             .order_by(ProductCategory.sort_order, ProductCategory.name, Product.name))
    if category_id:
        query = query.where(Product.category_id == category_id)
    return [StockRow(product, int(quantity), product.weight_g(int(quantity)),
                     retail_value_cents(product, int(quantity)))
            for product, quantity in db.session.execute(query).unique()]


def low_stock(category_id: int | None = None) -> list[StockRow]:
    """Active products with a threshold whose quantity on hand is below it."""
    return [row for row in stock_on_hand(category_id)
            if row.product.low_stock_threshold and row.quantity < row.product.low_stock_threshold]


def near_expiry_lots(day: date, days: int | None = None) -> list[Lot]:
    """Lots with stock whose use-by or best-before date falls within the next `days` days (setting)."""
    if days is None:
        days = get_setting("stock.near_expiry_days")
    end = day + timedelta(days=days)
    lots = db.session.scalars(select(Lot).where(
        Lot.quantity_on_hand > 0,
        or_(and_(Lot.use_by_on >= day, Lot.use_by_on <= end),
            and_(Lot.best_before_on >= day, Lot.best_before_on <= end)),
    )).all()
    return sorted(lots, key=_fefo_key)


def expired_lots(day: date) -> list[Lot]:
    """Lots with stock past their use-by date: they must not be sold and are offered for discard."""
    lots = db.session.scalars(select(Lot).where(Lot.quantity_on_hand > 0, Lot.use_by_on < day)).all()
    return sorted(lots, key=_fefo_key)


def product_lots(product: Product) -> list[Lot]:
    lots = db.session.scalars(select(Lot).where(Lot.product_id == product.id, Lot.quantity_on_hand > 0)).all()
    return sorted(lots, key=_fefo_key)
