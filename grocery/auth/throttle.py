"""Password throttling (login and kiosk exit): failures slow down the next attempts, per address and per account."""

import hashlib
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from grocery.auth.models import LoginAttempt
from grocery.errors import GroceryError
from grocery.extensions import db
from grocery.timeutil import utcnow

_DUMMY_HASHES: dict[str, str] = {}


class LoginLocked(GroceryError):
    code = "login_locked"
    status = 429
    default_message = _l("Too many failed attempts. Try again in %(wait)s or ask a coordinator.")


def dummy_password_check(password: str) -> bool:
    """Hash the password against a hash of nothing, so that an unknown user takes as long as a wrong password."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)
    return False


def delay_after(failures: int) -> timedelta:
    """No delay below LOGIN_MAX_FAILURES failures; at that number LOGIN_DELAY_SECONDS, doubled at each further
    failure, at most LOGIN_LOCKOUT_MINUTES (failures older than that window no longer count)."""
    config = current_app.config
    extra = failures - config["LOGIN_MAX_FAILURES"]
    if extra < 0:
        return timedelta(0)
    longest = config["LOGIN_LOCKOUT_MINUTES"] * 60
    return timedelta(seconds=min(config["LOGIN_DELAY_SECONDS"] * 2 ** min(extra, 20), longest))


def _failures(condition, since: datetime) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
            condition, LoginAttempt.succeeded.is_(False), LoginAttempt.refused.is_(False),
            LoginAttempt.attempted_at >= since)).one()
    return count or 0, last


def is_known_address(username: str, remote_addr: str) -> bool:
    """An address this account logged in from successfully within LOGIN_KNOWN_ADDRESS_DAYS."""
    since = utcnow() - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    return db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr,
        LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at >= since).limit(1)) is not None


def seconds_to_wait(username: str, remote_addr: str) -> int:
    """How long this address must wait before its next password check for this account (0: it may try now).

    Two counters, each over the last LOGIN_LOCKOUT_MINUTES, each with the growing delays of `delay_after` counted
    from its own last failure:
    - the address: failures from it, whatever the username (one guesser, many accounts);
    - the account: failures for this username from every address (many guessers, one account). This one does not
      apply to an address the account has logged in from before: someone else's failures cannot lock a user out
      of the computers they use, while a guesser spread over new addresses is slowed down as one.
    Attempts refused by the throttle are recorded but do not count: trying while waiting does not lengthen it."""
    now = utcnow()
    since = now - timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    until = now
    count, last = _failures(LoginAttempt.remote_addr == remote_addr, since)
    if last is not None and count:
        until = max(until, last + delay_after(count))
    if not is_known_address(username, remote_addr):
        count, last = _failures(LoginAttempt.username == username, since)
        if last is not None and count:
            until = max(until, last + delay_after(count))
    return math.ceil((until - now).total_seconds())


def _lock_key(kind: str, value: str) -> int:
    return int.from_bytes(hashlib.sha256(f"grocery-login:{kind}:{value}".encode()).digest()[:8], "big", signed=True)


def _serialise(username: str, remote_addr: str) -> None:
    """Checks for one address or one account take turns until the transaction ends. PostgreSQL: two advisory
    locks, always the address first (no deadlock). SQLite: the first write of the transaction (the attempt's
    INSERT that follows) takes the database's write lock, which does the same."""
    if db.session.get_bind().dialect.name == "postgresql":
        for kind, value in (("address", remote_addr), ("account", username)):
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(kind, value)})


def _locked(wait: int) -> LoginLocked:
    return LoginLocked(_l("Too many failed attempts. Try again in %(wait)s or ask a coordinator.",
                          wait=format_timedelta(timedelta(seconds=max(wait, 1)), add_direction=False)))


def throttled_check(username: str, remote_addr: str, purpose: str, check: Callable[[], bool]) -> bool:
    """Run one password check (`check`, which hashes) unless the throttle says to wait; record the attempt.

    Raises LoginLocked (the attempt is recorded as refused) when the address must wait. The decision is taken
    again after the hashing, under a lock per address and per account, with this attempt already written: of
    twenty simultaneous attempts, only those the counters allow are checked. The caller commits, also on failure."""
    username = username[:64]
    remote_addr = (remote_addr or "unknown")[:64]
    wait = seconds_to_wait(username, remote_addr)
    if wait > 0:  # cheap refusal first: a throttled address does not make the server hash
        db.session.add(LoginAttempt(username=username, remote_addr=remote_addr, purpose=purpose, refused=True))
        db.session.flush()
        raise _locked(wait)
    ok = check()
    _serialise(username, remote_addr)
    attempt = LoginAttempt(username=username, remote_addr=remote_addr, purpose=purpose, refused=True)
    db.session.add(attempt)
    db.session.flush()
    wait = seconds_to_wait(username, remote_addr)
    if wait > 0:
        raise _locked(wait)
    attempt.refused = False
    attempt.succeeded = ok
    db.session.flush()
    return ok
