"""The rules of the field at the till, in headless Chromium (issue #17): the prorated first budget of a decision that
starts on the 20th, and a category quota refused and explained before payment."""

from datetime import date
from pathlib import Path

import pytest

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.settings.services import update_settings
from tests.checkout.tablet import launch_tablet, open_till_screen
from tests.checkout.test_browser import _no_page_scroll, _scan, _wait_for
from tests.factories import (
    make_category,
    make_decision,
    make_household,
    make_lot,
    make_member,
    make_product,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file unclosed when it answers 304 Not Modified to the browser.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: The day the till works on: a decision starts that day, 11 days before the end of a 30-day month.
THE_20TH = date(2026, 11, 20)


@pytest.fixture()
def on_the_20th(monkeypatch):
    """The till (its API and services, served by the live server's thread) works on the 20th."""
    import grocery.checkout.api
    import grocery.checkout.services

    for module in (grocery.checkout.api, grocery.checkout.services):
        monkeypatch.setattr(module, "local_today", lambda: THE_20TH)


def _text(page, selector: str) -> str:
    return " ".join(page.inner_text(selector).replace("\xa0", " ").replace("\u202f", " ").split())


def test_the_till_shows_the_prorated_first_budget_and_explains_a_category_quota(app, db, live_server,
                                                                               chromium_path, on_the_20th):
    """A monthly budget of 150 € granted from the 20th: the till shows 55,00 € for the 11 days left of November.
    Three packs of wipes for a household with one child under 3 (baby hygiene: 2 per child under 3 per week): the
    total lists the quota refusal in words, payment stays closed; two packs pass."""
    from playwright.sync_api import sync_playwright

    make_user(Role.CASHIER, username="karim")
    update_settings(None, {"households.budget_period": "month"})
    household = make_household()
    make_member(household, birth_on=date(2025, 6, 1))  # 17 months old on the 20th
    make_decision(household, valid_from=THE_20TH, decided_on=THE_20TH, budget_cents=15000,
                  budget_override_motive="Budget mensuel fixé par le comité")
    card = household.active_card.code
    category = make_category(name="Hygiène bébé", quota_quantity=2, quota_scope="per_child_under_3",
                             quota_period="week")
    wipes_code = make_ean13("54", 7001)
    wipes = make_product(name="Lingettes bébé", category=category, retail_price_cents=300, price_rule="fixed",
                         social_price_cents=100, barcode=wipes_code)
    make_lot(wipes, 40)
    db.session.commit()

    with sync_playwright() as playwright:
        browser, _context, page = launch_tablet(playwright, chromium_path)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        open_till_screen(page, live_server, "karim")

        # The prorated first budget: 150 € x 11 / 30 days.
        _scan(page, card)
        page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)
        assert _text(page, "#hh-budget") == "55,00 €"

        # Three packs of a category whose quota allows two: refused at the total, in words, before any payment.
        for count in (1, 2, 3):
            _scan(page, wipes_code)
            _wait_for(page, f"document.querySelector('#lines .line .qty-value')?.textContent === '{count}'")
        page.click("#btn-total")
        page.wait_for_selector("#violations:not([hidden]) li")
        assert _text(page, "#violations") == "Hygiène bébé : encore 2 au maximum pour ce ménage sur cette période."
        page.wait_for_selector("#scan-message.error")
        assert page.locator("#btn-pay").is_disabled()
        assert _text(page, "#budget-after") == "52,00 €"
        assert _no_page_scroll(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "till-category-quota-1024x768.png"))

        # Two packs pass: the quote has no violation and payment opens.
        page.click("#lines .line .qty-value")
        page.wait_for_selector("#dlg-qty[open]")
        page.fill("#qty-input", "2")
        page.click("#form-qty button[type=submit]")
        _wait_for(page, "document.querySelector('#lines .line .qty-value')?.textContent === '2'")
        page.click("#btn-total")
        page.wait_for_selector("#btn-pay:not([disabled])")
        assert page.locator("#violations").is_hidden()
        assert _text(page, "#budget-after") == "53,00 €"
        assert errors == []
        browser.close()
