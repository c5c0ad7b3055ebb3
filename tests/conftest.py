"""Fixtures: one app per run (tables created once), rows deleted after each test, a client per test."""

import contextvars
import re
import shutil

import pytest
from flask.testing import FlaskClient

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db as _db
from grocery.settings.services import forget_stored_settings

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Client(FlaskClient):
    """Each request runs in its own application context (fresh `g` and database session), as in production,
    even when the test itself holds an application context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, path: str = "/") -> str:
        """The CSRF token of this client's session, read from a page as a browser would."""
        page = self.get(path, follow_redirects=True).get_data(as_text=True)
        match = _META_TOKEN.search(page)
        assert match, f"no CSRF token in {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, like the browser would after opening a page."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(path, data=payload, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(TestingConfig)
    app.test_client_class = Client
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """The database inside an application context; every row is deleted after the test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(table.delete())
        _db.session.commit()
        forget_stored_settings()  # the settings rows are gone: the next test reads its own
        _db.session.remove()


@pytest.fixture()
def client(app, db) -> Client:
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def login(client, db):
    """login(role) creates a committed account with that role and logs the client in; returns the user."""
    from tests.factories import PASSWORD, make_user

    def _login(role, **overrides):
        user = make_user(role=role, **overrides)
        db.session.commit()
        token = client.csrf_token("/login")
        response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium for browser tests; CI installs it, and there a missing browser is a failure."""
    import os

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    return path


@pytest.fixture()
def live_server(app, db):
    """The app served on a free local port in a thread, for browser tests; its URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
