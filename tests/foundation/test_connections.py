"""Pooled connections to a server database: checked after an idle time, not at every request."""

import pytest
from sqlalchemy import text

import grocery
from grocery.auth.roles import Role


def _pings(monkeypatch, engine) -> list:
    pings = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_in_use_is_not_checked_and_an_idle_one_dropped_by_the_server_is_replaced(app, client, db, login,
                                                                                              monkeypatch):
    """Requests one after the other: no check of the connection (a round trip each). The server drops the pooled
    connection (a restart) while it is idle: the next request gets a new connection and answers."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to lose the connection")
    login(Role.CASHIER)  # each request reads the session's user: it needs a connection
    pings = _pings(monkeypatch, db.engine)
    for _ in range(3):
        assert client.get("/health").status_code == 200
    assert pings == []
    db.session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.commit()
    try:
        later = grocery.idle_clock() + app.config["DATABASE_PING_IDLE_SECONDS"] + 1
        monkeypatch.setattr(grocery, "idle_clock", lambda: later)  # the connection has been idle that long
        assert client.get("/health").status_code == 200
        assert len(pings) >= 1
    finally:
        # Every other pooled connection was terminated too: the fixtures' cleanup needs fresh ones.
        db.session.remove()
        db.engine.dispose()
