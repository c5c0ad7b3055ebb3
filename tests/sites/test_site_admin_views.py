"""Site administration, the sites on the user form and the header's site picker, through the browser's requests;
a user of site A at site B's pages."""

import io
import re

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.settings.models import StoredFile
from grocery.settings.services import update_settings
from grocery.sites.context import SESSION_KEY
from grocery.sites.models import Site, SiteRole
from grocery.sites.services import create_site, deactivate_site, grant_site_role
from tests.factories import make_user
from tests.sites.helpers import PNG, audit_count, first_site, log_in, sale_at


def _two_sites(db):
    admin = make_user(Role.ADMIN)
    site_a = first_site()
    site_a.name = "Antenne A"
    site_b = create_site(admin, name="Antenne B", address="Rue du Pont 4", postcode="5000", city="Namur")
    db.session.commit()
    return admin, site_a, site_b


def test_an_administrator_adds_a_site_with_its_logo_and_the_site_names_appear(client, db, login):
    """On a one-site installation the header names no site; after the administrator adds a second site through
    the form (with a logo), the header shows the current site and offers both, the list shows the new site and its
    logo is served."""
    login(Role.ADMIN)
    site_a = first_site()
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'class="sitemenu"' not in home
    response = client.post_form("/admin/sites/new", {"name": "Antenne Jambes", "address": "Rue de Dave 2",
                                                     "postcode": "5100", "city": "Jambes",
                                                     "opening_hours": "Lundi 9:00-12:00",
                                                     "logo": (io.BytesIO(PNG), "logo.png")},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    site = db.session.scalar(select(Site).where(Site.name == "Antenne Jambes"))
    assert (site.postcode, site.city, site.opening_hours) == ("5100", "Jambes", "Lundi 9:00-12:00")
    assert db.session.get(StoredFile, site.logo_key).data == PNG
    listing = client.get("/admin/sites").get_data(as_text=True)
    assert "Antenne Jambes" in listing and f"/admin/sites/{site.id}/logo" in listing
    assert client.get(f"/admin/sites/{site.id}/logo").data == PNG
    header = client.get("/").get_data(as_text=True).split("<main")[0]
    assert 'class="sitemenu"' in header and "Antenne Jambes" in header and site_a.name in header


def test_a_wrong_site_form_says_what_to_correct_and_writes_nothing(client, db, login):
    """Is a second site named like the first (other case), a five-digit postcode or a GIF logo answered with the
    message next to the field (422), nothing written? Yes."""
    login(Role.ADMIN)
    site_a = first_site()
    db.session.commit()
    events = audit_count()
    for data, text in (({"name": site_a.name.upper()}, "already exists"),
                       ({"name": "Sud", "postcode": "12345"}, "four digits"),
                       ({"name": "Sud", "logo": (io.BytesIO(b"GIF89a...."), "x.gif")}, "PNG or JPEG")):
        client.post_form("/language", {"lang": "en"})
        response = client.post_form("/admin/sites/new", data, content_type="multipart/form-data")
        assert response.status_code == 422 and text in response.get_data(as_text=True)
    assert db.session.scalars(select(Site.name)).all() == [site_a.name] and audit_count() == events


def test_deactivating_a_site_with_an_open_till_is_refused_and_the_last_site_too(client, db, login):
    """Does the deactivate button refuse a site whose till is open and the last active site, with a message and
    nothing changed? Yes; a site without an open till is deactivated and reactivated."""
    admin, site_a, site_b = _two_sites(db)
    sale_at(site_b, make_user(Role.CASHIER))
    db.session.commit()
    log_in(client, admin)
    client.post_form("/language", {"lang": "en"})
    page = client.post_form(f"/admin/sites/{site_b.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "close it first" in page
    assert client.post_form(f"/admin/sites/{site_a.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Site, site_a.id).is_active and db.session.get(Site, site_b.id).is_active
    page = client.post_form(f"/admin/sites/{site_b.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "close it first" in page or "last active site" in page
    assert client.post_form(f"/admin/sites/{site_a.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(Site, site_a.id).is_active


def test_the_user_form_gives_and_takes_away_sites_when_there_are_several(client, db, login):
    """On a one-site installation the user form has no sites; with two, the administrator gives site B as cashier
    (the account then works only there), and takes it away again. A site id that does not exist is refused."""
    admin = login(Role.ADMIN)
    first_site()
    user = make_user(Role.COORDINATOR)
    db.session.commit()
    assert 'id="sites"' not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    site_b = create_site(admin, name="Antenne B")
    db.session.commit()
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="sites"' in page and "Antenne B" in page
    response = client.post_form(f"/admin/users/{user.id}/sites", {"grant-site": str(site_b.id),
                                                                  "grant-role": "cashier"})
    assert response.status_code == 302
    assert db.session.execute(select(SiteRole.site_id, SiteRole.role)).all() == [(site_b.id, "cashier")]
    assert client.post_form(f"/admin/users/{user.id}/sites", {"grant-site": "999999",
                                                              "grant-role": "cashier"}).status_code == 422
    assert client.post_form(f"/admin/users/{user.id}/sites/remove", {"site": "abc"}).status_code == 404
    assert client.post_form(f"/admin/users/{user.id}/sites/remove", {"site": str(site_b.id)}).status_code == 302
    assert db.session.scalars(select(SiteRole)).all() == []


def test_the_picker_switches_to_one_of_the_users_sites_and_refuses_another(client, db):
    """A coordinator of A and B switches to B (the header then shows B); a cashier of A only sees no picker, and
    asking for B (or a site that does not exist) is refused: the session stays at A."""
    admin, site_a, site_b = _two_sites(db)
    coordinator, cashier = make_user(Role.COORDINATOR), make_user(Role.CASHIER)
    grant_site_role(admin, coordinator, site_a, "coordinator")
    grant_site_role(admin, coordinator, site_b, "coordinator")
    grant_site_role(admin, cashier, site_a, "cashier")
    db.session.commit()
    log_in(client, coordinator)
    assert client.post_form("/site", {"site_id": str(site_b.id)}).status_code == 303
    with client.session_transaction() as session:
        assert session[SESSION_KEY] == site_b.id
    header = client.get("/").get_data(as_text=True).split("<main")[0]
    assert re.search(r'<summary><span class="sitemenu-label">[^<]+</span> '
                     r'<span class="sitemenu-name">Antenne B</span></summary>', header)
    client.post_form("/logout")
    log_in(client, cashier)
    assert 'class="sitemenu"' not in client.get("/").get_data(as_text=True)
    for asked in (str(site_b.id), "999999", "abc", ""):
        assert client.post_form("/site", {"site_id": asked}).status_code == 303
        with client.session_transaction() as session:
            assert session.get(SESSION_KEY) is None
    assert client.post("/site", data={"site_id": str(site_b.id)}).status_code == 400  # no CSRF token


def test_a_cashier_of_site_a_gets_nothing_of_site_b(client, db):
    """A cashier of A asking for a receipt of B's sale gets 404 (their own sale's: 200), even with B written into
    the session; given
    site B as stock manager, at B the till's pages answer 403 and the stock's 200."""
    admin, site_a, site_b = _two_sites(db)
    cashier = make_user(Role.CASHIER)
    grant_site_role(admin, cashier, site_a, "cashier")
    update_settings(admin, {"checkout.till_names": "Caisse 1\nCaisse 2"})
    sale_a, _till = sale_at(site_a, cashier)
    sale_b, _till = sale_at(site_b, make_user(Role.CASHIER), till_name="Caisse 2")
    db.session.commit()
    log_in(client, cashier)
    with client.session_transaction() as session:
        session[SESSION_KEY] = site_b.id
    assert client.get(f"/till/sales/{sale_a.id}/receipt").status_code == 200
    assert client.get(f"/till/sales/{sale_b.id}/receipt").status_code == 404
    assert client.get(f"/admin/sites/{site_b.id}/logo").status_code == 404
    grant_site_role(admin, cashier, site_b, "stock_manager")
    db.session.commit()
    assert client.post_form("/site", {"site_id": str(site_b.id)}).status_code == 303
    assert client.get("/till/").status_code == 403
    assert client.get("/stock/").status_code == 200
    assert client.post_form("/site", {"site_id": str(site_a.id)}).status_code == 303
    assert client.get("/till/").status_code == 200
    assert client.get("/stock/").status_code == 403


def test_a_user_who_works_at_no_open_site_gets_a_page_that_says_so(client, db):
    """A cashier whose only site was closed: every page answers 403 with the message to ask an administrator, the
    menus are empty, and they can still log out."""
    admin, _site_a, site_b = _two_sites(db)
    cashier = make_user(Role.CASHIER)
    grant_site_role(admin, cashier, site_b, "cashier")
    deactivate_site(admin, site_b)
    db.session.commit()
    log_in(client, cashier)
    client.post_form("/language", {"lang": "en"})
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "works at no open site" in page
    assert re.search(r'<nav class="mainnav"[^>]*>\s*</nav>', page)
    assert client.get("/till/").status_code == 403
    assert client.post_form("/logout").status_code == 302


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CASHIER, Role.STOCK_MANAGER, Role.SOCIAL_WORKER])
def test_only_administrators_manage_sites(client, db, login, role):
    """Can anyone but an administrator open the sites' pages or give sites? No (403)."""
    login(role)
    site = first_site()
    db.session.commit()
    assert client.get("/admin/sites").status_code == 403
    assert client.post_form(f"/admin/sites/{site.id}/deactivate").status_code == 403
    assert db.session.get(Site, site.id).is_active
