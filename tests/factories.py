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
