"""Stock catalogue: categories, products, their barcodes and in-store codes, and scans.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

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
from grocery.errors import Conflict, FieldErrors, ValidationError
from grocery.extensions import db
from grocery.stock.labels import MAX_VALUE, decode_measure_label, encode_measure_label
from grocery.stock.models import (
    PRICE_RULES,
    QUOTA_PERIODS,
    QUOTA_SCOPES,
    UNIT_KINDS,
    Product,
    ProductBarcode,
    ProductCategory,
)

#: Default categories created on first use: name and default social price in percent of retail.
DEFAULT_CATEGORIES = (
    ("Fruits et légumes", 20), ("Frais", 20), ("Épicerie sèche", 20), ("Conserves", 20), ("Boissons", 20),
    ("Hygiène", 30), ("Entretien", 30), ("Bébé", 20),
)


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
    no quota (None) drops both. Every wrong field is reported at once."""
    scope, period = scope or None, period or None
    if quota is None:
        return None, None, None
    errors = FieldErrors()
    if quota <= 0:
        errors.add("quota_quantity", _l("A quota is more than zero, or left empty for no quota."))
    if scope not in QUOTA_SCOPES:
        errors.add("quota_scope", _l("Choose to whom the quota applies."))
    if period not in QUOTA_PERIODS:
        errors.add("quota_period", _l("Choose the quota period."))
    errors.raise_if_any()
    return quota, scope, period


def save_category(actor, category: ProductCategory | None, *, name: str, default_social_percent: int,
                  sort_order: int = 0, is_active: bool = True, ddm_grace_days: int | None = None,
                  quota_quantity: int | None = None, quota_scope: str | None = None,
                  quota_period: str | None = None) -> ProductCategory:
    """Create or change a category; names are unique and the percentage is between 0 and 100. Its best-before
    grace days (0 to 3650, None: the setting) apply at once to its lots still waiting for no decision. A category
    quota (clean_quota) limits the pieces of all its products sold by the piece together, per household and
    period. Every wrong field is reported at once."""
    from grocery.stock.ddm import MAX_GRACE_DAYS, refresh_ddm_holds

    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _l("Enter a name."))
    else:
        other = db.session.scalar(select(ProductCategory).where(func.lower(ProductCategory.name) == name.lower()))
        if other is not None and other is not category:
            errors.add("name", _l("A category with this name already exists."))
    if default_social_percent is None or not 0 <= default_social_percent <= 100:
        errors.add("default_social_percent", _l("A percentage is between 0 and 100."))
    if ddm_grace_days is not None and not 0 <= ddm_grace_days <= MAX_GRACE_DAYS:
        errors.add("ddm_grace_days", _l("Enter a number of days between 0 and %(max)d, or leave it "
                                        "empty for the default.", max=MAX_GRACE_DAYS))
    with errors.collect():
        quota_quantity, quota_scope, quota_period = clean_quota(quota_quantity, quota_scope, quota_period)
    errors.raise_if_any()
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
