"""The checkout page opens without the network once it was opened online (issue #13): the till's service worker
serves the page, its scripts and the catalogue from its cache, and keeps nothing else."""

import pytest
from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.checkout.models import TillSession
from grocery.checkout.till import close_till
from tests.checkout.tablet import launch_tablet, open_till_screen
from tests.factories import PASSWORD, make_lot, make_product, make_shopper, make_user

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file unclosed when it answers 304 Not Modified to the browser.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

#: What the worker's caches hold: {cache name: [path, ...]}.
CACHED = """async () => {
    const found = {};
    for (const name of await caches.keys()) {
        found[name] = (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
    }
    return found;
}"""


def _wait_for(page, expression: str, timeout_ms: int = 10000):
    """Wait until an (async) JavaScript expression is true; page.wait_for_function evaluates a string, which the
    page's Content-Security-Policy forbids."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(f"async () => Boolean({expression})"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{expression} never became true")


def _cached_paths(page) -> set[str]:
    return {path for paths in page.evaluate(CACHED).values() for path in paths}


def test_the_till_reopens_offline_from_the_service_worker(app, db, live_server, chromium_path):
    """Open the till online, scan the card; the network drops; reload: the page, its scripts and the catalogue come
    from the worker's cache and a scan adds its line. The cache holds neither the card lookup nor any POST."""
    from playwright.sync_api import Error, sync_playwright

    make_user(Role.CASHIER, username="nadia")
    _household, card = make_shopper(budget_cents=5000)
    code = make_ean13("54", 777)
    rice = make_product(name="Riz basmati", retail_price_cents=300, price_rule="fixed", social_price_cents=90,
                        barcode=code)
    make_lot(rice, 20)
    db.session.commit()

    with sync_playwright() as playwright:
        browser, context, page = launch_tablet(playwright, chromium_path)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_till_screen(page, live_server, "nadia")
        screen = page.url.removeprefix(live_server)
        assert screen.endswith("/screen")
        page.keyboard.type(card, delay=2)
        page.keyboard.press("Enter")
        page.wait_for_selector("#household-ok:not([hidden])", timeout=10000)

        # The worker took control and kept the page, the catalogue and the page's scripts.
        _wait_for(page, "navigator.serviceWorker.controller")
        _wait_for(page, f"""(async () => {{
            const names = await caches.keys();
            let pages = 0;
            for (const name of names) for (const r of await (await caches.open(name)).keys()) {{
                const path = new URL(r.url).pathname;
                if (path === '{screen}' || path === '/api/till/catalogue') pages += 1;
            }}
            return pages === 2;
        }})()""")
        cached = _cached_paths(page)
        assert {"/static/js/checkout/till.js", "/static/js/checkout/cart.js", "/static/js/app.js",
                "/static/css/checkout.css"} <= cached
        assert not any(path.startswith("/api/till/households") for path in cached)  # no household's data
        assert "/api/till/cards-snapshot" not in cached and "/login" not in cached

        context.set_offline(True)
        response = page.reload()
        assert response.from_service_worker
        page.wait_for_selector("#till[data-ready='1']", timeout=10000)
        assert page.locator("#household-ok").is_visible()
        page.keyboard.type(code, delay=2)
        page.keyboard.press("Enter")
        page.wait_for_selector("#lines .line", timeout=5000)
        assert "Riz basmati" in page.inner_text("#lines")
        assert page.locator("#lines .line").count() == 1

        # A second reload still works offline (the cache answered; nothing was dropped by the failed refresh).
        page.reload()
        page.wait_for_selector("#till[data-ready='1']", timeout=10000)
        assert page.locator("#lines .line").count() == 1

        # Back online: the next opening takes the page and the catalogue from the network and refreshes the copies.
        context.set_offline(False)
        rice.name = "Riz basmati complet"
        db.session.commit()
        page.reload()
        page.wait_for_selector("#till[data-ready='1']", timeout=10000)
        _wait_for(page, """(async () => {
            for (const name of await caches.keys()) {
                const copy = await (await caches.open(name)).match('/api/till/catalogue', { ignoreVary: true });
                if (copy && (await copy.text()).includes('Riz basmati complet')) return true;
            }
            return false;
        })()""")

        # The till closed meanwhile: the server sends the page elsewhere and the worker drops its copy.
        till = db.session.scalars(select(TillSession)).one()
        close_till(till.opened_by, till, counted_cents=5000)
        db.session.commit()
        page.goto(live_server + screen)
        assert page.url == live_server + "/till/"
        _wait_for(page, f"""(async () => {{
            for (const name of await caches.keys()) {{
                if (await (await caches.open(name)).match('{screen}')) return false;
            }}
            return true;
        }})()""")
        context.set_offline(True)
        with pytest.raises(Error):
            page.goto(live_server + screen)
        assert not errors, errors
        browser.close()


#: Put one sale in the till's queue (the IndexedDB store of static/js/checkout/queue.js), or empty it.
QUEUE = """async (sale) => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('grocery-till-queue', 1);
        request.onupgradeneeded = () => {
            request.result.createObjectStore('waiting', { keyPath: 'seq', autoIncrement: true });
            request.result.createObjectStore('sent', { keyPath: 'uuid' });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    await new Promise((resolve) => {
        const store = db.transaction('waiting', 'readwrite').objectStore('waiting');
        const request = sale ? store.add(sale) : store.clear();
        request.onsuccess = resolve;
    });
    db.close();
}"""


def test_logout_waits_for_the_queue_then_erases_the_tablet(app, db, live_server, chromium_path):
    """While a sale waits in the queue the logout is not sent and the page says why; once the queue is empty the
    logout erases the worker, its caches and the storage: the checkout page no longer opens offline."""
    from playwright.sync_api import Error, sync_playwright

    make_user(Role.CASHIER, username="nadia")
    db.session.commit()

    with sync_playwright() as playwright:
        browser, context, page = launch_tablet(playwright, chromium_path)
        open_till_screen(page, live_server, "nadia")
        screen = page.url
        _wait_for(page, "navigator.serviceWorker.controller")
        _wait_for(page, "(async () => (await caches.keys()).length >= 2)()")

        page.evaluate(QUEUE, {"uuid": "5d1f0c3e-8a3b-4c55-9d0e-1b2c3d4e5f60", "state": "waiting"})
        page.click(".usermenu summary")
        page.click("form[data-logout] button[type=submit]")
        page.wait_for_selector("form[data-logout] .logout-refused")
        assert "attendent encore" in page.inner_text("form[data-logout] .logout-refused")
        assert page.url == screen
        assert page.evaluate("async () => (await caches.keys()).length") >= 2
        assert page.request.get(live_server + "/till/", max_redirects=0).status == 200  # still logged in

        page.evaluate(QUEUE, None)
        with page.expect_navigation():
            page.click("form[data-logout] button[type=submit]")
        assert page.url.startswith(live_server + "/login")
        assert page.evaluate("async () => (await caches.keys()).length") == 0
        assert page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
        assert page.evaluate("async () => (await indexedDB.databases()).length") == 0

        context.set_offline(True)
        with pytest.raises(Error):
            page.goto(screen)
        browser.close()


def test_one_checkout_page_is_kept_per_tablet(app, db, live_server, chromium_path):
    """A coordinator opens the page of Caisse 1, then that of Caisse 2 on the same tablet: only the page of Caisse 2
    stays in the worker's cache (the other till session's page, with its holder's name, is dropped)."""
    from playwright.sync_api import sync_playwright

    from grocery.settings.services import update_settings
    from tests.factories import make_till

    update_settings(None, {"checkout.till_names": "Caisse 1\nCaisse 2"})
    coordinator = make_user(Role.COORDINATOR, username="claire")
    first = make_till(coordinator, till_name="Caisse 1")
    second = make_till(till_name="Caisse 2")
    db.session.commit()
    first_screen, second_screen = f"/till/sessions/{first.id}/screen", f"/till/sessions/{second.id}/screen"

    with sync_playwright() as playwright:
        browser, _context, page = launch_tablet(playwright, chromium_path)
        page.goto(live_server + "/login")
        page.fill("#username", "claire")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit].primary")
        page.goto(live_server + first_screen)
        page.wait_for_selector("#till[data-ready='1']")
        _wait_for(page, "navigator.serviceWorker.controller")
        _wait_for(page, f"(async () => {{ for (const n of await caches.keys()) "
                        f"if (await (await caches.open(n)).match('{first_screen}')) return true; return false; }})()")
        page.goto(live_server + second_screen)
        page.wait_for_selector("#till[data-ready='1']")
        _wait_for(page, f"(async () => {{ for (const n of await caches.keys()) "
                        f"if (await (await caches.open(n)).match('{second_screen}')) return true; return false; }})()")
        cached = _cached_paths(page)
        assert second_screen in cached and first_screen not in cached
        browser.close()
