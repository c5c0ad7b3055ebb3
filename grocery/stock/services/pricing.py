"""Stock pricing: social prices by rule and by source (caps), retail values.

Quantities are integers in the product's base unit (pieces, grams for kg products, millilitres for litre
products). Services add and flush; the view or the CLI command commits.
"""

from __future__ import annotations

from datetime import date

from grocery.settings.services import get_setting
from grocery.stock.models import (
    Lot,
    Product,
)
from grocery.stock.services.ledger import _sellable_lots
from grocery.stock.services.quantities import _round_div

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
