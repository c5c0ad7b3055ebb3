"""The checkout screen in headless Chromium (Playwright), at 1024x768, as a cashier with a scanner would use it."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from tests.factories import PASSWORD, make_lot, make_product, make_shopper, make_user

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file unclosed when it answers 304 Not Modified to the browser.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture()
def live_server(app, db):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_cashier_sells_with_a_scanner(app, db, live_server, chromium_path):
    """Card typed as scanner keys, 3 products (one in a burst of 5 fast scans), an unknown code, no request per
    scan, cash payment, receipt with savings."""
    from playwright.sync_api import sync_playwright

    make_user(Role.CASHIER, username="karim")
    _household, card = make_shopper(budget_cents=5000)
    rice = make_product(name="Riz long 1 kg", retail_price_cents=250, price_rule="fixed", social_price_cents=50,
                        barcode=make_ean13("54", 1))
    milk = make_product(name="Lait demi-écrémé", retail_price_cents=110, price_rule="fixed", social_price_cents=20,
                        barcode=make_ean13("54", 2))
    pasta = make_product(name="Pâtes", retail_price_cents=150, price_rule="fixed", social_price_cents=30,
                         barcode=make_ean13("54", 3))
    for product in (rice, milk, pasta):
        make_lot(product, 20)
    db.session.commit()
    unknown = make_ean13("54", 999)
    codes = {p.id: p.barcodes[0].code for p in (rice, milk, pasta)}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-BE")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        requests = []
        page.on("request", lambda request: requests.append(request.url))

        page.goto(live_server + "/login")
        page.fill("#username", "karim")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit].primary")
        page.goto(live_server + "/till/")
        page.click("text=Ouvrir la caisse")
        page.fill("#float_cents", "50,00")
        page.click("main button[type=submit].primary")
        page.wait_for_selector("#till[data-ready='1']")

        page.keyboard.type(card, delay=3)
        page.keyboard.press("Enter")
        try:
            page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)
        except Exception:
            raise AssertionError(page.inner_text("#till")) from None
        before_scans = len(requests)

        page.keyboard.type(codes[rice.id], delay=3)
        page.keyboard.press("Enter")
        for _ in range(5):  # a burst of fast scans of the same product
            page.keyboard.type(codes[milk.id], delay=2)
            page.keyboard.press("Enter")
        page.keyboard.type(codes[pasta.id], delay=3)
        page.keyboard.press("Enter")
        page.keyboard.type(unknown, delay=3)
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
        message = page.inner_text("#scan-message")
        assert unknown in message and "inconnu" in message
        lines = page.locator("#lines .line")
        assert lines.count() == 3
        quantities = page.locator("#lines .qty-value").all_inner_texts()
        assert quantities == ["1", "5", "1"]
        assert len(requests) == before_scans, requests[before_scans:]  # no request per scan

        page.click("#btn-total")
        page.wait_for_selector("#btn-pay:not([disabled])")
        assert "1,80" in page.inner_text("#total")
        page.click("#btn-pay")
        page.fill("#pay-tendered", "5,00")
        assert "3,20" in page.inner_text("#pay-change")
        page.click("#pay-confirm")
        page.wait_for_selector("#dlg-done[open]")
        assert "7,70" in page.inner_text("#done-savings")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "till-sale-1024x768.png"))
        with context.expect_page() as receipt_info:
            page.click("#done-receipt")
        receipt = receipt_info.value
        receipt.wait_for_load_state()
        text = receipt.inner_text("body")
        assert "Vous avez économisé 7,70" in text.replace("\u202f", " ").replace("\xa0", " ")
        receipt.screenshot(path=str(ARTIFACTS / "till-receipt.png"))
        assert errors == []
        browser.close()
