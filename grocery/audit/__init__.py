"""Audit log: who changed what, for sensitive changes in every domain."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import Role
from grocery.navigation import register_nav

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from grocery.audit import views  # noqa: E402,F401

register_nav("audit.events", _l("Audit log"), [Role.ADMIN], order=92)
