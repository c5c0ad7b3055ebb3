"""Security by default: role checks before every request, security headers after it, the user loader."""

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grocery.auth.models import User
from grocery.auth.roles import PUBLIC, declared_roles
from grocery.auth.sessions import load_session_user
from grocery.extensions import login_manager
from grocery.sites.context import NoSite
from grocery.sites.roles import current_role

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    """The cookie carries the key of a login session kept on the server (grocery.auth.sessions): logout, the idle
    time, a password change or a deactivation end it."""
    return load_session_user(session_key)


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify({"error": "unauthenticated", "message": str(_l("Please log in."))}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def load_user_first() -> None:
    """Load the session's user before anything else runs: the loader may commit the session's last-seen time,
    which must not commit a view's half-done work."""
    _ = current_user.is_authenticated


#: What a user who works at no open site may still do: log out, change their password.
SITELESS_ENDPOINTS = frozenset({"auth.logout", "auth.change_password"})


def enforce_roles():
    """Every endpoint must declare its roles (roles_required or public); undeclared endpoints are refused. The role
    checked is the user's role at the current site (grocery.sites.roles.current_role); a user who works at no open
    site gets a page that says so."""
    if request.endpoint is None:
        return None  # unknown URL: the 404 handler answers
    if request.endpoint == "static":
        return None
    roles = declared_roles(current_app.view_functions.get(request.endpoint))
    if roles is None:
        abort(403)
    if roles is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    role = current_role()
    if role is None:
        if request.endpoint in SITELESS_ENDPOINTS:
            return None
        raise NoSite(_l("Your account works at no open site: ask an administrator."))
    if role not in roles:
        abort(403)
    return None


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    # The user this request already loaded, if any: reading current_user again after a commit would reload it.
    user = g.get("_login_user") or current_user
    if not getattr(user, "is_anonymous", True):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    # Registered before CSRFProtect so that an anonymous or unauthorised request is answered first.
    app.before_request(load_user_first)
    app.before_request(enforce_roles)
    app.after_request(set_security_headers)
