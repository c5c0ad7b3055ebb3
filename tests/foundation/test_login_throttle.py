"""Login throttle: per address and per account, growing delays, atomic under concurrency, proxies, kiosk exit."""

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from grocery.auth import throttle
from grocery.auth.models import LoginAttempt
from grocery.auth.roles import Role
from grocery.auth.services import LoginFailed, authenticate
from grocery.auth.throttle import LoginLocked, delay_after
from grocery.timeutil import utcnow
from tests.factories import PASSWORD, make_user


def _login(client, username, password, addr="127.0.0.1", headers=None):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": client.csrf_token("/login")},
                       environ_base={"REMOTE_ADDR": addr}, headers=headers or {})


def _fail(db, username, addr, n, ago=timedelta(0)):
    for _ in range(n):
        db.session.add(LoginAttempt(username=username, remote_addr=addr, attempted_at=utcnow() - ago,
                                    succeeded=False))
    db.session.commit()


def test_delays_grow_and_are_capped(app):
    """From 5 failures: 30 s, then doubled at each failure, never more than 15 minutes."""
    with app.app_context():
        assert [delay_after(n).total_seconds() for n in range(4, 11)] == [0, 30, 60, 120, 240, 480, 900]
        assert delay_after(500).total_seconds() == 900


def test_the_delay_runs_from_the_last_failure(db):
    """5 failures 31 s ago: the address may try again; a 6th failure then asks for 60 s, not 30."""
    make_user(username="delia")
    _fail(db, "delia", "1.1.1.1", 5, ago=timedelta(seconds=31))
    with pytest.raises(LoginFailed):
        authenticate("delia", "wrong-password", "1.1.1.1")
    db.session.commit()
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(seconds=31)))
    db.session.commit()
    with pytest.raises(LoginLocked):
        authenticate("delia", PASSWORD, "1.1.1.1")
    db.session.commit()
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert authenticate("delia", PASSWORD, "1.1.1.1").username == "delia"


def test_refused_attempts_do_not_lengthen_the_wait(db):
    """Hammering while the address waits is refused without checking and does not push the end of the wait."""
    make_user(username="hugo")
    _fail(db, "hugo", "2.2.2.2", 5, ago=timedelta(seconds=20))
    for _ in range(10):
        with pytest.raises(LoginLocked):
            authenticate("hugo", "guess-guess-guess", "2.2.2.2")
        db.session.commit()
    refused = select(func.count(LoginAttempt.id)).where(LoginAttempt.refused.is_(True))
    assert db.session.scalar(refused) == 10
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(seconds=31)))
    db.session.commit()
    assert authenticate("hugo", PASSWORD, "2.2.2.2").username == "hugo"


def test_one_address_guessing_many_accounts_is_slowed(client, db):
    """Failures on five different usernames from one address: is the next login from it refused?"""
    make_user(username="victim")
    db.session.commit()
    for n in range(5):
        assert _login(client, f"someone{n}", "wrong-password", "6.6.6.6").status_code == 401
    assert _login(client, "victim", PASSWORD, "6.6.6.6").status_code == 429
    assert _login(client, "victim", PASSWORD, "7.7.7.7").status_code == 302


def test_guessers_cannot_lock_a_user_out_of_her_usual_address(client, db):
    """Fifty failures for one account from fifty addresses: the user still logs in from where she used to, while
    a new address waits like the guessers."""
    make_user(username="nadia")
    db.session.commit()
    assert _login(client, "nadia", PASSWORD, "10.1.1.1").status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    for n in range(50):
        _fail(db, "nadia", f"198.51.100.{n}", 1)
    assert _login(client, "nadia", PASSWORD, "203.0.113.9").status_code == 429
    assert _login(client, "nadia", PASSWORD, "10.1.1.1").status_code == 302


def test_unknown_user_and_wrong_password_both_hash_once(db, monkeypatch):
    """Does an unknown user (or a blank password) cost one password hash, like a wrong password?"""
    import grocery.auth.models as models

    calls = []
    real = models.check_password_hash

    def spy(hashed, password):
        calls.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    monkeypatch.setattr(throttle, "check_password_hash", spy)
    make_user(username="known")
    for username, password in (("known", "wrong-password"), ("nobody", "wrong-password"), ("known", ""),
                               ("", "")):
        calls.clear()
        with pytest.raises(LoginFailed):
            authenticate(username, password, f"9.9.9.{len(username)}")
        assert len(calls) == 1, (username, password)


def test_forwarded_address_is_trusted_only_from_configured_proxies(app, client, db, monkeypatch):
    """With GROCERY_TRUSTED_PROXIES=1 the attempt is counted for the client the proxy names; with 0 (default),
    an X-Forwarded-For header sent by anyone is ignored, so changing it does not escape the throttle."""
    from grocery import _configure_proxies

    make_user(username="paula")
    db.session.commit()
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    plain = app.wsgi_app
    for proxies, expected in ((1, "203.0.113.5"), (0, "127.0.0.1")):
        monkeypatch.setitem(app.config, "TRUSTED_PROXIES", proxies)
        app.wsgi_app = plain
        _configure_proxies(app)
        _login(client, "paula", "wrong-password", headers={"X-Forwarded-For": "203.0.113.5"})
        last = db.session.scalars(select(LoginAttempt.remote_addr).order_by(LoginAttempt.id.desc())).first()
        assert last == expected
    db.session.execute(LoginAttempt.__table__.delete())
    db.session.commit()
    for n in range(5):
        _login(client, "paula", "wrong-password", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert _login(client, "paula", PASSWORD, headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429


def test_kiosk_exit_password_is_throttled_and_recorded(client, db, login):
    """Five wrong exit passwords at the kiosk: is even the right one refused for a while, each attempt recorded?"""
    login(Role.COORDINATOR)
    client.post_form("/volunteers/kiosk/open")
    for _ in range(5):
        assert client.post_form("/volunteers/kiosk/leave", {"password": "wrong-password"}).status_code == 422
    locked = client.post_form("/volunteers/kiosk/leave", {"password": PASSWORD})
    assert locked.status_code == 429 and "Trop de tentatives" in locked.get_data(as_text=True)
    assert client.get("/volunteers/").headers["Location"].endswith("/volunteers/kiosk")  # still in kiosk mode
    rows = db.session.execute(select(LoginAttempt.succeeded, LoginAttempt.refused)
                              .where(LoginAttempt.purpose == "kiosk_exit").order_by(LoginAttempt.id)).all()
    assert rows == [(False, False)] * 5 + [(False, True)]
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(seconds=31)))
    db.session.commit()
    assert client.post_form("/volunteers/kiosk/leave", {"password": PASSWORD}).status_code == 302
    assert client.get("/volunteers/").status_code == 200


def _race(app, db_, username):
    """20 threads try a wrong password at the same moment; returns the names of the errors they got."""
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt():
        with app.app_context():
            barrier.wait()
            try:
                authenticate(username, "wrong-password", "5.5.5.5")
            except (LoginFailed, LoginLocked) as error:
                outcomes.append(type(error).__name__)
            db_.session.commit()
            db_.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.skipif(not os.environ.get("GROCERY_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL: concurrent transactions")
def test_twenty_simultaneous_attempts_check_only_what_the_counter_allows(app, db):
    """4 failures, then 20 wrong passwords at the same moment: exactly one more is checked, 19 are refused."""
    make_user(username="race")
    _fail(db, "race", "5.5.5.5", 4)
    assert _race(app, db, "race") == ["LoginFailed"] + ["LoginLocked"] * 19
    checked = select(func.count(LoginAttempt.id)).where(LoginAttempt.refused.is_(False))
    assert db.session.scalar(checked) == 5


def test_twenty_simultaneous_attempts_on_a_sqlite_file(tmp_path):
    """The same race on a SQLite file (the in-memory test database has one connection): one more check only."""
    from grocery import create_app
    from grocery.config import TestingConfig
    from grocery.extensions import db as _db

    class FileConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'race.sqlite'}"

    app = create_app(FileConfig)
    with app.app_context():
        _db.create_all()
        make_user(username="race")
        _fail(_db, "race", "5.5.5.5", 4)
        _db.session.remove()
    try:
        assert _race(app, _db, "race") == ["LoginFailed"] + ["LoginLocked"] * 19
        with app.app_context():
            checked = select(func.count(LoginAttempt.id)).where(LoginAttempt.refused.is_(False))
            assert _db.session.scalar(checked) == 5
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
