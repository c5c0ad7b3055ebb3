"""grocery: software for social groceries. create_app() builds the Flask application."""

import importlib
import os
import secrets
import sqlite3
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from grocery.config import Config, ProductionConfig, check_deployment_settings, default_sqlite_uri
from grocery.extensions import babel, csrf, db, migrate
from grocery.i18n import select_locale

ROOT = Path(__file__).resolve().parent.parent

#: Domain packages, each exposing a blueprint `bp`; importing one registers its models, settings, navigation
#: and demo data.
BLUEPRINTS = (
    "grocery.main",
    "grocery.auth",
    "grocery.admin",
    "grocery.audit",
    "grocery.settings",
    "grocery.households",
    "grocery.stock",
    "grocery.checkout",
    "grocery.checkout.api",
    "grocery.checkout.openapi",
    "grocery.volunteers",
    "grocery.appointments",
    "grocery.imports",
    "grocery.reports",
    "grocery.notifications",
)


def create_app(config_class: type | None = None) -> Flask:
    if config_class is None:
        config_class = ProductionConfig if os.environ.get("GROCERY_ENV") == "production" else Config
    app = Flask(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.from_object(config_class)
    check_deployment_settings(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_database(app)
    _configure_secret_key(app)
    _configure_translations(app)

    db.init_app(app)
    _ping_idle_connections(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)

    from grocery.errors import register_error_handlers
    from grocery.security import init_security

    _configure_serving_lock(app)  # first of the before-request functions: taken even when a later one answers
    init_security(app)
    csrf.init_app(app)
    importlib.import_module("grocery.requestguard").init_request_guard(app)  # NUL characters, over-deep JSON: 400
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    register_error_handlers(app)

    from grocery.cli import register_cli
    from grocery.templating import register_template_helpers

    register_cli(app)
    register_template_helpers(app)
    _configure_proxies(app)
    return app


def _configure_serving_lock(app: Flask) -> None:
    """On a SQLite file, each process that serves requests holds the serving lock (grocery.serving), which
    `flask restore` checks. The CLI never serves a request, so it never holds it."""
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    from grocery.serving import hold_serving_lock

    database = Path(url.database).resolve()
    app.before_request(lambda: hold_serving_lock(database))


def _configure_proxies(app: Flask) -> None:
    """Behind N reverse proxies (GROCERY_TRUSTED_PROXIES=N), the client's address and scheme are the ones the
    proxies forwarded; without proxies (0, the default) X-Forwarded-* headers are ignored, as anyone can send them."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _configure_database(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or default_sqlite_uri(app.instance_path)
    if uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri[len("postgres://"):]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.pop("pool_pre_ping", None)
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def idle_clock() -> float:
    """The clock of the pooled connections' idle time (a function of its own: the tests move it)."""
    return time.monotonic()


def _ping_idle_connections(app: Flask) -> None:
    """A server database (PostgreSQL): a pooled connection that has been idle DATABASE_PING_IDLE_SECONDS or more is
    checked with a round trip before a request uses it, and replaced if the server dropped it (a restart, a network
    cut); a connection in use a moment ago is not checked. pool_pre_ping would check it at every request: one round
    trip more per request, on both the app's and the database's CPU."""
    seconds = app.config.get("DATABASE_PING_IDLE_SECONDS")
    with app.app_context():
        engine = db.engine
    if seconds is None or engine.dialect.name == "sqlite" or app.config["SQLALCHEMY_ENGINE_OPTIONS"].get(
            "pool_pre_ping"):
        return

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["grocery.idle_since"] = idle_clock()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("grocery.idle_since")
        if since is None or idle_clock() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:  # the pool replaces it and tries again
            raise DisconnectionError("idle connection lost") from error


def _configure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / "secret_key"
    try:  # O_EXCL: when several workers start at once, one writes the key and the others read it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()


def _configure_translations(app: Flask) -> None:
    """One catalog per domain package (grocery/<domain>/translations), merged by Flask-Babel."""
    package = ROOT / "grocery"
    directories = [str(path) for path in sorted(package.glob("**/translations")) if path.is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, write-ahead log for concurrent readers, wait instead of failing on locks."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
