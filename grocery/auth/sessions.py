"""Login sessions kept on the server: started at login, ended at logout, after the idle time or a password change."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update

from grocery.auth.models import AuthSession, User
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


@cache
def _session_user_query():
    """Built once: every request runs it, and building a select costs more than running it (bench/README)."""
    return (select(User, AuthSession.id, AuthSession.last_seen_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.key_hash == bindparam("key_hash"), AuthSession.ended_at.is_(None),
                   AuthSession.last_seen_at > bindparam("seen_after"),
                   AuthSession.user_token == User.session_token, User.is_active_account.is_(True)))


def load_session_user(key: str | None) -> User | None:
    """The user of a live session, read in ONE statement (session joined to account): not ended, seen within
    SESSION_IDLE_MINUTES, started under the user's current session_token (a password change or deactivation ends
    it) and an active account. The last-seen time is written at most once per SESSION_TOUCH_SECONDS and committed
    at once; the user loader runs before any view (grocery.security.enforce_roles), so nothing else is committed."""
    if not key or len(key) > 128:
        return None
    now = utcnow()
    config = current_app.config
    seen_after = now - timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    row = db.session.execute(_session_user_query(), {"key_hash": _hash(key), "seen_after": seen_after}).first()
    if row is None:
        return None
    user, session_id, last_seen = row
    user.session_key = key
    if now - last_seen >= timedelta(seconds=config["SESSION_TOUCH_SECONDS"]):
        db.session.execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))
        db.session.commit()
    return user
