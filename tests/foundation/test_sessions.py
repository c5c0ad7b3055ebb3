"""Login sessions kept on the server: logout, idle time, one statement per request, rare last-seen writes."""

from datetime import timedelta

from sqlalchemy import event, select, update

from grocery.auth.models import AuthSession
from grocery.auth.roles import Role
from grocery.timeutil import utcnow


def _copy_cookie(source, app):
    """A second browser holding a copy of `source`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", source.get_cookie("session").value, domain="localhost")
    return thief


def test_logout_ends_the_session_on_the_server(app, client, db, login):
    """Does a cookie copied before logout still open pages after it? (no: the login page)"""
    login(Role.COORDINATOR)
    thief = _copy_cookie(client, app)
    assert thief.get("/").status_code == 200
    assert client.post_form("/logout").status_code == 302
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/api/till/catalogue").status_code == 401
    ended = db.session.scalars(select(AuthSession.ended_at)).all()
    assert len(ended) == 1 and ended[0] is not None


def test_session_ends_after_the_idle_time(app, client, db, login):
    """After SESSION_IDLE_MINUTES without a request, is the session over? And just before, is it alive?"""
    login(Role.SOCIAL_WORKER)
    idle = app.config["SESSION_IDLE_MINUTES"]
    db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=idle - 1)))
    db.session.commit()
    assert client.get("/").status_code == 200
    # The request wrote the last-seen time: the idle time counts from now again.
    db.session.expire_all()
    assert utcnow() - db.session.scalar(select(AuthSession.last_seen_at)) < timedelta(minutes=1)
    db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=idle + 1)))
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_request_checks_the_session_in_one_statement(app, client, db, login):
    """Is the user with their session read in ONE statement, and the last-seen time written at most once a
    minute rather than at every request?"""
    login(Role.CASHIER)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            statements.clear()
            assert client.get("/health").status_code == 200
            assert len(statements) == 1 and "auth_sessions" in statements[0] and "users" in statements[0]
        db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(seconds=90)))
        db.session.commit()
        statements.clear()
        client.get("/health")
        assert sum(s.lstrip().upper().startswith("UPDATE AUTH_SESSIONS") for s in statements) == 1
        statements.clear()
        client.get("/health")
        assert len(statements) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_password_change_keeps_this_browser_and_ends_the_copy(app, client, db, login):
    """After a password change, does the browser that changed it stay in while a copy of its old cookie is out?"""
    from tests.factories import PASSWORD

    login(Role.CASHIER)
    thief = _copy_cookie(client, app)
    response = client.post_form("/account/password", {"current_password": PASSWORD, "password": "new-password-123",
                                                       "confirm": "new-password-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302


def test_a_forged_or_old_style_cookie_opens_nothing(app, client, db, login):
    """Does a session id of the former form "<user id>:<token>" or an unknown key open anything? (no)"""
    user = login(Role.ADMIN)
    for forged in (f"{user.id}:{user.session_token}", "x" * 43, "x" * 5000):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        assert other.get("/").status_code == 302
