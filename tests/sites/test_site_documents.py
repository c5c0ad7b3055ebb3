"""The site on printed documents: its logo (else the organisation's), and with several sites its name, address and
opening hours, on the till receipt, the donor's receipt, the household's card and the volunteer's badge."""

import io
import re

from fpdf import FPDF

from grocery.auth.roles import Role
from grocery.settings.services import set_logo, update_settings
from grocery.sites.context import SESSION_KEY, using_site
from grocery.sites.documents import draw_document_header
from grocery.sites.logos import set_site_logo
from grocery.sites.services import create_site, update_site
from grocery.stock.services import add_donation_line, confirm_donation, start_donation
from grocery.timeutil import local_today
from grocery.volunteers.attestation import plain
from tests.factories import make_donor, make_participant, make_product, make_shopper, make_user
from tests.sites.helpers import JPEG, PNG, first_site, log_in, sale_at

_HEAD = re.compile(r'<div class="document-site">(.*?)</div>', re.S)


def _head(page: str) -> str | None:
    match = _HEAD.search(page)
    return match.group(1) if match else None


def test_a_one_site_receipt_looks_as_before_and_gains_the_logo_once_one_is_set(client, db):
    """On a one-site installation without a logo the receipt has no site head at all; with the organisation's logo
    it prints that logo, and no site name (the organisation's name is already its title)."""
    admin = make_user(Role.ADMIN)
    site = first_site()
    sale, _till = sale_at(site, admin)
    db.session.commit()
    log_in(client, admin)
    assert _head(client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True)) is None
    set_logo(admin, PNG)
    db.session.commit()
    head = _head(client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True))
    assert 'src="/admin/settings/logo"' in head and site.name not in head


def test_with_two_sites_the_receipt_prints_its_sites_logo_name_address_and_hours(client, db):
    """A sale at site B prints B's logo (not the organisation's), B's name, address and opening hours; a sale at A,
    which has no logo, prints the organisation's logo and A's name."""
    admin = make_user(Role.ADMIN)
    site_a = first_site()
    site_b = create_site(admin, name="Antenne B", address="Rue du Pont 4", postcode="5000", city="Namur",
                         opening_hours="Mardi 9:00-12:00")
    set_logo(admin, PNG)
    set_site_logo(admin, site_b, JPEG)
    update_settings(admin, {"checkout.till_names": "Caisse 1\nCaisse 2"})
    sale_b, _till = sale_at(site_b, admin)
    sale_a, _till = sale_at(site_a, make_user(Role.CASHIER), till_name="Caisse 2")
    db.session.commit()
    log_in(client, admin)
    with client.session_transaction() as session:  # a sale is shown at its own site (another site's: 404)
        session[SESSION_KEY] = site_b.id
    head = _head(client.get(f"/till/sales/{sale_b.id}/receipt").get_data(as_text=True))
    assert f'src="/admin/sites/{site_b.id}/logo?v=' in head
    assert all(text in head for text in ("Antenne B", "Rue du Pont 4", "5000 Namur", "Mardi 9:00-12:00"))
    with client.session_transaction() as session:
        session[SESSION_KEY] = site_a.id
    head = _head(client.get(f"/till/sales/{sale_a.id}/receipt").get_data(as_text=True))
    assert 'src="/admin/settings/logo"' in head and site_a.name in head and "Antenne B" not in head


def test_the_donor_receipt_card_and_badge_print_their_sites_head(client, db):
    """The donor's receipt of a reception at B names B; the household's card sheet and the volunteer's badge,
    printed by a user working at B, carry B's head too (households and volunteers belong to the installation; on
    the badge, a card of 54 mm, the style shows only the logo)."""
    admin = make_user(Role.ADMIN)
    first_site()
    site_b = create_site(admin, name="Antenne B", opening_hours="Jeudi 14:00-17:00")
    with using_site(site_b.id):
        donation = start_donation(admin, make_donor(), local_today())
        add_donation_line(donation, make_product(), quantity=3)
        confirm_donation(admin, donation)
    household, _card = make_shopper()
    participant = make_participant()
    db.session.commit()
    log_in(client, admin)
    client.post_form("/site", {"site_id": str(site_b.id)})
    for url in (f"/stock/receptions/{donation.id}/receipt", f"/households/{household.id}/card",
                f"/volunteers/participants/{participant.id}/badge"):
        response = client.get(url)
        assert response.status_code == 200, url
        head = _head(response.get_data(as_text=True))
        assert head is not None and "Antenne B" in head and "Jeudi 14:00-17:00" in head, url


def test_a_site_without_opening_hours_prints_none(client, db):
    """With several sites, a site without opening hours prints its name and no "Opening hours" line."""
    admin = make_user(Role.ADMIN)
    site_a = first_site()
    create_site(admin, name="Antenne B")
    update_site(admin, site_a, name="Antenne A")
    sale, _till = sale_at(site_a, admin)
    db.session.commit()
    log_in(client, admin)
    head = _head(client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True))
    assert "Antenne A" in head and "document-site-hours" not in head


def _real_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), (20, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_attestation_pdf_prints_the_sites_logo_name_and_hours(app, db):
    """The attestation's head (a PDF): with two sites and a logo for the current site, the logo image, the site's
    name and opening hours; a logo the PDF library cannot read is left out and the document is still made."""
    admin = make_user(Role.ADMIN)
    site_a = first_site()
    create_site(admin, name="Antenne B")
    update_site(admin, site_a, name="Antenne Centre", opening_hours="Vendredi 9:00-12:00")
    with app.test_request_context():
        set_site_logo(admin, site_a, _real_png())
        pdf = FPDF(format="A4")
        pdf.compress = False
        pdf.add_page()
        draw_document_header(pdf, 170, plain)
        output = bytes(pdf.output())
        assert b"/Subtype /Image" in output and b"Antenne Centre" in output and b"Vendredi 9:00-12:00" in output
        set_site_logo(admin, site_a, PNG)  # a PNG signature with nothing readable after it
        pdf = FPDF(format="A4")
        pdf.compress = False
        pdf.add_page()
        draw_document_header(pdf, 170, plain)
        output = bytes(pdf.output())
        assert b"/Subtype /Image" not in output and b"Antenne Centre" in output
