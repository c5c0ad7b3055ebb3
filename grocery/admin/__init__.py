"""User administration for administrators."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import Role
from grocery.navigation import register_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")

from grocery.admin import views  # noqa: E402,F401

register_nav("admin.users", _l("Accounts"), [Role.ADMIN], order=90)
