"""CSRF, security headers, cookies and error pages."""

from grocery.auth.roles import Role
from tests.factories import PASSWORD, make_user


def test_post_without_csrf_token_is_refused(client, db, login):
    """Is a state-changing POST without its CSRF token refused and nothing changed?"""
    login(Role.ADMIN)
    response = client.post("/admin/users/new", data={"username": "sneaky", "display_name": "S", "role": "admin",
                                                     "preferred_language": "fr", "password": "a-long-password"})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    from sqlalchemy import select

    from grocery.auth.models import User

    assert db.session.scalar(select(User).where(User.username == "sneaky")) is None


def test_login_without_csrf_token_is_refused(client, db):
    make_user(username="nocsrf")
    db.session.commit()
    response = client.post("/login", data={"username": "nocsrf", "password": PASSWORD})
    assert response.status_code == 400


def test_json_request_may_send_the_token_in_a_header(client, db, login):
    """Does a JSON-style request with the X-CSRFToken header pass the CSRF check?"""
    login(Role.ADMIN)
    token = client.csrf_token()
    response = client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    refused = client.post("/language", data={"lang": "en"})
    assert refused.status_code == 400


def test_security_headers(client, db):
    """Are CSP (no inline script, no framing), nosniff and referrer policy on every page?"""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)


def test_session_cookie_flags(client, db):
    """Is the session cookie HttpOnly and SameSite=Lax?"""
    make_user(username="cookie")
    db.session.commit()
    response = client.post("/login", data={"username": "cookie", "password": PASSWORD,
                                           "csrf_token": client.csrf_token("/login")})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_configured(monkeypatch):
    """With GROCERY_SECURE_COOKIES=1, are cookies marked Secure?"""
    import importlib

    import grocery.config

    monkeypatch.setenv("GROCERY_SECURE_COOKIES", "1")
    reloaded = importlib.reload(grocery.config)
    try:
        assert reloaded.Config.SESSION_COOKIE_SECURE is True
        assert reloaded.ProductionConfig.REMEMBER_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("GROCERY_SECURE_COOKIES")
        importlib.reload(grocery.config)


def test_friendly_error_pages(client, db, login):
    """Do 404 and 403 pages speak French and offer a way back?"""
    login(Role.CASHIER)
    not_found = client.get("/nowhere")
    assert not_found.status_code == 404 and "Page introuvable" in not_found.get_data(as_text=True)
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "Retour à l'accueil" in forbidden.get_data(as_text=True)


def test_api_errors_are_json(client, db):
    response = client.get("/api/unknown")
    assert response.status_code == 404
    assert response.is_json and response.json["error"] == "http_404"


def test_navigation_shows_each_role_only_its_sections(client, db, login):
    """Does a cashier's menu hide the administration sections?"""
    login(Role.CASHIER)
    page = client.get("/").get_data(as_text=True)
    assert "Comptes" not in page and "Paramètres" not in page and "Journal d'audit" not in page


def test_admin_sees_the_administration_sections(client, db, login):
    login(Role.ADMIN)
    page = client.get("/").get_data(as_text=True)
    assert "Comptes" in page and "Paramètres" in page and "Journal d'audit" in page
