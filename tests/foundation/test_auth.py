"""Login, throttling, passwords and the account pages."""

import re

from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.models import LoginAttempt, User
from grocery.auth.roles import Role
from grocery.auth.services import authenticate, create_user
from grocery.errors import Conflict, ValidationError
from tests.factories import PASSWORD, make_user


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": client.csrf_token("/login")})


def test_login_and_logout(client, db):
    """Can a user log in with the right password, land on the home page and log out?"""
    make_user(Role.SOCIAL_WORKER, username="sophie")
    db.session.commit()
    response = _login(client, "Sophie ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    home = client.get("/")
    assert home.status_code == 200
    token = client.csrf_token()
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_unknown_user_and_wrong_password_get_the_same_message(client, db):
    """Does the login page tell apart an unknown user from a wrong password? (it must not)"""
    make_user(username="karim")
    db.session.commit()
    unknown = _login(client, "nobody", PASSWORD)
    wrong = _login(client, "karim", "not-the-password")
    blank = _login(client, "", "")
    message = "Identifiant inconnu ou mot de passe incorrect."
    for response in (unknown, wrong, blank):
        assert response.status_code == 401
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))) == 3


def test_five_failures_lock_the_username_from_that_address(client, db):
    """After 5 failed attempts, is even the right password refused from that address, while the account still
    opens from an address it logged in from before (and not from a new one)?"""
    make_user(username="claire")
    db.session.commit()
    usual = {"REMOTE_ADDR": "10.0.0.9"}
    first = client.post("/login", data={"username": "claire", "password": PASSWORD,
                                        "csrf_token": client.csrf_token("/login")}, environ_base=usual)
    assert first.status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    for _ in range(5):
        assert _login(client, "claire", "wrong-password").status_code == 401
    locked = _login(client, "claire", PASSWORD)
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.get_data(as_text=True)
    # Her usual address is not locked out by someone else's failures; a new address waits like the guesser.
    other = client.post("/login", data={"username": "claire", "password": PASSWORD,
                                        "csrf_token": client.csrf_token("/login")}, environ_base=usual)
    assert other.status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    new = client.post("/login", data={"username": "claire", "password": PASSWORD,
                                      "csrf_token": client.csrf_token("/login")},
                      environ_base={"REMOTE_ADDR": "10.0.0.77"})
    assert new.status_code == 429


def test_lockout_expires_after_the_window(db, app):
    """Do failures older than the lock-out window stop counting?"""
    from datetime import timedelta

    from grocery.timeutil import utcnow

    make_user(username="old")
    past = utcnow() - timedelta(minutes=16)
    for _ in range(5):
        db.session.add(LoginAttempt(username="old", remote_addr="1.2.3.4", attempted_at=past, succeeded=False))
    db.session.flush()
    assert authenticate("old", PASSWORD, "1.2.3.4").username == "old"


def test_inactive_user_cannot_log_in(client, db):
    """Can a deactivated account log in? (no)"""
    user = make_user(username="gone")
    user.is_active_account = False
    db.session.commit()
    assert _login(client, "gone", PASSWORD).status_code == 401


def test_create_user_refusals_write_nothing(db):
    """Duplicate username, short password, unknown role: a clear error and no row."""
    make_user(username="dup")
    before = db.session.scalar(select(func.count(User.id)))
    for kwargs, error in [
        ({"username": "DUP", "password": PASSWORD, "role": "cashier"}, Conflict),
        ({"username": "new1", "password": "short", "role": "cashier"}, ValidationError),
        ({"username": "new2", "password": PASSWORD, "role": "chef"}, ValidationError),
        ({"username": "no spaces", "password": PASSWORD, "role": "cashier"}, ValidationError),
    ]:
        try:
            create_user(None, **kwargs)
        except error as raised:
            assert raised.message
        else:
            raise AssertionError(f"accepted {kwargs}")
    assert db.session.scalar(select(func.count(User.id))) == before


def test_admin_creates_edits_and_deactivates_an_account(client, db, login):
    """Can an administrator manage accounts through the pages, with each change in the audit log?"""
    admin = login(Role.ADMIN)
    response = client.post_form("/admin/users/new", {"username": "newbie", "display_name": "Nina Nouvelle",
                                                     "role": "cashier", "preferred_language": "fr",
                                                     "password": "a-long-password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.role == "cashier" and user.created_by_id == admin.id
    response = client.post_form(f"/admin/users/{user.id}", {"display_name": "Nina N.", "role": "stock_manager",
                                                              "preferred_language": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.role, user.is_active_account) == ("Nina N.", "stock_manager", False)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["user.create", "user.update"]


def test_admin_form_refusals(client, db, login):
    """Duplicate username, short password and unknown role in the form: messages in French, nothing written."""
    login(Role.ADMIN)
    make_user(username="taken")
    db.session.commit()
    before = db.session.scalar(select(func.count(User.id)))
    cases = [
        ({"username": "taken", "role": "cashier", "password": "a-long-password"}, "est déjà pris"),
        ({"username": "fresh", "role": "cashier", "password": "short"}, "au moins 10 caractères"),
        ({"username": "fresh", "role": "chef", "password": "a-long-password"}, "pas un choix valide"),
    ]
    for data, message in cases:
        data |= {"display_name": "X", "preferred_language": "fr"}
        response = client.post_form("/admin/users/new", data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == before


def test_last_admin_cannot_be_demoted(client, db, login):
    """Can the only administrator remove their own role? (no: someone must keep the keys)"""
    admin = login(Role.ADMIN)
    response = client.post_form(f"/admin/users/{admin.id}", {"display_name": "A", "role": "cashier",
                                                              "preferred_language": "fr", "is_active": "y"})
    assert "dernier compte administrateur" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_password_change_ends_other_sessions(app, client, db, login):
    """After a user changes their password, is another browser logged in as them logged out?"""
    user = login(Role.CASHIER)
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": PASSWORD,
                               "csrf_token": other.csrf_token("/login")})
    assert other.get("/").status_code == 200
    response = client.post_form("/account/password", {"current_password": PASSWORD, "password": "new-password-123",
                                                       "confirm": "new-password-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_password_change_refusals(client, db, login):
    """Wrong current password or short new one: a message and the old password still works."""
    user = login(Role.CASHIER)
    bad = client.post_form("/account/password", {"current_password": "nope-nope-nope", "password": "new-password-123",
                                                 "confirm": "new-password-123"})
    assert "Le mot de passe actuel est incorrect." in bad.get_data(as_text=True)
    short = client.post_form("/account/password", {"current_password": PASSWORD, "password": "short",
                                                   "confirm": "short"})
    assert "au moins 10 caractères" in short.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_admin_resets_a_password(client, db, login):
    """Can an administrator set a new password for someone, and is it logged?"""
    login(Role.ADMIN)
    target = make_user(username="forgetful")
    db.session.commit()
    response = client.post_form(f"/admin/users/{target.id}/password", {"reset-password": "brand-new-secret"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).check_password("brand-new-secret")
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == str(target.id),
                                                             AuditEvent.action == "user.password_reset"))


def test_open_redirect_is_refused(client, db):
    """Does ?next= send a user to another site after login? (no)"""
    make_user(username="nextuser")
    db.session.commit()
    response = client.post("/login?next=https://evil.example/", data={
        "username": "nextuser", "password": PASSWORD, "csrf_token": client.csrf_token("/login")})
    assert response.headers["Location"] == "/"


def test_login_page_is_french_by_default_and_switches_to_english(client, db):
    """Is the login page in French, and does the language button switch it to English?"""
    page = client.get("/login").get_data(as_text=True)
    assert "Se connecter" in page and 'lang="fr"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_user_language_preference_applies(client, db, login):
    """Does a user who prefers English see the app in English?"""
    login(Role.ADMIN, preferred_language="en")
    assert "Accounts" in client.get("/admin/users").get_data(as_text=True)


def test_logout_erases_what_the_browser_kept(client, db):
    """Does the logout tell the browser to erase its cache and the site's storage (the till's service worker and
    caches, the cards snapshot), and does no other answer say so (a login, a page)?"""
    make_user(Role.CASHIER, username="nadia")
    db.session.commit()
    login = _login(client, "nadia", PASSWORD)
    assert "Clear-Site-Data" not in login.headers
    assert "Clear-Site-Data" not in client.get("/till/").headers
    response = client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/till/").status_code == 302


def test_a_refused_logout_erases_nothing(client, db):
    """A logout without its CSRF token is refused and tells the browser to erase nothing."""
    make_user(Role.CASHIER, username="nadia")
    db.session.commit()
    _login(client, "nadia", PASSWORD)
    response = client.post("/logout", data={})
    assert response.status_code == 400 and "Clear-Site-Data" not in response.headers
    assert client.get("/till/").status_code == 200
