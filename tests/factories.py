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
