"""The till without the network, in headless Chromium (Playwright): three sales to two households while offline, the
calm indicator, the queue sent once the network is back (exactly three sales, nothing twice), a replay of the whole
queue by hand that records nothing more, and the close that waits for the queue."""

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.timeutil import local_today, utcnow
from tests.checkout.tablet import launch_tablet, open_till_screen
from tests.checkout.test_browser import _no_page_scroll, _scan, _wait_for
from tests.factories import make_category, make_lot, make_product, make_shopper, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _stock():
    """Rice at 3,00 € and pasta at 1,00 € (fixed social prices), in stock."""
    shelf = make_category(name="Épicerie", sort_order=1)
    rice = make_product(name="Riz 1 kg", retail_price_cents=500, price_rule="fixed", social_price_cents=300,
                        barcode=make_ean13("54", 901), category=shelf)
    pasta = make_product(name="Pâtes 500 g", retail_price_cents=200, price_rule="fixed", social_price_cents=100,
                         barcode=make_ean13("54", 902), category=shelf)
    make_lot(rice, 20)
    make_lot(pasta, 20)
    return make_ean13("54", 901), make_ean13("54", 902)


def _open_till(page, live_server):
    open_till_screen(page, live_server, "nadia")
    page.wait_for_selector("#till[data-snapshot]")  # the cards valid today are on the tablet


@contextmanager
def _till(live_server: str, chromium_path: str):
    """A cashier's tablet (Chromium, 1024x768, French) with the till open online and the cards snapshot stored:
    (context, page, the page's script errors)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, context, page = launch_tablet(playwright, chromium_path)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        _open_till(page, live_server)
        try:
            yield context, page, errors
        finally:
            browser.close()


def _text(page, selector: str) -> str:
    return page.inner_text(selector).replace("\u202f", " ").replace("\xa0", " ")


def _shots(page, name: str, *, scrolls: bool = False):
    """Screenshots at the two tablet sizes, each without page scroll unless the page `scrolls` (a form)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1024, 768), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        assert scrolls or _no_page_scroll(page), f"{name} scrolls at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"till-{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1024, "height": 768})


def _back_online_after_a_silence(db, context, page):
    """The network comes back after the server saw the till silent for five minutes (its heartbeat could not reach
    it: a gap in its contact, within which the sales made count as offline); wait until the queue is empty."""
    from grocery.checkout.models import TillSession

    till = db.session.scalar(select(TillSession))
    till.opened_at = utcnow() - timedelta(minutes=30)
    till.last_contact_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    context.set_offline(False)
    _wait_for(page, "document.getElementById('till').dataset.waiting === '0'", timeout_ms=20000)


def _sell(page, card: str, codes: list[str], total: str, *, method: str = "cash"):
    """One sale at the till: card, products, Total, payment (exact cash or bank card); the done dialog open."""
    _scan(page, card)
    page.wait_for_selector("#household-ok:not([hidden])")
    for code in codes:
        _scan(page, code)
        page.wait_for_timeout(150)
    _wait_for(page, f"document.getElementById('total').textContent.replace(/\\s/g, ' ') === '≈ {total}'")
    page.click("#btn-total")
    page.wait_for_selector("#btn-pay:not([disabled])")
    page.click("#btn-pay")
    if method == "cash":
        page.click("[data-tender='exact']")
    else:
        page.click("[data-method='card']")
    page.click("#pay-confirm")
    page.wait_for_selector("#dlg-done[open]")


def test_three_sales_offline_are_sent_once_when_the_network_is_back(app, db, live_server, chromium_path):
    """Offline: household A buys 6 € of its 10 €, then uses exactly the 4 € left (the budget shown counts the sale
    waiting in the queue); household B buys once. The indicator says 3 sales wait. Back online: exactly three
    sales on the server, recorded as offline sales, the queue empty, the indicator gone. Replaying the three stored
    bodies by hand records nothing more."""
    from grocery.checkout.models import Sale
    from grocery.households.models import Household
    from grocery.households.services import budget_left

    make_user(Role.CASHIER, username="nadia")
    household_a, card_a = make_shopper(budget_cents=1000)
    _household_b, card_b = make_shopper(budget_cents=3000)
    rice, pasta = _stock()
    db.session.commit()

    with _till(live_server, chromium_path) as (context, page, errors):
        assert page.locator("#offline-status").is_hidden()

        context.set_offline(True)
        page.wait_for_selector("#offline-status:not([hidden])")
        assert "Hors ligne" in _text(page, "#offline-status")

        # Household A: 2 rice (6,00 €) of its 10,00 €, paid cash; its ticket printed from the tablet, marked offline.
        _sell(page, card_a, [rice, rice], "6,00 €")
        assert "hors ligne" in _text(page, "#done-title").lower()
        assert page.locator("#done-receipt").is_hidden()
        _shots(page, "offline-done")
        page.evaluate("() => { window.print = () => {}; }")
        page.click("#done-print")
        ticket = _text(page, "#offline-ticket")
        assert "HORS LIGNE" in ticket and "Riz 1 kg" in ticket and "6,00 €" in ticket
        page.emulate_media(media="print")
        page.screenshot(path=str(ARTIFACTS / "till-offline-ticket-print.png"), full_page=True)
        page.emulate_media(media="screen")
        page.click("#done-new")

        # Household A again: the budget shown counts the sale waiting in the queue; it spends exactly what is left.
        _scan(page, card_a)
        page.wait_for_selector("#household-ok:not([hidden])")
        assert _text(page, "#hh-budget") == "4,00 €"
        page.click("#btn-new")
        _sell(page, card_a, [rice, pasta], "4,00 €", method="card")
        page.click("#done-new")

        # One more rice for A would now go over its budget: refused offline as online.
        _scan(page, card_a)
        page.wait_for_selector("#household-ok:not([hidden])")
        assert _text(page, "#hh-budget") == "0,00 €"
        _scan(page, rice)
        _wait_for(page, "document.querySelectorAll('#lines .line').length === 1")
        page.click("#btn-total")
        page.wait_for_selector("#violations:not([hidden])")
        assert "budget" in _text(page, "#violations")
        assert page.locator("#btn-pay").is_disabled()
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#btn-new")

        # Household B.
        _sell(page, card_b, [pasta], "1,00 €")
        page.click("#done-new")

        _wait_for(page, "document.getElementById('till').dataset.waiting === '3'")
        assert _text(page, "#offline-status") == "Hors ligne : 3 ventes en attente d'envoi"
        assert page.evaluate("() => window.tillQueue.count()") == 3
        bodies = page.evaluate("() => window.tillQueue.waiting().then((list) => list.map((e) => e.body))")
        assert [body["offline"] for body in bodies] == [True, True, True]
        assert [body["total_cents"] for body in bodies] == [600, 400, 100]
        assert db.session.scalar(select(func.count()).select_from(Sale)) == 0
        page.click("#offline-status")
        page.wait_for_selector("#dlg-offline[open]")
        assert page.locator("#offline-list li").count() == 3
        _shots(page, "offline-list")
        page.click("#dlg-offline [data-close]")
        # The next household starts while the three sales wait: the till looks and works as online.
        _scan(page, card_b)
        page.wait_for_selector("#household-ok:not([hidden])")
        _scan(page, rice)
        _wait_for(page, "document.querySelectorAll('#lines .line').length === 1")
        _shots(page, "offline-3-waiting")
        page.click("#btn-new")

        _back_online_after_a_silence(db, context, page)
        page.wait_for_selector("#offline-status", state="hidden")
        assert page.evaluate("() => window.tillQueue.count()") == 0
        db.session.expire_all()
        sales = db.session.scalars(select(Sale).order_by(Sale.id)).all()
        assert [(sale.card_code, sale.total_cents, sale.offline, sale.review_status) for sale in sales] == [
            (card_a, 600, True, None), (card_a, 400, True, None), (card_b, 100, True, None)]
        assert sales[0].payment_method == "cash" and sales[1].payment_method == "card"

        _scan(page, card_b)
        page.wait_for_selector("#household-ok:not([hidden])")
        assert _text(page, "#hh-budget") == "29,00 €"  # the server's figure, which now counts the sale sent
        _shots(page, "online-after-sync")
        page.click("#btn-new")

        # Replay of the whole queue by hand: the same three bodies again, each answered 200 with the same sale.
        statuses = page.evaluate("""async (bodies) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const headers = { 'Content-Type': 'application/json', 'X-CSRFToken': token, Accept: 'application/json' };
            const out = [];
            for (const body of bodies) {
                const init = { method: 'POST', body: JSON.stringify(body), headers };
                const response = await fetch('/api/till/sales', init);
                out.push([response.status, (await response.json()).id]);
            }
            return out;
        }""", bodies)
        assert statuses == [[200, sale.id] for sale in sales]
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Sale)) == 3
        assert budget_left(db.session.get(Household, household_a.id), local_today()) == 0
        assert errors == []


def test_a_refusal_while_online_is_shown_and_a_cut_sale_waits_until_the_close_sends_it(app, db, live_server,
                                                                                        chromium_path):
    """Online, the server refuses a sale (the card was replaced meanwhile): the cashier sees the refusal, nothing
    waits. Then the network breaks just for the sales: the sale becomes an offline sale kept in the queue; the close
    page says so plainly and keeps its button disabled until the sale is sent; closing erases the cards snapshot
    from the tablet. The sale is recorded once."""
    from grocery.checkout.models import Sale, TillSession
    from grocery.households.models import HouseholdCard

    make_user(Role.CASHIER, username="nadia")
    _household_a, card_a = make_shopper(budget_cents=1000)
    _household_b, card_b = make_shopper(budget_cents=1000)
    rice, _pasta = _stock()
    db.session.commit()

    with _till(live_server, chromium_path) as (_context, page, errors):

        # A refusal of the server while it is reachable: shown as before, not queued.
        _scan(page, card_a)
        page.wait_for_selector("#household-ok:not([hidden])")
        _scan(page, rice)
        _wait_for(page, "document.querySelectorAll('#lines .line').length === 1")
        page.click("#btn-total")
        page.wait_for_selector("#btn-pay:not([disabled])")
        card = db.session.scalar(select(HouseholdCard).where(HouseholdCard.code == card_a))
        card.is_active, card.deactivation_reason = False, "lost"
        db.session.commit()
        page.click("#btn-pay")
        page.click("[data-tender='exact']")
        page.click("#pay-confirm")
        _wait_for(page, "document.getElementById('pay-error').textContent.length > 0")
        assert "Carte remplacée" in _text(page, "#pay-error")
        assert page.evaluate("() => window.tillQueue.count()") == 0
        assert page.locator("#offline-status").is_hidden()
        page.click("#dlg-pay [data-close]")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#btn-new")

        # The sale's request is cut (the rest of the network works): kept as an offline sale, shown as such.
        page.route("**/api/till/sales", lambda route: route.abort("internetdisconnected"))
        _sell(page, card_b, [rice], "3,00 €")
        assert "hors ligne" in _text(page, "#done-title").lower()
        page.click("#done-new")
        assert page.evaluate("() => window.tillQueue.count()") == 1
        body = page.evaluate("() => window.tillQueue.waiting().then((list) => list[0].body)")
        assert body["offline"] is True and body["total_cents"] == 300

        till = db.session.scalar(select(TillSession))
        page.goto(f"{live_server}/till/sessions/{till.id}/close")
        page.wait_for_selector("#close-queue:not([hidden])")
        assert "1 vente faite hors ligne est encore sur cette tablette" in _text(page, "#close-queue")
        assert page.locator("#close-form button[type=submit]").is_disabled()
        _shots(page, "close-waiting", scrolls=True)
        page.click(".usermenu summary")
        page.click("form[action$='/logout'] button")
        page.wait_for_selector("form[action$='/logout'] .logout-refused")  # no logout while a sale waits
        assert "attendent encore d'être envoyées" in _text(page, "form[action$='/logout'] .logout-refused")
        assert page.url.endswith("/close")
        page.on("dialog", lambda dialog: dialog.accept())  # "Record this count and close the till?"
        assert db.session.scalar(select(func.count()).select_from(Sale)) == 0

        page.unroute("**/api/till/sales")
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("#close-queue", state="hidden", timeout=20000)
        assert page.locator("#close-form button[type=submit]").is_enabled()
        db.session.expire_all()
        assert [(s.card_code, s.total_cents) for s in db.session.scalars(select(Sale))] == [(card_b, 300)]

        page.fill("#counted_cents", "53,00")
        page.click("#close-form button[type=submit]")
        page.wait_for_url("**/report")
        snapshot = page.evaluate("""() => new Promise((resolve) => {
            const request = indexedDB.open('grocery-till-cards');
            request.onsuccess = () => {
                const read = request.result.transaction('snapshot').objectStore('snapshot').count();
                read.onsuccess = () => resolve(read.result);
            };
        })""")
        assert snapshot == 0
        db.session.expire_all()
        assert not db.session.scalar(select(TillSession)).is_open
        assert errors == []


def test_the_till_reloaded_offline_keeps_selling(app, db, live_server, chromium_path):
    """The till page reloaded without the network (served by the service worker): the card is checked from the
    snapshot, counting the sale already waiting; both sales are sent once back online."""
    from grocery.checkout.models import Sale

    make_user(Role.CASHIER, username="nadia")
    _household, card = make_shopper(budget_cents=1000)
    rice, _pasta = _stock()
    db.session.commit()

    with _till(live_server, chromium_path) as (context, page, errors):
        _wait_for(page, "Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)")

        context.set_offline(True)
        _sell(page, card, [rice, rice], "6,00 €")
        page.click("#done-new")
        page.reload()
        page.wait_for_selector("#till[data-ready='1']")
        _wait_for(page, "document.getElementById('till').dataset.waiting === '1'")
        _scan(page, card)
        page.wait_for_selector("#household-ok:not([hidden])")
        assert _text(page, "#hh-budget") == "4,00 €"
        page.click("#btn-new")
        _sell(page, card, [rice], "3,00 €")
        page.click("#done-new")

        _back_online_after_a_silence(db, context, page)
        db.session.expire_all()
        assert [(s.total_cents, s.offline) for s in db.session.scalars(select(Sale).order_by(Sale.id))] == [
            (600, True), (300, True)]
        assert errors == []
