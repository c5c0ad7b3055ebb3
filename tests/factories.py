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
