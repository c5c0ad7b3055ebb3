"""Settings stored in the database: organisation identity and every configurable business value."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import MANAGERS
from grocery.navigation import register_nav

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

from grocery.settings import registry, views  # noqa: E402,F401

register_nav("settings.edit", _l("Settings"), MANAGERS, order=91)
