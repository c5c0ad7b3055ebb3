"""The checkout screen in headless Chromium (Playwright) at 1024x768: a cashier's Saturday morning with a scanner."""

from pathlib import Path

import pytest

from grocery.auth.roles import Role
from grocery.barcodes import gtin_check_digit, make_ean13
from grocery.stock.labels import encode_measure_label
from grocery.stock.services import ensure_item_number
from tests.checkout.tablet import launch_tablet, open_till_screen
from tests.factories import make_category, make_lot, make_product, make_shopper, make_user

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file unclosed when it answers 304 Not Modified to the browser.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = [(1024, 768), (1280, 800), (1366, 768)]


def _ean8(n: int) -> str:
    body = f"9610{n:03d}"
    return body + gtin_check_digit(body)


def _upca(n: int) -> str:
    body = f"03600{n:06d}"
    return body + gtin_check_digit(body)


def _saturday_stock():
    """15 barcoded products (EAN-13, EAN-8, UPC-A), two loose fruit without barcode, a product weighed at the
    counter (weight label), each with stock."""
    grocery_shelf = make_category(name="Épicerie sèche", sort_order=2)
    fruit = make_category(name="Fruits et légumes", sort_order=1)
    codes = []
    for n in range(15):
        code = make_ean13("54", 100 + n) if n < 7 else _ean8(n) if n < 11 else _upca(n)
        product = make_product(name=f"Article {n + 1:02d} de la réserve", retail_price_cents=200, price_rule="fixed",
                               social_price_cents=40, barcode=code, category=grocery_shelf)
        make_lot(product, 50)
        codes.append(code)
    for name in ("Pommes Jonagold", "Bananes"):
        make_lot(make_product(name=name, unit_kind="kg", retail_price_cents=250, price_rule="fixed",
                              social_price_cents=60, category=fruit), 20000)
    cheese = make_product(name="Fromage à la coupe", unit_kind="kg", retail_price_cents=1400, price_rule="fixed",
                          social_price_cents=300, category=grocery_shelf)
    make_lot(cheese, 5000)
    return codes, encode_measure_label("weight", ensure_item_number(cheese), 1500)


def _wait_for(page, expression: str, timeout_ms: int = 5000):
    """Wait until a JavaScript expression is true (page.wait_for_function evaluates a string, which the page's
    Content-Security-Policy forbids)."""
    for _ in range(timeout_ms // 20):
        if page.evaluate(f"() => Boolean({expression})"):
            return
        page.wait_for_timeout(20)
    raise AssertionError(f"{expression} never became true: {page.inner_text('#scan-message')}")


def _scan(page, code: str, delay: int = 2):
    page.keyboard.type(code, delay=delay)
    page.keyboard.press("Enter")


def _no_page_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight "
                         "&& document.scrollingElement.scrollWidth <= window.innerWidth")


def _last_line_visible(page) -> bool:
    """Is the line just added or changed (the highlighted one, else the last) inside the cart's visible box?"""
    return page.evaluate("""() => {
        const box = document.getElementById('lines-box').getBoundingClientRect();
        const line = document.querySelector('#lines .line.changed')
            || document.querySelector('#lines .line:last-child');
        const r = line.getBoundingClientRect();
        return r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.bottom <= window.innerHeight;
    }""")


def _shots(page, name: str):
    """Screenshots of the current state at each tablet size (then back to 1024x768), each without page scroll."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        assert _no_page_scroll(page), f"{name} scrolls at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"till-{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1024, "height": 768})


def test_a_cashiers_saturday_morning(app, db, live_server, chromium_path):
    """Card, 15 products of mixed barcodes, two fruit from the product panel, a weight label, a burst of 5 scans, a
    garbage scan followed by a product (sold once), a typed quantity, park and resume, cash, receipt in the same tab,
    back to a new sale: no page scroll, the line just scanned always visible, no request per scan."""
    from playwright.sync_api import sync_playwright

    make_user(Role.CASHIER, username="karim")
    _household, card = make_shopper(budget_cents=5000)
    codes, weight_label = _saturday_stock()
    db.session.commit()

    with sync_playwright() as playwright:
        browser, _context, page = launch_tablet(playwright, chromium_path)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        requests = []
        page.on("request", lambda request: requests.append(request.url))

        open_till_screen(page, live_server, "karim")
        _shots(page, "empty")

        _scan(page, card)
        page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)
        page.wait_for_timeout(50)
        before_scans = len(requests)

        lines = page.locator("#lines .line")
        for index, code in enumerate(codes):
            _scan(page, code)
            _wait_for(page, f"document.querySelectorAll('#lines .line').length === {index + 1}")
            assert _last_line_visible(page), f"line {index + 1} not visible"
            assert _no_page_scroll(page)
        assert len(requests) == before_scans, requests[before_scans:]  # no request per scan
        _shots(page, "15-lines")

        # Two fruit from the product panel (no barcode): category, tile, weight.
        page.click(".category-tile:has-text('Fruits et légumes')")
        assert page.locator("#product-tiles .product-btn").count() == 2
        _shots(page, "category")
        for name, weight in (("Pommes Jonagold", "1,250"), ("Bananes", "0,800")):
            page.click(f"#product-tiles .product-btn:has-text('{name}')")
            page.fill("#weight-input", weight)
            page.click("#form-weight button[type=submit]")
            page.wait_for_selector("#dlg-weight:not([open])", state="attached")
            assert _last_line_visible(page)
        assert lines.count() == 17
        assert page.locator("#lines .line").nth(15).locator(".qty-value").inner_text().replace("\xa0", " ") == "1,25 kg"

        # A weight label from the counter's scale.
        _scan(page, weight_label)
        _wait_for(page, "document.querySelectorAll('#lines .line').length === 18")
        assert "Fromage à la coupe" in page.locator("#lines .line").nth(17).inner_text()
        assert _last_line_visible(page)

        # A burst of 5 fast scans of one product: one line, 5 pieces.
        burst = make_ean13("54", 100 + 3)
        for _ in range(5):
            _scan(page, burst, delay=1)
        _wait_for(page, "document.querySelector('#lines .line:nth-child(4) .qty-value').textContent === '6'")
        assert _last_line_visible(page)

        # Garbage from the scanner, then a product: refused with a reason, then sold once (never 51 times).
        _scan(page, "<script>alert(1)</script>", delay=1)
        page.wait_for_selector("#scan-message.error")
        assert "illisible" in page.inner_text("#scan-message")
        assert page.locator("#pending").is_hidden()
        _shots(page, "refusal")
        _scan(page, codes[0])
        _wait_for(page, "document.querySelector('#lines .line:nth-child(1) .qty-value').textContent === '2'")
        assert "Article 01" in page.inner_text("#scan-message") and _last_line_visible(page)
        assert lines.count() == 18

        # A quantity typed by a person, shown with a way to clear it; then one that multiplies the next scan.
        page.keyboard.press("2")
        page.wait_for_timeout(350)
        assert page.locator("#pending").is_visible() and "2" in page.inner_text("#pending")
        page.click("#btn-pending-clear")
        assert page.locator("#pending").is_hidden()
        page.keyboard.press("3")
        page.wait_for_timeout(350)
        _scan(page, codes[1])
        _wait_for(page, "document.querySelector('#lines .line:nth-child(2) .qty-value').textContent === '4'")
        assert page.locator("#pending").is_hidden()
        assert len(requests) == before_scans, requests[before_scans:]  # still no request for any scan
        assert _no_page_scroll(page)

        # Park and resume.
        page.click("#btn-park")
        assert lines.count() == 0 and page.locator("#household-empty").is_visible()
        page.click("#btn-resume")
        page.click("#parked-list button")
        page.wait_for_selector("#household-ok:not([hidden])")
        assert lines.count() == 18

        # Total, cash, receipt in the same tab, back to a new sale.
        page.click("#btn-total")
        page.wait_for_selector("#btn-pay:not([disabled])")
        page.click("#btn-pay")
        page.click("[data-tender='5000']")
        page.click("#pay-confirm")
        page.wait_for_selector("#dlg-done[open]")
        page.click("#done-receipt")
        page.wait_for_selector(".receipt")
        assert "/receipt" in page.url
        assert "Vous avez économisé" in page.inner_text("body").replace("\u202f", " ").replace("\xa0", " ")
        page.screenshot(path=str(ARTIFACTS / "till-receipt-1024x768.png"))
        page.click(".receipt-back")
        page.wait_for_selector("#till[data-ready='1']")
        assert lines.count() == 0 and page.locator("#household-empty").is_visible()
        assert _no_page_scroll(page)
        assert errors == []
        browser.close()
