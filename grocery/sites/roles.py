"""The logged-in user's role at the current site: what every permission decision reads (routes, menus, buttons)."""

from flask import g, has_request_context
from flask_login import current_user

from grocery.auth.roles import Role
from grocery.sites.context import NoSite, current_site_id

_G_KEY = "_grocery_current_role"
_UNSET = object()


def current_role() -> Role | None:
    """The logged-in user's role at the current site (grocery.sites.services.role_at), read once per request; None
    for an anonymous visitor or a user who works at no active site. An administrator, and a user without any site
    grant (the session's read says so), have their account's role everywhere: no statement, no site resolved."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    cached = g.get(_G_KEY, _UNSET)
    if cached is not _UNSET:
        return cached
    role = _resolve(current_user)
    setattr(g, _G_KEY, role)
    return role


def forget_current_role() -> None:
    """Resolve the role again at the next use (after the current site or the user's grants changed)."""
    g.pop(_G_KEY, None)


def _resolve(user) -> Role | None:
    from grocery.sites.services import role_at

    if user.role == Role.ADMIN.value or user.has_site_grants is False:
        return Role(user.role)
    try:
        site_id = current_site_id()
    except NoSite:
        return None
    return role_at(user, site_id)
