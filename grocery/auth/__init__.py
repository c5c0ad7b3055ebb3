"""Authentication: login, logout, own password, language."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from grocery.auth import views  # noqa: E402,F401
from grocery.sites.documents import document_header  # noqa: E402
from grocery.sites.roles import current_role  # noqa: E402
from grocery.sites.services import picker_for  # noqa: E402


def site_picker():
    """The header's site picker for the logged-in user (grocery.sites.services.picker_for), or None."""
    from flask_login import current_user

    return picker_for(current_user) if current_user.is_authenticated and current_role() is not None else None


bp.add_app_template_global(current_role, "current_role")
bp.add_app_template_global(site_picker, "site_picker")
bp.add_app_template_global(document_header, "document_header")
