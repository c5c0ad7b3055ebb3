"""The tablet remembers its site with its till: a long-lived signed cookie written when a till is opened or continued
on it, read when the next person signs in and reaches the till.

Why a cookie rather than the till page's local storage: the site must be known by the server before the first till
page is drawn (the list of tills and their open sessions, the open form, the header), that is on the first request
after signing in, before any script of ours runs; a cookie comes with that request. It is signed with the
application's secret (nothing forged names another site), outlives the login session (signing out clears the
session, not this cookie) and holds a site id only. It never grants anything: the site is taken only when the
person signing in works there (grocery.sites.services.site_ids_for), and only when they have not chosen a site in
this login session.
"""

from flask import current_app, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from grocery.sites.context import SESSION_KEY, forget_current_site

#: The cookie's name and lifetime (a year: a tablet stays at its grocery).
COOKIE = "grocery_till_site"
MAX_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="grocery.till-site")


def remember_tablet_site(response, site_id: int):
    """Write the tablet's site on the response (the till was opened or continued here at `site_id`)."""
    if tablet_site_id() != site_id:
        response.set_cookie(COOKIE, _serializer().dumps(site_id), max_age=MAX_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def tablet_site_id() -> int | None:
    """The site this tablet remembers, None when it remembers none (or the cookie was tampered with)."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def apply_tablet_site() -> None:
    """On a till page, when the signed-in person has chosen no site in this login session: work at the tablet's
    site if they work there (one read of their sites, once per login session)."""
    if SESSION_KEY in session or not getattr(current_user, "is_authenticated", False):
        return
    site_id = tablet_site_id()
    if site_id is None:
        return
    from grocery.sites.services import site_ids_for

    if site_id in site_ids_for(current_user):
        session[SESSION_KEY] = site_id
        forget_current_site()
