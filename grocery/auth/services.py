"""Accounts and login rules: password length, unique usernames, login throttling, the last administrator."""

import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import changes, record_event
from grocery.auth.models import AuthSession, LoginAttempt, User
from grocery.auth.roles import Role
from grocery.auth.throttle import dummy_password_check, throttled_check
from grocery.errors import Conflict, FieldErrors, GroceryError, ValidationError
from grocery.extensions import db
from grocery.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
LOGIN_FAILED_MESSAGE = _l("Unknown username or wrong password.")


class LoginFailed(GroceryError):
    code = "login_failed"
    status = 401
    default_message = LOGIN_FAILED_MESSAGE


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()


def check_password_rules(password: str | None, field: str = "password") -> str:
    """A password has at least 10 characters and is not only spaces."""
    if not password or len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise ValidationError(field, _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > 256:
        raise ValidationError(field, _l("The password is too long."))
    return password


def _check_role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationError("role", _l("Unknown role “%(role)s”. Known roles: %(known)s.",
                                         role=role, known=known)) from None


def check_new_user(*, username: str | None, password: str | None, role: str | None,
                   preferred_language: str | None) -> tuple[str, str]:
    """A new account's username, role, password and language checked, every wrong field at once (one
    ValidationError); returns (normalised username, role)."""
    errors = FieldErrors()
    username = normalise_username(username)
    if not _USERNAME.match(username):
        errors.add("username", _l("The username takes 2 to 64 lower-case letters, digits, dots, dashes or "
                                  "underscores."))
    with errors.collect():
        role = _check_role(role or "")
    with errors.collect():
        check_password_rules(password)
    if preferred_language not in current_app.config["GROCERY_LOCALES"]:
        errors.add("preferred_language", _l("Unknown language."))
    errors.raise_if_any()
    return username, role


def create_user(actor, *, username: str, password: str, role: str, display_name: str | None = None,
                preferred_language: str = "fr") -> User:
    """Create a staff account; usernames are unique (case-insensitive) and passwords follow the rules."""
    username, role = check_new_user(username=username, password=password, role=role,
                                    preferred_language=preferred_language)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_l("The username “%(username)s” is already taken.", username=username))
    user = User(username=username, display_name=(display_name or username).strip()[:120], role=role,
                preferred_language=preferred_language, session_token=secrets.token_hex(16),
                created_by_id=getattr(actor, "id", None), is_active_account=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.create", user, {"username": username, "role": role})
    return user


def active_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.is_active_account.is_(True))
    ) or 0


def update_user(actor, user: User, *, display_name: str, role: str, preferred_language: str,
                is_active: bool) -> dict:
    """Change an account; the last active administrator cannot lose the role or be deactivated."""
    role = _check_role(role)
    if preferred_language not in current_app.config["GROCERY_LOCALES"]:
        raise ValidationError("preferred_language", _l("Unknown language."))
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationError("display_name", _l("Enter the name shown to colleagues."))
    removes_admin = user.role == Role.ADMIN.value and user.is_active_account and (
        role != Role.ADMIN.value or not is_active)
    if removes_admin and active_admin_count() <= 1:
        raise ValidationError("role", _l("This is the last active administrator: appoint another one first."))
    if actor is not None and getattr(actor, "id", None) == user.id and not is_active:
        raise ValidationError("is_active", _l("You cannot deactivate your own account."))
    changed = changes(user, ["display_name", "role", "preferred_language"],
                      {"display_name": display_name[:120], "role": role, "preferred_language": preferred_language})
    if bool(user.is_active_account) != bool(is_active):
        changed["is_active"] = [user.is_active_account, is_active]
        user.is_active_account = is_active
        if not is_active:
            user.session_token = secrets.token_hex(16)
    if changed:
        db.session.flush()
        record_event(actor, "user.update", user, changed)
    return changed


def set_password(actor, user: User, password: str, *, current_password: str | None = None) -> None:
    """Set a new password (checking the current one when a user changes their own); other sessions end."""
    if current_password is not None and not user.check_password(current_password):
        raise ValidationError("current_password", _l("The current password is wrong."))
    check_password_rules(password)
    user.set_password(password)
    user.session_token = secrets.token_hex(16)
    db.session.flush()
    own = actor is not None and getattr(actor, "id", None) == user.id
    record_event(actor, "user.password_change" if own else "user.password_reset", user)


def authenticate(username: str | None, password: str | None, remote_addr: str) -> User:
    """Check a login through the throttle (grocery.auth.throttle: growing delays per address and per account,
    LoginLocked while one applies). Unknown user, inactive account and wrong password get the same message and
    take the same time (an unknown user's password is hashed against a dummy hash). Each attempt is recorded
    (the caller commits even on failure)."""
    name = normalise_username(username)[:64]
    password = password or ""
    found: list[User] = []

    def check() -> bool:
        user = db.session.scalar(select(User).where(User.username == name)) if name else None
        if user is None:
            return dummy_password_check(password)
        found.append(user)
        return user.check_password(password) and bool(user.is_active_account)

    if not throttled_check(name, remote_addr, "login", check):
        raise LoginFailed()
    user = found[0]
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def check_kiosk_exit(user: User, password: str | None, remote_addr: str) -> bool:
    """The password that closes kiosk mode is the opener's: checked through the same throttle as the login and
    recorded in the login attempts (purpose "kiosk_exit"); LoginLocked while a delay applies."""
    return throttled_check(user.username, remote_addr, "kiosk_exit",
                           lambda: user.check_password(password or ""))


def purge_login_attempts(older_than_days: int = 30) -> int:
    """Forget login attempts and ended or idle login sessions older than the given number of days."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    rows = db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff))
    db.session.execute(db.delete(AuthSession).where(AuthSession.last_seen_at < cutoff))
    return rows.rowcount or 0
