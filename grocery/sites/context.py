"""The current site: the site a new row of a site-owned table belongs to when its writer names none.

Rule (`current_site_id`), first match wins:
1. inside `using_site(site_id)` (a CLI command, a test, a generator given a site): that site;
2. the only active site, when the installation has one (every installation today: one SELECT, cached for the
   request or the application context);
3. in a request of a user who works at several sites: the site chosen in the login session (SESSION_KEY, set by
   the site picker of a later version) when the user may work there, else the first of the user's sites;
4. outside a request: the first active site.
The till does not ask: its writers take the site of their till session (a sale, the stock movements of its lines),
and a till session takes the current site when it is opened.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_app_context, has_request_context, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.sites.models import Site

#: The login session's key holding the site an office user with several sites works at.
SESSION_KEY = "site_id"
_G_KEY = "_grocery_current_site_id"
_override: ContextVar[int | None] = ContextVar("grocery_site_override", default=None)


class NoSite(GroceryError):
    """The user works at none of the active sites."""

    status = 403


@contextmanager
def using_site(site_id: int) -> Iterator[int]:
    """Within this block, new rows of site-owned tables go to `site_id` unless their writer names another."""
    token = _override.set(site_id)
    try:
        yield site_id
    finally:
        _override.reset(token)


def current_site_id(connection=None) -> int:
    """The id of the current site (see the module's rule). `connection`: the one to read the sites with (a column
    default runs inside a flush, where it must not use the session)."""
    override = _override.get()
    if override is not None:
        return override
    if has_app_context() and (cached := g.get(_G_KEY)) is not None:
        return cached
    site_id, made = _resolve(connection if connection is not None else db.session.connection())
    if has_app_context() and not made:  # a site made just now may still be rolled back with its transaction
        setattr(g, _G_KEY, site_id)
    return site_id


def forget_current_site() -> None:
    """Drop the cached current site (after the sites or the session's choice changed)."""
    if has_app_context():
        g.pop(_G_KEY, None)


def site_default(context) -> int:
    """Python-side default of every site_id column: the current site, read on the flush's own connection."""
    return current_site_id(context.connection)


@event.listens_for(Session, "before_flush")
def _site_before_flush(session, _flush_context, _instances) -> None:
    """A new row of a site-owned table with no site named: resolve the current site before the flush, so that a user
    who works at no open site gets NoSite (a 403 saying to ask an administrator), not the database layer's wrapped
    StatementError. Costs nothing when the writer names the site (the till) or the site is already resolved."""
    if _override.get() is not None or (has_app_context() and g.get(_G_KEY) is not None):
        return
    for obj in session.new:
        column = getattr(obj, "__table__", None) is not None and obj.__table__.c.get("site_id")
        if column is not None and column is not False and column.default is not None and obj.site_id is None:
            current_site_id()
            return


def _resolve(connection) -> tuple[int, bool]:
    """(the current site's id, whether it was made just now)."""
    from grocery.sites.services import create_first_site, site_ids_for

    active = list(connection.execute(select(Site.id).where(Site.is_active.is_(True)).order_by(Site.id)).scalars())
    if not active:
        if connection.execute(select(Site.id).limit(1)).first() is not None:
            raise NoSite(_l("Your account works at no open site: ask an administrator."))
        # A database made from the models (tests, benchmarks) rather than by the migrations, which make the first
        # site: it gets it now, as the migration would have made it.
        return create_first_site(connection), True
    if len(active) == 1:
        return active[0], False
    if has_request_context():
        from flask_login import current_user

        if current_user.is_authenticated:
            allowed = [site_id for site_id in site_ids_for(current_user, connection) if site_id in active]
            if not allowed:
                raise NoSite(_l("Your account works at no open site: ask an administrator."))
            chosen = session.get(SESSION_KEY)
            return (chosen if chosen in allowed else allowed[0]), False
    return active[0], False
