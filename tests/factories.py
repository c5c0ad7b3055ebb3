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


# ---------------------------------------------------------------------------------------------------------------
# Households domain
# ---------------------------------------------------------------------------------------------------------------

def make_household(actor=None, *, person: dict | None = None, **overrides):
    """A household with its reference person (born 1985) and an active card."""
    from datetime import date

    from grocery.households.services import create_household

    n = next_id()
    values = {"street": f"Rue du Test {n}", "postcode": "5000", "municipality": "Namur", "phone": "081 12 34 56",
              "email": None, "preferred_language": "fr", "proxy_names": [], "consent_on": None, "notes": ""}
    values.update(overrides)
    identity = {"first_name": f"Prénom{n}", "last_name": f"Nom{n}", "birth_on": date(1985, 3, 21)}
    identity.update(person or {})
    return create_household(actor, household=values, person=identity, confirm_duplicates=True)


def make_member(household, actor=None, **overrides):
    from datetime import date

    from grocery.households.services import add_member

    n = next_id()
    values = {"first_name": f"Enfant{n}", "last_name": f"Nom{n}", "birth_on": date(2015, 6, 1), "relation": "child"}
    values.update(overrides)
    return add_member(actor, household, values, confirm_duplicates=True)


def make_criterion(**overrides):
    from grocery.households.services import save_criterion

    n = next_id()
    values = {"name": f"Critère {n}", "required_proof": "Attestation", "proof_validity_days": 90}
    values.update(overrides)
    return save_criterion(None, None, **values)


def make_decision(household, actor=None, **overrides):
    """A granted decision from today (or `valid_from`) for the usual validity."""
    from grocery.households.services import decide_eligibility

    values = {"outcome": "granted", "motive": "Enquête sociale"}
    values.update(overrides)
    return decide_eligibility(actor, household, **values)
# --------------------------------------------------------------------------- volunteers


def make_activity(name: str | None = None, competences=()):
    from grocery.volunteers.services import create_activity

    return create_activity(None, name or f"Activité {next_id()}", [c.id for c in competences])


def make_competence(name: str | None = None):
    from grocery.volunteers.services import create_competence

    return create_competence(None, name or f"Compétence {next_id()}")


def make_participant(**overrides):
    from datetime import date

    from grocery.volunteers.services import create_participant

    n = next_id()
    values = {"first_name": f"Prénom{n}", "last_name": f"Nom{n}", "engagement_type": "volunteer",
              "started_on": date(2026, 1, 1)}
    values.update(overrides)
    return create_participant(None, **values)


def make_shift(**overrides):
    from datetime import time

    from grocery.timeutil import local_today
    from grocery.volunteers.services import create_shift

    values = {"held_on": local_today(), "start_time": time(9, 0), "end_time": time(12, 0), "capacity": 2}
    values.update(overrides)
    if "activity" not in values:
        values["activity"] = make_activity()
    return create_shift(None, **values)
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
