"""Test factories: plain functions that build valid rows with unique values; they flush, never commit."""

import itertools

from grocery.auth.roles import Role

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


def next_id() -> int:
    return next(_counter)


def make_user(role: Role | str = Role.CASHIER, **overrides):
    from grocery.auth.services import create_user

    n = next_id()
    values = {"username": f"user{n}", "password": PASSWORD, "role": role, "display_name": f"Utilisateur {n}"}
    values.update(overrides)
    return create_user(None, **values)


# --- stock ---------------------------------------------------------------------------------------------------------


def make_category(**overrides):
    from grocery.extensions import db
    from grocery.stock.models import ProductCategory

    n = next_id()
    values = {"name": f"Catégorie {n}", "default_social_percent": 20, "sort_order": n}
    values.update(overrides)
    category = ProductCategory(**values)
    db.session.add(category)
    db.session.flush()
    return category


def make_product(**overrides):
    """A product counted by the piece (retail 2,00 €, category rule 20 %) unless overridden."""
    from grocery.stock.services import create_product

    n = next_id()
    values = {"name": f"Produit {n}", "unit_kind": "piece", "net_weight_g": 500, "retail_price_cents": 200,
              "price_rule": "category"}
    values.update(overrides)
    if "category" not in values:
        values["category"] = make_category()
    return create_product(None, **values)


def make_donor(**overrides):
    from grocery.stock.services import save_donor

    n = next_id()
    values = {"name": f"Donateur {n}", "kind": "supermarket", "contact": ""}
    values.update(overrides)
    return save_donor(None, None, **values)


def make_lot(product=None, quantity=10, *, source="supermarket", received_on=None, use_by_on=None,
             best_before_on=None, lot_number=""):
    """A lot with `quantity` base units on hand, written through the ledger (receipt movement)."""
    from datetime import date

    from grocery.extensions import db
    from grocery.stock.models import Lot
    from grocery.stock.services import record_movement

    product = product or make_product()
    lot = Lot(product_id=product.id, source=source, received_on=received_on or date(2026, 11, 1),
              use_by_on=use_by_on, best_before_on=best_before_on, lot_number=lot_number,
              quantity_received=quantity, quantity_on_hand=0)
    db.session.add(lot)
    db.session.flush()
    if quantity:
        record_movement(lot, quantity, "receipt", actor=None)
    return lot
