"""The office pages in headless Chromium: no page of the route walk is wider than a 1024 px tablet, and the top bar's
menu folds into one button on a 390 px phone."""


import pytest

from grocery.auth.roles import PUBLIC, Role
from tests.factories import PASSWORD
from tests.foundation.test_hostile_input import _scenario, _url
from tests.foundation.test_route_roles import EXPECTED

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file unclosed when it answers 304 Not Modified to the browser.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Not pages: the session's end, files and JSON.
NOT_PAGES = {"static", "auth.logout", "main.health", "settings.logo", "till_openapi.document"}
#: The role that walks the pages it reaches, in this order; each page is measured once, by the first role reaching it.
WALKERS = [Role.COORDINATOR, Role.SOCIAL_WORKER, Role.ADMIN, Role.STOCK_MANAGER, Role.CASHIER]
WIDTHS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


@pytest.fixture()
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(browser, base: str, user, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-BE")
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, "the walker could not log in"
    return page


def _pages(app, db, users):
    """(role, endpoint, URL) of every GET page of the route table, as the first walker that reaches it."""
    done, pages = set(), []
    for role in WALKERS:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            endpoint = rule.endpoint
            if endpoint in done or endpoint in NOT_PAGES or "GET" not in rule.methods:
                continue
            expected = EXPECTED[endpoint]
            if expected is not PUBLIC and role not in expected:
                continue
            done.add(endpoint)
            pages.append((role, endpoint, _url(db, rule, users)))
    return pages


def test_no_page_is_wider_than_a_tablet(app, db, live_server, browser):
    """Every page of the route walk at 1024x768, with a row behind each id: the document is no wider than the
    window (a wide table scrolls inside its card)."""
    users = _scenario(db)
    pages = _pages(app, db, users)
    measured, failures = [], []
    for role in WALKERS:
        page = _log_in(browser, live_server, users[role], 1024, 768)
        for walker, endpoint, url in pages:
            if walker != role:
                continue
            response = page.request.get(live_server + url, max_redirects=0)
            if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
                continue  # a file, JSON or a redirect: not a page
            page.goto(live_server + url)
            width, viewport = page.evaluate(WIDTHS)
            measured.append(endpoint)
            if width > viewport:
                failures.append(f"{endpoint} ({role.value}): {width} px wide in a {viewport} px window")
        page.context.close()
    assert failures == []
    # The walk reached the pages behind id arguments too (a broken scenario would measure only the lists).
    assert len(measured) >= 60, measured
    assert {"stock.product_edit", "audit.events", "volunteers.participant", "volunteers.shift",
            "households.view", "reports.dashboard"} <= set(measured)


def test_the_menu_folds_into_one_button_on_a_phone(app, db, live_server, browser):
    """At 390 px the sections hide behind one "Menu" button that opens and closes them (Escape closes it too);
    at 1024 px the button is gone and the sections show."""
    from tests.factories import make_user

    user = make_user(Role.ADMIN)
    db.session.commit()
    page = _log_in(browser, live_server, user, 390, 844)
    toggle = page.locator(".menu-toggle")
    nav = page.locator(".mainnav")
    assert toggle.is_visible() and not nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate(WIDTHS)[0] <= 390
    box = toggle.bounding_box()
    assert box["height"] >= 48 and box["y"] + box["height"] <= 80  # in the top bar, a finger's size

    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    links = nav.locator("a")
    assert links.count() >= 5
    for index in range(links.count()):
        link = links.nth(index).bounding_box()
        assert link["height"] >= 48 and link["x"] >= 0 and link["x"] + link["width"] <= 390
    assert page.locator(".usermenu summary").is_visible()
    page.keyboard.press("Escape")
    assert not nav.is_visible() and toggle.get_attribute("aria-expanded") == "false"

    page.set_viewport_size({"width": 1024, "height": 768})
    assert not toggle.is_visible() and nav.is_visible()
    page.context.close()


#: The open user menu and everything in it: the left and right edges of each visible box.
USER_MENU_BOXES = """() => [...document.querySelectorAll('.usermenu-panel, .usermenu-panel *')]
  .filter((node) => node.getClientRects().length)
  .map((node) => { const box = node.getBoundingClientRect();
                   return [node.tagName + '.' + node.className, Math.round(box.left), Math.round(box.right)]; })"""


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_the_open_user_menu_fits_a_phone(app, db, live_server, browser, language):
    """At 390x844, the menu opened and then the user menu (role, password, the language buttons, log out): nothing
    sticks out of the window, the page does not scroll sideways, and every button of the panel is a finger's size;
    Escape closes the user menu, then the menu."""
    from tests.factories import make_user

    user = make_user(Role.SOCIAL_WORKER, display_name="Marie-Françoise Vandenbroucke-Delvaux",
                     preferred_language=language)
    db.session.commit()
    page = _log_in(browser, live_server, user, 390, 844)
    assert page.locator("html").get_attribute("lang") == language
    page.locator(".menu-toggle").click()
    page.locator(".usermenu summary").click()
    assert page.locator(".usermenu-panel").is_visible()
    assert page.locator(".usermenu-panel .language-switch button").count() >= 2
    outside = [(name, left, right) for name, left, right in page.evaluate(USER_MENU_BOXES)
               if left < 0 or right > 390]
    assert outside == []
    assert page.evaluate(WIDTHS) == [390, 390]
    summary = page.locator(".usermenu summary").bounding_box()
    assert summary["x"] >= 0 and summary["x"] + summary["width"] <= 390
    for index in range(page.locator(".usermenu-panel .button").count()):
        assert page.locator(".usermenu-panel .button").nth(index).bounding_box()["height"] >= 48
    page.keyboard.press("Escape")  # the user menu closes first, then the menu
    assert not page.locator(".usermenu-panel").is_visible() and page.locator(".mainnav").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator(".mainnav").is_visible()
    page.context.close()


#: The width of the rows of the table placed directly in the page (a table displayed as a block box is as wide as
#: the page while its rows shrink to their content), and that of the page's content box.
TABLE_AND_PAGE = """() => { const main = document.querySelector('main.page'), style = getComputedStyle(main);
  return [document.querySelector('main.page > table.table tr').getBoundingClientRect().width,
          main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)]; }"""


def test_a_table_placed_in_the_page_takes_its_width(app, db, live_server, browser):
    """The stock list with one short row: at 1024 and 1280 px the table spans the page (its columns share the
    width); on a 390 px phone the table is no wider than the screen and the page does not scroll sideways."""
    from tests.factories import make_lot, make_product, make_user

    user = make_user(Role.STOCK_MANAGER)
    make_lot(make_product(name="Riz"), 3)
    db.session.commit()
    page = _log_in(browser, live_server, user, 1024, 768)
    for width, height in ((1024, 768), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server + "/stock/")
        table, content = page.evaluate(TABLE_AND_PAGE)
        assert abs(table - content) <= 1, (width, table, content)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/stock/")
    table, content = page.evaluate(TABLE_AND_PAGE.replace("table.table tr", "table.table"))
    assert table <= content and page.evaluate(WIDTHS) == [390, 390]  # its rows scroll inside it
    page.context.close()
