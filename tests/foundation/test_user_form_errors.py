"""The account form shows every error at once: an empty form its four missing fields, a wrong username and a
short password both, and nothing is written."""

from sqlalchemy import func, select

from grocery.auth.models import User
from grocery.auth.roles import Role
from tests.utils import invalid_fields, text_of


def test_empty_account_form_shows_every_missing_field(client, db, login):
    login(Role.ADMIN)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post_form("/admin/users/new", {"username": "", "display_name": "", "role": "",
                                                     "preferred_language": "fr", "password": ""})
    assert invalid_fields(response) == ["username", "display_name", "role", "password"]
    assert db.session.scalar(select(func.count(User.id))) == before


def test_a_wrong_username_and_a_short_password_show_together(client, db, login):
    """The service's rules run on the fields the form accepted, so the second error does not wait for a resubmit."""
    login(Role.ADMIN)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post_form("/admin/users/new", {"username": "Nina Nouvelle!", "display_name": "",
                                                     "role": "cashier", "preferred_language": "fr",
                                                     "password": "short"})
    assert invalid_fields(response) == ["username", "display_name", "password"]
    assert "au moins 10 caractères" in text_of(response)
    assert db.session.scalar(select(func.count(User.id))) == before
