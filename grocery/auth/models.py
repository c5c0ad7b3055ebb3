"""Staff accounts, their login sessions and the login attempts used for throttling."""

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from grocery.auth.roles import Role
from grocery.extensions import db
from grocery.timeutil import utcnow
from grocery.types import UTCDateTime

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint("preferred_language IN ('fr', 'nl', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    preferred_language: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Changed with every password change so that other sessions of this user are logged out.
    session_token: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.is_active_account)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    #: The key of the login session this object was loaded for (set by start_session and the user loader);
    #: Flask-Login stores it in the session cookie. Not a column.
    session_key = None
    #: Whether the user has any site grant (grocery.sites.models.SiteRole), as read with the login session; None:
    #: not known, read when needed. Not a column.
    has_site_grants = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("log in through grocery.auth.sessions.start_session")
        return self.session_key

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        return self.role in {Role(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class AuthSession(db.Model):
    """One login session on the server: the cookie carries its key (the table keeps only a hash of it). It ends at
    logout, after the idle time, or when the user's session_token changes (password change, deactivation)."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the key in the cookie (hex).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The user's session_token when the session started: a later password change ends the session.
    user_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Written at most once per SESSION_TOUCH_SECONDS: the idle timeout counts from here.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_addr: Mapped[str] = mapped_column(String(64))


class LoginAttempt(db.Model):
    """One password check (login or kiosk exit): failures from one address, and for one account, slow the next
    attempts down (see grocery.auth.throttle)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_lookup", "username", "remote_addr", "attempted_at"),
                      Index("ix_login_attempts_address", "remote_addr", "attempted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed (lower-cased), whether or not such a user exists.
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Refused by the throttle without checking the password: does not count as a failure.
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: "login" or "kiosk_exit".
    purpose: Mapped[str] = mapped_column(String(16), default="login", server_default=text("'login'"))
