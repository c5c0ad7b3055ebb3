"""Configuration classes; every deployment setting comes from a GROCERY_* environment variable."""

import os
from pathlib import Path


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for a local run on SQLite; production overrides through the environment."""

    #: None means "a SQLite file in the instance folder", resolved by create_app.
    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("GROCERY_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: A pooled connection idle for this many seconds is checked (a round trip) before use; one in constant use is
    #: not (SQLAlchemy's pool_pre_ping would check it at every request). See grocery._ping_idle_connections.
    DATABASE_PING_IDLE_SECONDS: float = 10
    #: None means "read or create instance/secret_key", resolved by create_app.
    SECRET_KEY: str | None = os.environ.get("GROCERY_SECRET_KEY")
    GROCERY_TIMEZONE: str = os.environ.get("GROCERY_TIMEZONE", "Europe/Brussels")
    BABEL_DEFAULT_LOCALE: str = os.environ.get("GROCERY_DEFAULT_LOCALE", "fr")
    #: Language of the `flask` commands' messages (grocery.i18n.cli_language); None: BABEL_DEFAULT_LOCALE.
    GROCERY_CLI_LANGUAGE: str | None = os.environ.get("GROCERY_CLI_LANGUAGE")
    BABEL_DEFAULT_TIMEZONE: str = "UTC"
    #: Interface languages offered (each needs its catalogs); formats follow their Belgian variant (grocery.i18n).
    GROCERY_LOCALES: tuple[str, ...] = ("fr", "nl", "en")
    #: Set GROCERY_SECURE_COOKIES=1 when the app is served over HTTPS.
    SESSION_COOKIE_SECURE: bool = _env_flag("GROCERY_SECURE_COOKIES")
    REMEMBER_COOKIE_SECURE: bool = _env_flag("GROCERY_SECURE_COOKIES")
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    REMEMBER_COOKIE_HTTPONLY: bool = True
    REMEMBER_COOKIE_SAMESITE: str = "Lax"
    PERMANENT_SESSION_LIFETIME: int = 12 * 3600
    WTF_CSRF_TIME_LIMIT: int | None = 12 * 3600
    MAX_CONTENT_LENGTH: int = 60 * 1024 * 1024
    #: Largest spreadsheet accepted by the imports (below MAX_CONTENT_LENGTH, so that the import says it clearly).
    GROCERY_IMPORT_MAX_BYTES: int = int(os.environ.get("GROCERY_IMPORT_MAX_MB", "50")) * 1024 * 1024
    #: Login throttle (grocery.auth.throttle): from LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_MINUTES (per
    #: address, and per account from addresses it never logged in from), each next attempt waits
    #: LOGIN_DELAY_SECONDS, doubled at each further failure, at most LOGIN_LOCKOUT_MINUTES.
    LOGIN_MAX_FAILURES: int = 5
    LOGIN_LOCKOUT_MINUTES: int = 15
    LOGIN_DELAY_SECONDS: int = 30
    #: An address an account logged in from within these days is not slowed down by others' failures on it.
    LOGIN_KNOWN_ADDRESS_DAYS: int = 30
    #: A login session ends after this many minutes without a request (GROCERY_SESSION_IDLE_MINUTES).
    SESSION_IDLE_MINUTES: int = int(os.environ.get("GROCERY_SESSION_IDLE_MINUTES", "240"))
    #: The session's last-seen time is written at most this often (not at every request).
    SESSION_TOUCH_SECONDS: int = 60
    #: A process keeps the stored settings this many seconds (grocery.settings.services.StoredSettings): a change is
    #: seen at once by the process that made it, within this time by the other gunicorn workers.
    SETTINGS_CACHE_SECONDS: float = float(os.environ.get("GROCERY_SETTINGS_CACHE_SECONDS", "5"))
    #: Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    TRUSTED_PROXIES: int = int(os.environ.get("GROCERY_TRUSTED_PROXIES", "0"))
    TESTING: bool = False
    #: werkzeug hashing method for passwords (scrypt by default; the tests use a faster one).
    PASSWORD_HASH_METHOD: str = "scrypt"  # noqa: S105 - a method name, not a password


class ConfigurationError(RuntimeError):
    """A deployment setting is missing or wrong: the application refuses to start, saying which and how to fix it."""


class ProductionConfig(Config):
    """Production: the database URL and the secret must come from the environment (create_app refuses to start
    without them rather than fall back to a SQLite file and a generated key)."""

    REQUIRE_DEPLOYMENT_SETTINGS = True

    SESSION_COOKIE_SECURE = _env_flag("GROCERY_SECURE_COOKIES", default=True)
    REMEMBER_COOKIE_SECURE = _env_flag("GROCERY_SECURE_COOKIES", default=True)


class TestingConfig(Config):
    """The test suite: in-memory SQLite unless GROCERY_TEST_DATABASE_URL names another database."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("GROCERY_TEST_DATABASE_URL", "sqlite://")
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    WTF_CSRF_ENABLED = True
    SERVER_NAME = "localhost"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name


def check_deployment_settings(config) -> None:
    """Refuse to start in production without GROCERY_DATABASE_URL or GROCERY_SECRET_KEY."""
    if not config.get("REQUIRE_DEPLOYMENT_SETTINGS"):
        return
    missing = [name for name, key in (("GROCERY_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"),
                                      ("GROCERY_SECRET_KEY", "SECRET_KEY")) if not config.get(key)]
    if missing:
        raise ConfigurationError(
            f"GROCERY_ENV=production needs {' and '.join(missing)} in the environment: the application does not "
            "start on a local SQLite file or a generated secret key in production. Set "
            "GROCERY_DATABASE_URL=postgresql://user:password@host/database and a long random GROCERY_SECRET_KEY "
            "(python3 -c \"import secrets; print(secrets.token_hex(32))\"), the same on every worker; or unset "
            "GROCERY_ENV for a local trial.")


def default_sqlite_uri(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'grocery.sqlite'}"
