"""Login sessions kept on the server: started at login, ended at logout, after the idle time or a password change."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, exists, inspect, select, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from grocery.auth.models import AuthSession, User
from grocery.dbutil import run
from grocery.extensions import db
from grocery.timeutil import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, remote_addr: str | None) -> str:
    """Open a login session for this user and return its key, which the session cookie carries (also set on
    user.session_key for Flask-Login). The table keeps only a hash of the key."""
    key = secrets.token_urlsafe(32)
    db.session.add(AuthSession(key_hash=_hash(key), user_id=user.id, user_token=user.session_token,
                               remote_addr=(remote_addr or "unknown")[:64]))
    db.session.flush()
    user.session_key = key
    return key


def end_session(key: str | None) -> None:
    """Logout: the session ends on the server, so a copy of its cookie no longer opens anything."""
    if key:
        db.session.execute(update(AuthSession).where(AuthSession.key_hash == _hash(key), AuthSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))


#: The User attributes a request's user is built from (every column).
_USER_FIELDS = tuple(attribute.key for attribute in inspect(User).column_attrs)


@cache
def _session_user_query():
    """Built once: every request runs it, and building a select costs more than running it (bench/README). It also
    says whether the user has any site grant, so that a user without one (every user of a one-site installation)
    costs no statement to know their role at the current site (grocery.sites.roles)."""
    from grocery.sites.models import SiteRole

    has_grants = exists().where(SiteRole.user_id == User.id)
    return (select(*(getattr(User, field) for field in _USER_FIELDS), AuthSession.id, AuthSession.last_seen_at,
                   has_grants)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.key_hash == bindparam("key_hash"), AuthSession.ended_at.is_(None),
                   AuthSession.last_seen_at > bindparam("seen_after"),
                   AuthSession.user_token == User.session_token, User.is_active_account.is_(True)))


def _user_from_row(values: tuple) -> User:
    """The User of a row of every column, as the ORM would load it (in the session, attributes loaded), without
    the ORM's work per query; the object already in the session if there is one."""
    user = db.session.identity_map.get(identity_key(User, values[0]))
    if user is None:
        user = User(**dict(zip(_USER_FIELDS, values, strict=True)))
        make_transient_to_detached(user)
        db.session.add(user)
    return user


def load_session_user(key: str | None) -> User | None:
    """The user of a live session, read in ONE statement (session joined to account): not ended, seen within
    SESSION_IDLE_MINUTES, started under the user's current session_token (a password change or deactivation ends
    it) and an active account. The last-seen time is written at most once per SESSION_TOUCH_SECONDS and committed
    at once; the user loader runs before any view (grocery.security.enforce_roles), so nothing else is committed.
    Read as a plain row (grocery.dbutil.run) and made the session's User object (_user_from_row): a third of the
    cost of an ORM query, paid by every request."""
    if not key or len(key) > 128:
        return None
    now = utcnow()
    config = current_app.config
    seen_after = now - timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    row = run(_session_user_query(), {"key_hash": _hash(key), "seen_after": seen_after}).first()
    if row is None:
        return None
    width = len(_USER_FIELDS)
    user, session_id, last_seen = _user_from_row(row[:width]), row[width], row[width + 1]
    user.session_key = key
    user.has_site_grants = bool(row[width + 2])
    if now - last_seen >= timedelta(seconds=config["SESSION_TOUCH_SECONDS"]):
        db.session.execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))
        db.session.commit()
    return user
