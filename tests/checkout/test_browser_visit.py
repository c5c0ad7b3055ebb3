"""The till's side of a visit in headless Chromium at 1024x768: today's appointments listed, the card scan marks
the household arrived, the cashier chooses the proxy who shops (identity checked) and the sale keeps it, the
renewal warning of a household whose access ends soon; no page scroll at any step."""

from datetime import time, timedelta

import pytest

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment, SaleProxy
from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.checkout.models import Sale
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.appointments.helpers import appointment_today
from tests.checkout.tablet import launch_tablet, open_till_screen
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _scan(page, code: str):
    page.keyboard.type(code, delay=2)
    page.keyboard.press("Enter")


def _no_page_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight "
                         "&& document.scrollingElement.scrollWidth <= window.innerWidth")


def test_appointments_arrival_proxy_and_renewal_at_the_till(app, db, live_server, chromium_path):
    from playwright.sync_api import sync_playwright

    make_user(Role.CASHIER, username="karim")
    proxied, card = make_shopper(budget_cents=5000)
    aps.create_mandate(None, proxied, full_name="Jeanne Dupont", identity_document="carte d'identité")
    appointment_today(proxied, at=time(10))
    today = local_today()
    ending = make_household()
    make_decision(ending, valid_from=today - timedelta(days=80), valid_until=today + timedelta(days=5),
                  budget_cents=3000, budget_override_motive="Test")
    appointment_today(ending, at=time(10, 15))
    code = make_ean13("54", 777)
    make_lot(make_product(name="Riz 1 kg", price_rule="fixed", social_price_cents=80, barcode=code), 20)
    db.session.commit()

    with sync_playwright() as playwright:
        browser, _context, page = launch_tablet(playwright, chromium_path)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_till_screen(page, live_server, "karim")

        # Today's appointments, in order, nobody arrived yet; the button then counts who is expected.
        page.click("#btn-appointments")
        page.wait_for_selector("#appointments-list li")
        assert page.inner_text("#appointments-count") == "2"
        rows = page.locator("#appointments-list li")
        assert rows.count() == 2
        assert rows.nth(0).inner_text().startswith("10:00") and "attendu" in rows.nth(0).inner_text()
        assert rows.nth(1).inner_text().startswith("10:15")
        assert _no_page_scroll(page)
        page.click("#dlg-appointments [data-close]")

        # The card scan marks the household arrived and offers its proxy.
        _scan(page, card)
        page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)
        assert "10:00" in page.inner_text("#hh-appointment") and "arrivé" in page.inner_text("#hh-appointment")
        assert page.locator("#hh-renewal").is_hidden()
        assert page.inner_text("#btn-shopper") == "Qui fait les courses ?"
        assert _no_page_scroll(page)

        # The cashier picks the proxy: refused until the identity check is ticked.
        page.click("#btn-shopper")
        page.click(".shopper-choice:has-text('Jeanne Dupont')")
        assert "carte d'identité" in page.inner_text("#shopper-document")
        page.click("#form-shopper button[type=submit]")
        assert "Cochez" in page.inner_text("#shopper-error")
        page.check("#shopper-checked")
        page.fill("#shopper-note", "carte vue")
        page.click("#form-shopper button[type=submit]")
        page.wait_for_selector("#dlg-shopper:not([open])", state="attached")
        assert page.inner_text("#btn-shopper") == "Par mandataire : Jeanne Dupont"
        assert _no_page_scroll(page)

        # The sale keeps who shopped.
        _scan(page, code)
        page.wait_for_selector("#lines .line")
        page.click("#btn-total")
        page.wait_for_selector("#btn-pay:not([disabled])")
        page.click("#btn-pay")
        page.click("[data-method='card']")
        page.click("#pay-confirm")
        page.wait_for_selector("#dlg-done[open]")
        page.click("#done-new")

        # The other household: its access ends in 5 days, the till says so; the list shows the first arrived.
        _scan(page, ending.active_card.code)
        page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)
        day = (today + timedelta(days=5)).strftime("%d/%m")
        assert page.inner_text("#hh-renewal") == f"Accès valable jusqu'au {day} : pensez au renouvellement."
        assert page.locator("#btn-shopper").is_hidden()
        assert _no_page_scroll(page)
        page.click("#btn-change-household")
        page.click("#btn-appointments")
        page.wait_for_selector("#appointments-list li.arrived")
        assert page.locator("#appointments-list li.arrived").count() == 2
        browser.close()
    assert errors == []

    _db.session.expire_all()
    sale = _db.session.scalars(_db.select(Sale)).one()
    proxy = _db.session.get(SaleProxy, sale.id)
    assert proxy.mandate.full_name == "Jeanne Dupont" and proxy.identity_checked and proxy.identity_note == "carte vue"
    assert {a.status for a in _db.session.scalars(_db.select(Appointment))} == {"arrived"}
