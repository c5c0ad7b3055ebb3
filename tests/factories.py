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
    """A granted decision (or `valid_from`) for the usual validity. By default it starts on the Monday of this week
    or the 1st of this month, the earlier: today's week and month are then whole budget periods, not prorated
    first periods, whatever the day the tests run."""
    from datetime import timedelta

    from grocery.households.services import decide_eligibility
    from grocery.timeutil import local_today

    today = local_today()
    values = {"outcome": "granted", "motive": "Enquête sociale"}
    if "valid_from" not in overrides and "decided_on" not in overrides:
        values["valid_from"] = min(today - timedelta(days=today.weekday()), today.replace(day=1))
    values.update(overrides)
    return decide_eligibility(actor, household, **values)
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


# --- checkout ------------------------------------------------------------------------------------------------------


def make_till(user=None, *, till_name="Caisse 1", float_cents=5000):
    """An open till session (float 50,00 €) opened by `user` (a new cashier by default)."""
    from grocery.checkout.till import open_till

    return open_till(user or make_user(Role.CASHIER), till_name, float_cents=float_cents)


def make_shopper(*, budget_cents=5000, children_under_3=0, children=0):
    """An eligible household with a granted budget; returns (household, card code)."""
    from datetime import date

    household = make_household()
    for _ in range(children_under_3):
        make_member(household, birth_on=date.today().replace(year=date.today().year - 1))
    for _ in range(children):
        make_member(household)
    make_decision(household, budget_cents=budget_cents, budget_override_motive="Test")
    return household, household.active_card.code
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


# --------------------------------------------------------------------------- reports


def make_report_scenario(households: int = 2):
    """A small but complete month for the reports, written through the services (today): donations from a
    supermarket and from FEAD (for 2 households: 40 pasta, 10 kg cheese, 30 FEAD beans), `households` households
    (the first: an adult born 1985, a child born 2015 and a baby; the others: one person born 1950, access ending
    in ten days), two sales each, a partial refund, a voided sale, waste, and one validated volunteer shift with an
    attestation. Returns a dict of the rows created."""
    import uuid
    from datetime import date, time, timedelta

    from grocery.checkout.services import record_sale, refund_sale
    from grocery.stock.services import add_donation_line, confirm_donation, record_waste, start_donation
    from grocery.timeutil import local_today
    from grocery.volunteers.services import (
        book_shift,
        is_day_validated,
        issue_attestation,
        mark_attendance,
        validate_day,
    )

    today = local_today()
    coordinator = make_user(Role.COORDINATOR)
    grocery_cat = make_category(name=f"Épicerie {next_id()}")
    fresh_cat = make_category(name=f"Frais {next_id()}")
    pasta = make_product(name=f"Pâtes {next_id()}", category=grocery_cat, net_weight_g=500, retail_price_cents=200)
    cheese = make_product(name=f"Fromage {next_id()}", category=fresh_cat, unit_kind="kg", net_weight_g=None,
                          retail_price_cents=1200)
    beans = make_product(name=f"Haricots FEAD {next_id()}", category=grocery_cat, net_weight_g=1000,
                         retail_price_cents=300)
    market = make_donor(kind="supermarket")
    fead = make_donor(kind="fead")
    donation = start_donation(coordinator, market, today)
    add_donation_line(donation, pasta, quantity=20 * households)
    add_donation_line(donation, cheese, measure=5000 * households)
    pasta_lot, cheese_lot = confirm_donation(coordinator, donation)
    fead_donation = start_donation(coordinator, fead, today, programme="FSE+ test")
    add_donation_line(fead_donation, beans, quantity=15 * households)
    (beans_lot,) = confirm_donation(coordinator, fead_donation)

    from grocery.checkout.till import open_session_for

    till = open_session_for("Caisse 1") or make_till()
    cash = {"method": "cash", "tendered_cents": 100_000}

    def sell(card, lines):
        return record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines,
                           payment=cash)[0]

    shoppers, sales = [], []
    for index in range(households):
        if index == 0:
            household = make_household(person={"birth_on": date(1985, 3, 21)})
            make_member(household, birth_on=date(2015, 6, 1))
            make_member(household, birth_on=today.replace(year=today.year - 1, day=1))
        else:
            household = make_household(person={"birth_on": date(1950, 1, 1)})
        # The first household's access runs for months; the others' ends in ten days (dashboard list).
        make_decision(household, budget_cents=100_000, budget_override_motive="Test",
                      **({"valid_until": today + timedelta(days=10)} if index else {}))
        card = household.active_card.code
        shoppers.append(household)
        sales.append(sell(card, [{"product_id": pasta.id, "quantity": 3}, {"product_id": beans.id, "quantity": 2},
                                 {"product_id": cheese.id, "quantity": 1500}]))
        sales.append(sell(card, [{"product_id": pasta.id, "quantity": 2}]))
    # The first household gives one packet of pasta back; another sale is voided entirely.
    refund_sale(coordinator, sales[1], {sales[1].lines[0].id: 1}, reason="Erreur", till_session=till)
    voided = sell(shoppers[-1].active_card.code, [{"product_id": beans.id, "quantity": 1}])
    refund_sale(coordinator, voided, None, reason="Annulation", till_session=till)
    record_waste(coordinator, pasta_lot, 2, "damaged")
    record_waste(coordinator, beans_lot, 1, "expired")
    record_waste(coordinator, cheese_lot, 300, "expired")

    activity = make_activity(name=f"Caisse {next_id()}")
    participant = make_participant(engagement_type="article60")
    day = today
    while is_day_validated(day):  # a second scenario in the same test validates an earlier day
        day -= timedelta(days=1)
    shift = make_shift(held_on=day, start_time=time(9, 0), end_time=time(12, 0), activity=activity, capacity=3)
    assignment = book_shift(coordinator, shift, participant)
    mark_attendance(coordinator, assignment, "present")
    validate_day(coordinator, day)
    issue_attestation(coordinator, participant, day, day)
    return {"coordinator": coordinator, "households": shoppers, "sales": sales, "voided": voided, "till": till,
            "pasta": pasta, "cheese": cheese, "beans": beans, "lots": (pasta_lot, cheese_lot, beans_lot),
            "participant": participant, "activity": activity, "today": today}
