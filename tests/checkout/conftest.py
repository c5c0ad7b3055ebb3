"""Fixtures of the checkout tests."""

import pytest

from grocery.auth.roles import Role
from tests.factories import make_till


@pytest.fixture()
def till(client, db, login):
    """A cashier logged in, with an open till whose checkout screen this browser opened."""
    cashier = login(Role.CASHIER)
    session = make_till(cashier)
    db.session.commit()
    assert client.get(f"/till/sessions/{session.id}/screen").status_code == 200
    return session
