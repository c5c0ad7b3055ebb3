"""Administration for administrators: accounts and the sites where they work, the installation's sites."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from grocery.auth.roles import Role
from grocery.navigation import register_nav

bp = Blueprint("admin", __name__, url_prefix="/admin")

from grocery.admin import sites, views  # noqa: E402,F401

# "admin.user" / "admin.site": endpoint prefixes, so that each item is marked on its own pages only.
register_nav("admin.sites", _l("Sites"), [Role.ADMIN], order=89, blueprint="admin.site")
register_nav("admin.users", _l("Accounts"), [Role.ADMIN], order=90, blueprint="admin.user")
